package org.edgebook.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With two event loops, connections are spread over both and every one of them is served. */
class EventLoopsTest {

    @Test
    void connectionsAreTakenByEachLoopInTurnAndAllAreServed(@TempDir final Path dir) throws Exception {
        final Path data = dir.resolve("data");
        try (SettlementServer server = SettlementServer.start(new SettlementServer.Config("127.0.0.1", 0, data,
                dir.resolve("master.key"), 1_000).withEventLoops(2).withMetricsPort(-1), true, w -> {})) {
            final List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < 6; i++) {
                    final Socket socket = new Socket("127.0.0.1", server.port());
                    socket.setSoTimeout(10_000);
                    sockets.add(socket);
                }
                for (final Socket socket : sockets) { // each connection open at once, then each asked in turn
                    final OutputStream out = socket.getOutputStream();
                    out.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    assertThat(statusLine(socket.getInputStream())).isEqualTo("HTTP/1.1 200 OK");
                }
            } finally {
                for (final Socket socket : sockets) {
                    socket.close();
                }
            }
            final Matcher accepted = Pattern.compile("edgebook_http_connections_accepted_total\\{loop=\"([^\"]+)\",?\\}"
                    + " (\\d+)").matcher(server.metrics().scrape());
            final List<String> loops = new ArrayList<>();
            long total = 0;
            while (accepted.find()) {
                loops.add(accepted.group(1));
                total += (long) Double.parseDouble(accepted.group(2));
                assertThat(Double.parseDouble(accepted.group(2))).as(accepted.group(1)).isGreaterThanOrEqualTo(2);
            }
            assertThat(loops).hasSize(2).allMatch(name -> name.startsWith("vert.x-eventloop-thread-"));
            assertThat(total).isEqualTo(6);
        }
    }

    private static String statusLine(final InputStream in) throws Exception {
        final StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\r' && b >= 0; b = in.read()) {
            line.append((char) b);
        }
        return line.toString();
    }
}
