package org.edgebook.control.rollout;

import io.vertx.core.Context;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.CompletableFuture;
import org.edgebook.control.ControlArea;
import org.edgebook.control.ControlRouting;

/**
 * The rollout routes (docs/control-plane.md section 7), all the operator's: {@code POST /v1/rollouts},
 * {@code GET /v1/rollouts}, {@code GET /v1/rollouts/{id}} and {@code POST /v1/rollouts/{id}/pause|resume|abort|rollback}.
 * Thin: each hands the request to the {@link RolloutEngine} and answers what it answers.
 * <p>
 * Threading: handlers on the event loops; the answer comes back from the engine's thread onto the request's context.
 */
public final class RolloutArea implements ControlArea {
    private final RolloutEngine engine;

    public RolloutArea(final RolloutEngine engine) {
        this.engine = engine;
    }

    @java.lang.Override
    public void install(final ControlRouting routing) {
        routing.operator(HttpMethod.POST, "/v1/rollouts", this::create);
        routing.operator(HttpMethod.GET, "/v1/rollouts", ctx -> answer(ctx, engine.list()));
        routing.operator(HttpMethod.GET, "/v1/rollouts/:id", ctx -> answer(ctx, engine.get(ctx.pathParam("id"))));
        for (final RolloutEngine.Action action : RolloutEngine.Action.values()) {
            final String verb = action.name().toLowerCase(java.util.Locale.ROOT);
            routing.operator(HttpMethod.POST, "/v1/rollouts/:id/" + verb, ctx -> answer(ctx, engine.act(ctx
                    .pathParam("id"), action, ctx.get(ControlRouting.OPERATOR))));
        }
    }

    private void create(final RoutingContext ctx) {
        final RolloutSpec spec;
        try {
            spec = RolloutSpec.parse(ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes());
        } catch (final IllegalArgumentException e) {
            send(ctx, 400, RolloutEngine.error(400, "malformed", e.getMessage()).json());
            return;
        }
        answer(ctx, engine.create(spec, ctx.get(ControlRouting.OPERATOR)));
    }

    private static void answer(final RoutingContext ctx, final CompletableFuture<RolloutEngine.Answer> answer) {
        final Context context = ctx.vertx().getOrCreateContext();
        answer.whenComplete((a, failure) -> context.runOnContext(v -> {
            if (failure != null) {
                send(ctx, 503, RolloutEngine.error(503, "store_unavailable", "the store failed; nothing was changed: "
                        + failure.getMessage()).json());
            } else {
                send(ctx, a.status(), a.json());
            }
        }));
    }

    private static void send(final RoutingContext ctx, final int status, final byte[] json) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(
                io.vertx.core.buffer.Buffer.buffer(json));
    }
}
