package org.edgebook.edge.screening;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.LongSupplier;
import org.edgebook.edge.EdgeFunction;
import org.edgebook.edge.EdgeRequest;
import org.edgebook.edge.EdgeResponse;
import org.edgebook.edge.json.JsonSyntaxException;
import org.edgebook.edge.json.JsonTape;
import org.edgebook.sandbox.GuestCall;
import org.edgebook.sandbox.GuestFailure;
import org.edgebook.sandbox.SandboxedFunction;

/**
 * Screens transactions with a screening function (docs/edge-functions.md section 5), native or WebAssembly: builds
 * the function's input from the transaction, the account's activity in the {@link ActivityTracker} and the config,
 * runs the function, and reads its answer. A function that fails (a trap, its deadline or CPU budget, an answer over
 * its output limit, a status other than 200, a body that is not JSON or not one of the three decisions) gets the
 * {@link OnFailure} answer with reason {@code SCREENING_FAILED: WHAT}; by default {@code hold}, so that a broken
 * function never lets money through unseen.
 * <p>
 * For an HTTP route: {@link #screen} does not block. A native function runs on the caller's thread and the future is
 * complete on return; a WebAssembly one runs on its {@link SandboxedFunction}'s workers and the future completes there
 * (an event loop caller should hop back, as the edge node does for WebAssembly routes). When the node accepts a
 * transaction (at once, or a held one once released) it calls {@link #accepted} so that the activity counts it.
 * <p>
 * Thread-safe: any number of threads may screen at once (the tracker is thread-safe, the rest is immutable).
 */
public final class Screening {
    /** What a failed call answers: {@code hold} (fail closed, the default), {@code reject}, or {@code accept}. */
    public enum OnFailure {
        HOLD(Decision.Kind.HOLD),
        REJECT(Decision.Kind.REJECT),
        ACCEPT(Decision.Kind.ACCEPT);

        private final Decision.Kind kind;

        OnFailure(final Decision.Kind kind) {
            this.kind = kind;
        }

        /** {@code hold}, {@code reject} or {@code accept}, as a config writes it. */
        public static OnFailure parse(final String text) {
            return switch (text) {
                case "hold" -> HOLD;
                case "reject" -> REJECT;
                case "accept" -> ACCEPT;
                default -> throw new IllegalArgumentException("onFailure must be hold, reject or accept, not "
                        + text);
            };
        }
    }

    /** The largest reason a function may give, in characters (section 5.4). */
    public static final int MAX_REASON = 64;

    private static final byte[] DECISION = ascii("decision");
    private static final byte[] REASON = ascii("reason");
    private static final byte[] SCORE = ascii("score");
    private static final Decision.Kind[] KINDS = Decision.Kind.values();
    private static final byte[][] KIND_TOKENS = {ascii("\"accept\""), ascii("\"hold\""), ascii("\"reject\"")};
    private static final ThreadLocal<JsonTape> TAPE = ThreadLocal.withInitial(JsonTape::new);

    /** Calls the function: native in place, WebAssembly through the sandbox. */
    private interface Caller {
        CompletableFuture<Answer> call(byte[] input, String requestId, long nowMillis);
    }

    /** The function's status and body, or the failure (its WHAT and detail) when it gave none. */
    private record Answer(int status, byte[] body, String what, String detail) {
    }

    private final Caller caller;
    private final ScreeningConfig config;
    private final String configJson;
    private static final com.fasterxml.jackson.core.JsonFactory JSON = new com.fasterxml.jackson.core.JsonFactory();
    private final ActivityTracker tracker;
    private final OnFailure onFailure;
    private final LongSupplier clock;

    private Screening(final Caller caller, final ScreeningConfig config, final ActivityTracker tracker,
                      final OnFailure onFailure, final LongSupplier clock) {
        this.caller = caller;
        this.config = config;
        this.configJson = new String(config.json(), StandardCharsets.UTF_8);
        this.tracker = tracker;
        this.onFailure = onFailure;
        this.clock = clock;
    }

    /**
     * Screening with a native function (trusted, in-process: it runs on the caller's thread with no deadline).
     *
     * @param clock the node's clock, UTC epoch milliseconds (tests drive it)
     */
    public static Screening ofNative(final EdgeFunction function, final ScreeningConfig config,
                                     final ActivityTracker tracker, final OnFailure onFailure,
                                     final LongSupplier clock) {
        return new Screening((input, requestId, now) -> {
            try {
                final EdgeResponse r = function.handle(new EdgeRequest("POST", "/screening", null, Map.of(), input,
                        input.length, requestId, now));
                return CompletableFuture.completedFuture(new Answer(r.status(), r.body(), null, null));
            } catch (RuntimeException e) {
                return CompletableFuture.completedFuture(new Answer(0, null, "native_exception",
                        "the native function " + function.name() + " threw " + e));
            }
        }, config, tracker, onFailure, clock);
    }

