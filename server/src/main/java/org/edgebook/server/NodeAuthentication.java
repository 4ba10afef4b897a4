package org.edgebook.server;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.util.Base64;
import java.util.HexFormat;
import org.edgebook.codec.Ed25519Key;
import org.edgebook.codec.SignedRequest;
import org.edgebook.http.ReplayGuard;

/**
 * Authenticates a request signed by an edge node's key (docs/transaction-path.md, "Signed requests"): {@code EB-NODE}
 * (the node's id), {@code EB-TIMESTAMP} and {@code EB-SIGNATURE}, the Ed25519 signature of
 * {@link SignedRequest#signedBytes} by the node's registered key. Refused 401: an unknown node ({@code unknown node}),
 * a revoked one ({@code revoked node}), a bad signature ({@code bad signature}), a timestamp outside the clock window
 * or from before this start, a signature seen before within the window ({@link ReplayGuard}, shared with API keys).
 * These count toward the same lock-out as API keys ({@link FailedAuthentications}, by the node's id and the address).
 * <p>
 * A node then may call only {@code POST /v1/forward}, {@code GET /v1/node/client-keys} and
 * {@code GET /v1/sources/node:{its id}} ({@link SourceRoutes} refuses another source); any other route is 403. The
 * node is kept in the context ({@link #NODE}), and no API key is: routes that read {@code "key"} are never reached.
 * <p>
 * Threading: on the event loops; the key store's lookups, the replay guard and the rate limiter are thread-safe.
 */
final class NodeAuthentication {
    /** The context's entry for the authenticated node ({@link NodeKey}). */
    static final String NODE = "node";
    private static final byte[] USED_BEFORE = ApiResponses.error("unauthenticated", "this signed request was "
            + "used before; every request is signed anew (a new timestamp)");
    private static final byte[] FORBIDDEN = ApiResponses.error("forbidden", "a node may call only POST /v1/forward, "
            + "GET /v1/node/client-keys and GET /v1/sources/node:{its id}");

    private final KeyStore keys;
    private final RateLimiter limiter;
    private final long clockWindowMillis;
    private final ReplayGuard replays;

    NodeAuthentication(final KeyStore keys, final RateLimiter limiter, final long clockWindowMillis,
                       final ReplayGuard replays) {
        this.keys = keys;
        this.limiter = limiter;
        this.clockWindowMillis = clockWindowMillis;
        this.replays = replays;
    }

    /** Whether a node may call {@code method path} at all. */
    static boolean allowed(final HttpMethod method, final String path) {
        return method == HttpMethod.POST && path.equals("/v1/forward")
                || method == HttpMethod.GET && (path.equals("/v1/node/client-keys") || path.startsWith("/v1/sources/"));
    }

    void handle(final RoutingContext ctx) {
        final String id = ctx.request().getHeader(SignedRequest.NODE_HEADER);
        final String timestamp = ctx.request().getHeader(SignedRequest.TIMESTAMP_HEADER);
        final String signature = ctx.request().getHeader(SignedRequest.SIGNATURE_HEADER);
        if (id == null || timestamp == null || signature == null) {
            refuse(ctx, "unauthenticated", "send " + SignedRequest.NODE_HEADER + ", " + SignedRequest.TIMESTAMP_HEADER
                    + " and " + SignedRequest.SIGNATURE_HEADER);
            return;
        }
        final long millis;
        try {
            millis = Long.parseLong(timestamp);
        } catch (final NumberFormatException e) {
            refuse(ctx, "unauthenticated", SignedRequest.TIMESTAMP_HEADER + " is not milliseconds");
            return;
        }
        final long now = System.currentTimeMillis();
        if (Math.abs(now - millis) > clockWindowMillis) {
            refuse(ctx, "unauthenticated", "the timestamp is more than " + clockWindowMillis + " ms from the "
                    + "server's clock");
            return;
        }
        final NodeKey node = keys.findNode(id);
        if (node == null || node.revoked()) {
            if (!overLimit(ctx, id)) {
                refuse(ctx, node == null ? "unknown node" : "revoked node", node == null ? (NodeKey.problem(id) == null
                        ? "no node " + id + " is registered (POST /v1/admin/nodes)"
                        : SignedRequest.NODE_HEADER + " is not a node id") : "node " + id + " was revoked");
            }
            return;
        }
        final byte[] sig;
        try {
            sig = Base64.getDecoder().decode(signature);
        } catch (final IllegalArgumentException e) {
            if (!overLimit(ctx, id)) {
                refuse(ctx, "bad signature", SignedRequest.SIGNATURE_HEADER + " is not base64");
            }
            return;
        }
        if (sig.length != Ed25519Key.SIGNATURE_BYTES || !SignedRequest.verify(node.key(), millis,
                ctx.request().method().name(), ctx.request().uri(), HttpAnswers.body(ctx), signature)) {
            if (!overLimit(ctx, id)) {
                refuse(ctx, "bad signature", "the signature of node " + id + " does not verify over the request "
                        + "(docs/transaction-path.md, \"Signed requests\")");
            }
            return;
        }
        if (millis < replays.startedMillis()) {
            refuse(ctx, "unauthenticated", "signed before this service started; sign it anew (a new timestamp)");
            return;
        }
        final String replayId = HexFormat.of().formatHex(sig, 0, 8); // what the guard remembers
        if (replays.usedBefore(millis, replayId)) {
            HttpAnswers.json(ctx, 401, USED_BEFORE);
            return;
        }
        final long wait = limiter.acquire(node.source(), System.nanoTime());
        if (wait > 0) {
            ctx.response().putHeader("Retry-After", Long.toString(wait));
            HttpAnswers.json(ctx, 429, ApiResponses.error("too many requests", "retry after " + wait + " s"));
            return;
        }
        if (!replays.firstUse(millis, replayId, now)) {
            HttpAnswers.json(ctx, 401, USED_BEFORE);
            return;
        }
        if (!allowed(ctx.request().method(), ctx.request().path())) {
            HttpAnswers.json(ctx, 403, FORBIDDEN);
            return;
        }
        ctx.put(NODE, node);
        ctx.next();
    }

    /** Answers 429 if the node's id is over its limit of failures (a rightly signed request is still served). */
    private static boolean overLimit(final RoutingContext ctx, final String id) {
        final Long wait = ctx.get(FailedAuthentications.KEY_OVER_LIMIT);
        if (wait == null) {
            return false;
        }
        ctx.response().putHeader("Retry-After", Long.toString(wait));
        HttpAnswers.json(ctx, 429, ApiResponses.error("too many failed authentications", "node " + id + " failed too "
                + "many authentications; retry after " + wait + " s (a rightly signed request is still served)"));
        return true;
    }

    private static void refuse(final RoutingContext ctx, final String error, final String detail) {
        HttpAnswers.json(ctx, 401, ApiResponses.error(error, detail));
    }
}
