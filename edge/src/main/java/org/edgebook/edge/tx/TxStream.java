package org.edgebook.edge.tx;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import org.edgebook.codec.SignedRequest;
import org.edgebook.edge.outbox.Outbox;

/**
 * {@code GET /v1/tx/stream}: a WebSocket of transaction state changes, each a text frame holding the state as
 * {@code GET /v1/tx/{id}} answers it, sent once the change is durable in the outbox. An account's client (the upgrade
 * request signed with one of its client keys, {@link SignedRequest}) gets its own transactions' changes; the operator
 * (the operator key) gets every transaction's. A subscriber that does not read fast enough (its write queue full) is
 * closed with 1008 rather than let memory grow; it reconnects and asks {@code GET /v1/tx/{id}} for what it missed. A
 * subscriber whose client key is revoked (as the node learns from settlement) is closed with 1008 at the next change
 * it would have been sent.
 * <p>
 * Threading: upgrades on the event loop; {@link #changed} on the outbox's writer thread, which hands the ids to the
 * stream's own thread ({@code tx-stream}); that one looks the states up and hands each frame to the subscriber's own
 * context; the subscriber sets are concurrent.
 */
public final class TxStream {
    private final Outbox outbox;
    private final TxRoutes routes;
    private final ConcurrentHashMap<String, Set<Subscriber>> byAccount = new ConcurrentHashMap<>();
    private final Set<Subscriber> operators = new CopyOnWriteArraySet<>();
    /** Looks states up and builds frames, in the order the outbox made them durable. */
    private final java.util.concurrent.ExecutorService sender = java.util.concurrent.Executors
            .newSingleThreadExecutor(r -> Thread.ofPlatform().name("tx-stream").daemon(true).unstarted(r));

    /** A subscriber: its socket and context, and the client key it came with (null: the operator). */
    private record Subscriber(ServerWebSocket socket, Context context, String keyId) {
    }

    private final ClientKeys keys;

    public TxStream(final Outbox outbox, final TxRoutes routes, final ClientKeys keys) {
        this.outbox = outbox;
        this.keys = keys;
        this.routes = routes;
        outbox.onDurable(this::changed);
    }

    /** Authenticates the upgrade request and, if it passes, makes it a subscriber. */
    public void upgrade(final HttpServerRequest request) {
        final byte[] none = new byte[0];
        final String clientKey = request.getHeader(SignedRequest.CLIENT_KEY_HEADER);
        final String account;
        if (clientKey != null) {
            account = routes.clientAccount(request, none, clientKey);
            if (account == null) {
                return;
            }
        } else {
            if (routes.operatorRefused(request, none)) {
                return;
            }
            account = null;
        }
        final Context context = Vertx.currentContext();
        request.toWebSocket().onSuccess(socket -> {
            final Subscriber s = new Subscriber(socket, context, clientKey);
            if (account == null) {
                operators.add(s);
                socket.closeHandler(v -> operators.remove(s));
                return;
            }
            // added and removed inside the map's compute, so that a set emptied by one socket's close is never the
            // one another socket is added to
            byAccount.compute(account, (a, subs) -> {
                final Set<Subscriber> set = subs != null ? subs : new CopyOnWriteArraySet<>();
                set.add(s);
                return set;
            });
            socket.closeHandler(v -> byAccount.computeIfPresent(account, (a, subs) -> {
                subs.remove(s);
                return subs.isEmpty() ? null : subs;
            }));
        });
    }

    /**
     * The ids whose states changed, durably (on the outbox's writer thread): handed to the stream's own thread, so
     * that the writer goes on to its next batch at once.
     */
    void changed(final List<String> ids) {
        if (operators.isEmpty() && byAccount.isEmpty()) {
            return;
        }
        try {
            sender.execute(() -> send(ids));
        } catch (final java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    /** Sends each changed state to who may see it. */
    private void send(final List<String> ids) {
        for (final String id : ids) {
            final Outbox.TxState state = outbox.state(id);
            if (state == null) {
                continue;
            }
            final Set<Subscriber> own = state.account() == null ? null : byAccount.get(state.account());
            if (operators.isEmpty() && own == null) {
                continue;
            }
            final String frame = new String(TxJson.object(json -> TxJson.state(json, state)),
                    StandardCharsets.UTF_8);
            operators.forEach(s -> send(s, frame));
            if (own != null) {
                own.forEach(s -> send(s, frame));
            }
        }
    }

    private void send(final Subscriber s, final String frame) {
        final ClientKeys.Entry key = s.keyId() == null ? null : keys.get(s.keyId());
        final boolean revoked = s.keyId() != null && (key == null || key.revoked());
        s.context().runOnContext(v -> {
            if (s.socket().isClosed()) {
                return;
            }
            if (revoked) { // revoked since the stream opened: it ends, and nothing more is sent
                s.socket().close((short) 1008, "client key " + s.keyId() + " was revoked");
                return;
            }
            if (s.socket().writeQueueFull()) {
                s.socket().close((short) 1008, "too slow: read GET /v1/tx/{id} for what was missed");
                return;
            }
            s.socket().writeTextMessage(frame);
        });
    }

    /** Stops sending (the node is closing). */
    public void close() {
        sender.shutdownNow();
    }

    public int subscribers() {
        int n = operators.size();
        for (final Set<Subscriber> s : byAccount.values()) {
            n += s.size();
        }
        return n;
    }
}
