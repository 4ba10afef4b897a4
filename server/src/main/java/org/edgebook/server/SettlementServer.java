package org.edgebook.server;

import org.edgebook.journal.JournalOptions;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.edgebook.codec.CommandDecoder;
import org.edgebook.engine.Command;
import org.edgebook.engine.Event;
import org.edgebook.journal.DurableEngine;
import org.edgebook.journal.DurableReplay;

/**
 * The settlement service: a {@link DurableEngine} behind an authenticated HTTP API. Handlers only translate: a request
 * becomes a command (with the account taken from the API key, never from the body), the command goes to the engine,
 * and its events come back as JSON once they are durable, with a status that fits. All business rules are the
 * engine's.
 * <p>
 * Threading: Vert.x event loops run the handlers; the engine's replies arrive on the journaler's thread and are
 * handed back to the request's context.
 */
public final class SettlementServer implements AutoCloseable {
    /** Single requests; a command line is at most 64 KiB. */
    static final int BODY_LIMIT = 64 * 1024;
    /** The batch endpoint. */
    static final int BATCH_BODY_LIMIT = 8 * 1024 * 1024;

    /**
     * How to run: where, which data, which master key, how many requests a key may make; with {@code tlsCert} and
     * {@code tlsKey} (PEM files, both or neither) it serves HTTPS instead of HTTP. {@code metricsPort}: where
     * Prometheus metrics are served, unauthenticated, on the same host ({@link ServiceMetrics}); 0 for nowhere, -1 for
     * any free port ({@link SettlementServer#metrics()} says which).
     */
    public record Config(String host, int port, Path dataDir, Path masterKeyFile, double requestsPerSecondPerKey,
                         int maxConnections, int idleTimeoutSeconds, Path tlsCert, Path tlsKey,
                         int metricsPort) { // metrics hook (issue 10): metricsPort
        // metrics hook (issue 10), begin: the form before metricsPort
        /** No metrics endpoint. */
        public Config(final String host, final int port, final Path dataDir, final Path masterKeyFile,
                      final double requestsPerSecondPerKey, final int maxConnections, final int idleTimeoutSeconds,
                      final Path tlsCert, final Path tlsKey) {
            this(host, port, dataDir, masterKeyFile, requestsPerSecondPerKey, maxConnections, idleTimeoutSeconds,
                    tlsCert, tlsKey, 0);
        }
        // metrics hook (issue 10), end

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
    private ServiceMetrics metrics; // metrics hook (issue 10)

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
    public record Auth(long clockWindowMillis, long sessionMaxAgeMillis, int failuresPerKey, int failuresPerAddress) {
        /** 5 s of clock skew; sessions of an hour; 10 failed authentications a key id, 50 an address, a minute. */
        public static final Auth DEFAULTS = new Auth(RequestSignature.WINDOW_MILLIS, 3_600_000);

        /** With the default limits on failed authentications. */
        public Auth(final long clockWindowMillis, final long sessionMaxAgeMillis) {
            this(clockWindowMillis, sessionMaxAgeMillis, FailedAuthentications.PER_KEY,
                    FailedAuthentications.PER_ADDRESS);
        }

        public Auth {
            if (clockWindowMillis < 1 || clockWindowMillis > 60_000 || sessionMaxAgeMillis < 1 || failuresPerKey < 1
                    || failuresPerAddress < 1) {
                throw new IllegalArgumentException("the clock window is 1 to 60000 ms; the session lifetime and the "
                        + "failed authentication limits must be positive");
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
        final ServiceMetrics metrics = new ServiceMetrics(); // metrics hook (issue 10)
        // metrics hook (issue 10): the engine reports each force to metrics (was: start(options, warn))
        final DurableEngine engine = DurableEngine.start(JournalOptions.defaults(config.dataDir()), metrics, warn);
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
        metrics.watch(engine, streams, config.dataDir()); // metrics hook (issue 10)
        final Vertx vertx = Vertx.vertx();
        final Api api = new Api(engine, keys, new RateLimiter(config.requestsPerSecondPerKey(),
                config.requestsPerSecondPerKey() * 2), trades, config.dataDir(), streams, orders, auth,
                new Sessions(vertx, auth.sessionMaxAgeMillis()));
        final Router router = api.router(vertx);
        metrics.instrument(router); // metrics hook (issue 10)
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
        final HttpServer http = vertx.createHttpServer(options).requestHandler(router);
        // Beyond the limit a new connection is closed at once, before it can cost the engine anything.
        final java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();
        metrics.connections(open); // metrics hook (issue 10)
        http.connectionHandler(connection -> {
            if (open.incrementAndGet() > config.maxConnections()) {
                open.decrementAndGet();
                connection.close();
                return;
            }
            connection.closeHandler(v -> open.decrementAndGet());
            // Requests whose framing could be read two ways are answered 400 and the connection closed.
            org.edgebook.http.StrictHttp.install(connection, options,
                    detail -> ApiResponses.error("bad request", detail));
        });
        try {
            http.listen().toCompletionStage().toCompletableFuture().get();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting", e);
        } catch (final ExecutionException e) {
            vertx.close();
            engine.close();
            throw new IOException("cannot listen on " + config.host() + ":" + config.port() + ": "
                    + e.getCause().getMessage(), e.getCause());
        }
        // metrics hook (issue 10): /metrics on its own port; if it cannot listen, all is closed as above
        metrics.serve(vertx, config.host(), config.metricsPort(), vertx::close, engine, metrics);
        final SettlementServer server = new SettlementServer(vertx, http, engine, keys, router);
        server.metrics = metrics; // metrics hook (issue 10)
        return server;
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

    /** The service's metrics, and the port they are served on. */ // metrics hook (issue 10)
    public ServiceMetrics metrics() { // metrics hook (issue 10)
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

    @Override
    public void close() throws IOException {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (final ExecutionException e) {
            // closing anyway
        }
        metrics.close(); // metrics hook (issue 10)
        engine.close();
    }

    /** The routes and their thin handlers. */
    private static final class Api {
        private final DurableEngine engine;
        private final KeyStore keys;
        private final RateLimiter limiter;
        private final TradeLog trades;
        private static final byte[] USED_BEFORE = ApiResponses.error("unauthenticated", "this signed request was "
                + "used before; every request is signed anew (a new timestamp)");
        private final ReplayGuard replays;
        private final Auth auth;
        private final Sessions sessions;
        private final ThreadLocal<CommandDecoder> decoders = ThreadLocal.withInitial(CommandDecoder::new);

        private final Path dataDir;

        private final Streams streams;
        private final OrderLog orders;
        /** Statements from an index of the journal, built on the first and extended by each later one. */
        private final org.edgebook.journal.StatementIndex statements;

        Api(final DurableEngine engine, final KeyStore keys, final RateLimiter limiter, final TradeLog trades,
            final Path dataDir, final Streams streams, final OrderLog orders, final Auth auth,
            final Sessions sessions) {
            this.auth = auth;
            this.sessions = sessions;
            this.replays = new ReplayGuard(auth.clockWindowMillis(), System.currentTimeMillis());
            this.orders = orders;
            this.streams = streams;
            this.dataDir = dataDir;
            this.statements = new org.edgebook.journal.StatementIndex(dataDir);
            this.engine = engine;
            this.keys = keys;
            this.limiter = limiter;
            this.trades = trades;
        }

        Router router(final Vertx vertx) {
            final Router router = Router.router(vertx);
            final BodyHandler small = BodyHandler.create(false).setBodyLimit(BODY_LIMIT);
            final BodyHandler big = BodyHandler.create(false).setBodyLimit(BATCH_BODY_LIMIT);
            router.route().handler(ctx -> {
                // Bodies are JSON, whatever the Content-Type says: curl -d sends a form type, and decoding a JSON
                // body as a form would only cost time (seconds for a large batch).
                ctx.request().headers().remove("Content-Type");
                (ctx.request().path().equals("/v1/batch") ? big : small).handle(ctx);
            });
            router.get("/health").handler(ctx -> json(ctx, 200, ("{\"status\":\"up\"}").getBytes()));
            router.get("/v1/openapi.json").handler(ctx -> json(ctx, 200, OPENAPI));
            router.route("/v1/*").handler(new FailedAuthentications(System::nanoTime, auth.failuresPerKey(),
                    auth.failuresPerAddress())); // 429 after too many 401s
            router.route("/v1/*").handler(this::authenticate);
            router.post("/v1/orders").handler(ctx -> accountCommand(ctx, "place"));
            router.get("/v1/orders").handler(ctx -> forAccount(ctx, key ->
                    submit(ctx, new Command.QueryOrders(key.account()))));
            router.get("/v1/orders/:clientOrderId").handler(ctx -> forAccount(ctx, key -> {
                final byte[] order = orders.json(key.account(), ctx.pathParam("clientOrderId"));
                if (order == null) {
                    json(ctx, 404, ApiResponses.error("not found", "no order " + ctx.pathParam("clientOrderId")
                            + " since the service started (the journal has every order: edgebook report trades)"));
                } else {
                    json(ctx, 200, order);
                }
            }));
            router.delete("/v1/orders/:clientOrderId").handler(ctx -> forAccount(ctx, key -> {
                if (validName(ctx, "clientOrderId", ctx.pathParam("clientOrderId"))) {
                    submit(ctx, new Command.Cancel(key.account(), ctx.pathParam("clientOrderId")));
                }
            }));
            router.patch("/v1/orders/:clientOrderId").handler(ctx -> accountCommand(ctx, "modify"));
            router.get("/v1/balances").handler(ctx -> forAccount(ctx, key ->
                    submit(ctx, new Command.QueryBalances(key.account()))));
            router.get("/v1/book/:symbol").handler(ctx -> {
                if (validName(ctx, "symbol", ctx.pathParam("symbol"))) {
                    submit(ctx, new Command.QueryBook(ctx.pathParam("symbol")));
                }
            });
            router.post("/v1/transfers").handler(ctx -> accountCommand(ctx, "transfer"));
            router.get("/v1/trades").handler(this::trades);
            router.get("/v1/ws").handler(this::webSocket);
            router.get("/v1/reports/trades").handler(ctx -> report(ctx, true, out -> {
                final String format = ctx.queryParams().get("format");
                org.edgebook.journal.TradeReport.write(dataDir, time(ctx, "from", Long.MIN_VALUE),
                        time(ctx, "to", Long.MAX_VALUE), "json".equalsIgnoreCase(format)
                                ? org.edgebook.journal.TradeReport.Format.JSON
                                : org.edgebook.journal.TradeReport.Format.CSV, "EDGEBOOK", out);
                return "json".equalsIgnoreCase(format) ? "application/x-ndjson" : "text/csv";
            }));
            router.get("/v1/reports/audit").handler(ctx -> report(ctx, true, out -> {
                org.edgebook.journal.AuditReport.write(dataDir, time(ctx, "from", Long.MIN_VALUE),
                        time(ctx, "to", Long.MAX_VALUE), out);
                return "application/x-ndjson";
            }));
            router.get("/v1/reports/statement").handler(ctx -> {
                final ApiKey key = ctx.get("key");
                final String account = key.admin() ? ctx.queryParams().get("account") : key.account();
                if (account == null || (!key.admin() && ctx.queryParams().get("account") != null
                        && !ctx.queryParams().get("account").equals(key.account()))) {
                    json(ctx, key.admin() ? 400 : 403, ApiResponses.error(key.admin() ? "MALFORMED" : "forbidden",
                            key.admin() ? "account is required" : "this key sees only account " + key.account()));
                    return;
                }
                // The request paid one unit of the key's rate; a statement costs more (RateLimiter.STATEMENT_COST).
                final double more = Math.min(RateLimiter.STATEMENT_COST, limiter.burst()) - 1;
                final long wait = limiter.acquire(key.id(), System.nanoTime(), more);
                if (wait > 0) {
                    ctx.response().putHeader("Retry-After", Long.toString(wait));
                    json(ctx, 429, ApiResponses.error("too many requests", "a statement costs " + (long) (more + 1)
                            + " requests of the key's rate; retry after " + wait + " s"));
                    return;
                }
                report(ctx, false, out -> {
                    org.edgebook.journal.StatementReport.writeJson(statements.statement(account,
                            java.time.LocalDate.parse(ctx.queryParams().get("date"))), out);
                    return "application/json";
                });
            });
            router.post("/v1/admin/assets").handler(ctx -> adminCommand(ctx, "asset"));
            router.post("/v1/admin/instruments").handler(ctx -> adminCommand(ctx, "instrument"));
            router.post("/v1/admin/deposits").handler(ctx -> adminCommand(ctx, "deposit"));
            router.post("/v1/admin/withdrawals").handler(ctx -> adminCommand(ctx, "withdraw"));
            router.post("/v1/batch").handler(this::batch);
            router.post("/v1/admin/keys").handler(this::createKey);
            router.delete("/v1/admin/keys/:id").handler(this::revokeKey);
            router.errorHandler(404, ctx -> json(ctx, 404, ApiResponses.error("not found",
                    ctx.request().method() + " " + ctx.request().path() + " is not part of the API")));
            router.errorHandler(405, ctx -> json(ctx, 405, ApiResponses.error("method not allowed", null)));
            router.errorHandler(413, ctx -> json(ctx, 413, ApiResponses.error("body too large",
                    "at most " + BODY_LIMIT + " bytes, or " + BATCH_BODY_LIMIT + " for /v1/batch")));
            router.errorHandler(500, ctx -> json(ctx, 500, ApiResponses.error("internal error", null)));
            return router;
        }

        /** Writes a report's bytes and says their content type; runs off the event loop. */
        @FunctionalInterface
        private interface ReportWriter {
            String write(java.io.OutputStream out) throws IOException;
        }

        /** Reports read the journal: on a worker thread, admin only where {@code adminOnly}. */
        private void report(final RoutingContext ctx, final boolean adminOnly, final ReportWriter writer) {
            final ApiKey key = ctx.get("key");
            if (adminOnly && !key.admin()) {
                json(ctx, 403, ApiResponses.error("forbidden", "reports are for the admin key"));
                return;
            }
            ctx.vertx().executeBlocking(() -> {
                final ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 16);
                final String type = writer.write(out);
                return new Object[] {type, out.toByteArray()};
            }, false).onComplete(result -> {
                if (result.failed()) {
                    final Throwable cause = result.cause();
                    final boolean bad = cause instanceof java.time.DateTimeException
                            || cause instanceof NullPointerException || cause instanceof IllegalArgumentException;
                    json(ctx, bad ? 400 : 500, ApiResponses.error(bad ? "MALFORMED" : "report failed", bad
                            ? "from and to are dates (2026-11-21) or UTC times (2026-11-21T09:30:00Z); a statement "
                            + "needs date=YYYY-MM-DD" : cause.getMessage()));
                    return;
                }
                ctx.response().setStatusCode(200).putHeader("Content-Type", (String) result.result()[0])
                        .end(Buffer.buffer((byte[]) result.result()[1]));
            });
        }

        /** A query parameter as UTC microseconds: a date (its start) or an instant; {@code absent} if missing. */
        private static long time(final RoutingContext ctx, final String name, final long absent) {
            final String text = ctx.queryParams().get(name);
            if (text == null) {
                return absent;
            }
            return org.edgebook.journal.UtcMicros.parse(text);
        }

        /**
         * The WebSocket: the upgrade request is signed like any other. Messages are JSON objects:
         * {@code {"op":"subscribe","channel":"trades"|"private"}} and
         * {@code {"op":"command","id":…,"command":{…}}}, answered {@code {"id":…,"seq":…,"time":…,"events":[…]}}
         * once durable; commands may be pipelined without waiting for answers.
         */
        private void webSocket(final RoutingContext ctx) {
            final ApiKey key = ctx.get("key");
            ctx.request().toWebSocket().onSuccess(socket -> {
                final Context context = ctx.vertx().getOrCreateContext();
                sessions.opened(key.id(), socket, () -> streams.remove(socket));
                if (keys.find(key.id()) == null) { // revoked while the upgrade was completing
                    socket.close(Sessions.CLOSED_BY_POLICY, "key revoked");
                    return;
                }
                // A message over the limit is not dropped in silence: the client learns why its socket ends.
                socket.exceptionHandler(e -> socket.close((short) 1009, "a message is at most " + BODY_LIMIT
                        + " bytes"));
                socket.textMessageHandler(text -> onMessage(key, socket, context, text));
            }).onFailure(e -> json(ctx, 400, ApiResponses.error("not a WebSocket upgrade", e.getMessage())));
        }

        private void onMessage(final ApiKey key, final ServerWebSocket socket, final Context context,
                               final String text) {
            if (keys.find(key.id()) == null) { // revoked while this message was on its way
                socket.close(Sessions.CLOSED_BY_POLICY, "key revoked");
                return;
            }
            final io.vertx.core.json.JsonObject message;
            try {
                message = new io.vertx.core.json.JsonObject(text);
            } catch (final RuntimeException e) {
                limiter.acquire(key.id(), System.nanoTime()); // counted like any message
                socket.writeTextMessage(new String(ApiResponses.error("MALFORMED", "a message is a JSON object"),
                        java.nio.charset.StandardCharsets.UTF_8));
                return;
            }
            final String op = message.getValue("op") instanceof String s ? s : "";
            final Object id = message.getValue("id");
            final String idJson = id == null ? "null" : io.vertx.core.json.Json.encode(id);
            // One limiter for every transport: each message counts as a request of its key.
            final long wait = limiter.acquire(key.id(), System.nanoTime());
            if (wait > 0) {
                socket.writeTextMessage("{\"id\":" + idJson + ",\"error\":\"too many requests\",\"retryAfter\":"
                        + wait + "}");
                return;
            }
            switch (op) {
                case "subscribe" -> {
                    final String channel = message.getValue("channel") instanceof String s ? s : "";
                    if (channel.equals("book") && message.getValue("symbol") instanceof String symbol
                            && !org.edgebook.engine.Names.valid(symbol)) {
                        socket.writeTextMessage(new String(ApiResponses.error("MALFORMED",
                                org.edgebook.engine.Names.problem("symbol", symbol)),
                                java.nio.charset.StandardCharsets.UTF_8));
                        return;
                    }
                    if (channel.equals("book") && message.getValue("symbol") instanceof String symbol) {
                        final Streams.BookSubscriber book = streams.subscribeBook(new Streams.Subscriber(socket,
                                context, key.account()), symbol);
                        socket.writeTextMessage("{\"subscribed\":\"book\",\"symbol\":"
                                + io.vertx.core.json.Json.encode(symbol) + "}");
                        if (!engine.submit(new Command.QueryBook(symbol), key.id(),
                                (seq, events) -> streams.bookSnapshot(book, seq, events))) {
                            streams.remove(socket);
                            socket.writeTextMessage("{\"channel\":\"book\",\"error\":\"busy\"}");
                        }
                        return;
                    }
                    if (channel.equals("trades")) {
                        streams.subscribeTrades(new Streams.Subscriber(socket, context, key.account()), key.admin());
                    } else if (channel.equals("private") && !key.admin()) {
                        streams.subscribePrivate(new Streams.Subscriber(socket, context, key.account()));
                    } else {
                        socket.writeTextMessage(new String(ApiResponses.error("MALFORMED", "channels are trades, "
                                + "private (an account key) and book (with a symbol)"),
                                java.nio.charset.StandardCharsets.UTF_8));
                        return;
                    }
                    socket.writeTextMessage("{\"subscribed\":\"" + channel + "\"}");
                }
                case "command" -> {
                    final Object body = message.getValue("command");
                    final String json = body instanceof io.vertx.core.json.JsonObject o ? o.encode() : "";
                    // getBytes would turn a lone surrogate into '?': such text is refused, never rewritten.
                    final byte[] bytes = org.edgebook.codec.Utf8.firstLoneSurrogate(json) < 0
                            ? json.getBytes(java.nio.charset.StandardCharsets.UTF_8) : null;
                    final Command decoded = bytes == null ? new Command.Malformed("the command holds text that is "
                            + "not valid Unicode (a lone surrogate)", null, null)
                            : decoders.get().decode(bytes, 0, bytes.length);
                    final Command command = decoded instanceof Command.Malformed m ? sendersOwn(key, m)
                            : own(key, decoded);
                    if (command == null) {
                        socket.writeTextMessage("{\"id\":" + idJson + ",\"error\":\"forbidden\"}");
                        return;
                    }
                    final String missingId = missingMoneyId(command);
                    if (missingId != null) {
                        socket.writeTextMessage("{\"id\":" + idJson + ",\"error\":\"MALFORMED\",\"detail\":"
                                + io.vertx.core.json.Json.encode(missingId) + "}");
                        return;
                    }
                    if (command instanceof Command.Malformed m) {
                        socket.writeTextMessage("{\"id\":" + idJson + ",\"error\":\"MALFORMED\",\"detail\":"
                                + io.vertx.core.json.Json.encode(m.detail()) + "}");
                        return;
                    }
                    final boolean taken = engine.submit(command, key.id(), new DurableEngine.Reply() {
                        @Override
                        public void done(final long seq, final List<Event> events) {
                            done(seq, 0, events);
                        }

                        @Override
                        public void done(final long seq, final long timeMicros, final List<Event> events) {
                            final String answer = new String(ApiResponses.events(seq, timeMicros,
                                    ApiResponses.seenBy(key, events)),
                                    java.nio.charset.StandardCharsets.UTF_8);
                            context.runOnContext(v -> socket.writeTextMessage("{\"id\":" + idJson + ","
                                    + answer.substring(1)));
                        }
                    });
                    if (!taken) {
                        socket.writeTextMessage("{\"id\":" + idJson + ",\"error\":\"busy\"}");
                    }
                }
                default -> socket.writeTextMessage(new String(ApiResponses.error("MALFORMED", "op is subscribe or "
                        + "command"), java.nio.charset.StandardCharsets.UTF_8));
            }
        }

        /** The command with the key's account filled in, or {@code null} if it is another account's business. */
        private static Command own(final ApiKey key, final Command command) {
            if (key.admin()) {
                return command;
            }
            final String account = key.account();
            final Command filled = switch (command) {
                case Command.Place c when c.account() == null -> new Command.Place(account, c.clientOrderId(),
                        c.symbol(), c.side(), c.orderType(), c.tif(), c.price(), c.quantity(), c.postOnly());
                case Command.Cancel c when c.account() == null -> new Command.Cancel(account, c.clientOrderId());
                case Command.Modify c when c.account() == null -> new Command.Modify(account, c.clientOrderId(),
                        c.price(), c.quantity());
                case Command.Transfer c when c.from() == null -> new Command.Transfer(c.transferId(), account,
                        c.to(), c.asset(), c.amount());
                case Command.QueryBalances c when c.account() == null -> new Command.QueryBalances(account);
                case Command.QueryOrders c when c.account() == null -> new Command.QueryOrders(account);
                default -> command;
            };
            return allowedFor(key, filled) ? filled : null;
        }

        /**
         * A malformed line names no account but the sender's: its rejection goes to the key's own account (none for
         * the admin), with the order id only when the line named that same account.
         */
        private static Command.Malformed sendersOwn(final ApiKey key, final Command.Malformed m) {
            final String account = key.admin() ? null : key.account();
            final boolean same = account != null && account.equals(m.account());
            return new Command.Malformed(m.detail(), account, same ? m.clientOrderId() : null);
        }

        /** {@code {"account":"carol"}} makes a key for carol and answers its id and secret, this once. */
        private void createKey(final RoutingContext ctx) {
            final ApiKey admin = ctx.get("key");
            if (!admin.admin()) {
                json(ctx, 403, ApiResponses.error("forbidden", "only the admin key manages keys"));
                return;
            }
            final Buffer body = ctx.body().buffer();
            final String account;
            try {
                final io.vertx.core.json.JsonObject request = new io.vertx.core.json.JsonObject(body == null ? "{}"
                        : body.toString());
                account = request.getValue("account") instanceof String a && !a.isEmpty() ? a : null;
                if (account == null || request.size() != 1) {
                    json(ctx, 400, ApiResponses.error("MALFORMED", "send {\"account\":\"…\"} and nothing else"));
                    return;
                }
                if (!validName(ctx, "account", account)) {
                    return;
                }
            } catch (final RuntimeException e) {
                json(ctx, 400, ApiResponses.error("MALFORMED", "not a JSON object"));
                return;
            }
            ctx.vertx().executeBlocking(() -> keys.create(account), false).onComplete(result -> {
                if (result.failed()) {
                    json(ctx, 500, ApiResponses.error("key not created", result.cause().getMessage()));
                    return;
                }
                final ApiKey key = result.result();
                json(ctx, 200, ("{\"key\":\"" + key.id() + "\",\"secret\":\""
                        + new String(key.secret(), java.nio.charset.StandardCharsets.US_ASCII) + "\",\"account\":"
                        + io.vertx.core.json.Json.encode(account) + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            });
        }

        private void revokeKey(final RoutingContext ctx) {
            final ApiKey admin = ctx.get("key");
            if (!admin.admin()) {
                json(ctx, 403, ApiResponses.error("forbidden", "only the admin key manages keys"));
                return;
            }
            final String id = ctx.pathParam("id");
            if (id.equals(admin.id())) {
                json(ctx, 409, ApiResponses.error("conflict", "the admin key cannot revoke itself"));
                return;
            }
            ctx.vertx().executeBlocking(() -> keys.revoke(id), false).onComplete(result -> {
                if (result.failed()) {
                    json(ctx, 500, ApiResponses.error("key not revoked", result.cause().getMessage()));
                } else if (!result.result()) {
                    json(ctx, 404, ApiResponses.error("not found", "no key " + id));
                } else {
                    sessions.revoked(id); // its open WebSockets end now, not at their next message
                    json(ctx, 200, "{\"revoked\":true}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                }
            });
        }

        /** Recent trades after a sequence number, from the trade log; the journal has them all. */
        private void trades(final RoutingContext ctx) {
            final long since;
            final int limit;
            try {
                since = Long.parseLong(ctx.queryParams().get("since") == null ? "0" : ctx.queryParams().get("since"));
                limit = Integer.parseInt(ctx.queryParams().get("limit") == null ? "1000"
                        : ctx.queryParams().get("limit"));
            } catch (final NumberFormatException e) {
                json(ctx, 400, ApiResponses.error("MALFORMED", "since and limit are whole numbers"));
                return;
            }
            if (limit < 1 || limit > 10_000 || since < 0) {
                json(ctx, 400, ApiResponses.error("MALFORMED", "limit is 1 to 10000 and since is 0 or more"));
                return;
            }
            json(ctx, 200, TradeLog.json(trades.completeAfter(), trades.since(since, limit),
                    ((ApiKey) ctx.get("key")).admin()));
        }

        /** Signature, clock window and rate limit; the key is kept for the handler. */
        private void authenticate(final RoutingContext ctx) {
            final String id = ctx.request().getHeader(RequestSignature.KEY_HEADER);
            final String timestamp = ctx.request().getHeader(RequestSignature.TIMESTAMP_HEADER);
            final String signature = ctx.request().getHeader(RequestSignature.SIGNATURE_HEADER);
            if (id == null || timestamp == null || signature == null) {
                json(ctx, 401, ApiResponses.error("unauthenticated", "send " + RequestSignature.KEY_HEADER + ", "
                        + RequestSignature.TIMESTAMP_HEADER + " and " + RequestSignature.SIGNATURE_HEADER));
                return;
            }
            final ApiKey key = keys.find(id);
            final long millis;
            try {
                millis = Long.parseLong(timestamp);
            } catch (final NumberFormatException e) {
                json(ctx, 401, ApiResponses.error("unauthenticated", "the timestamp is not milliseconds"));
                return;
            }
            final long now = System.currentTimeMillis();
            if (Math.abs(now - millis) > auth.clockWindowMillis()) {
                json(ctx, 401, ApiResponses.error("unauthenticated", "the timestamp is more than "
                        + auth.clockWindowMillis() + " ms from the server's clock"));
                return;
            }
            final Buffer body = ctx.body().buffer();
            if (key == null || !RequestSignature.verify(key.secret(), timestamp, ctx.request().method().name(),
                    ctx.request().uri(), body == null ? new byte[0] : body.getBytes(), signature)) {
                final Long keyWait = ctx.get(FailedAuthentications.KEY_OVER_LIMIT);
                if (keyWait != null) {
                    ctx.response().putHeader("Retry-After", Long.toString(keyWait));
                    json(ctx, 429, ApiResponses.error("too many failed authentications", "key " + id + " failed "
                            + "too many authentications; retry after " + keyWait + " s (a rightly signed request "
                            + "is still served)"));
                    return;
                }
                json(ctx, 401, ApiResponses.error("unauthenticated", "unknown key or bad signature"));
                return;
            }
            if (millis < replays.startedMillis()) {
                // What was accepted before a restart is not remembered: nothing signed before this start is taken.
                json(ctx, 401, ApiResponses.error("unauthenticated", "signed before this service started; sign it "
                        + "anew (a new timestamp)"));
                return;
            }
            if (replays.usedBefore(millis, signature)) {
                json(ctx, 401, USED_BEFORE);
                return;
            }
            final long wait = limiter.acquire(key.id(), System.nanoTime());
            if (wait > 0) {
                ctx.response().putHeader("Retry-After", Long.toString(wait));
                json(ctx, 429, ApiResponses.error("too many requests", "retry after " + wait + " s"));
                return;
            }
            // Remembered only once within the rate, so memory is bounded by what the limiter lets through; a request
            // refused 429 did nothing and may be sent again.
            if (!replays.firstUse(millis, signature, now)) {
                json(ctx, 401, USED_BEFORE);
                return;
            }
            ctx.put("key", key);
            ctx.next();
        }

        /**
         * Money moves at most once: on every transport, a deposit or withdrawal without its idempotency id is refused
         * (what is wrong, or {@code null}), so that a retry or a replay cannot move the money twice.
         */
        private static String missingMoneyId(final Command command) {
            if (command instanceof Command.Deposit d && d.depositId() == null
                    || command instanceof Command.Withdraw w && w.withdrawalId() == null) {
                return (command instanceof Command.Deposit ? "depositId" : "withdrawalId") + " is required: an id of "
                        + "your choosing, so that a retry cannot move the money twice";
            }
            return null;
        }

        /** Whether a name from the path follows the rule for names; answers 400 naming the field if not. */
        private static boolean validName(final RoutingContext ctx, final String field, final String value) {
            final String problem = org.edgebook.engine.Names.problem(field, value);
            if (problem != null) {
                json(ctx, 400, ApiResponses.error("MALFORMED", problem));
            }
            return problem == null;
        }

        private void forAccount(final RoutingContext ctx, final Consumer<ApiKey> handler) {
            final ApiKey key = ctx.get("key");
            if (key.admin()) {
                json(ctx, 403, ApiResponses.error("forbidden", "an admin key acts for no account"));
                return;
            }
            handler.accept(key);
        }

        /** A command of the key's account from the body; the body may not name another account. */
        private void accountCommand(final RoutingContext ctx, final String type) {
            forAccount(ctx, key -> {
                final Command decoded = decode(ctx, type);
                if (decoded == null) {
                    return;
                }
                final Command command = switch (decoded) {
                    case Command.Place c when owns(key, c.account()) -> new Command.Place(key.account(),
                            c.clientOrderId(), c.symbol(), c.side(), c.orderType(), c.tif(), c.price(), c.quantity(),
                            c.postOnly());
                    case Command.Modify c when owns(key, c.account()) && (c.clientOrderId() == null
                            || c.clientOrderId().equals(ctx.pathParam("clientOrderId"))) ->
                            new Command.Modify(key.account(), ctx.pathParam("clientOrderId"), c.price(),
                                    c.quantity());
                    case Command.Transfer c when owns(key, c.from()) -> new Command.Transfer(c.transferId(),
                            key.account(), c.to(), c.asset(), c.amount());
                    default -> null;
                };
                if (command == null) {
                    json(ctx, 403, ApiResponses.error("forbidden", "this key acts only for account "
                            + key.account()));
                    return;
                }
                submit(ctx, command);
            });
        }

        private static boolean owns(final ApiKey key, final String account) {
            return account == null || account.equals(key.account());
        }

        private void adminCommand(final RoutingContext ctx, final String type) {
            final ApiKey key = ctx.get("key");
            if (!key.admin()) {
                json(ctx, 403, ApiResponses.error("forbidden", "only the admin key defines markets and moves money "
                        + "in or out"));
                return;
            }
            final Command command = decode(ctx, type);
            final String missingId = missingMoneyId(command);
            if (missingId != null) {
                json(ctx, 400, ApiResponses.error("MALFORMED", missingId));
                return;
            }
            if (command != null) {
                submit(ctx, command);
            }
        }

        /** The body as a command of {@code type}, or {@code null} after answering 400. */
        private Command decode(final RoutingContext ctx, final String type) {
            final Buffer body = ctx.body().buffer();
            final byte[] bytes = body == null ? new byte[0] : body.getBytes();
            final Command command = decoders.get().decode(bytes, 0, bytes.length, type);
            if (command instanceof Command.Malformed m) {
                json(ctx, 400, ApiResponses.error("MALFORMED", m.detail()));
                return null;
            }
            return command;
        }

        private void submit(final RoutingContext ctx, final Command command) {
            final Context context = ctx.vertx().getOrCreateContext();
            final ApiKey key = ctx.get("key");
            final boolean taken = engine.submit(command, key == null ? null : key.id(), new DurableEngine.Reply() {
                @Override
                public void done(final long seq, final List<Event> events) {
                    done(seq, 0, events);
                }

                @Override
                public void done(final long seq, final long timeMicros, final List<Event> events) {
                    context.runOnContext(v -> json(ctx, ApiResponses.status(events),
                            ApiResponses.events(seq, timeMicros, ApiResponses.seenBy(key, events))));
                }

                @Override
                public void failed(final IOException cause) {
                    context.runOnContext(v -> json(ctx, 503, ApiResponses.error("unavailable",
                            "the journal could not be written; the command was not accepted")));
                }
            });
            if (!taken) {
                ctx.response().putHeader("Retry-After", "1");
                json(ctx, 503, ApiResponses.error("busy", "the engine is not taking commands right now"));
            }
        }

        /** JSON lines in, JSON lines out: every command of the key's own account, or anything for the admin. */
        private void batch(final RoutingContext ctx) {
            final ApiKey key = ctx.get("key");
            final Buffer body = ctx.body().buffer();
            final byte[] bytes = body == null ? new byte[0] : body.getBytes();
            final List<Command> commands = new ArrayList<>();
            final CommandDecoder decoder = decoders.get();
            int start = 0;
            for (int i = 0; i <= bytes.length; i++) {
                if (i == bytes.length || bytes[i] == '\n') {
                    final int end = i > start && bytes[i - 1] == '\r' ? i - 1 : i;
                    if (end > start) {
                        final Command decoded = decoder.decode(bytes, start, end - start);
                        final Command command = decoded instanceof Command.Malformed m ? sendersOwn(key, m) : decoded;
                        if (!key.admin() && !allowedFor(key, command)) {
                            json(ctx, 403, ApiResponses.error("forbidden", "line " + (commands.size() + 1)
                                    + " is not a command of account " + key.account()));
                            return;
                        }
                        final String missingId = missingMoneyId(command);
                        if (missingId != null) {
                            json(ctx, 400, ApiResponses.error("MALFORMED", "line " + (commands.size() + 1) + ": "
                                    + missingId + "; nothing in the batch was done"));
                            return;
                        }
                        commands.add(command);
                    }
                    start = i + 1;
                }
            }
            if (commands.isEmpty()) {
                json(ctx, 400, ApiResponses.error("MALFORMED", "the batch holds no command"));
                return;
            }
            final Context context = ctx.vertx().getOrCreateContext();
            final long[] seqs = new long[commands.size()];
            final List<List<Event>> results = new ArrayList<>(java.util.Collections.nCopies(commands.size(), null));
            final AtomicInteger remaining = new AtomicInteger(commands.size());
            for (int i = 0; i < commands.size(); i++) {
                final int index = i;
                final boolean taken = engine.submit(commands.get(i), key.id(), (seq, events) -> {
                    seqs[index] = seq;
                    results.set(index, events);
                    if (remaining.decrementAndGet() == 0) {
                        context.runOnContext(v -> {
                            final ByteArrayOutputStream out = new ByteArrayOutputStream(commands.size() * 128);
                            for (int j = 0; j < seqs.length; j++) {
                                ApiResponses.eventLines(seqs[j], ApiResponses.seenBy(key, results.get(j)), out);
                            }
                            ctx.response().setStatusCode(200).putHeader("Content-Type", "application/x-ndjson")
                                    .end(Buffer.buffer(out.toByteArray()));
                        });
                    }
                });
                if (!taken) {
                    // What was taken is answered in the journal; this request reports how far it got.
                    json(ctx, 503, ApiResponses.error("busy", "the engine took the first " + i + " commands of the "
                            + "batch; they stand. Send the rest again later."));
                    return;
                }
            }
        }

        private static boolean allowedFor(final ApiKey key, final Command command) {
            return switch (command) {
                case Command.Place c -> key.account().equals(c.account());
                case Command.Cancel c -> key.account().equals(c.account());
                case Command.Modify c -> key.account().equals(c.account());
                case Command.Transfer c -> key.account().equals(c.from());
                case Command.QueryBalances c -> key.account().equals(c.account());
                case Command.QueryOrders c -> key.account().equals(c.account());
                case Command.QueryBook c -> true;
                case Command.Malformed c -> true;
                default -> false;
            };
        }

        private static void json(final RoutingContext ctx, final int status, final byte[] body) {
            if (ctx.response().ended()) {
                return;
            }
            ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                    .end(Buffer.buffer(body));
        }
    }
}
