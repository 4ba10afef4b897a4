package org.edgebook.edge.screening;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.edgebook.edge.EdgeRequest;
import org.edgebook.edge.EdgeResponse;
import org.edgebook.edge.functions.ScreeningFunction;
import org.edgebook.guests.Guests;
import org.edgebook.sandbox.Convention;
import org.edgebook.sandbox.ExecutionMode;
import org.edgebook.sandbox.GuestCall;
import org.edgebook.sandbox.GuestResult;
import org.edgebook.sandbox.Limits;
import org.edgebook.sandbox.ModuleCache;
import org.edgebook.sandbox.SandboxedFunction;
import org.edgebook.sandbox.Watchdog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The screening function's three forms agree: the native Java function, its C build run as WebAssembly by the
 * sandbox (both conventions), and the naive reference written from the spec ({@link ScreeningReference}). Each run
 * draws a new seed and prints it; {@code -Dedgebook.screeningSeed=S} replays one. A disagreement shows the seed, the
 * case's aim and the request.
 */
class ScreeningAgreementTest {
    private static final ModuleCache CACHE = new ModuleCache();
    private static final ScreeningFunction NATIVE = new ScreeningFunction();
    private static Watchdog watchdog;
    private static final List<SandboxedFunction> FUNCTIONS = new ArrayList<>();

    @BeforeAll
    static void start() {
        watchdog = new Watchdog();
    }

    @AfterAll
    static void stop() {
        FUNCTIONS.forEach(SandboxedFunction::close);
        watchdog.close();
    }

    static long seed() {
        final String replay = System.getProperty("edgebook.screeningSeed");
        final long seed = replay != null && !replay.isBlank() ? Long.parseLong(replay.trim()) : new Random()
                .nextLong();
        System.out.println("screening seed " + seed + " (replay with -Dedgebook.screeningSeed=" + seed + ")");
        return seed;
    }

    private static SandboxedFunction wasm(final String guest, final Convention convention, final int maxReuses)
            throws Exception {
        final Limits d = Limits.DEFAULT;
        final SandboxedFunction f = SandboxedFunction.create(guest, CACHE.load(Guests.read(guest),
                ExecutionMode.COMPILED), convention, new Limits(d.memoryPages(), java.time.Duration.ofSeconds(30),
                        java.time.Duration.ofSeconds(30), d.concurrency(), 512, d.outputBytes(), maxReuses), Map.of(),
                (fn, sha, id, text) -> {}, watchdog);
        FUNCTIONS.add(f);
        return f;
    }

    @Test
    void nativeWasmAndReferenceAgreeOnBoundaryCases() throws Exception {
        final long seed = seed();
        final Map<String, Integer> tally = agree(seed, wasm(Guests.SCREENING_MEMORY, Convention.MEMORY, 0), 20_000,
                true);
        // the corpus reaches every answer, not only the easy ones
        for (final String answer : List.of("accept", "reject AMOUNT_LIMIT", "reject ANOMALY_SCORE",
                "hold VELOCITY_COUNT_MINUTE", "hold VELOCITY_AMOUNT_MINUTE", "hold VELOCITY_COUNT_HOUR",
                "hold VELOCITY_AMOUNT_HOUR", "hold ANOMALY_SCORE", "hold UNKNOWN_ASSET", "hold UNKNOWN_SYMBOL",
                "400")) {
            assertThat(tally.getOrDefault(answer, 0)).as("seed %d: answers %s in %s", seed, answer, tally)
                    .isGreaterThan(20);
        }
    }

    @Test
    void warmInstancesAgreeToo() throws Exception {
        agree(seed(), wasm(Guests.SCREENING_MEMORY, Convention.MEMORY, 1000), 5_000, true);
    }

    @Test
    void wagiAgrees() throws Exception {
        agree(seed(), wasm(Guests.SCREENING_WAGI, Convention.WAGI, 0), 1_000, true);
    }

    @Test
    void nativeAndWasmAgreeOnBrokenBytes() throws Exception {
        agree(seed(), wasm(Guests.SCREENING_MEMORY, Convention.MEMORY, 0), 5_000, false);
    }

    @Test
    @Tag("slow")
    void agreeOnAMuchLargerCorpus() throws Exception {
        agree(seed(), wasm(Guests.SCREENING_MEMORY, Convention.MEMORY, 1000), 200_000, true);
        agree(seed(), wasm(Guests.SCREENING_MEMORY, Convention.MEMORY, 1000), 50_000, false);
    }

