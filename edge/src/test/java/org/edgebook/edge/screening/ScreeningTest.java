package org.edgebook.edge.screening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.edgebook.edge.EdgeFunction;
import org.edgebook.edge.EdgeRequest;
import org.edgebook.edge.EdgeResponse;
import org.edgebook.edge.functions.ScreeningFunction;
import org.edgebook.guests.Guests;
import org.edgebook.sandbox.Convention;
import org.edgebook.sandbox.ExecutionMode;
import org.edgebook.sandbox.Limits;
import org.edgebook.sandbox.ModuleCache;
import org.edgebook.sandbox.SandboxedFunction;
import org.edgebook.sandbox.Watchdog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link Screening} end to end with real functions: the bundled one native and as WebAssembly over a flow of
 * transactions whose activity builds up in the tracker under a driven clock, and hostile guests run by the sandbox
 * (a trap, a loop past its deadline, too much output, an answer that is not a decision) failing closed.
 */
class ScreeningTest {
    static final String CONFIG = """
        {"holdScore": 400, "rejectScore": 800,
         "assets": {"USD": {"decimals": 2, "maxAmount": "10000", "maxCountMinute": 5, "maxAmountMinute": "20000",
                            "maxCountHour": 20, "maxAmountHour": "50000"},
                    "BTC": {"decimals": 8, "maxAmount": "2", "maxCountMinute": 10, "maxAmountMinute": "5",
                            "maxCountHour": 50, "maxAmountHour": "20"}},
         "symbols": {"BTC-USD": "USD"}}""";
    private static final long T0 = 29_916_667L * 60_000L;
    private static final ModuleCache CACHE = new ModuleCache();
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

    private static SandboxedFunction guest(final String file, final Convention convention, final Duration deadline,
                                           final Duration cpu, final int outputBytes) throws Exception {
        final SandboxedFunction f = SandboxedFunction.create(file, CACHE.load(Guests.read(file),
                ExecutionMode.COMPILED), convention, new Limits(64, deadline, cpu, 1, 16, outputBytes, 0), Map.of(),
                (fn, sha, id, text) -> {}, watchdog);
        FUNCTIONS.add(f);
        return f;
    }

    private static SandboxedFunction bundled() throws Exception {
        return guest(Guests.SCREENING_MEMORY, Convention.MEMORY, Duration.ofSeconds(10), Duration.ofSeconds(10),
                4096);
    }

    private static Transaction transfer(final String account, final String asset, final String amount) {
        return new Transaction.Transfer(account, "t-" + amount, asset, "bob", amount);
    }

    private static Decision screen(final Screening s, final Transaction tx) throws Exception {
        return s.screen(tx, "r").get(30, TimeUnit.SECONDS);
    }

    @Test
    void velocityBuildsUpInTheTrackerAndSlidesAway() throws Exception {
        final AtomicLong clock = new AtomicLong(T0);
        final ScreeningConfig config = ScreeningConfig.read(CONFIG);
        for (final Screening s : List.of(
                Screening.ofNative(new ScreeningFunction(), config, new ActivityTracker(), Screening.OnFailure.HOLD,
                        clock::get),
                Screening.ofSandboxed(bundled(), config, new ActivityTracker(), Screening.OnFailure.HOLD,
                        clock::get))) {
            clock.set(T0);
            // five transfers in one minute are the limit (the sixth would make six)
            for (int i = 0; i < 5; i++) {
                final Decision d = screen(s, transfer("alice", "USD", "10"));
                assertThat(d.kind()).as("transfer %d: %s", i, d).isEqualTo(Decision.Kind.ACCEPT);
                assertThat(s.accepted(transfer("alice", "USD", "10"))).isTrue();
                clock.addAndGet(1_000);
            }
            assertThat(screen(s, transfer("alice", "USD", "10")).toJson())
                    .isEqualTo("{\"decision\":\"hold\",\"reason\":\"VELOCITY_COUNT_MINUTE\",\"score\":200}");
            // bob is another account
            assertThat(screen(s, transfer("bob", "USD", "10")).toJson()).isEqualTo(
                    "{\"decision\":\"accept\",\"score\":0}");
            // a minute after the first, it has left the window
            clock.set(T0 + 60_000);
            assertThat(screen(s, transfer("alice", "USD", "10")).kind()).isEqualTo(Decision.Kind.ACCEPT);
            // twenty times the hour's mean of 10.00, and a first BTC transfer for an account active in USD
            assertThat(screen(s, transfer("alice", "USD", "200")).toJson())
                    .isEqualTo("{\"decision\":\"hold\",\"reason\":\"ANOMALY_SCORE\",\"score\":675}");
            assertThat(screen(s, transfer("alice", "BTC", "0.5")).toJson())
                    .isEqualTo("{\"decision\":\"accept\",\"score\":150}");
            // an order is screened for its notional in the quote asset: 30000 x 0.5 = 15000.00 USD
            assertThat(screen(s, new Transaction.Place("alice", "o-1", "BTC-USD", "BUY", "30000", "0.5")).toJson())
                    .isEqualTo("{\"decision\":\"reject\",\"reason\":\"AMOUNT_LIMIT\",\"score\":850}");
            assertThat(s.accepted(new Transaction.Place("alice", "o-2", "BTC-USD", "SELL", "300", "0.05")))
                    .isTrue();
            assertThat(s.tracker().snapshot("alice", clock.get()).assets().getFirst().hourUnits()).isEqualTo(
                    5 * 1000 + 1500);
            assertThat(screen(s, transfer("alice", "EUR", "1")).toJson())
                    .isEqualTo("{\"decision\":\"hold\",\"reason\":\"UNKNOWN_ASSET\"}");
        }
    }

