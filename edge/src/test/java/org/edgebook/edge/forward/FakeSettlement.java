package org.edgebook.edge.forward;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.KeyCertOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.edgebook.codec.Ed25519Key;
import org.edgebook.codec.SignedRequest;

/**
 * A test-side settlement: {@code POST /v1/forward}, {@code GET /v1/sources/node:{id}} and {@code GET
 * /v1/node/client-keys?after=V} as docs/transaction-path.md specifies, over an in-memory reference of the exactly-once
 * rule (docs/semantics.md "Sources"): a mark per source; a line at or below it answers its original outcome; a line
 * past mark + 1 is a gap (and every line after it in the request); mark + 1 runs. Every request's node signature is
 * checked ({@link SignedRequest}, a 5 s window, no signature twice), else 401.
 * <p>
 * A transaction runs as settled (its own {@code cmd}, one {@code transferred} event) unless its {@code amount} is
 * {@code "999999"}, which is rejected {@code INSUFFICIENT_FUNDS}. The server records the order it ran them.
 * <p>
 * Faults, each taken by the next forward request: {@link Fault}. {@link #refuse} closes the listening socket
 * (connections are refused) and {@link #accept} opens it again on the same port.
 * <p>
 * Threading: the handlers run on the server's event loop; the state is guarded by this object's monitor, so tests
 * read it from their thread.
 */
final class FakeSettlement implements AutoCloseable {

    enum Fault {
        /** Wait {@link #delayMillis} before running and answering (past the client's deadline: it ran anyway). */
        DELAY,
        /** Run the first half of the lines, then answer 503 with {@code Retry-After} and {@code durableLines}. */
        UNAVAILABLE,
        /** Run every line, send part of the answer, then reset the connection. */
        RESET,
        /** Run every line, then close the connection without answering: the classic duplicate. */
        COMMIT_THEN_DROP,
        /**
         * A proxy in front loses the request (nothing runs) and answers 502; the requests pipelined behind it reach
         * settlement, and meet a gap.
         */
        LOST,
        /** Run nothing; answer 200 with a body that is not JSON lines. */
        GARBAGE
    }

    private static final JsonFactory JSON = new JsonFactory();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Vertx vertx;
    private final String node;
    private final Ed25519Key.Public nodeKey;
    private HttpServer server;
    private int port;

    // Guarded by this.
    private long mark;
    private long cmd;
    private final Map<Long, byte[]> answers = new HashMap<>();
    private final List<String> runOrder = new ArrayList<>();
    private final Map<String, Integer> runs = new HashMap<>();
    private final Map<Long, byte[]> txBySeq = new HashMap<>();
    private final ArrayDeque<Fault> faults = new ArrayDeque<>();
    private final Set<String> signatures = new HashSet<>();
    private final List<String> unauthorized = new ArrayList<>();
    private final List<KeyChange> keyChanges = new ArrayList<>();
    private long keyVersion;
    private int markFailures;
    private int keyFailures;
    private int forwardRequests;
    private int gapsAnswered;
    private long delayMillis = 300;

    private record KeyChange(long version, String keyId, String account, byte[] publicKey, boolean revoked) {
    }

    private final KeyCertOptions tls;

    FakeSettlement(final Vertx vertx, final String node, final Ed25519Key.Public nodeKey) throws Exception {
        this(vertx, node, nodeKey, null);
    }

    /** Over https with this certificate when {@code tls} is not null. */
    FakeSettlement(final Vertx vertx, final String node, final Ed25519Key.Public nodeKey, final KeyCertOptions tls)
            throws Exception {
        this.vertx = vertx;
        this.node = node;
        this.nodeKey = nodeKey;
        this.tls = tls;
        listen(0);
    }

