package org.edgebook.bench;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.edgebook.edge.EdgeFunction;
import org.edgebook.edge.EdgeRequest;
import org.edgebook.edge.functions.TelemetryFunction;
import org.edgebook.edge.functions.TransformFunction;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One edge function call without HTTP: the native function against its WebAssembly build called through the
 * sandbox (a worker hop, limits watched, a fresh instance per call or a warm one). The transform request has 100
 * events (the seed's workload); the telemetry request is a batch of 1,000 events over 16 nodes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-XX:-DontCompileHugeMethods", "-XX:+UseParallelGC"})
public class EdgeFunctionBenchmark {
    @Param({"transform", "telemetry"})
    public String function;

    private byte[] body;
    private EdgeFunction nativeFunction;
    private Watchdog watchdog;
    private SandboxedFunction fresh;
    private SandboxedFunction warm;
    private SandboxedFunction interpreted;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        final boolean transform = function.equals("transform");
        body = transform ? transformRequest(100) : telemetryBatch(1000);
        nativeFunction = transform ? new TransformFunction() : new TelemetryFunction();
        final byte[] wasm = Guests.read(transform ? Guests.TRANSFORM_MEMORY : Guests.TELEMETRY_MEMORY);
        watchdog = new Watchdog();
        final ModuleCache cache = new ModuleCache();
        final Limits d = Limits.DEFAULT;
        fresh = SandboxedFunction.create("fresh", cache.load(wasm, ExecutionMode.COMPILED), Convention.MEMORY,
                new Limits(d.memoryPages(), d.deadline(), d.cpu(), 1, 16, d.outputBytes(), 0), Map.of(),
                (a, b, c, e) -> {}, watchdog);
        warm = SandboxedFunction.create("warm", cache.load(wasm, ExecutionMode.COMPILED), Convention.MEMORY,
                new Limits(d.memoryPages(), d.deadline(), d.cpu(), 1, 16, d.outputBytes(), 1_000_000), Map.of(),
                (a, b, c, e) -> {}, watchdog);
        interpreted = SandboxedFunction.create("interpreted", cache.load(wasm, ExecutionMode.INTERPRETED),
                Convention.MEMORY, new Limits(d.memoryPages(), java.time.Duration.ofSeconds(60),
                        java.time.Duration.ofSeconds(60), 1, 16, d.outputBytes(), 0), Map.of(), (a, b, c, e) -> {},
                watchdog);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        fresh.close();
        warm.close();
        interpreted.close();
        watchdog.close();
    }

    @Benchmark
    public int nativeJava() {
        return nativeFunction.handle(new EdgeRequest("POST", "/", null, Map.of(), body, body.length, "b", 1L))
                .body().length;
    }

    @Benchmark
    public int wasmFreshInstance() throws Exception {
        return fresh.submit(new GuestCall(body, body.length, Map.of(), "b", 1L)).get().body().length;
    }

    @Benchmark
    public int wasmWarmInstance() throws Exception {
        return warm.submit(new GuestCall(body, body.length, Map.of(), "b", 1L)).get().body().length;
    }

    @Benchmark
    @Warmup(iterations = 2, time = 2)
    @Measurement(iterations = 3, time = 2)
    public int wasmInterpreter() throws Exception {
        return interpreted.submit(new GuestCall(body, body.length, Map.of(), "b", 1L)).get().body().length;
    }

    static byte[] transformRequest(final int events) {
        final SplittableRandom random = new SplittableRandom(1);
        final StringBuilder b = new StringBuilder("{\"user_id\":\"user-1\",\"events\":[");
        for (int i = 0; i < events; i++) {
            b.append(i > 0 ? "," : "").append("{\"event_type\":\"click\",\"timestamp\":")
                    .append(i % 2 == 0 ? Long.toString(1_795_338_000_000L + i) : "\"2026-11-22T10:00:00.250+01:00\"")
                    .append(",\"payload\":{\"session\":\"s-").append(random.nextInt(100_000))
                    .append("\",\"amount\":\"12.50\",\"items\":[1,2],\"ok\":true}}");
        }
        return b.append("],\"metadata\":{\"source\":\"bench\",\"trace_id\":\"t\"}}").toString()
                .getBytes(StandardCharsets.UTF_8);
    }

    static byte[] telemetryBatch(final int events) {
        final SplittableRandom random = new SplittableRandom(7);
        final StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < events; i++) {
            b.append(i > 0 ? "," : "").append("{\"node_id\":\"edge-").append(random.nextInt(16))
                    .append("\",\"transaction_count\":").append(random.nextInt(10, 5_000)).append(",\"latency_ms\":")
                    .append(random.nextInt(20, 200)).append('.').append(random.nextInt(10))
                    .append(",\"error_rate\":0.00").append(random.nextInt(10, 99)).append(",\"timestamp\":")
                    .append(1_795_338_000_000L + i).append('}');
        }
        return b.append(']').toString().getBytes(StandardCharsets.UTF_8);
    }
}
