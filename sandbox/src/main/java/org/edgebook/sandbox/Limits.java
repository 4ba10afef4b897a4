package org.edgebook.sandbox;

import java.time.Duration;

/**
 * What one function may use, per call.
 *
 * @param memoryPages  the most linear memory an instance may have, in 64 KiB pages
 * @param deadline     wall-clock time from submission (the body has arrived) to answer, queueing included (504)
 * @param cpu          CPU time the guest may burn in one call; stops a guest spinning without host calls
 * @param concurrency  calls running at once
 * @param queue        calls waiting for a slot; one more is refused at once (503)
 * @param outputBytes  the largest answer (or WAGI stdout) a guest may produce
 * @param maxReuses    0 for a fresh instance per call; N for warm reuse of an instance for up to N calls
 */
public record Limits(
                     int memoryPages, Duration deadline, Duration cpu, int concurrency, int queue, int outputBytes,
                     int maxReuses) {

    public static final Limits DEFAULT = new Limits(
            256, Duration.ofSeconds(2), Duration.ofSeconds(1),
            Math.max(1, Runtime.getRuntime().availableProcessors()), 256, 4 << 20, 0);

    public Limits {
        if (memoryPages < 1 || memoryPages > 32767) {
            throw new IllegalArgumentException("memoryPages must be 1 to 32767, not " + memoryPages);
        }
        if (deadline.isNegative() || deadline.isZero() || cpu.isNegative() || cpu.isZero()) {
            throw new IllegalArgumentException("deadline and cpu must be positive");
        }
        if (concurrency < 1 || queue < 0 || outputBytes < 1 || maxReuses < 0) {
            throw new IllegalArgumentException(
                    "concurrency and outputBytes must be at least 1, queue and maxReuses at least 0");
        }
    }
}
