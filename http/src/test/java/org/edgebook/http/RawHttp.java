package org.edgebook.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * Raw HTTP/1.1 over a real socket, for requests a proper client refuses to send. One exchange per socket; the test
 * thread only. Shared by the server's and the edge node's HTTP tests (this module's test jar).
 */
public final class RawHttp {
    /** What came back: the first status line's code (0 if none), the whole text, and whether the server closed. */
    public record Answer(int status, String text, boolean closed) {
        public String body() {
            final int end = text.indexOf("\r\n\r\n");
            return end < 0 ? "" : text.substring(end + 4);
        }
    }

    private RawHttp() {
    }

    /** Sends {@code request} as ISO-8859-1 bytes and reads until the server closes or stays silent for 3 s. */
    public static Answer exchange(final int port, final String request) throws IOException {
        return exchange(port, request.getBytes(StandardCharsets.ISO_8859_1));
    }

    public static Answer exchange(final int port, final byte[] request) throws IOException {
        return exchange(new Socket("127.0.0.1", port), request);
    }

    /** The same over {@code socket} (a TLS socket, say), which is closed afterwards. */
    public static Answer exchange(final Socket connected, final byte[] request) throws IOException {
        try (Socket socket = connected) {
            socket.setSoTimeout(3_000);
            try {
                socket.getOutputStream().write(request);
                socket.getOutputStream().flush();
            } catch (final IOException e) {
                // the server may have answered and closed before reading all of it
            }
            final InputStream in = socket.getInputStream();
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            final byte[] buffer = new byte[4096];
            boolean closed;
            try {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, n);
                }
                closed = true;
            } catch (final SocketTimeoutException e) {
                closed = false;
            } catch (final IOException e) {
                closed = true; // reset
            }
            final String text = out.toString(StandardCharsets.ISO_8859_1);
            final int status = text.startsWith("HTTP/1.") && text.length() >= 12
                    ? Integer.parseInt(text.substring(9, 12)) : 0;
            return new Answer(status, text, closed);
        }
    }
}
