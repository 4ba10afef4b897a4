package org.edgebook.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.edgebook.bench.RingPipeline.Impl;
import org.edgebook.bench.RingPipeline.Stages;
import org.edgebook.bench.RingPipeline.Work;
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
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * The Sequencer's ring, Agrona's (as built) against the LMAX Disruptor's ({@link RingPipeline}): the benchmark thread
 * is the engine stage, two more threads are the journaler and the publisher.
 * <ul>
 *   <li>{@code throughput}: batches a second through the three stages, at each {@link Work};</li>
 *   <li>{@code latency}: one tiny batch every {@code gapMicros} (a {@code parkNanos}, so the achieved rate is the
 *       score); the publisher records each batch's time from the engine's hand-over into an HdrHistogram, printed
 *       per fork as {@code ring-latency ...}.</li>
 * </ul>
 * Both print per fork the CPU time of the three stage threads over the measured iterations ({@code ring-cpu ...}):
 * per batch, and as cores kept busy (what waiting costs a shared two-core machine).
 */
@Fork(value = 2, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-XX:+UseParallelGC",
        "-Xms1g", "-Xmx1g"})
public class RingBenchmark {

    @State(Scope.Thread)
    public static class ThroughputRig {
        @Param
        public Impl impl;
        @Param
        public Work work;
        final Rig rig = new Rig();

        @Setup(Level.Trial)
        public void start() {
            rig.start(impl, new Stages(work, null));
        }

        @Setup(Level.Iteration)
        public void beginIteration(final IterationParams params) {
            rig.begin(params);
        }

        @TearDown(Level.Iteration)
        public void endIteration() {
            rig.end();
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            rig.stop(impl + " " + work);
        }
    }

    @State(Scope.Thread)
    public static class LatencyRig {
        @Param
        public Impl impl;
        @Param({"1000", "50"})
        public int gapMicros;
        final Rig rig = new Rig();
        long gapNanos;

        @Setup(Level.Trial)
        public void start() {
            gapNanos = TimeUnit.MICROSECONDS.toNanos(gapMicros);
            rig.latency = new Recorder(3);
            rig.start(impl, new Stages(Work.TINY, rig.latency));
        }

        @Setup(Level.Iteration)
        public void beginIteration(final IterationParams params) {
            rig.begin(params);
        }

        @TearDown(Level.Iteration)
        public void endIteration() {
            rig.end();
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            rig.stop(impl + " gap " + gapMicros + " us");
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Warmup(iterations = 5, time = 1)
    @Measurement(iterations = 5, time = 1)
    public void throughput(final ThroughputRig s) {
        s.rig.pipeline.send();
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Warmup(iterations = 2, time = 2)
    @Measurement(iterations = 5, time = 2)
    public void latency(final LatencyRig s) {
        LockSupport.parkNanos(s.gapNanos);
        s.rig.pipeline.send();
    }

    /** A pipeline, and the CPU time and latency of its measured iterations. */
    static final class Rig {
        private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
        RingPipeline pipeline;
        Recorder latency;
        private final Histogram latencies = new Histogram(3);
        private final List<Thread> threads = new ArrayList<>();
        private final long[] cpuAtStart = new long[3];
        private final long[] cpu = new long[3];
        private boolean measuring;
        private long wallAtStart;
        private long wall;
        private long publishedAtStart;
        private long batches;

        void start(final Impl impl, final Stages stages) {
            pipeline = RingPipeline.of(impl, stages);
        }

        /** On the benchmark thread, which is the engine stage. */
        void begin(final IterationParams params) {
            measuring = params.getType() == IterationType.MEASUREMENT;
            threads.clear();
            threads.add(Thread.currentThread());
            threads.addAll(pipeline.threads());
            for (int i = 0; i < 3; i++) {
                cpuAtStart[i] = CPU.getThreadCpuTime(threads.get(i).threadId());
            }
            publishedAtStart = pipeline.stages.published();
            wallAtStart = System.nanoTime();
            if (latency != null) {
                latency.getIntervalHistogram(); // drops what came before
            }
        }

        void end() {
            final long now = System.nanoTime();
            final long published = pipeline.stages.published();
            final Histogram interval = latency != null ? latency.getIntervalHistogram() : null;
            if (!measuring) {
                return;
            }
            for (int i = 0; i < 3; i++) {
                cpu[i] += CPU.getThreadCpuTime(threads.get(i).threadId()) - cpuAtStart[i];
            }
            wall += now - wallAtStart;
            batches += published - publishedAtStart;
            if (interval != null) {
                latencies.add(interval);
            }
        }

        void stop(final String name) throws InterruptedException {
            pipeline.close();
            final long total = cpu[0] + cpu[1] + cpu[2];
            System.out.printf(Locale.ROOT,
                    "%nring-cpu %s: %d batches in %.1f s, %.3f us CPU a batch; cores busy %.2f (engine %.2f,"
                            + " journaler %.2f, publisher %.2f)%n",
                    name, batches, wall / 1e9, total / 1e3 / batches, (double) total / wall, (double) cpu[0] / wall,
                    (double) cpu[1] / wall, (double) cpu[2] / wall);
            if (latency != null) {
                System.out.printf(Locale.ROOT,
                        "ring-latency %s: n %d, p50 %.1f us, p90 %.1f, p99 %.1f, p99.9 %.1f, max %.1f%n", name,
                        latencies.getTotalCount(), latencies.getValueAtPercentile(50) / 1e3,
                        latencies.getValueAtPercentile(90) / 1e3, latencies.getValueAtPercentile(99) / 1e3,
                        latencies.getValueAtPercentile(99.9) / 1e3, latencies.getMaxValue() / 1e3);
            }
            if (pipeline.stages.checksum() == 42) {
                System.out.println(); // keeps the stages' work observable
            }
        }
    }
}
