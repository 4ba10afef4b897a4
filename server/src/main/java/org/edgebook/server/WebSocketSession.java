package org.edgebook.server;

import io.vertx.core.Context;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.edgebook.codec.Utf8;
import org.edgebook.engine.Command;
import org.edgebook.engine.Event;
import org.edgebook.engine.Names;
import org.edgebook.journal.DurableEngine;
import org.edgebook.journal.Sequencer;

/**
 * One WebSocket, authenticated once at its signed upgrade. Messages are JSON objects:
 * {@code {"op":"subscribe","channel":"trades"|"private"|"book","symbol":…}} and
 * {@code {"op":"command","id":…,"command":{…}}}; a command is answered {@code {"id":…,"seq":…,"time":…,"events":[…]}}
 * once durable, or {@code {"id":…,"error":…,"detail":…}} at once when it is refused (another account's, malformed, over
 * the rate, or not accepted by the engine: busy, closing, or its journal failed). Commands may be pipelined. Every
 * message counts as a request of its key against the one rate limiter.
 * <p>
 * Threading: messages arrive on the socket's context; command answers are built on the publisher thread (one copy of
 * the events) and written on that context; a failed one may come from the engine thread.
 */
final class WebSocketSession {
    private final ApiKey key;
    private final ServerWebSocket socket;
    private final Context context;
    private final DurableEngine engine;
    private final KeyStore keys;
    private final RateLimiter limiter;
    private final Streams streams;

    WebSocketSession(final ApiKey key, final ServerWebSocket socket, final Context context,
                     final DurableEngine engine, final KeyStore keys, final RateLimiter limiter,
                     final Streams streams) {
        this.key = key;
        this.socket = socket;
        this.context = context;
        this.engine = engine;
        this.keys = keys;
        this.limiter = limiter;
        this.streams = streams;
    }

    /** Takes the socket's messages from now on. */
    void start() {
        // A message over the limit is not dropped in silence: the client learns why its socket ends.
        socket.exceptionHandler(e -> socket.close((short) 1009, "a message is at most " + SettlementServer.BODY_LIMIT
                + " bytes"));
        socket.textMessageHandler(this::onMessage);
    }

    private void onMessage(final String text) {
        if (keys.find(key.id()) == null) { // revoked while this message was on its way
            socket.close(Sessions.CLOSED_BY_POLICY, "key revoked");
            return;
        }
        final JsonObject message;
        try {
            message = new JsonObject(text);
        } catch (final RuntimeException e) {
            limiter.acquire(key.id(), System.nanoTime()); // counted like any message
            error("MALFORMED", "a message is a JSON object");
            return;
        }
        final Object id = message.getValue("id");
        final long wait = limiter.acquire(key.id(), System.nanoTime());
        if (wait > 0) {
            socket.writeTextMessage(new JsonObject().put("id", id).put("error", "too many requests")
                    .put("retryAfter", wait).encode());
            return;
        }
        switch (message.getValue("op") instanceof String op ? op : "") {
            case "subscribe" -> subscribe(message.getValue("channel") instanceof String s ? s : "",
                    message.getValue("symbol"));
            case "command" -> command(id, message.getValue("command"));
            default -> error("MALFORMED", "op is subscribe or command");
        }
    }

    private void subscribe(final String channel, final Object symbolValue) {
        if (channel.equals("book") && symbolValue instanceof String symbol) {
            if (!Names.valid(symbol)) {
                error("MALFORMED", Names.problem("symbol", symbol));
                return;
            }
            subscribeBook(symbol);
            return;
        }
        if (channel.equals("trades")) {
            streams.subscribeTrades(subscriber(), key.admin());
        } else if (channel.equals("private") && !key.admin()) {
            streams.subscribePrivate(subscriber());
        } else {
            error("MALFORMED", "channels are trades, private (an account key) and book (with a symbol)");
            return;
        }
        socket.writeTextMessage(Streams.subscribed(channel, null));
    }

