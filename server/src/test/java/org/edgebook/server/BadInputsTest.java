package org.edgebook.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What held up in the security review (issue 9), kept so: a bad input gets its own 4xx and changes nothing. The state
 * the API shows (every demo account's balances and open orders, both books) is the same before and after, and a
 * request refused at the door (a 400 from the decoder, a 413, a bad query parameter) adds no record to the journal,
 * counted on disk with {@link org.edgebook.journal.JournalScanner}; one the engine refuses adds exactly its one
 * journaled rejection.
 */
class BadInputsTest {
    @TempDir
    static Path dir;

    private static Served s;

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
    }

    @AfterAll
    static void stop() throws IOException {
        if (s != null) {
            s.close();
        }
    }

    /** Who sends a bad request: bob or the admin. */
    enum Who { BOB, ADMIN }

    /**
     * A bad request and its answer: the status, a text the answer holds, and how many records it adds to the journal
     * (0: refused at the door; 1: the engine's journaled rejection).
     */
    record Bad(Who who, String method, String path, byte[] body, int status, String holds, int journaled) {
    }

    private static final String PLACE = "{\"clientOrderId\":\"c1\",\"symbol\":\"BTC-USD\",\"side\":\"BUY\","
            + "\"price\":\"61000\",\"quantity\":\"0.01\"}";
    private static final String TRANSFER = "{\"transferId\":\"t1\",\"to\":\"alice\",\"asset\":\"USD\","
            + "\"amount\":\"1\"}";

    private static Arguments bad(final String name, final Who who, final String method, final String path,
                                 final String body, final int status, final String holds, final int journaled) {
        return bad(name, who, method, path, body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8),
                status, holds, journaled);
    }

    private static Arguments bad(final String name, final Who who, final String method, final String path,
                                 final byte[] body, final int status, final String holds, final int journaled) {
        return Arguments.of(name, new Bad(who, method, path, body, status, holds, journaled));
    }

    /** bob places {@link #PLACE} with {@code from} replaced by {@code to}, refused at the door. */
    private static Arguments order(final String name, final String from, final String to, final String holds) {
        assertThat(PLACE).contains(from);
        return bad(name, Who.BOB, "POST", "/v1/orders", PLACE.replace(from, to), 400, holds, 0);
    }

    /** bob places with the price {@code price}, refused at the door as not a plain decimal. */
    private static Arguments price(final String price) {
        return order("price \"" + price + "\"", "\"61000\"", "\"" + price + "\"",
                "price must be a plain decimal");
    }

    /** bob places {@link #PLACE} with a change the engine refuses, journaled. */
    private static Arguments refusedByTheEngine(final String name, final String from, final String to,
                                                final int status, final String reason) {
        assertThat(PLACE).contains(from);
        return bad(name, Who.BOB, "POST", "/v1/orders", PLACE.replace(from, to), status, reason, 1);
    }

    private static Arguments transfer(final String name, final String from, final String to, final String holds) {
        assertThat(TRANSFER).contains(from);
        return bad(name, Who.BOB, "POST", "/v1/transfers", TRANSFER.replace(from, to), 400, holds, 0);
    }

    private static Arguments admin(final String name, final String path, final String body, final String holds) {
        return bad(name, Who.ADMIN, "POST", path, body, 400, holds, 0);
    }

    private static byte[] concat(final String a, final byte[] middle, final String b) {
        final byte[] x = a.getBytes(StandardCharsets.UTF_8);
        final byte[] z = b.getBytes(StandardCharsets.UTF_8);
        final byte[] all = new byte[x.length + middle.length + z.length];
        System.arraycopy(x, 0, all, 0, x.length);
        System.arraycopy(middle, 0, all, x.length, middle.length);
        System.arraycopy(z, 0, all, x.length + middle.length, z.length);
        return all;
    }

    static Stream<Arguments> bad() {
        return Stream.of(
                // Not a JSON object.
                bad("not JSON", Who.BOB, "POST", "/v1/orders", "hello", 400, "not valid JSON", 0),
                bad("truncated JSON", Who.BOB, "POST", "/v1/orders", "{\"clientOrderId\":\"c1\"", 400,
                        "not valid JSON", 0),
                bad("a JSON array", Who.BOB, "POST", "/v1/orders", "[" + PLACE + "]", 400,
                        "a command must be a JSON object", 0),
                bad("a JSON string", Who.BOB, "POST", "/v1/orders", "\"place\"", 400,
                        "a command must be a JSON object", 0),
                bad("a JSON number", Who.BOB, "POST", "/v1/orders", "42", 400, "a command must be a JSON object", 0),
                bad("an empty body", Who.BOB, "POST", "/v1/orders", "", 400, "a command must be a JSON object", 0),
                bad("two objects", Who.BOB, "POST", "/v1/orders", PLACE + PLACE, 400, "only one JSON object", 0),
                bad("trailing garbage", Who.BOB, "POST", "/v1/orders", PLACE + " x", 400, "not valid JSON", 0),
                bad("a trailing comma", Who.BOB, "POST", "/v1/orders", PLACE.replace("}", ",}"), 400,
                        "not valid JSON", 0),
                bad("single-quoted strings", Who.BOB, "POST", "/v1/orders", PLACE.replace('"', '\''), 400,
                        "not valid JSON", 0),
                bad("nesting deeper than 16", Who.BOB, "POST", "/v1/orders", "{\"x\":" + "[".repeat(40)
                        + "]".repeat(40) + "}", 400, "MALFORMED", 0),
                // Not valid Unicode.
                bad("an invalid UTF-8 byte", Who.BOB, "POST", "/v1/orders", concat("{\"clientOrderId\":\"c",
                        new byte[] {(byte) 0xC3, 0x28}, "\",\"symbol\":\"BTC-USD\",\"side\":\"BUY\",\"price\":"
                                + "\"61000\",\"quantity\":\"0.01\"}"), 400, "not valid UTF-8", 0),
                bad("overlong UTF-8 for '/'", Who.BOB, "POST", "/v1/orders", concat("{\"clientOrderId\":\"c",
                        new byte[] {(byte) 0xC0, (byte) 0xAF}, "\",\"symbol\":\"BTC-USD\",\"side\":\"BUY\","
                                + "\"price\":\"61000\",\"quantity\":\"0.01\"}"), 400, "not valid UTF-8", 0),
                order("an escaped lone surrogate in a name", "\"c1\"", "\"c\\ud800\"", "U+D800"),
                // Wrong types.
                order("price as a number", "\"61000\"", "61000", "price must be a decimal string"),
                order("quantity as a number", "\"0.01\"", "0.01", "quantity must be a decimal string"),
                order("price as an array", "\"61000\"", "[\"61000\"]", "price must be a decimal string"),
                order("side as a number", "\"BUY\"", "1", "side must be one of BUY, SELL"),
                order("symbol as a number", "\"BTC-USD\"", "7", "symbol must be a string"),
                order("clientOrderId as an object", "\"c1\"", "{\"id\":\"c1\"}", "clientOrderId must be a string"),
                order("postOnly as a string", "}", ",\"postOnly\":\"true\"}", "postOnly must be true or false"),
                order("type as a number", "{", "{\"type\":1,", "type must be a string"),
                // Unknown, misplaced and repeated fields.
                order("an unknown field", "}", ",\"foo\":1}", "unknown field 'foo'"),
                order("a field name in the wrong case", "\"price\"", "\"Price\"", "unknown field 'Price'"),
                order("a field of another command", "}", ",\"transferId\":\"t1\"}",
                        "field 'transferId' is not part of a place command"),
                order("price repeated", "}", ",\"price\":\"61000\"}", "field 'price' appears twice"),
                order("clientOrderId repeated", "}", ",\"clientOrderId\":\"c2\"}",
                        "field 'clientOrderId' appears twice"),
                order("another command's type on the route", "{", "{\"type\":\"cancel\",",
                        "this route takes place commands"),
                // Decimals that are not plain.
                price("1e3"), price("+1"), price(".5"), price("5."), price(" 1"), price("1 "), price(""),
                price("0x10"), price("1,5"), price("NaN"), price("--1"), price("1.2.3"), price("６１０００"),
                order("quantity \"1e-3\"", "\"0.01\"", "\"1e-3\"", "quantity must be a plain decimal"),
                // Unknown enum values.
                order("side in lower case", "\"BUY\"", "\"buy\"", "side must be one of BUY, SELL"),
                order("an unknown orderType", "}", ",\"orderType\":\"STOP\"}", "orderType must be one of"),
                order("an unknown tif", "}", ",\"tif\":\"DAY\"}", "tif must be one of"),
                // Names outside the rule.
                order("clientOrderId with a space", "\"c1\"", "\"c 1\"", "clientOrderId may hold only"),
                order("clientOrderId with a slash", "\"c1\"", "\"c/1\"", "clientOrderId may hold only"),
                order("clientOrderId with a percent sign", "\"c1\"", "\"c%201\"", "clientOrderId may hold only"),
                order("clientOrderId with a non-ASCII letter", "\"c1\"", "\"cé\"", "clientOrderId may hold only"),
                order("clientOrderId with a control character", "\"c1\"", "\"c\\u0007\"",
                        "clientOrderId may hold only"),
                order("clientOrderId of 65 characters", "\"c1\"", "\"" + "c".repeat(65) + "\"",
                        "clientOrderId must be at most 64 characters"),
                order("symbol with a space", "\"BTC-USD\"", "\"BTC USD\"", "symbol may hold only"),
                order("symbol with a bidi override", "\"BTC-USD\"", "\"BTC\\u202e-USD\"", "symbol may hold only"),
                // Transfers.
                transfer("transfer amount \"1e3\"", "\"1\"", "\"1e3\"", "amount must be a plain decimal"),
                transfer("transfer amount as a number", "\"1\"", "1", "amount must be a decimal string"),
                transfer("transfer payee with a bidi override", "\"alice\"", "\"ali\\u202ece\"", "to may hold only"),
                transfer("transfer asset of 65 characters", "\"USD\"", "\"" + "U".repeat(65) + "\"",
                        "asset must be at most 64 characters"),
                transfer("transferId with a newline", "\"t1\"", "\"t\\n1\"", "transferId may hold only"),
                transfer("a transfer naming account", "}", ",\"account\":\"bob\"}",
                        "field 'account' is not part of a transfer command"),
                // Modify.
                bad("modify quantity \"abc\"", Who.BOB, "PATCH", "/v1/orders/b-open-1", "{\"quantity\":\"abc\"}",
                        400, "quantity must be a plain decimal", 0),
                bad("modify with an unknown field", Who.BOB, "PATCH", "/v1/orders/b-open-1",
                        "{\"quantity\":\"0.2\",\"size\":\"0.2\"}", 400, "unknown field 'size'", 0),
                bad("modify price as a number", Who.BOB, "PATCH", "/v1/orders/b-open-1", "{\"price\":59000}", 400,
                        "price must be a decimal string", 0),
                // Admin commands.
                admin("deposit without depositId", "/v1/admin/deposits", "{\"account\":\"alice\",\"asset\":\"USD\","
                        + "\"amount\":\"5\"}", "depositId is required"),
                admin("deposit amount \"1e3\"", "/v1/admin/deposits", "{\"account\":\"alice\",\"asset\":\"USD\","
                        + "\"amount\":\"1e3\",\"depositId\":\"d1\"}", "amount must be a plain decimal"),
                admin("deposit to an account outside the name rule", "/v1/admin/deposits", "{\"account\":\"a b\","
                        + "\"asset\":\"USD\",\"amount\":\"5\",\"depositId\":\"d1\"}", "account may hold only"),
                admin("withdrawal without withdrawalId", "/v1/admin/withdrawals", "{\"account\":\"alice\","
                        + "\"asset\":\"USD\",\"amount\":\"5\"}", "withdrawalId is required"),
                admin("asset scale 19", "/v1/admin/assets", "{\"asset\":\"DOGE\",\"scale\":19}",
                        "scale must be an integer from 0 to 18"),
                admin("asset scale as a string", "/v1/admin/assets", "{\"asset\":\"DOGE\",\"scale\":\"2\"}",
                        "scale must be an integer from 0 to 18"),
                admin("asset scale 1.5", "/v1/admin/assets", "{\"asset\":\"DOGE\",\"scale\":1.5}",
                        "scale must be an integer from 0 to 18"),
                admin("asset scale beyond a long", "/v1/admin/assets", "{\"asset\":\"DOGE\",\"scale\":"
                        + "99999999999999999999}", "scale must be an integer from 0 to 18"),
                admin("asset name with a space", "/v1/admin/assets", "{\"asset\":\"DO GE\",\"scale\":2}",
                        "asset may hold only"),
                admin("instrument tickSize \"1e-2\"", "/v1/admin/instruments", "{\"symbol\":\"ETH-BTC\","
                        + "\"base\":\"ETH\",\"quote\":\"BTC\",\"tickSize\":\"1e-2\",\"lotSize\":\"1\"}",
                        "tickSize must be a plain decimal"),
                admin("key for an account with another field", "/v1/admin/keys", "{\"account\":\"carol\",\"x\":1}",
                        "and nothing else"),
                admin("key request not JSON", "/v1/admin/keys", "carol", "not a JSON object"),
                admin("key for an account that is a number", "/v1/admin/keys", "{\"account\":42}",
                        "and nothing else"),
                // FAIL at the time of writing: POST /v1/admin/keys does not apply the rule for names (README
                // "Names", docs/semantics.md) to the account and makes a key for any non-empty text (200).
                admin("key for an account outside the name rule (a space)", "/v1/admin/keys",
                        "{\"account\":\"a b\"}", "account may hold only"),
                admin("key for an account of 65 characters", "/v1/admin/keys",
                        "{\"account\":\"" + "c".repeat(65) + "\"}", "account must be at most 64 characters"),
                admin("key for an account with a lone surrogate", "/v1/admin/keys",
                        "{\"account\":\"a\\ud800\"}", "U+D800"),
                // Bodies too large.
                bad("a body over 64 KiB", Who.BOB, "POST", "/v1/orders", "{\"clientOrderId\":\""
                        + "x".repeat(64 * 1024) + "\"}", 413, "body too large", 0),
                bad("a transfer body over 64 KiB", Who.BOB, "POST", "/v1/transfers", " ".repeat(64 * 1024 + 1)
                        + TRANSFER, 413, "body too large", 0),
                // Query parameters.
                bad("trades since=abc", Who.BOB, "GET", "/v1/trades?since=abc", (String) null, 400,
                        "since and limit are whole numbers", 0),
                bad("trades since=-1", Who.BOB, "GET", "/v1/trades?since=-1", (String) null, 400,
                        "limit is 1 to 10000 and since is 0 or more", 0),
                bad("trades limit=0", Who.BOB, "GET", "/v1/trades?limit=0", (String) null, 400,
                        "limit is 1 to 10000", 0),
                bad("trades limit=10001", Who.BOB, "GET", "/v1/trades?limit=10001", (String) null, 400,
                        "limit is 1 to 10000", 0),
                bad("trades limit=1e3", Who.BOB, "GET", "/v1/trades?limit=1e3", (String) null, 400,
                        "since and limit are whole numbers", 0),
                bad("statement date=2026-13-01", Who.BOB, "GET", "/v1/reports/statement?date=2026-13-01",
                        (String) null, 400, "date=YYYY-MM-DD", 0),
                bad("statement without a date", Who.BOB, "GET", "/v1/reports/statement", (String) null, 400,
                        "date=YYYY-MM-DD", 0),
                bad("the admin's statement without an account", Who.ADMIN, "GET",
                        "/v1/reports/statement?date=2026-01-01", (String) null, 400, "account is required", 0),
                bad("trade report from=yesterday", Who.ADMIN, "GET", "/v1/reports/trades?from=yesterday",
                        (String) null, 400, "from and to are dates", 0),
                bad("audit report to=2026-02-30", Who.ADMIN, "GET", "/v1/reports/audit?to=2026-02-30",
                        (String) null, 400, "from and to are dates", 0),
                // Batches.
                bad("an empty batch", Who.BOB, "POST", "/v1/batch", "", 400, "the batch holds no command", 0),
                bad("a batch of blank lines", Who.BOB, "POST", "/v1/batch", "\n\r\n\n", 400,
                        "the batch holds no command", 0),
                // Refused by the engine: each is one journaled rejection, and nothing else.
                refusedByTheEngine("an unknown symbol", "\"BTC-USD\"", "\"DOGE-USD\"", 404, "UNKNOWN_SYMBOL"),
                refusedByTheEngine("a price out of range", "\"61000\"", "\"99999999999999999999\"", 422,
                        "INVALID_PRICE"),
                refusedByTheEngine("a quantity out of range", "\"0.01\"", "\"99999999999999999999\"", 422,
                        "INVALID_QUANTITY"),
                refusedByTheEngine("price 0", "\"61000\"", "\"0\"", 422, "INVALID_PRICE"),
                refusedByTheEngine("price -1", "\"61000\"", "\"-1\"", 422, "INVALID_PRICE"),
                refusedByTheEngine("a price off the tick", "\"61000\"", "\"61000.3\"", 422, "INVALID_PRICE"),
                refusedByTheEngine("a quantity off the lot", "\"0.01\"", "\"0.00001\"", 422, "INVALID_QUANTITY"),
                refusedByTheEngine("a price of null on a limit order", "\"61000\"", "null", 422, "INVALID_ORDER"),
                refusedByTheEngine("no clientOrderId", "\"clientOrderId\":\"c1\",", "", 400, "MALFORMED"),
                refusedByTheEngine("an empty clientOrderId", "\"c1\"", "\"\"", 400, "MALFORMED"),
                refusedByTheEngine("no side", "\"side\":\"BUY\",", "", 400, "MALFORMED"),
                bad("a transfer of an unknown asset", Who.BOB, "POST", "/v1/transfers",
                        TRANSFER.replace("\"USD\"", "\"EUR\""), 404, "UNKNOWN_ASSET", 1),
                bad("a transfer to an unknown account", Who.BOB, "POST", "/v1/transfers",
                        TRANSFER.replace("\"alice\"", "\"carol\""), 404, "UNKNOWN_ACCOUNT", 1),
                bad("a transfer of 0", Who.BOB, "POST", "/v1/transfers", TRANSFER.replace("\"1\"", "\"0\""), 422,
                        "INVALID_AMOUNT", 1),
                bad("a modify with neither price nor quantity", Who.BOB, "PATCH", "/v1/orders/b-open-1", "{}", 400,
                        "MALFORMED", 1),
                bad("a cancel of an id outside the name rule", Who.BOB, "DELETE", "/v1/orders/a%20b",
                        (String) null, 400, "MALFORMED", 0), // refused at the door, never journaled
                bad("a book of a symbol outside the name rule", Who.BOB, "GET", "/v1/book/BTC%20USD",
                        (String) null, 400, "MALFORMED", 0),
                bad("a book of an unknown symbol", Who.BOB, "GET", "/v1/book/DOGE-USD", (String) null, 404,
                        "UNKNOWN_SYMBOL", 1),
                bad("a deposit of an unknown asset", Who.ADMIN, "POST", "/v1/admin/deposits",
                        "{\"account\":\"alice\",\"asset\":\"EUR\",\"amount\":\"5\",\"depositId\":\"d1\"}", 404,
                        "UNKNOWN_ASSET", 1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bad")
    void getsItsOwn4xxAndChangesNothing(final String name, final Bad bad) throws Exception {
        final Map<String, String> before = s.state();
        final int keys = s.server.keys().all().size();
        final long records = s.journalRecords();
        final HttpResponse<String> r = s.send(bad.who() == Who.BOB ? s.bob : s.admin, bad.method(), bad.path(),
                bad.body());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(bad.status());
        assertThat(r.body()).contains(bad.holds());
        assertThat(s.journalRecords() - records).as("journal records added").isEqualTo(bad.journaled());
        assertThat(s.server.keys().all()).as("keys").hasSize(keys);
        assertThat(s.state()).isEqualTo(before);
    }

    private static final AtomicInteger IDS = new AtomicInteger();

    static Stream<Arguments> badMessages() {
        return Stream.of(
                Arguments.of("not JSON", "hello", "a message is a JSON object"),
                Arguments.of("a JSON array", "[1]", "a message is a JSON object"),
                Arguments.of("an unknown op", "{\"op\":\"drop\",\"id\":%d}", "op is subscribe or command"),
                Arguments.of("an unknown channel", "{\"op\":\"subscribe\",\"channel\":\"everything\"}",
                        "channels are trades, private"),
                Arguments.of("a command that is a string", "{\"op\":\"command\",\"id\":%d,\"command\":\"place\"}",
                        "\"error\":\"MALFORMED\""),
                Arguments.of("a command with price \"1e3\"", "{\"op\":\"command\",\"id\":%d,\"command\":{\"type\":"
                        + "\"place\",\"clientOrderId\":\"w1\",\"symbol\":\"BTC-USD\",\"side\":\"BUY\",\"price\":"
                        + "\"1e3\",\"quantity\":\"0.01\"}}", "price must be a plain decimal"),
                Arguments.of("a command with an unknown field", "{\"op\":\"command\",\"id\":%d,\"command\":{\"type\":"
                        + "\"cancel\",\"clientOrderId\":\"b-open-1\",\"why\":1}}", "unknown field 'why'"),
                Arguments.of("a command with an unknown type", "{\"op\":\"command\",\"id\":%d,\"command\":{\"type\":"
                        + "\"cancelAll\"}}", "unknown type 'cancelAll'"),
                Arguments.of("a command with a name outside the rule", "{\"op\":\"command\",\"id\":%d,\"command\":"
                        + "{\"type\":\"cancel\",\"clientOrderId\":\"b open\"}}", "clientOrderId may hold only"));
    }

    /** Over the WebSocket, a bad message gets a MALFORMED answer; nothing is journaled and nothing changes. */
    @ParameterizedTest(name = "WebSocket: {0}")
    @MethodSource("badMessages")
    void aBadWebSocketMessageIsAnsweredAndChangesNothing(final String name, final String message,
                                                         final String answer) throws Exception {
        final Served.Inbox inbox = new Served.Inbox();
        final WebSocket socket = s.connect(s.bob, inbox);
        try {
            final Map<String, String> before = s.state();
            final long records = s.journalRecords();
            socket.sendText(message.formatted(IDS.incrementAndGet()), true).join();
            assertThat(inbox.await(answer)).contains("MALFORMED");
            assertThat(s.journalRecords() - records).as("journal records added").isZero();
            assertThat(s.state()).isEqualTo(before);
        } finally {
            socket.abort();
        }
    }

    /**
     * A WebSocket message over 64 KiB (README: "messages are limited to 64 KiB") does nothing, and the client is told:
     * the socket is closed (1009, message too big) or the message is answered with an error. FAILS at the time of
     * writing: the message is dropped without a word and the socket stays open, so a client pipelining commands waits
     * for an answer to that id that never comes (nothing is executed or journaled, though).
     */
    @ParameterizedTest(name = "WebSocket: a message over 64 KiB")
    @MethodSource("oversized")
    void aWebSocketMessageOver64KiBIsRefusedAloud(final String message) throws Exception {
        final Served.Inbox inbox = new Served.Inbox();
        final WebSocket socket = s.connect(s.bob, inbox);
        try {
            final Map<String, String> before = s.state();
            final long records = s.journalRecords();
            try {
                socket.sendText(message, true).get(10, TimeUnit.SECONDS);
            } catch (final java.util.concurrent.ExecutionException e) {
                // the server may close before the whole message is written
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!inbox.closed.isDone() && inbox.messages.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(inbox.messages).noneMatch(m -> m.contains("\"seq\""));
            assertThat(s.journalRecords() - records).as("journal records added").isZero();
            assertThat(s.state()).isEqualTo(before);
            assertThat(inbox.closed.isDone() ? inbox.closed.join() : inbox.messages.isEmpty() ? "nothing at all"
                    : inbox.messages.getFirst()).as("what the client is told").matches("1009 .*|.*\"id\":1,.*");
        } finally {
            socket.abort();
        }
    }

    static Stream<String> oversized() {
        return Stream.of("{\"op\":\"command\",\"id\":1,\"command\":{\"type\":\"place\",\"clientOrderId\":\"big\","
                + "\"symbol\":\"BTC-USD\",\"side\":\"BUY\",\"price\":\"61000\",\"quantity\":\"0.01\"}}"
                + " ".repeat(64 * 1024));
    }
}
