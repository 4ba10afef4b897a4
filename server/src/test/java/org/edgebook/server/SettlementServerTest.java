package org.edgebook.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.edgebook.http.RequestSignature;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The service through its real HTTP API: signed requests over loopback, the real journal on disk. */
class SettlementServerTest {
    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();
    private SettlementServer server;

    private SettlementServer start(final double rate) throws IOException {
        server = SettlementServer.start(new SettlementServer.Config("127.0.0.1", 0, dir.resolve("data"),
                dir.resolve("secret/master.key"), rate), true, w -> {});
        return server;
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

    private HttpResponse<String> send(final ApiKey key, final String method, final String path, final String body)
            throws IOException, InterruptedException {
        return send(key, method, path, body, Long.toString(System.currentTimeMillis()), null);
    }

    private HttpResponse<String> send(final ApiKey key, final String method, final String path, final String body,
                                      final String timestamp, final String signatureOverride)
            throws IOException, InterruptedException {
        final byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        final HttpRequest.Builder request = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, bytes.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(bytes));
        if (key != null) {
            request.header(RequestSignature.KEY_HEADER, key.id())
                    .header(RequestSignature.TIMESTAMP_HEADER, timestamp)
                    .header(RequestSignature.SIGNATURE_HEADER, signatureOverride != null ? signatureOverride
                            : RequestSignature.sign(key.secret(), timestamp, method, path, bytes));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void placeMatchCancelAndTransferThroughTheApi() throws Exception {
        start(1_000);
        final ApiKey alice = key("alice");
        final ApiKey bob = key("bob");
        assertThat(send(null, "GET", "/health", null).body()).contains("\"status\":\"up\"");

        final HttpResponse<String> ask = send(alice, "POST", "/v1/orders",
                "{\"clientOrderId\":\"a1\",\"symbol\":\"BTC-USD\",\"side\":\"SELL\",\"price\":\"64000\","
                        + "\"quantity\":\"0.5\"}");
        assertThat(ask.statusCode()).isEqualTo(200);
        assertThat(ask.body()).contains("\"type\":\"accepted\"", "\"account\":\"alice\"");

        final HttpResponse<String> bid = send(bob, "POST", "/v1/orders",
                "{\"clientOrderId\":\"b1\",\"symbol\":\"BTC-USD\",\"side\":\"BUY\",\"price\":\"64100\","
                        + "\"quantity\":\"0.8\"}");
        assertThat(bid.statusCode()).isEqualTo(200);
        assertThat(bid.body()).contains("\"type\":\"trade\"", "\"price\":\"64000\"", "\"quantity\":\"0.5\"",
                "\"makerAccount\":null", "\"makerOrderId\":null", "\"takerAccount\":\"bob\"",
                "\"takerOrderId\":\"b1\""); // bob sees his side of the trade, not who sold to him
        assertThat(bid.body()).doesNotContain("alice", "a1");

        assertThat(bid.body()).matches("\\{\"seq\":\\d+,\"time\":\"20\\d\\d-[^\"]+Z\",\"events\":.*");
        final String bidSeq = bid.body().replaceAll("^\\{\"seq\":(\\d+),.*", "$1");
        final HttpResponse<String> trades = send(alice, "GET", "/v1/trades?since=0", null);
        assertThat(trades.statusCode()).isEqualTo(200);
        assertThat(trades.body()).contains("\"tradeId\":\"" + bidSeq + "-1\"", "\"aggressorSide\":\"BUY\"",
                "\"price\":\"64000\"", "\"quantity\":\"0.5\"");
        assertThat(send(alice, "GET", "/v1/trades?since=" + bidSeq, null).body()).contains("\"trades\":[]");
        assertThat(send(alice, "GET", "/v1/trades?since=-1", null).statusCode()).isEqualTo(400);

        final HttpResponse<String> book = send(bob, "GET", "/v1/book/BTC-USD", null);
        assertThat(book.body()).contains("\"bids\":[[\"64100\",\"0.3\"]]", "\"asks\":[]");

        assertThat(send(bob, "GET", "/v1/orders", null).body()).contains("\"type\":\"orders\"",
                "\"orders\":[{\"clientOrderId\":\"b1\",\"symbol\":\"BTC-USD\",\"side\":\"BUY\",\"price\":\"64100\","
                        + "\"remaining\":\"0.3\",\"postOnly\":false}]");
        assertThat(send(alice, "GET", "/v1/orders", null).body()).contains("\"orders\":[]");

        final HttpResponse<String> order = send(bob, "GET", "/v1/orders/b1", null);
        assertThat(order.statusCode()).isEqualTo(200);
        assertThat(order.body()).contains("\"side\":\"BUY\"", "\"price\":\"64100\"", "\"quantity\":\"0.8\"",
                "\"remaining\":\"0.3\"", "\"status\":\"open\"", "\"price\":\"64000\",\"quantity\":\"0.5\"",
                "\"liquidity\":\"taker\"");
        assertThat(send(alice, "GET", "/v1/orders/a1", null).body()).contains("\"status\":\"filled\"",
                "\"liquidity\":\"maker\"");
        assertThat(send(alice, "GET", "/v1/orders/b1", null).statusCode()).isEqualTo(404); // bob's, not alice's

        final HttpResponse<String> cancel = send(bob, "DELETE", "/v1/orders/b1", null);
        assertThat(cancel.statusCode()).isEqualTo(200);
        assertThat(cancel.body()).contains("\"type\":\"cancelled\"", "\"remaining\":\"0.3\"", "\"reason\":\"USER\"");
        assertThat(send(bob, "GET", "/v1/orders/b1", null).body()).contains("\"status\":\"cancelled:USER\"");

        final String transfer = "{\"transferId\":\"rent\",\"to\":\"alice\",\"asset\":\"USD\",\"amount\":\"100.25\"}";
        assertThat(send(bob, "POST", "/v1/transfers", transfer).body()).contains("\"type\":\"transferred\"");
        final HttpResponse<String> retry = send(bob, "POST", "/v1/transfers", transfer);
        assertThat(retry.statusCode()).isEqualTo(409);
        assertThat(retry.body()).contains("DUPLICATE_TRANSFER", "\"originalSeq\":");

        // 150000 - 0.5 * 64000 - 100.25 = 117899.75 for bob; alice gets 32000 + 100.25 on top of her 10000.
        assertThat(send(bob, "GET", "/v1/balances", null).body())
                .contains("\"USD\":{\"available\":\"117899.75\",\"reserved\":\"0\"}", "\"BTC\":{\"available\":"
                        + "\"1.5\"");
        assertThat(send(alice, "GET", "/v1/balances", null).body())
                .contains("\"USD\":{\"available\":\"42100.25\"", "\"BTC\":{\"available\":\"1.5\"");
    }

    @Test
    void aModifyNamesTheOrdersTotalSoARetryAfterAFillChangesNothingMore() throws Exception {
        start(1_000);
        final ApiKey alice = key("alice");
        final ApiKey bob = key("bob");
        send(alice, "POST", "/v1/orders", "{\"clientOrderId\":\"a1\",\"symbol\":\"BTC-USD\",\"side\":\"SELL\","
                + "\"price\":\"64000\",\"quantity\":\"0.5\"}");
        send(bob, "POST", "/v1/orders", "{\"clientOrderId\":\"b1\",\"symbol\":\"BTC-USD\",\"side\":\"BUY\","
                + "\"price\":\"64100\",\"quantity\":\"0.8\"}"); // 0.5 fills, 0.3 rests
        for (int i = 0; i < 2; i++) { // the retry of a modify whose answer was lost
            final HttpResponse<String> modify = send(bob, "PATCH", "/v1/orders/b1", "{\"quantity\":\"0.7\"}");
            assertThat(modify.statusCode()).isEqualTo(200);
            assertThat(modify.body()).contains("\"type\":\"modified\"", "\"quantity\":\"0.2\"");
        }
        assertThat(send(bob, "GET", "/v1/orders/b1", null).body()).contains("\"quantity\":\"0.7\"",
                "\"remaining\":\"0.2\"", "\"status\":\"open\"");
        // A total no larger than what has filled ends the order.
        assertThat(send(bob, "PATCH", "/v1/orders/b1", "{\"quantity\":\"0.5\"}").body())
                .contains("\"type\":\"cancelled\"", "\"remaining\":\"0.2\"", "\"reason\":\"USER\"");
        assertThat(send(bob, "GET", "/v1/orders/b1", null).body()).contains("\"quantity\":\"0.5\"",
                "\"remaining\":\"0.2\"", "\"status\":\"cancelled:USER\"");
        assertThat(send(bob, "PATCH", "/v1/orders/b1", "{\"quantity\":\"0.5\"}").body())
                .contains("UNKNOWN_ORDER");
    }

    @Test
    void theAuditTrailNamesTheKeyBehindEveryCommandAndItsOutcome() throws Exception {
        start(1_000);
        final ApiKey bob = key("bob");
        send(bob, "POST", "/v1/orders", "{\"clientOrderId\":\"b1\",\"symbol\":\"BTC-USD\",\"side\":\"BUY\","
                + "\"price\":\"1\",\"quantity\":\"0.01\"}");
        send(bob, "DELETE", "/v1/orders/nope", null);
        server.close();
        server = null;
        final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        assertThat(org.edgebook.journal.AuditReport.write(dir.resolve("data"), Long.MIN_VALUE, Long.MAX_VALUE, out))
                .isEqualTo(DemoMarket.SETUP.size() + 2);
        final java.util.List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines.getFirst()).contains("\"seq\":1,", "\"source\":null", "\"type\":\"asset\"",
                "\"outcome\":\"ok\"");
        assertThat(lines.get(lines.size() - 2)).contains("\"source\":\"" + bob.id() + "\"",
                "\"clientOrderId\":\"b1\"", "\"outcome\":\"accepted\"");
        assertThat(lines.getLast()).contains("\"source\":\"" + bob.id() + "\"", "\"type\":\"cancel\"",
                "\"outcome\":\"rejected:UNKNOWN_ORDER\"", "\"time\":\"20");
    }

    @Test
    void reportsComeFromTheJournalOverTheApi() throws Exception {
        start(1_000);
        final ApiKey admin = key(null);
        final ApiKey alice = key("alice");
        final ApiKey bob = key("bob");
        send(alice, "POST", "/v1/orders", "{\"clientOrderId\":\"a1\",\"symbol\":\"BTC-USD\",\"side\":\"SELL\","
                + "\"price\":\"64000\",\"quantity\":\"0.5\"}");
        send(bob, "POST", "/v1/orders", "{\"clientOrderId\":\"b1\",\"symbol\":\"BTC-USD\",\"side\":\"BUY\","
                + "\"price\":\"64000\",\"quantity\":\"0.5\"}");
        final HttpResponse<String> csv = send(admin, "GET", "/v1/reports/trades", null);
        assertThat(csv.statusCode()).isEqualTo(200);
        assertThat(csv.body().lines().toList()).hasSize(2).last().asString()
                .contains(",BTC-USD,64000,0.5,32000,USD,bob,alice,BUY,a1,b1,EDGEBOOK");
        assertThat(send(bob, "GET", "/v1/reports/trades", null).statusCode()).isEqualTo(403);
        assertThat(send(admin, "GET", "/v1/reports/trades?from=yesterday", null).statusCode()).isEqualTo(400);
        assertThat(send(admin, "GET", "/v1/reports/audit", null).body().lines().toList())
                .hasSize(DemoMarket.SETUP.size() + 2);
        // The day the trade was executed (not "today": a run may cross midnight).
        final String date = csv.body().lines().toList().getLast().split(",")[1].substring(0, 10);
        final HttpResponse<String> statement = send(bob, "GET", "/v1/reports/statement?date=" + date, null);
        assertThat(statement.body()).contains("\"account\":\"bob\"", "\"kind\":\"buy\"",
                "\"reconciles\":true");
        assertThat(send(bob, "GET", "/v1/reports/statement?date=" + date + "&account=alice", null).statusCode())
                .isEqualTo(403);
    }

    @Test
    void aStatementCostsAHundredRequestsOfTheKeysRate() throws Exception {
        start(100); // 100 requests a second, bursts of 200
        final ApiKey bob = key("bob");
        final String date = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString();
        assertThat(send(bob, "GET", "/v1/reports/statement?date=" + date, null).statusCode()).isEqualTo(200);
        assertThat(send(bob, "GET", "/v1/reports/statement?date=" + date, null).statusCode()).isEqualTo(200);
        // 200 units spent in two requests: the third statement waits, and says why.
        final HttpResponse<String> third = send(bob, "GET", "/v1/reports/statement?date=" + date, null);
        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(third.body()).contains("a statement costs 100 requests of the key's rate");
        assertThat(third.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Long.parseLong(v))
                .isBetween(1L, 2L));
        // Another key's budget is its own.
        assertThat(send(key("alice"), "GET", "/v1/reports/statement?date=" + date, null).statusCode())
                .isEqualTo(200);
    }

