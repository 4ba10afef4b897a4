package org.edgebook.server;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.edgebook.journal.Senders;

/**
 * {@code GET /v1/sources/{source}}: a source's mark, {@code {"source":…,"mark":N}} (0 for a source never seen), so that
 * a sender that lost track of what was acknowledged resumes at mark + 1 (docs/semantics.md, "Sources"). The mark is
 * the durable one, published by the pipeline once a sourced command is on disk ({@link Senders#mark}), so it never
 * shows a number a crash could take back; it is not a journaled command. The admin key reads any source, an account
 * key its own ({@link AccountScope#mayNumber}): the same keys that may send the source's commands. An edge node
 * ({@link NodeAuthentication}) reads its own source, {@code node:} and its id, and no other; the admin key reads a
 * node's too (it cannot number it).
 * <p>
 * Threading: handlers on the event loops; the marks are a concurrent map.
 */
final class SourceRoutes {
    private final Senders senders;

    SourceRoutes(final Senders senders) {
        this.senders = senders;
    }

    void register(final Router router) {
        router.get("/v1/sources/:source").handler(this::mark);
    }

    private void mark(final RoutingContext ctx) {
        final String source = ctx.pathParam("source");
        if (!HttpAnswers.validName(ctx, "source", source)) {
            return;
        }
        final NodeKey node = ctx.get(NodeAuthentication.NODE);
        if (node != null) {
            if (!source.equals(node.source())) {
                HttpAnswers.json(ctx, 403, ApiResponses.error("forbidden", "a node reads only its own source, "
                        + node.source()));
                return;
            }
        } else {
            final ApiKey key = ctx.get("key");
            if (!key.admin() && !AccountScope.mayNumber(key, source)) {
                HttpAnswers.json(ctx, 403, ApiResponses.error("forbidden", AccountScope.foreignSource(key, source)));
                return;
            }
        }
        final long mark = senders.mark(source);
        HttpAnswers.json(ctx, 200, ApiResponses.object(json -> {
            json.writeStringField("source", source);
            json.writeNumberField("mark", mark);
        }));
    }
}
