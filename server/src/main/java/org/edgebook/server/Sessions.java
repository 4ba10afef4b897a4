package org.edgebook.server;

import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The open WebSocket sessions, by API key. A session is authenticated once, at its signed upgrade, so two things
 * end it from outside: revoking its key closes every socket of that key at once, and every session ends after a
 * maximum lifetime, when the client must open (and so sign) a new one. Both close with code 1008 and a reason.
 * <p>
 * Threading: thread-safe; sockets are opened and closed on their event loops and revocations arrive from a worker.
 */
final class Sessions {
    /** The close code for a session ended by its key's revocation or its age (policy violation). */
    static final short CLOSED_BY_POLICY = 1008;

    private final Vertx vertx;
    private final long maxAgeMillis;
    private final Map<String, Set<ServerWebSocket>> byKey = new ConcurrentHashMap<>();

    Sessions(final Vertx vertx, final long maxAgeMillis) {
        this.vertx = vertx;
        this.maxAgeMillis = maxAgeMillis;
    }

    /**
     * Registers an open socket of {@code keyId}; it is closed when it reaches the maximum age. Takes the socket's
     * close handler: {@code onClose} runs when it closes, for any reason.
     */
    void opened(final String keyId, final ServerWebSocket socket, final Runnable onClose) {
        byKey.computeIfAbsent(keyId, k -> ConcurrentHashMap.newKeySet()).add(socket);
        final long timer = vertx.setTimer(maxAgeMillis, t -> socket.close(CLOSED_BY_POLICY,
                "session expired after " + maxAgeMillis / 1000 + " s: open a new one with a newly signed upgrade"));
        socket.closeHandler(v -> {
            onClose.run();
            vertx.cancelTimer(timer);
            final Set<ServerWebSocket> sockets = byKey.get(keyId);
            if (sockets != null) {
                sockets.remove(socket);
            }
        });
    }

    /** Closes every open socket of {@code keyId}; answers how many. */
    int revoked(final String keyId) {
        final Set<ServerWebSocket> sockets = byKey.remove(keyId);
        if (sockets == null) {
            return 0;
        }
        sockets.forEach(socket -> socket.close(CLOSED_BY_POLICY, "key revoked"));
        return sockets.size();
    }

    /** Open sockets of {@code keyId}. */
    int open(final String keyId) {
        final Set<ServerWebSocket> sockets = byKey.get(keyId);
        return sockets == null ? 0 : sockets.size();
    }
}
