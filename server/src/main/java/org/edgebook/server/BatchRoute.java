package org.edgebook.server;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.edgebook.codec.CommandDecoder;
import org.edgebook.engine.Command;
import org.edgebook.journal.DurableEngine;
import org.edgebook.journal.Senders;
import org.edgebook.journal.Sequencer;

/**
 * {@code POST /v1/batch}: JSON lines in, JSON lines out. Every line is checked ({@link AccountScope#ofLine}) before
 * any is submitted, so a refused line means nothing was done. Each line's events are the pipeline's bytes (written
 * as JSON lines, in the key's view), appended to the answer in order as each becomes durable: copied once (lines
 * answered while an earlier repeat of a sourced command is still looked up in the journal wait, copied, for it).
 * <p>
 * Every line submitted is answered exactly once (durable or failed), so the request is answered as soon as the last
 * one is: 200 with the events if all were made durable; otherwise 503 with {@code Retry-After}, saying how many of
 * the first lines were made durable (they stand) and that the rest were not accepted.
 * <p>
 * Threading: the handler on the event loop; replies on the publisher thread (a failed one may come from the engine
 * thread, a repeat's original from the journal lookup thread); the answer is written on the request's context.
 */
final class BatchRoute {
    private final DurableEngine engine;
    private final SignedCommands signed;

    BatchRoute(final DurableEngine engine, final SignedCommands signed) {
        this.engine = engine;
        this.signed = signed;
    }

    void register(final Router router) {
        router.post("/v1/batch").handler(this::batch);
    }

