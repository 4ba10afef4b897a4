package org.edgebook.bench.graalwasm;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;
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
 * One edge function call, memory convention, same bodies as bench/.../EdgeFunctionBenchmark (transform: 100 events;
 * telemetry: 1,000-event batch), called directly on the benchmark thread (no worker hop, no watchdog) so the two
 * runtimes are compared on exactly the same work:
 * <ul>
 *   <li>{@code graalFreshContext}: a new Context per call from a shared Engine + cached Source (fresh instance)</li>
 *   <li>{@code graalWarmContext}: one Context/instance reused across calls (warm reuse)</li>
 *   <li>{@code graalNewContext}: only Context build + close; {@code graalInstantiate}: Context + eval + instantiate +
 *       _initialize + close (the per-call price of fresh isolation)</li>
 *   <li>{@code graalCopyOnly}: warm instance, only edge_alloc + copy body in + copy it back out via Value buffers</li>
 *   <li>{@code chicory*}: Chicory 1.7.5 compiled, instance built as SandboxedFunction builds it</li>
 *   <li>{@code nativeJava}: the Java function (needs edge/target/classes on the class path)</li>
 * </ul>
 * The forked JVM inherits the launching JVM's flags, so start it with the JVMCI flags (see run.sh); setup refuses to
 * run if Truffle fell back to interpreter-only.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-XX:-DontCompileHugeMethods", "-XX:+UseParallelGC"})
public class GraalWasmBenchmark {
    static final int MEMORY_PAGES = 256;
    static final int OUTPUT_BYTES = 4 << 20;

    @Param({"transform", "telemetry"})
    public String function;

    private byte[] body;
    private byte[] back;
    private Engine engine;
    private Source source;
    private GraalGuest.Instance warm;
    private ChicoryGuest chicory;
    private ChicoryGuest.Live chicoryWarm;
    private NativeFunctions nativeFunction;

    @Setup(Level.Trial)
    public void setUp() {
        body = Workloads.body(function);
        back = new byte[body.length];
        final byte[] wasm = Workloads.guest(Workloads.module(function));
        engine = GraalGuest.newEngine();
        source = GraalGuest.source(WasmBinary.capMemory(wasm, MEMORY_PAGES), function);
        chicory = new ChicoryGuest(wasm, MEMORY_PAGES);
        nativeFunction = NativeFunctions.find(function);
        System.out.println("\n[setup] engine " + engine.getImplementationName() + ", JVM args "
            + ManagementFactory.getRuntimeMXBean().getInputArguments());
        System.out.println("[setup] " + Verify.check(function, engine, source, chicory, nativeFunction));
        warm = new GraalGuest.Instance(engine, source, OUTPUT_BYTES);
        chicoryWarm = chicory.instantiate();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        warm.close();
        engine.close();
    }

    @Benchmark
    public int graalFreshContext() {
        try (GraalGuest.Instance instance = new GraalGuest.Instance(engine, source, OUTPUT_BYTES)) {
            return instance.call(body, body.length, Workloads.REQUEST_TIME_MS).body().length;
        }
    }

    @Benchmark
    public int graalWarmContext() {
        return warm.call(body, body.length, Workloads.REQUEST_TIME_MS).body().length;
    }

    @Benchmark
    public int graalCopyOnly() {
        return warm.copyOnly(body, body.length, back);
    }

    @Benchmark
    public Context graalNewContext() {
        final Context context = Context.newBuilder("wasm").engine(engine).build();
        context.close();
        return context;
    }

    @Benchmark
    public long graalInstantiate() {
        try (GraalGuest.Instance instance = new GraalGuest.Instance(engine, source, OUTPUT_BYTES)) {
            return instance.pages();
        }
    }

    @Benchmark
    public int chicoryFreshInstance() {
        return chicory.instantiate().call(body, body.length, Workloads.REQUEST_TIME_MS).body().length;
    }

    @Benchmark
    public int chicoryWarmInstance() {
        return chicoryWarm.call(body, body.length, Workloads.REQUEST_TIME_MS).body().length;
    }

    @Benchmark
    public Object chicoryInstantiate() {
        return chicory.instantiate();
    }

    @Benchmark
    public int nativeJava() {
        return nativeFunction == null ? -1 : nativeFunction.call(body, Workloads.REQUEST_TIME_MS).body().length;
    }
}
