package org.edgebook.edge;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.edgebook.edge.screening.ActivityTracker;
import org.edgebook.edge.screening.Screening;
import org.edgebook.edge.screening.ScreeningConfig;
import org.edgebook.edge.tx.TransactionPath;
import org.edgebook.edge.tx.TxRoutes;
import org.edgebook.guests.Guests;
import org.edgebook.http.StrictHttp;
import org.edgebook.sandbox.Convention;
import org.edgebook.sandbox.ExecutionMode;
import org.edgebook.sandbox.GuestCall;
import org.edgebook.sandbox.GuestFailure;
import org.edgebook.sandbox.GuestLog;
import org.edgebook.sandbox.GuestModule;
import org.edgebook.sandbox.ModuleCache;
import org.edgebook.sandbox.ModuleRejectedException;
import org.edgebook.sandbox.SandboxedFunction;
import org.edgebook.sandbox.Watchdog;

/**
 * An edge node: HTTP routes to functions, native or WebAssembly, plus {@code /health} and {@code /metrics}.
 * <p>
 * Data flow: a request arrives on a Vert.x event loop; the node checks route, method (405) and size (413) while the
 * body streams in, then hands the body to the route's function. A native function answers on the event loop; a
 * WebAssembly call goes to its {@link SandboxedFunction}'s workers and the answer comes back to the event loop. Every
 * response carries {@code X-Request-Id}, and so does every log line about it.
 * <p>
 * A module file that changes on disk is reloaded and swapped in (checked every second); calls already submitted
 * finish on the old module, and a module that fails to load leaves the old one serving.
 * <p>
 * Requests whose framing could be read two ways (a folded header, a Transfer-Encoding other than chunked or beside
 * Content-Length, an overflowing chunk size, a path whose percent-encoding is not strict UTF-8) are answered 400
 * {@code bad_request} and their connection closed, before any route sees them ({@link StrictHttp}).
 * <p>
 * The node refuses to start when its WebAssembly routes' guest memory does not fit the budget
 * ({@link GuestMemoryBudget}), and a WAGI guest does not see the credential headers its route does not grant
 * ({@link WagiEnvironment}).
 * <p>
 * Threading: requests are handled on the Vert.x event loops, guest calls on each function's workers, module checks
 * on a Vert.x worker (ordered); the route table is a concurrent map, filled before the servers listen and changed
 * only by {@link #installModule} (the control agent); shadows likewise ({@link #setShadow}, {@link Shadow}).
 */
public final class EdgeNode implements AutoCloseable {
    public static final String REQUEST_ID = "X-Request-Id";
    private static final System.Logger LOG = System.getLogger("edgebook.edge");
    private static final Pattern CLIENT_REQUEST_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final long MODULE_CHECK_MILLIS = 1000;
    private static final int INITIAL_BODY_BUFFER = 16 * 1024;
    /** Seconds a connection may stay silent (a stalled upload, an idle keep-alive) before it is closed. */
    private static final int IDLE_TIMEOUT_SECONDS = 30;

    private final EdgeConfig config;
    private final Vertx vertx;
    private final ModuleCache modules = new ModuleCache();
    private final Watchdog watchdog = new Watchdog();
    private final EdgeMetrics metrics = new EdgeMetrics();
    private final Map<String, RouteTarget> routes = new ConcurrentHashMap<>();
    /** Shadow modules by route path (docs/control-plane.md section 7); most routes have none. */
    private final Map<String, Shadow> shadows = new ConcurrentHashMap<>();
    private final LongSupplier clock;
    private final GuestLog guestLog;
    private final List<HttpServer> servers = new ArrayList<>();
    private final TransactionPath.Options txOptions;
    private TransactionPath transactions;
    private SandboxedFunction screeningFunction;
    private int port;

    /** What a route leads to, and its meters. */
    private sealed interface RouteTarget permits NativeTarget, WasmTarget, Unavailable {
        EdgeMetrics.Route metrics();
    }

    private record NativeTarget(EdgeFunction function, EdgeMetrics.Route metrics) implements RouteTarget {
    }

    /** {@code grantedHeaders}: the withheld headers' variables a WAGI guest may see ({@link WagiEnvironment}). */
    private record WasmTarget(SandboxedFunction function, EdgeMetrics.Route metrics, Path file,
                              ModuleStamp stamp, Set<String> grantedHeaders) implements RouteTarget {
    }

