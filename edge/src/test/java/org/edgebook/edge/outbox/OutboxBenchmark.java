package org.edgebook.edge.outbox;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.edgebook.edge.screening.Decision;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A harness for appends per second with group commit: 300-byte transactions, 1 thread and 8 threads, each thread
 * either awaiting every append (closed loop, one in flight per thread) or keeping up to 1,024 in flight (pipelined,
 * as an event loop would). Then the time to reopen the log it wrote. Runs only with {@code -Doutbox.bench=true}
 * (BENCHMARKS.md, "Edge outbox (issue 11)").
 */
class OutboxBenchmark {
    @Test
    void appendsPerSecond() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("outbox.bench"), "-Doutbox.bench=true runs it");
        final long seconds = Long.getLong("outbox.bench.seconds", 5);
        for (final int threads : new int[] {1, 8}) {
            for (final int window : new int[] {1, 1024}) {
                final Path dir = Files.createTempDirectory("outbox-bench");
                final Outbox.Options options = Outbox.Options.defaults().withQuota(16L << 30, 1L << 30);
                final long count;
                final long nanos;
                try (Outbox o = Outbox.open(dir, options)) {
                    run(o, threads, window, 1, "w"); // warm-up
                    final long start = System.nanoTime();
                    count = run(o, threads, window, seconds, "m");
                    nanos = System.nanoTime() - start;
                }
                final long entries;
                final long reopen;
                try (Outbox o = Outbox.open(dir, options)) {
                    entries = o.recoveredEntries();
                    reopen = o.recoveryNanos();
                }
                System.out.printf("outbox bench: %d thread(s), %4d in flight each: %,.0f appends/s (%,d in %.1f s);"
                        + " reopen of %,d entries (%,d MiB) in %,d ms%n", threads, window, count * 1e9 / nanos, count,
                        nanos / 1e9, entries, folderBytes(dir) >> 20, reopen / 1_000_000);
                deleteAll(dir);
            }
        }
    }

    private static long run(final Outbox o, final int threads, final int window, final long seconds,
                            final String prefix) throws Exception {
        final AtomicLong done = new AtomicLong();
        final long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        final Decision accept = new Decision(Decision.Kind.ACCEPT, null, 1, null);
        final List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            final int n = t;
            all.add(Thread.ofPlatform().start(() -> {
                final Semaphore inFlight = new Semaphore(window);
                final byte[] tx = new byte[300];
                long i = 0;
                try {
                    while (System.nanoTime() < deadline) {
                        inFlight.acquire();
                        final CompletableFuture<Long> f = o.accepted(prefix + n + "-" + i++, tx, accept, i);
                        f.whenComplete((seq, e) -> {
                            if (e == null) {
                                done.incrementAndGet();
                            }
                            inFlight.release();
                        });
                    }
                    inFlight.acquire(window);
                } catch (final InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        for (final Thread t : all) {
            t.join();
        }
        return done.get();
    }

    private static long folderBytes(final Path dir) throws Exception {
        try (var files = Files.list(dir)) {
            return files.mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static void deleteAll(final Path dir) throws Exception {
        try (var files = Files.list(dir)) {
            for (final Path p : files.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }
}
