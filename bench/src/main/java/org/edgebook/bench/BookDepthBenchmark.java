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
 * Cost per command as the book grows: the books are prefilled with {@code restingOrders} orders (about ten per price
 * level, spread over both sides of 10 markets), then a steady mix (45% places near the touch, 45% cancels of random
 * resting orders, 5% takers, 5% modifies) keeps the depth roughly constant while it is measured.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms12g", "-Xmx12g", "-XX:+UseZGC", "-XX:+AlwaysPreTouch"})
public class BookDepthBenchmark {
    @Param({"1000", "100000", "1000000"})
    public int restingOrders;

    private static final int INSTRUMENTS = 10;
    private final EngineFixtureState state = new EngineFixtureState();

    @Setup(Level.Trial)
    public void generate() {
        final int levels = Math.max(20, restingOrders / (INSTRUMENTS * 2 * 10));
        state.generate(new Workload(7, INSTRUMENTS, 10_000, Workload.STEADY), restingOrders, levels, 200_000,
                10_000_000);
    }

    @Setup(Level.Iteration)
    public void freshEngine() {
        state.freshEngine();
    }

    @TearDown(Level.Iteration)
    public void report() {
        System.out.println("  [" + state.describe() + ", open orders at end: "
                + state.engine.openOrders().size() + "]");
    }

    @Benchmark
    public void command() {
        state.executeNext();
    }
}