    @Test
    void everyRequestMustBeSignedFreshlyByAKnownKey() throws Exception {
        start(1_000);
        final ApiKey bob = key("bob");
        assertThat(send(null, "GET", "/v1/balances", null).statusCode()).isEqualTo(401);
        assertThat(send(bob, "GET", "/v1/balances", null, Long.toString(System.currentTimeMillis()), "00ff")
                .statusCode()).isEqualTo(401);
        final HttpResponse<String> stale = send(bob, "GET", "/v1/balances", null,
                Long.toString(System.currentTimeMillis() - 60_000), null);
        assertThat(stale.statusCode()).isEqualTo(401);
        assertThat(stale.body()).contains("from the server's clock");
        final ApiKey forged = new ApiKey("ek_nobody", "x".getBytes(StandardCharsets.US_ASCII), "bob");
        assertThat(send(forged, "GET", "/v1/balances", null).statusCode()).isEqualTo(401);
        // A signature covers the body: the same headers with another body fail.
        final String ts = Long.toString(System.currentTimeMillis());
        final String signed = RequestSignature.sign(bob.secret(), ts, "POST", "/v1/orders",
                "{}".getBytes(StandardCharsets.UTF_8));
        assertThat(send(bob, "POST", "/v1/orders", "{\"x\":1}", ts, signed).statusCode()).isEqualTo(401);
    }

