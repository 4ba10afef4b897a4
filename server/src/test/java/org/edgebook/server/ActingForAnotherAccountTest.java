package org.edgebook.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What held up in the security review (issue 9), kept so: a key acts only for its own account, on every transport.
 * bob's key naming alice (over HTTP, in a batch, over the WebSocket), an account key on an admin route and the admin key
 * on an account route are each refused with their own answer, and nobody's balances, open orders or books change.
 */
class ActingForAnotherAccountTest {
    @TempDir
    static Path dir;

    private static Served s;
    private static WebSocket bobSocket;
    private static final Served.Inbox BOB_INBOX = new Served.Inbox();
    private static final AtomicInteger IDS = new AtomicInteger();

    @BeforeAll
    static void start() throws IOException {
        s = Served.start(dir);
        for (final String[] order : new String[][] {
                {"bob", "b-open-1", "BTC-USD", "BUY", "60000", "0.1"},
                {"alice", "a-open-1", "BTC-USD", "SELL", "70000", "0.1"},
                {"alice", "a-open-2", "ETH-USD", "SELL", "4000", "1"}}) {
            assertThat(s.send(s.key(order[0]), "POST", "/v1/orders", "{\"clientOrderId\":\"" + order[1]
                    + "\",\"symbol\":\"" + order[2] + "\",\"side\":\"" + order[3] + "\",\"price\":\"" + order[4]
                    + "\",\"quantity\":\"" + order[5] + "\"}").statusCode()).isEqualTo(200);
        }
        bobSocket = s.connect(s.bob, BOB_INBOX);
    }

    @AfterAll
    static void stop() throws IOException {
        if (bobSocket != null) {
            bobSocket.abort();
        }
        if (s != null) {
            s.close();
        }
    }

    /** One attempt, with its own assertions on the answer. */
    @FunctionalInterface
    interface Attempt {
        void run() throws Exception;
    }

    private static Arguments attempt(final String name, final Attempt attempt) {
        return Arguments.of(name, attempt);
    }

    /** {@code key} sends the request; the answer has {@code status} and holds each of {@code contains}. */
    private static Attempt http(final ApiKey key, final String method, final String path, final String body,
                                final int status, final String... contains) {
        return () -> {
            final HttpResponse<String> r = s.send(key == null ? s.admin : key, method, path, body);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
            assertThat(r.body()).contains(contains);
        };
    }

    /** bob's key over HTTP. */
    private static Attempt bob(final String method, final String path, final String body, final int status,
                               final String... contains) {
        return () -> http(s.bob, method, path, body, status, contains).run();
    }

    /** The admin key over HTTP. */
    private static Attempt admin(final String method, final String path, final String body, final int status,
                                 final String... contains) {
        return () -> http(s.admin, method, path, body, status, contains).run();
    }

    /** bob's batch, refused as a whole because of line {@code line}. */
    private static Attempt batchRefused(final int line, final String... lines) {
        return bob("POST", "/v1/batch", String.join("\n", lines) + "\n", 403,
                "\"error\":\"forbidden\"", "line " + line + " is not a command of account bob");
    }

    /** A command over bob's WebSocket, answered with what the message holds. */
    private static Attempt ws(final String command, final String answer) {
        return () -> {
            final int id = IDS.incrementAndGet();
            bobSocket.sendText("{\"op\":\"command\",\"id\":" + id + ",\"command\":" + command + "}", true).join();
            final String reply = BOB_INBOX.await("{\"id\":" + id + ",");
            assertThat(reply).contains(answer);
        };
    }

    private static Attempt wsForbidden(final String command) {
        return () -> {
            final int id = IDS.incrementAndGet();
            bobSocket.sendText("{\"op\":\"command\",\"id\":" + id + ",\"command\":" + command + "}", true).join();
            // The same refusal as over HTTP (AccountScope): the error, and whom the key acts for.
            assertThat(BOB_INBOX.await("{\"id\":" + id + ",")).isEqualTo("{\"id\":" + id + ",\"error\":\"forbidden\","
                    + "\"detail\":\"this key acts only for account bob\"}");
        };
    }

