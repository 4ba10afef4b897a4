package org.edgebook.engine;

/**
 * Counts events by kind on their way to another sink: for summaries, benchmarks and tests. With
 * {@link EventSink#DISCARD} as the next sink it is the cheapest sink there is. Single writer; allocates nothing.
 */
public final class EventCounter extends ForwardingEventSink {
    private final EventSink next;
    private long events;
    private long rejections;
    private long unknownOrders;
    private long trades;
    private long cancels;

    public EventCounter(final EventSink next) {
        this.next = next;
    }

    @Override
    protected EventSink next() {
        return next;
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
    public void ok(final long cmd) {
        events++;
        super.ok(cmd);
    }

    @Override
    public void rejected(final long cmd, final RejectReason reason, final String account, final String clientOrderId,
                         final String detail) {
        events++;
        rejections++;
        if (reason == RejectReason.UNKNOWN_ORDER) {
            unknownOrders++;
        }
        super.rejected(cmd, reason, account, clientOrderId, detail);
    }

    @Override
    public void accepted(final long cmd, final String account, final String clientOrderId) {
        events++;
        super.accepted(cmd, account, clientOrderId);
    }

    @Override
    public void transferred(final long cmd, final String transferId, final String from, final String to,
                            final String asset, final long amount, final int scale) {
        events++;
        super.transferred(cmd, transferId, from, to, asset, amount, scale);
    }

    @Override
    public void transferRejected(final long cmd, final RejectReason reason, final String transferId,
                                 final String from, final long originalSeq, final String detail) {
        events++;
        rejections++;
        super.transferRejected(cmd, reason, transferId, from, originalSeq, detail);
    }

    @Override
    public void trade(final long cmd, final String symbol, final long price, final int priceScale, final long quantity,
                      final int quantityScale, final String makerAccount, final String makerOrderId,
                      final String takerAccount, final String takerOrderId, final Side takerSide) {
        events++;
        trades++;
        super.trade(cmd, symbol, price, priceScale, quantity, quantityScale, makerAccount, makerOrderId, takerAccount,
                takerOrderId, takerSide);
    }

    @Override
    public void cancelled(final long cmd, final String account, final String clientOrderId, final long remaining,
                          final int quantityScale, final CancelReason reason) {
        events++;
        cancels++;
        super.cancelled(cmd, account, clientOrderId, remaining, quantityScale, reason);
    }

    @Override
    public void modified(final long cmd, final String account, final String clientOrderId, final long price,
                         final int priceScale, final long quantity, final int quantityScale) {
        events++;
        super.modified(cmd, account, clientOrderId, price, priceScale, quantity, quantityScale);
    }

    @Override
    public void book(final long cmd, final String symbol, final BookView book) {
        events++;
        super.book(cmd, symbol, book);
    }

    @Override
    public void balances(final long cmd, final String account, final BalanceView balances) {
        events++;
        super.balances(cmd, account, balances);
    }

    @Override
    public void orders(final long cmd, final String account, final OrdersView orders) {
        events++;
        super.orders(cmd, account, orders);
    }
}
