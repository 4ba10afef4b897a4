package org.edgebook.server;

import io.vertx.core.Context;
import io.vertx.core.http.ServerWebSocket;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.edgebook.codec.JsonEventWriter;
import org.edgebook.engine.BookChange;
import org.edgebook.engine.Command;
import org.edgebook.engine.Event;
import org.edgebook.engine.EventReplayer;
import org.edgebook.journal.DurableEngine;

/**
 * Live streams over WebSocket, fed by the engine once commands are durable: trades (with trade ids and execution
 * times; public-shaped for account keys, in full for the admin key, each shape encoded once per trade and the same
 * bytes sent to all its subscribers), each account's private events (its orders accepted, filled, cancelled,
 * modified; transfers in and out; a fill is the account's own side only, never the counterparty: {@link PrivateEvents}),
 * and order books (a snapshot, then each command's changed levels with its seq and the previous one's, so
 * a client can tell it missed nothing). Every message is written by a JSON generator (or is the engine's own JSON).
 * Each socket receives on its own context; a socket that cannot keep up (its write queue is full) is closed
 * with a reason rather than buffered without bound. Thread-safe.
 */
final class Streams implements DurableEngine.Listener {

    /** One subscribed socket, with the context it writes on. */
    record Subscriber(ServerWebSocket socket, Context context, String account, Streams streams) {
        /** Counted by no {@code Streams} until subscribed ({@link #counted}). */
        Subscriber(final ServerWebSocket socket, final Context context, final String account) {
            this(socket, context, account, null);
        }

        /**
         * One message, on the socket's context; a socket whose write queue is full is closed as a slow consumer.
         * Shared messages (trades) are encoded once and the same bytes written to every subscriber's socket
         * ({@link TextFrames}).
         */
        void send(final byte[] utf8) {
            context.runOnContext(v -> {
                if (socket.isClosed()) {
                    return;
                }
                if (socket.writeQueueFull()) {
                    if (streams != null) {
                        streams.closedSlow(socket);
                    }
                    socket.close((short) 1008, "slow consumer: the stream cannot wait for you");
                    return;
                }
                TextFrames.write(socket, utf8);
            });
        }
    }

    /** Sockets closed as slow consumers: each subscriber counts its close here. */
    final java.util.concurrent.atomic.LongAdder slowConsumerCloses = new java.util.concurrent.atomic.LongAdder();
    /** Trades channel subscribers of account keys (public shape) and of the admin key (full shape). */
    private final Set<Subscriber> publicTrades = ConcurrentHashMap.newKeySet();
    private final Set<Subscriber> fullTrades = ConcurrentHashMap.newKeySet();
    /** Trade messages encoded: one per trade and shape with subscribers, however many subscribers it has. */
    private final java.util.concurrent.atomic.LongAdder tradeMessages = new java.util.concurrent.atomic.LongAdder();
    private final Set<Subscriber> privates = ConcurrentHashMap.newKeySet();
    /** Book subscribers; their sequence numbers are touched only on the publisher thread once registered. */
    private final Set<BookSubscriber> books = ConcurrentHashMap.newKeySet();

    /** A book subscriber: silent until its snapshot arrives, then every change after it, with gap detection. */
    static final class BookSubscriber {
        final Subscriber subscriber;
        final String symbol;
        long lastSeq = -1; // -1: awaiting the snapshot

        BookSubscriber(final Subscriber subscriber, final String symbol) {
            this.subscriber = subscriber;
            this.symbol = symbol;
        }
    }

    /** Registers a book subscriber; call {@link #bookSnapshot} with the answer to its book query. */
    BookSubscriber subscribeBook(final Subscriber subscriber, final String symbol) {
        final BookSubscriber book = new BookSubscriber(counted(subscriber), symbol);
        books.add(book);
        return book;
    }

    /**
     * The book query's answer, on the publisher thread: changes of commands before it are in the snapshot, those
     * after it follow. A rejected query (unknown symbol) ends the subscription.
     */
    void bookSnapshot(final BookSubscriber book, final long seq, final List<Event> events) {
        if (events.isEmpty() || !(events.getFirst() instanceof Event.Book)) {
            books.remove(book);
            book.subscriber.send(ApiResponses.object(json -> {
                json.writeStringField("channel", "book");
                json.writeStringField("symbol", book.symbol);
                json.writeStringField("error", "UNKNOWN_SYMBOL");
            }));
            return;
        }
        book.lastSeq = seq;
        final String snapshot = encode(seq, events);
        book.subscriber.send(ApiResponses.object(json -> {
            json.writeStringField("channel", "book");
            json.writeFieldName("snapshot");
            json.writeRawValue(snapshot); // the engine's own JSON for the book event
        }));
    }

    /**
     * The book query could not be answered (its journal write failed, or the engine refused it): the subscription
     * ends, and the socket is told why at once.
     */
    void bookFailed(final BookSubscriber book, final Refusal why) {
        books.remove(book);
        book.subscriber.send(ApiResponses.object(json -> {
            json.writeStringField("channel", "book");
            json.writeStringField("symbol", book.symbol);
            json.writeStringField("error", why.error());
            json.writeStringField("detail", why.reason());
            json.writeNumberField("retryAfter", why.retryAfterSeconds());
        }));
    }

