package org.edgebook.bench;

import java.util.concurrent.TimeUnit;
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
 * In-memory engine throughput on the realistic mix (60% GTC places near the touch, 25% cancels, 10% IOC or
 * market, 5% modifies) over 10 markets and 10,000 accounts, one thread. Each iteration starts from a fresh engine in
 * the same steady state and runs the same pre-generated commands, so iterations are comparable.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms12g", "-Xmx12g", "-XX:+UseZGC", "-XX:+AlwaysPreTouch"})
public class EngineThroughputBenchmark {
    @Param("10")
    public int instruments;
    @Param("10000")
    public int accounts;

    private final EngineFixtureState state = new EngineFixtureState();

    @Setup(Level.Trial)
    public void generate() {
        state.generate(new Workload(42, instruments, accounts, Workload.REALISTIC), 0, 1, 500_000, 12_000_000);
    }

    @Setup(Level.Iteration)
    public void freshEngine() {
        state.freshEngine();
    }

    @TearDown(Level.Iteration)
    public void report() {
        System.out.println("  [" + state.describe() + "]");
    }

    @Benchmark
    public void command() {
        state.executeNext();
    }
}