    private void listen(final int at) throws Exception {
        final HttpServerOptions options = new HttpServerOptions().setReuseAddress(true);
        if (tls != null) {
            options.setSsl(true).setKeyCertOptions(tls);
        }
        server = vertx.createHttpServer(options).requestHandler(this::handle);
        port = server.listen(at, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
                .actualPort();
    }

    int port() {
        return port;
    }

    /** Closes the listening socket and its connections: connections are refused. */
    void refuse() throws Exception {
        server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** Listens again on the same port. */
    void accept() throws Exception {
        listen(port);
    }

    synchronized void fault(final Fault... next) {
        faults.addAll(Arrays.asList(next));
    }

    synchronized void clearFaults() {
        faults.clear();
    }

    synchronized void delayMillis(final long millis) {
        delayMillis = millis;
    }

    synchronized void failMarks(final int n) {
        markFailures = n;
    }

    synchronized void failKeys(final int n) {
        keyFailures = n;
    }

    synchronized void addKey(final String keyId, final String account, final byte[] publicKey) {
        keyChanges.add(new KeyChange(++keyVersion, keyId, account, publicKey, false));
    }

    synchronized void revokeKey(final String keyId) {
        for (final KeyChange k : keyChanges.reversed()) {
            if (k.keyId().equals(keyId)) {
                keyChanges.add(new KeyChange(++keyVersion, keyId, k.account(), k.publicKey(), true));
                return;
            }
        }
        throw new IllegalArgumentException(keyId);
    }

    /** Settlement restored from an old backup: it forgets what it ran after {@code toMark} (and its answers). */
    synchronized void rollback(final long toMark) {
        for (long seq = toMark + 1; seq <= mark; seq++) {
            answers.remove(seq);
        }
        mark = toMark;
    }

    synchronized long mark() {
        return mark;
    }

    synchronized List<String> runOrder() {
        return List.copyOf(runOrder);
    }

    synchronized Map<String, Integer> runs() {
        return Map.copyOf(runs);
    }

    synchronized byte[] txAt(final long seq) {
        return txBySeq.get(seq);
    }

    /** The answer settlement gave (and gives again) for a sequence. */
    synchronized JsonNode answer(final long seq) throws IOException {
        final byte[] a = answers.get(seq);
        return a == null ? null : MAPPER.readTree(a);
    }

    synchronized List<String> unauthorized() {
        return List.copyOf(unauthorized);
    }

    synchronized int forwardRequests() {
        return forwardRequests;
    }

    synchronized int gapsAnswered() {
        return gapsAnswered;
    }

    synchronized int faultsLeft() {
        return faults.size();
    }

    @Override
    public void close() throws Exception {
        server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    // ---- Requests ----

    private void handle(final HttpServerRequest req) {
        req.body().onSuccess(body -> {
            final byte[] bytes = body.getBytes();
            final String refusal = authenticate(req, bytes);
            if (refusal != null) {
                synchronized (this) {
                    unauthorized.add(refusal);
                }
                req.response().setStatusCode(401).end("{\"error\":\"" + refusal + "\"}");
                return;
            }
            final String path = req.path();
            if (req.method().name().equals("POST") && path.equals("/v1/forward")) {
                forward(req, bytes);
            } else if (req.method().name().equals("GET") && path.equals("/v1/sources/node:" + node)) {
                sources(req);
            } else if (req.method().name().equals("GET") && path.equals("/v1/node/client-keys")) {
                keys(req);
            } else {
                req.response().setStatusCode(404).end("{\"error\":\"not found\"}");
            }
        });
    }

    private synchronized String authenticate(final HttpServerRequest req, final byte[] body) {
        if (!node.equals(req.getHeader(SignedRequest.NODE_HEADER))) {
            return "unknown node " + req.getHeader(SignedRequest.NODE_HEADER);
        }
        final long ts;
        try {
            ts = Long.parseLong(req.getHeader(SignedRequest.TIMESTAMP_HEADER));
        } catch (final NumberFormatException e) {
            return "bad timestamp";
        }
        if (Math.abs(System.currentTimeMillis() - ts) > 5_000) {
            return "stale timestamp";
        }
        final String signature = req.getHeader(SignedRequest.SIGNATURE_HEADER);
        if (signature == null || !SignedRequest.verify(nodeKey, ts, req.method().name(), req.uri(), body,
                signature)) {
            return "bad signature on " + req.method() + " " + req.uri();
        }
        if (!signatures.add(signature)) {
            return "signature replayed";
        }
        return null;
    }

    private void sources(final HttpServerRequest req) {
        final long m;
        synchronized (this) {
            if (markFailures > 0) {
                markFailures--;
                req.response().setStatusCode(503).putHeader("Retry-After", "1").end("{\"error\":\"unavailable\"}");
                return;
            }
            m = mark;
        }
        req.response().putHeader("Content-Type", "application/json")
                .end("{\"source\":\"node:" + node + "\",\"mark\":" + m + "}");
    }

    private void keys(final HttpServerRequest req) {
        final long after = Long.parseLong(req.getParam("after"));
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        synchronized (this) {
            if (keyFailures > 0) {
                keyFailures--;
                req.response().setStatusCode(503).end("{\"error\":\"unavailable\"}");
                return;
            }
            try (JsonGenerator g = JSON.createGenerator(out)) {
                g.writeStartObject();
                g.writeNumberField("version", keyVersion);
                g.writeArrayFieldStart("keys");
                final Map<String, KeyChange> latest = new HashMap<>();
                for (final KeyChange k : keyChanges) {
                    if (k.version() > after) {
                        latest.put(k.keyId(), k);
                    }
                }
                for (final KeyChange k : latest.values()) {
                    g.writeStartObject();
                    g.writeStringField("keyId", k.keyId());
                    g.writeStringField("account", k.account());
                    g.writeStringField("publicKey", Base64.getEncoder().encodeToString(k.publicKey()));
                    g.writeBooleanField("revoked", k.revoked());
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeEndObject();
            } catch (final IOException e) {
                throw new IllegalStateException(e);
            }
        }
        req.response().putHeader("Content-Type", "application/json").end(Buffer.buffer(out.toByteArray()));
    }

    /** A forward line as received: its number and its tx's bytes. */
    private record Line(long seq, byte[] tx) {
    }

    private void forward(final HttpServerRequest req, final byte[] body) {
        final List<Line> lines;
        try {
            lines = parse(body);
        } catch (final IOException e) {
            req.response().setStatusCode(400).end("{\"error\":\"malformed\",\"detail\":\"" + e.getMessage() + "\"}");
            return;
        }
        final Fault fault;
        synchronized (this) {
            forwardRequests++;
            fault = faults.poll();
        }
        switch (fault) {
            case null -> answer(req, run(lines, lines.size()));
            case DELAY -> {
                final long delay;
                synchronized (this) {
                    delay = delayMillis;
                }
                vertx.setTimer(delay, id -> answer(req, run(lines, lines.size())));
            }
            case UNAVAILABLE -> {
                final int durable = lines.size() / 2;
                run(lines, durable);
                req.response().setStatusCode(503).putHeader("Retry-After", "1")
                        .putHeader("Content-Type", "application/json")
                        .end("{\"error\":\"journal\",\"detail\":\"the journal cannot write\",\"durableLines\":"
                                + durable + "}");
            }
            case RESET -> {
                final byte[] answer = run(lines, lines.size());
                req.response().setChunked(true).putHeader("Content-Type", "application/x-ndjson");
                req.response().write(Buffer.buffer(Arrays.copyOf(answer, Math.max(1, answer.length / 2))))
                        .onComplete(v -> req.connection().close());
            }
            case COMMIT_THEN_DROP -> {
                run(lines, lines.size());
                req.connection().close();
            }
            case GARBAGE -> req.response().putHeader("Content-Type", "application/x-ndjson").end("<html>oops</html>");
            case LOST -> req.response().setStatusCode(502).end("bad gateway");
        }
    }

    private void answer(final HttpServerRequest req, final byte[] answer) {
        if (!req.response().closed() && !req.response().ended()) {
            req.response().putHeader("Content-Type", "application/x-ndjson").end(Buffer.buffer(answer));
        }
    }

    private static List<Line> parse(final byte[] body) throws IOException {
        final List<Line> lines = new ArrayList<>();
        try (JsonParser p = JSON.createParser(body)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t != JsonToken.START_OBJECT) {
                    throw new IOException("a line is not an object");
                }
                long seq = -1;
                byte[] tx = null;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    final String field = p.currentName();
                    final JsonToken v = p.nextToken();
                    if (field.equals("sourceSeq") && v == JsonToken.VALUE_NUMBER_INT) {
                        seq = p.getLongValue();
                    } else if (field.equals("tx") && v == JsonToken.START_OBJECT) {
                        final int start = (int) p.currentTokenLocation().getByteOffset();
                        p.skipChildren();
                        tx = Arrays.copyOfRange(body, start, (int) p.currentLocation().getByteOffset());
                    } else {
                        throw new IOException("unexpected field " + field);
                    }
                }
                if (seq < 1 || tx == null) {
                    throw new IOException("a line without sourceSeq or tx");
                }
                if (!lines.isEmpty() && seq != lines.getLast().seq() + 1) {
                    throw new IOException("sourceSeq " + seq + " after " + lines.getLast().seq());
                }
                lines.add(new Line(seq, tx));
            }
        }
        if (lines.isEmpty()) {
            throw new IOException("no lines");
        }
        return lines;
    }

    /** Runs the first {@code n} lines by the exactly-once rule; answers their outcomes as JSON lines. */
    private synchronized byte[] run(final List<Line> lines, final int n) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean gap = false;
        for (int i = 0; i < n; i++) {
            final Line l = lines.get(i);
            final byte[] answer;
            if (!gap && l.seq() <= mark) {
                answer = answers.get(l.seq());
            } else if (gap || l.seq() > mark + 1) {
                gap = true;
                gapsAnswered++;
                answer = ("{\"sourceSeq\":" + l.seq() + ",\"outcome\":\"gap\",\"expected\":" + (mark + 1) + "}")
                        .getBytes(StandardCharsets.UTF_8);
            } else {
                mark = l.seq();
                answer = execute(l);
                answers.put(l.seq(), answer);
            }
            out.writeBytes(answer);
            out.write('\n');
        }
        return out.toByteArray();
    }

    private byte[] execute(final Line l) {
        final JsonNode tx;
        try {
            tx = MAPPER.readTree(l.tx());
        } catch (final IOException e) {
            throw new IllegalStateException(e);
        }
        final String id = tx.path("transferId").asText();
        runOrder.add(id);
        runs.merge(id, 1, Integer::sum);
        txBySeq.put(l.seq(), l.tx());
        final long c = ++cmd;
        if ("999999".equals(tx.path("amount").asText())) {
            return ("{\"sourceSeq\":" + l.seq() + ",\"outcome\":\"rejected\",\"cmd\":" + c
                    + ",\"reason\":\"INSUFFICIENT_FUNDS\",\"events\":[{\"type\":\"rejected\",\"cmd\":" + c
                    + ",\"reason\":\"INSUFFICIENT_FUNDS\",\"transferId\":\"" + id + "\"}]}")
                    .getBytes(StandardCharsets.UTF_8);
        }
        return ("{\"sourceSeq\":" + l.seq() + ",\"outcome\":\"settled\",\"cmd\":" + c
                + ",\"events\":[{\"type\":\"transferred\",\"cmd\":" + c + ",\"transferId\":\"" + id + "\"}]}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
