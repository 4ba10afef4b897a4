package org.edgebook.edge;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.edgebook.edge.forward.ForwardMetrics;
import org.edgebook.sandbox.FunctionStats;
import org.edgebook.sandbox.SandboxedFunction;

/**
 * The node's metrics in Prometheus form: requests by route and status, errors by route and kind, a latency histogram
 * per route, and for WebAssembly routes the live and warm instances, instantiations, calls running and queue depth.
 * Thread-safe; meters are made once per route, status and kind and then only looked up.
 */
public final class EdgeMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    /** The registry, for the parts of the node that keep their own meters (the transaction path). */
    public io.micrometer.core.instrument.MeterRegistry registry() {
        return registry;
    }

    private final ConcurrentHashMap<String, Route> routes = new ConcurrentHashMap<>();
    private final ForwardMetrics forwarding = new ForwardMetrics(registry);

    /** The meters of one route. */
    public final class Route {
        private final String path;
        private final String kind;
        private final Timer latency;
        private final ConcurrentHashMap<Integer, Counter> byStatus = new ConcurrentHashMap<>();
        private final ConcurrentHashMap<String, Counter> errors = new ConcurrentHashMap<>();

        private Route(final String path, final String kind) {
            this.path = path;
            this.kind = kind;
            this.latency = Timer.builder("edge_request")
                    .description("Time from a request's arrival to its answer")
                    .tags("route", path, "kind", kind)
                    .publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(1).dividedBy(100))
                    .maximumExpectedValue(Duration.ofSeconds(10))
                    .register(registry);
        }

        public void answered(final int status, final long nanos) {
            latency.record(nanos, TimeUnit.NANOSECONDS);
            byStatus.computeIfAbsent(status, s -> Counter.builder("edge_requests")
                    .description("Requests answered, by route and HTTP status")
                    .tags("route", path, "kind", kind, "status", Integer.toString(s))
                    .register(registry)).increment();
        }

        public void error(final String errorKind) {
            errors.computeIfAbsent(errorKind, k -> Counter.builder("edge_errors")
                    .description("Requests that failed, by route and kind of failure")
                    .tags("route", path, "error", k)
                    .register(registry)).increment();
        }
    }

    /** A module file changed on disk and was swapped in ({@code swapped}) or refused, the old one kept serving. */
    public void moduleReloaded(final String path, final boolean swapped) {
        Counter.builder("edge_module_reloads").description("Module files changed on disk: swapped in, or refused")
                .tags("route", path, "outcome", swapped ? "swapped" : "refused").register(registry).increment();
    }

    /** How many reloads of a route's module file ended so ({@code swapped} or refused); 0 before the first. */
    public double moduleReloads(final String path, final boolean swapped) {
        final Counter counter = registry.find("edge_module_reloads")
                .tags("route", path, "outcome", swapped ? "swapped" : "refused").counter();
        return counter == null ? 0 : counter.count();
    }

    public Route route(final String path, final String kind) {
        return routes.computeIfAbsent(path, p -> new Route(p, kind));
    }

    /** Gauges over a WebAssembly function's live counters. */
    public void watch(final String path, final SandboxedFunction function) {
        final FunctionStats stats = function.stats();
        Gauge.builder("edge_instances", stats, FunctionStats::liveInstances)
                .description("WebAssembly instances alive: running or kept warm").tag("route", path).register(registry);
        Gauge.builder("edge_warm_instances", function, SandboxedFunction::warmInstances)
                .description("WebAssembly instances kept warm for reuse").tag("route", path).register(registry);
        Gauge.builder("edge_running", stats, FunctionStats::running)
                .description("Calls running in a guest").tag("route", path).register(registry);
        Gauge.builder("edge_queue_depth", function, SandboxedFunction::queueDepth)
                .description("Calls waiting for a worker").tag("route", path).register(registry);
        FunctionCounter.builder("edge_instantiations", stats, FunctionStats::instantiations)
                .description("WebAssembly instances made").tag("route", path).register(registry);
        FunctionCounter.builder("edge_instantiation_seconds", stats, s -> s.instantiationNanos() / 1e9)
                .description("Time spent making WebAssembly instances").tag("route", path).register(registry);
    }

    /** The forwarding path's meters (forwarder, outbox, client keys), on this registry. */
    public ForwardMetrics forwarding() {
        return forwarding;
    }

    public String scrape() {
        return registry.scrape();
    }
}
