package org.edgebook.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.edgebook.http.RequestSignature;
import org.edgebook.journal.JournalOptions;
import org.edgebook.journal.JournalOutput;
import org.edgebook.journal.JournalScanner;

/**
 * A real settlement service on loopback for the regression tests of what held up in the security review (issue 9):
 * signed requests through {@link HttpClient} or byte for byte through a raw socket, WebSockets, the state the API
 * shows, and the number of journal records on disk.
 */
final class Served implements AutoCloseable {
    final SettlementServer server;
    final Path data;
    final HttpClient http = HttpClient.newHttpClient();
    final ApiKey admin;
    final ApiKey alice;
    final ApiKey bob;
    /** Every signed request gets a later timestamp than the one before, so none is refused as used before. */
    private final AtomicLong clock = new AtomicLong();

    private Served(final SettlementServer server, final Path data) {
        this.server = server;
        this.data = data;
        this.admin = key(null);
        this.alice = key("alice");
        this.bob = key("bob");
    }

    /**
     * The demo market, with a rate no test here comes near, and limits on failed authentications out of the way:
     * these tests count 401s by the dozen (HttpHardeningTest holds the limits themselves).
     */
    static Served start(final Path dir) throws IOException {
        return start(dir, JournalOutput.Opener.SEGMENTS, w -> {});
    }

    /** As {@link #start(Path)}, journaling to {@code output} (e.g. one that fails) and warning {@code warn}. */
    static Served start(final Path dir, final JournalOutput.Opener output, final Consumer<String> warn)
            throws IOException {
        return start(dir, output, warn, 0);
    }

    /** As {@link #start(Path)}, serving metrics on {@code metricsPort} (-1: any free port; 0: none). */
    static Served start(final Path dir, final int metricsPort) throws IOException {
        return start(dir, JournalOutput.Opener.SEGMENTS, w -> {}, metricsPort);
    }

    private static Served start(final Path dir, final JournalOutput.Opener output, final Consumer<String> warn,
                                final int metricsPort) throws IOException {
        return start(dir, output, warn, metricsPort,
                new SettlementServer.Auth(RequestSignature.WINDOW_MILLIS, 3_600_000, 1_000_000, 1_000_000));
    }

    /** As {@link #start(Path)}, with these limits (the failed authentication limits among them). */
    static Served start(final Path dir, final SettlementServer.Auth auth) throws IOException {
        return start(dir, JournalOutput.Opener.SEGMENTS, w -> {}, 0, auth);
    }

    private static Served start(final Path dir, final JournalOutput.Opener output, final Consumer<String> warn,
                                final int metricsPort, final SettlementServer.Auth auth) throws IOException {
        final Path data = dir.resolve("data");
        return new Served(SettlementServer.start(new SettlementServer.Config("127.0.0.1", 0, data,
                dir.resolve("secret/master.key"), 100_000).withJournal(JournalOptions.defaults(data).withOutput(output))
                .withMetricsPort(metricsPort),
                auth, true, warn), data);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }

    ApiKey key(final String account) {
        return server.keys().all().stream()
                .filter(k -> account == null ? k.admin() : account.equals(k.account())).findFirst().orElseThrow();
    }

    int port() {
        return server.port();
    }

    /** A fresh timestamp, later than every one handed out before. */
    long now() {
        return clock.updateAndGet(last -> Math.max(System.currentTimeMillis(), last + 1));
    }

    static byte[] bytes(final String body) {
        return body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    }

    static String sign(final ApiKey key, final String ts, final String method, final String path, final byte[] body) {
        return RequestSignature.sign(key.secret(), ts, method, path, body);
    }

    // ------------------------------------------------------------------------------------------------ HttpClient

    HttpResponse<String> send(final ApiKey key, final String method, final String path, final String body) {
        return send(key, method, path, bytes(body));
    }

