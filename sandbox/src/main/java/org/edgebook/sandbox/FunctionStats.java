package org.edgebook.sandbox;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** Counters of one sandboxed function, read by the node's metrics. Thread-safe. */
public final class FunctionStats {
    final LongAdder calls = new LongAdder();
    final LongAdder instantiations = new LongAdder();
    final LongAdder instantiationNanos = new LongAdder();
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger liveInstances = new AtomicInteger();
    private final Map<GuestFailure.Kind, LongAdder> failures = new EnumMap<>(GuestFailure.Kind.class);

    FunctionStats() {
        for (final GuestFailure.Kind kind : GuestFailure.Kind.values()) {
            failures.put(kind, new LongAdder());
        }
    }

    void failed(final GuestFailure.Kind kind) {
        failures.get(kind).increment();
    }

    public long calls() {
        return calls.sum();
    }

    public long failures(final GuestFailure.Kind kind) {
        return failures.get(kind).sum();
    }

    public long instantiations() {
        return instantiations.sum();
    }

    public long instantiationNanos() {
        return instantiationNanos.sum();
    }

    /** Calls running in a guest now. */
    public int running() {
        return running.get();
    }

    /** Instances alive now: running a call or kept warm. */
    public int liveInstances() {
        return liveInstances.get();
    }
}
