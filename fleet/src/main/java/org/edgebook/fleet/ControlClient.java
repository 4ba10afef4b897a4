package org.edgebook.fleet;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.edgebook.codec.SignedRequest;
import org.edgebook.http.RequestSignature;

/**
 * An HTTP client of the control plane for the simulator: one Vert.x {@link HttpClient} pool of keep-alive HTTP/1.1
 * connections (pipelined when asked), shared by every simulated node (the simulator has two: one for heartbeats, one
 * for enrollment, desired states and modules). A request is signed by the caller (a node's
 * Ed25519 signature, or the operator's HMAC, {@link #operator}); every request has a deadline, and every future
 * completes, with the answer's status and body or with the failure.
 * <p>
 * Threading: any thread may call; requests are started on one of a few event-loop contexts (round-robin), where the
 * futures complete (continuations must not block).
 */
final class ControlClient implements AutoCloseable {
    /** An answer: its status and body. */
    record Answer(int status, byte[] body) {
        String text() {
            final String t = new String(body, StandardCharsets.UTF_8);
            return t.length() > 200 ? t.substring(0, 200) + "…" : t;
        }
    }

    private final HttpClient client;
    private final Context[] contexts;
    private final AtomicInteger next = new AtomicInteger();
    private final String basePath;
    private final long timeoutMillis;

    ControlClient(final Vertx vertx, final URI control, final int connections, final int pipelining,
                  final long timeoutMillis, final int lanes) {
        final String scheme = control.getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme) || control.getHost() == null) {
            throw new IllegalArgumentException("--control is http://host:port or https://…, not " + control);
        }
        final boolean tls = "https".equals(scheme);
        final String path = control.getRawPath() == null ? "" : control.getRawPath();
        this.basePath = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        this.timeoutMillis = timeoutMillis;
        final HttpClientOptions options = new HttpClientOptions().setDefaultHost(control.getHost())
                .setDefaultPort(control.getPort() > 0 ? control.getPort() : tls ? 443 : 80).setSsl(tls)
                .setKeepAlive(true).setTcpNoDelay(true).setPipelining(pipelining > 1)
                .setPipeliningLimit(Math.max(1, pipelining))
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMillis));
        this.client = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(connections)
                .setMaxWaitQueueSize(-1));
        this.contexts = new Context[Math.max(1, lanes)];
        for (int i = 0; i < contexts.length; i++) {
            contexts[i] = vertx.getOrCreateContext(); // from a non-Vert.x thread: a new event-loop context each
        }
    }

    /** A node's request, signed with its key ({@link SignedRequest}). */
    Future<Answer> node(final SimNode node, final HttpMethod method, final String path, final byte[] body) {
        final String full = basePath + path;
        final long timestamp = System.currentTimeMillis();
        final byte[] signed = SignedRequest.signedBytes(timestamp, method.name(), full, body, 0, body.length);
        final String signature = java.util.Base64.getEncoder().encodeToString(node.key.sign(signed, 0,
                signed.length));
        return send(new RequestOptions().setMethod(method).setURI(full)
                .putHeader(SignedRequest.NODE_HEADER, node.id)
                .putHeader(SignedRequest.TIMESTAMP_HEADER, Long.toString(timestamp))
                .putHeader(SignedRequest.SIGNATURE_HEADER, signature), body, -1);
    }

    /** A request already signed by the caller, with the signature headers in {@code request}. */
    Future<Answer> signed(final RequestOptions request, final byte[] body, final int lane) {
        request.setURI(basePath + request.getURI());
        return send(request, body, lane);
    }

    /** The base path of the control plane's URL (what signatures cover before {@code /v1/…}). */
    String basePath() {
        return basePath;
    }

    /** An operator's request, signed with the HMAC of {@link RequestSignature}. */
    Future<Answer> operator(final OperatorKey key, final HttpMethod method, final String path, final byte[] body) {
        final String full = basePath + path;
        final long timestamp = System.currentTimeMillis();
        return send(new RequestOptions().setMethod(method).setURI(full)
                .putHeader(RequestSignature.KEY_HEADER, key.id())
                .putHeader(RequestSignature.TIMESTAMP_HEADER, Long.toString(timestamp))
                .putHeader(RequestSignature.SIGNATURE_HEADER, key.sign(timestamp, method.name(), full, body)), body,
                -1);
    }

    /** An unsigned request (enrollment: the token is in the body). */
    Future<Answer> plain(final HttpMethod method, final String path, final byte[] body) {
        return send(new RequestOptions().setMethod(method).setURI(basePath + path), body, -1);
    }

    private Future<Answer> send(final RequestOptions request, final byte[] body, final int lane) {
        request.setIdleTimeout(timeoutMillis);
        if (body.length > 0) {
            request.putHeader("Content-Type", "application/json");
        }
        final Context context = contexts[Math.floorMod(lane < 0 ? next.getAndIncrement() : lane, contexts.length)];
        final Promise<Answer> promise = Promise.promise();
        context.runOnContext(v -> {
            try {
                client.request(request).compose(r -> r.send(Buffer.buffer(body)))
                        .compose(response -> response.body().map(b -> new Answer(response.statusCode(),
                                b.getBytes())))
                        .onComplete(promise);
            } catch (final RuntimeException e) {
                promise.tryFail(e);
            }
        });
        return promise.future();
    }

    @Override
    public void close() {
        client.close();
    }
}