    /** The documented example and hand-checked answers (docs/edge-functions.md 5), in all three forms. */
    @Test
    void specExamples() throws Exception {
        final SandboxedFunction wasm = wasm(Guests.SCREENING_MEMORY, Convention.MEMORY, 0);
        final String config = "\"config\": {\"holdScore\": 400, \"rejectScore\": 800, \"assets\": {\"USD\": "
                + "{\"decimals\": 2, \"maxAmount\": \"10000\", \"maxCountMinute\": 10, \"maxAmountMinute\": \"20000\", "
                + "\"maxCountHour\": 100, \"maxAmountHour\": \"100000\"}}, \"symbols\": {\"BTC-USD\": \"USD\"}}";
        final String activity = "\"activity\": {\"lastMinute\": {\"USD\": {\"count\": 2, \"amount\": \"40.5\"}}, "
                + "\"lastHour\": {\"USD\": {\"count\": 9, \"amount\": \"1210\"}, \"BTC\": {\"count\": 1, "
                + "\"amount\": \"0.02\"}}}";
        final String transfer = "{\"type\": \"transfer\", \"account\": \"alice\", \"transferId\": \"t-17\", "
                + "\"asset\": \"USD\", \"to\": \"bob\", \"amount\": \"%s\"}";
        final Map<String, String> examples = new java.util.LinkedHashMap<>();
        // 250.00 against a mean of 134.44: R = 185, A = 21; nothing else
        examples.put(transfer.formatted("250.00"), "{\"decision\":\"accept\",\"score\":21}");
        examples.put(transfer.formatted("10000"), "{\"decision\":\"hold\",\"reason\":\"ANOMALY_SCORE\",\"score\":650}");
        examples.put(transfer.formatted("10000.01"),
                "{\"decision\":\"reject\",\"reason\":\"AMOUNT_LIMIT\",\"score\":650}");
        examples.put(transfer.formatted("10000.001"),
                "{\"error\":\"invalid_request\",\"message\":\"tx.amount: more than 2 decimals\"}");
        examples.put(transfer.formatted("92233720368547758.08"),
                "{\"error\":\"invalid_request\",\"message\":\"tx.amount: out of range\"}");
        examples.put(transfer.formatted("0"), "{\"decision\":\"accept\",\"score\":0}");
        examples.put(transfer.replace("USD", "EUR").formatted("1"),
                "{\"decision\":\"hold\",\"reason\":\"UNKNOWN_ASSET\"}");
        // 64000 x 0.01 = 640.00 USD: R = 476, A = 94
        examples.put("{\"type\": \"place\", \"account\": \"alice\", \"clientOrderId\": \"o-1\", \"symbol\": "
                + "\"BTC-USD\", \"side\": \"BUY\", \"price\": \"64000\", \"quantity\": \"0.01\"}",
                "{\"decision\":\"accept\",\"score\":94}");
        examples.put("{\"type\": \"place\", \"account\": \"alice\", \"clientOrderId\": \"o-1\", \"symbol\": "
                + "\"BTC-USD\", \"side\": \"BUY\", \"price\": \"64000.5\", \"quantity\": \"0.001\"}",
                "{\"error\":\"invalid_request\",\"message\":\"tx: price * quantity has more than 2 decimals\"}");
        examples.put("{\"type\": \"place\", \"account\": \"alice\", \"clientOrderId\": \"o-1\", \"symbol\": "
                + "\"ETH-USD\", \"side\": \"SELL\", \"price\": \"1\", \"quantity\": \"1\"}",
                "{\"decision\":\"hold\",\"reason\":\"UNKNOWN_SYMBOL\"}");
        int i = 0;
        for (final Map.Entry<String, String> e : examples.entrySet()) {
            final byte[] body = ("{\"tx\": " + e.getKey() + ", " + activity + ", " + config + "}").getBytes(
                    StandardCharsets.UTF_8);
            final EdgeResponse n = NATIVE.handle(request(body, i));
            final GuestResult w = wasm.submit(new GuestCall(body, body.length, Map.of(), "r", 0)).get(30,
                    TimeUnit.SECONDS);
            assertThat(new String(n.body(), StandardCharsets.UTF_8)).as(e.getKey()).isEqualTo(e.getValue());
            assertThat(new String(w.body(), StandardCharsets.UTF_8)).as(e.getKey()).isEqualTo(e.getValue());
            assertThat(w.status()).isEqualTo(n.status()).isEqualTo(e.getValue().startsWith("{\"error\"") ? 400 : 200);
            i++;
        }
    }

