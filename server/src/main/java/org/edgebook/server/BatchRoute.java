package org.edgebook.server;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
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
        final LinesAnswer answer = new LinesAnswer(ctx, commands.size(), 160, "batch", "");
        for (int i = 0; i < commands.size(); i++) {
            if (!engine.submit(commands.get(i), key.id(), Replies.viewer(key), '\n', new Line(answer, engine, key,
                    i))) {
                answer.refused(i, Refusal.of(engine));
                return;
            }
        }
    }

    /** One line's reply: its events, or its repeat's, into the request's {@link LinesAnswer} at its place. */
    private static final class Line extends Replies.FromSlice {
        private final LinesAnswer answer;
        private final int index;

        Line(final LinesAnswer answer, final DurableEngine engine, final ApiKey key, final int index) {
            super(engine, key);
            this.answer = answer;
            this.index = index;
        }

        @Override
        void answer(final Sequencer.Batch batch, final int i) {
            answer.durable(index, LinesAnswer.NONE, batch.eventBytes(), batch.eventsFrom(i), batch.eventsTo(i),
                    LinesAnswer.NONE);
        }

        @Override
        void repeat(final byte[] own, final Senders.Original original) {
            final byte[] theirs = original.events('\n');
            final byte[] both = java.util.Arrays.copyOf(own, own.length + theirs.length);
            System.arraycopy(theirs, 0, both, own.length, theirs.length);
            answer.durable(index, LinesAnswer.NONE, both, 0, both.length, LinesAnswer.NONE);
        }

        @Override
        void repeatMissing(final byte[] own, final int status, final String error, final String detail) {
            final byte[] why = ApiResponses.error(error, detail);
            final byte[] both = java.util.Arrays.copyOf(own, own.length + why.length + 1);
            System.arraycopy(why, 0, both, own.length, why.length);
            both[both.length - 1] = '\n';
            answer.durable(index, LinesAnswer.NONE, both, 0, both.length, LinesAnswer.NONE);
        }

        @Override
        public void failed(final IOException cause) {
            answer.failed(cause);
        }
    }
}
