package org.edgebook.engine;

/**
 * An {@link EventSink} that ignores every event: extend it and override only the events a sink is about (a report
 * that wants trades, say). {@link EventSink#DISCARD} is one.
 */
public abstract class EventSinkAdapter implements EventSink {

    @Override
    public void ok(final long cmd) {
    }

    @Override
    public void rejected(final long cmd, final RejectReason reason, final String account, final String clientOrderId,
                         final String detail) {
    }

    @Override
    public void accepted(final long cmd, final String account, final String clientOrderId) {
    }

    @Override
    public void transferred(final long cmd, final String transferId, final String from, final String to,
                            final String asset, final long amount, final int scale) {
    }

    @Override
    public void transferRejected(final long cmd, final RejectReason reason, final String transferId, final String from,
                                 final long originalSeq, final String detail) {
    }

    @Override
    public void duplicate(final long cmd, final String sender, final long senderSeq, final long mark) {
    }

    @Override
    public void sequenceGap(final long cmd, final String sender, final long senderSeq, final long expected) {
    }

    @Override
    public void trade(final long cmd, final String symbol, final long price, final int priceScale, final long quantity,
                      final int quantityScale, final String makerAccount, final String makerOrderId,
                      final String takerAccount, final String takerOrderId, final Side takerSide) {
    }

    @Override
    public void cancelled(final long cmd, final String account, final String clientOrderId, final long remaining,
                          final int quantityScale, final CancelReason reason) {
    }

    @Override
    public void modified(final long cmd, final String account, final String clientOrderId, final long price,
                         final int priceScale, final long quantity, final int quantityScale) {
    }

    @Override
    public void book(final long cmd, final String symbol, final BookView book) {
    }

    @Override
    public void balances(final long cmd, final String account, final BalanceView balances) {
    }
}
