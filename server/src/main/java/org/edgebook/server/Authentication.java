package org.edgebook.server;

import io.vertx.core.Handler;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.edgebook.http.ReplayGuard;
import org.edgebook.http.RequestSignature;

/**
 * Every {@code /v1} request is signed: this handler checks the key, the clock window, the signature of timestamp,
 * method, path and body, that the signature was not used before (since this start) and the key's rate; then it keeps
 * the key in the context ({@code "key"}) for the route. Too many failed authentications of a key or an address are
 * answered 429 ({@link FailedAuthentications}, installed in front of it). A request that carries {@code EB-NODE}
 * and no {@code EB-KEY} is an edge node's, signed with its Ed25519 key: {@link NodeAuthentication} checks it, with the
 * same replay guard.
 * <p>
 * Threading: on the event loops; the replay guard, the rate limiter and the failure counts are thread-safe.
 */
final class Authentication implements Handler<RoutingContext> {
    private static final byte[] USED_BEFORE = ApiResponses.error("unauthenticated", "this signed request was "
            + "used before; every request is signed anew (a new timestamp)");

    private final KeyStore keys;
    private final RateLimiter limiter;
    private final SettlementServer.Auth auth;
    private final ReplayGuard replays;
    private final NodeAuthentication nodes;

    Authentication(final KeyStore keys, final RateLimiter limiter, final SettlementServer.Auth auth) {
        this.keys = keys;
        this.limiter = limiter;
        this.auth = auth;
        this.replays = new ReplayGuard(auth.clockWindowMillis(), System.currentTimeMillis());
        this.nodes = new NodeAuthentication(keys, limiter, auth.clockWindowMillis(), replays);
    }

    /** Puts the failed-authentication limits, then this, in front of every route under {@code path}. */
    void install(final Router router, final String path) {
        router.route(path).handler(new FailedAuthentications(System::nanoTime, auth.failuresPerKey(),
                auth.failuresPerAddress())); // 429 after too many 401s
        router.route(path).handler(this);
    }

    @Override
    public void handle(final RoutingContext ctx) {
        final String id = ctx.request().getHeader(RequestSignature.KEY_HEADER);
        if (id == null && ctx.request().getHeader(org.edgebook.codec.SignedRequest.NODE_HEADER) != null) {
            nodes.handle(ctx);
            return;
        }
        final String timestamp = ctx.request().getHeader(RequestSignature.TIMESTAMP_HEADER);
        final String signature = ctx.request().getHeader(RequestSignature.SIGNATURE_HEADER);
        if (id == null || timestamp == null || signature == null) {
            refuse(ctx, "send " + RequestSignature.KEY_HEADER + ", " + RequestSignature.TIMESTAMP_HEADER + " and "
                    + RequestSignature.SIGNATURE_HEADER);
            return;
        }
        final ApiKey key = keys.find(id);
        final long millis;
        try {
            millis = Long.parseLong(timestamp);
        } catch (final NumberFormatException e) {
            refuse(ctx, "the timestamp is not milliseconds");
            return;
        }
        final long now = System.currentTimeMillis();
        if (Math.abs(now - millis) > auth.clockWindowMillis()) {
            refuse(ctx, "the timestamp is more than " + auth.clockWindowMillis() + " ms from the server's clock");
            return;
        }
        if (key == null || !RequestSignature.verify(key.secret(), timestamp, ctx.request().method().name(),
                ctx.request().uri(), HttpAnswers.body(ctx), signature)) {
            final Long keyWait = ctx.get(FailedAuthentications.KEY_OVER_LIMIT);
            if (keyWait != null) {
                ctx.response().putHeader("Retry-After", Long.toString(keyWait));
                HttpAnswers.json(ctx, 429, ApiResponses.error("too many failed authentications", "key " + id
                        + " failed too many authentications; retry after " + keyWait + " s (a rightly signed "
                        + "request is still served)"));
                return;
            }
            refuse(ctx, "unknown key or bad signature");
            return;
        }
        if (millis < replays.startedMillis()) {
            // What was accepted before a restart is not remembered: nothing signed before this start is taken.
            refuse(ctx, "signed before this service started; sign it anew (a new timestamp)");
            return;
        }
        if (replays.usedBefore(millis, signature)) {
            HttpAnswers.json(ctx, 401, USED_BEFORE);
            return;
        }
        final long wait = limiter.acquire(key.id(), System.nanoTime());
        if (wait > 0) {
            ctx.response().putHeader("Retry-After", Long.toString(wait));
            HttpAnswers.json(ctx, 429, ApiResponses.error("too many requests", "retry after " + wait + " s"));
            return;
        }
        // Remembered only once within the rate, so memory is bounded by what the limiter lets through; a request
        // refused 429 did nothing and may be sent again.
        if (!replays.firstUse(millis, signature, now)) {
            HttpAnswers.json(ctx, 401, USED_BEFORE);
            return;
        }
        ctx.put("key", key);
        ctx.next();
    }

    private static void refuse(final RoutingContext ctx, final String detail) {
        HttpAnswers.json(ctx, 401, ApiResponses.error("unauthenticated", detail));
    }
}
