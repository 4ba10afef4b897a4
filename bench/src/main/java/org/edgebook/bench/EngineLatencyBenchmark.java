package org.edgebook.bench;

import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Latency of one command inside the engine (realistic mix, 10 markets, 10,000 accounts): JMH samples single
 * invocations and reports the percentiles. Timer overhead (tens of ns) is included in each sample.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms12g", "-Xmx12g", "-XX:+UseZGC", "-XX:+AlwaysPreTouch"})
public class EngineLatencyBenchmark {
    private final EngineFixtureState state = new EngineFixtureState();

    @Setup(Level.Trial)
    public void generate() {
        state.generate(new Workload(42, 10, 10_000, Workload.REALISTIC), 0, 1, 500_000, 8_000_000);
    }

    @Setup(Level.Iteration)
    public void freshEngine() {
        state.freshEngine();
    }

    @Benchmark
    public void command() {
        state.executeNext();
    }
}
