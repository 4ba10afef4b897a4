package org.edgebook.server;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.edgebook.engine.Command;
import org.edgebook.engine.Event;
import org.edgebook.journal.DurableEngine;

/**
 * The most recent trades, for {@code GET /v1/trades?since=SEQ}: each with its trade id ({@code <seq>-<n>}), execution
 * time (when its command was sequenced), and both sides; it is answered public-shaped to account keys and in full to
 * the admin key ({@link TradeJson}). Fed by the engine once trades are durable; keeps the last
 * {@code capacity} trades in memory, so it starts at the service's start. The full history is in the journal
 * ({@code edgebook report trades}). Thread-safe.
 */
final class TradeLog implements DurableEngine.Listener {

    /** One trade, with its JSON in both shapes ({@link TradeJson}), encoded once when it was logged. */
    record Trade(long seq, String id, long timeMicros, Event.Trade trade, byte[] publicJson, byte[] fullJson) {
        Trade(final long seq, final String id, final long timeMicros, final Event.Trade trade) {
            this(seq, id, timeMicros, trade, null, null);
        }

        /** This trade with its two encodings. */
        Trade encoded() {
            return new Trade(seq, id, timeMicros, trade, TradeJson.object(this, false), TradeJson.object(this, true));
        }
    }

    private final int capacity;
    private final ArrayDeque<Trade> trades = new ArrayDeque<>();
    private final long startedAfterSeq;

    TradeLog(final int capacity, final long startedAfterSeq) {
        this.capacity = capacity;
        this.startedAfterSeq = startedAfterSeq;
    }

    @Override
    public synchronized void durable(final long seq, final long timeMicros, final Command command,
                                     final List<Event> events) {
        int n = 0;
        for (final Event event : events) {
            if (event instanceof Event.Trade t) {
                trades.addLast(new Trade(seq, seq + "-" + ++n, timeMicros, t).encoded());
                if (trades.size() > capacity) {
                    trades.removeFirst();
                }
            }
        }
    }

    /** Up to {@code limit} trades of commands after {@code since}, oldest first. */
    synchronized List<Trade> since(final long since, final int limit) {
        final List<Trade> result = new ArrayList<>(Math.min(limit, trades.size()));
        for (final Trade trade : trades) {
            if (trade.seq() > since) {
                result.add(trade);
                if (result.size() == limit) {
                    break;
                }
            }
        }
        return result;
    }

    /** The sequence number after which this log is complete: earlier trades are only in the journal. */
    synchronized long completeAfter() {
        return trades.size() < capacity ? startedAfterSeq : trades.peekFirst().seq() - 1;
    }

    /**
     * {@code {"completeAfter":N,"trades":[…]}}: public-shaped trades for an account key, full ones (buyer, seller,
     * order ids) for the admin key; the trades' bytes are those encoded when they were logged.
     */
    static byte[] json(final long completeAfter, final List<Trade> trades, final boolean full) {
        return TradeJson.list(completeAfter, trades, full);
    }
}
