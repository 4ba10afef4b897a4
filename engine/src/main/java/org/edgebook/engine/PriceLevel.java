package org.edgebook.engine;

/** All resting orders at one price on one side, oldest first, with their total quantity. Single writer. */
final class PriceLevel {
    long price;
    long quantity;
    Order head;
    Order tail;

    boolean isEmpty() {
        return head == null;
    }

    void append(final Order order) {
        order.level = this;
        order.prev = tail;
        order.next = null;
        if (tail == null) {
            head = order;
        } else {
            tail.next = order;
        }
        tail = order;
        quantity += order.remaining;
    }

    /** Unlinks the order; the caller accounts for its quantity via {@link #quantity}. */
    void unlink(final Order order) {
        if (order.prev == null) {
            head = order.next;
        } else {
            order.prev.next = order.next;
        }
        if (order.next == null) {
            tail = order.prev;
        } else {
            order.next.prev = order.prev;
        }
        order.prev = null;
        order.next = null;
        order.level = null;
    }
}
