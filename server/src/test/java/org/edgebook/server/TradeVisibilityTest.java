package org.edgebook.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.edgebook.http.RequestSignature;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, finding 1: trades are public-shaped for account keys (no buyer, seller or order ids) and full for the
 * admin key, over HTTP and on the WebSocket trades channel; each shape is encoded once per trade.
 */
class TradeVisibilityTest {
    private static final Set<String> PUBLIC = Set.of("tradeId", "seq", "time", "symbol", "price", "quantity",
            "aggressorSide");
    private static final Set<String> FULL = Set.of("tradeId", "seq", "time", "symbol", "price", "quantity",
            "aggressorSide", "buyer", "seller", "makerOrderId", "takerOrderId");

    private static ApiKey key(final SettlementServer server, final String account) {
        return server.keys().all().stream().filter(k -> account == null ? k.admin() : account.equals(k.account()))
                .findFirst().orElseThrow();
    }

    private static HttpResponse<String> send(final HttpClient http, final SettlementServer server, final ApiKey key,
                                             final String method, final String path, final String body)
            throws Exception {
        final byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        final String ts = Long.toString(System.currentTimeMillis());
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, bytes.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(bytes))
                .header(RequestSignature.KEY_HEADER, key.id()).header(RequestSignature.TIMESTAMP_HEADER, ts)
                .header(RequestSignature.SIGNATURE_HEADER, RequestSignature.sign(key.secret(), ts, method, path,
                        bytes)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static WebSocket subscribe(final HttpClient http, final SettlementServer server, final ApiKey key,
                                       final Served.Inbox inbox) throws InterruptedException {
        final String ts = Long.toString(System.currentTimeMillis());
        final WebSocket socket = http.newWebSocketBuilder()
                .header(RequestSignature.KEY_HEADER, key.id())
                .header(RequestSignature.TIMESTAMP_HEADER, ts)
                .header(RequestSignature.SIGNATURE_HEADER, RequestSignature.sign(key.secret(), ts, "GET", "/v1/ws",
                        new byte[0]))
                .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/v1/ws"), inbox).join();
        socket.sendText("{\"op\":\"subscribe\",\"channel\":\"trades\"}", true).join();
        inbox.await("\"subscribed\":\"trades\"");
        return socket;
    }

    private static Set<String> fields(final String json) {
        return new JsonObject(json).fieldNames();
    }

    @Test
    void accountKeysSeeThePublicShapeAndTheAdminTheFullOne(@TempDir final Path dir) throws Exception {
        try (SettlementServer server = SettlementServer.start(new SettlementServer.Config("127.0.0.1", 0,
                dir.resolve("data"), dir.resolve("master.key"), 1_000), true, w -> {})) {
            final HttpClient http = HttpClient.newHttpClient();
            final ApiKey admin = key(server, null);
            final ApiKey alice = key(server, "alice");
            final ApiKey bob = key(server, "bob");
            final Served.Inbox adminInbox = new Served.Inbox();
            final Served.Inbox aliceInbox = new Served.Inbox();
            final Served.Inbox bobInbox = new Served.Inbox();
            subscribe(http, server, admin, adminInbox);
            subscribe(http, server, alice, aliceInbox);
            subscribe(http, server, bob, bobInbox);

            assertThat(send(http, server, alice, "POST", "/v1/orders", "{\"clientOrderId\":\"ask-7\","
                    + "\"symbol\":\"BTC-USD\",\"side\":\"SELL\",\"price\":\"64000\",\"quantity\":\"0.5\"}")
                    .statusCode()).isEqualTo(200);
            assertThat(send(http, server, bob, "POST", "/v1/orders", "{\"clientOrderId\":\"bid-9\","
                    + "\"symbol\":\"BTC-USD\",\"side\":\"BUY\",\"price\":\"64000\",\"quantity\":\"0.5\"}")
                    .statusCode()).isEqualTo(200);

            // GET /v1/trades: the same trade, public to alice (a party to it) and bob, full to the admin.
            for (final ApiKey account : List.of(alice, bob)) {
                final String body = send(http, server, account, "GET", "/v1/trades?since=0", null).body();
                final JsonObject trade = new JsonObject(body).getJsonArray("trades").getJsonObject(0);
                assertThat(trade.fieldNames()).containsExactlyInAnyOrderElementsOf(PUBLIC);
                assertThat(body).doesNotContain("alice", "bob", "ask-7", "bid-9");
                assertThat(trade.getString("aggressorSide")).isEqualTo("BUY");
            }
            final JsonObject full = new JsonObject(send(http, server, admin, "GET", "/v1/trades?since=0", null)
                    .body()).getJsonArray("trades").getJsonObject(0);
            assertThat(full.fieldNames()).containsExactlyInAnyOrderElementsOf(FULL);
            assertThat(full.getString("buyer")).isEqualTo("bob");
            assertThat(full.getString("seller")).isEqualTo("alice");
            assertThat(full.getString("makerOrderId")).isEqualTo("ask-7");
            assertThat(full.getString("takerOrderId")).isEqualTo("bid-9");

            // The WebSocket trades channel: the same two shapes; every account key gets the same message.
            final String toAlice = aliceInbox.await("\"channel\":\"trades\"");
            final String toBob = bobInbox.await("\"channel\":\"trades\"");
            assertThat(toBob).isEqualTo(toAlice);
            assertThat(fields(new JsonObject(toAlice).getJsonObject("trade").encode()))
                    .containsExactlyInAnyOrderElementsOf(PUBLIC);
            assertThat(toAlice).doesNotContain("alice", "bob", "ask-7", "bid-9");
            final JsonObject adminTrade = new JsonObject(adminInbox.await("\"channel\":\"trades\""))
                    .getJsonObject("trade");
            assertThat(adminTrade.fieldNames()).containsExactlyInAnyOrderElementsOf(FULL);
            assertThat(adminTrade.getString("buyer")).isEqualTo("bob");
            // Same trade, same id and time in every shape and on every path.
            assertThat(new JsonObject(toAlice).getJsonObject("trade").getString("tradeId"))
                    .isEqualTo(adminTrade.getString("tradeId")).isEqualTo(full.getString("tradeId"));
            assertThat(adminTrade.getString("time")).isEqualTo(full.getString("time"));
        }
    }
}
