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

    /**
     * An answer read at one moment: up to {@code limit} trades of commands after {@code since}, oldest first, and the
     * sequence number after which the log is complete (earlier trades may be only in the journal).
     */
    record Page(long completeAfter, List<Trade> trades) {
    }

    /** Up to {@code limit} trades of commands after {@code since}, oldest first, with what the log is complete after. */
    Page page(final long since, final int limit) {
        while (true) {
            final long end = count;
            long first = Math.max(0, end - capacity);
            long lowestRead = end;
            long completeAfter = startedAfterSeq;
            if (first > 0) { // some trades were dropped: complete after the oldest command whose trades are all kept
                Trade oldest = ring.get((int) (first % capacity));
                lowestRead = first;
                completeAfter = oldest.seq() - 1;
                if (!oldest.id().endsWith("-1")) { // its first trades were dropped: skip the rest of that command
                    completeAfter = oldest.seq();
                    while (first < end && ring.get((int) (first % capacity)).seq() == completeAfter) {
                        first++;
                    }
                }
            }
            long low = first;
            long high = end; // the first trade with seq > since is in [low, high]
            while (low < high) {
                final long mid = (low + high) >>> 1;
                lowestRead = Math.min(lowestRead, mid);
                if (ring.get((int) (mid % capacity)).seq() > since) {
                    high = mid;
                } else {
                    low = mid + 1;
                }
            }
            final List<Trade> result = new ArrayList<>((int) Math.min(limit, end - low));
            for (long i = low; i < end && result.size() < limit; i++) {
                lowestRead = Math.min(lowestRead, i);
                result.add(ring.get((int) (i % capacity)));
            }
            if (claimed - capacity <= lowestRead) { // nothing read was overwritten meanwhile
                return new Page(completeAfter, result);
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
