package org.edgebook.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.WebSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pipelined WebSocket commands over several sockets are all answered without the clients sending anything more. Under
 * {@code edgebook load --websocket} (a Vert.x client, 8 sockets, 20,000-40,000 commands/s) answers sent as frames of
 * Vert.x's internal frame class were held back for seconds; this test, with the JDK's client, did not reproduce that
 * (it passes either way), so it guards only that every pipelined answer arrives.
 */
class WebSocketPipeliningTest {

    @Test
    void everyPipelinedCommandIsAnsweredWithoutFurtherTraffic(@TempDir final Path dir) throws Exception {
        try (Served s = Served.start(dir)) {
            final int sockets = 8;
            final int commands = 1_500;
            final java.util.List<Served.Inbox> inboxes = new java.util.ArrayList<>();
            final java.util.List<WebSocket> open = new java.util.ArrayList<>();
            for (int k = 0; k < sockets; k++) {
                inboxes.add(new Served.Inbox());
                open.add(s.connect(k % 2 == 0 ? s.bob : s.alice, inboxes.get(k)));
            }
            final java.util.List<Thread> senders = new java.util.ArrayList<>();
            for (int k = 0; k < sockets; k++) {
                final WebSocket socket = open.get(k);
                senders.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < commands; i++) {
                        socket.sendText("{\"op\":\"command\",\"id\":" + i + ",\"command\":{\"type\":\"balances\"}}",
                                true).join();
                    }
                }));
            }
            for (final Thread sender : senders) {
                sender.join();
            }
            // Nothing more is sent: every last answer must arrive on its own, within the Inbox's deadline.
            for (final Served.Inbox inbox : inboxes) {
                assertThat(inbox.await("{\"id\":" + (commands - 1) + ",")).contains("\"type\":\"balances\"");
                assertThat(inbox.messages.stream().filter(m -> m.startsWith("{\"id\":")).count()).isEqualTo(commands);
            }
            open.forEach(WebSocket::abort);
        }
    }
}