    /** Native and WebAssembly screening, each with its own tracker, decide a random flow identically. */
    @Test
    void nativeAndWasmScreeningDecideARandomFlowAlike() throws Exception {
        final long seed = ScreeningAgreementTest.seed();
        final SplittableRandom random = new SplittableRandom(seed);
        final AtomicLong clock = new AtomicLong(T0);
        final ScreeningConfig config = ScreeningConfig.read(CONFIG);
        final Screening nativeScreening = Screening.ofNative(new ScreeningFunction(), config, new ActivityTracker(),
                Screening.OnFailure.HOLD, clock::get);
        final Screening wasmScreening = Screening.ofSandboxed(bundled(), config, new ActivityTracker(),
                Screening.OnFailure.HOLD, clock::get);
        final Map<String, Integer> tally = new TreeMap<>();
        for (int i = 0; i < 3_000; i++) {
            clock.addAndGet(random.nextInt(10) == 0 ? random.nextLong(0, 600_000) : random.nextLong(0, 3_000));
            final String account = "a" + random.nextInt(5);
            final Transaction tx = random.nextInt(4) == 0
                    ? new Transaction.Place(account, "o" + i, random.nextInt(10) == 0 ? "ETH-USD" : "BTC-USD",
                            "BUY", Integer.toString(random.nextInt(1, 40_000)), "0.0" + random.nextInt(1, 10))
                    : random.nextInt(3) == 0
                            ? transfer(account, "BTC", random.nextInt(0, 3) + "." + String.format("%08d", random
                                    .nextInt(0, 100_000_000)))
                    : transfer(account, "USD", random.nextInt(1, 10) * (int) Math.pow(10, random.nextInt(
                            0, 4)) + "." + random.nextInt(10));
            final Decision n = screen(nativeScreening, tx);
            final Decision w = screen(wasmScreening, tx);
            assertThat(w).as("seed %d transaction %d: %s", seed, i, tx).isEqualTo(n);
            tally.merge(n.kind() + (n.reason() != null ? " " + n.reason() : ""), 1, Integer::sum);
            if (n.kind() == Decision.Kind.ACCEPT || random.nextInt(3) == 0) {
                assertThat(nativeScreening.accepted(tx)).isEqualTo(wasmScreening.accepted(tx));
            }
        }
        System.out.println("screening seed " + seed + ", a flow of 3,000: " + tally);
        assertThat(tally).containsKeys("ACCEPT", "HOLD VELOCITY_COUNT_MINUTE", "HOLD ANOMALY_SCORE");
    }

    @Test
    void aTrappingGuestHolds() throws Exception {
        final Decision d = failing(guest("trap.wasm", Convention.MEMORY, Duration.ofSeconds(10), Duration.ofSeconds(
                10), 4096), Screening.OnFailure.HOLD);
        assertThat(d.kind()).isEqualTo(Decision.Kind.HOLD);
        assertThat(d.reason()).isEqualTo("SCREENING_FAILED: trap");
        assertThat(d.failed()).isTrue();
        assertThat(d.detail()).contains("unreachable");
        assertThat(d.toJson()).isEqualTo("{\"decision\":\"hold\",\"reason\":\"SCREENING_FAILED: trap\"}");
    }

