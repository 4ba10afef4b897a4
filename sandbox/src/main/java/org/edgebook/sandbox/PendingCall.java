package org.edgebook.sandbox;

import java.util.concurrent.CompletableFuture;

/**
 * One call from submission to answer. Its state moves QUEUED → RUNNING → DONE, or QUEUED → EXPIRED (deadline passed
 * in the queue), or RUNNING → KILLED (the watchdog interrupted the guest). Transitions happen under this object's
 * lock, so the watchdog never interrupts a worker thread after the call has left it.
 */
final class PendingCall {
    private static final int QUEUED = 0;
    private static final int RUNNING = 1;
    private static final int DONE = 2;
    private static final int EXPIRED = 3;
    private static final int KILLED = 4;

    final GuestCall call;
    /** The module current when the call was submitted: a swap after that does not change what answers it. */
    final GuestModule module;
    final CompletableFuture<GuestResult> future = new CompletableFuture<>();
    private final long deadlineNanos;
    private final long cpuBudgetNanos;
    private final Limits limits;
    private int state = QUEUED;
    private Thread thread;
    private long cpuStartNanos;
    private GuestFailure verdict;

    PendingCall(final GuestCall call, final GuestModule module, final Limits limits, final long submittedNanos) {
        this.call = call;
        this.module = module;
        this.limits = limits;
        this.deadlineNanos = submittedNanos + limits.deadline().toNanos();
        this.cpuBudgetNanos = limits.cpu().toNanos();
    }

    /** Called by the worker about to run the call; false if the call already expired in the queue. */
    synchronized boolean start(final Thread worker, final long cpuNanos) {
        if (state != QUEUED) {
            return false;
        }
        state = RUNNING;
        thread = worker;
        cpuStartNanos = cpuNanos;
        return true;
    }

    /** Called by the worker when the guest returned or threw; after this no interrupt can reach the worker. */
    synchronized void finish() {
        state = DONE;
        thread = null;
    }

    /** Why the watchdog stopped this call, or null. */
    synchronized GuestFailure verdict() {
        return verdict;
    }

    /** The watchdog's check; true when the call needs no more watching. */
    synchronized boolean check(final long nowNanos, final Watchdog watchdog) {
        switch (state) {
            case QUEUED -> {
                if (nowNanos - deadlineNanos >= 0) {
                    state = EXPIRED;
                    future.completeExceptionally(new GuestFailure(GuestFailure.Kind.DEADLINE,
                            "deadline of " + limits.deadline().toMillis() + " ms passed while waiting in the queue"));
                    return true;
                }
                return false;
            }
            case RUNNING -> {
                if (nowNanos - deadlineNanos >= 0) {
                    kill(new GuestFailure(GuestFailure.Kind.DEADLINE,
                            "deadline of " + limits.deadline().toMillis() + " ms passed; the guest was stopped"));
                    return true;
                }
                if (watchdog.cpuNanos(thread) - cpuStartNanos > cpuBudgetNanos) {
                    kill(new GuestFailure(GuestFailure.Kind.CPU_LIMIT,
                            "CPU budget of " + limits.cpu().toMillis() + " ms used up; the guest was stopped"));
                    return true;
                }
                return false;
            }
            default -> {
                return true;
            }
        }
    }

    private void kill(final GuestFailure why) {
        state = KILLED;
        verdict = why;
        thread.interrupt();
    }
}
