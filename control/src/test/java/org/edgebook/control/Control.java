package org.edgebook.control;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.edgebook.codec.Ed25519Key;
import org.edgebook.codec.SignedRequest;
import org.edgebook.control.store.Database;
import org.edgebook.control.store.OperatorKeys;
import org.edgebook.http.RequestSignature;

/**
 * A started control plane on loopback for the tests, on either store, with a clock the test moves, and signed
 * requests over real HTTP (java.net.http): as the operator, and as enrolled nodes with their own Ed25519 keys.
 */
final class Control implements AutoCloseable {
    /** Where the control plane keeps its state: the data directory, and a PostgreSQL URL or null. */
    record Store(Database.Kind kind, Path dir, String url) {
        static Store fresh(final Database.Kind kind, final Path dir) throws SQLException {
            return new Store(kind, dir, kind == Database.Kind.POSTGRESQL ? TestStores.freshPostgresUrl() : null);
        }

        ControlConfig config() {
            final ControlConfig c = ControlConfig.of("127.0.0.1", 0, dir);
            return url == null ? c : c.withDb(url);
        }
    }

    final Store store;
    final AtomicLong clock;
    final ControlServer server;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final OperatorKeys.Key operator;

    /** The whole control plane when the test started it ({@link #startPlane}), else null. */
    final ControlPlane plane;

    private Control(final Store store, final AtomicLong clock, final ControlServer server) {
        this(store, clock, server, null);
    }

    private Control(final Store store, final AtomicLong clock, final ControlServer server, final ControlPlane plane) {
        this.store = store;
        this.clock = clock;
        this.server = server;
        this.plane = plane;
        this.operator = server.operatorKey();
    }

    /** The whole control plane (modules and rollouts too), its rollouts ticking every 100 ms. */
    static Control startPlane(final Store store, final AtomicLong clock) throws Exception {
        final ControlPlane plane = ControlPlane.start(store.config(), clock::get,
                new org.edgebook.control.rollout.RolloutEngine.Options(100, 100));
        return new Control(store, clock, plane.server(), plane);
    }

    static Control start(final Store store) throws Exception {
        return start(store, new AtomicLong(System.currentTimeMillis()), c -> c);
    }

    static Control start(final Store store, final AtomicLong clock, final UnaryOperator<ControlConfig> tweak)
            throws Exception {
        return new Control(store, clock, ControlServer.start(tweak.apply(store.config()), clock::get));
    }

    /** A server the test started itself. */
    static Control attach(final Store store, final AtomicLong clock, final ControlServer server) {
        return new Control(store, clock, server);
    }

    /** A signed operator request; each is signed at a later millisecond, so none is refused as used before. */
    HttpResponse<String> operator(final String method, final String path, final String body) throws Exception {
        final byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        final String ts = Long.toString(clock.incrementAndGet());
        return send(HttpRequest.newBuilder(uri(path))
                .header(RequestSignature.KEY_HEADER, operator.id())
                .header(RequestSignature.TIMESTAMP_HEADER, ts)
                .header(RequestSignature.SIGNATURE_HEADER, RequestSignature.sign(operator.secretBytes(), ts, method,
                        path, bytes))
                .method(method, HttpRequest.BodyPublishers.ofByteArray(bytes)));
    }

    HttpResponse<String> send(final HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    URI uri(final String path) {
        return URI.create(server.url() + path);
    }

    JsonObject json(final HttpResponse<String> r, final int status) {
        if (r.statusCode() != status) {
            throw new AssertionError("expected " + status + ", got " + r.statusCode() + ": " + r.body());
        }
        return new JsonObject(r.body());
    }

    /** A token of {@code uses} uses. */
    String token(final String extra) throws Exception {
        return json(operator("POST", "/v1/admin/enrollment-tokens", extra), 201).getString("token");
    }

    /** Enrolls a new node with a fresh key. */
    Node enroll(final String token, final String region, final String labelsJson) throws Exception {
        final Ed25519Key.Private key = newKey();
        final JsonObject body = new JsonObject().put("token", token).put("publicKey", Base64.getEncoder()
                .encodeToString(key.publicRaw()));
        if (region != null) {
            body.put("region", region);
        }
        if (labelsJson != null) {
            body.put("labels", new JsonObject(labelsJson));
        }
        final HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/v1/enroll"))
                .POST(HttpRequest.BodyPublishers.ofString(body.encode())));
        return new Node(json(r, 201).getString("nodeId"), key);
    }

    static Ed25519Key.Private newKey() throws NoSuchAlgorithmException {
        return Ed25519Key.Private.of(KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPrivate());
    }

    /** An enrolled node. */
    final class Node {
        final String id;
        final Ed25519Key.Private key;
        long seq;

        Node(final String id, final Ed25519Key.Private key) {
            this.id = id;
            this.key = key;
        }

        HttpResponse<String> send(final String method, final String path, final String body) throws Exception {
            return sendAt(clock.incrementAndGet(), method, path, body);
        }

        HttpResponse<String> sendAt(final long ts, final String method, final String path, final String body)
                throws Exception {
            final byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            return Control.this.send(HttpRequest.newBuilder(uri(path))
                    .header(SignedRequest.NODE_HEADER, id)
                    .header(SignedRequest.TIMESTAMP_HEADER, Long.toString(ts))
                    .header(SignedRequest.SIGNATURE_HEADER, SignedRequest.sign(key, ts, method, path, bytes))
                    .method(method, HttpRequest.BodyPublishers.ofByteArray(bytes)));
        }

        /** A heartbeat with one route running {@code module@version}. */
        JsonObject heartbeat(final String module, final String version) throws Exception {
            final String body = new JsonObject().put("seq", ++seq).put("agent", "test")
                    .put("versions", new JsonObject().put("edgebook", "0.1.0")).put("health", "ok").put("applied", "")
                    .put("routes", new io.vertx.core.json.JsonArray().add(new JsonObject().put("path", "/wasm/"
                            + module)
                            .put("module", module).put("version", version).put("sha256", "ab").put("requests", 10)
                            .put("errors", 1).put("p50Micros", 800).put("p99Micros", 4200)))
                    .put("telemetry", new JsonObject().put("transactions", 10).put("outboxDepth", 1)
                            .put("forwardLagMillis", 2).put("heapUsedBytes", 1000).put("rssBytes", 0)).encode();
            return json(send("POST", "/v1/node/heartbeat", body), 200);
        }
    }

    /** Waits until {@code condition} holds, at most 15 s. */
    static void await(final String what, final BooleanSupplier condition) throws InterruptedException {
        final long deadline = System.nanoTime() + 15_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 15 s: " + what);
            }
            Thread.sleep(20);
        }
    }

    @Override
    public void close() {
        if (plane != null) {
            plane.close();
        } else {
            server.close();
        }
    }
}