    @Test
    void keysActOnlyForTheirOwnAccountAndOnlyTheAdminMovesMoneyInOrOut() throws Exception {
        start(1_000);
        final ApiKey admin = key(null);
        final ApiKey bob = key("bob");
        assertThat(send(bob, "POST", "/v1/orders", "{\"account\":\"alice\",\"clientOrderId\":\"x\","
                + "\"symbol\":\"BTC-USD\",\"side\":\"SELL\",\"price\":\"1\",\"quantity\":\"1\"}").statusCode())
                .isEqualTo(403);
        assertThat(send(bob, "POST", "/v1/transfers", "{\"transferId\":\"t\",\"from\":\"alice\",\"to\":\"bob\","
                + "\"asset\":\"USD\",\"amount\":\"1\"}").statusCode()).isEqualTo(403);
        assertThat(send(bob, "POST", "/v1/admin/deposits", "{\"account\":\"bob\",\"asset\":\"USD\","
                + "\"amount\":\"1000000\"}").statusCode()).isEqualTo(403);
        assertThat(send(admin, "POST", "/v1/orders", "{\"clientOrderId\":\"x\",\"symbol\":\"BTC-USD\","
                + "\"side\":\"SELL\",\"price\":\"1\",\"quantity\":\"1\"}").statusCode()).isEqualTo(403);
        assertThat(send(bob, "POST", "/v1/batch", "{\"type\":\"deposit\",\"account\":\"bob\",\"asset\":\"USD\","
                + "\"amount\":\"1\"}\n").statusCode()).isEqualTo(403);
        final HttpResponse<String> deposit = send(admin, "POST", "/v1/admin/deposits",
                "{\"account\":\"carol\",\"asset\":\"USD\",\"amount\":\"5\",\"depositId\":\"d1\"}");
        assertThat(deposit.statusCode()).isEqualTo(200);
        assertThat(deposit.body()).contains("\"type\":\"ok\"");
    }

