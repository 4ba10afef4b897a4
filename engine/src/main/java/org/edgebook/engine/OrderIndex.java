package org.edgebook.engine;

/**
 * One account's orders by clientOrderId: the open {@link Order}, or {@link Order#CLOSED} once it left the book.
 * Each open order remembers its slot, so closing it is a single array write rather than a lookup.
 * <p>
 * The table keeps every id the account ever used, so it grows with the account's history. The open orders alone are
 * also kept in an intrusive doubly-linked list through {@link Order#prevOfAccount} and {@link Order#nextOfAccount},
 * newest first: listing them costs what the account has open, and opening or closing one is a few field writes, with
 * no allocation.
 * <p>
 * Single writer.
 */
final class OrderIndex extends StringTable<Order> {
    private Order firstOpen;
    private int openCount;

    OrderIndex() {
        super(8);
    }

    /** Records a new open order under its id. */
    void open(final Order order) {
        order.indexSlot = put(order.clientOrderId, order);
        order.prevOfAccount = null;
        order.nextOfAccount = firstOpen;
        if (firstOpen != null) {
            firstOpen.prevOfAccount = order;
        }
        firstOpen = order;
        openCount++;
    }

    /** Marks an open order's id as used and no longer open. */
    void close(final Order order) {
        setValueAt(order.indexSlot, Order.CLOSED);
        final Order prev = order.prevOfAccount;
        final Order next = order.nextOfAccount;
        if (prev == null) {
            firstOpen = next;
        } else {
            prev.nextOfAccount = next;
        }
        if (next != null) {
            next.prevOfAccount = prev;
        }
        order.prevOfAccount = null;
        order.nextOfAccount = null;
        openCount--;
    }

    /** The most recently opened of the open orders, or {@code null}; go on with {@link Order#nextOfAccount}. */
    Order firstOpen() {
        return firstOpen;
    }

    /** How many orders are open. */
    int openCount() {
        return openCount;
    }

    /** Records an id whose order never rested. */
    void closed(final String clientOrderId) {
        put(clientOrderId, Order.CLOSED);
    }

    @Override
    void moved(final Order value, final int slot) {
        if (value != Order.CLOSED) {
            value.indexSlot = slot;
        }
    }
}
