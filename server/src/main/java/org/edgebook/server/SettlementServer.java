package org.edgebook.server;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.edgebook.http.RequestSignature;
import org.edgebook.journal.DurableEngine;
import org.edgebook.journal.JournalOptions;

/**
 * The settlement service: a {@link DurableEngine} behind an authenticated HTTP API. Handlers only translate: a request
 * becomes a command (with the account taken from the API key, never from the body), the command goes to the engine,
 * and its events come back as JSON once they are durable, with a status that fits. All business rules are the
 * engine's.
 * <p>
 * This class is the wiring only: the engine and its listeners (trade log, order log, streams), Vert.x, the HTTP server's
 * options and the connection limit. The roles are elsewhere: {@link Authentication}; the route groups
 * ({@link OrderRoutes}, {@link AccountRoutes}, {@link MarketRoutes}, {@link SourceRoutes}, {@link AdminRoutes},
 * {@link ReportRoutes},
 * {@link BatchRoute}, the edge nodes' {@link NodeRoutes} and {@link ForwardRoute} ({@link NodeAuthentication}),
 * {@link WebSocketRoute} with a {@link WebSocketSession} per socket), all under one
 * {@link AccountScope}; command answers from the pipeline's bytes ({@link Replies}); refusals ({@link Refusal}) and
 * {@link Health}.
 * <p>
 * Threading: {@link #start} and {@link #close} on the caller's thread; Vert.x event loops run the handlers; the
 * engine's replies arrive on its publisher thread and are handed back to the request's context.
 */
public final class SettlementServer implements AutoCloseable {
    /** Single requests; a command line is at most 64 KiB. */
    static final int BODY_LIMIT = 64 * 1024;
    /** The batch endpoint. */
    static final int BATCH_BODY_LIMIT = 8 * 1024 * 1024;

    /**
     * How to run: where, which data, which master key, how many requests a key may make; with {@code tlsCert} and
     * {@code tlsKey} (PEM files, both or neither) it serves HTTPS instead of HTTP; {@code journal} is how the data
     * directory is journaled ({@code null}: {@link JournalOptions#defaults}; its directory must be {@code dataDir});
     * {@code metricsPort}: where Prometheus metrics are served, unauthenticated, on the same host
     * ({@link ServiceMetrics}); 0 for nowhere, -1 for any free port ({@link SettlementServer#metrics()} says which);
     * {@code eventLoops}: how many event loops take connections ({@link #withEventLoops}).
     */
    public record Config(String host, int port, Path dataDir, Path masterKeyFile, double requestsPerSecondPerKey,
                         int maxConnections, int idleTimeoutSeconds, Path tlsCert, Path tlsKey,
                         JournalOptions journal, int metricsPort, int eventLoops) {
        public Config {
            if (eventLoops < 1) {
                throw new IllegalArgumentException("eventLoops is at least 1, not " + eventLoops);
            }
            if (journal == null) {
                journal = dataDir == null ? null : JournalOptions.defaults(dataDir);
            } else if (!journal.dir().equals(dataDir)) {
                throw new IllegalArgumentException("the journal's directory " + journal.dir() + " is not the data "
                        + "directory " + dataDir);
            }
        }

        /** Journaled with the defaults; no metrics endpoint. */
        public Config(final String host, final int port, final Path dataDir, final Path masterKeyFile,
                      final double requestsPerSecondPerKey, final int maxConnections, final int idleTimeoutSeconds,
                      final Path tlsCert, final Path tlsKey) {
            this(host, port, dataDir, masterKeyFile, requestsPerSecondPerKey, maxConnections, idleTimeoutSeconds,
                    tlsCert, tlsKey, null, 0, 1);
        }

        /** The same, journaled with {@code journal}. */
        public Config withJournal(final JournalOptions journal) {
            return new Config(host, port, dataDir, masterKeyFile, requestsPerSecondPerKey, maxConnections,
                    idleTimeoutSeconds, tlsCert, tlsKey, journal, metricsPort, eventLoops);
        }

        /** The same, serving metrics on {@code metricsPort} (0: nowhere, -1: any free port). */
        public Config withMetricsPort(final int metricsPort) {
            return new Config(host, port, dataDir, masterKeyFile, requestsPerSecondPerKey, maxConnections,
                    idleTimeoutSeconds, tlsCert, tlsKey, journal, metricsPort, eventLoops);
        }

        /**
         * The same, taking connections on {@code eventLoops} Vert.x event loops (one HTTP server each, sharing the
         * port; Vert.x hands new connections to them in turn). A connection stays on the loop that took it.
         */
        public Config withEventLoops(final int eventLoops) {
            return new Config(host, port, dataDir, masterKeyFile, requestsPerSecondPerKey, maxConnections,
                    idleTimeoutSeconds, tlsCert, tlsKey, journal, metricsPort, eventLoops);
        }

        public Config(final String host, final int port, final Path dataDir, final Path masterKeyFile,
                      final double requestsPerSecondPerKey, final int maxConnections, final int idleTimeoutSeconds) {
            this(host, port, dataDir, masterKeyFile, requestsPerSecondPerKey, maxConnections, idleTimeoutSeconds,
                    null, null);
        }

        public Config(final String host, final int port, final Path dataDir, final Path masterKeyFile,
                      final double requestsPerSecondPerKey) {
            this(host, port, dataDir, masterKeyFile, requestsPerSecondPerKey, 10_000, 30);
        }

        public Config(final String host, final int port, final Path dataDir, final Path masterKeyFile,
                      final double requestsPerSecondPerKey, final int maxConnections) {
            this(host, port, dataDir, masterKeyFile, requestsPerSecondPerKey, maxConnections, 30);
        }
    }