    @Test
    void theAdminMakesAndRevokesKeys() throws Exception {
        start(1_000);
        final ApiKey admin = key(null);
        final HttpResponse<String> made = send(admin, "POST", "/v1/admin/keys", "{\"account\":\"carol\"}");
        assertThat(made.statusCode()).isEqualTo(200);
        final String id = made.body().replaceAll(".*\"key\":\"([^\"]+)\".*", "$1");
        final String secret = made.body().replaceAll(".*\"secret\":\"([^\"]+)\".*", "$1");
        final ApiKey carol = new ApiKey(id, secret.getBytes(StandardCharsets.US_ASCII), "carol");
        assertThat(send(carol, "GET", "/v1/balances", null).body()).contains("\"account\":\"carol\"");
        assertThat(send(key("bob"), "POST", "/v1/admin/keys", "{\"account\":\"bob\"}").statusCode())
                .isEqualTo(403);
        assertThat(send(admin, "POST", "/v1/admin/keys", "{\"account\":\"\"}").statusCode()).isEqualTo(400);
        assertThat(send(admin, "DELETE", "/v1/admin/keys/" + id, null).statusCode()).isEqualTo(200);
        assertThat(send(carol, "GET", "/v1/balances", null).statusCode()).isEqualTo(401);
        assertThat(send(admin, "DELETE", "/v1/admin/keys/" + id, null).statusCode()).isEqualTo(404);
        assertThat(send(admin, "DELETE", "/v1/admin/keys/" + admin.id(), null).statusCode()).isEqualTo(409);
    }

