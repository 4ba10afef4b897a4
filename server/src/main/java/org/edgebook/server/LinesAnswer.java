package org.edgebook.server;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The answer of a request of many lines, each submitted to the engine and answered exactly once, in any order
 * ({@code /v1/batch}, {@code /v1/forward}): each line's answer is appended in order when it is next, copied once, or
 * parked (copied) until it is; once every line is in, the request is answered: 200 with the lines (JSON lines) if all
 * were made durable, otherwise 503 with {@code Retry-After} and {@code durableLines}, how many of the first lines
 * stand.
 * <p>
 * Threading: lines are answered on the publisher thread (a failed one may come from the engine thread, a repeat's
 * original from the journal lookup thread); the gathering is synchronized; the response is written on the request's
 * context.
 */
final class LinesAnswer {
    static final byte[] NONE = new byte[0];

    private final RoutingContext ctx;
    private final Context context;
    private final int lines;
    private final String unit;
    private final String resend;
    /** Lines not yet answered (durable, failed, or never submitted). */
    private final AtomicInteger remaining;
    private final AtomicReference<IOException> failure = new AtomicReference<>();
    /** The answers of lines 0 to {@link #next} - 1, in order. */
    private final Buffer out;
    /** Lines answered ahead of one still waiting, until it is their turn. */
    private byte[][] parked;
    private int next;
    private final AtomicInteger durable = new AtomicInteger();
    private volatile Refusal refusal;
    private volatile int submitted;

    /**
     * @param unit   what the request is called in a 503's detail ("batch", "request")
     * @param resend how to resend the lines not accepted, appended to "send them again" ("" or ", from the node's
     *               mark + 1")
     */
    LinesAnswer(final RoutingContext ctx, final int lines, final int bytesPerLine, final String unit,
                final String resend) {
        this.ctx = ctx;
        this.context = ctx.vertx().getOrCreateContext();
        this.lines = lines;
        this.unit = unit;
        this.resend = resend;
        this.remaining = new AtomicInteger(lines);
        this.submitted = lines;
        this.out = Buffer.buffer(lines * bytesPerLine);
    }

    /** Line {@code index} (from 0) was made durable: its answer is {@code head}, {@code bytes[from, to)}, {@code tail}. */
    void durable(final int index, final byte[] head, final byte[] bytes, final int from, final int to,
                 final byte[] tail) {
        line(index, head, bytes, from, to, tail);
        durable.incrementAndGet();
        answered(1);
    }

    /** A line failed (the journal could not make it durable). */
    void failed(final IOException cause) {
        failure.compareAndSet(null, cause);
        answered(1);
    }

    /** Line {@code index} (from 0) and every later one were not submitted. */
    void refused(final int index, final Refusal why) {
        refusal = why;
        submitted = index;
        answered(lines - index);
    }

    private synchronized void line(final int index, final byte[] head, final byte[] bytes, final int from,
                                   final int to, final byte[] tail) {
        if (index != next) {
            if (parked == null) {
                parked = new byte[lines][];
            }
            final byte[] whole = Arrays.copyOf(head, head.length + to - from + tail.length);
            if (bytes != null) {
                System.arraycopy(bytes, from, whole, head.length, to - from);
            }
            System.arraycopy(tail, 0, whole, head.length + to - from, tail.length);
            parked[index] = whole;
            return;
        }
        out.appendBytes(head);
        if (bytes != null) {
            out.appendBytes(bytes, from, to - from);
        }
        out.appendBytes(tail);
        next++;
        while (parked != null && next < lines && parked[next] != null) {
            out.appendBytes(parked[next]);
            parked[next++] = null;
        }
    }

    private void answered(final int count) {
        if (remaining.addAndGet(-count) == 0) {
            context.runOnContext(v -> finish());
        }
    }

    private synchronized void finish() {
        final IOException failed = failure.get();
        final int made = durable.get();
        if (failed == null && refusal == null) {
            if (!ctx.response().ended() && !ctx.response().closed()) {
                ctx.response().setStatusCode(200).putHeader("Content-Type", "application/x-ndjson").end(out);
            }
            return;
        }
        final Refusal why = failed != null ? Refusal.journalFailed(failed) : refusal;
        final String detail = failed == null && "busy".equals(why.error())
                ? "the engine took the first " + submitted + " lines of the " + unit + "; they stand. Send the rest "
                        + "again later" + resend + "."
                : why.reason() + "; " + (made == 0 ? "no line of the " + unit + " was made durable"
                        : "the first " + made + " of its " + lines + " lines were made durable and stand")
                        + "; lines " + (made + 1) + " to " + lines + " were not accepted (send them again once the "
                        + "service is back" + resend + ")";
        if (!ctx.response().ended() && !ctx.response().closed()) {
            ctx.response().putHeader("Retry-After", Long.toString(why.retryAfterSeconds()));
            HttpAnswers.json(ctx, 503, ApiResponses.object(json -> {
                json.writeStringField("error", why.error());
                json.writeStringField("detail", detail);
                json.writeNumberField("durableLines", made);
            }));
        }
    }
}