    private static String place(final String account, final String id) {
        return "{\"type\":\"place\"," + (account == null ? "" : "\"account\":\"" + account + "\",")
                + "\"clientOrderId\":\"" + id + "\",\"symbol\":\"BTC-USD\",\"side\":\"BUY\",\"price\":\"61000\","
                + "\"quantity\":\"0.01\"}";
    }

    private static final String PLACE_BODY_FOR_ALICE = "{\"account\":\"alice\",\"clientOrderId\":\"x1\","
            + "\"symbol\":\"BTC-USD\",\"side\":\"BUY\",\"price\":\"61000\",\"quantity\":\"0.01\"}";
    private static final String CANCEL_ALICE =
            "{\"type\":\"cancel\",\"account\":\"alice\",\"clientOrderId\":\"a-open-1\"}";
    private static final String MODIFY_ALICE =
            "{\"type\":\"modify\",\"account\":\"alice\",\"clientOrderId\":\"a-open-1\","
                    + "\"quantity\":\"0.05\"}";
    private static final String TRANSFER_FROM_ALICE = "{\"type\":\"transfer\",\"transferId\":\"steal-1\","
            + "\"from\":\"alice\",\"to\":\"bob\",\"asset\":\"USD\",\"amount\":\"100\"}";
    private static final String BALANCES_ALICE = "{\"type\":\"balances\",\"account\":\"alice\"}";
    private static final String ORDERS_ALICE = "{\"type\":\"orders\",\"account\":\"alice\"}";
    private static final String DEPOSIT_BOB = "{\"type\":\"deposit\",\"account\":\"bob\",\"asset\":\"USD\","
            + "\"amount\":\"1000000\",\"depositId\":\"free-money\"}";
    private static final String WITHDRAW_ALICE = "{\"type\":\"withdraw\",\"account\":\"alice\",\"asset\":\"USD\","
            + "\"amount\":\"100\",\"withdrawalId\":\"w-steal\"}";
    private static final String ASSET = "{\"type\":\"asset\",\"asset\":\"DOGE\",\"scale\":2}";
    private static final String INSTRUMENT = "{\"type\":\"instrument\",\"symbol\":\"BTC-EUR\",\"base\":\"BTC\","
            + "\"quote\":\"USD\",\"tickSize\":\"1\",\"lotSize\":\"1\"}";

    private static String today() {
        return LocalDate.now(ZoneOffset.UTC).toString();
    }