    /** A route whose module could not be loaded: it answers 500 with the reason, the rest of the node serves. */
    private record Unavailable(String reason, EdgeMetrics.Route metrics) implements RouteTarget {
    }

    /** A module file's last seen modification time and size, to notice a replacement. */
    private static final class ModuleStamp {
        volatile long modified;
        volatile long size;
    }

    private EdgeNode(final EdgeConfig config, final LongSupplier clock, final GuestLog guestLog,
                     final TransactionPath.Options txOptions) {
        this.config = config;
        this.txOptions = txOptions;
        this.clock = clock;
        this.guestLog = guestLog;
        this.vertx = Vertx.vertx();
    }

    /** Starts a node on {@code config}, with the wall clock, logging guests to the JVM's logger. */
    public static EdgeNode start(final EdgeConfig config) throws IOException {
        return start(config, System::currentTimeMillis, GuestLog.SYSTEM, Runtime.getRuntime().availableProcessors());
    }

    /**
     * Starts a node. {@code clock} gives each request's receive time (tests fix it so that answers repeat).
     *
     * @throws IOException if the config names a native function or module file that does not exist, its
     *                     WebAssembly routes' guest memory does not fit the budget ({@link GuestMemoryBudget}), or
     *                     the port is taken; a module that exists but is rejected only makes its own route unavailable
     */
    public static EdgeNode start(final EdgeConfig config, final LongSupplier clock, final GuestLog guestLog,
                                 final int eventLoops) throws IOException {
        return start(config, clock, guestLog, eventLoops, null);
    }

    /**
     * Starts a node with its transaction path ({@code /v1/tx…}, docs/transaction-path.md) when {@code transactions}
     * is not null: its outbox in the options' data directory, screened by {@link EdgeConfig#transactions}.
     */
    public static EdgeNode start(final EdgeConfig config, final LongSupplier clock, final GuestLog guestLog,
                                 final int eventLoops, final TransactionPath.Options transactions)
            throws IOException {
        final EdgeNode node = new EdgeNode(config, clock, guestLog, transactions);
        try {
            node.setUp(eventLoops);
        } catch (IOException | RuntimeException e) {
            node.close();
            throw e;
        }
        return node;
    }

