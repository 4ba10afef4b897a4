package org.edgebook.sandbox;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Enforces deadlines and CPU budgets. One daemon thread wakes every {@link #TICK_NANOS}, fails calls whose deadline
 * passed while queued, and interrupts guests that overran their deadline or CPU budget; Chicory checks the interrupt
 * at every loop back-edge and call, in compiled and interpreted code, so a guest spinning with no host call stops
 * within a tick. Shared by every function of a node.
 */
public final class Watchdog implements AutoCloseable {
    static final long TICK_NANOS = 1_000_000;

    private final Set<PendingCall> calls = ConcurrentHashMap.newKeySet();
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final Thread thread;
    private volatile boolean running = true;

    public Watchdog() {
        thread = Thread.ofPlatform().daemon().name("edgebook-watchdog").start(this::loop);
    }

    void watch(final PendingCall call) {
        calls.add(call);
    }

    void unwatch(final PendingCall call) {
        calls.remove(call);
    }

    /** CPU time of a thread so far, in nanoseconds. */
    long cpuNanos(final Thread t) {
        return threads.getThreadCpuTime(t.threadId());
    }

    private void loop() {
        while (running) {
            LockSupport.parkNanos(TICK_NANOS);
            final long now = System.nanoTime();
            for (final PendingCall call : calls) {
                try {
                    if (call.check(now, this)) {
                        calls.remove(call);
                    }
                } catch (RuntimeException e) {
                    // Enforcement must outlive any one call's surprise (a thread gone from the MXBean, say).
                    System.getLogger("edgebook.sandbox").log(System.Logger.Level.ERROR, "watchdog check failed", e);
                }
            }
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
