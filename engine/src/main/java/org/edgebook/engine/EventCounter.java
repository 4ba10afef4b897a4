package org.edgebook.engine;

/**
 * Counts events by kind on their way to another sink: for summaries, benchmarks and tests. With
 * {@link EventSink#DISCARD} as the next sink it is the cheapest sink there is. Single writer; allocates nothing.
 * <p>
 * Written out rather than built on a shared forwarding base class: with one, the 1M-command replay measured 0.64–0.66M
 * commands/s against 0.71–0.74M written out (the deeper call chain under every engine event).
 */
public final class EventCounter implements EventSink {
    private final EventSink next;
    private long events;
    private long rejections;
    private long unknownOrders;
    private long trades;
    private long cancels;

    public EventCounter(final EventSink next) {
        this.next = next;
    }

    public long events() {
        return events;
    }

    public long rejections() {
        return rejections;
    }

    /** Rejections with reason UNKNOWN_ORDER: cancels and modifies of orders that were no longer open. */
    public long unknownOrders() {
        return unknownOrders;
    }

    public long trades() {
        return trades;
    }

    public long cancels() {
        return cancels;
    }

    /** Starts counting from zero again. */
    public void reset() {
        events = 0;
        rejections = 0;
        unknownOrders = 0;
        trades = 0;
        cancels = 0;
    }

    @Override
    public boolean wantsBookChanges() {
        return next.wantsBookChanges();
    }

    @Override
    public void levelChanged(final String symbol, final Side side, final long price, final int priceScale,
                             final long quantity, final int quantityScale) {
        next.levelChanged(symbol, side, price, priceScale, quantity, quantityScale);
    }

    @Override
    public void sequenced(final long seq, final long cmd) {
        next.sequenced(seq, cmd);
    }

    @Override
    public void ok(final long cmd) {
        events++;
        next.ok(cmd);
    }

    @Override
    public void rejected(final long cmd, final RejectReason reason, final String account, final String clientOrderId,
                         final String detail) {
        events++;
        rejections++;
        if (reason == RejectReason.UNKNOWN_ORDER) {
            unknownOrders++;
        }
        next.rejected(cmd, reason, account, clientOrderId, detail);
    }

    @Override
    public void accepted(final long cmd, final String account, final String clientOrderId) {
        events++;
        next.accepted(cmd, account, clientOrderId);
    }

    @Override
    public void transferred(final long cmd, final String transferId, final String from, final String to,
                            final String asset, final long amount, final int scale) {
        events++;
        next.transferred(cmd, transferId, from, to, asset, amount, scale);
    }

    @Override
    public void transferRejected(final long cmd, final RejectReason reason, final String transferId,
                                 final String from, final long originalSeq, final String detail) {
        events++;
        rejections++;
        next.transferRejected(cmd, reason, transferId, from, originalSeq, detail);
    }

    @Override
    public void duplicate(final long cmd, final String sender, final long senderSeq, final long mark) {
        events++;
        next.duplicate(cmd, sender, senderSeq, mark);
    }

    @Override
    public void sequenceGap(final long cmd, final String sender, final long senderSeq, final long expected) {
        events++;
        rejections++;
        next.sequenceGap(cmd, sender, senderSeq, expected);
    }

    @Override
    public void trade(final long cmd, final String symbol, final long price, final int priceScale, final long quantity,
                      final int quantityScale, final String makerAccount, final String makerOrderId,
                      final String takerAccount, final String takerOrderId, final Side takerSide) {
        events++;
        trades++;
        next.trade(cmd, symbol, price, priceScale, quantity, quantityScale, makerAccount, makerOrderId, takerAccount,
                takerOrderId, takerSide);
    }

    @Override
    public void cancelled(final long cmd, final String account, final String clientOrderId, final long remaining,
                          final int quantityScale, final CancelReason reason) {
        events++;
        cancels++;
        next.cancelled(cmd, account, clientOrderId, remaining, quantityScale, reason);
    }

    @Override
    public void modified(final long cmd, final String account, final String clientOrderId, final long price,
                         final int priceScale, final long quantity, final int quantityScale) {
        events++;
        next.modified(cmd, account, clientOrderId, price, priceScale, quantity, quantityScale);
    }

    @Override
    public void book(final long cmd, final String symbol, final BookView book) {
        events++;
        next.book(cmd, symbol, book);
    }

    @Override
    public void orders(final long cmd, final String account, final OrdersView orders) {
        events++;
        next.orders(cmd, account, orders);
    }

    @Override
    public void balances(final long cmd, final String account, final BalanceView balances) {
        events++;
        next.balances(cmd, account, balances);
    }
}
