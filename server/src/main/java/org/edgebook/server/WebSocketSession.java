package org.edgebook.server;

import io.vertx.core.Context;
import io.vertx.core.http.ServerWebSocket;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.edgebook.engine.Command;
import org.edgebook.engine.Event;
import org.edgebook.engine.Names;
import org.edgebook.journal.DurableEngine;
import org.edgebook.journal.Senders;
import org.edgebook.journal.Sequencer;

/**
 * One WebSocket, authenticated once at its signed upgrade. Messages are JSON objects:
 * {@code {"op":"subscribe","channel":"trades"|"private"|"book","symbol":…}} and
 * {@code {"op":"command","id":…,"command":{…}}}; a command is answered {@code {"id":…,"seq":…,"time":…,"events":[…]}}
 * once durable, or {@code {"id":…,"error":…,"detail":…}} at once when it is refused (another account's, malformed, over
 * the rate, or not accepted by the engine: busy, closing, or its journal failed). Commands may be pipelined. A repeat
 * of a sourced command is answered with its original's answer and {@code "duplicate":true}, at once from memory or,
 * past the window, once the journal has given it (then after commands sent later). Every
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
    private final SignedCommands signed;

    WebSocketSession(final ApiKey key, final ServerWebSocket socket, final Context context,
                     final DurableEngine engine, final KeyStore keys, final RateLimiter limiter,
                     final Streams streams, final SignedCommands signed) {
        this.signed = signed;
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
        final WebSocketMessage message = WebSocketMessage.read(text);
        final long wait = limiter.acquire(key.id(), System.nanoTime()); // every message counts, malformed or not
        if (message == null) {
            error("MALFORMED", "a message is a JSON object");
            return;
        }
        if (wait > 0) {
            send(ApiResponses.object(json -> {
                json.writeFieldName("id");
                json.writeRawValue(message.id);
                json.writeStringField("error", "too many requests");
                json.writeNumberField("retryAfter", wait);
            }));
            return;
        }
        switch (message.op) {
            case "subscribe" -> subscribe(message.channel, message.symbol);
            case "command" -> command(message);
            default -> error("MALFORMED", "op is subscribe or command");
        }
    }

    private void subscribe(final String channel, final String symbol) {
        if (channel.equals("book") && symbol != null) {
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
        send(Streams.subscribed(channel, null));
    }

    /** The book: subscribed now, silent until its snapshot (a journaled query) says where the changes start. */
    private void subscribeBook(final String symbol) {
        final Streams.BookSubscriber book = streams.subscribeBook(subscriber(), symbol);
        send(Streams.subscribed("book", symbol));
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

    private void command(final WebSocketMessage message) {
        final String id = message.id;
        final SignedCommands.Checked checked = signed.check(message.bytes, message.commandFrom,
                message.commandTo - message.commandFrom);
        if (checked.refused()) {
            answerError(id, checked.error(), checked.detail());
            return;
        }
        final Command decoded = HttpAnswers.decoder().decode(checked.bytes(), checked.offset(), checked.length());
        final AccountScope.Scoped scoped = AccountScope.of(key, decoded, checked.signer());
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
                new Replies.FromSlice(engine, key) {
                    @Override
                    void answer(final Sequencer.Batch batch, final int i) {
                        answer(Replies.object(batch, i, head));
                    }

                    @Override
                    void repeat(final byte[] own, final Senders.Original original) {
                        answer(Replies.repeat(original, head));
                    }

                    @Override
                    void repeatMissing(final byte[] own, final int status, final String error, final String detail) {
                        answer(ApiResponses.object(json -> {
                            json.writeFieldName("id");
                            json.writeRawValue(id);
                            json.writeStringField("error", error);
                            json.writeStringField("detail", detail);
                            if (status == 503) {
                                json.writeNumberField("retryAfter", 1);
                            }
                        }));
                    }

                    @Override
                    public void failed(final IOException cause) {
                        answer(Refusal.inFlight(cause).toWebSocket(id));
                    }

                    @Override
                    public void refused(final IOException cause) {
                        answer(Refusal.journalFailed(cause).toWebSocket(id));
                    }

                    private void answer(final byte[] answer) {
                        context.runOnContext(v -> send(answer));
                    }
                });
        if (!taken) {
            send(Refusal.of(engine).toWebSocket(id));
        }
    }

    /** {@code {"id":…,} : the answer's opening, the client's id encoded as JSON. */
    private static byte[] head(final String id) {
        final byte[] encoded = id.getBytes(StandardCharsets.UTF_8);
        final byte[] head = new byte[encoded.length + 7];
        System.arraycopy("{\"id\":".getBytes(StandardCharsets.US_ASCII), 0, head, 0, 6);
        System.arraycopy(encoded, 0, head, 6, encoded.length);
        head[head.length - 1] = ',';
        return head;
    }

    /** One text message, its UTF-8 bytes sent as they are. */
    private void send(final byte[] utf8) {
        if (!socket.isClosed()) {
            TextFrames.write(socket, utf8);
        }
    }

    /** {@code {"id":…,"error":…,"detail":…}}. */
    private void answerError(final String id, final String error, final String detail) {
        send(ApiResponses.object(json -> {
            json.writeFieldName("id");
            json.writeRawValue(id);
            json.writeStringField("error", error);
            json.writeStringField("detail", detail);
        }));
    }

    /** {@code {"error":…,"detail":…}}, for a message that is not a command. */
    private void error(final String error, final String detail) {
        send(ApiResponses.error(error, detail));
    }

    private Streams.Subscriber subscriber() {
        return new Streams.Subscriber(socket, context, key.account());
    }
}
