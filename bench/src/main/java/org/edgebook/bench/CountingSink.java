package org.edgebook.bench;

import org.edgebook.engine.CancelReason;
import org.edgebook.engine.EventSink;
import org.edgebook.engine.RejectReason;
import org.edgebook.engine.Side;

/** Counts events by kind and keeps nothing: the cheapest sink, for measuring the engine alone. */
public final class CountingSink implements EventSink {
    public long events;
    public long rejections;
    public long trades;
    public long cancels;
    public long unknownOrders;

    @Override
    public void ok(final long cmd) {
        events++;
    }

    @Override
    public void rejected(final long cmd, final RejectReason reason, final String account, final String clientOrderId,
                         final String detail) {
        events++;
        rejections++;
        if (reason == RejectReason.UNKNOWN_ORDER) {
            unknownOrders++;
        }
    }

    @Override
    public void accepted(final long cmd, final String account, final String clientOrderId) {
        events++;
    }

    @Override
    public void trade(final long cmd, final String symbol, final long price, final int priceScale, final long quantity,
                      final int quantityScale, final String makerAccount, final String makerOrderId,
                      final String takerAccount, final String takerOrderId, final Side takerSide) {
        events++;
        trades++;
    }

    @Override
    public void cancelled(final long cmd, final String account, final String clientOrderId, final long remaining,
                          final int quantityScale, final CancelReason reason) {
        events++;
        cancels++;
    }

    @Override
    public void modified(final long cmd, final String account, final String clientOrderId, final long price,
                         final int priceScale, final long quantity, final int quantityScale) {
        events++;
    }

    @Override
    public void book(final long cmd, final String symbol, final BookView book) {
        events++;
    }

    @Override
    public void balances(final long cmd, final String account, final BalanceView balances) {
        events++;
    }

    /** Events per command, trades and rejections as fractions: what the workload actually did. */
    public String describe(final long commands) {
        return String.format(java.util.Locale.ROOT,
                "%d commands: %.2f events/cmd, %.1f%% trades/cmd, %.1f%% rejected (%.1f%% UNKNOWN_ORDER)",
                commands, (double) events / commands, 100.0 * trades / commands, 100.0 * rejections / commands,
                100.0 * unknownOrders / commands);
    }
}
