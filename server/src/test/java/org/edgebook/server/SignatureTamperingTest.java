package org.edgebook.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.edgebook.http.RequestSignature;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What held up in the security review (issue 9), kept so: a signed request changed in any way after signing, or signed
 * wrongly, or by a key that is unknown or revoked, is 401 and changes nothing. Every request here would change bob's
 * (or alice's) state if it got through: a place, a cancel, a modify or a transfer. Sent byte for byte through a raw
 * socket, so that the tampering is exactly what the case says.
 */
class SignatureTamperingTest {
    @TempDir
    static Path dir;

    private static Served s;
    private static final AtomicInteger IDS = new AtomicInteger();

    /** A request exactly as it goes on the wire. */
    record Req(String method, String target, List<String[]> headers, byte[] body) {
        Req withHeaders(final List<String[]> next) {
            return new Req(method, target, next, body);
        }

        Req withTarget(final String next) {
            return new Req(method, next, headers, body);
        }

        Req withMethod(final String next) {
            return new Req(next, target, headers, body);
        }

        Req withBody(final String next) {
            return new Req(method, target, headers, Served.bytes(next));
        }

        String header(final String name) {
            return headers.stream().filter(h -> h[0].equals(name)).findFirst().orElseThrow()[1];
        }

        /** The same headers with {@code name}'s value replaced. */
        Req with(final String name, final String value) {
            final List<String[]> next = new ArrayList<>();
            for (final String[] h : headers) {
                next.add(h[0].equals(name) ? new String[] {name, value} : h);
            }
            return withHeaders(next);
        }

        Req without(final String name) {
            return withHeaders(headers.stream().filter(h -> !h[0].equals(name)).toList());
        }

        /** {@code name} sent twice: {@code first}, then the value already there. */
        Req duplicated(final String name, final String first) {
            final List<String[]> next = new ArrayList<>();
            next.add(new String[] {name, first});
            next.addAll(headers);
            return withHeaders(next);
        }
    }

    private static final String KEY = RequestSignature.KEY_HEADER;
    private static final String TS = RequestSignature.TIMESTAMP_HEADER;
    private static final String SIG = RequestSignature.SIGNATURE_HEADER;

    @BeforeAll
    static void start() throws IOException {
        s = Served.start(dir);
        for (final String[] order : new String[][] {
                {"bob", "b-open-1", "BTC-USD", "BUY", "60000", "0.1"},
                {"bob", "b-open-2", "BTC-USD", "BUY", "59000", "0.1"},
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

    // ------------------------------------------------------------------------------------------------ requests

    /** {@code method target body}, signed by {@code key} over exactly {@code signedTarget} and {@code signedBody}. */
    private static Req signed(final ApiKey key, final String method, final String target, final String body,
                              final String signedMethod, final String signedTarget, final String signedBody) {
        final String ts = Long.toString(s.now());
        return new Req(method, target, List.of(new String[] {KEY, key.id()}, new String[] {TS, ts},
                new String[] {SIG, Served.sign(key, ts, signedMethod, signedTarget, Served.bytes(signedBody))}),
                Served.bytes(body));
    }

    private static Req signed(final ApiKey key, final String method, final String target, final String body) {
        return signed(key, method, target, body, method, target, body);
    }

    private static String placeBody(final String side, final String price, final String quantity) {
        return "{\"clientOrderId\":\"t" + IDS.incrementAndGet() + "\",\"symbol\":\"BTC-USD\",\"side\":\"" + side
                + "\",\"price\":\"" + price + "\",\"quantity\":\"" + quantity + "\"}";
    }

    /** bob's order that would rest on the book if it got through. */
    private static Req place() {
        return signed(s.bob, "POST", "/v1/orders", placeBody("BUY", "61000", "0.01"));
    }

    /** bob's cancel of his resting order. */
    private static Req cancel() {
        return signed(s.bob, "DELETE", "/v1/orders/b-open-1", null);
    }

    private static String transferBody(final String asset, final String amount) {
        return "{\"transferId\":\"t" + IDS.incrementAndGet() + "\",\"to\":\"alice\",\"asset\":\"" + asset
                + "\",\"amount\":\"" + amount + "\"}";
    }

    private static Req transfer() {
        return signed(s.bob, "POST", "/v1/transfers", transferBody("USD", "1"));
    }

    private static String body(final Req r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    private static Arguments tamper(final String name, final java.util.function.Supplier<Req> request) {
        return Arguments.of(name, request);
    }

    private static Arguments tamper(final String name, final java.util.function.Supplier<Req> base,
                                    final Function<Req, Req> change) {
        return Arguments.of(name, (java.util.function.Supplier<Req>) () -> change.apply(base.get()));
    }

    static Stream<Arguments> tampered() {
        return Stream.of(
                // The body.
                tamper("a body byte changed (price 61000 → 62000)", SignatureTamperingTest::place,
                        r -> r.withBody(body(r).replace("61000", "62000"))),
                tamper("the quantity changed", SignatureTamperingTest::place,
                        r -> r.withBody(body(r).replace("0.01", "0.09"))),
                tamper("the side changed", SignatureTamperingTest::place,
                        r -> r.withBody(body(r).replace("BUY", "SELL"))),
                tamper("a space added after a colon", SignatureTamperingTest::place,
                        r -> r.withBody(body(r).replace("\"price\":", "\"price\": "))),
                tamper("whitespace removed", () -> {
                    final String spaced = placeBody("BUY", "61000", "0.01").replace(",", ", ");
                    return signed(s.bob, "POST", "/v1/orders", spaced.replace(", ", ","), "POST", "/v1/orders",
                            spaced);
                }),
                tamper("a trailing newline added", SignatureTamperingTest::place,
                        r -> r.withBody(body(r) + "\n")),
                tamper("a field appended", SignatureTamperingTest::place,
                        r -> r.withBody(body(r).replace("}", ",\"postOnly\":true}"))),
                tamper("the body dropped", SignatureTamperingTest::place, r -> r.withBody(null)),
                tamper("a body added to a signed cancel", SignatureTamperingTest::cancel, r -> r.withBody("{}")),
                tamper("the transfer amount changed", SignatureTamperingTest::transfer,
                        r -> r.withBody(body(r).replace("\"1\"", "\"9\""))),
                tamper("the transfer asset changed", SignatureTamperingTest::transfer,
                        r -> r.withBody(body(r).replace("USD", "BTC"))),
                // The path.
                tamper("the order id in the path changed", SignatureTamperingTest::cancel,
                        r -> r.withTarget("/v1/orders/b-open-2")),
                tamper("a trailing slash added to the path", SignatureTamperingTest::place,
                        r -> r.withTarget("/v1/orders/")),
                tamper("the path percent-encoded", SignatureTamperingTest::cancel,
                        r -> r.withTarget("/v1/orders/b%2Dopen%2D1")),
                tamper("a dot segment in the path", SignatureTamperingTest::cancel,
                        r -> r.withTarget("/v1/x/../orders/b-open-1")),
                tamper("a doubled slash in the path", SignatureTamperingTest::cancel,
                        r -> r.withTarget("/v1//orders/b-open-1")),
                // The query string.
                tamper("the query string changed", () -> signed(s.bob, "POST", "/v1/orders?tag=1",
                        placeBody("BUY", "61000", "0.01")), r -> r.withTarget("/v1/orders?tag=2")),
                tamper("a query string added", SignatureTamperingTest::place,
                        r -> r.withTarget("/v1/orders?tag=1")),
                tamper("the query string removed", () -> signed(s.bob, "POST", "/v1/orders?tag=1",
                        placeBody("BUY", "61000", "0.01")), r -> r.withTarget("/v1/orders")),
                tamper("the query parameters reordered", () -> signed(s.bob, "POST", "/v1/orders?a=1&b=2",
                        placeBody("BUY", "61000", "0.01")), r -> r.withTarget("/v1/orders?b=2&a=1")),
                tamper("signed over the path without its query", () -> {
                    final String body = placeBody("BUY", "61000", "0.01");
                    return signed(s.bob, "POST", "/v1/orders?tag=1", body, "POST", "/v1/orders", body);
                }),
                // The method.
                tamper("the method changed GET → DELETE", () -> signed(s.bob, "GET", "/v1/orders/b-open-1", null),
                        r -> r.withMethod("DELETE")),
                tamper("the method changed PATCH → DELETE", () -> signed(s.bob, "PATCH", "/v1/orders/b-open-1",
                        "{\"quantity\":\"0.2\"}"), r -> r.withMethod("DELETE")),
                tamper("the method signed in lower case", () -> signed(s.bob, "DELETE", "/v1/orders/b-open-1",
                        null, "delete", "/v1/orders/b-open-1", null)),
                // The timestamp.
                tamper("the timestamp moved 1 ms later after signing", SignatureTamperingTest::place,
                        r -> r.with(TS, Long.toString(Long.parseLong(r.header(TS)) + 1))),
                tamper("the timestamp moved 1 ms earlier after signing", SignatureTamperingTest::place,
                        r -> r.with(TS, Long.toString(Long.parseLong(r.header(TS)) - 1))),
                tamper("the timestamp given a leading zero", SignatureTamperingTest::place,
                        r -> r.with(TS, "0" + r.header(TS))),
                tamper("the timestamp given a plus sign", SignatureTamperingTest::place,
                        r -> r.with(TS, "+" + r.header(TS))),
                tamper("a timestamp with a space inside, signed as sent", () -> {
                    final String ts = Long.toString(s.now());
                    final String odd = ts.substring(0, 5) + " " + ts.substring(5);
                    final String body = placeBody("BUY", "61000", "0.01");
                    return new Req("POST", "/v1/orders", List.of(new String[] {KEY, s.bob.id()},
                            new String[] {TS, odd}, new String[] {SIG, Served.sign(s.bob, odd, "POST", "/v1/orders",
                                    Served.bytes(body))}), Served.bytes(body));
                }),
                tamper("a timestamp signed with trailing spaces", () -> {
                    final String padded = s.now() + "  ";
                    final String body = placeBody("BUY", "61000", "0.01");
                    return new Req("POST", "/v1/orders", List.of(new String[] {KEY, s.bob.id()},
                            new String[] {TS, padded}, new String[] {SIG, Served.sign(s.bob, padded, "POST",
                                    "/v1/orders", Served.bytes(body))}), Served.bytes(body));
                }),
                tamper("a timestamp in seconds, signed as sent", () -> {
                    final String seconds = Long.toString(s.now() / 1000);
                    final String body = placeBody("BUY", "61000", "0.01");
                    return new Req("POST", "/v1/orders", List.of(new String[] {KEY, s.bob.id()},
                            new String[] {TS, seconds}, new String[] {SIG, Served.sign(s.bob, seconds, "POST",
                                    "/v1/orders", Served.bytes(body))}), Served.bytes(body));
                }),
                tamper("a timestamp 6 s old, signed as sent", () -> {
                    final String old = Long.toString(s.now() - 6_000);
                    final String body = placeBody("BUY", "61000", "0.01");
                    return new Req("POST", "/v1/orders", List.of(new String[] {KEY, s.bob.id()},
                            new String[] {TS, old}, new String[] {SIG, Served.sign(s.bob, old, "POST", "/v1/orders",
                                    Served.bytes(body))}), Served.bytes(body));
                }),
                tamper("a timestamp 6 s ahead, signed as sent", () -> {
                    final String ahead = Long.toString(s.now() + 6_000);
                    final String body = placeBody("BUY", "61000", "0.01");
                    return new Req("POST", "/v1/orders", List.of(new String[] {KEY, s.bob.id()},
                            new String[] {TS, ahead}, new String[] {SIG, Served.sign(s.bob, ahead, "POST",
                                    "/v1/orders", Served.bytes(body))}), Served.bytes(body));
                }),
                // Missing and empty headers.
                tamper("EB-KEY missing", SignatureTamperingTest::place, r -> r.without(KEY)),
                tamper("EB-TIMESTAMP missing", SignatureTamperingTest::place, r -> r.without(TS)),
                tamper("EB-SIGNATURE missing", SignatureTamperingTest::place, r -> r.without(SIG)),
                tamper("all three headers missing", SignatureTamperingTest::place,
                        r -> r.without(KEY).without(TS).without(SIG)),
                tamper("EB-KEY empty", SignatureTamperingTest::place, r -> r.with(KEY, "")),
                tamper("EB-TIMESTAMP empty", SignatureTamperingTest::place, r -> r.with(TS, "")),
                tamper("EB-SIGNATURE empty", SignatureTamperingTest::place, r -> r.with(SIG, "")),
                // The signature itself.
                tamper("the signature upper-cased", SignatureTamperingTest::place,
                        r -> r.with(SIG, r.header(SIG).toUpperCase(java.util.Locale.ROOT))),
                tamper("the signature truncated by one digit", SignatureTamperingTest::place,
                        r -> r.with(SIG, r.header(SIG).substring(0, 63))),
                tamper("the signature truncated to half", SignatureTamperingTest::place,
                        r -> r.with(SIG, r.header(SIG).substring(0, 32))),
                tamper("the signature extended by one digit", SignatureTamperingTest::place,
                        r -> r.with(SIG, r.header(SIG) + "0")),
                tamper("the signature's last digit made non-hex", SignatureTamperingTest::place,
                        r -> r.with(SIG, r.header(SIG).substring(0, 63) + "g")),
                tamper("the signature's first digit changed", SignatureTamperingTest::place,
                        r -> r.with(SIG, (r.header(SIG).charAt(0) == '0' ? "1" : "0") + r.header(SIG).substring(1))),
                tamper("the signature in base64", SignatureTamperingTest::place,
                        r -> r.with(SIG, java.util.Base64.getEncoder().encodeToString(
                                HexFormat.of().parseHex(r.header(SIG))))),
                tamper("signed with the secret's hex decoded, not its text", () -> {
                    final String ts = Long.toString(s.now());
                    final String body = placeBody("BUY", "61000", "0.01");
                    final String sig = RequestSignature.sign(HexFormat.of().parseHex(new String(s.bob.secret(),
                            StandardCharsets.US_ASCII)), ts, "POST", "/v1/orders", Served.bytes(body));
                    return new Req("POST", "/v1/orders", List.of(new String[] {KEY, s.bob.id()},
                            new String[] {TS, ts}, new String[] {SIG, sig}), Served.bytes(body));
                }),
                // Keys.
                tamper("signed with another key's secret (alice's) under bob's key id", () -> {
                    final Req r = place();
                    return r.with(SIG, Served.sign(s.alice, r.header(TS), r.method(), r.target(), r.body()));
                }),
                tamper("bob's signature of the right request sent under alice's key id",
                        SignatureTamperingTest::place, r -> r.with(KEY, s.alice.id())),
                tamper("the admin's key id on bob's signed request", SignatureTamperingTest::place,
                        r -> r.with(KEY, s.admin.id())),
                tamper("an unknown key id", SignatureTamperingTest::place, r -> r.with(KEY, "ek_nobody")),
                tamper("the key id in another case", SignatureTamperingTest::place,
                        r -> r.with(KEY, swapCase(s.bob.id()))),
                tamper("a revoked key of bob's, signed correctly", () -> {
                    final ApiKey revoked = revokedKeyOf("bob");
                    return signed(revoked, "POST", "/v1/orders", placeBody("BUY", "61000", "0.01"));
                }),
                // Duplicated headers.
                tamper("EB-KEY twice, alice's first", SignatureTamperingTest::place,
                        r -> r.duplicated(KEY, s.alice.id())),
                tamper("EB-SIGNATURE twice, a wrong one first", SignatureTamperingTest::place,
                        r -> r.duplicated(SIG, "0".repeat(64))),
                tamper("EB-TIMESTAMP twice, another one first", SignatureTamperingTest::place,
                        r -> r.duplicated(TS, Long.toString(Long.parseLong(r.header(TS)) + 1))),
                // Used before.
                tamper("an accepted request sent again", () -> {
                    final Req r = place();
                    try {
                        assertThat(send(r).status()).as("the first time").isEqualTo(200);
                    } catch (final IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    return r;
                }),
                tamper("an accepted request sent again with its timestamp zero-padded", () -> {
                    final Req r = place();
                    try {
                        assertThat(send(r).status()).as("the first time").isEqualTo(200);
                    } catch (final IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    return r.with(TS, "0" + r.header(TS));
                }));
    }

    private static String swapCase(final String id) {
        final StringBuilder out = new StringBuilder();
        for (final char c : id.toCharArray()) {
            out.append(Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c));
        }
        return out.toString();
    }

    /** A key made for {@code account} through the admin API, then revoked through it. */
    private static ApiKey revokedKeyOf(final String account) {
        final var made = s.send(s.admin, "POST", "/v1/admin/keys", "{\"account\":\"" + account + "\"}");
        assertThat(made.statusCode()).isEqualTo(200);
        final String id = made.body().replaceAll(".*\"key\":\"([^\"]+)\".*", "$1");
        final String secret = made.body().replaceAll(".*\"secret\":\"([^\"]+)\".*", "$1");
        final ApiKey key = new ApiKey(id, secret.getBytes(StandardCharsets.US_ASCII), account);
        assertThat(s.send(key, "GET", "/v1/balances", (String) null).statusCode()).as("the key works").isEqualTo(200);
        assertThat(s.send(s.admin, "DELETE", "/v1/admin/keys/" + id, (String) null).statusCode()).isEqualTo(200);
        return key;
    }

    private static Served.Raw send(final Req r) throws IOException {
        return s.raw(r.method(), r.target(), r.headers(), r.body());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tampered")
    void isRefused401AndChangesNothing(final String name, final java.util.function.Supplier<Req> request)
            throws Exception {
        final Req r = request.get();
        final Map<String, String> before = s.state();
        final long records = s.journalRecords();
        final Served.Raw answer = send(r);
        assertThat(answer.status()).as(answer.body()).isEqualTo(401);
        assertThat(answer.body()).contains("\"error\":\"unauthenticated\"");
        assertThat(s.journalRecords()).as("journal records").isEqualTo(records);
        assertThat(s.state()).isEqualTo(before);
    }

    /** The control: the same request untampered gets through, so the cases above fail for the tampering alone. */
    @Test
    void theUntamperedRequestsGetThrough() throws Exception {
        final Map<String, String> before = s.state();
        final Req placed = place();
        assertThat(send(placed).status()).isEqualTo(200);
        assertThat(send(transfer()).status()).isEqualTo(200);
        assertThat(send(signed(s.bob, "POST", "/v1/orders?tag=1", placeBody("BUY", "61000", "0.01"))).status())
                .isEqualTo(200);
        assertThat(s.state()).isNotEqualTo(before);
        final String id = body(placed).replaceAll(".*\"clientOrderId\":\"([^\"]+)\".*", "$1");
        assertThat(send(signed(s.bob, "DELETE", "/v1/orders/" + id, null)).status()).isEqualTo(200);
    }
}
