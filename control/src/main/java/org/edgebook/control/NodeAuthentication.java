package org.edgebook.control;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.Base64;
import java.util.HexFormat;
import java.util.function.LongSupplier;
import org.edgebook.codec.Ed25519Key;
import org.edgebook.codec.SignedRequest;
import org.edgebook.control.fleet.Fleet;
import org.edgebook.control.fleet.NodeState;
import org.edgebook.http.ReplayGuard;
import org.edgebook.http.RequestSignature;

/**
 * Checks an enrolled node's signed request (docs/control-plane.md section 1): {@code EB-NODE}, {@code EB-TIMESTAMP},
 * {@code EB-SIGNATURE}, the node key's Ed25519 signature of {@link SignedRequest#signedBytes}. The key is the one the
 * fleet holds in memory: no store read per request. 401 {@code unauthenticated} for an unknown node, a bad signature,
 * a stale or replayed one; 403 {@code revoked} for a revoked node (after its signature verified, so that the answer
 * tells nothing to who cannot sign as it). Then the node's id is in the context as {@link ControlRouting#NODE}.
 * <p>
 * Threading: on the event loops, but for the verification (about 58 µs), which runs on a Vert.x worker when
 * {@code onWorkers} (the default: it measured better, README, control), the rest continuing on the event loop. The
 * fleet's reads and the replay guard are thread-safe.
 */
final class NodeAuthentication implements Handler<RoutingContext> {
    private final Fleet fleet;
    private final ReplayGuard replays;
    private final LongSupplier clock;

    private final boolean onWorkers;

    NodeAuthentication(final Fleet fleet, final ReplayGuard replays, final LongSupplier clock,
                       final boolean onWorkers) {
        this.fleet = fleet;
        this.onWorkers = onWorkers;
        this.replays = replays;
        this.clock = clock;
    }

    @Override
    public void handle(final RoutingContext ctx) {
        ctx.put("startNanos", System.nanoTime());
        final String id = ctx.request().getHeader(SignedRequest.NODE_HEADER);
        final String timestamp = ctx.request().getHeader(SignedRequest.TIMESTAMP_HEADER);
        final String signature = ctx.request().getHeader(SignedRequest.SIGNATURE_HEADER);
        if (id == null || timestamp == null || signature == null) {
            refuse(ctx, "send " + SignedRequest.NODE_HEADER + ", " + SignedRequest.TIMESTAMP_HEADER + " and "
                    + SignedRequest.SIGNATURE_HEADER);
            return;
        }
        final long millis;
        try {
            millis = Long.parseLong(timestamp);
        } catch (final NumberFormatException e) {
            refuse(ctx, SignedRequest.TIMESTAMP_HEADER + " is not epoch milliseconds");
            return;
        }
        final long now = clock.getAsLong();
        if (Math.abs(now - millis) > RequestSignature.WINDOW_MILLIS) {
            refuse(ctx, SignedRequest.TIMESTAMP_HEADER + " is more than " + RequestSignature.WINDOW_MILLIS
                    + " ms from the control plane's clock");
            return;
        }
        final Fleet.Member member = fleet.member(id);
        if (member == null) {
            refuse(ctx, "no node " + id + " is enrolled");
            return;
        }
        final byte[] sig;
        try {
            sig = Base64.getDecoder().decode(signature);
        } catch (final IllegalArgumentException e) {
            refuse(ctx, SignedRequest.SIGNATURE_HEADER + " is not base64");
            return;
        }
        if (sig.length != Ed25519Key.SIGNATURE_BYTES) {
            refuse(ctx, SignedRequest.SIGNATURE_HEADER + " is not " + Ed25519Key.SIGNATURE_BYTES + " bytes");
            return;
        }
        final String method = ctx.request().method().name();
        final String uri = ctx.request().uri();
        final byte[] body = ControlJson.body(ctx);
        if (!onWorkers) {
            verified(ctx, id, member, millis, sig, now, SignedRequest.verify(member.key(), millis, method, uri, body,
                    signature));
            return;
        }
        ctx.vertx().executeBlocking(() -> SignedRequest.verify(member.key(), millis, method, uri, body, signature),
                false).onComplete(r -> verified(ctx, id, member, millis, sig, now, r.succeeded() && r.result()));
    }

    private void verified(final RoutingContext ctx, final String id, final Fleet.Member member, final long millis,
                          final byte[] sig, final long now, final boolean good) {
        if (!good) {
            refuse(ctx, "the signature of node " + id + " does not verify over the request");
            return;
        }
        if (member.node().state() == NodeState.REVOKED || fleet.member(id).node().state() == NodeState.REVOKED) {
            ControlJson.refuse(ctx, 403, "revoked", "node " + id + " was revoked");
            return;
        }
        if (millis < replays.startedMillis()) {
            refuse(ctx, "signed before this control plane started; sign it anew (a new timestamp)");
            return;
        }
        if (!replays.firstUse(millis, HexFormat.of().formatHex(sig, 0, 8), now)) {
            refuse(ctx, "this signed request was used before; every request is signed anew");
            return;
        }
        ctx.put(ControlRouting.NODE, id);
        ctx.next();
    }

    private static void refuse(final RoutingContext ctx, final String message) {
        ControlJson.refuse(ctx, 401, "unauthenticated", message);
    }
}