    @Test
    void aGuestLoopingPastItsDeadlineHolds() throws Exception {
        final long start = System.nanoTime();
        final Decision d = failing(guest("loop.wasm", Convention.MEMORY, Duration.ofMillis(150), Duration.ofSeconds(
                30), 4096), Screening.OnFailure.HOLD);
        assertThat(d.reason()).isEqualTo("SCREENING_FAILED: deadline");
        assertThat(d.kind()).isEqualTo(Decision.Kind.HOLD);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        final Decision cpu = failing(guest("loop.wasm", Convention.MEMORY, Duration.ofSeconds(30), Duration.ofMillis(
                100), 4096), Screening.OnFailure.HOLD);
        assertThat(cpu.reason()).isEqualTo("SCREENING_FAILED: cpu_limit");
    }

    @Test
    void aGuestWritingTooMuchHolds() throws Exception {
        // WAGI: 100 MiB to stdout against a 64 KiB limit
        assertThat(failing(guest("stdout-bomb.wasm", Convention.WAGI, Duration.ofSeconds(10), Duration.ofSeconds(10),
                65_536), Screening.OnFailure.HOLD).reason()).isEqualTo("SCREENING_FAILED: output_too_large");
        // the bundled guest itself, whose answer does not fit 16 bytes
        assertThat(failing(guest(Guests.SCREENING_MEMORY, Convention.MEMORY, Duration.ofSeconds(10), Duration
                .ofSeconds(10), 16), Screening.OnFailure.HOLD).reason()).isEqualTo(
                        "SCREENING_FAILED: output_too_large");
    }

    @Test
    void anAnswerThatIsNotADecisionHolds() throws Exception {
        final Decision maybe = failing(guest("maybe.wasm", Convention.MEMORY, Duration.ofSeconds(10), Duration
                .ofSeconds(10), 4096), Screening.OnFailure.HOLD);
        assertThat(maybe.reason()).isEqualTo("SCREENING_FAILED: not_a_decision");
        assertThat(maybe.detail()).contains("other than accept, hold or reject").contains("{\"decision\":\"maybe\"}");
        assertThat(failing(guest("not-json.wasm", Convention.MEMORY, Duration.ofSeconds(10), Duration.ofSeconds(10),
                4096), Screening.OnFailure.HOLD).reason()).isEqualTo("SCREENING_FAILED: malformed_answer");
    }

    @Test
    void aRefusedInputHolds() throws Exception {
        final Screening s = Screening.ofSandboxed(bundled(), ScreeningConfig.read(CONFIG), new ActivityTracker(),
                Screening.OnFailure.HOLD, () -> T0);
        final Decision d = screen(s, transfer("alice", "USD", "12.345"));
        assertThat(d.reason()).isEqualTo("SCREENING_FAILED: error_answer");
        assertThat(d.detail()).contains("400").contains("tx.amount: more than 2 decimals");
    }

    @Test
    void aNativeFunctionThatThrowsHolds() throws Exception {
        final EdgeFunction broken = new EdgeFunction() {
            @Override
            public String name() {
                return "broken";
            }

            @Override
            public EdgeResponse handle(final EdgeRequest request) {
                throw new IllegalStateException("no");
            }
        };
        final Screening s = Screening.ofNative(broken, ScreeningConfig.read(CONFIG), new ActivityTracker(),
                Screening.OnFailure.HOLD, () -> T0);
        assertThat(screen(s, transfer("alice", "USD", "1")).reason()).isEqualTo("SCREENING_FAILED: native_exception");
    }

    @Test
    void aNativeFunctionAnsweringNoBodyOrATransactionWithoutAnAssetHoldsAndNeverThrows() throws Exception {
        final EdgeFunction empty = new EdgeFunction() {
            @Override
            public String name() {
                return "empty";
            }

            @Override
            public EdgeResponse handle(final EdgeRequest request) {
                return new EdgeResponse(200, EdgeResponse.JSON, null);
            }
        };
        final Screening s = Screening.ofNative(empty, ScreeningConfig.read(CONFIG), new ActivityTracker(),
                Screening.OnFailure.HOLD, () -> T0);
        final Decision d = screen(s, transfer("alice", "USD", "1"));
        assertThat(d.reason()).isEqualTo("SCREENING_FAILED: malformed_answer");
        assertThat(d.detail()).contains("without a body");
        final Decision noAsset = screen(s, transfer("alice", null, "1"));
        assertThat(noAsset.reason()).startsWith("SCREENING_FAILED: ");
    }

    @Test
    void onFailureChoosesRejectOrAccept() throws Exception {
        final SandboxedFunction trap = guest("trap.wasm", Convention.MEMORY, Duration.ofSeconds(10), Duration
                .ofSeconds(10), 4096);
        assertThat(failing(trap, Screening.OnFailure.REJECT).toJson())
                .isEqualTo("{\"decision\":\"reject\",\"reason\":\"SCREENING_FAILED: trap\"}");
        assertThat(failing(trap, Screening.OnFailure.ACCEPT).kind()).isEqualTo(Decision.Kind.ACCEPT);
        assertThat(Screening.OnFailure.parse("hold")).isEqualTo(Screening.OnFailure.HOLD);
        assertThatThrownBy(() -> Screening.OnFailure.parse("open"))
                .hasMessage("onFailure must be hold, reject or accept, not open");
    }