    /** The API's OpenAPI document, served at {@code /v1/openapi.json}; a test keeps it true to the routes. */
    static final byte[] OPENAPI = loadOpenApi();

    private static byte[] loadOpenApi() {
        try (var in = SettlementServer.class.getResourceAsStream("/openapi.json")) {
            return in.readAllBytes();
        } catch (final IOException | NullPointerException e) {
            throw new IllegalStateException("openapi.json is missing from the server's resources", e);
        }
    }

    private final Vertx vertx;
    private final HttpServer http;
    private final DurableEngine engine;
    private final KeyStore keys;
    private final Router router;
    private ServiceMetrics metrics;

    private SettlementServer(final Vertx vertx, final HttpServer http, final DurableEngine engine,
                             final KeyStore keys, final Router router) {
        this.router = router;
        this.vertx = vertx;
        this.http = http;
        this.engine = engine;
        this.keys = keys;
    }

    /**
     * How requests are authenticated: how far a signed timestamp may be from the server's clock (within it, each
     * signature is accepted once), and how long a WebSocket session lives before it must be opened and signed anew.
     */
    public record Auth(long clockWindowMillis, long sessionMaxAgeMillis, int failuresPerKey, int failuresPerAddress,
                       long signedMaxAgeMillis) {
        /** How old a signed transaction may be when it arrives by default (up --signed-max-age): 24 hours. */
        public static final long SIGNED_MAX_AGE_MILLIS = 24 * 3_600_000L;

        /** With signed transactions taken up to {@link #SIGNED_MAX_AGE_MILLIS} old. */
        public Auth(final long clockWindowMillis, final long sessionMaxAgeMillis, final int failuresPerKey,
                    final int failuresPerAddress) {
            this(clockWindowMillis, sessionMaxAgeMillis, failuresPerKey, failuresPerAddress, SIGNED_MAX_AGE_MILLIS);
        }

        /** As it is, with signed transactions taken up to {@code millis} old. */
        public Auth withSignedMaxAge(final long millis) {
            return new Auth(clockWindowMillis, sessionMaxAgeMillis, failuresPerKey, failuresPerAddress, millis);
        }

        /** 5 s of clock skew; sessions of an hour; 10 failed authentications a key id, 50 an address, a minute. */
        public static final Auth DEFAULTS = new Auth(RequestSignature.WINDOW_MILLIS, 3_600_000);

        /** With the default limits on failed authentications. */
        public Auth(final long clockWindowMillis, final long sessionMaxAgeMillis) {
            this(clockWindowMillis, sessionMaxAgeMillis, FailedAuthentications.PER_KEY,
                    FailedAuthentications.PER_ADDRESS);
        }

        public Auth {
            if (clockWindowMillis < 1 || clockWindowMillis > 60_000 || sessionMaxAgeMillis < 1 || failuresPerKey < 1
                    || failuresPerAddress < 1 || signedMaxAgeMillis < 1) {
                throw new IllegalArgumentException("the clock window is 1 to 60000 ms; the session lifetime and the "
                        + "failed authentication limits and the signed transactions' maximum age must be positive");
            }
        }
    }