    private void batch(final RoutingContext ctx) {
        final ApiKey key = ctx.get("key");
        final byte[] bytes = HttpAnswers.body(ctx);
        final List<Command> commands = new ArrayList<>();
        final CommandDecoder decoder = HttpAnswers.decoder();
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
            if (i == bytes.length || bytes[i] == '\n') {
                final int end = i > start && bytes[i - 1] == '\r' ? i - 1 : i;
                if (end > start) {
                    final SignedCommands.Checked checked = signed.check(bytes, start, end - start);
                    if (checked.refused()) {
                        ctx.put(FailedAuthentications.NOT_COUNTED, true);
                        HttpAnswers.json(ctx, checked.status(), ApiResponses.error(checked.error(), "line "
                                + (commands.size() + 1) + ": " + checked.detail() + "; nothing in the batch was done"));
                        return;
                    }
                    final AccountScope.Scoped scoped = AccountScope.ofLine(key, decoder.decode(checked.bytes(),
                            checked.offset(), checked.length()), checked.signer());
                    if (scoped.refused()) {
                        ctx.put(FailedAuthentications.NOT_COUNTED, true);
                        final int line = commands.size() + 1;
                        HttpAnswers.json(ctx, scoped.status(), ApiResponses.error(scoped.error(), scoped.status() == 403
                                && checked.signer() == null
                                        ? "line " + line + " is not a command of account " + key.account() + ": "
                                                + scoped.detail()
                                        : "line " + line + ": " + scoped.detail() + "; nothing in the batch was done"));
                        return;
                    }
                    commands.add(scoped.command());
                }
                start = i + 1;
            }
        }
        if (commands.isEmpty()) {
            HttpAnswers.json(ctx, 400, ApiResponses.error("MALFORMED", "the batch holds no command"));
            return;
        }
        final Answer answer = new Answer(ctx, commands.size());
        for (int i = 0; i < commands.size(); i++) {
            if (!engine.submit(commands.get(i), key.id(), Replies.viewer(key), '\n', answer.new Line(engine, key,
                    i))) {
                answer.refused(i, Refusal.of(engine));
                return;
            }
        }
    }

    /**
     * The answer being gathered: each durable line's events kept at its place, and what stopped the rest. A line that
     * repeated a sourced command gives its own {@code duplicate} event, then its original's events (with the
     * original's seq), or a line {@code {"error":…,"detail":…}} when they cannot be given; such a line may be
     * answered after later ones (from the journal), so each is kept at its place until all are in.
     */
    private static final class Answer {
        private final RoutingContext ctx;
        private final Context context;
        private final int lines;
        /** Lines not yet answered (durable, failed, or never submitted). */
        private final AtomicInteger remaining;
        private final AtomicReference<IOException> failure = new AtomicReference<>();
        /** The events of lines 0 to {@link #next} - 1, in order: each line's copied once, when it is next. */
        private final Buffer events;
        /** Lines answered ahead of one still waiting (a repeat looked up in the journal), until it is their turn. */
        private byte[][] parked;
        private int next;
        private final AtomicInteger durable = new AtomicInteger();
        private volatile Refusal refusal;
        private volatile int submitted;

        Answer(final RoutingContext ctx, final int lines) {
            this.ctx = ctx;
            this.context = ctx.vertx().getOrCreateContext();
            this.lines = lines;
            this.remaining = new AtomicInteger(lines);
            this.submitted = lines;
            this.events = Buffer.buffer(lines * 160);
        }

        /** Line {@code index}'s events, {@code bytes[from, to)}: appended if it is next, else parked until it is. */
        private synchronized void line(final int index, final byte[] bytes, final int from, final int to) {
            if (index != next) {
                if (parked == null) {
                    parked = new byte[lines][];
                }
                parked[index] = java.util.Arrays.copyOfRange(bytes, from, to);
                return;
            }
            events.appendBytes(bytes, from, to - from);
            next++;
            while (parked != null && next < lines && parked[next] != null) {
                events.appendBytes(parked[next]);
                parked[next++] = null;
            }
        }

        /** One line's reply. */
        final class Line extends Replies.FromSlice {
            private final int index;

            Line(final DurableEngine engine, final ApiKey key, final int index) {
                super(engine, key);
                this.index = index;
            }

            @Override
            void answer(final Sequencer.Batch batch, final int i) {
                line(index, batch.eventBytes(), batch.eventsFrom(i), batch.eventsTo(i));
                durable.incrementAndGet();
                answered(1);
            }

            @Override
            void repeat(final byte[] own, final Senders.Original original) {
                final byte[] theirs = original.events('\n');
                final byte[] both = java.util.Arrays.copyOf(own, own.length + theirs.length);
                System.arraycopy(theirs, 0, both, own.length, theirs.length);
                durable(both);
            }

            @Override
            void repeatMissing(final byte[] own, final int status, final String error, final String detail) {
                final byte[] why = ApiResponses.error(error, detail);
                final byte[] both = java.util.Arrays.copyOf(own, own.length + why.length + 1);
                System.arraycopy(why, 0, both, own.length, why.length);
                both[both.length - 1] = '\n';
                durable(both);
            }

            private void durable(final byte[] lineEvents) {
                line(index, lineEvents, 0, lineEvents.length);
                durable.incrementAndGet();
                answered(1);
            }

            @Override
            public void failed(final IOException cause) {
                failure.compareAndSet(null, cause);
                answered(1);
            }
        }

        /** Line {@code index} (from 0) and every later one were not submitted. */
        void refused(final int index, final Refusal why) {
            refusal = why;
            submitted = index;
            answered(lines - index);
        }

        private void answered(final int count) {
            if (remaining.addAndGet(-count) == 0) {
                context.runOnContext(v -> finish());
            }
        }

        private synchronized void finish() {
            final IOException failed = failure.get();
            final int durable = this.durable.get();
            if (failed == null && refusal == null) {
                if (!ctx.response().ended() && !ctx.response().closed()) {
                    ctx.response().setStatusCode(200).putHeader("Content-Type", "application/x-ndjson").end(events);
                }
                return;
            }
            final Refusal why = failed != null ? Refusal.journalFailed(failed) : refusal;
            final String detail = failed == null && "busy".equals(why.error())
                    ? "the engine took the first " + submitted + " commands of the batch; they stand. Send the rest "
                            + "again later."
                    : why.reason() + "; " + (durable == 0 ? "no line of the batch was made durable"
                            : "the first " + durable + " of its " + lines + " lines were made durable and stand")
                            + "; lines " + (durable + 1) + " to " + lines
                            + " were not accepted (send them again once the "
                            + "service is back)";
            if (!ctx.response().ended() && !ctx.response().closed()) {
                ctx.response().putHeader("Retry-After", Long.toString(why.retryAfterSeconds()));
                HttpAnswers.json(ctx, 503, new JsonObject().put("error", why.error()).put("detail", detail)
                        .put("durableLines", durable).toBuffer());
            }
        }
    }
}
