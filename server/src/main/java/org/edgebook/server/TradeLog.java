package org.edgebook.server;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.edgebook.codec.JsonText;
import org.edgebook.engine.Command;
import org.edgebook.engine.Event;
import org.edgebook.engine.Side;
import org.edgebook.journal.DurableEngine;

/**
 * The most recent trades, for {@code GET /v1/trades?since=SEQ}: each with its trade id ({@code <seq>-<n>}), execution
 * time (when its command was sequenced), and both sides. Fed by the engine once trades are durable; keeps the last
 * {@code capacity} trades in memory, so it starts at the service's start. The full history is in the journal
 * ({@code edgebook report trades}). Thread-safe.
 */
final class TradeLog implements DurableEngine.Listener {

    /** One trade, ready to encode. */
    record Trade(long seq, String id, long timeMicros, Event.Trade trade) {
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
                trades.addLast(new Trade(seq, seq + "-" + ++n, timeMicros, t));
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

    /** {@code {"completeAfter":N,"trades":[…]}}. */
    static byte[] json(final long completeAfter, final List<Trade> trades) {
        final StringBuilder json = new StringBuilder(128 + trades.size() * 256);
        json.append("{\"completeAfter\":").append(completeAfter).append(",\"trades\":[");
        for (int i = 0; i < trades.size(); i++) {
            final Trade t = trades.get(i);
            final Event.Trade e = t.trade();
            final boolean takerBuys = e.takerSide() == Side.BUY;
            json.append(i == 0 ? "" : ",").append("{\"tradeId\":\"").append(t.id()).append("\",\"seq\":")
                    .append(t.seq()).append(",\"time\":\"")
                    .append(org.edgebook.journal.UtcMicros.instant(t.timeMicros()))
                    .append("\",\"symbol\":").append(JsonText.quote(e.symbol())).append(",\"price\":\"").append(e.price())
                    .append("\",\"quantity\":\"").append(e.quantity()).append("\",\"buyer\":")
                    .append(JsonText.quote(takerBuys ? e.takerAccount() : e.makerAccount())).append(",\"seller\":")
                    .append(JsonText.quote(takerBuys ? e.makerAccount() : e.takerAccount())).append(",\"aggressorSide\":\"")
                    .append(e.takerSide()).append("\",\"makerOrderId\":").append(JsonText.quote(e.makerOrderId()))
                    .append(",\"takerOrderId\":").append(JsonText.quote(e.takerOrderId())).append('}');
        }
        return json.append("]}").toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
