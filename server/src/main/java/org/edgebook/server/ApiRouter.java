package org.edgebook.server;

import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The API's routes in order: the body limit, the unsigned {@code /health} and OpenAPI document, then
 * {@link Authentication} in front of every {@code /v1} route group, and the answers for what no route takes.
 * <p>
 * Threading: built once at start; its handlers run on the event loops.
 */
final class ApiRouter {
    private ApiRouter() {
    }

    /** The route groups, each registering its own routes. */
    interface Routes {
        void register(Router router);
    }

    static Router create(final Vertx vertx, final Authentication authentication, final Health health,
                         final Routes... groups) {
        final Router router = Router.router(vertx);
        final BodyHandler small = BodyHandler.create(false).setBodyLimit(SettlementServer.BODY_LIMIT);
        final BodyHandler big = BodyHandler.create(false).setBodyLimit(SettlementServer.BATCH_BODY_LIMIT);
        router.route().handler(ctx -> {
            // Bodies are JSON, whatever the Content-Type says: curl -d sends a form type, and decoding a JSON
            // body as a form would only cost time (seconds for a large batch).
            ctx.request().headers().remove("Content-Type");
            final String path = ctx.request().path();
            (path.equals("/v1/batch") || path.equals("/v1/forward") ? big : small).handle(ctx);
        });
        router.get("/health").handler(health);
        router.get("/v1/openapi.json").handler(ctx -> HttpAnswers.json(ctx, 200, SettlementServer.OPENAPI));
        authentication.install(router, "/v1/*");
        for (final Routes group : groups) {
            group.register(router);
        }
        router.errorHandler(404, ctx -> HttpAnswers.json(ctx, 404, ApiResponses.error("not found",
                ctx.request().method() + " " + ctx.request().path() + " is not part of the API")));
        router.errorHandler(405, ctx -> HttpAnswers.json(ctx, 405, ApiResponses.error("method not allowed", null)));
        router.errorHandler(413, ctx -> HttpAnswers.json(ctx, 413, ApiResponses.error("body too large",
                "at most " + SettlementServer.BODY_LIMIT + " bytes, or " + SettlementServer.BATCH_BODY_LIMIT
                        + " for /v1/batch and /v1/forward")));
        router.errorHandler(500, ctx -> HttpAnswers.json(ctx, 500, ApiResponses.error("internal error", null)));
        return router;
    }
}
