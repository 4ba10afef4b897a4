package org.edgebook.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.edgebook.engine.Command;
import org.edgebook.engine.Event;
import org.edgebook.engine.RejectReason;
import org.edgebook.journal.DurableEngine;
import org.edgebook.journal.JournalScanner;
import org.edgebook.journal.Sequencer;
import org.edgebook.journal.SnapshotStore;

/**
 * The settlement service's metrics in Prometheus form (Micrometer, as the edge node's {@code EdgeMetrics}): commands
 * by type and rejections by reason, batches (commands and bytes per force) and force latency, the engine's queue,
 * the journal on disk, snapshots, recovery, HTTP latency by route template, method and status, open connections,
 * WebSocket subscribers and slow-consumer closes, and the JVM's own figures.
 * <p>
 * Served, unauthenticated, on a port of its own ({@link SettlementServer.Config#metricsPort}) at {@code /metrics}.
 * <p>
 * Threads: {@link #forced} on the journaler thread, {@link #durable} on the publisher thread: both only bump meters
 * registered beforehand and allocate nothing. Directory figures (segments, snapshot age) are read at scrape time, on
 * a worker thread, never on the command path.
 */
public final class ServiceMetrics implements DurableEngine.Listener, Sequencer.Meter, AutoCloseable {
    /** The content type of Prometheus's text format. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** The {@code route} of a request that no endpoint answered and no middleware with a path saw. */
    static final String NO_ROUTE = "none";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    /** A counter per kind of command, all registered at construction; looked up by class without allocating. */
    private final ClassValue<Counter> commands;
    /** A counter per reject reason, indexed by ordinal. */
    private final Counter[] rejections;
    private final DistributionSummary batchCommands;
    private final DistributionSummary batchBytes;
    private final Timer force;
    private final ConcurrentHashMap<String, Timer> requests = new ConcurrentHashMap<>();
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private volatile HttpServer http;

    public ServiceMetrics() {
        final Map<Class<?>, Counter> byClass = new HashMap<>();
        for (final Class<?> type : Command.class.getPermittedSubclasses()) {
            if (type == Command.FromSender.class) {
                continue; // counted as the command it carries
            }
            byClass.put(type, Counter.builder("edgebook_commands")
                    .description("Commands made durable, by type (queries included: every command is journaled)")
                    .tag("type", type.getSimpleName()).register(registry));
        }
        commands = new ClassValue<>() {
            @Override
            protected Counter computeValue(final Class<?> type) {
                return byClass.get(type);
            }
        };
        final RejectReason[] reasons = RejectReason.values();
        rejections = new Counter[reasons.length];
        for (final RejectReason reason : reasons) {
            rejections[reason.ordinal()] = Counter.builder("edgebook_rejections")
                    .description("Commands rejected, by reason (also counted in edgebook_commands_total)")
                    .tag("reason", reason.name()).register(registry);
        }
        batchCommands = DistributionSummary.builder("edgebook_batch_commands")
                .description("Commands per journal batch (one force each: group commit)")
                .publishPercentileHistogram().minimumExpectedValue(1.0).maximumExpectedValue(4096.0)
                .register(registry);
        batchBytes = DistributionSummary.builder("edgebook_batch_bytes")
                .description("Journal bytes written per batch (frames, compressed)")
                .publishPercentileHistogram().minimumExpectedValue(64.0).maximumExpectedValue((double) (2 << 20))
                .register(registry);
        force = Timer.builder("edgebook_journal_force")
                .description("Time to write and force one batch to the journal")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(10_000)).maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    // ------------------------------------------------------------------------------------------ the command path