    /** Screening with a WebAssembly function, under its sandbox's limits (memory, deadline, CPU, output, queue). */
    public static Screening ofSandboxed(final SandboxedFunction function, final ScreeningConfig config,
                                        final ActivityTracker tracker, final OnFailure onFailure,
                                        final LongSupplier clock) {
        return new Screening((input, requestId, now) -> function.submit(new GuestCall(input, input.length,
                Map.of("REQUEST_METHOD", "POST", "X_REQUEST_ID", requestId, "X_REQUEST_TIME_MS", Long.toString(now)),
                requestId, now)).handle((result, error) -> {
                    if (error == null) {
                        return new Answer(result.status(), result.body(), null, null);
                    }
                    final Throwable cause = error instanceof CompletionException && error.getCause() != null
                            ? error.getCause()
                            : error;
                    if (cause instanceof GuestFailure f) {
                        return new Answer(0, null, f.kind().label(), f.getMessage());
                    }
                    return new Answer(0, null, GuestFailure.Kind.HOST_ERROR.label(), String.valueOf(cause));
                }), config, tracker, onFailure, clock);
    }

    public ScreeningConfig config() {
        return config;
    }

    public ActivityTracker tracker() {
        return tracker;
    }

    public OnFailure onFailure() {
        return onFailure;
    }

    /** Screens {@code tx} against the account's activity now. Never completes exceptionally. */
    public CompletableFuture<Decision> screen(final Transaction tx, final String requestId) {
        final long now = clock.getAsLong();
        final byte[] input;
        try {
            input = input(tx, tracker.snapshot(tx.account(), now));
        } catch (final RuntimeException e) { // a transaction the node should have refused: held, never thrown
            return CompletableFuture.completedFuture(failure("bad_input", "the transaction could not be given to "
                    + "the function: " + e));
        }
        return caller.call(input, requestId, now).handle((answer, error) -> {
            if (error != null) {
                return failure("call_failed", String.valueOf(error));
            }
            try {
                return decide(answer);
            } catch (final RuntimeException e) { // e.g. a native function's 200 without a body
                return failure("malformed_answer", "the function's answer could not be read: " + e);
            }
        });
    }

    /**
     * Counts {@code tx} in the account's activity, now: a transfer's amount in its asset, a place's notional in its
     * quote asset. Returns false when the amount could not be read at the asset's scale (an asset not in the config,
     * an unreadable amount: then it counts with amount 0) or the symbol is not in the config (then nothing is
     * counted).
     */
    public boolean accepted(final Transaction tx) {
        final long now = clock.getAsLong();
        final String asset;
        final long units;
        switch (tx) {
            case Transaction.Transfer t -> {
                asset = t.asset();
                final ScreeningConfig.AssetLimits limits = config.assets().get(asset);
                units = limits == null ? -1 : org.edgebook.edge.functions.ScreeningFunction.units(t.amount(), limits
                        .decimals());
            }
            case Transaction.Place p -> {
                asset = config.symbols().get(p.symbol());
                if (asset == null) {
                    return false;
                }
                final ScreeningConfig.AssetLimits limits = config.assets().get(asset);
                units = limits == null ? -1 : org.edgebook.edge.functions.ScreeningFunction.notionalUnits(p.price(),
                        p.quantity(), limits.decimals());
            }
        }
        tracker.record(tx.account(), asset, Math.max(0, units), now);
        return units >= 0;
    }

