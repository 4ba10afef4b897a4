package org.edgebook.edge.forward;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.SerializableString;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
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
import java.io.OutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.edgebook.codec.Ed25519Key;
import org.edgebook.codec.SignedRequest;
import org.edgebook.edge.tx.ClientKeys;

/**
 * The edge node's client of settlement (docs/transaction-path.md): {@code POST /v1/forward}, {@code GET
 * /v1/sources/node:{id}} and {@code GET /v1/node/client-keys?after=V}, each signed with the node key
 * ({@link SignedRequest}: {@code EB-NODE}, {@code EB-TIMESTAMP}, {@code EB-SIGNATURE}).
 * <p>
 * Forwarding goes over one HTTP/1.1 connection with pipelining (up to {@link Options#pipelining} requests on it), so
 * that batches reach settlement in the order they were sent; the other requests use a second client, so that a key
 * refresh never waits behind forwarded batches nor dies with their connection.
 * <p>
 * Every request has a deadline ({@link Options#timeoutMillis}, from the request's start to its answer's last byte).
 * Every future completes: with the parsed answer, or at once with a {@link SettlementException} saying what failed
 * (connection refused or reset, deadline, a status other than 200 with an excerpt of the body, a body that does not
 * parse). A request past its deadline is reset (for HTTP/1.1 its connection is closed), so no late answer arrives.
 * <p>
 * Threading: any thread may call; each request runs on the client's Vert.x context (its event loop), where the
 * futures complete (continuations must not block).
 */
public final class SettlementClient implements AutoCloseable {

    /**
     * Settings: the deadline of a request, how many forward requests may be on the connection at once, the clock of
     * the signatures' timestamps, and for https the trust (null: the JVM's default trust store).
     */
    public record Options(long timeoutMillis, int pipelining, LongSupplier clockMillis, TrustOptions trust) {
        public static Options defaults() {
            return new Options(10_000, 4, System::currentTimeMillis, null);
        }

        public Options withTimeout(final long millis) {
            return new Options(millis, pipelining, clockMillis, trust);
        }

        public Options withPipelining(final int requests) {
            return new Options(timeoutMillis, requests, clockMillis, trust);
        }

        public Options withClock(final LongSupplier millis) {
            return new Options(timeoutMillis, pipelining, millis, trust);
        }

        public Options withTrust(final TrustOptions t) {
            return new Options(timeoutMillis, pipelining, clockMillis, t);
        }
    }

    /** A line to forward: the node's sequence number and the stored transaction, the client's signed JSON object. */
    public record Line(long sourceSeq, byte[] tx) {
    }

    /** Settlement's answer to one forwarded line. */
    public sealed interface Outcome {
        long sourceSeq();
    }

    /** The command ran and was accepted: settlement's command number and its events (a JSON array, verbatim). */
    public record Settled(long sourceSeq, long cmd, byte[] events) implements Outcome {
    }

    /** It ran and was rejected (by the engine or settlement's checks): why, and its events (a JSON array). */
    public record Rejected(long sourceSeq, long cmd, String reason, byte[] events) implements Outcome {
    }

    /** The line was past the mark + 1: nothing ran; settlement expects {@code expected} next. */
    public record Gap(long sourceSeq, long expected) implements Outcome {
    }

    /** An outcome this node does not know (a newer settlement): nothing is known of the line. */
    public record Unknown(long sourceSeq, String outcome) implements Outcome {
    }

    /** The client keys changed after the version asked for, up to {@code version}. */
    public record KeyChanges(long version, List<ClientKeys.Entry> keys) {
    }

    /**
     * A request that failed: its status (0 when none came: no connection, reset, deadline, bad body) and, for a 503,
     * settlement's {@code Retry-After} in seconds (-1: none).
     */
    public static final class SettlementException extends IOException {
        private final int status;
        private final long retryAfterSeconds;

        public SettlementException(final String message, final int status, final long retryAfterSeconds,
                                   final Throwable cause) {
            super(message, cause);
            this.status = status;
            this.retryAfterSeconds = retryAfterSeconds;
        }

        public int status() {
            return status;
        }

        public long retryAfterSeconds() {
            return retryAfterSeconds;
        }
    }

