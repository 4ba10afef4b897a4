package org.edgebook.engine;

import java.util.Arrays;

/**
 * An open-addressing hash table from strings to values, laid out so that a probe rarely leaves one cache line.
 * <p>
 * Each slot is three longs: a header (hash and length), then the key's characters packed eight to a long when the
 * key is at most 16 Latin-1 characters, as most names and client order ids are. Such keys are compared exactly by
 * those two longs, without touching the key's {@code String}; longer keys fall back to {@link String#equals}. A
 * lookup that misses reads only the slot array. Slots are stable until the table grows; then {@link #moved} tells a
 * subclass where each value went (the order index keeps each open order's slot that way). Entries are never removed:
 * the engine's names and order ids live forever.
 * <p>
 * Single writer; allocates only when growing.
 *
 * @param <V> value type; {@code null} values are not allowed.
 */
class StringTable<V> {
    private static final int STRIDE = 3;
    private static final int MAX_PACKED = 16;
    /** Length field of a key that is compared as a String: longer than 16 or not Latin-1. */
    private static final long UNPACKED = 0xFF;

    private long[] slots;
    private String[] keys;
    private Object[] values;
    private int mask;
    private int size;
    private int resizeAt;

    // The key being looked up, packed by prepare(); valid until the next lookup.
    private long header;
    private long low;
    private long high;

    StringTable(final int initialCapacity) {
        allocate(Integer.highestOneBit(Math.max(8, initialCapacity) * 2 - 1));
    }

    private void allocate(final int capacity) {
        slots = new long[capacity * STRIDE];
        keys = new String[capacity];
        values = new Object[capacity];
        mask = capacity - 1;
        resizeAt = capacity / 2;
    }

    /** Packs {@code key} into header, low and high. The header is never 0, which marks an empty slot. */
    private void prepare(final String key) {
        final int length = key.length();
        long lo = 0;
        long hi = 0;
        long lengthField = length;
        if (length <= MAX_PACKED) {
            for (int i = 0; i < length; i++) {
                final char c = key.charAt(i);
                if (c > 0xFF) {
                    lengthField = UNPACKED;
                    break;
                }
                if (i < 8) {
                    lo |= (long) c << (i << 3);
                } else {
                    hi |= (long) c << ((i - 8) << 3);
                }
            }
        } else {
            lengthField = UNPACKED;
        }
        final long hash;
        if (lengthField == UNPACKED) {
            lo = 0;
            hi = 0;
            hash = mix(key.hashCode());
        } else {
            hash = mix(lo * 0x9E3779B97F4A7C15L + hi * 0xC2B2AE3D27D4EB4FL + length);
        }
        header = (hash & 0xFFFF_FFFF_FFFF_FF00L) | lengthField;
        if (header == 0) {
            header = 0x100;
        }
        low = lo;
        high = hi;
    }

    private static long mix(final long x) {
        long h = x * 0x9E3779B97F4A7C15L;
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        return h ^ (h >>> 32);
    }

    private int home() {
        return (int) (header >>> 40) & mask;
    }

    /** The slot of the prepared key, or the empty slot where it would go as {@code -(slot + 1)}. */
    private int probe(final String key) {
        int slot = home();
        long h;
        final boolean packed = (header & 0xFF) != UNPACKED;
        while ((h = slots[slot * STRIDE]) != 0) {
            if (h == header && (packed
                    ? slots[slot * STRIDE + 1] == low && slots[slot * STRIDE + 2] == high
                    : key.equals(keys[slot]))) {
                return slot;
            }
            slot = (slot + 1) & mask;
        }
        return -(slot + 1);
    }

    /** The slot holding {@code key}, or -1. */
    final int slotOf(final String key) {
        prepare(key);
        final int slot = probe(key);
        return slot >= 0 ? slot : -1;
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
        if (size + 1 > resizeAt) {
            grow();
        }
        prepare(key);
        int slot = probe(key);
        if (slot < 0) {
            slot = -slot - 1;
            slots[slot * STRIDE] = header;
            slots[slot * STRIDE + 1] = low;
            slots[slot * STRIDE + 2] = high;
            keys[slot] = key;
            size++;
        }
        values[slot] = value;
        return slot;
    }

    final int size() {
        return size;
    }

    @SuppressWarnings("unchecked")
    private void grow() {
        final long[] oldSlots = slots;
        final String[] oldKeys = keys;
        final Object[] oldValues = values;
        allocate(oldKeys.length * 2);
        for (int i = 0; i < oldKeys.length; i++) {
            final long h = oldSlots[i * STRIDE];
            if (h != 0) {
                int slot = (int) (h >>> 40) & mask;
                while (slots[slot * STRIDE] != 0) {
                    slot = (slot + 1) & mask;
                }
                System.arraycopy(oldSlots, i * STRIDE, slots, slot * STRIDE, STRIDE);
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
