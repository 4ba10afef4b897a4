package org.edgebook.control;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.io.InputStream;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.function.LongSupplier;
import org.edgebook.control.fleet.Enrollment;
import org.edgebook.control.fleet.Fleet;
import org.edgebook.control.fleet.FleetRoutes;
import org.edgebook.control.fleet.FleetView;
import org.edgebook.control.modules.DesiredStateSource;
import org.edgebook.control.store.Database;
import org.edgebook.control.store.NodeStore;
import org.edgebook.control.store.OperatorKeys;
import org.edgebook.control.store.SettlementSync;
import org.edgebook.http.ReplayGuard;
import org.edgebook.http.RequestSignature;

/**
 * The control plane's HTTP service (docs/control-plane.md): the wiring only. {@link #open} opens the store (migrated),
 * the operator keys and the fleet; then the other areas are added ({@link #install}, given {@link #context()}) and
 * the desired state's source set ({@link #desiredState}); {@link #start} installs the fleet's routes and listens.
 * <pre>
 * ControlServer server = ControlServer.open(config, System::currentTimeMillis);
 * server.install(new ModulesArea(server.context())).desiredState(source);
 * server.start();
 * </pre>
 * <p>
 * Threading: set up on one thread, then {@link #port}, {@link #fleet} and {@link #close} from any.
 */
public final class ControlServer implements AutoCloseable {
    private static final byte[] OPENAPI = loadOpenApi();

    private final ControlConfig config;
    private final LongSupplier clock;
    private final Database db;
    private final OperatorKeys keys;
    private final Fleet fleet;
    private final Vertx vertx;
    private final Router router;
    private final ControlRouting routing;
    private final ControlMetrics metrics = new ControlMetrics();
    private final ControlContext context;
    private final SettlementSync settlement;
    private final List<ControlArea> areas = new ArrayList<>();
    private volatile DesiredStateSource desired = (id, labels) -> DesiredStateSource.NONE;
    private List<HttpServer> servers = List.of();
    private boolean closed;

    private ControlServer(final ControlConfig config, final LongSupplier clock, final Database db,
                          final OperatorKeys keys, final Fleet fleet, final SettlementSync settlement) {
        this.config = config;
        this.clock = clock;
        this.db = db;
        this.keys = keys;
        this.fleet = fleet;
        this.settlement = settlement;
        this.vertx = Vertx.vertx();
        this.router = Router.router(vertx);
        final ReplayGuard replays = new ReplayGuard(RequestSignature.WINDOW_MILLIS, clock.getAsLong());
        this.routing = new ControlRouting(router, config.maxBodyBytes(), new OperatorAuthentication(keys, replays,
                clock), new NodeAuthentication(fleet, replays, clock,
                        config.verifyOnWorkers()));
        this.context = new ControlContext(db, fleet, clock, vertx);
        metrics.watch(fleet);
    }

