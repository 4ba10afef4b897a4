package org.edgebook.engine;

/** All resting orders at one price on one side, oldest first, with their total quantity. Single writer. */
final class PriceLevel {
    long price;
    long quantity;
    Order head;
    Order tail;
    /**
     * Orders ever appended to this level object; numbers each order's {@link Order#arrival}. Never reset, not even
     * when the level is pooled and reused, so it only grows and a later arrival always gets a larger number.
     */
    private long arrivals;

    boolean isEmpty() {
        return head == null;
    }

    void append(final Order order) {
        order.level = this;
        order.arrival = ++arrivals;
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
