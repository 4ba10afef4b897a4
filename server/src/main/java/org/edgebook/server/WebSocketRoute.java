package org.edgebook.server;

import io.vertx.core.Context;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.edgebook.journal.DurableEngine;

/**
 * {@code GET /v1/ws}: the upgrade request is signed like any other; each socket then gets its {@link WebSocketSession},
 * and is registered with the {@link Sessions} (ended by its key's revocation or its age) and leaves the
 * {@link Streams} when it closes.
 * <p>
 * Threading: on the event loops.
 */
final class WebSocketRoute {
    private final DurableEngine engine;
    private final KeyStore keys;
    private final RateLimiter limiter;
    private final Streams streams;
    private final Sessions sessions;
    private final SignedCommands signed;

    WebSocketRoute(final DurableEngine engine, final KeyStore keys, final RateLimiter limiter, final Streams streams,
                   final Sessions sessions, final SignedCommands signed) {
        this.signed = signed;
        this.engine = engine;
        this.keys = keys;
        this.limiter = limiter;
        this.streams = streams;
        this.sessions = sessions;
    }

    void register(final Router router) {
        router.get("/v1/ws").handler(this::upgrade);
    }

    private void upgrade(final RoutingContext ctx) {
        final ApiKey key = ctx.get("key");
        ctx.request().toWebSocket().onSuccess(socket -> {
            final Context context = ctx.vertx().getOrCreateContext();
            sessions.opened(key.id(), socket, () -> streams.remove(socket));
            if (keys.find(key.id()) == null) { // revoked while the upgrade was completing
                socket.close(Sessions.CLOSED_BY_POLICY, "key revoked");
                return;
            }
            new WebSocketSession(key, socket, context, engine, keys, limiter, streams, signed).start();
        }).onFailure(e -> HttpAnswers.json(ctx, 400, ApiResponses.error("not a WebSocket upgrade", e.getMessage())));
    }
}