    private void setUp(final int eventLoops) throws IOException {
        final long heap = Runtime.getRuntime().maxMemory();
        final long guestMemory = GuestMemoryBudget.check(config.routes(), config.guestMemoryBytes(), heap);
        LOG.log(System.Logger.Level.INFO, "WebAssembly calls may hold up to {0} MiB of the {1} MiB heap at once",
                guestMemory >> 20, heap >> 20);
        final Map<String, EdgeFunction> natives = new HashMap<>();
        for (final EdgeFunction f : ServiceLoader.load(EdgeFunction.class)) {
            natives.put(f.name(), f);
        }
        for (final EdgeConfig.Route r : config.routes()) {
            if (r.isNative()) {
                final EdgeFunction f = natives.get(r.nativeFunction());
                if (f == null) {
                    throw new IOException("route " + r.path() + ": no native function named " + r.nativeFunction()
                            + " (there are: " + String.join(", ", natives.keySet().stream().sorted().toList()) + ")");
                }
                routes.put(r.path(), new NativeTarget(f, metrics.route(r.path(), "native")));
            } else {
                routes.put(r.path(), wasmRoute(r));
            }
        }
        if (txOptions != null) {
            transactions = TransactionPath.open(txOptions, screening(), vertx, metrics.registry(), metrics
                    .forwarding(), clock);
        }
        // Servers on one port share it, one per event loop; port 0 means a free port, picked here so all can share it.
        final int listenPort = config.port() != 0 ? config.port() : freePort(config.host());
        final HttpServerOptions options = new HttpServerOptions().setHost(config.host()).setPort(listenPort)
                .setTcpNoDelay(true).setCompressionSupported(false).setIdleTimeout(IDLE_TIMEOUT_SECONDS)
                .setHandle100ContinueAutomatically(true)
                // HTTP/1.x only, so that every connection gets the strict decoder before its first byte (StrictHttp).
                .setHttp2ClearTextEnabled(false);
        for (int i = 0; i < Math.max(1, eventLoops); i++) {
            final HttpServer server = vertx.createHttpServer(options).requestHandler(this::handle)
                    .connectionHandler(connection -> StrictHttp.install(connection, options,
                            detail -> ("{\"error\":\"bad_request\",\"message\":\""
                                    + new String(JsonStringEncoder.getInstance().quoteAsString(detail)) + "\"}")
                                    .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            try {
                server.listen().await();
            } catch (Exception e) {
                throw new IOException("cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(),
                        e);
            }
            servers.add(server);
        }
        port = listenPort;
        // Ordered: two checks never overlap, so a slow compile cannot swap an older file in after a newer one.
        vertx.setPeriodic(MODULE_CHECK_MILLIS, id -> vertx.executeBlocking(() -> {
            reloadChangedModules();
            return null;
        }, true));
    }

    /** The transaction path's screening, by the config's function (built here, not served as a route). */
    private Screening screening() throws IOException {
        final EdgeConfig.Transactions tx = config.transactions();
        final ScreeningConfig screeningConfig;
        try {
            screeningConfig = ScreeningConfig.read(tx.screeningConfigJson());
        } catch (final IllegalArgumentException e) {
            throw new IOException("transactions.screeningConfig: " + e.getMessage(), e);
        }
        final Screening.OnFailure onFailure = Screening.OnFailure.parse(tx.onFailure() != null ? tx.onFailure()
                : "hold");
        final ActivityTracker tracker = new ActivityTracker();
        final EdgeConfig.Route r = tx.screening();
        if (r.isNative()) {
            for (final EdgeFunction f : ServiceLoader.load(EdgeFunction.class)) {
                if (f.name().equals(r.nativeFunction())) {
                    return Screening.ofNative(f, screeningConfig, tracker, onFailure, clock);
                }
            }
            throw new IOException("transactions.screening: no native function named " + r.nativeFunction());
        }
        final byte[] bytes = r.module().startsWith("bundled:") ? Guests.read(r.module().substring("bundled:"
                .length())) : Files.readAllBytes(config.baseDirectory().resolve(r.module()));
        try {
            screeningFunction = SandboxedFunction.create("screening", modules.load(bytes, r.mode() != null ? r.mode()
                    : ExecutionMode.COMPILED), r.convention(), r.effectiveLimits(), r.env() != null ? r.env()
                            : Map.of(), guestLog, watchdog);
        } catch (final ModuleRejectedException e) {
            throw new IOException("transactions.screening: module " + r.module() + " rejected: " + e.getMessage(),
                    e);
        }
        metrics.watch("screening", screeningFunction);
        return Screening.ofSandboxed(screeningFunction, screeningConfig, tracker, onFailure, clock);
    }

    private static int freePort(final String host) throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            return socket.getLocalPort();
        }
    }

    private RouteTarget wasmRoute(final EdgeConfig.Route r) throws IOException {
        final EdgeMetrics.Route routeMetrics = metrics.route(r.path(), "wasm");
        final Path file = r.module().startsWith("bundled:") ? null : config.baseDirectory().resolve(r.module());
        final byte[] bytes = file == null ? Guests.read(r.module().substring("bundled:".length()))
                : Files.readAllBytes(file);
        final ModuleStamp stamp = new ModuleStamp();
        if (file != null) {
            stamp.modified = Files.getLastModifiedTime(file).toMillis();
            stamp.size = bytes.length;
        }
        try {
            final GuestModule module = modules.load(bytes, r.mode() != null ? r.mode() : ExecutionMode.COMPILED);
            final SandboxedFunction function = SandboxedFunction.create(r.path(), module, r.convention(),
                    r.effectiveLimits(), r.env() != null ? r.env() : Map.of(), guestLog, watchdog);
            metrics.watch(r.path(), function);
            return new WasmTarget(function, routeMetrics, file, stamp, WagiEnvironment.granted(r.grantHeaders()));
        } catch (ModuleRejectedException e) {
            LOG.log(System.Logger.Level.ERROR, "route {0}: module {1} rejected: {2}", r.path(), r.module(),
                    e.getMessage());
            return new Unavailable("module " + r.module() + " rejected: " + e.getMessage(), routeMetrics);
        }
    }