    @Test
    void aStalledRequestIsClosed() throws Exception {
        server = SettlementServer.start(new SettlementServer.Config("127.0.0.1", 0, dir.resolve("data"),
                dir.resolve("secret/master.key"), 1_000, 100, 1), true, w -> {});
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"
                    .getBytes(StandardCharsets.US_ASCII)); // and then nothing
            final long start = System.nanoTime();
            int read;
            try {
                while ((read = socket.getInputStream().read()) >= 0) {
                    // drain whatever the server says before it closes
                }
            } catch (final java.io.IOException e) {
                read = -1;
            }
            assertThat(read).isEqualTo(-1);
            assertThat(System.nanoTime() - start).isLessThan(java.util.concurrent.TimeUnit.SECONDS.toNanos(8));
        }
        // The service is still up for everyone else.
        assertThat(send(key("bob"), "GET", "/v1/balances", null).statusCode()).isEqualTo(200);
    }

    @Test
    void badInputGetsASpecificStatusAndChangesNothing() throws Exception {
        start(1_000);
        final ApiKey bob = key("bob");
        final HttpResponse<String> notJson = send(bob, "POST", "/v1/orders", "{\"clientOrderId\":");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(notJson.body()).contains("MALFORMED", "not valid JSON");
        assertThat(send(bob, "POST", "/v1/orders", "{\"clientOrderId\":\"x\",\"colour\":\"red\"}").body())
                .contains("unknown field 'colour'");
        assertThat(send(bob, "POST", "/v1/orders", "{\"type\":\"deposit\"}").body()).contains("this route takes");
        assertThat(send(bob, "POST", "/v1/orders", "{\"clientOrderId\":\"x\",\"symbol\":\"BTC-USD\","
                + "\"side\":\"BUY\",\"price\":\"1e9\",\"quantity\":\"1\"}").statusCode()).isEqualTo(400);
        assertThat(send(bob, "DELETE", "/v1/orders/never", null).statusCode()).isEqualTo(404);
        assertThat(send(bob, "POST", "/v1/orders", "{\"clientOrderId\":\"n\",\"symbol\":\"BTC-USD\",\"side\":\"BUY\","
                + "\"price\":\"1\",\"quantity\":5}").body()).contains("quantity must be a decimal string");
        assertThat(send(bob, "POST", "/v1/orders", "{\"clientOrderId\":\"h\",\"symbol\":\"BTC-USD\",\"side\":\"BUY\","
                + "\"price\":\"123456789012345678901234567890\",\"quantity\":\"1\"}").body())
                .contains("INVALID_PRICE");
        assertThat(send(bob, "POST", "/v1/orders", "{\"clientOrderId\":[1],\"symbol\":\"BTC-USD\"}").statusCode())
                .isEqualTo(400);
        final String order = "{\"clientOrderId\":\"dup\",\"symbol\":\"BTC-USD\",\"side\":\"BUY\",\"price\":\"1\","
                + "\"quantity\":\"0.01\"}";
        assertThat(send(bob, "POST", "/v1/orders", order).statusCode()).isEqualTo(200);
        assertThat(send(bob, "POST", "/v1/orders", order).statusCode()).isEqualTo(409);
        final HttpResponse<String> poor = send(bob, "POST", "/v1/orders", "{\"clientOrderId\":\"big\","
                + "\"symbol\":\"BTC-USD\",\"side\":\"BUY\",\"price\":\"64000\",\"quantity\":\"1000\"}");
        assertThat(poor.statusCode()).isEqualTo(422);
        assertThat(poor.body()).contains("INSUFFICIENT_FUNDS");
        assertThat(send(bob, "POST", "/v1/orders", "x".repeat(SettlementServer.BODY_LIMIT + 1)).statusCode())
                .isEqualTo(413);
        assertThat(send(bob, "GET", "/v1/nothing-here", null).statusCode()).isEqualTo(404);
        // Nothing above moved money: only the 0.01 @ 1 bid holds funds.
        assertThat(send(bob, "GET", "/v1/balances", null).body())
                .contains("\"USD\":{\"available\":\"149999.99\",\"reserved\":\"0.01\"}");
    }

    @Test
    void connectionsBeyondTheLimitAreClosedAtOnce() throws Exception {
        server = SettlementServer.start(new SettlementServer.Config("127.0.0.1", 0, dir.resolve("data"),
                dir.resolve("secret/master.key"), 1_000, 2), true, w -> {});
        final java.util.List<java.net.Socket> sockets = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                final java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port());
                socket.setSoTimeout(5_000);
                sockets.add(socket);
                Thread.sleep(100); // let the server see each connection in turn
            }
            final String request = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
            for (int i = 0; i < 3; i++) {
                final java.net.Socket socket = sockets.get(i);
                String answer;
                try {
                    socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
                    final byte[] buffer = new byte[256];
                    final int n = socket.getInputStream().read(buffer);
                    answer = n < 0 ? "closed" : new String(buffer, 0, n, StandardCharsets.US_ASCII);
                } catch (final java.io.IOException e) {
                    answer = "closed";
                }
                if (i < 2) {
                    assertThat(answer).startsWith("HTTP/1.1 200");
                } else {
                    assertThat(answer).isEqualTo("closed");
                }
            }
        } finally {
            for (final java.net.Socket socket : sockets) {
                socket.close();
            }
        }
    }

    @Test
    void aKeyOverItsRateIsToldWhenToComeBack() throws Exception {
        start(5); // 5 a second, bursts of 10
        final ApiKey bob = key("bob");
        int limited = 0;
        String retryAfter = null;
        for (int i = 0; i < 30; i++) {
            final HttpResponse<String> r = send(bob, "GET", "/v1/book/BTC-USD", null);
            if (r.statusCode() == 429) {
                limited++;
                retryAfter = r.headers().firstValue("Retry-After").orElse(null);
            }
        }
        assertThat(limited).isGreaterThan(10);
        assertThat(retryAfter).isEqualTo("1");
    }

    @Test
    void batchesAnswerInJsonLinesAndARestartKeepsEverything() throws Exception {
        start(1_000);
        final ApiKey alice = key("alice");
        final String batch = "{\"type\":\"place\",\"account\":\"alice\",\"clientOrderId\":\"s1\","
                + "\"symbol\":\"ETH-USD\",\"side\":\"SELL\",\"price\":\"3000\",\"quantity\":\"1\"}\n"
                + "{\"type\":\"place\",\"account\":\"alice\",\"clientOrderId\":\"s2\",\"symbol\":\"ETH-USD\","
                + "\"side\":\"SELL\",\"price\":\"3000.05\",\"quantity\":\"1\"}\n"
                + "{\"type\":\"balances\",\"account\":\"alice\"}\n";
        final HttpResponse<String> response = send(alice, "POST", "/v1/batch", batch);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body().lines()).hasSize(3);
        assertThat(response.body()).contains("\"ETH\":{\"available\":\"18\",\"reserved\":\"2\"}");
        final String keysBefore = Files.readString(dir.resolve("data/keys.txt"));
        assertThat(keysBefore).doesNotContain(new String(alice.secret(), StandardCharsets.US_ASCII));

        server.close();
        server = null;
        start(1_000);
        assertThat(server.engine().recovered().lastSeq()).isEqualTo(DemoMarket.SETUP.size() + 3);
        assertThat(send(key("alice"), "GET", "/v1/book/ETH-USD", null).body())
                .contains("\"asks\":[[\"3000\",\"1\"],[\"3000.05\",\"1\"]]");
    }
}
