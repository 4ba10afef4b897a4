package org.edgebook.fleet;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.edgebook.codec.CanonicalJson;
import org.edgebook.codec.Ed25519Key;
import org.edgebook.codec.SignedRequest;
import org.edgebook.http.RequestSignature;

/**
 * A small real control plane for the simulator's tests, speaking docs/control-plane.md sections 2, 4 and 6: operator
 * HMAC on token creation, enrollment with the node's key, heartbeats whose signatures are checked with
 * {@link SignedRequest#verify} against the enrolled key (counted per node, with their arrival times and last bodies),
 * the desired state the test sets, and module bytes by hash. A node in {@link #revoked} is answered 403.
 * <p>
 * Threading: requests on its event loop; the test reads the concurrent maps from its thread.
 */
final class ContractServer implements AutoCloseable {
    static final String OPERATOR_ID = "op-test";
    static final String OPERATOR_SECRET = "s3cr3t-operator";

    /** What one node sent. */
    static final class Seen {
        final String region;
        final Map<String, Object> labels;
        final List<Long> arrivals = java.util.Collections.synchronizedList(new ArrayList<>());
        /** Each heartbeat's EB-TIMESTAMP: when the simulator signed and sent it. */
        final List<Long> stamps = java.util.Collections.synchronizedList(new ArrayList<>());
        final List<Map<String, Object>> heartbeats = java.util.Collections.synchronizedList(new ArrayList<>());

        Seen(final String region, final Map<String, Object> labels) {
            this.region = region;
            this.labels = labels;
        }

        Map<String, Object> last() {
            synchronized (heartbeats) {
                return heartbeats.isEmpty() ? null : heartbeats.get(heartbeats.size() - 1);
            }
        }
    }

    final Map<String, Ed25519Key.Public> keys = new ConcurrentHashMap<>();
    final Map<String, Seen> nodes = new ConcurrentHashMap<>();
    final Set<String> revoked = ConcurrentHashMap.newKeySet();
    final Map<String, byte[]> modules = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> moduleGets = new ConcurrentHashMap<>();
    final AtomicLong badSignatures = new AtomicLong();
    final AtomicLong desiredGets = new AtomicLong();
    final AtomicLong tokenUses = new AtomicLong();
    volatile long intervalMs;
    volatile String desiredHash = "";
    volatile byte[] desired = "{\"hash\":\"\",\"routes\":[],\"publishers\":[]}".getBytes(StandardCharsets.UTF_8);
    private final Vertx vertx;
    private final HttpServer server;
    private final AtomicInteger ids = new AtomicInteger();
    private volatile String token;

    ContractServer(final long intervalMs) throws Exception {
        this.intervalMs = intervalMs;
        this.vertx = Vertx.vertx();
        this.server = vertx.createHttpServer().requestHandler(r -> r.body().onSuccess(b -> handle(r, b.getBytes())))
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    int port() {
        return server.actualPort();
    }

    /** Sets the desired state every node is told: its routes (each a map as section 6 lists) and publishers. */
    void desire(final List<Object> routes, final List<Object> publishers) {
        final String hash = org.edgebook.codec.ModuleSignature.sha256Hex(CanonicalJson.bytes(routes));
        desired = CanonicalJson.bytes(Map.of("hash", hash, "routes", routes, "publishers", publishers));
        desiredHash = hash;
    }

    private void handle(final HttpServerRequest r, final byte[] body) {
        final String path = r.uri();
        if (path.equals("/v1/admin/enrollment-tokens")) {
            final String ts = r.getHeader(RequestSignature.TIMESTAMP_HEADER);
            if (!OPERATOR_ID.equals(r.getHeader(RequestSignature.KEY_HEADER)) || ts == null
                    || !RequestSignature.verify(OPERATOR_SECRET.getBytes(StandardCharsets.US_ASCII), ts,
                            r.method().name(), path, body, r.getHeader(RequestSignature.SIGNATURE_HEADER))) {
                answer(r, 401, "{\"error\":\"unauthenticated\",\"message\":\"operator signature\"}");
                return;
            }
            final Map<String, Object> req = CanonicalJson.parseObject(body, 0, body.length);
            token = "et_" + "x".repeat(43);
            tokenUses.set((Long) req.get("uses"));
            answer(r, 201, "{\"token\":\"" + token + "\",\"expiresAt\":0,\"uses\":" + req.get("uses") + "}");
        } else if (path.equals("/v1/enroll")) {
            final Map<String, Object> req = CanonicalJson.parseObject(body, 0, body.length);
            if (!req.get("token").equals(token) || tokenUses.getAndDecrement() <= 0) {
                answer(r, 401, "{\"error\":\"token_used\",\"message\":\"token\"}");
                return;
            }
            final String id = "n-" + ids.incrementAndGet();
            keys.put(id, Ed25519Key.Public.of(Base64.getDecoder().decode((String) req.get("publicKey"))));
            @SuppressWarnings("unchecked")
            final Map<String, Object> labels = (Map<String, Object>) req.getOrDefault("labels", Map.of());
            nodes.put(id, new Seen((String) req.get("region"), labels));
            answer(r, 201, "{\"nodeId\":\"" + id + "\",\"heartbeatIntervalMs\":" + intervalMs + "}");
        } else if (path.startsWith("/v1/node/")) {
            final String node = r.getHeader(SignedRequest.NODE_HEADER);
            final String ts = r.getHeader(SignedRequest.TIMESTAMP_HEADER);
            final Ed25519Key.Public key = node == null ? null : keys.get(node);
            if (key == null || ts == null || !SignedRequest.verify(key, Long.parseLong(ts), r.method().name(), path,
                    body, r.getHeader(SignedRequest.SIGNATURE_HEADER))) {
                badSignatures.incrementAndGet();
                answer(r, 401, "{\"error\":\"unauthenticated\",\"message\":\"signature\"}");
                return;
            }
            if (revoked.contains(node)) {
                answer(r, 403, "{\"error\":\"revoked\",\"message\":\"node " + node + " is revoked\"}");
                return;
            }
            if (path.equals("/v1/node/heartbeat")) {
                final Seen seen = nodes.get(node);
                seen.arrivals.add(System.nanoTime());
                seen.stamps.add(Long.parseLong(ts));
                seen.heartbeats.add(CanonicalJson.parseObject(body, 0, body.length));
                answer(r, 200, "{\"intervalMs\":" + intervalMs + ",\"desired\":\"" + desiredHash
                        + "\",\"state\":\"up\"}");
            } else if (path.equals("/v1/node/desired")) {
                desiredGets.incrementAndGet();
                r.response().setStatusCode(200).end(Buffer.buffer(desired));
            } else if (path.startsWith("/v1/node/modules/")) {
                final String sha = path.substring("/v1/node/modules/".length());
                moduleGets.computeIfAbsent(sha, k -> new AtomicInteger()).incrementAndGet();
                final byte[] bytes = modules.get(sha);
                if (bytes == null) {
                    answer(r, 404, "{\"error\":\"not_found\",\"message\":\"module\"}");
                } else {
                    r.response().setStatusCode(200).putHeader("Content-Type", "application/wasm")
                            .end(Buffer.buffer(bytes));
                }
            } else {
                answer(r, 404, "{\"error\":\"not_found\",\"message\":\"" + path + "\"}");
            }
        } else {
            answer(r, 404, "{\"error\":\"not_found\",\"message\":\"" + path + "\"}");
        }
    }

    private static void answer(final HttpServerRequest r, final int status, final String json) {
        r.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(json);
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