    /** Swaps the module behind a WebAssembly route; calls already submitted finish on the old one. */
    public void replaceModule(final String path, final byte[] bytes) throws ModuleRejectedException {
        if (!(routes.get(path) instanceof WasmTarget target)) {
            throw new IllegalArgumentException("no WebAssembly route " + path);
        }
        final GuestModule next = modules.load(bytes, target.function().module().mode());
        target.function().replace(next);
        LOG.log(System.Logger.Level.INFO, "route {0}: now serving module {1}", path, next.sha256());
    }

    /**
     * What a route runs now: {@code kind} {@code native}, {@code wasm} or {@code unavailable} (its module was
     * rejected); {@code source} the config's module or native function ({@code control} for a route installed by
     * {@link #installModule}); {@code sha256} the module's (empty for native and unavailable); its meters.
     */
    public record RouteView(String path, String kind, String source, String sha256, EdgeMetrics.Route metrics) {
    }

    /** Every route and what it runs now, ordered by path. */
    public List<RouteView> routeViews() {
        final Map<String, String> sources = new HashMap<>();
        for (final EdgeConfig.Route r : config.routes()) {
            sources.put(r.path(), r.isNative() ? r.nativeFunction() : r.module());
        }
        final List<RouteView> views = new ArrayList<>();
        routes.forEach((path, target) -> {
            final String source = sources.getOrDefault(path, "control");
            views.add(switch (target) {
                case NativeTarget t -> new RouteView(path, "native", source, "", t.metrics());
                case WasmTarget t -> new RouteView(path, "wasm", source, t.function().module().sha256(), t.metrics());
                case Unavailable u -> new RouteView(path, "unavailable", source, "", u.metrics());
            });
        });
        views.sort(java.util.Comparator.comparing(RouteView::path));
        return views;
    }

    /**
     * Serves {@code bytes} at {@code path} with {@code convention} and {@code limits} (the control agent's desired
     * state): the module is swapped in with {@link #replaceModule} when the route is a WebAssembly route with the same
     * convention and limits; otherwise a new function takes the route (a new route, a route whose module was rejected,
     * or new limits), and the old function is closed once its calls' deadline has passed. Refused, and the route left
     * as it was, when the module is rejected (ModuleRejectedException), or the route is native or the node's own, or
     * the new function's guest memory does not fit the budget ({@link GuestMemoryBudget}; IllegalArgumentException).
     */
    public void installModule(final String path, final byte[] bytes, final Convention convention,
                              final org.edgebook.sandbox.Limits limits) throws ModuleRejectedException {
        final RouteTarget current = routes.get(path);
        if (current instanceof NativeTarget) {
            throw new IllegalArgumentException("route " + path + " is a native function; a module cannot replace it");
        }
        if (path.equals("/health") || path.equals("/metrics") || TxRoutes.handles(path)) {
            throw new IllegalArgumentException("route " + path + " is the node's own");
        }
        if (current instanceof WasmTarget t && t.function().convention() == convention && t.function().limits()
                .equals(limits)) {
            replaceModule(path, bytes);
            return;
        }
        checkBudget(path, limits, current instanceof WasmTarget t ? t.function().limits() : null);
        final GuestModule module = modules.load(bytes, ExecutionMode.COMPILED);
        final SandboxedFunction function = SandboxedFunction.create(path, module, convention, limits, Map.of(),
                guestLog, watchdog);
        final WasmTarget next = new WasmTarget(function, metrics.route(path, "wasm"), null, new ModuleStamp(),
                current instanceof WasmTarget t ? t.grantedHeaders() : Set.of());
        routes.put(path, next);
        metrics.unwatch(path);
        metrics.watch(path, function);
        if (current instanceof WasmTarget t) {
            closeLater(t.function());
        }
        LOG.log(System.Logger.Level.INFO, "route {0}: now serving module {1} ({2}, new function)", path, module
                .sha256(), convention);
    }

