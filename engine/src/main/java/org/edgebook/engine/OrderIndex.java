package org.edgebook.engine;

/**
 * One account's orders by clientOrderId: the open {@link Order}, or {@link Order#CLOSED} once it left the book.
 * Each open order remembers its slot, so closing it is a single array write rather than a lookup. Single writer.
 */
final class OrderIndex extends StringTable<Order> {
    OrderIndex() {
        super(8);
    }

    /** Records a new open order under its id. */
    void open(final Order order) {
        order.indexSlot = put(order.clientOrderId, order);
    }

    /** Marks an open order's id as used and no longer open. */
    void close(final Order order) {
        setValueAt(order.indexSlot, Order.CLOSED);
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
