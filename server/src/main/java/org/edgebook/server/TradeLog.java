package org.edgebook.server;

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
 * ({@code edgebook report trades}).
 * <p>
 * Threading: one writer (the pipeline's publisher) appends to a ring and publishes the count with a volatile write;
 * readers take no lock (a seqlock of two counters): they find their start by binary search (trades are in sequence order), copy, and start over
 * in the rare case that the writer lapped what they read. A query never holds up the publisher, and costs
 * {@code log(capacity) + limit}, not the whole log.
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
    private final java.util.concurrent.atomic.AtomicReferenceArray<Trade> ring;
    private final long startedAfterSeq;
    /** Trades ever appended; trade number {@code i} is in {@code ring[i % capacity]} while {@code i >= count - capacity}. */
    private volatile long count;
    /**
     * Raised before a slot is overwritten, {@link #count} after: a reader that read a slot and then sees
     * {@code claimed - capacity} at or below the lowest index it read knows nothing it read was overwritten (the
     * slots are volatile, so seeing a new trade in a slot means seeing the claim made before it).
     */
    private volatile long claimed;

    TradeLog(final int capacity, final long startedAfterSeq) {
        this.capacity = capacity;
        this.ring = new java.util.concurrent.atomic.AtomicReferenceArray<>(capacity);
        this.startedAfterSeq = startedAfterSeq;
    }

    @Override
    public void durable(final long seq, final long timeMicros, final Command command, final List<Event> events) {
        int n = 0;
        long next = count;
        for (final Event event : events) {
            if (event instanceof Event.Trade t) {
                final Trade trade = new Trade(seq, seq + "-" + ++n, timeMicros, t).encoded();
                claimed = next + 1;
                ring.set((int) (next % capacity), trade);
                count = ++next;
            }
        }
    }

    /** Up to {@code limit} trades of commands after {@code since}, oldest first. */
    List<Trade> since(final long since, final int limit) {
        while (true) {
            final long end = count;
            final long first = Math.max(0, end - capacity);
            long low = first;
            long high = end; // the first trade with seq > since is in [low, high]
            while (low < high) {
                final long mid = (low + high) >>> 1;
                if (ring.get((int) (mid % capacity)).seq() > since) {
                    high = mid;
                } else {
                    low = mid + 1;
                }
            }
            final List<Trade> result = new ArrayList<>((int) Math.min(limit, end - low));
            for (long i = low; i < end && result.size() < limit; i++) {
                result.add(ring.get((int) (i % capacity)));
            }
            if (claimed - capacity <= first) { // nothing read was overwritten meanwhile
                return result;
            }
        }
    }

    /** The sequence number after which this log is complete: earlier trades are only in the journal. */
    long completeAfter() {
        while (true) {
            final long end = count;
            if (end < capacity) {
                return startedAfterSeq;
            }
            final long oldest = ring.get((int) ((end - capacity) % capacity)).seq() - 1;
            if (claimed - capacity <= end - capacity) {
                return oldest;
            }
        }
    }

    /**
     * {@code {"completeAfter":N,"trades":[…]}}: public-shaped trades for an account key, full ones (buyer, seller,
     * order ids) for the admin key; the trades' bytes are those encoded when they were logged.
     */
    static byte[] json(final long completeAfter, final List<Trade> trades, final boolean full) {
        return TradeJson.list(completeAfter, trades, full);
    }
}
