package org.edgebook.engine;

import org.agrona.collections.Long2ObjectHashMap;

/**
 * One side of an order book: price levels kept in an array sorted from worst to best, so the best level is the last
 * element and consuming it is O(1), plus a hash map from price to level so that adding an order to an existing level
 * is O(1) however deep the book. A new level is placed by binary search and an array shift that is short for prices
 * near the touch. Single writer.
 */
final class BookSide {
    private final Side side;
    private final Long2ObjectHashMap<PriceLevel> levelsByPrice = new Long2ObjectHashMap<>();
    private PriceLevel[] levels = new PriceLevel[64];
    private int size;
    private PriceLevel[] freeLevels = new PriceLevel[64];
    private int freeCount;

    BookSide(final Side side) {
        this.side = side;
    }

    Side side() {
        return side;
    }

    int levelCount() {
        return size;
    }

    /** The best level, or {@code null} when empty. */
    PriceLevel best() {
        return size == 0 ? null : levels[size - 1];
    }

    /** Level {@code i} counted from the best (0). */
    PriceLevel level(final int i) {
        return levels[size - 1 - i];
    }

    /** Whether an incoming order on the other side at {@code price} would reach this side's best level. */
    boolean isCrossedBy(final long price) {
        if (size == 0) {
            return false;
        }
        final long best = levels[size - 1].price;
        return side == Side.SELL ? price >= best : price <= best;
    }

    /** Whether a resting order at {@code levelPrice} is within an incoming order's limit {@code price}. */
    boolean reaches(final long levelPrice, final long limit) {
        return side == Side.SELL ? levelPrice <= limit : levelPrice >= limit;
    }

    /** The total quantity resting at {@code price}, 0 if there is no such level. */
    long quantityAt(final long price) {
        final PriceLevel level = levelsByPrice.get(price);
        return level == null ? 0 : level.quantity;
    }

    /** Appends the order at the back of its price level, creating the level if needed. */
    void add(final Order order) {
        PriceLevel level = levelsByPrice.get(order.price);
        if (level == null) {
            level = newLevel(order.price);
            insertSorted(level);
            levelsByPrice.put(order.price, level);
        }
        level.append(order);
    }

    /** Removes the order and, if its level is left empty, the level. */
    void remove(final Order order) {
        final PriceLevel level = order.level;
        level.unlink(order);
        level.quantity -= order.remaining;
        if (level.isEmpty()) {
            removeLevel(level);
        }
    }

    /** Removes an empty level. */
    void removeLevel(final PriceLevel level) {
        levelsByPrice.remove(level.price);
        if (levels[size - 1] == level) {
            levels[--size] = null;
        } else {
            final int index = indexOf(level.price);
            System.arraycopy(levels, index + 1, levels, index, size - index - 1);
            levels[--size] = null;
        }
        level.head = null;
        level.tail = null;
        level.quantity = 0;
        if (freeCount == freeLevels.length) {
            freeLevels = java.util.Arrays.copyOf(freeLevels, freeCount * 2);
        }
        freeLevels[freeCount++] = level;
    }

    private PriceLevel newLevel(final long price) {
        final PriceLevel level = freeCount == 0 ? new PriceLevel() : freeLevels[--freeCount];
        level.price = price;
        return level;
    }

    /** Sort key: ascending keys run from worst to best. */
    private long key(final long price) {
        return side == Side.BUY ? price : -price;
    }

    private void insertSorted(final PriceLevel level) {
        if (size == levels.length) {
            levels = java.util.Arrays.copyOf(levels, size * 2);
        }
        final long key = key(level.price);
        // Fast path: a new best price.
        if (size == 0 || key(levels[size - 1].price) < key) {
            levels[size++] = level;
            return;
        }
        final int index = insertionPoint(key);
        System.arraycopy(levels, index, levels, index + 1, size - index);
        levels[index] = level;
        size++;
    }

    /** The first index whose key is greater than {@code key}. */
    private int insertionPoint(final long key) {
        int low = 0;
        int high = size;
        while (low < high) {
            final int mid = (low + high) >>> 1;
            if (key(levels[mid].price) <= key) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }

    private int indexOf(final long price) {
        final int index = insertionPoint(key(price)) - 1;
        if (index < 0 || levels[index].price != price) {
            throw new IllegalStateException("level not found: " + price);
        }
        return index;
    }
}
