package org.edgebook.engine;

import java.util.Arrays;

/**
 * An open-addressing hash table from strings to values that compares cached hash codes before it touches a key, so a
 * probe costs one array read rather than a string comparison. Slots are stable until the table grows; then
 * {@link #moved} tells a subclass where each value went (the order index uses that to keep each open order's slot).
 * Entries are never removed: the engine's names and order ids live forever.
 * <p>
 * Single writer; no allocation except when growing.
 *
 * @param <V> value type; {@code null} values are not allowed.
 */
class StringTable<V> {
    private static final float LOAD_FACTOR = 0.5f;

    private int[] hashes;
    private String[] keys;
    private Object[] values;
    private int mask;
    private int size;
    private int resizeAt;

    StringTable(final int initialCapacity) {
        allocate(Integer.highestOneBit(Math.max(8, initialCapacity) * 2 - 1));
    }

    private void allocate(final int capacity) {
        hashes = new int[capacity];
        keys = new String[capacity];
        values = new Object[capacity];
        mask = capacity - 1;
        resizeAt = (int) (capacity * LOAD_FACTOR);
    }

    /** Spreads the string's hash; never 0, which marks an empty slot. */
    private static int hashOf(final String key) {
        final int h = key.hashCode() * 0x9E3779B9;
        final int spread = h ^ (h >>> 16);
        return spread == 0 ? 1 : spread;
    }

    /** The slot holding {@code key}, or -1. */
    final int slotOf(final String key) {
        final int hash = hashOf(key);
        int slot = hash & mask;
        int h;
        while ((h = hashes[slot]) != 0) {
            if (h == hash && key.equals(keys[slot])) {
                return slot;
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    final boolean containsKey(final String key) {
        return slotOf(key) >= 0;
    }

    @SuppressWarnings("unchecked")
    final V get(final String key) {
        final int slot = slotOf(key);
        return slot < 0 ? null : (V) values[slot];
    }

    @SuppressWarnings("unchecked")
    final V valueAt(final int slot) {
        return (V) values[slot];
    }

    final void setValueAt(final int slot, final V value) {
        values[slot] = value;
    }

    /** Adds or replaces; returns the slot now holding the key. */
    final int put(final String key, final V value) {
        final int hash = hashOf(key);
        int slot = hash & mask;
        int h;
        while ((h = hashes[slot]) != 0) {
            if (h == hash && key.equals(keys[slot])) {
                values[slot] = value;
                return slot;
            }
            slot = (slot + 1) & mask;
        }
        if (size + 1 > resizeAt) {
            grow();
            return put(key, value);
        }
        hashes[slot] = hash;
        keys[slot] = key;
        values[slot] = value;
        size++;
        return slot;
    }

    final int size() {
        return size;
    }

    /** Receives entries in slot order. */
    interface EntryVisitor<V> {
        void entry(String key, V value);
    }

    /** Visits every entry in slot order. */
    @SuppressWarnings("unchecked")
    final void forEach(final EntryVisitor<V> visitor) {
        for (int i = 0; i < keys.length; i++) {
            if (hashes[i] != 0) {
                visitor.entry(keys[i], (V) values[i]);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private void grow() {
        final int[] oldHashes = hashes;
        final String[] oldKeys = keys;
        final Object[] oldValues = values;
        allocate(oldHashes.length * 2);
        for (int i = 0; i < oldHashes.length; i++) {
            final int hash = oldHashes[i];
            if (hash != 0) {
                int slot = hash & mask;
                while (hashes[slot] != 0) {
                    slot = (slot + 1) & mask;
                }
                hashes[slot] = hash;
                keys[slot] = oldKeys[i];
                values[slot] = oldValues[i];
                moved((V) oldValues[i], slot);
            }
        }
        Arrays.fill(oldValues, null);
    }

    /** Called for every entry when the table grows, with its new slot. */
    void moved(final V value, final int slot) {
    }
}