    /** As {@link #start(Config, Auth, boolean, Consumer)} with {@link Auth#DEFAULTS}. */
    public static SettlementServer start(final Config config, final boolean demo, final Consumer<String> warn)
            throws IOException {
        return start(config, Auth.DEFAULTS, demo, warn);
    }

    /** Recovers the data directory, then listens. With {@code demo}, an empty directory gets the demo market. */
    public static SettlementServer start(final Config config, final Auth auth, final boolean demo,
                                         final Consumer<String> warn) throws IOException {
        // TLS files and keys are checked before the engine locks and writes the directory; keys write nothing
        // until created.
        final io.vertx.core.net.PemKeyCertOptions tls = ServerTls.check(config.tlsCert(), config.tlsKey());
        final KeyStore keys = KeyStore.open(config.dataDir(), config.masterKeyFile(), warn);
        final ServiceMetrics metrics = new ServiceMetrics();
        // warn also gets "JOURNAL FAILED: …"; metrics get every force from the journaler
        final DurableEngine engine = DurableEngine.start(config.journal(), metrics, warn);
        if (keys.isEmpty()) {
            try {
                keys.create(null);
                if (demo) {
                    keys.create("alice");
                    keys.create("bob");
                }
            } catch (final IOException e) {
                engine.close();
                throw e;
            }
        }
        if (demo) {
            DemoMarket.defineIfFresh(engine);
        }
        final TradeLog trades = new TradeLog(100_000, engine.recovered().lastSeq());
        engine.listen(trades);
        final Streams streams = new Streams();
        engine.listen(streams);
        final OrderLog orders = new OrderLog(500_000);
        engine.listen(orders);
        metrics.watch(engine, streams, config.dataDir());
        final Vertx vertx = Vertx.vertx();
        final RateLimiter limiter = new RateLimiter(config.requestsPerSecondPerKey(),
                config.requestsPerSecondPerKey() * 2);
        final SignedCommands signed = new SignedCommands(keys, auth.clockWindowMillis(), auth.signedMaxAgeMillis(),
                System::currentTimeMillis);
        final HttpCommands commands = new HttpCommands(engine, signed);
        final Sessions sessions = new Sessions(vertx, auth.sessionMaxAgeMillis());
        final Router router = ApiRouter.create(vertx, new Authentication(keys, limiter, auth), new Health(engine),
                new OrderRoutes(commands, orders)::register,
                new AccountRoutes(commands)::register,
                new MarketRoutes(commands, trades)::register,
                new SourceRoutes(engine.senders())::register,
                new AdminRoutes(commands, keys, sessions)::register,
                new ReportRoutes(config.dataDir(), limiter)::register,
                new BatchRoute(engine, signed)::register,
                new NodeRoutes(keys)::register,
                new ForwardRoute(engine, signed)::register,
                new WebSocketRoute(engine, keys, limiter, streams, sessions, signed)::register);
        metrics.instrument(router);
        final HttpServerOptions options = new HttpServerOptions().setHost(config.host())
                .setPort(config.port()).setMaxHeaderSize(16 * 1024)
                // A client that sends nothing for this long (a slow or stalled request, an idle socket) is closed.
                .setIdleTimeout(config.idleTimeoutSeconds())
                .setSslHandshakeTimeout(config.idleTimeoutSeconds())
                // HTTP/1.x only: Vert.x then sets a connection up as it is accepted, not after its first bytes, so
                // the connection limit counts idle sockets and the strict decoder sees every byte.
                .setHttp2ClearTextEnabled(false)
                .setHandle100ContinueAutomatically(true) // large bodies may ask to continue first
                .setMaxWebSocketMessageSize(BODY_LIMIT).setMaxWebSocketFrameSize(BODY_LIMIT);
        if (tls != null) {
            options.setSsl(true).setKeyCertOptions(tls);
        }
        // Beyond the limit a new connection is closed at once, before it can cost the engine anything.
        final AtomicInteger open = new AtomicInteger();
        metrics.connections(open);
        final Handler<HttpConnection> onConnection = connection -> {
            metrics.accepted();
            if (open.incrementAndGet() > config.maxConnections()) {
                open.decrementAndGet();
                connection.close();
                return;
            }
            connection.closeHandler(v -> open.decrementAndGet());
            // Requests whose framing could be read two ways are answered 400 and the connection closed.
            org.edgebook.http.StrictHttp.install(connection, options,
                    detail -> ApiResponses.error("bad request", detail));
        };
        final List<HttpServer> servers;
        try {
            servers = listen(vertx, options, router, onConnection, config.eventLoops());
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            vertx.close();
            metrics.close();
            engine.close(); // unlocks the data directory
            throw new IOException("interrupted while starting", e);
        } catch (final ExecutionException e) {
            vertx.close();
            metrics.close();
            engine.close();
            throw new IOException("cannot listen on " + config.host() + ":" + config.port() + ": "
                    + e.getCause().getMessage(), e.getCause());
        }
        // /metrics on its own port; if it cannot listen, all is closed as above
        metrics.serve(vertx, config.host(), config.metricsPort(), vertx::close, engine, metrics);
        final SettlementServer server = new SettlementServer(vertx, servers.getFirst(), engine, keys, router);
        server.metrics = metrics;
        return server;
    }