    /**
     * Runs {@code bytes} as the shadow of {@code path} (docs/control-plane.md section 7), in place of any shadow it had;
     * null bytes remove the shadow. The primary keeps serving every answer.
     */
    public void setShadow(final String path, final byte[] bytes, final Convention convention,
                          final org.edgebook.sandbox.Limits limits) throws ModuleRejectedException {
        if (bytes == null) {
            final Shadow old = shadows.remove(path);
            if (old != null) {
                closeLater(old.function());
            }
            return;
        }
        if (!(routes.get(path) instanceof WasmTarget)) {
            throw new IllegalArgumentException("no WebAssembly route " + path + " to shadow");
        }
        final Shadow current = shadows.get(path);
        checkBudget(path + " (shadow)", limits, current != null ? current.function().limits() : null);
        final GuestModule module = modules.load(bytes, ExecutionMode.COMPILED);
        final Shadow next = new Shadow(SandboxedFunction.create(path + "#shadow", module, convention, limits, Map
                .of(), guestLog, watchdog));
        final Shadow old = shadows.put(path, next);
        if (old != null) {
            closeLater(old.function());
        }
        LOG.log(System.Logger.Level.INFO, "route {0}: shadow module {1}", path, module.sha256());
    }

    /**
     * Refuses a new function of {@code limits} (in place of one of {@code replaced}, or null) when the WebAssembly
     * functions' guest memory would no longer fit the budget ({@link GuestMemoryBudget}), naming the figures.
     */
    private void checkBudget(final String what, final org.edgebook.sandbox.Limits limits,
                             final org.edgebook.sandbox.Limits replaced) {
        final long budget = config.guestMemoryBytes() != null ? config.guestMemoryBytes()
                : GuestMemoryBudget.defaultBytes(Runtime.getRuntime().maxMemory());
        long total = 0;
        for (final RouteTarget t : routes.values()) {
            if (t instanceof WasmTarget w) {
                total += GuestMemoryBudget.routeBytes(w.function().limits());
            }
        }
        for (final Shadow s : shadows.values()) {
            total += GuestMemoryBudget.routeBytes(s.function().limits());
        }
        final long next = total - (replaced != null ? GuestMemoryBudget.routeBytes(replaced) : 0) + GuestMemoryBudget
                .routeBytes(limits);
        if (next > budget) {
            throw new IllegalArgumentException("guest memory: " + what + " would need " + GuestMemoryBudget.routeBytes(
                    limits) + " bytes (concurrency " + limits.concurrency() + " × (memoryPages " + limits
                            .memoryPages() + " × 64 KiB + outputBytes " + limits.outputBytes() + ")), and the "
                    + "WebAssembly functions " + next + " bytes in all, over the budget of " + budget + " bytes");
        }
    }

    /** The shadow of {@code path}, or null. */
    public Shadow shadow(final String path) {
        return shadows.get(path);
    }

    /** Closes a function that no longer takes calls once the calls it has have had their deadline (and a second). */
    private void closeLater(final SandboxedFunction function) {
        vertx.setTimer(function.limits().deadline().toMillis() + 1000, id -> function.close());
    }

    private void reloadChangedModules() {
        for (final Map.Entry<String, RouteTarget> e : routes.entrySet()) {
            if (!(e.getValue() instanceof WasmTarget target) || target.file() == null) {
                continue;
            }
            try {
                final long modified = Files.getLastModifiedTime(target.file()).toMillis();
                final long size = Files.size(target.file());
                if (modified == target.stamp().modified && size == target.stamp().size) {
                    continue;
                }
                target.stamp().modified = modified;
                target.stamp().size = size;
                replaceModule(e.getKey(), Files.readAllBytes(target.file()));
                metrics.moduleReloaded(e.getKey(), true);
            } catch (IOException | ModuleRejectedException ex) {
                metrics.moduleReloaded(e.getKey(), false);
                LOG.log(System.Logger.Level.ERROR, "route {0}: the new module in {1} was not swapped in: {2}",
                        e.getKey(), target.file(), ex.getMessage());
            }
        }
    }

