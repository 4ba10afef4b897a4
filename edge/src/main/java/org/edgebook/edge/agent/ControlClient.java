package org.edgebook.edge.agent;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.TrustOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.edgebook.codec.Ed25519Key;
import org.edgebook.codec.SignedRequest;

/**
 * The edge node's client of the control plane (docs/control-plane.md): {@code POST /v1/enroll} (the enrollment token
 * in the body, unsigned), and the node's own requests, each signed with the node key ({@link SignedRequest}:
 * {@code EB-NODE}, {@code EB-TIMESTAMP}, {@code EB-SIGNATURE}): {@code POST /v1/node/heartbeat},
 * {@code GET /v1/node/desired} and {@code GET /v1/node/modules/{sha256}}.
 * <p>
 * Every request has a deadline ({@link Options#timeoutMillis}, from its start to its answer's last byte), and every
 * future completes: with the answer, or with a {@link ControlException} saying what failed (no connection, the
 * deadline, a status other than 2xx with the control plane's {@code error} code, a body that does not parse). A 403
 * {@code revoked} answer is {@link ControlException#revoked}. A request past its deadline is reset.
 * <p>
 * Threading: any thread may call; each request runs on the client's Vert.x context (its event loop), where the
 * futures complete (continuations must not block).
 */
public final class ControlClient implements AutoCloseable {
    /** The deadline of a request, the clock of the signatures' timestamps, and for https the trust (null: JVM's). */
    public record Options(long timeoutMillis, LongSupplier clockMillis, TrustOptions trust) {
        public static Options defaults() {
            return new Options(10_000, System::currentTimeMillis, null);
        }

        public Options withTimeout(final long millis) {
            return new Options(millis, clockMillis, trust);
        }
    }

    /** {@code POST /v1/enroll}'s answer. */
    public record Enrolled(String nodeId, long heartbeatIntervalMs) {
    }

    /** {@code POST /v1/node/heartbeat}'s answer: the next interval, the desired state's hash and the node's state. */
    public record HeartbeatAnswer(long intervalMs, String desired, String state) {
    }

    /**
     * A request that failed: its status (0 when none came: no connection, reset, deadline, a bad body) and the control
     * plane's {@code error} code (empty when there was none).
     */
    public static final class ControlException extends IOException {
        private final int status;
        private final String error;

        public ControlException(final String message, final int status, final String error, final Throwable cause) {
            super(message, cause);
            this.status = status;
            this.error = error;
        }

        public int status() {
            return status;
        }

        public String error() {
            return error;
        }

        /** Whether the control plane refused the node as revoked (403 {@code revoked}). */
        public boolean revoked() {
            return status == 403 && "revoked".equals(error);
        }
    }

    private static final JsonFactory JSON = new JsonFactory();
    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final int EXCERPT = 200;
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    /** The largest answer taken: a module (the sandbox's modules are far smaller), or any JSON answer. */
    public static final long MAX_ANSWER_BYTES = 64L << 20;

    private final Vertx vertx;
    private final Context context;
    private final Ed25519Key.Private key;
    private final Options options;
    private final String basePath;
    private final HttpClient client;

