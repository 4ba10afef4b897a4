package org.edgebook.engine;

/**
 * An {@link EventSink} that passes every event, book change and sequence number on to {@link #next()}: extend it to
 * watch or redirect events (counting them, switching the target) and override only what the subclass is about.
 */
public abstract class ForwardingEventSink implements EventSink {

    /** Where events go now. */
    protected abstract EventSink next();

    @Override
    public boolean wantsBookChanges() {
        return next().wantsBookChanges();
    }

    @Override
    public void levelChanged(final String symbol, final Side side, final long price, final int priceScale,
                             final long quantity, final int quantityScale) {
        next().levelChanged(symbol, side, price, priceScale, quantity, quantityScale);
    }

    @Override
    public void sequenced(final long seq, final long cmd) {
        next().sequenced(seq, cmd);
    }

    @Override
    public void ok(final long cmd) {
        next().ok(cmd);
    }

    @Override
    public void rejected(final long cmd, final RejectReason reason, final String account, final String clientOrderId,
                         final String detail) {
        next().rejected(cmd, reason, account, clientOrderId, detail);
    }

    @Override
    public void accepted(final long cmd, final String account, final String clientOrderId) {
        next().accepted(cmd, account, clientOrderId);
    }

    @Override
    public void transferred(final long cmd, final String transferId, final String from, final String to,
                            final String asset, final long amount, final int scale) {
        next().transferred(cmd, transferId, from, to, asset, amount, scale);
    }

    @Override
    public void transferRejected(final long cmd, final RejectReason reason, final String transferId, final String from,
                                 final long originalSeq, final String detail) {
        next().transferRejected(cmd, reason, transferId, from, originalSeq, detail);
    }

    @Override
    public void trade(final long cmd, final String symbol, final long price, final int priceScale, final long quantity,
                      final int quantityScale, final String makerAccount, final String makerOrderId,
                      final String takerAccount, final String takerOrderId, final Side takerSide) {
        next().trade(cmd, symbol, price, priceScale, quantity, quantityScale, makerAccount, makerOrderId,
                takerAccount, takerOrderId, takerSide);
    }

    @Override
    public void cancelled(final long cmd, final String account, final String clientOrderId, final long remaining,
                          final int quantityScale, final CancelReason reason) {
        next().cancelled(cmd, account, clientOrderId, remaining, quantityScale, reason);
    }

    @Override
    public void modified(final long cmd, final String account, final String clientOrderId, final long price,
                         final int priceScale, final long quantity, final int quantityScale) {
        next().modified(cmd, account, clientOrderId, price, priceScale, quantity, quantityScale);
    }

    @Override
    public void book(final long cmd, final String symbol, final BookView book) {
        next().book(cmd, symbol, book);
    }

    @Override
    public void balances(final long cmd, final String account, final BalanceView balances) {
        next().balances(cmd, account, balances);
    }

    @Override
    public void orders(final long cmd, final String account, final OrdersView orders) {
        next().orders(cmd, account, orders);
    }
}