    private void handle(final HttpServerRequest request) {
        final long arrived = System.nanoTime();
        final String requestId = requestId(request);
        request.response().putHeader(REQUEST_ID, requestId);
        final String path = request.path();
        if (path.equals("/health")) {
            health(request);
            return;
        }
        if (path.equals("/metrics") && request.method() == HttpMethod.GET) {
            request.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
                    .end(metrics.scrape());
            return;
        }
        if (transactions != null && TxRoutes.handles(path)) {
            if (path.equals("/v1/tx/stream")) {
                transactions.stream().upgrade(request);
                return;
            }
            readBody(request, null, arrived, body -> transactions.routes().handle(request, body, requestId));
            return;
        }
        final RouteTarget target = routes.get(path);
        if (target == null) {
            sendError(request, null, arrived, 404, "not_found", "no function at " + path);
            return;
        }
        final EdgeMetrics.Route routeMetrics = target.metrics();
        if (request.method() != HttpMethod.POST) {
            request.response().putHeader(HttpHeaders.ALLOW, "POST");
            sendError(request, routeMetrics, arrived, 405, "method_not_allowed",
                    request.method().name() + " is not allowed; use POST");
            return;
        }
        readBody(request, routeMetrics, arrived, body -> dispatch(request, target, body, requestId, arrived));
    }

    /** Reads the body up to the node's limit (413 past it), then hands it on, on the event loop. */
    private void readBody(final HttpServerRequest request, final EdgeMetrics.Route routeMetrics, final long arrived,
                          final java.util.function.Consumer<byte[]> then) {
        final long declared = declaredLength(request.getHeader(HttpHeaders.CONTENT_LENGTH));
        if (declared > config.maxBodyBytes()) {
            closeAfterAnswer(request);
            sendError(request, routeMetrics, arrived, 413, "body_too_large",
                    "the body is over " + config.maxBodyBytes() + " bytes");
            return;
        }
        // Grow with what arrives: a declared length alone must not make the node allocate.
        final Buffer body = Buffer.buffer((int) Math.min(Math.max(declared, 1024), INITIAL_BODY_BUFFER));
        final boolean[] refused = {false};
        request.handler(chunk -> {
            if (refused[0]) {
                return;
            }
            if (body.length() + chunk.length() > config.maxBodyBytes()) {
                refused[0] = true;
                closeAfterAnswer(request);
                sendError(request, routeMetrics, arrived, 413, "body_too_large",
                        "the body is over " + config.maxBodyBytes() + " bytes");
                return;
            }
            body.appendBuffer(chunk);
        });
        request.endHandler(v -> {
            if (!refused[0]) {
                then.accept(body.getBytes());
            }
        });
    }

    /** Refusing a body mid-stream leaves its rest on the wire: HTTP/1 closes the connection after the answer. */
    private static void closeAfterAnswer(final HttpServerRequest request) {
        if (request.version() != HttpVersion.HTTP_2) {
            request.response().putHeader(HttpHeaders.CONNECTION, "close");
        }
    }

