package org.edgebook.control;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.edgebook.control.fleet.Fleet;
import org.edgebook.control.fleet.NodeState;

/**
 * The control plane's Prometheus metrics ({@code GET /metrics}): heartbeats taken ({@code control_heartbeats_total};
 * per second with {@code rate()}), the heartbeat's latency in the server from authentication to answer
 * ({@code control_heartbeat_latency_seconds}, with p50/p99), heartbeats in the last second ({@code control_heartbeats_per_second}), nodes by state, and the interval
 * nodes are told.
 * <p>
 * Threading: thread-safe.
 */
public final class ControlMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter heartbeats;
    private final Timer latency;

    public ControlMetrics() {
        heartbeats = Counter.builder("control_heartbeats").description("heartbeats taken").register(registry);
        latency = Timer.builder("control_heartbeat_latency").description("a heartbeat in the control plane, from "
                + "authentication to answer").publishPercentiles(0.5, 0.99).distributionStatisticExpiry(
                        Duration.ofSeconds(10)).register(registry);
    }

    /** Watches the fleet's counts by state and its interval. */
    void watch(final Fleet fleet) {
        for (final NodeState state : NodeState.values()) {
            Gauge.builder("control_nodes", fleet, f -> f.count(state)).tag("state", state.wire())
                    .description("nodes by state").register(registry);
        }
        Gauge.builder("control_heartbeats_per_second", fleet, Fleet::heartbeatsPerSecond).description("heartbeats "
                + "the fleet took in the last second").register(registry);
        Gauge.builder("control_heartbeat_interval_ms", fleet, Fleet::intervalMs).description("the interval nodes "
                + "are told").register(registry);
    }

    /** One heartbeat answered, {@code nanos} after its authentication began. */
    public void heartbeat(final long nanos) {
        heartbeats.increment();
        latency.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** The Prometheus text. */
    String scrape() {
        return registry.scrape();
    }
}
