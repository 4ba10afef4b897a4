package org.edgebook.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.edgebook.http.RequestSignature;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The WebSocket through a real client: signed upgrade, pipelined order entry, trades and private streams. */
class WebSocketTest {

    /** Collects text messages. */

    private static WebSocket connect(final HttpClient http, final int port, final ApiKey key,
                                     final Served.Inbox inbox) {
        final String ts = Long.toString(System.currentTimeMillis());
        return http.newWebSocketBuilder()
                .header(RequestSignature.KEY_HEADER, key.id())
                .header(RequestSignature.TIMESTAMP_HEADER, ts)
                .header(RequestSignature.SIGNATURE_HEADER, RequestSignature.sign(key.secret(), ts, "GET", "/v1/ws",
                        new byte[0]))
                .buildAsync(URI.create("ws://127.0.0.1:" + port + "/v1/ws"), inbox).join();
    }

    @Test
    void ordersPipelinedOverTheSocketAreAnsweredAndStreamed(@TempDir final Path dir) throws Exception {
        try (SettlementServer server = SettlementServer.start(new SettlementServer.Config("127.0.0.1", 0,
                dir.resolve("data"), dir.resolve("master.key"), 1_000), true, w -> {})) {
            final ApiKey alice = server.keys().all().stream().filter(k -> "alice".equals(k.account())).findFirst()
                    .orElseThrow();
            final ApiKey bob = server.keys().all().stream().filter(k -> "bob".equals(k.account())).findFirst()
                    .orElseThrow();
            final HttpClient http = HttpClient.newHttpClient();
            final Served.Inbox aliceInbox = new Served.Inbox();
            final WebSocket aliceSocket = connect(http, server.port(), alice, aliceInbox);
            aliceSocket.sendText("{\"op\":\"subscribe\",\"channel\":\"private\"}", true).join();
            aliceSocket.sendText("{\"op\":\"subscribe\",\"channel\":\"trades\"}", true).join();
            aliceSocket.sendText("{\"op\":\"subscribe\",\"channel\":\"book\",\"symbol\":\"BTC-USD\"}", true).join();
            final String snapshot = aliceInbox.await("\"snapshot\"");
            assertThat(snapshot).contains("\"bids\":[]", "\"asks\":[]");
            final long snapshotSeq = Long.parseLong(snapshot.replaceAll(".*\"seq\":(\\d+).*", "$1"));
            aliceInbox.await("\"subscribed\":\"private\"");
            aliceInbox.await("\"subscribed\":\"trades\"");
            // Three orders sent back to back, without waiting: each answered with its id once durable.
            for (int i = 1; i <= 3; i++) {
                aliceSocket.sendText("{\"op\":\"command\",\"id\":" + i + ",\"command\":{\"type\":\"place\","
                        + "\"clientOrderId\":\"w" + i
                        + "\",\"symbol\":\"BTC-USD\",\"side\":\"SELL\",\"price\":\"64000\","
                        + "\"quantity\":\"0.1\"}}", true).join();
            }
            for (int i = 1; i <= 3; i++) {
                assertThat(aliceInbox.await("{\"id\":" + i + ",")).contains("\"seq\":", "\"time\":\"",
                        "\"type\":\"accepted\"", "\"clientOrderId\":\"w" + i + "\"");
            }
            // The book stream: each order's level change, chained by prevSeq from the snapshot on.
            final String first = aliceInbox.await("\"changes\"");
            assertThat(first).contains("\"prevSeq\":" + snapshotSeq, "[\"SELL\",\"64000\",\"0.1\"]");
            aliceInbox.await("[\"SELL\",\"64000\",\"0.3\"]");
            // Bob takes two of them over HTTP: alice sees the trades on both streams.
            final String body = "{\"clientOrderId\":\"hb\",\"symbol\":\"BTC-USD\",\"side\":\"BUY\",\"price\":\"64000\","
                    + "\"quantity\":\"0.2\"}";
            final String ts = Long.toString(System.currentTimeMillis());
            final HttpResponse<String> taken = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + server.port() + "/v1/orders")).POST(HttpRequest.BodyPublishers.ofString(body))
                    .header(RequestSignature.KEY_HEADER, bob.id()).header(RequestSignature.TIMESTAMP_HEADER, ts)
                    .header(RequestSignature.SIGNATURE_HEADER, RequestSignature.sign(bob.secret(), ts, "POST",
                            "/v1/orders", body.getBytes(StandardCharsets.UTF_8))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(taken.statusCode()).isEqualTo(200);
            // An account key's trades channel is public: no counterparties, no order ids.
            assertThat(aliceInbox.await("\"channel\":\"trades\"")).contains("\"tradeId\":\"",
                    "\"aggressorSide\":\"BUY\"").doesNotContain("buyer", "seller", "OrderId", "bob", "alice");
            // 0.3 at 64000 less bob's 0.2: the level is at 0.1 again, a later seq chained to the one before.
            final String afterTrade = aliceInbox.await("[[\"SELL\",\"64000\",\"0.1\"]]", 2);
            assertThat(afterTrade).doesNotContain("\"prevSeq\":" + snapshotSeq + ",");
            // The private channel: alice's own fill, her side and order id, not bob's account or order id.
            assertThat(aliceInbox.await("\"type\":\"trade\"")).startsWith("{\"channel\":\"private\"")
                    .contains("\"side\":\"SELL\"", "\"liquidity\":\"maker\"", "\"clientOrderId\":\"w1\"")
                    .doesNotContain("bob", "hb", "Account");
            // Another account's order, and garbage, are refused without closing the socket.
            aliceSocket.sendText("{\"op\":\"command\",\"id\":\"x\",\"command\":{\"type\":\"cancel\","
                    + "\"account\":\"bob\",\"clientOrderId\":\"hb\"}}", true).join();
            assertThat(aliceInbox.await("\"id\":\"x\"")).contains("forbidden");
            aliceSocket.sendText("not json", true).join();
            aliceInbox.await("a message is a JSON object");
            aliceSocket.sendClose(WebSocket.NORMAL_CLOSURE, "done").join();
        }
    }

    @Test
    void anUnsignedUpgradeIsRefused(@TempDir final Path dir) throws Exception {
        try (SettlementServer server = SettlementServer.start(new SettlementServer.Config("127.0.0.1", 0,
                dir.resolve("data"), dir.resolve("master.key"), 1_000), true, w -> {})) {
            final var attempt = HttpClient.newHttpClient().newWebSocketBuilder()
                    .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/v1/ws"), new Served.Inbox());
            assertThat(attempt).failsWithin(10, TimeUnit.SECONDS);
        }
    }
}
