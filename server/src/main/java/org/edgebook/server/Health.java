package org.edgebook.server;

import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import org.edgebook.journal.DurableEngine;

/**
 * {@code GET /health}, unsigned: 200 {@code {"status":"up"}} while the engine takes commands; 503
 * {@code {"status":"failed","reason":"the journal failed: …"}} once its journal has failed (until a restart), and 503
 * {@code {"status":"closing"}} while it shuts down.
 * <p>
 * Threading: on the event loops; reads the engine's volatile state.
 */
final class Health implements Handler<RoutingContext> {
    private final DurableEngine engine;

    Health(final DurableEngine engine) {
        this.engine = engine;
    }

    @Override
    public void handle(final RoutingContext ctx) {
        final IOException failure = engine.failure();
        if (failure != null) {
            ctx.response().putHeader("Retry-After", Long.toString(Refusal.AFTER_JOURNAL_FAILURE));
            HttpAnswers.json(ctx, 503, new JsonObject().put("status", "failed")
                    .put("reason", Refusal.journalFailure(failure)).toBuffer());
        } else if (engine.closing()) {
            ctx.response().putHeader("Retry-After", "5");
            HttpAnswers.json(ctx, 503, new JsonObject().put("status", "closing").toBuffer());
        } else {
            HttpAnswers.json(ctx, 200, new JsonObject().put("status", "up").toBuffer());
        }
    }
}