    /** Opens the store, the keys and the fleet; nothing listens yet. */
    public static ControlServer open(final ControlConfig config, final LongSupplier clock) throws SQLException,
            IOException {
        final Database db = config.dbUrl() != null ? Database.open(config.dbUrl(), null, null)
                : Database.embedded(config.dataDir());
        try {
            final OperatorKeys keys = OperatorKeys.open(db, config.dataDir(), clock.getAsLong());
            final Fleet fleet = Fleet.load(new NodeStore(db), clock, config.heartbeatIntervalMillis(),
                    config.maxHeartbeatsPerSecond());
            final SettlementSync sync = config.settlement() == null ? null : new SettlementSync(db,
                    config.settlement(), OperatorKeys.read(config.settlementKeyFile()),
                    config.settlementRetryMaxMillis());
            return new ControlServer(config, clock, db, keys, fleet, sync);
        } catch (final SQLException | IOException | RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /** Opens and starts with no other area (tests, and the fleet alone). */
    public static ControlServer start(final ControlConfig config, final LongSupplier clock) throws SQLException,
            IOException {
        final ControlServer server = open(config, clock);
        try {
            return server.start();
        } catch (final IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** What areas are given: the store, the fleet, the clock, Vert.x. */
    public ControlContext context() {
        return context;
    }

    /** Adds an area; its routes are installed by {@link #start}. */
    public synchronized ControlServer install(final ControlArea area) {
        if (!servers.isEmpty()) {
            throw new IllegalStateException("areas are installed before the control plane listens");
        }
        areas.add(Objects.requireNonNull(area));
        return this;
    }

    /** Where heartbeats and {@code GET /v1/node/desired} take a node's desired state from. */
    public ControlServer desiredState(final DesiredStateSource source) {
        this.desired = Objects.requireNonNull(source);
        return this;
    }

    /** Installs every route and listens. */
    public synchronized ControlServer start() throws IOException {
        routing.open(HttpMethod.GET, "/health", ctx -> ControlJson.answer(ctx, 200, ControlJson.object(json -> {
            json.writeStringField("status", "ok");
            json.writeStringField("store", db.kind().name().toLowerCase(java.util.Locale.ROOT));
            json.writeNumberField("nodes", fleet.count(org.edgebook.control.fleet.NodeState.UP)
                    + fleet.count(org.edgebook.control.fleet.NodeState.LATE)
                    + fleet.count(org.edgebook.control.fleet.NodeState.DOWN));
        })));
        routing.open(HttpMethod.GET, "/metrics", ctx -> ctx.response().putHeader("Content-Type",
                "text/plain; version=0.0.4").end(metrics.scrape()));
        routing.open(HttpMethod.GET, "/openapi.json", ctx -> ControlJson.answer(ctx, 200, OPENAPI));
        new FleetRoutes(fleet, new Enrollment(db, fleet, settlement != null), () -> desired, clock, metrics)
                .install(routing);
        new RecordRoutes(db).install(routing);
        for (final ControlArea area : areas) {
            area.install(routing);
        }
        router.route().handler(ctx -> ControlJson.refuse(ctx, 404, "not_found", "no route " + ctx.request().method()
                + " " + ctx.request().path()));
        fleet.start(config.fleetTickMillis());
        if (settlement != null) {
            settlement.start();
        }
        try {
            servers = listen();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting", e);
        } catch (final ExecutionException e) {
            throw new IOException("cannot listen on " + config.host() + ":" + config.port() + ": "
                    + e.getCause().getMessage(), e.getCause());
        }
        return this;
    }

    /** One HTTP server per event loop, sharing one port (as SettlementServer does). */
    private List<HttpServer> listen() throws InterruptedException, ExecutionException, IOException {
        final HttpServerOptions options = new HttpServerOptions().setHost(config.host()).setPort(config.port())
                .setIdleTimeout(60).setHttp2ClearTextEnabled(false);
        final int loops = config.eventLoops();
        final boolean anyPort = options.getPort() == 0 && loops > 1;
        for (int attempt = 1;; attempt++) {
            if (anyPort) {
                try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1,
                        java.net.InetAddress.getByName(options.getHost()))) {
                    options.setPort(probe.getLocalPort());
                }
            }
            final List<HttpServer> made = Collections.synchronizedList(new ArrayList<>(loops));
            try {
                vertx.deployVerticle(() -> new io.vertx.core.VerticleBase() {
                    @Override
                    public io.vertx.core.Future<?> start() {
                        final HttpServer http = vertx.createHttpServer(options).requestHandler(router);
                        made.add(http);
                        return http.listen();
                    }
                }, new io.vertx.core.DeploymentOptions().setInstances(loops)).toCompletionStage()
                        .toCompletableFuture().get();
                return List.copyOf(made);
            } catch (final ExecutionException e) {
                if (!anyPort || attempt == 5) {
                    throw e;
                }
            }
        }
    }

    public int port() {
        return servers.getFirst().actualPort();
    }

    /** {@code http://host:port}. */
    public String url() {
        return "http://" + config.host() + ":" + port();
    }

    /** The fleet as other areas read it. */
    public FleetView fleetView() {
        return fleet;
    }

    /** The fleet itself (tests: its members, and a sweep on demand). */
    public Fleet fleet() {
        return fleet;
    }

    public Database database() {
        return db;
    }

    /** The operator key made by this start (to print once), or null. */
    public OperatorKeys.Key createdOperatorKey() {
        return keys.created();
    }

    /** An operator key (tests). */
    public OperatorKeys.Key operatorKey() {
        return keys.any();
    }

    public ControlMetrics metrics() {
        return metrics;
    }

    /** Every route as {@code METHOD /path/{param}}, for holding the OpenAPI document to them. */
    public List<String> routes() {
        final List<String> routes = new ArrayList<>();
        for (final io.vertx.ext.web.Route route : router.getRoutes()) {
            if (route.getPath() == null || route.methods() == null || route.methods().isEmpty()) {
                continue;
            }
            final String path = route.getPath().replaceAll(":(\\w+)", "{$1}");
            route.methods().forEach(m -> routes.add(m.name() + " " + path));
        }
        return routes;
    }

    /** Stops listening, writes what the fleet holds in memory, closes the store. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (final ExecutionException e) {
            // closing anyway
        }
        if (settlement != null) {
            settlement.close();
        }
        fleet.close();
        db.close();
    }

    private static byte[] loadOpenApi() {
        try (InputStream in = ControlServer.class.getResourceAsStream("/control-openapi.json")) {
            return Objects.requireNonNull(in, "control-openapi.json is missing from the control module's resources")
                    .readAllBytes();
        } catch (final IOException e) {
            throw new IllegalStateException("control-openapi.json cannot be read", e);
        }
    }
}
