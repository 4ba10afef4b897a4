package org.edgebook.edge.tx;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.edgebook.codec.SignedRequest;
import org.edgebook.edge.outbox.Outbox;
import org.edgebook.http.RequestSignature;

/**
 * The edge node's transaction routes (docs/transaction-path.md, "At the edge node"): thin handlers that authenticate,
 * hand the work to {@link Intake}, and write its outcome as JSON.
 * <ul>
 * <li>{@code POST /v1/tx}: one signed transaction (a JSON object), or a batch (a JSON array of them, each taken on
 * its own: the answer is 200 with an array of outcomes, each with its {@code status}).</li>
 * <li>{@code GET /v1/tx/{id}}: the state, to the transaction's account (a request signed with one of its client keys,
 * {@link SignedRequest}) or the operator.</li>
 * <li>{@code GET /v1/tx/held}: the held transactions, to the operator.</li>
 * <li>{@code POST /v1/tx/{id}/release} and {@code POST /v1/tx/{id}/reject} (body {@code {"reason":"…"}}): the
 * operator ends a hold.</li>
 * </ul>
 * <p>
 * Threading: handlers on the Vert.x event loop that received the request; outcomes computed elsewhere (the sandbox's
 * workers, the outbox writer) are written back on that request's context.
 */
public final class TxRoutes {
    /** The largest batch: each transaction is answered in one response. */
    public static final int MAX_BATCH = 4096;
    private static final JsonFactory JSON = new JsonFactory();

    private final Intake intake;
    private final ClientKeys keys;
    private final OperatorKey operator;
    private final long clockWindowMillis;
    private final LongSupplier clockMillis;

    public TxRoutes(final Intake intake, final ClientKeys keys, final OperatorKey operator,
                    final long clockWindowMillis, final LongSupplier clockMillis) {
        this.intake = intake;
        this.keys = keys;
        this.operator = operator;
        this.clockWindowMillis = clockWindowMillis;
        this.clockMillis = clockMillis;
    }

    /** Whether {@code path} is one of these routes. */
    public static boolean handles(final String path) {
        return path.equals("/v1/tx") || path.startsWith("/v1/tx/");
    }

    /** Answers a request whose body has been read. */
    public void handle(final HttpServerRequest request, final byte[] body, final String requestId) {
        final String path = request.path();
        final HttpMethod method = request.method();
        if (path.equals("/v1/tx")) {
            if (method != HttpMethod.POST) {
                notAllowed(request, "POST");
                return;
            }
            submit(request, body, requestId);
            return;
        }
        final String rest = path.substring("/v1/tx/".length());
        if (rest.equals("held")) {
            if (method != HttpMethod.GET) {
                notAllowed(request, "GET");
                return;
            }
            if (operatorRefused(request, body)) {
                return;
            }
            held(request);
            return;
        }
        final int slash = rest.indexOf('/');
        final String id = slash < 0 ? rest : rest.substring(0, slash);
        final String action = slash < 0 ? null : rest.substring(slash + 1);
        if (id.isEmpty() || id.length() > 200) {
            send(request, 404, TxJson.error("not found", "no route " + path));
            return;
        }
        if (action == null) {
            if (method != HttpMethod.GET) {
                notAllowed(request, "GET");
                return;
            }
            state(request, body, id);
            return;
        }
        if (!action.equals("release") && !action.equals("reject")) {
            send(request, 404, TxJson.error("not found", "no route " + path + " (release or reject)"));
            return;
        }
        if (method != HttpMethod.POST) {
            notAllowed(request, "POST");
            return;
        }
        if (operatorRefused(request, body)) {
            return;
        }
        final String by = "operator " + operator.id();
        final CompletableFuture<Intake.Outcome> outcome;
        if (action.equals("release")) {
            outcome = intake.release(id, by);
        } else {
            final String reason = reason(body);
            if (reason == null) {
                send(request, 400, TxJson.error("MALFORMED", "a reject's body is {\"reason\":\"…\"}: 1 to 200 "
                        + "characters saying why"));
                return;
            }
            outcome = intake.reject(id, by, reason);
        }
        answer(request, outcome);
    }