    /** {@code {"subscribed":channel}}, with the book's symbol when there is one. */
    static byte[] subscribed(final String channel, final String symbol) {
        return ApiResponses.object(json -> {
            json.writeStringField("subscribed", channel);
            if (symbol != null) {
                json.writeStringField("symbol", symbol);
            }
        });
    }

    @Override
    public void durable(final long seq, final long timeMicros, final Command command, final List<Event> events,
                        final List<BookChange> bookChanges) {
        durable(seq, timeMicros, command, events);
        if (books.isEmpty() || bookChanges.isEmpty()) {
            return;
        }
        for (final BookSubscriber book : books) {
            if (book.lastSeq < 0) {
                continue; // its snapshot, still to come, includes this command
            }
            final List<BookChange> mine = bookChanges.stream().filter(c -> c.symbol().equals(book.symbol)).toList();
            if (!mine.isEmpty()) {
                final long prevSeq = book.lastSeq;
                book.subscriber.send(ApiResponses.object(json -> {
                    json.writeStringField("channel", "book");
                    json.writeStringField("symbol", book.symbol);
                    json.writeNumberField("seq", seq);
                    json.writeNumberField("prevSeq", prevSeq);
                    json.writeArrayFieldStart("changes");
                    for (final BookChange change : mine) {
                        json.writeStartArray();
                        json.writeString(change.side().toString());
                        json.writeString(change.price().toString());
                        json.writeString(change.quantity().toString());
                        json.writeEndArray();
                    }
                    json.writeEndArray();
                }));
                book.lastSeq = seq;
            }
        }
    }

    /** The trades channel: public-shaped trades, or full ones (buyer, seller, order ids) for the admin. */
    void subscribeTrades(final Subscriber subscriber, final boolean full) {
        (full ? fullTrades : publicTrades).add(counted(subscriber));
    }

    /** Trade messages encoded so far. */
    long tradeMessagesEncoded() {
        return tradeMessages.sum();
    }

    void subscribePrivate(final Subscriber subscriber) {
        privates.add(counted(subscriber));
    }

    /** The subscriber, telling this stream when it closes its socket for slowness. */
    private Subscriber counted(final Subscriber s) {
        return new Subscriber(s.socket(), s.context(), s.account(), this);
    }

    /**
     * A socket closed as a slow consumer: it gets nothing more (its connection may take a while to end, its
     * buffers being full), and is counted once, however many of its messages found it full.
     */
    void closedSlow(final ServerWebSocket socket) {
        if (remove(socket)) {
            slowConsumerCloses.increment();
        }
    }

    /** Subscribers of a channel: trades, private or book. */
    int subscribers(final String channel) {
        return switch (channel) {
            case "trades" -> publicTrades.size() + fullTrades.size();
            case "private" -> privates.size();
            case "book" -> books.size();
            default -> 0;
        };
    }

    /** Unsubscribes the socket from everything; answers whether it was subscribed to anything. */
    boolean remove(final ServerWebSocket socket) {
        return publicTrades.removeIf(s -> s.socket() == socket) | fullTrades.removeIf(s -> s.socket() == socket)
                | privates.removeIf(s -> s.socket() == socket) | books.removeIf(b -> b.subscriber.socket() == socket);
    }

    @Override
    public void durable(final long seq, final long timeMicros, final Command command, final List<Event> events) {
        if (!publicTrades.isEmpty() || !fullTrades.isEmpty()) {
            int n = 0;
            for (final Event event : events) {
                if (event instanceof Event.Trade t) {
                    final TradeLog.Trade trade = new TradeLog.Trade(seq, seq + "-" + ++n, timeMicros, t);
                    send(publicTrades, trade, false);
                    send(fullTrades, trade, true);
                }
            }
        }
        if (!privates.isEmpty()) {
            for (final Subscriber subscriber : privates) {
                final List<Event> mine = events.stream().filter(e -> concerns(e, subscriber.account())).toList();
                if (!mine.isEmpty()) {
                    subscriber.send(PrivateEvents.message(seq, timeMicros, mine, events, subscriber.account()));
                }
            }
        }
    }

    /** One message for the trade in one shape, the same text to every subscriber of that shape. */
    private void send(final Set<Subscriber> subscribers, final TradeLog.Trade trade, final boolean full) {
        if (subscribers.isEmpty()) {
            return;
        }
        final byte[] message = TradeJson.message(trade, full);
        tradeMessages.increment();
        subscribers.forEach(s -> s.send(message));
    }

    static boolean concerns(final Event event, final String account) {
        return switch (event) {
            case Event.Accepted e -> account.equals(e.account());
            case Event.Cancelled e -> account.equals(e.account());
            case Event.Modified e -> account.equals(e.account());
            case Event.Rejected e -> account.equals(e.account());
            case Event.Trade e -> account.equals(e.makerAccount()) || account.equals(e.takerAccount());
            case Event.Transferred e -> account.equals(e.from()) || account.equals(e.to());
            case Event.Balances e -> account.equals(e.account());
            default -> false;
        };
    }

    /** Events as the JSON objects of the engine's lines, comma-separated. */
    static String encode(final long seq, final List<Event> events) {
        final ByteArrayOutputStream lines = new ByteArrayOutputStream(256);
        try (JsonEventWriter writer = new JsonEventWriter(lines)) {
            EventReplayer.replay(seq, seq, events, writer);
        }
        return String.join(",", lines.toString(StandardCharsets.UTF_8).lines().toList());
    }
}