    /** The Content-Length a client declared, or -1 when it declared none (or nonsense, which the body limit covers). */
    private static long declaredLength(final String contentLength) {
        if (contentLength == null) {
            return -1;
        }
        try {
            return Long.parseLong(contentLength.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private void dispatch(final HttpServerRequest request, final RouteTarget target, final byte[] body,
                          final String requestId, final long arrived) {
        final long receivedAt = clock.getAsLong();
        switch (target) {
            case NativeTarget t -> {
                final EdgeResponse r;
                try {
                    r = t.function().handle(new EdgeRequest(request.method().name(), request.path(),
                            request.query(), Map.of(), body, body.length, requestId, receivedAt));
                } catch (RuntimeException e) {
                    // A bug in a native function answers 500 for this request; the node carries on.
                    LOG.log(System.Logger.Level.ERROR, "request=" + requestId + " route=" + request.path()
                            + " native function failed", e);
                    sendError(request, t.metrics(), arrived, 500, "function_failed", "the function failed: " + e);
                    return;
                }
                send(request, t.metrics(), arrived, r.status(), r.contentType(), Buffer.buffer(r.body()));
            }
            case WasmTarget t -> {
                final Context context = vertx.getOrCreateContext();
                final Map<String, String> metadata = t.function().convention() == Convention.WAGI
                        ? WagiEnvironment.of(request, body.length, requestId, receivedAt, t.grantedHeaders()) : Map
                                .of();
                final GuestCall call = new GuestCall(body, body.length, metadata, requestId, receivedAt);
                t.function().submit(call)
                        .whenComplete((result, failure) -> context.runOnContext(v -> {
                            // The shadow of the route as the answer came: looked up before the client can have it.
                            final Shadow shadow = shadows.get(request.path());
                            if (failure == null) {
                                send(request, t.metrics(), arrived, result.status(), result.contentType(),
                                        Buffer.buffer(result.body()));
                                if (shadow != null) { // after the answer is sent, off the request path
                                    shadow.offer(call, result.status(), result.body());
                                }
                            } else {
                                final GuestFailure f = failure instanceof GuestFailure g ? g : GuestFailure.ofHost(
                                        failure);
                                LOG.log(System.Logger.Level.WARNING, "request={0} route={1} error={2} {3}",
                                        requestId, request.path(), f.kind().label(), f.getMessage());
                                sendError(request, t.metrics(), arrived, f.kind().httpStatus(), f.kind().label(),
                                        f.getMessage());
                                if (shadow != null) {
                                    shadow.offer(call, f.kind().httpStatus(), f.kind().label().getBytes(
                                            java.nio.charset.StandardCharsets.UTF_8));
                                }
                            }
                        }));
            }
            case Unavailable u -> sendError(request, u.metrics(), arrived, 500, "module_rejected", u.reason());
        }
    }

    private void health(final HttpServerRequest request) {
        final List<String> unavailable = new ArrayList<>();
        routes.forEach((path, target) -> {
            if (target instanceof Unavailable) {
                unavailable.add("\"" + path + "\"");
            }
        });
        request.response().putHeader(HttpHeaders.CONTENT_TYPE, EdgeResponse.JSON)
                .end("{\"status\":\"" + (unavailable.isEmpty() ? "up" : "degraded") + "\",\"routes\":" + routes.size()
                        + ",\"unavailable\":[" + String.join(",", unavailable) + "]}");
    }

    /** Counts the answer before it is written, so that a client that has its answer finds it counted. */
    private static void send(final HttpServerRequest request, final EdgeMetrics.Route metrics, final long arrived,
                             final int status, final String contentType, final Buffer body) {
        try {
            request.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, contentType);
        } catch (IllegalArgumentException e) {
            // A guest's content type that HTTP cannot carry: answer the error instead of leaving the client waiting.
            sendError(request, metrics, arrived, 500, "bad_answer", "the answer could not be sent: " + e.getMessage());
            return;
        }
        if (metrics != null) {
            metrics.answered(status, System.nanoTime() - arrived);
            if (status >= 400) {
                metrics.error(status == 422 ? "invalid_event" : status == 400 ? "invalid_request" : "status_" + status);
            }
        }
        request.response().end(body);
    }

    private static void sendError(final HttpServerRequest request, final EdgeMetrics.Route metrics, final long arrived,
                                  final int status, final String kind, final String message) {
        if (metrics != null) {
            metrics.answered(status, System.nanoTime() - arrived);
            metrics.error(kind);
        }
        request.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, EdgeResponse.JSON)
                .end("{\"error\":\"" + kind + "\",\"message\":\""
                        + new String(JsonStringEncoder.getInstance().quoteAsString(message)) + "\"}");
    }

    private static String requestId(final HttpServerRequest request) {
        final String given = request.getHeader(REQUEST_ID);
        if (given != null && CLIENT_REQUEST_ID.matcher(given).matches()) {
            return given;
        }
        return Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
    }

    public int port() {
        return port;
    }

    public EdgeMetrics metrics() {
        return metrics;
    }

    /** The transaction path, or null when the node was started without one. */
    public TransactionPath transactions() {
        return transactions;
    }

    @Override
    public void close() {
        shadows.values().forEach(Shadow::close);
        for (final RouteTarget target : routes.values()) {
            if (target instanceof WasmTarget t) {
                t.function().close();
            }
        }
        if (transactions != null) {
            for (final HttpServer server : servers) {
                server.close().await(); // no transaction is taken after this
            }
            try {
                transactions.close(); // the forwarder and the key refresher, which use Vert.x, then the outbox
            } catch (final IOException e) {
                LOG.log(System.Logger.Level.ERROR, "closing the outbox failed", e);
            }
        }
        vertx.close().await();
        if (screeningFunction != null) {
            screeningFunction.close();
        }
        watchdog.close();
    }
}
