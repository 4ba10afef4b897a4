package org.edgebook.engine;

/**
 * A resting order: a node in two intrusive doubly-linked lists, its price level's FIFO queue and its account's open
 * orders ({@link OrderIndex}), so joining and leaving either is a few field writes. Pooled and reused by
 * {@link OrderPool}, so nothing may keep a reference to one after it left the book. Engine-internal; single writer.
 */
final class Order {
    /** Marks a used clientOrderId whose order is no longer open. */
    static final Order CLOSED = new Order();

    Account account;
    String clientOrderId;
    Instrument instrument;
    Side side;
    long price;
    long remaining;
    /**
     * How much of the order has traded. A fill moves quantity from {@code remaining} to here; the order's total,
     * which a modify names, is {@code filled + remaining}.
     */
    long filled;
    boolean postOnly;

    /** Where this order sits in its account's {@link OrderIndex}. */
    int indexSlot;

    PriceLevel level;
    Order prev;
    Order next;
    /**
     * The order's place in its level's queue: set as it joins the back of the level, larger than that of every order
     * already there ({@link PriceLevel#append}). Orders of one level compare by it as they do by queue position.
     */
    long arrival;

    /** Neighbours in its account's open orders ({@link OrderIndex}); that list has no particular order. */
    Order prevOfAccount;
    Order nextOfAccount;

    void set(final Account account, final String clientOrderId, final Instrument instrument, final Side side,
             final long price, final long remaining, final long filled, final boolean postOnly) {
        this.account = account;
        this.clientOrderId = clientOrderId;
        this.instrument = instrument;
        this.side = side;
        this.price = price;
        this.remaining = remaining;
        this.filled = filled;
        this.postOnly = postOnly;
    }

    void clear() {
        account = null;
        clientOrderId = null;
        instrument = null;
        side = null;
        level = null;
        prev = null;
        next = null;
        prevOfAccount = null;
        nextOfAccount = null;
    }
}
