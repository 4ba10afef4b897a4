package org.edgebook.engine;

/**
 * An account's balances per asset (indexed by asset id) and its orders by clientOrderId. A clientOrderId maps to
 * the open {@link Order}, or to {@link Order#CLOSED} once the order has left the book: ids are never reused. The
 * {@link OrderIndex} also links the open orders alone, so they can be listed without a walk through every book.
 * Engine-internal; single writer.
 */
final class Account {
    final String name;
    long[] available;
    long[] reserved;
    /** Assets this account has ever held; a balances query lists these. */
    boolean[] held;
    final OrderIndex orders = new OrderIndex();
    /**
     * Ids of the transfers this account sent that took effect, and of the numbered ones that were rejected, with
     * their sequence numbers; made on first use.
     */
    StringTable<Long> transfers;

    /** The sequence number of the first transfer with this id, or 0 if the id is new. */
    long transferSeq(final String transferId) {
        final Long seq = transfers == null ? null : transfers.get(transferId);
        return seq == null ? 0 : seq;
    }

    void recordTransfer(final String transferId, final long seq) {
        if (transfers == null) {
            transfers = new StringTable<>(4);
        }
        transfers.put(transferId, seq);
    }

    Account(final String name, final int assetCount) {
        this.name = name;
        this.available = new long[assetCount];
        this.reserved = new long[assetCount];
        this.held = new boolean[assetCount];
    }

    /** Called when an asset is defined, so that balance arrays always cover every asset. */
    void assetCount(final int count) {
        if (count > available.length) {
            available = java.util.Arrays.copyOf(available, count);
            reserved = java.util.Arrays.copyOf(reserved, count);
            held = java.util.Arrays.copyOf(held, count);
        }
    }

    void credit(final int asset, final long amount) {
        available[asset] += amount;
        held[asset] = true;
    }

    void reserve(final int asset, final long amount) {
        available[asset] -= amount;
        reserved[asset] += amount;
        held[asset] = true;
    }

    void release(final int asset, final long amount) {
        reserved[asset] -= amount;
        available[asset] += amount;
    }

    /** The open order with this id, or {@code null} if it is not open. */
    Order openOrder(final String clientOrderId) {
        final Order order = orders.get(clientOrderId);
        return order == Order.CLOSED ? null : order;
    }
}