    private static EdgeRequest request(final byte[] body, final int i) {
        return new EdgeRequest("POST", "/screening", null, Map.of(), body, body.length, "r-" + i, 0);
    }

    /**
     * Runs {@code count} cases of seed {@code seed} through the native function and {@code wasm}; with
     * {@code reference}, whole cases checked against the reference too, else their bytes broken (cut, flipped,
     * inserted) and only the two forms compared. Returns how often each answer came.
     */
    private static Map<String, Integer> agree(final long seed, final SandboxedFunction wasm, final int count,
                                              final boolean reference) throws Exception {
        final ScreeningCorpus corpus = new ScreeningCorpus(seed);
        final SplittableRandom writer = new SplittableRandom(seed ^ 0x5DEECE66DL);
        final Map<String, Integer> tally = new TreeMap<>();
        final List<ScreeningCase> cases = new ArrayList<>(256);
        final List<byte[]> bodies = new ArrayList<>(256);
        final List<CompletableFuture<GuestResult>> pending = new ArrayList<>(256);
        for (int start = 0; start < count; start += 256) {
            cases.clear();
            bodies.clear();
            pending.clear();
            final int end = Math.min(count, start + 256);
            for (int i = start; i < end; i++) {
                final ScreeningCase c = corpus.next();
                final byte[] body = reference ? c.json(writer) : broken(c.json(writer), writer);
                cases.add(c);
                bodies.add(body);
                pending.add(wasm.submit(new GuestCall(body, body.length, Map.of(), "r-" + i, 0)));
            }
            for (int i = start; i < end; i++) {
                final ScreeningCase c = cases.get(i - start);
                final byte[] body = bodies.get(i - start);
                final String request = new String(body, StandardCharsets.UTF_8);
                final EdgeResponse expected = NATIVE.handle(request(body, i));
                final String expectedBody = new String(expected.body(), StandardCharsets.UTF_8);
                final GuestResult actual = pending.get(i - start).get(60, TimeUnit.SECONDS);
                assertThat(new String(actual.body(), StandardCharsets.UTF_8))
                        .as("seed %d case %d (%s): wasm against native for %s", seed, i, c.aim, request)
                        .isEqualTo(expectedBody);
                assertThat(actual.status()).as("seed %d case %d: status", seed, i).isEqualTo(expected.status());
                if (reference) {
                    final ScreeningReference.Answer ref = ScreeningReference.answer(c);
                    assertThat(expectedBody).as("seed %d case %d (%s): native against the reference for %s", seed,
                            i, c.aim, request).isEqualTo(ref.body());
                    assertThat(expected.status()).as("seed %d case %d: status", seed, i).isEqualTo(ref.status());
                }
                tally.merge(label(expected), 1, Integer::sum);
            }
        }
        System.out.println("screening seed " + seed + ", " + count + " cases via " + wasm.name() + " ("
                + wasm.convention() + "): " + tally);
        return tally;
    }

    private static String label(final EdgeResponse r) {
        if (r.status() != 200) {
            return Integer.toString(r.status());
        }
        final String body = new String(r.body(), StandardCharsets.UTF_8);
        final String decision = body.substring(13, body.indexOf('"', 13));
        final int reason = body.indexOf("\"reason\":\"");
        return reason < 0 ? decision : decision + " " + body.substring(reason + 10, body.indexOf('"', reason + 10));
    }

    /** The text cut short, one byte replaced, or a fragment inserted. */
    private static byte[] broken(final byte[] text, final SplittableRandom random) {
        final int at = random.nextInt(text.length + 1);
        return switch (random.nextInt(4)) {
            case 0 -> java.util.Arrays.copyOf(text, at);
            case 1 -> {
                final byte[] copy = text.clone();
                final String flips = "\"\\{}[],:x0-.e 9\u0001";
                copy[Math.min(at, copy.length - 1)] = (byte) flips.charAt(random.nextInt(flips.length()));
                yield copy;
            }
            case 2 -> {
                final byte[] insert = pick(random, "\"", "1", "-", "0.", "{}", ",", "\\u0041", "\"count\":1,",
                        "9999999999").getBytes(StandardCharsets.UTF_8);
                final byte[] copy = new byte[text.length + insert.length];
                System.arraycopy(text, 0, copy, 0, at);
                System.arraycopy(insert, 0, copy, at, insert.length);
                System.arraycopy(text, at, copy, at + insert.length, text.length - at);
                yield copy;
            }
            default -> text;
        };
    }

    private static String pick(final SplittableRandom random, final String... options) {
        return options[random.nextInt(options.length)];
    }
}
