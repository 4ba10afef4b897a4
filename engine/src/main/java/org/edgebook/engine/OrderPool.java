package org.edgebook.engine;

/** Recycles {@link Order} nodes so that steady-state matching allocates nothing. Single writer. */
final class OrderPool {
    private Order[] free = new Order[1024];
    private int size;

    Order acquire() {
        return size == 0 ? new Order() : free[--size];
    }

    void release(final Order order) {
        order.clear();
        if (size == free.length) {
            free = java.util.Arrays.copyOf(free, size * 2);
        }
        free[size++] = order;
    }
}
