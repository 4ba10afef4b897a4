package org.edgebook.server;

import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.websocket.WebSocketFrameImpl;
import java.nio.charset.StandardCharsets;

/**
 * Writes a text message from its UTF-8 bytes, as they are: Vert.x's public API takes text only as a {@code String},
 * which each socket would encode to the same bytes again. This is what its own {@code writeTextMessage} does once it
 * has the bytes (one final frame over them, {@code WebSocketFrameImpl}); a message longer than a frame may be goes
 * through {@code writeTextMessage}, which splits it.
 * <p>
 * An earlier note here blamed such frames for answers held back for seconds under {@code edgebook load --websocket}.
 * They are the same frames {@code writeTextMessage} writes; the stalls were the server's event loop, saturated, not
 * reading its sockets (their receive queues held 90-130 KB each) while the load generator and the JIT took the other
 * core (BENCHMARKS.md, issue 10).
 * <p>
 * Threading: on the socket's context.
 */
final class TextFrames {
    private TextFrames() {
    }

    static void write(final ServerWebSocket socket, final byte[] utf8) {
        if (utf8.length <= SettlementServer.BODY_LIMIT) {
            socket.writeFrame(new WebSocketFrameImpl(WebSocketFrameType.TEXT, utf8, true));
        } else {
            socket.writeTextMessage(new String(utf8, StandardCharsets.UTF_8));
        }
    }
}