    private static final JsonFactory JSON = new JsonFactory();
    private static final int EXCERPT = 200;
    /** A name by the rule for names without {@code :} (docs/semantics.md "Names"), so it goes in a path as it is. */
    private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9._-]{1,59}");

    private final Vertx vertx;
    private final String node;
    private final Ed25519Key.Private key;
    private final Options options;
    private final String basePath;
    private final Context context;
    private final HttpClient forwarding;
    private final HttpClient queries;

    /**
     * A client of settlement at {@code baseUrl} ({@code http://host:port} or {@code https://…}, optionally with a path
     * prefix), signing as node {@code node} with {@code key}. For https the host name is verified against the
     * certificate, trusted by {@link Options#trust} or else the JVM's default trust store.
     */
    public SettlementClient(final Vertx vertx, final URI baseUrl, final String node, final Ed25519Key.Private key,
                            final Options options) {
        final String scheme = baseUrl.getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme) || baseUrl.getHost() == null) {
            throw new IllegalArgumentException("settlement's URL must be http://host[:port] or https://…, not "
                    + baseUrl);
        }
        if (!NODE_ID.matcher(node).matches()) {
            throw new IllegalArgumentException("a node id is 1 to 59 of A-Z a-z 0-9 . _ - (docs/transaction-path.md), "
                    + "not \"" + node + "\"");
        }
        if (options.timeoutMillis() <= 0 || options.pipelining() < 1) {
            throw new IllegalArgumentException("timeout and pipelining must be positive: " + options);
        }
        this.vertx = vertx;
        this.context = vertx.getOrCreateContext();
        this.node = node;
        this.key = key;
        this.options = options;
        final String path = baseUrl.getRawPath() == null ? "" : baseUrl.getRawPath();
        this.basePath = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        final boolean tls = "https".equals(scheme);
        final int port = baseUrl.getPort() > 0 ? baseUrl.getPort() : tls ? 443 : 80;
        final HttpClientOptions common = new HttpClientOptions().setDefaultHost(baseUrl.getHost())
                .setDefaultPort(port).setSsl(tls).setKeepAlive(true).setTcpNoDelay(true)
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, options.timeoutMillis()));
        if (tls && options.trust() != null) {
            common.setTrustOptions(options.trust());
        }
        this.forwarding = vertx.createHttpClient(new HttpClientOptions(common).setPipelining(true)
                .setPipeliningLimit(options.pipelining()), new PoolOptions().setHttp1MaxSize(1));
        this.queries = vertx.createHttpClient(common, new PoolOptions().setHttp1MaxSize(2));
    }

    public String node() {
        return node;
    }

    /**
     * {@code POST /v1/forward} with these lines (consecutive {@code sourceSeq}s, each {@code tx} written verbatim):
     * answers one outcome per line, in order, checked to carry the lines' numbers.
     */
    public Future<List<Outcome>> forward(final List<Line> lines) {
        final byte[] body;
        try {
            body = forwardBody(lines);
        } catch (final IOException e) {
            return Future.failedFuture(new SettlementException("could not write the forward request: "
                    + e.getMessage(), 0, -1, e));
        }
        return send(forwarding, HttpMethod.POST, basePath + "/v1/forward", body).compose(answer -> {
            try {
                return Future.succeededFuture(parseOutcomes(answer, lines));
            } catch (final IOException | RuntimeException e) {
                return Future.failedFuture(new SettlementException("POST /v1/forward: the answer does not parse: "
                        + e.getMessage() + "; body " + excerpt(answer), 200, -1, e));
            }
        });
    }

    /** {@code GET /v1/sources/node:{id}}: the highest {@code sourceSeq} of this node that settlement ran. */
    public Future<Long> mark() {
        final String path = basePath + "/v1/sources/node:" + node;
        return send(queries, HttpMethod.GET, path, new byte[0]).compose(answer -> {
            try (JsonParser p = JSON.createParser(answer)) {
                long mark = -1;
                expect(p.nextToken(), JsonToken.START_OBJECT, "an object");
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    final String field = p.currentName();
                    p.nextToken();
                    if ("mark".equals(field)) {
                        expect(p.currentToken(), JsonToken.VALUE_NUMBER_INT, "an integer mark");
                        mark = p.getLongValue();
                    } else {
                        p.skipChildren();
                    }
                }
                if (mark < 0) {
                    throw new IOException("no mark");
                }
                return Future.succeededFuture(mark);
            } catch (final IOException | RuntimeException e) {
                return Future.failedFuture(new SettlementException("GET " + path + ": the answer does not parse: "
                        + e.getMessage() + "; body " + excerpt(answer), 200, -1, e));
            }
        });
    }

    /** {@code GET /v1/node/client-keys?after=V}: the client keys changed after version {@code after} (0: all). */
    public Future<KeyChanges> clientKeys(final long after) {
        final String path = basePath + "/v1/node/client-keys?after=" + after;
        return send(queries, HttpMethod.GET, path, new byte[0]).compose(answer -> {
            try {
                return Future.succeededFuture(parseKeys(answer));
            } catch (final IOException | RuntimeException e) {
                return Future.failedFuture(new SettlementException("GET " + path + ": the answer does not parse: "
                        + e.getMessage() + "; body " + excerpt(answer), 200, -1, e));
            }
        });
    }

    @Override
    public void close() {
        forwarding.close();
        queries.close();
    }

    // ---- The request ----

    /** Sends a signed request; answers the body of a 200, or fails at once with what went wrong. */
    private Future<byte[]> send(final HttpClient client, final HttpMethod method, final String pathAndQuery,
                                final byte[] body) {
        final String what = method.name() + " " + pathAndQuery;
        final long timestamp = options.clockMillis().getAsLong();
        final RequestOptions request = new RequestOptions().setMethod(method).setURI(pathAndQuery)
                .putHeader(SignedRequest.NODE_HEADER, node)
                .putHeader(SignedRequest.TIMESTAMP_HEADER, Long.toString(timestamp))
                .putHeader(SignedRequest.SIGNATURE_HEADER, SignedRequest.sign(key, timestamp, method.name(),
                        pathAndQuery, body));
        if (method == HttpMethod.POST) {
            request.putHeader("Content-Type", "application/x-ndjson");
        }
        final Promise<byte[]> promise = Promise.promise();
        // On the client's context, so that each step's continuation is attached before its answer can arrive: a
        // response whose body() is asked for from another thread after it ended may have dropped its bytes.
        context.runOnContext(v -> {
            try {
                start(client, what, request, body, promise);
            } catch (final RuntimeException e) { // a closed client refuses at once
                promise.tryFail(new SettlementException(what + ": " + describe(e), 0, -1, e));
            }
        });
        return promise.future();
    }

    private void start(final HttpClient client, final String what, final RequestOptions request, final byte[] body,
                       final Promise<byte[]> promise) {
        final AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
        final Future<HttpClientRequest> requested = client.request(request);
        final long timer = vertx.setTimer(options.timeoutMillis(), id -> {
            if (promise.tryFail(new SettlementException(what + ": no answer within " + options.timeoutMillis()
                    + " ms", 0, -1, null))) {
                final HttpClientRequest r = sent.get();
                if (r != null) {
                    r.reset(0, new IOException("deadline"));
                }
            }
        });
        requested.compose(r -> {
            sent.set(r);
            if (promise.future().isComplete()) { // the deadline passed while connecting
                r.reset();
                return Future.failedFuture("deadline");
            }
            return r.send(Buffer.buffer(body));
        }).compose(response -> response.body().map(b -> new Answer(response.statusCode(), response.headers(),
                b.getBytes()))).onComplete(done -> {
                    vertx.cancelTimer(timer);
                    if (done.failed()) {
                        final Throwable cause = done.cause();
                        promise.tryFail(new SettlementException(what + ": " + describe(cause), 0, -1, cause));
                    } else if (done.result().status != 200) {
                        final Answer a = done.result();
                        promise.tryFail(new SettlementException(what + ": status " + a.status + ", body "
                                + excerpt(a.body), a.status, retryAfter(a.headers), null));
                    } else {
                        promise.tryComplete(done.result().body);
                    }
                });
    }

    private record Answer(int status, MultiMap headers, byte[] body) {
    }

    private static String describe(final Throwable cause) {
        final String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private static long retryAfter(final MultiMap headers) {
        final String value = headers.get("Retry-After");
        if (value == null) {
            return -1;
        }
        try {
            return Math.max(0, Long.parseLong(value.trim()));
        } catch (final NumberFormatException e) {
            return -1;
        }
    }

    private static String excerpt(final byte[] body) {
        final String s = new String(body, 0, Math.min(body.length, EXCERPT), StandardCharsets.UTF_8);
        return "\"" + s.replace("\n", "\\n") + (body.length > EXCERPT ? "…\" (" + body.length + " bytes)" : "\"");
    }

    // ---- JSON ----

    /** The forward request's body: one {@code {"sourceSeq":N,"tx":…}} line per line, the tx's bytes verbatim. */
    static byte[] forwardBody(final List<Line> lines) throws IOException {
        int size = 0;
        for (final Line l : lines) {
            size += l.tx().length + 32;
        }
        final ByteArrayOutputStream out = new ByteArrayOutputStream(size);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.setRootValueSeparator(null);
            for (final Line l : lines) {
                g.writeStartObject();
                g.writeNumberField("sourceSeq", l.sourceSeq());
                g.writeFieldName("tx");
                g.writeRawValue(new RawJson(l.tx()));
                g.writeEndObject();
                g.writeRaw('\n');
            }
        }
        return out.toByteArray();
    }

    /**
     * A JSON value's bytes, written as they are by {@link JsonGenerator#writeRawValue(SerializableString)}: the
     * stored transaction is never decoded nor re-serialized. Only the unquoted UTF-8 forms are meaningful.
     */
    private record RawJson(byte[] bytes) implements SerializableString {
        @Override
        public int appendUnquotedUTF8(final byte[] buffer, final int offset) {
            if (offset + bytes.length > buffer.length) {
                return -1;
            }
            System.arraycopy(bytes, 0, buffer, offset, bytes.length);
            return bytes.length;
        }

        @Override
        public byte[] asUnquotedUTF8() {
            return bytes;
        }

        @Override
        public int writeUnquotedUTF8(final OutputStream out) throws IOException {
            out.write(bytes);
            return bytes.length;
        }

        @Override
        public int putUnquotedUTF8(final ByteBuffer buffer) {
            if (bytes.length > buffer.remaining()) {
                return -1;
            }
            buffer.put(bytes);
            return bytes.length;
        }

        @Override
        public String getValue() {
            return new String(bytes, StandardCharsets.UTF_8);
        }

        @Override
        public int charLength() {
            return getValue().length();
        }

        @Override
        public int appendUnquoted(final char[] buffer, final int offset) {
            final char[] chars = getValue().toCharArray();
            if (offset + chars.length > buffer.length) {
                return -1;
            }
            System.arraycopy(chars, 0, buffer, offset, chars.length);
            return chars.length;
        }

        @Override
        public char[] asQuotedChars() {
            throw new UnsupportedOperationException("raw JSON is written unquoted");
        }

        @Override
        public byte[] asQuotedUTF8() {
            throw new UnsupportedOperationException("raw JSON is written unquoted");
        }

        @Override
        public int appendQuotedUTF8(final byte[] buffer, final int offset) {
            throw new UnsupportedOperationException("raw JSON is written unquoted");
        }

        @Override
        public int appendQuoted(final char[] buffer, final int offset) {
            throw new UnsupportedOperationException("raw JSON is written unquoted");
        }

        @Override
        public int writeQuotedUTF8(final OutputStream out) {
            throw new UnsupportedOperationException("raw JSON is written unquoted");
        }

        @Override
        public int putQuotedUTF8(final ByteBuffer buffer) {
            throw new UnsupportedOperationException("raw JSON is written unquoted");
        }
    }

    private static List<Outcome> parseOutcomes(final byte[] body, final List<Line> lines) throws IOException {
        final List<Outcome> out = new ArrayList<>(lines.size());
        try (JsonParser p = JSON.createParser(body)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                expect(t, JsonToken.START_OBJECT, "an object per line");
                long seq = -1;
                long cmd = -1;
                long expected = -1;
                String outcome = null;
                String reason = null;
                byte[] events = null;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    final String field = p.currentName();
                    final JsonToken value = p.nextToken();
                    switch (field) {
                        case "sourceSeq" -> seq = integer(p, field);
                        case "cmd" -> cmd = integer(p, field);
                        case "expected" -> expected = integer(p, field);
                        case "outcome" -> outcome = text(p, field);
                        case "reason" -> reason = text(p, field);
                        case "events" -> {
                            expect(value, JsonToken.START_ARRAY, "an array of events");
                            final int start = (int) p.currentTokenLocation().getByteOffset();
                            p.skipChildren();
                            final int end = (int) p.currentLocation().getByteOffset();
                            events = Arrays.copyOfRange(body, start, end);
                        }
                        default -> p.skipChildren();
                    }
                }
                final int i = out.size();
                if (i >= lines.size()) {
                    throw new IOException("more answers than the " + lines.size() + " lines sent");
                }
                if (seq != lines.get(i).sourceSeq()) {
                    throw new IOException("answer " + (i + 1) + " is for sourceSeq " + seq + ", the line sent has "
                            + lines.get(i).sourceSeq());
                }
                if (outcome == null) {
                    throw new IOException("answer " + (i + 1) + " has no outcome");
                }
                out.add(switch (outcome) {
                    case "settled" -> new Settled(seq, require(cmd, "cmd", i), events == null ? new byte[] {'[', ']'}
                            : events);
                    case "rejected" -> new Rejected(seq, require(cmd, "cmd", i), reason == null ? "" : reason,
                            events == null ? new byte[] {'[', ']'} : events);
                    case "gap" -> new Gap(seq, require(expected, "expected", i));
                    default -> new Unknown(seq, outcome);
                });
            }
        }
        if (out.size() != lines.size()) {
            throw new IOException(out.size() + " answers for the " + lines.size() + " lines sent");
        }
        return out;
    }

    private static KeyChanges parseKeys(final byte[] body) throws IOException {
        long version = -1;
        final List<ClientKeys.Entry> keys = new ArrayList<>();
        try (JsonParser p = JSON.createParser(body)) {
            expect(p.nextToken(), JsonToken.START_OBJECT, "an object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                final String field = p.currentName();
                final JsonToken value = p.nextToken();
                if ("version".equals(field)) {
                    version = integer(p, field);
                } else if ("keys".equals(field)) {
                    expect(value, JsonToken.START_ARRAY, "an array of keys");
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        keys.add(parseKey(p));
                    }
                } else {
                    p.skipChildren();
                }
            }
        }
        if (version < 0) {
            throw new IOException("no version");
        }
        return new KeyChanges(version, keys);
    }

    private static ClientKeys.Entry parseKey(final JsonParser p) throws IOException {
        String keyId = null;
        String account = null;
        String publicKey = null;
        boolean revoked = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            final String field = p.currentName();
            final JsonToken value = p.nextToken();
            switch (field) {
                case "keyId" -> keyId = text(p, field);
                case "account" -> account = text(p, field);
                case "publicKey" -> publicKey = text(p, field);
                case "revoked" -> {
                    if (value != JsonToken.VALUE_TRUE && value != JsonToken.VALUE_FALSE) {
                        throw new IOException("revoked is not a boolean");
                    }
                    revoked = value == JsonToken.VALUE_TRUE;
                }
                default -> p.skipChildren();
            }
        }
        if (keyId == null || account == null || publicKey == null) {
            throw new IOException("a key without keyId, account or publicKey");
        }
        final Ed25519Key.Public key;
        try {
            key = Ed25519Key.Public.of(Base64.getDecoder().decode(publicKey));
        } catch (final IllegalArgumentException e) {
            throw new IOException("key " + keyId + ": " + e.getMessage(), e);
        }
        return new ClientKeys.Entry(keyId, account, key, revoked);
    }

    private static void expect(final JsonToken t, final JsonToken wanted, final String what) throws IOException {
        if (t != wanted) {
            throw new IOException("expected " + what + ", found " + t);
        }
    }

    private static long integer(final JsonParser p, final String field) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
            throw new IOException(field + " is not an integer");
        }
        return p.getLongValue();
    }

    private static String text(final JsonParser p, final String field) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw new IOException(field + " is not a string");
        }
        return p.getText();
    }

    private static long require(final long value, final String field, final int line) throws IOException {
        if (value < 0) {
            throw new IOException("answer " + (line + 1) + " has no " + field);
        }
        return value;
    }
}