    /** The book: subscribed now, silent until its snapshot (a journaled query) says where the changes start. */
    private void subscribeBook(final String symbol) {
        final Streams.BookSubscriber book = streams.subscribeBook(subscriber(), symbol);
        socket.writeTextMessage(Streams.subscribed("book", symbol));
        final boolean taken = engine.submit(new Command.QueryBook(symbol), key.id(), new DurableEngine.Reply() {
            @Override
            public void done(final long seq, final List<Event> events) {
                streams.bookSnapshot(book, seq, events);
            }

            @Override
            public void failed(final IOException cause) {
                streams.bookFailed(book, Refusal.journalFailed(cause));
            }
        });
        if (!taken) {
            streams.bookFailed(book, Refusal.of(engine));
        }
    }

    private void command(final Object id, final Object body) {
        final String json = body instanceof JsonObject o ? o.encode() : "";
        // getBytes would turn a lone surrogate into '?': such text is refused, never rewritten.
        final byte[] bytes = Utf8.firstLoneSurrogate(json) < 0 ? json.getBytes(StandardCharsets.UTF_8) : null;
        final Command decoded = bytes == null ? new Command.Malformed("the command holds text that is not valid "
                + "Unicode (a lone surrogate)", null, null) : HttpAnswers.decoder().decode(bytes, 0, bytes.length);
        final AccountScope.Scoped scoped = AccountScope.of(key, decoded);
        if (scoped.refused()) {
            answerError(id, scoped.error(), scoped.detail());
            return;
        }
        if (scoped.command() instanceof Command.Malformed m) {
            answerError(id, "MALFORMED", m.detail());
            return;
        }
        final byte[] head = head(id);
        final boolean taken = engine.submit(scoped.command(), key.id(), Replies.viewer(key), ',',
                new Replies.FromSlice() {
                    @Override
                    public void done(final Sequencer.Batch batch, final int i) {
                        final String answer = new String(Replies.object(batch, i, head), StandardCharsets.UTF_8);
                        context.runOnContext(v -> send(answer));
                    }

                    @Override
                    public void failed(final IOException cause) {
                        answer(Refusal.inFlight(cause).toWebSocket(id));
                    }

                    @Override
                    public void refused(final IOException cause) {
                        answer(Refusal.journalFailed(cause).toWebSocket(id));
                    }

                    private void answer(final String answer) {
                        context.runOnContext(v -> {
                            if (!socket.isClosed()) {
                                socket.writeTextMessage(answer);
                            }
                        });
                    }
                });
        if (!taken) {
            socket.writeTextMessage(Refusal.of(engine).toWebSocket(id));
        }
    }

    /** {@code {"id":…,} : the answer's opening, the client's id encoded as JSON. */
    private static byte[] head(final Object id) {
        final byte[] encoded = Json.encodeToBuffer(id).getBytes();
        final byte[] head = new byte[encoded.length + 7];
        System.arraycopy("{\"id\":".getBytes(StandardCharsets.US_ASCII), 0, head, 0, 6);
        System.arraycopy(encoded, 0, head, 6, encoded.length);
        head[head.length - 1] = ',';
        return head;
    }

    /**
     * One text message. Not a frame of Vert.x's internal class over the UTF-8 bytes: under the load tool such answers
     * were held back for seconds (see {@link Streams.Subscriber#send}).
     */
    private void send(final String text) {
        if (!socket.isClosed()) {
            socket.writeTextMessage(text);
        }
    }

    /** {@code {"id":…,"error":…,"detail":…}}. */
    private void answerError(final Object id, final String error, final String detail) {
        socket.writeTextMessage(new JsonObject().put("id", id).put("error", error).put("detail", detail).encode());
    }

    /** {@code {"error":…,"detail":…}}, for a message that is not a command. */
    private void error(final String error, final String detail) {
        socket.writeTextMessage(new String(ApiResponses.error(error, detail), StandardCharsets.UTF_8));
    }

    private Streams.Subscriber subscriber() {
        return new Streams.Subscriber(socket, context, key.account());
    }
}