    private static Decision failing(final SandboxedFunction f, final Screening.OnFailure onFailure) throws Exception {
        return screen(Screening.ofSandboxed(f, ScreeningConfig.read(CONFIG), new ActivityTracker(), onFailure,
                () -> T0), transfer("alice", "USD", "10"));
    }

    @Test
    void answersAreReadStrictly() {
        assertThat(read("{\"decision\":\"accept\"}")).isEqualTo(new Decision(Decision.Kind.ACCEPT, null, -1, null));
        assertThat(read("{\"score\":1000,\"decision\":\"hold\",\"reason\":\"MY_RULE_7\",\"extra\":[1]}"))
                .isEqualTo(new Decision(Decision.Kind.HOLD, "MY_RULE_7", 1000, null));
        assertThat(read("{\"decision\":\"accept\",\"reason\":\"ignored\"}").reason()).isNull();
        for (final String bad : List.of("{\"decision\":\"Accept\"}", "{\"decision\":\"hold\"}",
                "{\"decision\":\"reject\",\"reason\":\"\"}", "{\"decision\":\"hold\",\"reason\":\"lower\"}",
                "{\"decision\":\"hold\",\"reason\":\"" + "A".repeat(65) + "\"}",
                "{\"decision\":\"accept\",\"score\":1001}",
                "{\"decision\":\"accept\",\"score\":\"5\"}", "{\"decision\":\"accept\",\"score\":-1}",
                "{\"decision\":\"accept\",\"score\":5.0}", "[\"accept\"]", "{}", "{\"decision\":null}")) {
            assertThat(read(bad).reason()).as(bad).isEqualTo("SCREENING_FAILED: not_a_decision");
        }
        assertThat(read("{\"decision\":\"accept\"").reason()).isEqualTo("SCREENING_FAILED: malformed_answer");
        assertThat(Screening.read(503, new byte[0], Screening.OnFailure.HOLD).reason()).isEqualTo(
                "SCREENING_FAILED: error_answer");
    }

    private static Decision read(final String answer) {
        return Screening.read(200, answer.getBytes(StandardCharsets.UTF_8), Screening.OnFailure.HOLD);
    }

    @Test
    void configMistakesNameTheFieldAndTheLimit() {
        assertThatThrownBy(() -> ScreeningConfig.read(CONFIG.replace("\"maxAmount\": \"10000\"",
                "\"maxAmount\": \"10000.001\""))).hasMessage("screening config: assets.USD.maxAmount: expected a "
                        + "decimal string with at most 2 decimals and at most 92233720368547758.07");
        assertThatThrownBy(() -> ScreeningConfig.read(CONFIG.replace("\"holdScore\": 400", "\"holdScore\": 1002")))
                .hasMessage("screening config: holdScore: expected an integer from 0 to 1001");
        assertThatThrownBy(() -> ScreeningConfig.read(CONFIG.replace("\"decimals\": 8", "\"decimals\": 19")))
                .hasMessage("screening config: assets.BTC.decimals: expected an integer from 0 to 18");
        assertThat(new String(ScreeningConfig.read(CONFIG).json(), StandardCharsets.UTF_8)).isEqualTo(
                "{\"holdScore\":400,\"rejectScore\":800,\"assets\":{\"USD\":{\"decimals\":2,\"maxAmount\":\"10000\","
                        + "\"maxCountMinute\":5,\"maxAmountMinute\":\"20000\",\"maxCountHour\":20,"
                        + "\"maxAmountHour\":\"50000\"},\"BTC\":{\"decimals\":8,\"maxAmount\":\"2\","
                        + "\"maxCountMinute\":10,\"maxAmountMinute\":\"5\",\"maxCountHour\":50,"
                        + "\"maxAmountHour\":\"20\"}},\"symbols\":{\"BTC-USD\":\"USD\"}}");
        assertThat(ScreeningConfig.decimal(4050, 2)).isEqualTo("40.5");
        assertThat(ScreeningConfig.decimal(1, 18)).isEqualTo("0.000000000000000001");
        assertThat(ScreeningConfig.decimal(Long.MAX_VALUE, 18)).isEqualTo("9.223372036854775807");
        assertThat(ScreeningConfig.decimal(0, 8)).isEqualTo("0");
    }
}