    /**
     * A client of the control plane at {@code baseUrl} ({@code http://host:port} or {@code https://…}, optionally with
     * a path prefix), signing the node's requests with {@code key}.
     */
    public ControlClient(final Vertx vertx, final URI baseUrl, final Ed25519Key.Private key, final Options options) {
        final String scheme = baseUrl.getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme) || baseUrl.getHost() == null) {
            throw new IllegalArgumentException("the control plane's URL must be http://host[:port] or https://…, not "
                    + baseUrl);
        }
        if (options.timeoutMillis() <= 0) {
            throw new IllegalArgumentException("timeoutMillis must be positive, not " + options.timeoutMillis());
        }
        this.vertx = vertx;
        this.context = vertx.getOrCreateContext();
        this.key = key;
        this.options = options;
        final String path = baseUrl.getRawPath() == null ? "" : baseUrl.getRawPath();
        this.basePath = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        final boolean tls = "https".equals(scheme);
        final HttpClientOptions common = new HttpClientOptions().setDefaultHost(baseUrl.getHost())
                .setDefaultPort(baseUrl.getPort() > 0 ? baseUrl.getPort() : tls ? 443 : 80).setSsl(tls)
                .setKeepAlive(true).setTcpNoDelay(true)
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, options.timeoutMillis()));
        if (tls && options.trust() != null) {
            common.setTrustOptions(options.trust());
        }
        this.client = vertx.createHttpClient(common, new PoolOptions().setHttp1MaxSize(2));
    }

    /** The node's public key, as enrollment sends it (base64 of the 32 raw bytes). */
    public String publicKeyBase64() {
        return Base64.getEncoder().encodeToString(key.publicRaw());
    }

    /**
     * {@code POST /v1/enroll} with {@code token} and the node's public key; {@code name}, {@code region} and
     * {@code labels} are optional (null: not sent).
     */
    public Future<Enrolled> enroll(final String token, final String name, final String region,
                                   final Map<String, String> labels) {
        final byte[] body;
        try {
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (JsonGenerator g = JSON.createGenerator(out)) {
                g.writeStartObject();
                g.writeStringField("token", token);
                g.writeStringField("publicKey", publicKeyBase64());
                if (name != null) {
                    g.writeStringField("name", name);
                }
                if (region != null) {
                    g.writeStringField("region", region);
                }
                if (labels != null && !labels.isEmpty()) {
                    g.writeObjectFieldStart("labels");
                    for (final Map.Entry<String, String> e : new java.util.TreeMap<>(labels).entrySet()) {
                        g.writeStringField(e.getKey(), e.getValue());
                    }
                    g.writeEndObject();
                }
                g.writeEndObject();
            }
            body = out.toByteArray();
        } catch (final IOException e) {
            return Future.failedFuture(new ControlException("could not write the enrollment: " + e.getMessage(), 0,
                    "", e));
        }
        final String path = basePath + "/v1/enroll";
        return send(HttpMethod.POST, path, body, null).compose(answer -> parse(path, answer, json -> {
            final String nodeId = json.path("nodeId").asText("");
            if (nodeId.isEmpty()) {
                throw new IOException("no nodeId");
            }
            return new Enrolled(nodeId, json.path("heartbeatIntervalMs").asLong(10_000));
        }));
    }

    /** {@code POST /v1/node/heartbeat} with {@code body} (a heartbeat written by {@link HeartbeatJson}). */
    public Future<HeartbeatAnswer> heartbeat(final String nodeId, final byte[] body) {
        final String path = basePath + "/v1/node/heartbeat";
        return send(HttpMethod.POST, path, body, nodeId).compose(answer -> parse(path, answer, json -> {
            if (!json.path("intervalMs").canConvertToLong()) {
                throw new IOException("no intervalMs");
            }
            return new HeartbeatAnswer(json.path("intervalMs").asLong(), json.path("desired").asText(""), json.path(
                    "state").asText(""));
        }));
    }

    /** {@code GET /v1/node/desired}: the node's desired state. */
    public Future<DesiredState> desired(final String nodeId) {
        final String path = basePath + "/v1/node/desired";
        return send(HttpMethod.GET, path, new byte[0], nodeId).compose(answer -> {
            try {
                return Future.succeededFuture(DesiredState.parse(answer));
            } catch (final RuntimeException e) {
                return Future.failedFuture(new ControlException("GET " + path + ": the answer does not parse: " + e
                        .getMessage() + "; body " + excerpt(answer), 200, "", e));
            }
        });
    }

    /** {@code GET /v1/node/modules/{sha256}}: a module's bytes (not checked here: the applier checks them). */
    public Future<byte[]> module(final String nodeId, final String sha256) {
        if (!SHA256.matcher(sha256).matches()) {
            return Future.failedFuture(new ControlException("a module's sha256 is 64 lower-case hex digits, not "
                    + sha256, 0, "", null));
        }
        return send(HttpMethod.GET, basePath + "/v1/node/modules/" + sha256, new byte[0], nodeId);
    }

    @Override
    public void close() {
        client.close();
    }

    // ---- The request ----

    @FunctionalInterface
    private interface Reader<T> {
        T read(JsonNode json) throws IOException;
    }

    private static <T> Future<T> parse(final String path, final byte[] answer, final Reader<T> reader) {
        try {
            final JsonNode json = MAPPER.readTree(answer);
            if (json == null || !json.isObject()) {
                throw new IOException("not a JSON object");
            }
            return Future.succeededFuture(reader.read(json));
        } catch (final IOException | RuntimeException e) {
            return Future.failedFuture(new ControlException(path + ": the answer does not parse: " + e.getMessage()
                    + "; body " + excerpt(answer), 200, "", e));
        }
    }

    /** Sends a request, signed as {@code nodeId} unless it is null; answers the body of a 2xx, or fails at once. */
    private Future<byte[]> send(final HttpMethod method, final String pathAndQuery, final byte[] body,
                                final String nodeId) {
        final String what = method.name() + " " + pathAndQuery;
        final RequestOptions request = new RequestOptions().setMethod(method).setURI(pathAndQuery);
        if (nodeId != null) {
            final long timestamp = options.clockMillis().getAsLong();
            request.putHeader(SignedRequest.NODE_HEADER, nodeId)
                    .putHeader(SignedRequest.TIMESTAMP_HEADER, Long.toString(timestamp))
                    .putHeader(SignedRequest.SIGNATURE_HEADER, SignedRequest.sign(key, timestamp, method.name(),
                            pathAndQuery, body));
        }
        if (method == HttpMethod.POST) {
            request.putHeader("Content-Type", "application/json");
        }
        final Promise<byte[]> promise = Promise.promise();
        // On the client's context, so that each step's continuation is attached before its answer can arrive.
        context.runOnContext(v -> {
            try {
                start(what, request, body, promise);
            } catch (final RuntimeException e) { // a closed client refuses at once
                promise.tryFail(new ControlException(what + ": " + describe(e), 0, "", e));
            }
        });
        return promise.future();
    }

    private void start(final String what, final RequestOptions request, final byte[] body,
                       final Promise<byte[]> promise) {
        final AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
        final long timer = vertx.setTimer(options.timeoutMillis(), id -> {
            if (promise.tryFail(new ControlException(what + ": no answer within " + options.timeoutMillis() + " ms",
                    0, "", null))) {
                final HttpClientRequest r = sent.get();
                if (r != null) {
                    r.reset(0, new IOException("deadline"));
                }
            }
        });
        client.request(request).compose(r -> {
            sent.set(r);
            if (promise.future().isComplete()) { // the deadline passed while connecting
                r.reset();
                return Future.failedFuture("deadline");
            }
            return r.send(Buffer.buffer(body));
        }).compose(response -> {
            final String length = response.getHeader("Content-Length");
            if (length != null && length.matches("[0-9]{1,18}") && Long.parseLong(length) > MAX_ANSWER_BYTES) {
                response.request().reset();
                return Future.failedFuture("the answer's Content-Length " + length + " is over the limit of "
                        + MAX_ANSWER_BYTES + " bytes");
            }
            // Read with a cap: an answer without a Content-Length cannot make the node hold more than the limit.
            final Promise<Answer> whole = Promise.promise();
            final Buffer received = Buffer.buffer();
            response.exceptionHandler(whole::tryFail);
            response.handler(chunk -> {
                if (received.length() + (long) chunk.length() > MAX_ANSWER_BYTES) {
                    whole.tryFail("the answer is over the limit of " + MAX_ANSWER_BYTES + " bytes");
                    response.request().reset();
                    return;
                }
                received.appendBuffer(chunk);
            });
            response.endHandler(v -> whole.tryComplete(new Answer(response.statusCode(), received.getBytes())));
            return whole.future();
        }).onComplete(done -> {
            vertx.cancelTimer(timer);
            if (done.failed()) {
                promise.tryFail(new ControlException(what + ": " + describe(done.cause()), 0, "", done
                        .cause()));
            } else if (done.result().status() / 100 != 2) {
                final Answer a = done.result();
                final String error = errorCode(a.body());
                promise.tryFail(new ControlException(what + ": status " + a.status() + (error.isEmpty() ? ""
                        : " " + error) + ", body " + excerpt(a.body()), a.status(), error, null));
            } else {
                promise.tryComplete(done.result().body());
            }
        });
    }

    private record Answer(int status, byte[] body) {
    }

    /** The {@code error} of an error answer, or empty. */
    private static String errorCode(final byte[] body) {
        try {
            final JsonNode json = MAPPER.readTree(body);
            return json != null && json.path("error").isTextual() ? json.path("error").asText() : "";
        } catch (final IOException | RuntimeException e) {
            return "";
        }
    }

    private static String describe(final Throwable cause) {
        final String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private static String excerpt(final byte[] body) {
        final String text = new String(body, 0, Math.min(body.length, EXCERPT), StandardCharsets.UTF_8);
        return body.length > EXCERPT ? text + "…" : text;
    }
}