    /** Each force, on the journaler thread. */
    @Override
    public void forced(final int commands, final int bytes, final long nanos) {
        batchCommands.record(commands);
        batchBytes.record(bytes);
        force.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Each durable command, on the publisher thread: its type, and its reason if it was rejected. */
    @Override
    public void durable(final long seq, final long timeMicros, final Command command, final List<Event> events) {
        final Counter type = commands.get(Command.unwrap(command).getClass()); // a sourced command by what it carries
        if (type != null) {
            type.increment();
        }
        if (!events.isEmpty() && events.getFirst() instanceof Event.Rejected rejected) {
            rejections[rejected.reason().ordinal()].increment();
        } else if (!events.isEmpty() && events.getFirst() instanceof Event.SequenceGap gap) {
            rejections[gap.reason().ordinal()].increment();
        }
    }

    // ----------------------------------------------------------------------------------------------- gauges

    /**
     * Listens to {@code engine} and watches its queue, journal, snapshots and recovery, the data directory
     * {@code dataDir} and the WebSocket {@code streams}.
     */
    void watch(final DurableEngine engine, final Streams streams, final Path dataDir) {
        engine.listen(this);
        final Sequencer sequencer = engine.sequencer();
        Gauge.builder("edgebook_queue_depth", engine, DurableEngine::queued).strongReference(true)
                .description("Commands submitted and waiting for the engine thread").register(registry);
        Gauge.builder("edgebook_durable_seq", sequencer, Sequencer::durableSeq).strongReference(true)
                .description("The newest sequence number that is durable and published").register(registry);
        FunctionCounter.builder("edgebook_journal_written_bytes", sequencer, Sequencer::journalBytes)
                .description("Journal bytes written since the service started (frames)").register(registry);
        Gauge.builder("edgebook_journal_segments", dataDir, d -> segments(d, false)).strongReference(true)
                .description("Journal segment files in the data directory").register(registry);
        Gauge.builder("edgebook_journal_disk_bytes", dataDir, d -> segments(d, true)).strongReference(true)
                .description("Bytes of the journal segment files in the data directory").register(registry);
        FunctionCounter.builder("edgebook_snapshots", sequencer, Sequencer::snapshotsTaken)
                .description("Snapshots taken since the service started").register(registry);
        final SnapshotStore snapshots = new SnapshotStore(dataDir);
        Gauge.builder("edgebook_snapshot_age_seconds", snapshots, ServiceMetrics::newestSnapshotAge)
                .strongReference(true)
                .description("Seconds since the newest snapshot file was written (NaN when there is none)")
                .register(registry);
        Gauge.builder("edgebook_snapshot_duration_seconds", sequencer, s -> s.lastSnapshotNanos() / 1e9)
                .strongReference(true)
                .description("How long the newest snapshot since the start took (0 before the first)")
                .register(registry);
        Gauge.builder("edgebook_recovery_seconds", engine, e -> e.recovered().nanos() / 1e9).strongReference(true)
                .description("How long recovery took at start").register(registry);
        Gauge.builder("edgebook_recovery_replayed_commands", engine, e -> e.recovered().replayed())
                .strongReference(true)
                .description("Journaled commands replayed at start, after the snapshot").register(registry);
        for (final String channel : List.of("trades", "private", "book")) {
            Gauge.builder("edgebook_websocket_subscribers", streams, s -> s.subscribers(channel))
                    .strongReference(true).tag("channel", channel)
                    .description("WebSocket subscriptions, by channel").register(registry);
        }
        FunctionCounter.builder("edgebook_websocket_slow_consumer_closes", streams,
                s -> s.slowConsumerCloses.sum())
                .description("WebSockets closed (1008) because they could not keep up with a stream")
                .register(registry);
    }

    /** Watches the count of open connections on the API's port. */
    public void connections(final AtomicInteger open) {
        Gauge.builder("edgebook_http_connections", open, AtomicInteger::get).strongReference(true)
                .description("Open connections on the API port").register(registry);
    }

    /** A connection accepted on the current thread's event loop: counted per loop, to see how they share the work. */
    public void accepted() {
        io.micrometer.core.instrument.Counter.builder("edgebook_http_connections_accepted")
                .description("Connections accepted on the API port, by the event loop that took them")
                .tag("loop", Thread.currentThread().getName()).register(registry).increment();
    }

    private static double newestSnapshotAge(final SnapshotStore snapshots) {
        try {
            final List<Path> newest = snapshots.list();
            if (newest.isEmpty()) {
                return Double.NaN;
            }
            final long written = Files.getLastModifiedTime(newest.getFirst()).toMillis();
            return Math.max(0, System.currentTimeMillis() - written) / 1000.0;
        } catch (final IOException e) {
            return Double.NaN; // a snapshot pruned while listed: the next scrape sees the new state
        }
    }

    /** The journal's segment files in {@code dir}: how many, or with {@code bytes} their total size. */
    private static double segments(final Path dir, final boolean bytes) {
        try {
            final List<Path> segments = JournalScanner.segments(dir);
            if (!bytes) {
                return segments.size();
            }
            long total = 0;
            for (final Path segment : segments) {
                try {
                    total += Files.size(segment);
                } catch (final IOException e) {
                    // pruned while listed
                }
            }
            return total;
        } catch (final IOException e) {
            return Double.NaN;
        }
    }

    // ------------------------------------------------------------------------------------------------- HTTP

    /**
     * Times every request of {@code router} from its arrival to the end of its answer, by route template (never the
     * raw path, so the label set stays bounded), method and status. Installed ahead of every other route.
     */
    public void instrument(final Router router) {
        router.route().order(-1_000).handler(ctx -> {
            final long arrived = System.nanoTime();
            ctx.addEndHandler(done -> answered(ctx, arrived, done.succeeded()));
            ctx.next();
        });
    }

    private void answered(final RoutingContext ctx, final long arrived, final boolean sent) {
        if (sent && ctx.response().getStatusCode() == 101) {
            return; // a WebSocket: its life is not a request's latency (see the connection and subscriber gauges)
        }
        final Route route = ctx.currentRoute();
        // A prefix route (the authentication on /v1/*) reports its path as "/v1/": given back its star.
        final String path = route == null || route.getPath() == null ? NO_ROUTE
                : route.isExactPath() || route.getPath().endsWith("*") ? route.getPath() : route.getPath() + "*";
        final HttpMethod method = ctx.request().method();
        final String methodName = route != null && route.methods() != null && route.methods().contains(method)
                || HttpMethod.values().contains(method) ? method.name() : "OTHER";
        final String status = sent ? Integer.toString(ctx.response().getStatusCode()) : "closed";
        requests.computeIfAbsent(methodName + ' ' + path + ' ' + status, k -> Timer.builder("edgebook_http_request")
                .description("Time from a request's arrival to the end of its answer, by route template, "
                        + "method and status ('closed': the connection ended first)")
                .tags("route", path, "method", methodName, "status", status)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(10_000)).maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry))
                .record(System.nanoTime() - arrived, TimeUnit.NANOSECONDS);
    }

    /**
     * Serves {@code /metrics} on {@code host}:{@code port} (any free port for -1; nothing for 0) on {@code vertx}.
     * When it cannot listen, closes {@code onFailure} (what was started so far) and throws. The last step of a start:
     * the GC's meters, which listen to the JVM until {@link #close}, are bound here.
     */
    public void serve(final Vertx vertx, final String host, final int port, final AutoCloseable... onFailure)
            throws IOException {
        gc.bindTo(registry);
        if (port == 0) {
            return;
        }
        final HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost(host)
                .setPort(Math.max(port, 0)).setIdleTimeout(30).setHttp2ClearTextEnabled(false));
        server.requestHandler(request -> {
            if (request.method() != HttpMethod.GET || !"/metrics".equals(request.path())) {
                request.response().setStatusCode(404).end("GET /metrics\n");
                return;
            }
            vertx.executeBlocking(this::scrape, false).onComplete(scraped -> {
                if (scraped.failed()) {
                    request.response().setStatusCode(500).end("scrape failed: " + scraped.cause() + "\n");
                } else {
                    request.response().putHeader("Content-Type", CONTENT_TYPE).end(scraped.result());
                }
            });
        });
        try {
            server.listen().toCompletionStage().toCompletableFuture().get();
            http = server;
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            closeAll(onFailure);
            throw new IOException("interrupted while starting the metrics endpoint", e);
        } catch (final ExecutionException e) {
            closeAll(onFailure);
            throw new IOException("cannot listen for metrics on " + host + ":" + port + ": "
                    + e.getCause().getMessage(), e.getCause());
        }
    }

    private static void closeAll(final AutoCloseable... resources) {
        for (final AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (final Exception e) {
                // closing after a failed start: the start's error is the one to report
            }
        }
    }

    /** The port {@code /metrics} is served on, or -1 when it is not served. */
    public int port() {
        final HttpServer server = http;
        return server == null ? -1 : server.actualPort();
    }

    /** Every meter in Prometheus's text format. */
    public String scrape() {
        return registry.scrape();
    }

    /** Stops listening to GC notifications; the endpoint closes with the service's Vert.x. */
    @Override
    public void close() {
        gc.close();
    }
}