    HttpResponse<String> send(final ApiKey key, final String method, final String path, final byte[] body) {
        final String ts = Long.toString(now());
        final HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path))
                .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body))
                .header(RequestSignature.KEY_HEADER, key.id()).header(RequestSignature.TIMESTAMP_HEADER, ts)
                .header(RequestSignature.SIGNATURE_HEADER, sign(key, ts, method, path, body))
                .timeout(java.time.Duration.ofSeconds(20))
                .build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (final IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------------------------------------ raw socket

    /** A response read off a raw socket. */
    record Raw(int status, String body) {
    }

    /** The request exactly as given: request line, these headers in this order (repeats allowed), this body. */
    Raw raw(final String method, final String target, final List<String[]> headers, final byte[] body)
            throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port())) {
            socket.setSoTimeout(20_000);
            final StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                    .append("Host: 127.0.0.1:").append(port()).append("\r\nConnection: close\r\n")
                    .append("Content-Length: ").append(body.length).append("\r\n");
            for (final String[] header : headers) {
                head.append(header[0]).append(": ").append(header[1]).append("\r\n");
            }
            head.append("\r\n");
            final OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.UTF_8));
            out.write(body);
            out.flush();
            final InputStream in = socket.getInputStream();
            final ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            final String text = all.toString(StandardCharsets.UTF_8);
            final int status = Integer.parseInt(text.substring(9, 12));
            final int end = text.indexOf("\r\n\r\n");
            return new Raw(status, end < 0 ? "" : text.substring(end + 4));
        }
    }

    // ------------------------------------------------------------------------------------------------ state

    /** An answer without what differs between two reads of the same state: sequence numbers and times. */
    static String normalized(final String body) {
        return body.replaceAll("\"(seq|cmd|prevSeq)\":\\d+,?", "").replaceAll("\"time\":\"[^\"]*\",?", "");
    }

    /**
     * What the API shows of the state, read with fresh valid requests: every demo account's balances and open
     * orders, and both books.
     */
    Map<String, String> state() {
        final Map<String, String> state = new LinkedHashMap<>();
        for (final ApiKey key : List.of(alice, bob)) {
            for (final String path : List.of("/v1/balances", "/v1/orders")) {
                final HttpResponse<String> r = send(key, "GET", path, (String) null);
                if (r.statusCode() != 200) {
                    throw new AssertionError("reading " + key.account() + " " + path + ": " + r.statusCode() + " "
                            + r.body());
                }
                state.put(key.account() + " " + path, normalized(r.body()));
            }
        }
        for (final String symbol : List.of("BTC-USD", "ETH-USD")) {
            final HttpResponse<String> r = send(bob, "GET", "/v1/book/" + symbol, (String) null);
            if (r.statusCode() != 200) {
                throw new AssertionError("reading the book " + symbol + ": " + r.statusCode() + " " + r.body());
            }
            state.put("book " + symbol, normalized(r.body()));
        }
        return state;
    }

    /** The records in the journal on disk, counted by a read-only scan of the (locked) data directory. */
    long journalRecords() throws IOException {
        return JournalScanner.scan(data, 0, false, (seq, time, command) -> {}).records();
    }

    // ------------------------------------------------------------------------------------------------ WebSocket

    /** Text messages and the close of a client socket. */
    static final class Inbox implements WebSocket.Listener {
        final List<String> messages = new CopyOnWriteArrayList<>();
        final CompletableFuture<String> closed = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(final WebSocket socket, final CharSequence data, final boolean last) {
            partial.append(data);
            if (last) {
                messages.add(partial.toString());
                partial.setLength(0);
            }
            socket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(final WebSocket socket, final int code, final String reason) {
            closed.complete(code + " " + reason);
            return null;
        }

        @Override
        public void onError(final WebSocket socket, final Throwable error) {
            closed.complete("error " + error);
        }

        /** The first message containing {@code contains}, waiting up to 10 s for it. */
        String await(final String contains) throws InterruptedException {
            return await(contains, 1);
        }

        /** The {@code nth} message containing {@code contains}, waiting up to 10 s for it. */
        String await(final String contains, final int nth) throws InterruptedException {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                int seen = 0;
                for (final String m : messages) {
                    if (m.contains(contains) && ++seen == nth) {
                        return m;
                    }
                }
                Thread.sleep(2);
            }
            throw new AssertionError("no message " + nth + " containing " + contains + " in " + messages);
        }
    }

    WebSocket connect(final ApiKey key, final Inbox inbox) {
        final String ts = Long.toString(now());
        return http.newWebSocketBuilder().header(RequestSignature.KEY_HEADER, key.id())
                .header(RequestSignature.TIMESTAMP_HEADER, ts)
                .header(RequestSignature.SIGNATURE_HEADER, sign(key, ts, "GET", "/v1/ws", new byte[0]))
                .buildAsync(URI.create("ws://127.0.0.1:" + port() + "/v1/ws"), inbox).join();
    }
}
