package org.edgebook.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy for fault tests: it listens on a loopback port, connects each accepted connection to a target and pipes
 * bytes both ways, and injects faults that the test switches at any time, from any thread.
 * <ul>
 *   <li>{@link #partition()} / {@link #heal()}: while partitioned, new connections are accepted and reset at once
 *       (the client sees "connection reset"), and the open ones are cut with a reset when the partition starts;</li>
 *   <li>{@link #delay(long)}: every chunk forwarded, either way, waits that long first;</li>
 *   <li>{@link #reset()}: every open connection is cut now with a TCP RST on both sides (SO_LINGER 0);</li>
 *   <li>{@link #dropResponsesAfterCommit(int)}, the classic duplicate: the next n HTTP responses are read whole from
 *       the target and thrown away, and the client's connection is closed instead. The target has done the work
 *       (its requests went through in full before it answered), the client saw only a closed connection: it cannot
 *       know whether the request took effect, and a retry makes a duplicate that the target must recognise.</li>
 * </ul>
 * For the last one the proxy follows HTTP/1.1's message framing (RFC 9112 section 6) on both directions of every
 * connection: requests, to learn each one's method (a response to {@code HEAD} has no body) and count them;
 * responses, to know where each one ends on a keep-alive connection: {@code Content-Length}, {@code chunked} (with
 * extensions and trailers), no body ({@code 1xx}, {@code 204}, {@code 304}, {@code HEAD}), or until the target closes.
 * Interim {@code 1xx} responses are forwarded and are not counted as the response. After a {@code 101} (an upgrade)
 * or anything it cannot parse, a connection is piped as raw bytes, and no response of it is dropped. A response's head
 * is held until it is complete (so that a dropped response delivers not even its status line); its body is forwarded
 * as it arrives. The proxy never changes the bytes it forwards. Responses are matched to requests in order, which is
 * what HTTP/1.1 requires, pipelined or not.
 * <p>
 * Why blocking sockets on virtual threads rather than NIO: each connection is two plain loops (client to target,
 * target to client) that read, wait out the delay, and write, and the response side parses HTTP framing as straight
 * code; with NIO every one of those would be a state machine around a selector, and a delay would need timers. Virtual
 * threads make a thread per direction cheap (a fault test holds a handful of connections, a load test hundreds), a
 * {@code Thread.sleep} for the delay parks only that direction of that connection, and faults are applied by closing
 * sockets, which wakes any blocked read or write at once. The accept loop is a virtual thread too.
 * <p>
 * A note for tests with {@code java.net.http.HttpClient}: when a pooled connection is closed before any byte of the
 * response, it retries idempotent requests ({@code GET}) once on a new connection, so a dropped {@code GET} may be
 * sent twice and answered; a {@code POST} (what the edge forwards) is not retried.
 */
final class FaultProxy implements AutoCloseable {
    private static final int CHUNK = 16 * 1024;
    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;

    private final ServerSocket server;
    private final Thread acceptor;
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private volatile InetSocketAddress target;
    private volatile boolean partitioned;
    private volatile boolean closed;
    private volatile long delayMillis;
    private final AtomicInteger drops = new AtomicInteger();

    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong targetFailures = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong responses = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong bytesToTarget = new AtomicLong();
    private final AtomicLong bytesToClient = new AtomicLong();

    /** A proxy on an ephemeral loopback port to {@code targetHost:targetPort}, accepting at once. */
    FaultProxy(final String targetHost, final int targetPort) throws IOException {
        this(0, targetHost, targetPort);
    }

    /**
     * A proxy on loopback port {@code listenPort} (0: an ephemeral one, see {@link #port()}) to
     * {@code targetHost:targetPort}, accepting at once.
     */
    FaultProxy(final int listenPort, final String targetHost, final int targetPort) throws IOException {
        this.target = new InetSocketAddress(targetHost, targetPort);
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), listenPort), 128);
        this.acceptor = Thread.ofVirtual().name("fault-proxy-accept-" + server.getLocalPort()).start(this::accept);
    }

    /** The port it listens on. */
    int port() {
        return server.getLocalPort();
    }

    /** {@code http://127.0.0.1:PORT}: the proxy as an HTTP base address. */
    URI uri() {
        return URI.create("http://" + server.getInetAddress().getHostAddress() + ":" + port());
    }

    /** Connections accepted from now on go to {@code host:port} (a restarted target); open ones stay where they are. */
    void retarget(final String host, final int port) {
        target = new InetSocketAddress(host, port);
    }

    // ---- faults

    /** Cuts every open connection (reset) and refuses new ones until {@link #heal()}. */
    void partition() {
        partitioned = true;
        cutAll();
    }

    /** Accepts and forwards new connections again. */
    void heal() {
        partitioned = false;
    }

    boolean partitioned() {
        return partitioned;
    }

    /** Every chunk forwarded from now on, either way, waits {@code millis} first (0: none). */
    void delay(final long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("a delay of " + millis + " ms");
        }
        delayMillis = millis;
    }

    /** Cuts every open connection now with a TCP RST to the client and to the target. New ones are accepted. */
    void reset() {
        cutAll();
    }

    /**
     * The next {@code n} responses (replacing any count not used up yet; 0 cancels) are read whole from the target and
     * not delivered: the client's connection is closed instead (and the target's). A response is counted against
     * {@code n} when its head is complete, so one already on its way is delivered.
     */
    void dropResponsesAfterCommit(final int n) {
        if (n < 0) {
            throw new IllegalArgumentException("drop " + n + " responses");
        }
        drops.set(n);
    }

    /** How many of the responses asked to be dropped are still to come. */
    int dropsPending() {
        return drops.get();
    }

    // ---- counters

    /** Connections accepted and forwarded (not those refused by a partition). */
    long connections() {
        return connections.get();
    }

    /** Connections open now. */
    int openConnections() {
        return open.size();
    }

    /** Connections refused by a partition. */
    long refusedConnections() {
        return refused.get();
    }

    /** Connections whose target could not be reached (the client's was reset). */
    long targetFailures() {
        return targetFailures.get();
    }

    /** HTTP requests whose head went to the target. */
    long requests() {
        return requests.get();
    }

    /** Final HTTP responses delivered whole to the client. */
    long responses() {
        return responses.get();
    }

    /** Responses read whole from the target and not delivered ({@link #dropResponsesAfterCommit(int)}). */
    long droppedAfterCommit() {
        return dropped.get();
    }

    /** Bytes written to targets. */
    long bytesToTarget() {
        return bytesToTarget.get();
    }

    /** Bytes written to clients. */
    long bytesToClient() {
        return bytesToClient.get();
    }

    /** Stops accepting and cuts every connection (reset). */
    @Override
    public void close() throws InterruptedException {
        closed = true;
        closeQuietly(server);
        cutAll();
        acceptor.join();
    }

    @Override
    public String toString() {
        return "FaultProxy[:" + port() + " -> " + target + ", connections " + connections + ", open " + open.size()
                + ", refused " + refused + ", requests " + requests + ", responses " + responses + ", dropped "
                + dropped + ", bytes " + bytesToTarget + " up / " + bytesToClient + " down]";
    }

    // ---- the machinery

    private void cutAll() {
        for (final Connection c : open) {
            c.cut(true);
        }
    }

    private void accept() {
        while (!closed) {
            final Socket client;
            try {
                client = server.accept();
            } catch (final IOException e) {
                if (closed) {
                    return;
                }
                continue; // a failed accept (e.g. the client gave up): keep serving
            }
            if (partitioned || closed) {
                refused.incrementAndGet();
                abort(client);
                continue;
            }
            final Connection c = new Connection(client);
            // Registered before the flags are read again: a partition() or close() that runs meanwhile either sees
            // it in the set and cuts it, or has set its flag before this reads it.
            open.add(c);
            if (partitioned || closed) {
                open.remove(c);
                refused.incrementAndGet();
                abort(client);
                continue;
            }
            connections.incrementAndGet();
            Thread.ofVirtual().name("fault-proxy-connect-" + port()).start(c::run);
        }
    }

    /** One proxied connection: the client's socket, the target's, and a thread for each direction. */
    private final class Connection {
        private final Socket client;
        private final Socket upstream = new Socket();
        private final AtomicBoolean cut = new AtomicBoolean();
        private final AtomicInteger directionsDone = new AtomicInteger();
        /** The methods of requests sent and not answered yet, in order (HTTP/1.1 answers in order). */
        private final Queue<String> methods = new ConcurrentLinkedQueue<>();
        private final HttpFraming requestFraming = new HttpFraming(false, null);
        private final HttpFraming responseFraming = new HttpFraming(true, methods::poll);
        private volatile Thread toTarget;
        private volatile Thread toClient;

        Connection(final Socket client) {
            this.client = client;
        }

        void run() {
            try {
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                upstream.connect(target, CONNECT_TIMEOUT_MILLIS);
            } catch (final IOException e) {
                if (!cut.get()) {
                    targetFailures.incrementAndGet();
                }
                cut(true);
                return;
            }
            toTarget = Thread.ofVirtual().name("fault-proxy-up-" + port()).unstarted(this::clientToTarget);
            toClient = Thread.ofVirtual().name("fault-proxy-down-" + port()).unstarted(this::targetToClient);
            toTarget.start();
            toClient.start();
            if (cut.get()) { // cut while connecting or starting: make sure neither thread sleeps on
                toTarget.interrupt();
                toClient.interrupt();
            }
        }

        /** Client to target: forwards every chunk as read; parses requests only to learn their methods. */
        private void clientToTarget() {
            final byte[] buffer = new byte[CHUNK];
            try {
                final InputStream in = client.getInputStream();
                final OutputStream out = upstream.getOutputStream();
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    int at = 0;
                    while (at < n) {
                        at += requestFraming.feed(buffer, at, n - at);
                        if (requestFraming.headComplete()) {
                            methods.add(requestFraming.method());
                            requests.incrementAndGet();
                        }
                        if (requestFraming.raw()) {
                            break;
                        }
                    }
                    pause();
                    out.write(buffer, 0, n);
                    out.flush();
                    bytesToTarget.addAndGet(n);
                }
                upstream.shutdownOutput(); // the client's FIN, passed on; the answers may still come
                done();
            } catch (final IOException | InterruptedException e) {
                cut(true);
            }
        }

        /**
         * Target to client: holds each response's head until it is complete, then forwards it (or drops the whole
         * response), and forwards body bytes as they arrive, one write per chunk read (after the delay).
         */
        private void targetToClient() {
            final byte[] buffer = new byte[CHUNK];
            final ByteArrayOutputStream head = new ByteArrayOutputStream();
            final ByteArrayOutputStream pending = new ByteArrayOutputStream(CHUNK);
            boolean dropping = false;
            try {
                final InputStream in = upstream.getInputStream();
                final OutputStream out = client.getOutputStream();
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    int at = 0;
                    while (at < n) {
                        if (responseFraming.raw()) {
                            if (dropping) { // the response being dropped turned out malformed: deliver none of it
                                deliver(out, pending);
                                dropDone();
                                return;
                            }
                            head.writeTo(pending);
                            head.reset();
                            pending.write(buffer, at, n - at);
                            break;
                        }
                        final boolean inHead = responseFraming.inHead();
                        final int used = responseFraming.feed(buffer, at, n - at);
                        if (inHead) {
                            head.write(buffer, at, used);
                        } else if (!dropping) {
                            pending.write(buffer, at, used);
                        }
                        at += used;
                        if (responseFraming.headComplete()) {
                            if (responseFraming.upgraded()) {
                                requestFraming.giveUp();
                            }
                            if (responseFraming.finalResponse() && !responseFraming.raw() && claimDrop()) {
                                dropping = true;
                            } else {
                                head.writeTo(pending);
                            }
                            head.reset();
                        }
                        if (responseFraming.messageComplete()) {
                            if (dropping) {
                                deliver(out, pending); // what came before it in this chunk
                                dropDone();
                                return;
                            }
                            if (responseFraming.finalResponse()) {
                                responses.incrementAndGet();
                            }
                        }
                    }
                    deliver(out, pending);
                }
                // The target closed: ends a response framed by the connection's end, else passes the FIN on.
                if (dropping && responseFraming.untilClose()) {
                    dropDone();
                    return;
                }
                if (responseFraming.untilClose()) {
                    responses.incrementAndGet();
                }
                if (!dropping) {
                    deliver(out, head); // an incomplete head: the client sees it cut short, as sent
                }
                client.shutdownOutput();
                done();
            } catch (final IOException | InterruptedException e) {
                cut(true);
            }
        }

        private void deliver(final OutputStream out, final ByteArrayOutputStream bytes) throws IOException,
                InterruptedException {
            if (bytes.size() == 0) {
                return;
            }
            pause();
            // counted before the write: a client that has the bytes finds them counted (a test reads the counter as
            // soon as its answer is in, and may otherwise read it before this thread counts them)
            bytesToClient.addAndGet(bytes.size());
            bytes.writeTo(out);
            out.flush();
            bytes.reset();
        }

        /** The dropped response was read whole: close both sides (an orderly close; the client sees no answer). */
        private void dropDone() {
            dropped.incrementAndGet();
            cut(false);
        }

        /** One direction ended with its FIN passed on; the second to end closes the connection. */
        private void done() {
            if (directionsDone.incrementAndGet() == 2) {
                cut(false);
            }
        }

        /** Closes both sides, with a reset ({@code rst}) or an orderly close; idempotent. */
        void cut(final boolean rst) {
            if (!cut.compareAndSet(false, true)) {
                return;
            }
            if (rst) {
                abort(client);
                abort(upstream);
            } else {
                closeQuietly(client);
                closeQuietly(upstream);
            }
            final Thread up = toTarget;
            final Thread down = toClient;
            if (up != null && up != Thread.currentThread()) {
                up.interrupt();
            }
            if (down != null && down != Thread.currentThread()) {
                down.interrupt();
            }
            open.remove(this);
        }
    }

    private void pause() throws InterruptedException {
        final long millis = delayMillis;
        if (millis > 0) {
            Thread.sleep(millis);
        }
    }

    private boolean claimDrop() {
        return drops.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
    }

    private static void abort(final Socket socket) {
        try {
            if (!socket.isClosed()) {
                socket.setSoLinger(true, 0);
            }
        } catch (final IOException e) {
            // closed meanwhile
        }
        closeQuietly(socket);
    }

    private static void closeQuietly(final AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (final Exception e) {
            // nothing to do
        }
    }

    /**
     * An incremental reader of HTTP/1.1 message framing (RFC 9112 section 6) over one direction of a connection. It is
     * fed the bytes as they arrive and stops at each event: {@link #headComplete()} (after the empty line ending a
     * start line and its fields) and {@link #messageComplete()} (after a message's last byte). It only reads;
     * malformed input (or an upgrade) turns it {@link #raw()} for good. One thread feeds it; {@link #giveUp()} may be
     * called from another.
     */
    static final class HttpFraming {
        /** Longest head, start line and fields together, before it gives up. */
        static final int MAX_HEAD = 64 * 1024;
        /** Longest chunk-size line (with extensions) or trailer line. */
        static final int MAX_LINE = 8 * 1024;

        private enum State { HEAD, LENGTH, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILERS, UNTIL_CLOSE, RAW }

        private final boolean response;
        private final java.util.function.Supplier<String> requestMethods;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        private State state = State.HEAD;
        private volatile boolean gaveUp;
        private int headBytes;
        private String startLine;
        private long contentLength;
        private boolean lengthSeen;
        private String transferEncoding;
        private long remaining;
        // what the last feed found
        private boolean headComplete;
        private boolean messageComplete;
        private String method;
        private int status;
        private boolean upgraded;

        /**
         * {@code response}: whether this direction carries responses; then {@code requestMethods} gives, in order, the
         * method of the request each final response answers (null when unknown).
         */
        HttpFraming(final boolean response, final java.util.function.Supplier<String> requestMethods) {
            this.response = response;
            this.requestMethods = requestMethods;
        }

        /**
         * Reads from {@code b[off, off + len)} up to the next event or the end, and returns how many bytes it read
         * (at least one when {@code len > 0}). The events are then in {@link #headComplete()} and
         * {@link #messageComplete()}; both can be true at once (a message without a body).
         */
        int feed(final byte[] b, final int off, final int len) {
            headComplete = false;
            messageComplete = false;
            upgraded = false;
            if (gaveUp) {
                state = State.RAW;
            }
            int i = off;
            final int end = off + len;
            while (i < end) {
                switch (state) {
                    case HEAD -> {
                        final byte c = b[i++];
                        if (++headBytes > MAX_HEAD) {
                            state = State.RAW;
                            return i - off;
                        }
                        if (c != '\n') {
                            line.write(c);
                            continue;
                        }
                        final String l = line();
                        if (l.isEmpty()) {
                            if (startLine == null) {
                                continue; // an empty line before a start line is ignored (RFC 9112 section 2.2)
                            }
                            endHead();
                            return i - off;
                        }
                        if (!headLine(l)) {
                            state = State.RAW;
                            return i - off;
                        }
                    }
                    case LENGTH -> {
                        final int take = (int) Math.min(remaining, end - i);
                        i += take;
                        remaining -= take;
                        if (remaining == 0) {
                            complete();
                            return i - off;
                        }
                    }
                    case CHUNK_SIZE, CHUNK_END, TRAILERS -> {
                        final byte c = b[i++];
                        if (c != '\n') {
                            if (line.size() >= MAX_LINE) {
                                state = State.RAW;
                                return i - off;
                            }
                            line.write(c);
                            continue;
                        }
                        final String l = line();
                        if (state == State.CHUNK_SIZE) {
                            final long size = chunkSize(l);
                            if (size < 0) {
                                state = State.RAW;
                                return i - off;
                            }
                            if (size == 0) {
                                state = State.TRAILERS;
                            } else {
                                remaining = size;
                                state = State.CHUNK_DATA;
                            }
                        } else if (state == State.CHUNK_END) {
                            if (!l.isEmpty()) {
                                state = State.RAW;
                                return i - off;
                            }
                            state = State.CHUNK_SIZE;
                        } else if (l.isEmpty()) { // TRAILERS: the empty line ends the message
                            complete();
                            return i - off;
                        }
                    }
                    case CHUNK_DATA -> {
                        final int take = (int) Math.min(remaining, end - i);
                        i += take;
                        remaining -= take;
                        if (remaining == 0) {
                            state = State.CHUNK_END;
                        }
                    }
                    case UNTIL_CLOSE, RAW -> i = end;
                }
            }
            return i - off;
        }

        /** Stop parsing: the rest of the stream is raw bytes (an upgrade seen on the other direction). */
        void giveUp() {
            gaveUp = true;
        }

        boolean raw() {
            return state == State.RAW;
        }

        /** Whether the next byte fed belongs to a message's head. */
        boolean inHead() {
            return state == State.HEAD && !gaveUp;
        }

        /** Whether the current message's body runs until the connection closes. */
        boolean untilClose() {
            return state == State.UNTIL_CLOSE;
        }

        boolean headComplete() {
            return headComplete;
        }

        boolean messageComplete() {
            return messageComplete;
        }

        /** The request's method, when {@link #headComplete()} on a request. */
        String method() {
            return method;
        }

        /** The response's status, when {@link #headComplete()} on a response. */
        int status() {
            return status;
        }

        /** Whether the response whose head is complete is a final one (not an interim {@code 1xx}). */
        boolean finalResponse() {
            return response && (status >= 200 || status == 101);
        }

        /** Whether the head just completed switched the connection to another protocol (a {@code 101}). */
        boolean upgraded() {
            return upgraded;
        }

        private String line() {
            final int n = line.size();
            final byte[] bytes = line.toByteArray();
            line.reset();
            final int length = n > 0 && bytes[n - 1] == '\r' ? n - 1 : n;
            return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
        }

        /** Takes the start line or a field line; false when malformed. */
        private boolean headLine(final String l) {
            if (startLine == null) {
                startLine = l;
                final String[] parts = l.split(" ", 3);
                if (response) {
                    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || parts[1].length() != 3) {
                        return false;
                    }
                    try {
                        status = Integer.parseInt(parts[1]);
                    } catch (final NumberFormatException e) {
                        return false;
                    }
                    return status >= 100 && status <= 999;
                }
                if (parts.length != 3 || !parts[2].startsWith("HTTP/1.") || parts[0].isEmpty()) {
                    return false;
                }
                method = parts[0];
                return true;
            }
            if (l.charAt(0) == ' ' || l.charAt(0) == '\t') {
                return false; // obsolete line folding: refused by RFC 9112; not worth following here
            }
            final int colon = l.indexOf(':');
            if (colon <= 0) {
                return false;
            }
            final String name = l.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            final String value = l.substring(colon + 1).trim();
            switch (name) {
                case "content-length" -> {
                    for (final String v : value.split(",")) {
                        final long length;
                        try {
                            length = Long.parseLong(v.trim());
                        } catch (final NumberFormatException e) {
                            return false;
                        }
                        if (length < 0 || lengthSeen && length != contentLength) {
                            return false;
                        }
                        contentLength = length;
                        lengthSeen = true;
                    }
                }
                case "transfer-encoding" -> transferEncoding = transferEncoding == null ? value
                        : transferEncoding + "," + value;
                default -> {
                }
            }
            return true;
        }

        /** The head is complete: decides how the body is framed (RFC 9112 section 6.3). */
        private void endHead() {
            headComplete = true;
            final boolean chunked = transferEncoding != null && lastCoding(transferEncoding).equals("chunked");
            if (!response) {
                // An upgrade request stays HTTP until its 101; the response side then calls giveUp().
                if (transferEncoding != null && !chunked) {
                    state = State.RAW; // a request without a length it can know: cannot be framed
                } else if (chunked) {
                    state = State.CHUNK_SIZE;
                } else if (contentLength > 0) {
                    remaining = contentLength;
                    state = State.LENGTH;
                } else {
                    complete();
                }
                return;
            }
            if (status < 200) {
                if (status == 101) {
                    upgraded = true;
                    messageComplete = true;
                    resetHead();
                    state = State.RAW;
                    return;
                }
                complete(); // interim: no body, and the request is still to be answered
                return;
            }
            final String requestMethod = requestMethods.get();
            if ("HEAD".equals(requestMethod) || status == 204 || status == 304) {
                complete();
            } else if ("CONNECT".equals(requestMethod) && status < 300) {
                messageComplete = true;
                upgraded = true;
                resetHead();
                state = State.RAW;
            } else if (chunked) {
                state = State.CHUNK_SIZE;
            } else if (transferEncoding != null) {
                state = State.UNTIL_CLOSE;
            } else if (lengthSeen) {
                if (contentLength == 0) {
                    complete();
                } else {
                    remaining = contentLength;
                    state = State.LENGTH;
                }
            } else {
                state = State.UNTIL_CLOSE;
            }
        }

        private void complete() {
            messageComplete = true;
            resetHead();
            state = State.HEAD;
        }

        private void resetHead() {
            headBytes = 0;
            startLine = null;
            contentLength = 0;
            lengthSeen = false;
            transferEncoding = null;
            line.reset();
        }

        private static String lastCoding(final String codings) {
            final String[] all = codings.split(",");
            return all[all.length - 1].trim().toLowerCase(Locale.ROOT);
        }

        /** The size of a chunk-size line, extensions ignored; -1 when malformed. */
        private static long chunkSize(final String l) {
            final int semicolon = l.indexOf(';');
            final String hex = (semicolon >= 0 ? l.substring(0, semicolon) : l).trim();
            if (hex.isEmpty() || hex.length() > 15) {
                return -1;
            }
            try {
                return Long.parseLong(hex, 16);
            } catch (final NumberFormatException e) {
                return -1;
            }
        }
    }
}
