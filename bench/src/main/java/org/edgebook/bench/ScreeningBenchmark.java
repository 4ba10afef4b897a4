package org.edgebook.bench;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.edgebook.edge.EdgeRequest;
import org.edgebook.edge.functions.ScreeningFunction;
import org.edgebook.edge.screening.ActivityTracker;
import org.edgebook.edge.screening.Screening;
import org.edgebook.edge.screening.ScreeningConfig;
import org.edgebook.edge.screening.Transaction;
import org.edgebook.guests.Guests;
import org.edgebook.sandbox.Convention;
import org.edgebook.sandbox.ExecutionMode;
import org.edgebook.sandbox.GuestCall;
import org.edgebook.sandbox.Limits;
import org.edgebook.sandbox.ModuleCache;
import org.edgebook.sandbox.SandboxedFunction;
import org.edgebook.sandbox.Watchdog;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One screening call (docs/edge-functions.md section 5), native against WebAssembly on a warm instance, in one run:
 * the function alone on a prepared input (a transfer, its account active in three assets, a config of four), and
 * through {@link Screening} (the tracker's snapshot, the input written, the function called, its answer read).
 * WebAssembly calls go through the sandbox as the edge node makes them: a hop to the function's worker, the
 * watchdog, copying in and out.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-XX:-DontCompileHugeMethods", "-XX:+UseParallelGC"})
public class ScreeningBenchmark {
    static final long NOW = 1_795_338_000_000L;
    static final String CONFIG = """
        {"holdScore": 400, "rejectScore": 800,
         "assets": {"USD": {"decimals": 2, "maxAmount": "10000", "maxCountMinute": 20, "maxAmountMinute": "50000",
                            "maxCountHour": 300, "maxAmountHour": "250000"},
                    "EUR": {"decimals": 2, "maxAmount": "10000", "maxCountMinute": 20, "maxAmountMinute": "50000",
                            "maxCountHour": 300, "maxAmountHour": "250000"},
                    "BTC": {"decimals": 8, "maxAmount": "2", "maxCountMinute": 10, "maxAmountMinute": "5",
                            "maxCountHour": 50, "maxAmountHour": "20"},
                    "ETH": {"decimals": 9, "maxAmount": "50", "maxCountMinute": 10, "maxAmountMinute": "100",
                            "maxCountHour": 50, "maxAmountHour": "400"}},
         "symbols": {"BTC-USD": "USD", "ETH-USD": "USD", "ETH-BTC": "BTC"}}""";
    static final Transaction TRANSFER = new Transaction.Transfer("alice", "t-1001", "USD", "bob", "1250.75");

    private byte[] input;
    private ScreeningFunction nativeFunction;
    private Watchdog watchdog;
    private SandboxedFunction warm;
    private Screening nativeScreening;
    private Screening wasmScreening;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        final ScreeningConfig config = ScreeningConfig.read(CONFIG);
        final ActivityTracker tracker = new ActivityTracker();
        for (int i = 0; i < 40; i++) {
            tracker.record("alice", "USD", 10_000 + 1_000L * i, NOW - 3_000_000 + 75_000L * i);
            if (i % 4 == 0) {
                tracker.record("alice", "BTC", 1_000_000L * i, NOW - 2_000_000 + 50_000L * i);
            }
            if (i % 10 == 0) {
                tracker.record("alice", "EUR", 50_000, NOW - 30_000 + 700L * i);
            }
        }
        nativeFunction = new ScreeningFunction();
        watchdog = new Watchdog();
        final Limits d = Limits.DEFAULT;
        warm = SandboxedFunction.create("screening", new ModuleCache().load(Guests.read(Guests.SCREENING_MEMORY),
                ExecutionMode.COMPILED), Convention.MEMORY, new Limits(d.memoryPages(), d.deadline(), d.cpu(), 1, 16,
                        d.outputBytes(), 1_000_000), Map.of(), (a, b, c, e) -> {}, watchdog);
        nativeScreening = Screening.ofNative(nativeFunction, config, tracker, Screening.OnFailure.HOLD, () -> NOW);
        wasmScreening = Screening.ofSandboxed(warm, config, tracker, Screening.OnFailure.HOLD, () -> NOW);
        input = nativeScreening.input(TRANSFER, tracker.snapshot("alice", NOW));
        final String expected = new String(nativeFunction.handle(request()).body(),
                java.nio.charset.StandardCharsets.UTF_8);
        final String actual = new String(warm.submit(new GuestCall(input, input.length, Map.of(), "b", NOW)).get()
                .body(), java.nio.charset.StandardCharsets.UTF_8);
        if (!expected.equals(actual) || !expected.startsWith("{\"decision\":\"accept\"")) {
            throw new IllegalStateException("native answered " + expected + ", WebAssembly " + actual);
        }
    }

    private EdgeRequest request() {
        return new EdgeRequest("POST", "/", null, Map.of(), input, input.length, "b", NOW);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        warm.close();
        watchdog.close();
    }

    @Benchmark
    public int functionNative() {
        return nativeFunction.handle(request()).body().length;
    }

    @Benchmark
    public int functionWasmWarm() throws Exception {
        return warm.submit(new GuestCall(input, input.length, Map.of(), "b", NOW)).get().body().length;
    }

    @Benchmark
    public int screeningNative() throws Exception {
        return nativeScreening.screen(TRANSFER, "b").get().score();
    }

    @Benchmark
    public int screeningWasmWarm() throws Exception {
        return wasmScreening.screen(TRANSFER, "b").get().score();
    }
}
