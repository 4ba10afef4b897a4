package org.edgebook.edge.forward;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.LongSupplier;
import org.edgebook.edge.outbox.Outbox;
import org.edgebook.edge.tx.ClientKeys;

/**
 * The forwarding path's metrics (issue 11): batches sent to settlement, transactions forwarded (resends included),
 * settled, rejected by settlement, retries, gaps; gauges of the forward lag (the age of the oldest unsettled
 * transaction), the outbox's depth by state, and the age of the last client-key refresh. Made on the node's registry
 * by {@code EdgeMetrics.forwarding()}. Thread-safe (Micrometer's meters).
 */
public final class ForwardMetrics {
    private final MeterRegistry registry;
    private final Counter batches;
    private final Counter forwarded;
    private final Counter settled;
    private final Counter rejected;
    private final Counter retries;
    private final Counter gaps;
    private final io.micrometer.core.instrument.Timer edgeToSettled;

    public ForwardMetrics(final MeterRegistry registry) {
        this.registry = registry;
        batches = Counter.builder("edge_forward_batches").description("Forward requests sent to settlement")
                .register(registry);
        forwarded = Counter.builder("edge_forward_transactions")
                .description("Transactions sent to settlement, resends included").register(registry);
        settled = Counter.builder("edge_forward_settled").description("Transactions settlement settled")
                .register(registry);
        rejected = Counter.builder("edge_forward_rejected").description("Transactions settlement rejected")
                .register(registry);
        retries = Counter.builder("edge_forward_retries")
                .description("Times forwarding stopped (a transport failure, a refusal, a gap) and started again "
                        + "from settlement's mark")
                .register(registry);
        gaps = Counter.builder("edge_forward_gaps").description("Forward answers with a gap").register(registry);
        edgeToSettled = io.micrometer.core.instrument.Timer.builder("edge_tx_settled_after").description(
                "From the node's 202 to settlement's answer: received at the edge to settled (the node's clock)")
                .publishPercentiles(0.5, 0.99, 0.999).register(registry);
    }

    /** Gauges over the outbox: the forward lag and the depth by state. */
    public void watch(final Outbox outbox) {
        Gauge.builder("edge_forward_lag_seconds", outbox, o -> o.oldestUnsettledAgeMicros() / 1e6)
                .description("Age of the oldest queued or forwarded transaction (0: none)").register(registry);
        Gauge.builder("edge_outbox_depth", outbox, o -> o.depth().held()).tag("state", "held")
                .description("Transactions in the outbox, by state").register(registry);
        Gauge.builder("edge_outbox_depth", outbox, o -> o.depth().queued()).tag("state", "queued")
                .description("Transactions in the outbox, by state").register(registry);
        Gauge.builder("edge_outbox_depth", outbox, o -> o.depth().forwarded()).tag("state", "forwarded")
                .description("Transactions in the outbox, by state").register(registry);
        Gauge.builder("edge_outbox_depth", outbox, o -> o.depth().ended()).tag("state", "ended")
                .description("Transactions in the outbox, by state").register(registry);
    }

    /** A gauge of the age of the client keys' last refresh, in seconds (-1: never refreshed). */
    public void watch(final ClientKeys keys, final LongSupplier clockMillis) {
        Gauge.builder("edge_client_keys_refresh_age_seconds", keys, k -> k.refreshedAtMillis() == 0 ? -1
                : Math.max(0, clockMillis.getAsLong() - k.refreshedAtMillis()) / 1e3)
                .description("Seconds since the client keys were last refreshed from settlement (-1: never)")
                .register(registry);
    }

    void batchSent(final int transactions) {
        batches.increment();
        forwarded.increment(transactions);
    }

    /** A transaction settled {@code micros} after the node received it (-1: not known). */
    void settled(final long micros) {
        settled.increment();
        if (micros >= 0) {
            edgeToSettled.record(micros, java.util.concurrent.TimeUnit.MICROSECONDS);
        }
    }

    void rejected() {
        rejected.increment();
    }

    void retry() {
        retries.increment();
    }

    void gap() {
        gaps.increment();
    }

    public double batches() {
        return batches.count();
    }

    public double forwarded() {
        return forwarded.count();
    }

    public double settledCount() {
        return settled.count();
    }

    public double rejectedCount() {
        return rejected.count();
    }

    public double retries() {
        return retries.count();
    }

    public double gaps() {
        return gaps.count();
    }
}
