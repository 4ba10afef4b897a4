package org.edgebook.edge.tx;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The edge node's intake meters: transactions taken by outcome ({@code queued}, {@code held}, {@code rejected}) and
 * refused by reason (the error code: {@code bad signature}, {@code outbox full}, …), screening decisions, operator
 * releases and rejections, and the intake latency (received to answered, durable). Thread-safe (Micrometer's meters).
 */
public final class TxMetrics {
    private final MeterRegistry registry;
    private final Map<String, Counter> taken = new ConcurrentHashMap<>();
    private final Map<String, Counter> refused = new ConcurrentHashMap<>();
    private final Map<String, Counter> screened = new ConcurrentHashMap<>();
    private final Map<String, Counter> operator = new ConcurrentHashMap<>();
    private final Timer intake;

    public TxMetrics(final MeterRegistry registry) {
        this.registry = registry;
        this.intake = Timer.builder("edge_tx_intake").description("a transaction received to its durable "
                + "answer").publishPercentileHistogram().register(registry);
    }

    void taken(final String state) {
        taken.computeIfAbsent(state, s -> Counter.builder("edge_tx_taken").tag("state", s)
                .register(registry)).increment();
    }

    void refused(final String error) {
        refused.computeIfAbsent(error, e -> Counter.builder("edge_tx_refused").tag("error", e)
                .register(registry)).increment();
    }

    void screened(final String decision, final boolean failed) {
        final String key = decision + (failed ? "/failed" : "");
        screened.computeIfAbsent(key, k -> Counter.builder("edge_screening").tag("decision", decision)
                .tag("failed", Boolean.toString(failed)).register(registry)).increment();
    }

    void operator(final String action) {
        operator.computeIfAbsent(action, a -> Counter.builder("edge_tx_operator").tag("action", a)
                .register(registry)).increment();
    }

    void answered(final long nanos) {
        intake.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
}