    /** The function's input for {@code tx} with {@code activity} (section 5.1), written by a JSON generator. */
    public byte[] input(final Transaction tx, final ActivityTracker.Activity activity) {
        final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(256 + configJson.length());
        try (com.fasterxml.jackson.core.JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeObjectFieldStart("tx");
            switch (tx) {
                case Transaction.Transfer t -> {
                    json.writeStringField("type", "transfer");
                    json.writeStringField("account", t.account());
                    json.writeStringField("transferId", t.transferId());
                    json.writeStringField("asset", t.asset());
                    json.writeStringField("to", t.to());
                    json.writeStringField("amount", t.amount());
                }
                case Transaction.Place p -> {
                    json.writeStringField("type", "place");
                    json.writeStringField("account", p.account());
                    json.writeStringField("clientOrderId", p.clientOrderId());
                    json.writeStringField("symbol", p.symbol());
                    json.writeStringField("side", p.side());
                    json.writeStringField("price", p.price());
                    json.writeStringField("quantity", p.quantity());
                }
            }
            json.writeEndObject();
            json.writeObjectFieldStart("activity");
            json.writeObjectFieldStart("lastMinute");
            for (final ActivityTracker.AssetActivity a : activity.assets()) {
                if (a.minuteCount() > 0) {
                    entry(json, a.asset(), a.minuteCount(), a.minuteUnits());
                }
            }
            json.writeEndObject();
            json.writeObjectFieldStart("lastHour");
            for (final ActivityTracker.AssetActivity a : activity.assets()) {
                entry(json, a.asset(), a.hourCount(), a.hourUnits());
            }
            json.writeEndObject();
            json.writeEndObject();
            json.writeFieldName("config");
            json.writeRawValue(configJson); // the config as it was read and checked
            json.writeEndObject();
        } catch (final java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private void entry(final com.fasterxml.jackson.core.JsonGenerator json, final String asset, final int count,
                       final long units) throws java.io.IOException {
        json.writeObjectFieldStart(asset);
        json.writeNumberField("count", count);
        final StringBuilder amount = new StringBuilder(24);
        final ScreeningConfig.AssetLimits limits = config.assets().get(asset);
        ScreeningConfig.appendDecimal(amount, units, limits == null ? 0 : limits.decimals());
        json.writeStringField("amount", amount.toString());
        json.writeEndObject();
    }

    private Decision decide(final Answer answer) {
        if (answer.what() != null) {
            return failure(answer.what(), answer.detail());
        }
        return read(answer.status(), answer.body(), onFailure);
    }

    private Decision failure(final String what, final String detail) {
        return new Decision(onFailure.kind, Decision.FAILED + what, -1, detail);
    }

    /**
     * A function's answer as section 5.4 accepts it: status 200 and an object with {@code decision} {@code accept},
     * {@code hold} or {@code reject}, a {@code reason} of 1 to 64 of {@code A-Z 0-9 _} for a hold or reject, and an
     * optional {@code score} from 0 to 1000; anything else is the {@code onFailure} answer.
     */
    static Decision read(final int status, final byte[] body, final OnFailure onFailure) {
        if (body == null) {
            return new Decision(onFailure.kind, Decision.FAILED + "malformed_answer", -1, "the function answered "
                    + "status " + status + " without a body");
        }
        if (status != 200) {
            return new Decision(onFailure.kind, Decision.FAILED + "error_answer", -1, "the function answered status "
                    + status + ": " + snippet(body));
        }
        final JsonTape t = TAPE.get();
        try {
            t.parse(body, body.length);
        } catch (JsonSyntaxException e) {
            return new Decision(onFailure.kind, Decision.FAILED + "malformed_answer", -1, "the function's answer is "
                    + "not JSON (" + e.getMessage() + "): " + snippet(body));
        }
        final String problem = notADecision(t);
        if (problem != null) {
            return new Decision(onFailure.kind, Decision.FAILED + "not_a_decision", -1, "the function's answer "
                    + problem + ": " + snippet(body));
        }
        final Decision.Kind kind = kind(t, t.member(0, DECISION));
        final int reason = t.member(0, REASON);
        final int score = t.member(0, SCORE);
        return new Decision(kind, kind == Decision.Kind.ACCEPT ? null : new String(body, t.start(reason) + 1,
                t.end(reason) - t.start(reason) - 2, StandardCharsets.US_ASCII), score < 0 ? -1 : (int) count(t,
                        score), null);
    }

    /** Why the parsed answer is not a decision, or null when it is one. */
    private static String notADecision(final JsonTape t) {
        if (t.type(0) != JsonTape.OBJECT) {
            return "is not an object";
        }
        final int decision = t.member(0, DECISION);
        if (decision < 0) {
            return "has no decision";
        }
        final Decision.Kind kind = kind(t, decision);
        if (kind == null) {
            return "has a decision other than accept, hold or reject";
        }
        if (kind != Decision.Kind.ACCEPT) {
            final int reason = t.member(0, REASON);
            if (reason < 0 || !isReason(t, reason)) {
                return "has a " + kind.label() + " without a reason of 1 to " + MAX_REASON + " of A-Z, 0-9 and _";
            }
        }
        final int score = t.member(0, SCORE);
        if (score >= 0 && count(t, score) < 0) {
            return "has a score that is not an integer from 0 to 1000";
        }
        return null;
    }

    private static Decision.Kind kind(final JsonTape t, final int node) {
        for (int k = 0; k < KINDS.length; k++) {
            final byte[] token = KIND_TOKENS[k];
            if (java.util.Arrays.equals(t.body(), t.start(node), t.end(node), token, 0, token.length)) {
                return KINDS[k];
            }
        }
        return null;
    }

    private static boolean isReason(final JsonTape t, final int node) {
        if (t.type(node) != JsonTape.STRING) {
            return false;
        }
        final int from = t.start(node) + 1;
        final int to = t.end(node) - 1;
        if (to - from < 1 || to - from > MAX_REASON) {
            return false;
        }
        final byte[] b = t.body();
        for (int i = from; i < to; i++) {
            final byte c = b[i];
            if (!(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') && c != '_') {
                return false;
            }
        }
        return true;
    }

    /** A digits-only JSON integer from 0 to 1000, or -1. */
    private static long count(final JsonTape t, final int node) {
        final byte[] b = t.body();
        if (t.type(node) != JsonTape.NUMBER || t.end(node) - t.start(node) > 4) {
            return -1;
        }
        long n = 0;
        for (int i = t.start(node); i < t.end(node); i++) {
            if (b[i] < '0' || b[i] > '9') {
                return -1;
            }
            n = n * 10 + (b[i] - '0');
        }
        return n <= 1000 ? n : -1;
    }

    private static String snippet(final byte[] body) {
        if (body == null) {
            return "";
        }
        final String text = new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8);
        return body.length > 200 ? text + "…" : text;
    }

    private static byte[] ascii(final String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