    private void submit(final HttpServerRequest request, final byte[] body, final String requestId) {
        int first = 0;
        while (first < body.length && body[first] <= ' ') {
            first++;
        }
        if (first == body.length || body[first] != '[') {
            // Checked and screened on a worker, not the event loop: the signature alone is about 65 µs of CPU, and
            // the workers use every core where one event loop would use one (measured: BENCHMARKS.md)
            final CompletableFuture<Intake.Outcome> outcome = new CompletableFuture<>();
            Vertx.currentContext().owner().executeBlocking(() -> intake.take(body, 0, body.length, requestId)
                    .whenComplete((o, e) -> outcome.complete(o)), false).onFailure(outcome::completeExceptionally);
            answer(request, outcome);
            return;
        }
        final List<int[]> items;
        try {
            items = items(body);
        } catch (final IOException | IllegalArgumentException e) {
            send(request, 400, TxJson.error("MALFORMED", "a batch is a JSON array of signed transactions: "
                    + e.getMessage()));
            return;
        }
        if (items.isEmpty() || items.size() > MAX_BATCH) {
            send(request, 400, TxJson.error("MALFORMED", "a batch holds 1 to " + MAX_BATCH + " transactions, not "
                    + items.size()));
            return;
        }
        // Checked on a worker, not the event loop: a batch's signatures take about 65 µs each, 270 ms for the largest,
        // and the workers spread them over the cores.
        final Context context = Vertx.currentContext();
        final List<CompletableFuture<Intake.Outcome>> outcomes = new ArrayList<>(items.size());
        context.owner().executeBlocking(() -> {
            for (int i = 0; i < items.size(); i++) {
                outcomes.add(intake.take(body, items.get(i)[0], items.get(i)[1], requestId + "-" + i));
            }
            return null;
        }, false).onComplete(taken -> CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new))
                .whenComplete((v, e) -> context.runOnContext(x -> {
                    final ByteArrayOutputStream out = new ByteArrayOutputStream(outcomes.size() * 128);
                    out.write('[');
                    for (int i = 0; i < outcomes.size(); i++) {
                        if (i > 0) {
                            out.write(',');
                        }
                        out.writeBytes(json(outcomes.get(i).join(), true));
                    }
                    out.write(']');
                    send(request, 200, out.toByteArray());
                })));
    }

    /** The offset and length of each object in a JSON array. */
    private static List<int[]> items(final byte[] body) throws IOException {
        final List<int[]> items = new ArrayList<>();
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                throw new IllegalArgumentException("expected an array");
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.START_OBJECT) {
                final int start = (int) p.currentTokenLocation().getByteOffset();
                p.skipChildren();
                final int end = (int) p.currentLocation().getByteOffset();
                items.add(new int[] {start, end - start});
                if (items.size() > MAX_BATCH) {
                    return items;
                }
            }
            if (t != JsonToken.END_ARRAY) {
                throw new IllegalArgumentException("item " + (items.size() + 1) + " is not an object");
            }
            if (p.nextToken() != null) {
                throw new IllegalArgumentException("something follows the array");
            }
        }
        return items;
    }

    private void state(final HttpServerRequest request, final byte[] body, final String id) {
        final Outbox.TxState state = intake.outbox().state(id);
        final String clientKey = request.getHeader(SignedRequest.CLIENT_KEY_HEADER);
        if (clientKey == null) {
            if (operatorRefused(request, body)) {
                return;
            }
        } else {
            final String account = clientAccount(request, body, clientKey);
            if (account == null) {
                return;
            }
            if (state != null && !account.equals(state.account())) {
                send(request, 404, notFound(id)); // the same answer as for no transaction: ids are not probed
                return;
            }
        }
        if (state == null) {
            send(request, 404, notFound(id));
            return;
        }
        send(request, 200, TxJson.object(json -> TxJson.state(json, state)));
    }

    private static byte[] notFound(final String id) {
        return TxJson.error("not found", "no transaction " + id + " of yours at this node (or it ended longer ago "
                + "than the node keeps states)");
    }

    private void held(final HttpServerRequest request) {
        final List<Outbox.TxState> held = intake.outbox().held();
        final ByteArrayOutputStream out = new ByteArrayOutputStream(held.size() * 128 + 2);
        out.write('[');
        for (int i = 0; i < held.size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            final Outbox.TxState s = held.get(i);
            out.writeBytes(TxJson.object(json -> TxJson.state(json, s)));
        }
        out.write(']');
        send(request, 200, out.toByteArray());
    }

    /**
     * The account of the client key that signed this request ({@link SignedRequest}), or null when it does not
     * authenticate (the 401 is then sent).
     */
    String clientAccount(final HttpServerRequest request, final byte[] body, final String keyId) {
        final String timestamp = request.getHeader(SignedRequest.TIMESTAMP_HEADER);
        final String signature = request.getHeader(SignedRequest.SIGNATURE_HEADER);
        final ClientKeys.Entry key = keys.get(keyId);
        final String refusal;
        long millis = 0;
        try {
            millis = timestamp == null ? 0 : Long.parseLong(timestamp);
        } catch (final NumberFormatException e) {
            millis = Long.MIN_VALUE;
        }
        if (timestamp == null || signature == null) {
            refusal = "send " + SignedRequest.TIMESTAMP_HEADER + " and " + SignedRequest.SIGNATURE_HEADER + " with "
                    + SignedRequest.CLIENT_KEY_HEADER;
        } else if (millis == Long.MIN_VALUE) {
            refusal = "the timestamp is not milliseconds";
        } else if (Math.abs(clockMillis.getAsLong() - millis) > clockWindowMillis) {
            refusal = "the timestamp is more than " + clockWindowMillis + " ms from the node's clock";
        } else if (key == null) {
            refusal = "unknown key " + keyId;
        } else if (key.revoked()) {
            refusal = "client key " + keyId + " was revoked";
        } else if (!SignedRequest.verify(key.key(), millis, request.method().name(), request.uri(), body,
                signature)) {
            refusal = "bad signature";
        } else {
            return key.account();
        }
        send(request, 401, TxJson.error("unauthorized", refusal));
        return null;
    }

    /** Sends the 401 and answers true when the request is not the operator's. */
    boolean operatorRefused(final HttpServerRequest request, final byte[] body) {
        final String refusal = operator.refusal(request.getHeader(RequestSignature.KEY_HEADER), request.getHeader(
                RequestSignature.TIMESTAMP_HEADER), request.getHeader(RequestSignature.SIGNATURE_HEADER), request
                        .method().name(), request.uri(), body, clockMillis.getAsLong());
        if (refusal == null) {
            return false;
        }
        send(request, 401, TxJson.error("unauthorized", refusal));
        return true;
    }

    private static String reason(final byte[] body) {
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT || p.nextToken() != JsonToken.FIELD_NAME || !"reason"
                    .equals(p.currentName()) || p.nextToken() != JsonToken.VALUE_STRING) {
                return null;
            }
            final String reason = p.getText();
            if (p.nextToken() != JsonToken.END_OBJECT || reason.isEmpty() || reason.length() > 200) {
                return null;
            }
            return reason;
        } catch (final IOException e) {
            return null;
        }
    }

    private static void answer(final HttpServerRequest request, final CompletableFuture<Intake.Outcome> outcome) {
        final Context context = Vertx.currentContext();
        outcome.whenComplete((result, e) -> context.runOnContext(v -> {
            final Intake.Outcome o = result != null ? result : Intake.Outcome.refused(503, "busy", "the node could "
                    + "not take the transaction now: " + e);
            if (o.status() == 503) {
                request.response().putHeader("Retry-After", "1");
            }
            send(request, o.status(), json(o, false));
        }));
    }

    /** An outcome as JSON: the state (with {@code outboxSeq} or {@code repeat}) or the error. */
    static byte[] json(final Intake.Outcome o, final boolean withStatus) {
        return TxJson.object(json -> {
            if (withStatus) {
                json.writeNumberField("status", o.status());
            }
            if (o.failed()) {
                json.writeStringField("error", o.error());
                json.writeStringField("detail", o.detail());
                return;
            }
            TxJson.state(json, o.state());
            if (o.outboxSeq() > 0) {
                json.writeNumberField("outboxSeq", o.outboxSeq());
            }
            if (o.repeat()) {
                json.writeBooleanField("repeat", true);
            }
        });
    }

    private static void notAllowed(final HttpServerRequest request, final String allowed) {
        request.response().putHeader(HttpHeaders.ALLOW, allowed);
        send(request, 405, TxJson.error("method not allowed", request.method().name() + " is not allowed; use "
                + allowed));
    }

    private static void send(final HttpServerRequest request, final int status, final byte[] body) {
        request.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(io.vertx.core.buffer.Buffer.buffer(body));
    }
}