    /**
     * One server per event loop, sharing one port: each is made by its own instance of a small verticle, which Vert.x
     * puts on an event loop of its own, and Vert.x hands new connections to them in turn. Vert.x shares a port only
     * when it is named, so "any free port" (0) with several loops first finds one (and tries again, a few times, if
     * another process takes it in between).
     */
    private static List<HttpServer> listen(final Vertx vertx, final HttpServerOptions options, final Router router,
                                           final Handler<HttpConnection> onConnection, final int loops)
            throws InterruptedException, ExecutionException, IOException {
        final boolean anyPort = options.getPort() == 0 && loops > 1;
        for (int attempt = 1;; attempt++) {
            if (anyPort) {
                try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1,
                        java.net.InetAddress.getByName(options.getHost()))) {
                    options.setPort(probe.getLocalPort());
                }
            }
            final List<HttpServer> servers = java.util.Collections.synchronizedList(new ArrayList<>(loops));
            try {
                vertx.deployVerticle(() -> new io.vertx.core.VerticleBase() {
                    @Override
                    public io.vertx.core.Future<?> start() {
                        final HttpServer http = vertx.createHttpServer(options).requestHandler(router)
                                .connectionHandler(onConnection);
                        servers.add(http);
                        return http.listen();
                    }
                }, new io.vertx.core.DeploymentOptions().setInstances(loops)).toCompletionStage()
                        .toCompletableFuture().get();
                return List.copyOf(servers);
            } catch (final ExecutionException e) {
                if (!anyPort || attempt == 5) {
                    throw e;
                }
            }
        }
    }

    /** Every route as "METHOD /path/{param}", for checking the OpenAPI document against the routes. */
    List<String> routes() {
        final List<String> routes = new ArrayList<>();
        for (final io.vertx.ext.web.Route route : router.getRoutes()) {
            if (route.getPath() == null || route.methods() == null || route.methods().isEmpty()) {
                continue; // the body limit and authentication run on every request, not one route
            }
            final String path = route.getPath().replaceAll(":(\\w+)", "{$1}");
            route.methods().forEach(m -> routes.add(m.name() + " " + path));
        }
        return routes;
    }

    public int port() {
        return http.actualPort();
    }

    public DurableEngine engine() {
        return engine;
    }

    public KeyStore keys() {
        return keys;
    }

    /** The service's metrics, and the port they are served on. */
    public ServiceMetrics metrics() {
        return metrics;
    }

    /** Every key with its secret in hex: printed once, when the keys were just made. */
    public List<String> describeKeys() {
        final List<String> lines = new ArrayList<>();
        for (final ApiKey key : keys.all()) {
            lines.add(String.format("%-8s key %s  secret %s", key.admin() ? "admin" : key.account(), key.id(),
                    new String(key.secret(), java.nio.charset.StandardCharsets.US_ASCII)));
        }
        lines.sort(null);
        return lines;
    }

    /**
     * Stops: the engine first (from then on every command is refused 503 "shutting down", and everything already
     * taken is made durable and answered while Vert.x can still deliver the answers), then Vert.x.
     */
    @Override
    public void close() throws IOException {
        try {
            engine.close();
        } finally {
            metrics.close();
            try {
                vertx.close().toCompletionStage().toCompletableFuture().get();
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (final ExecutionException e) {
                // closing anyway
            }
        }
    }
}
