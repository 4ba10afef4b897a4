package org.edgebook.control;

import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.Callable;

/**
 * Runs a route's blocking work (the store) on a Vert.x worker and answers on the request's event loop: the work's
 * bytes with {@code status}, a {@link Refusal} as its error, anything else as 500 naming the cause.
 * <p>
 * Threading: call on the event loop; {@code work} runs on a worker.
 */
public final class Answers {
    private Answers() {
    }

    public static void blocking(final RoutingContext ctx, final int status, final Callable<byte[]> work) {
        ctx.vertx().executeBlocking(work, false).onComplete(result -> {
            if (result.succeeded()) {
                if (result.result() == null) {
                    ControlJson.refuse(ctx, 404, "not_found", "no such " + ctx.request().path());
                } else {
                    ControlJson.answer(ctx, status, result.result());
                }
            } else {
                refused(ctx, result.cause());
            }
        });
    }

    /** Answers a failure: a refusal as itself, anything else 500. */
    public static void refused(final RoutingContext ctx, final Throwable cause) {
        if (cause instanceof Refusal r) {
            ControlJson.refuse(ctx, r.status(), r.code(), r.getMessage());
        } else {
            ControlJson.refuse(ctx, 500, "internal", String.valueOf(cause.getMessage()));
        }
    }

    /** Runs {@code work} on the event loop, answering a refusal it throws. */
    public static void now(final RoutingContext ctx, final int status, final Callable<byte[]> work) {
        try {
            final byte[] body = work.call();
            if (body == null) {
                ControlJson.refuse(ctx, 404, "not_found", "no such " + ctx.request().path());
            } else {
                ControlJson.answer(ctx, status, body);
            }
        } catch (final Exception e) {
            refused(ctx, e);
        }
    }
}
