package org.edgebook.server;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import org.edgebook.engine.Command;
import org.edgebook.journal.DurableEngine;
import org.edgebook.journal.Senders;
import org.edgebook.journal.Sequencer;

/**
 * One command over HTTP: checked against the key's {@link AccountScope}, submitted in the key's view, and answered
 * once durable with {@code {"seq":…,"time":…,"events":[…]}} and the status that fits (a repeat of a sourced command with
 * its original's answer and {@code "duplicate":true}, {@link Replies#repeat}); answered 503 at once (with
 * {@code Retry-After} and the cause) when the engine refuses it or its journal write fails.
 * <p>
 * Threading: {@link #submit} on the request's event loop; the reply is built on the publisher thread (the only copy
 * of the events) and written back on the request's context.
 */
final class HttpCommands {
    private final DurableEngine engine;
    private final SignedCommands signed;

    HttpCommands(final DurableEngine engine, final SignedCommands signed) {
        this.engine = engine;
        this.signed = signed;
    }

    /**
     * The request body as a command of {@code type}, which may be signed by a client key ({@link SignedCommands}):
     * checked, decoded, scoped ({@link AccountScope#of(ApiKey, Command, String)}) and submitted, or answered with why
     * not (a malformed body 400, a signature that does not hold 401). The routes are an account's, so the admin key
     * (which acts for no account) is refused 403 unless the command is signed: then the signature is the authority.
     */
    void submitBody(final RoutingContext ctx, final String type) {
        final byte[] body = HttpAnswers.body(ctx);
        final SignedCommands.Checked checked = signed.check(body, 0, body.length);
        if (checked.refused()) {
            ctx.put(FailedAuthentications.NOT_COUNTED, true);
            HttpAnswers.json(ctx, checked.status(), ApiResponses.error(checked.error(), checked.detail()));
            return;
        }
        if (checked.signer() == null && HttpAnswers.accountKey(ctx) == null) {
            return; // the admin key's unsigned command: 403, as before
        }
        final Command command = HttpAnswers.decoder().decode(checked.bytes(), checked.offset(), checked.length(),
                type);
        if (command instanceof Command.Malformed m) {
            HttpAnswers.json(ctx, 400, ApiResponses.error("MALFORMED", m.detail()));
            return;
        }
        final AccountScope.Scoped scoped = AccountScope.of(ctx.get("key"), command, checked.signer());
        if (scoped.refused()) {
            ctx.put(FailedAuthentications.NOT_COUNTED, true);
            HttpAnswers.json(ctx, scoped.status(), ApiResponses.error(scoped.error(), scoped.detail()));
            return;
        }
        submit(ctx, scoped.command());
    }

    /** Submits {@code command} if the key may send it; otherwise answers the scope's refusal. */
    void submitScoped(final RoutingContext ctx, final Command command) {
        final AccountScope.Scoped scoped = AccountScope.of(ctx.get("key"), command);
        if (scoped.refused()) {
            HttpAnswers.json(ctx, scoped.status(), ApiResponses.error(scoped.error(), scoped.detail()));
            return;
        }
        submit(ctx, scoped.command());
    }

    private void submit(final RoutingContext ctx, final Command command) {
        final Context context = ctx.vertx().getOrCreateContext();
        final ApiKey key = ctx.get("key");
        final boolean taken = engine.submit(command, key.id(), Replies.viewer(key), ',', new Replies.FromSlice(engine,
                key) {
            @Override
            void answer(final Sequencer.Batch batch, final int i) {
                final Buffer body = Buffer.buffer(Replies.object(batch, i, null));
                final int status = Replies.status(batch, i);
                context.runOnContext(v -> HttpAnswers.json(ctx, status, body));
            }

            @Override
            void repeat(final byte[] own, final Senders.Original original) {
                final Buffer body = Buffer.buffer(Replies.repeat(original, null));
                context.runOnContext(v -> HttpAnswers.json(ctx, Replies.status(original), body));
            }

            @Override
            void repeatMissing(final byte[] own, final int status, final String error, final String detail) {
                context.runOnContext(v -> {
                    if (status == 503 && !ctx.response().ended() && !ctx.response().closed()) {
                        ctx.response().putHeader("Retry-After", "1");
                    }
                    HttpAnswers.json(ctx, status, ApiResponses.error(error, detail));
                });
            }

            @Override
            public void failed(final IOException cause) {
                context.runOnContext(v -> Refusal.inFlight(cause).answer(ctx));
            }

            @Override
            public void refused(final IOException cause) {
                context.runOnContext(v -> Refusal.journalFailed(cause).answer(ctx));
            }
        });
        if (!taken) {
            Refusal.of(engine).answer(ctx);
        }
    }
}
