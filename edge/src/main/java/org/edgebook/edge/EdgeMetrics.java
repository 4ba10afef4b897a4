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
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.edgebook.edge.forward.ForwardMetrics;
import org.edgebook.sandbox.FunctionStats;
import org.edgebook.sandbox.SandboxedFunction;

/**
 * The node's metrics in Prometheus form: requests by route and status, errors by route and kind, a latency histogram
 * per route, and for WebAssembly routes the live and warm instances, instantiations, calls running and queue depth.
 * Thread-safe; meters are made once per route, status and kind and then only looked up.
 * <p>
 * Besides the cumulative meters, each route keeps an interval (requests, 5xx errors, an HdrHistogram of latency in
 * microseconds) that {@link Route#takeInterval} reads and starts again: what a control-plane heartbeat reports
 * (docs/control-plane.md section 4). Threading: any thread records; one reader at a time takes intervals.
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
        /** Latency in microseconds since the last {@link #takeInterval}; auto-resizing, 3 significant digits. */
        private final Recorder interval = new Recorder(3);
        private final AtomicLong intervalErrors = new AtomicLong();
        private Histogram recycled;

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
            interval.recordValue(Math.max(0, nanos / 1000));
            if (status >= 500) {
                intervalErrors.incrementAndGet();
            }
            byStatus.computeIfAbsent(status, s -> Counter.builder("edge_requests")
                    .description("Requests answered, by route and HTTP status")
                    .tags("route", path, "kind", kind, "status", Integer.toString(s))
                    .register(registry)).increment();
        }

        /**
         * The requests answered since the previous call (or since the route was made), and starts a new interval.
         * Threading: one caller at a time (the control agent).
         */
        public synchronized Interval takeInterval() {
            final Histogram h = interval.getIntervalHistogram(recycled);
            recycled = h;
            final long errorCount = intervalErrors.getAndSet(0);
            final long count = h.getTotalCount();
            return new Interval(count, Math.min(errorCount, count), count == 0 ? 0 : h.getValueAtPercentile(50),
                    count == 0 ? 0 : h.getValueAtPercentile(99));
        }

        public String path() {
            return path;
        }

        public void error(final String errorKind) {
            errors.computeIfAbsent(errorKind, k -> Counter.builder("edge_errors")
                    .description("Requests that failed, by route and kind of failure")
                    .tags("route", path, "error", k)
                    .register(registry)).increment();
        }
    }

    /**
     * A route's interval: requests answered, of them errors (5xx), and the latency's p50 and p99 in microseconds (0
     * when there were no requests).
     */
    public record Interval(long requests, long errors, long p50Micros, long p99Micros) {
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

    /** Removes the gauges {@link #watch} made for {@code path}, so that a new function of the route can be watched. */
    public void unwatch(final String path) {
        for (final String name : java.util.List.of("edge_instances", "edge_warm_instances", "edge_running",
                "edge_queue_depth", "edge_instantiations", "edge_instantiation_seconds")) {
            registry.find(name).tag("route", path).meters().forEach(registry::remove);
        }
    }

    /** The forwarding path's meters (forwarder, outbox, client keys), on this registry. */
    public ForwardMetrics forwarding() {
        return forwarding;
    }

    public String scrape() {
        return registry.scrape();
    }
}
