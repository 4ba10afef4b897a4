package org.edgebook.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.edgebook.http.RequestSignature;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attacks of the security review (issue 9), each reproduced over loopback against the real service: the first
 * five findings by number, then the medium and low ones this class closes. Each failed before its fix.
 */
class AttacksTest {
    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();
    private SettlementServer server;

    private SettlementServer start(final double rate, final SettlementServer.Auth auth) throws IOException {
        server = SettlementServer.start(new SettlementServer.Config("127.0.0.1", 0, dir.resolve("data"),
                dir.resolve("secret/master.key"), rate), auth, true, w -> {});
        return server;
    }

    private SettlementServer start() throws IOException {
        return start(1_000, SettlementServer.Auth.DEFAULTS);
    }

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    private ApiKey key(final String account) {
        return server.keys().all().stream()
                .filter(k -> account == null ? k.admin() : account.equals(k.account())).findFirst().orElseThrow();
    }

    /** A request signed now; sending the same object again is a byte-for-byte replay of it. */
    private HttpRequest signed(final ApiKey key, final String method, final String path, final String body,
                               final long timestamp) {
        final byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        final String ts = Long.toString(timestamp);
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, bytes.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(bytes))
                .header(RequestSignature.KEY_HEADER, key.id()).header(RequestSignature.TIMESTAMP_HEADER, ts)
                .header(RequestSignature.SIGNATURE_HEADER, RequestSignature.sign(key.secret(), ts, method, path, bytes))
                .build();
    }

    private HttpResponse<String> send(final HttpRequest request) throws IOException, InterruptedException {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> send(final ApiKey key, final String method, final String path, final String body)
            throws IOException, InterruptedException {
        return send(signed(key, method, path, body, System.currentTimeMillis()));
    }

    private String balances(final ApiKey key) throws Exception {
        return send(key, "GET", "/v1/balances", null).body().replaceAll("\"(seq|cmd)\":\\d+|\"time\":\"[^\"]+\"", "");
    }

    private WebSocket.Builder upgrade(final ApiKey key, final long timestamp) {
        final String ts = Long.toString(timestamp);
        return http.newWebSocketBuilder().header(RequestSignature.KEY_HEADER, key.id())
                .header(RequestSignature.TIMESTAMP_HEADER, ts)
                .header(RequestSignature.SIGNATURE_HEADER, RequestSignature.sign(key.secret(), ts, "GET", "/v1/ws",
                        new byte[0]));
    }

    private URI ws() {
        return URI.create("ws://127.0.0.1:" + server.port() + "/v1/ws");
    }

    // ---------------------------------------------------------------------------------------------------- high

    @Test
    void finding1_aLoneSurrogateIdIsRefusedOnEveryTransportAndNothingChangesAtRestart() throws Exception {
        start();
        final ApiKey bob = key("bob");
        final String lone = "{\"clientOrderId\":\"x\\ud800y\",\"symbol\":\"BTC-USD\",\"side\":\"BUY\","
                + "\"price\":\"64000\",\"quantity\":\"0.1\"}";
        final HttpResponse<String> http1 = send(bob, "POST", "/v1/orders", lone);
        assertThat(http1.statusCode()).isEqualTo(400);
        assertThat(http1.body()).contains("MALFORMED", "clientOrderId may hold only", "U+D800");
        final HttpResponse<String> batch = send(bob, "POST", "/v1/batch", "{\"type\":\"place\",\"account\":\"bob\","
                + lone.substring(1) + "\n");
        assertThat(batch.body()).contains("\"reason\":\"MALFORMED\"").doesNotContain("\"type\":\"accepted\"");
        final Served.Inbox inbox = new Served.Inbox();
        final WebSocket socket = upgrade(bob, System.currentTimeMillis()).buildAsync(ws(), inbox).join();
        socket.sendText("{\"op\":\"command\",\"id\":1,\"command\":{\"type\":\"place\"," + lone.substring(1) + "}",
                true).join();
        assertThat(inbox.await("\"id\":1")).contains("MALFORMED");
        // The name the old codec turned the first one into is not a name either.
        assertThat(send(bob, "POST", "/v1/orders", lone.replace("\\ud800", "?")).statusCode()).isEqualTo(400);
        assertThat(send(bob, "POST", "/v1/orders", lone.replace("\\ud800", "_")).statusCode()).isEqualTo(200);
        final String before = balances(bob);
        server.close();
        start();
        assertThat(balances(key("bob"))).isEqualTo(before);
    }

    @Test
    void finding1_aMalformedBatchLineNamesNoAccountButTheSenders() throws Exception {
        start();
        final HttpResponse<String> batch = send(key("bob"), "POST", "/v1/batch", "{\"type\":\"place\","
                + "\"account\":\"alice\",\"clientOrderId\":\"evil\",\"side\":\"UP\"}\n");
        assertThat(batch.statusCode()).isEqualTo(200);
        assertThat(batch.body()).contains("\"reason\":\"MALFORMED\"", "\"account\":\"bob\"")
                .doesNotContain("alice", "evil");
    }

    @Test
    void finding2_namesHaveALengthAndCharacterLimit() throws Exception {
        start();
        final ApiKey bob = key("bob");
        final HttpResponse<String> huge = send(bob, "POST", "/v1/orders", "{\"clientOrderId\":\"" + "x".repeat(60_000)
                + "\",\"symbol\":\"BTC-USD\",\"side\":\"BUY\",\"price\":\"1\",\"quantity\":\"0.1\"}");
        assertThat(huge.statusCode()).isEqualTo(400);
        assertThat(huge.body()).contains("clientOrderId must be at most 64 characters, not 60000");
        for (final String bad : List.of("a\\u0000b", "a\\nb", "a/b", "a\\u202eb")) {
            final HttpResponse<String> r = send(bob, "POST", "/v1/transfers", "{\"transferId\":\"" + bad
                    + "\",\"to\":\"alice\",\"asset\":\"USD\",\"amount\":\"1\"}");
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(r.body()).as(bad).contains("transferId may hold only");
        }
    }

    @Test
    void finding3_aReplayedDepositOrWithdrawalMovesMoneyOnce() throws Exception {
        start();
        final ApiKey admin = key(null);
        final ApiKey alice = key("alice");
        final String before = balances(alice);
        final HttpRequest deposit = signed(admin, "POST", "/v1/admin/deposits", "{\"account\":\"alice\","
                + "\"asset\":\"USD\",\"amount\":\"5\",\"depositId\":\"dep-1\"}", System.currentTimeMillis());
        assertThat(send(deposit).statusCode()).isEqualTo(200);
        final HttpResponse<String> replayed = send(deposit);
        assertThat(replayed.statusCode()).isEqualTo(401);
        assertThat(replayed.body()).contains("used before");
        assertThat(send(deposit).statusCode()).isEqualTo(401);
        // Signed anew with the same id: a retry, answered as a duplicate, not credited again.
        assertThat(send(admin, "POST", "/v1/admin/deposits", "{\"account\":\"alice\",\"asset\":\"USD\","
                + "\"amount\":\"5\",\"depositId\":\"dep-1\"}").statusCode()).isEqualTo(409);
        final HttpRequest withdrawal = signed(admin, "POST", "/v1/admin/withdrawals", "{\"account\":\"alice\","
                + "\"asset\":\"USD\",\"amount\":\"2\",\"withdrawalId\":\"w-1\"}", System.currentTimeMillis());
        assertThat(send(withdrawal).statusCode()).isEqualTo(200);
        assertThat(send(withdrawal).statusCode()).isEqualTo(401);
        assertThat(send(admin, "POST", "/v1/admin/withdrawals", "{\"account\":\"alice\",\"asset\":\"USD\","
                + "\"amount\":\"2\",\"withdrawalId\":\"w-1\"}").statusCode()).isEqualTo(409);
        final String usd = before.replaceAll(".*\"USD\":\\{\"available\":\"([0-9.]+)\".*", "$1");
        assertThat(balances(alice)).contains("\"USD\":{\"available\":\""
                + new java.math.BigDecimal(usd).add(java.math.BigDecimal.valueOf(3)).stripTrailingZeros()
                        .toPlainString() + "\"");
        final HttpResponse<String> noId = send(admin, "POST", "/v1/admin/deposits", "{\"account\":\"alice\","
                + "\"asset\":\"USD\",\"amount\":\"5\"}");
        assertThat(noId.statusCode()).isEqualTo(400);
        assertThat(noId.body()).contains("depositId is required");
    }

    @Test
    void finding3_theClockWindowIsFiveSeconds() throws Exception {
        start();
        final HttpResponse<String> old = send(signed(key("bob"), "GET", "/v1/balances", null,
                System.currentTimeMillis() - 6_000));
        assertThat(old.statusCode()).isEqualTo(401);
        assertThat(old.body()).contains("more than 5000 ms");
        assertThat(send(signed(key("bob"), "GET", "/v1/balances", null, System.currentTimeMillis() + 3_000))
                .statusCode()).isEqualTo(200);
    }

    @Test
    void finding3_aRequestSignedBeforeARestartIsNotTakenAfterIt() throws Exception {
        start();
        final long ts = System.currentTimeMillis();
        final String body = "{\"account\":\"carol\"}";
        assertThat(send(signed(key(null), "POST", "/v1/admin/keys", body, ts)).statusCode()).isEqualTo(200);
        server.close();
        start(); // the replay guard remembers nothing across the restart: the window alone would let it through
        final int keys = server.keys().all().size();
        final HttpResponse<String> replayed = send(signed(key(null), "POST", "/v1/admin/keys", body, ts));
        assertThat(replayed.statusCode()).isEqualTo(401);
        assertThat(replayed.body()).contains("signed before this service started");
        assertThat(server.keys().all()).hasSize(keys);
    }

    @Test
    void finding3_everyTransportRequiresTheIdOfMoneyMovingIn() throws Exception {
        start();
        final HttpResponse<String> batch = send(key(null), "POST", "/v1/batch", "{\"type\":\"deposit\","
                + "\"account\":\"alice\",\"asset\":\"USD\",\"amount\":\"5\"}\n");
        assertThat(batch.statusCode()).isEqualTo(400);
        assertThat(batch.body()).contains("line 1: depositId is required");
        final Served.Inbox inbox = new Served.Inbox();
        final WebSocket socket = upgrade(key(null), System.currentTimeMillis()).buildAsync(ws(), inbox).join();
        socket.sendText("{\"op\":\"command\",\"id\":9,\"command\":{\"type\":\"withdraw\",\"account\":"
                + "\"alice\",\"asset\":\"USD\",\"amount\":\"1\"}}", true).join();
        assertThat(inbox.await("\"id\":9")).contains("withdrawalId is required");
    }

    @Test
    void finding3_aReplayedModifyCannotGrowTheOrderAgain() throws Exception {
        start();
        final ApiKey alice = key("alice");
        assertThat(send(alice, "POST", "/v1/orders", "{\"clientOrderId\":\"m1\",\"symbol\":\"BTC-USD\",\"side\":"
                + "\"SELL\",\"price\":\"64000\",\"quantity\":\"0.5\"}").statusCode()).isEqualTo(200);
        final HttpRequest modify = signed(alice, "PATCH", "/v1/orders/m1", "{\"quantity\":\"0.4\"}",
                System.currentTimeMillis());
        assertThat(send(modify).statusCode()).isEqualTo(200);
        assertThat(send(modify).statusCode()).isEqualTo(401);
    }

    @Test
    void finding4_aReplayedKeyCreationHandsOutNoSecret() throws Exception {
        start();
        final int keysBefore = server.keys().all().size();
        final HttpRequest create = signed(key(null), "POST", "/v1/admin/keys", "{\"account\":\"carol\"}",
                System.currentTimeMillis());
        final HttpResponse<String> made = send(create);
        assertThat(made.statusCode()).isEqualTo(200);
        assertThat(made.body()).contains("\"secret\":");
        final HttpResponse<String> again = send(create);
        assertThat(again.statusCode()).isEqualTo(401);
        assertThat(again.body()).doesNotContain("secret\":");
        assertThat(server.keys().all()).hasSize(keysBefore + 1);
    }

    @Test
    void finding5_revokingAKeyClosesItsOpenSocketsAtOnce() throws Exception {
        start();
        final ApiKey alice = key("alice");
        final Served.Inbox inbox = new Served.Inbox();
        final WebSocket socket = upgrade(alice, System.currentTimeMillis()).buildAsync(ws(), inbox).join();
        socket.sendText("{\"op\":\"subscribe\",\"channel\":\"private\"}", true).join();
        inbox.await("\"subscribed\":\"private\"");
        assertThat(send(key(null), "DELETE", "/v1/admin/keys/" + alice.id(), null).statusCode()).isEqualTo(200);
        assertThat(inbox.closed.get(10, TimeUnit.SECONDS)).isEqualTo("1008 key revoked");
        assertThat(upgrade(alice, System.currentTimeMillis() + 1).buildAsync(ws(), new Served.Inbox()))
                .failsWithin(10, TimeUnit.SECONDS);
    }

    @Test
    void finding5_aCapturedUpgradeCannotBeReplayed() throws Exception {
        start();
        final ApiKey bob = key("bob");
        final long ts = System.currentTimeMillis();
        final WebSocket first = upgrade(bob, ts).buildAsync(ws(), new Served.Inbox()).join();
        assertThatThrownBy(() -> upgrade(bob, ts).buildAsync(ws(), new Served.Inbox()).get(10, TimeUnit.SECONDS))
                .hasStackTraceContaining("Unexpected HTTP response status code 401");
        first.sendClose(WebSocket.NORMAL_CLOSURE, "done").join();
    }

    @Test
    void finding5_aSessionEndsAtItsMaximumAge() throws Exception {
        start(1_000, new SettlementServer.Auth(5_000, 300));
        final Served.Inbox inbox = new Served.Inbox();
        upgrade(key("bob"), System.currentTimeMillis()).buildAsync(ws(), inbox).join();
        assertThat(inbox.closed.get(10, TimeUnit.SECONDS)).startsWith("1008 session expired");
    }

    // ---------------------------------------------------------------------------------------------------- medium

    @Test
    void webSocketMessagesCountAgainstTheKeysRate() throws Exception {
        start(5, SettlementServer.Auth.DEFAULTS);
        final Served.Inbox inbox = new Served.Inbox();
        final WebSocket socket = upgrade(key("bob"), System.currentTimeMillis()).buildAsync(ws(), inbox).join();
        for (int i = 0; i < 60; i++) {
            socket.sendText("{\"op\":\"command\",\"id\":" + i + ",\"command\":{\"type\":\"balances\"}}", true).join();
        }
        assertThat(inbox.await("too many requests")).contains("\"retryAfter\":");
        inbox.await("\"id\":59,"); // every message answered, in order
        final long limited = inbox.messages.stream().filter(m -> m.contains("too many requests")).count();
        assertThat(limited).isGreaterThanOrEqualTo(60 - 10 - 2); // a burst of 2 × 5, a little refill
    }
}