    static Stream<Arguments> attempts() {
        return Stream.of(
                // HTTP, bob's key naming alice or her orders.
                attempt("HTTP place naming account alice → 403", bob("POST", "/v1/orders", PLACE_BODY_FOR_ALICE,
                        403, "\"error\":\"forbidden\"", "acts only for account bob")),
                attempt("HTTP place naming account ALICE → 403", bob("POST", "/v1/orders",
                        PLACE_BODY_FOR_ALICE.replace("alice", "ALICE"), 403, "\"error\":\"forbidden\"")),
                attempt("HTTP modify of alice's order naming account alice → 403", bob("PATCH",
                        "/v1/orders/a-open-1", "{\"account\":\"alice\",\"quantity\":\"0.05\"}", 403,
                        "\"error\":\"forbidden\"")),
                attempt("HTTP modify of bob's order whose body names alice's order id → 403", bob("PATCH",
                        "/v1/orders/b-open-1", "{\"clientOrderId\":\"a-open-1\",\"quantity\":\"0.05\"}", 403,
                        "\"error\":\"forbidden\"")),
                attempt("HTTP modify of alice's order id is bob's unknown order → 404", bob("PATCH",
                        "/v1/orders/a-open-1", "{\"quantity\":\"0.05\"}", 404, "UNKNOWN_ORDER",
                        "\"account\":\"bob\"")),
                attempt("HTTP cancel of alice's order id is bob's unknown order → 404", bob("DELETE",
                        "/v1/orders/a-open-1", null, 404, "UNKNOWN_ORDER", "\"account\":\"bob\"")),
                attempt("HTTP cancel with a body naming alice is bob's own cancel → 404", bob("DELETE",
                        "/v1/orders/a-open-1", "{\"account\":\"alice\"}", 404, "UNKNOWN_ORDER",
                        "\"account\":\"bob\"")),
                attempt("HTTP transfer from alice to bob → 403", bob("POST", "/v1/transfers",
                        "{\"transferId\":\"steal-1\",\"from\":\"alice\",\"to\":\"bob\",\"asset\":\"USD\","
                                + "\"amount\":\"100\"}", 403, "\"error\":\"forbidden\"")),
                attempt("HTTP transfer from alice to alice → 403", bob("POST", "/v1/transfers",
                        "{\"transferId\":\"steal-2\",\"from\":\"alice\",\"to\":\"alice\",\"asset\":\"USD\","
                                + "\"amount\":\"100\"}", 403, "\"error\":\"forbidden\"")),
                attempt("HTTP GET of alice's order → 404", () -> {
                    final HttpResponse<String> r = s.send(s.bob, "GET", "/v1/orders/a-open-1", (String) null);
                    assertThat(r.statusCode()).isEqualTo(404);
                    assertThat(r.body()).contains("\"error\":\"not found\"").doesNotContain("70000", "alice");
                }),
                attempt("HTTP GET /v1/orders?account=alice answers bob's orders only", () -> {
                    final HttpResponse<String> r = s.send(s.bob, "GET", "/v1/orders?account=alice", (String) null);
                    assertThat(r.statusCode()).isEqualTo(200);
                    assertThat(r.body()).contains("b-open-1").doesNotContain("a-open-1", "a-open-2", "alice");
                }),
                attempt("HTTP GET /v1/balances?account=alice answers bob's balances", () -> {
                    final HttpResponse<String> r = s.send(s.bob, "GET", "/v1/balances?account=alice", (String) null);
                    assertThat(r.statusCode()).isEqualTo(200);
                    assertThat(Served.normalized(r.body())).isEqualTo(Served.normalized(
                            s.send(s.bob, "GET", "/v1/balances", (String) null).body())).doesNotContain("alice");
                }),
                attempt("HTTP statement of alice → 403", () -> bob("GET", "/v1/reports/statement?date=" + today()
                        + "&account=alice", null, 403, "\"error\":\"forbidden\"", "sees only account bob").run()),
                attempt("HTTP statement of ALICE → 403", () -> bob("GET", "/v1/reports/statement?date=" + today()
                        + "&account=ALICE", null, 403, "\"error\":\"forbidden\"").run()),
                // The batch, bob's key.
                attempt("batch place for alice → 403", batchRefused(1, place("alice", "x2"))),
                attempt("batch cancel of alice's order → 403", batchRefused(1, CANCEL_ALICE)),
                attempt("batch modify of alice's order → 403", batchRefused(1, MODIFY_ALICE)),
                attempt("batch transfer from alice → 403", batchRefused(1, TRANSFER_FROM_ALICE)),
                attempt("batch balances of alice → 403", batchRefused(1, BALANCES_ALICE)),
                attempt("batch orders of alice → 403", batchRefused(1, ORDERS_ALICE)),
                attempt("batch deposit to bob → 403", batchRefused(1, DEPOSIT_BOB)),
                attempt("batch withdrawal from alice → 403", batchRefused(1, WITHDRAW_ALICE)),
                attempt("batch asset definition → 403", batchRefused(1, ASSET)),
                attempt("batch instrument definition → 403", batchRefused(1, INSTRUMENT)),
                attempt("batch place naming no account → 403", batchRefused(1, place(null, "x3"))),
                attempt("batch of bob's own orders then one of alice's: none done → 403",
                        batchRefused(3, place("bob", "own-1"), place("bob", "own-2"), place("alice", "x4"))),
                attempt("batch with alice's line first and bob's after → 403",
                        batchRefused(1, place("alice", "x5"), place("bob", "own-3"))),
                attempt("batch line naming the account twice (bob, then alice) is bob's MALFORMED", () -> {
                    final HttpResponse<String> r = s.send(s.bob, "POST", "/v1/batch", "{\"type\":\"place\","
                            + "\"account\":\"bob\",\"account\":\"alice\",\"clientOrderId\":\"x6\",\"symbol\":"
                            + "\"BTC-USD\",\"side\":\"BUY\",\"price\":\"61000\",\"quantity\":\"0.01\"}\n");
                    assertThat(r.statusCode()).isEqualTo(200);
                    assertThat(r.body()).contains("\"reason\":\"MALFORMED\"", "\"account\":\"bob\"")
                            .doesNotContain("alice", "\"type\":\"accepted\"");
                }),
                // The WebSocket, bob's key.
                attempt("WebSocket place for alice → forbidden", wsForbidden(place("alice", "x7"))),
                attempt("WebSocket cancel of alice's order → forbidden", wsForbidden(CANCEL_ALICE)),
                attempt("WebSocket modify of alice's order → forbidden", wsForbidden(MODIFY_ALICE)),
                attempt("WebSocket transfer from alice → forbidden", wsForbidden(TRANSFER_FROM_ALICE)),
                attempt("WebSocket balances of alice → forbidden", wsForbidden(BALANCES_ALICE)),
                attempt("WebSocket orders of alice → forbidden", wsForbidden(ORDERS_ALICE)),
                attempt("WebSocket deposit to bob → forbidden", wsForbidden(DEPOSIT_BOB)),
                attempt("WebSocket withdrawal from alice → forbidden", wsForbidden(WITHDRAW_ALICE)),
                attempt("WebSocket asset definition → forbidden", wsForbidden(ASSET)),
                attempt("WebSocket instrument definition → forbidden", wsForbidden(INSTRUMENT)),
                attempt("WebSocket cancel of alice's order id without account is bob's UNKNOWN_ORDER",
                        ws("{\"type\":\"cancel\",\"clientOrderId\":\"a-open-1\"}", "\"reason\":\"UNKNOWN_ORDER\"")),
                attempt("WebSocket orders without account are bob's only", () -> {
                    final int id = IDS.incrementAndGet();
                    bobSocket.sendText("{\"op\":\"command\",\"id\":" + id + ",\"command\":{\"type\":\"orders\"}}",
                            true).join();
                    assertThat(BOB_INBOX.await("{\"id\":" + id + ",")).contains("b-open-1")
                            .doesNotContain("a-open-1", "alice");
                }),
                attempt("WebSocket: the admin key has no private channel", () -> {
                    final Served.Inbox inbox = new Served.Inbox();
                    final WebSocket socket = s.connect(s.admin, inbox);
                    socket.sendText("{\"op\":\"subscribe\",\"channel\":\"private\"}", true).join();
                    assertThat(inbox.await("MALFORMED")).contains("private (an account key)");
                    assertThat(inbox.messages).noneMatch(m -> m.contains("\"subscribed\""));
                    socket.abort();
                }),
                // Admin routes with an account key.
                attempt("bob's key: POST /v1/admin/deposits → 403", bob("POST", "/v1/admin/deposits",
                        "{\"account\":\"bob\",\"asset\":\"USD\",\"amount\":\"1000000\",\"depositId\":\"d-1\"}", 403,
                        "\"error\":\"forbidden\"")),
                attempt("bob's key: POST /v1/admin/withdrawals from alice → 403", bob("POST",
                        "/v1/admin/withdrawals", "{\"account\":\"alice\",\"asset\":\"USD\",\"amount\":\"100\","
                                + "\"withdrawalId\":\"w-1\"}", 403, "\"error\":\"forbidden\"")),
                attempt("bob's key: POST /v1/admin/assets → 403", bob("POST", "/v1/admin/assets",
                        "{\"asset\":\"DOGE\",\"scale\":2}", 403, "\"error\":\"forbidden\"")),
                attempt("bob's key: POST /v1/admin/instruments → 403", bob("POST", "/v1/admin/instruments",
                        "{\"symbol\":\"BTC-EUR\",\"base\":\"BTC\",\"quote\":\"USD\",\"tickSize\":\"1\","
                                + "\"lotSize\":\"1\"}", 403, "\"error\":\"forbidden\"")),
                attempt("bob's key: POST /v1/admin/keys for alice → 403, no key made", () -> {
                    final int keys = s.server.keys().all().size();
                    bob("POST", "/v1/admin/keys", "{\"account\":\"alice\"}", 403, "\"error\":\"forbidden\"").run();
                    assertThat(s.server.keys().all()).hasSize(keys);
                }),
                attempt("bob's key: DELETE /v1/admin/keys/{alice's key} → 403, the key still works", () -> {
                    bob("DELETE", "/v1/admin/keys/" + s.alice.id(), null, 403, "\"error\":\"forbidden\"").run();
                    assertThat(s.server.keys().find(s.alice.id())).isNotNull();
                    assertThat(s.send(s.alice, "GET", "/v1/balances", (String) null).statusCode()).isEqualTo(200);
                }),
                attempt("bob's key: GET /v1/reports/trades → 403", bob("GET", "/v1/reports/trades", null, 403,
                        "\"error\":\"forbidden\"")),
                attempt("bob's key: GET /v1/reports/audit → 403", bob("GET", "/v1/reports/audit", null, 403,
                        "\"error\":\"forbidden\"")),
                // Account routes with the admin key.
                attempt("admin key: POST /v1/orders for alice → 403", admin("POST", "/v1/orders",
                        PLACE_BODY_FOR_ALICE, 403, "an admin key acts for no account")),
                attempt("admin key: GET /v1/orders → 403", admin("GET", "/v1/orders", null, 403,
                        "an admin key acts for no account")),
                attempt("admin key: GET /v1/orders/a-open-1 → 403", admin("GET", "/v1/orders/a-open-1", null, 403,
                        "an admin key acts for no account")),
                attempt("admin key: PATCH /v1/orders/a-open-1 → 403", admin("PATCH", "/v1/orders/a-open-1",
                        "{\"account\":\"alice\",\"quantity\":\"0.05\"}", 403, "an admin key acts for no account")),
                attempt("admin key: DELETE /v1/orders/a-open-1 → 403", admin("DELETE", "/v1/orders/a-open-1", null,
                        403, "an admin key acts for no account")),
                attempt("admin key: GET /v1/balances → 403", admin("GET", "/v1/balances", null, 403,
                        "an admin key acts for no account")),
                attempt("admin key: POST /v1/transfers from alice → 403", admin("POST", "/v1/transfers",
                        "{\"transferId\":\"steal-3\",\"from\":\"alice\",\"to\":\"bob\",\"asset\":\"USD\","
                                + "\"amount\":\"100\"}", 403, "an admin key acts for no account")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("attempts")
    void isRefusedAndNoAccountChanges(final String name, final Attempt attempt) throws Exception {
        final Map<String, String> before = s.state();
        attempt.run();
        assertThat(s.state()).isEqualTo(before);
    }

    @Test
    void thePrivateChannelCarriesOnlyTheKeysOwnAccount() throws Exception {
        final Served.Inbox inbox = new Served.Inbox();
        final WebSocket socket = s.connect(s.bob, inbox);
        try {
            socket.sendText("{\"op\":\"subscribe\",\"channel\":\"private\"}", true).join();
            inbox.await("\"subscribed\":\"private\"");
            // alice's own business: an order placed, modified and cancelled, a transfer to nobody's payee...
            for (final String[] step : new String[][] {
                    {"POST", "/v1/orders", "{\"clientOrderId\":\"a-secret-1\",\"symbol\":\"ETH-USD\",\"side\":"
                            + "\"SELL\",\"price\":\"5000\",\"quantity\":\"1\"}", "200"},
                    {"PATCH", "/v1/orders/a-secret-1", "{\"quantity\":\"2\"}", "200"},
                    {"DELETE", "/v1/orders/a-secret-1", null, "200"},
                    {"POST", "/v1/orders", "{\"clientOrderId\":\"a-secret-2\",\"symbol\":\"NOPE-USD\",\"side\":"
                            + "\"SELL\",\"price\":\"5000\",\"quantity\":\"1\"}", "404"}}) {
                assertThat(s.send(s.alice, step[0], step[1], step[2]).statusCode()).as(step[1])
                        .isEqualTo(Integer.parseInt(step[3]));
            }
            // ...then bob's own order, placed and cancelled, which his channel must show.
            assertThat(s.send(s.bob, "POST", "/v1/orders", "{\"clientOrderId\":\"b-mark\",\"symbol\":\"BTC-USD\","
                    + "\"side\":\"BUY\",\"price\":\"50000\",\"quantity\":\"0.01\"}").statusCode()).isEqualTo(200);
            assertThat(s.send(s.bob, "DELETE", "/v1/orders/b-mark", (String) null).statusCode()).isEqualTo(200);
            inbox.await("\"type\":\"cancelled\"");
            assertThat(inbox.messages).anyMatch(m -> m.contains("b-mark"))
                    .noneMatch(m -> m.contains("a-secret") || m.contains("alice"));
        } finally {
            socket.abort();
        }
    }
}
