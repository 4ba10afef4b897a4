package org.edgebook.control;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.function.LongSupplier;
import org.edgebook.control.store.OperatorKeys;
import org.edgebook.http.ReplayGuard;
import org.edgebook.http.RequestSignature;

/**
 * Checks an operator's signed request (docs/control-plane.md section 1): {@code EB-KEY}, {@code EB-TIMESTAMP},
 * {@code EB-SIGNATURE}, the HMAC-SHA256 of timestamp + method + path with query + body ({@link RequestSignature});
 * within {@link RequestSignature#WINDOW_MILLIS} of the control plane's clock; a signature seen before is refused
 * ({@link ReplayGuard}, shared with node requests). Every refusal is 401 {@code unauthenticated}. Then the key's id is
 * in the context as {@link ControlRouting#OPERATOR}.
 * <p>
 * Threading: on the event loops; the keys and the replay guard are thread-safe.
 */
final class OperatorAuthentication implements Handler<RoutingContext> {
    private final OperatorKeys keys;
    private final ReplayGuard replays;
    private final LongSupplier clock;

    OperatorAuthentication(final OperatorKeys keys, final ReplayGuard replays, final LongSupplier clock) {
        this.keys = keys;
        this.replays = replays;
        this.clock = clock;
    }

    @Override
    public void handle(final RoutingContext ctx) {
        final String id = ctx.request().getHeader(RequestSignature.KEY_HEADER);
        final String timestamp = ctx.request().getHeader(RequestSignature.TIMESTAMP_HEADER);
        final String signature = ctx.request().getHeader(RequestSignature.SIGNATURE_HEADER);
        if (id == null || timestamp == null || signature == null) {
            refuse(ctx, "send " + RequestSignature.KEY_HEADER + ", " + RequestSignature.TIMESTAMP_HEADER + " and "
                    + RequestSignature.SIGNATURE_HEADER);
            return;
        }
        final long millis;
        try {
            millis = Long.parseLong(timestamp);
        } catch (final NumberFormatException e) {
            refuse(ctx, RequestSignature.TIMESTAMP_HEADER + " is not epoch milliseconds");
            return;
        }
        final long now = clock.getAsLong();
        if (Math.abs(now - millis) > RequestSignature.WINDOW_MILLIS) {
            refuse(ctx, RequestSignature.TIMESTAMP_HEADER + " is more than " + RequestSignature.WINDOW_MILLIS
                    + " ms from the control plane's clock");
            return;
        }
        final OperatorKeys.Key key = keys.find(id);
        if (key == null || signature.length() != 64 || !RequestSignature.verify(key.secretBytes(), timestamp,
                ctx.request().method().name(), ctx.request().uri(), ControlJson.body(ctx), signature)) {
            refuse(ctx, "unknown key or bad signature");
            return;
        }
        if (millis < replays.startedMillis()) {
            refuse(ctx, "signed before this control plane started; sign it anew (a new timestamp)");
            return;
        }
        if (!replays.firstUse(millis, signature, now)) {
            refuse(ctx, "this signed request was used before; every request is signed anew");
            return;
        }
        ctx.put(ControlRouting.OPERATOR, key.id());
        ctx.next();
    }

    private static void refuse(final RoutingContext ctx, final String message) {
        ControlJson.refuse(ctx, 401, "unauthenticated", message);
    }
}
