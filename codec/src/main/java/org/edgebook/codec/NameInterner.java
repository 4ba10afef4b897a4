package org.edgebook.codec;

/**
 * Returns one shared {@code String} for each distinct name (account, asset, symbol) the decoder sees, straight from
 * the parser's character buffer. Repeated names then cost no allocation, and the engine's lookups find them by
 * reference and with their hash already computed, which moves work off the engine's thread onto the decoder's.
 * <p>
 * Bounded: once {@code capacity} names are held, further new names are returned as fresh strings, so hostile input
 * cannot grow it without limit. Threading: one thread (the decoder's).
 */
final class NameInterner {
    private final String[] names;
    private final int[] hashes;
    private final int mask;
    private final int limit;
    private int size;

    NameInterner(final int capacity) {
        final int slots = Integer.highestOneBit(Math.max(16, capacity) * 2 - 1) * 2;
        names = new String[slots];
        hashes = new int[slots];
        mask = slots - 1;
        limit = capacity;
    }

    String intern(final char[] chars, final int offset, final int length) {
        int hash = 0;
        for (int i = offset; i < offset + length; i++) {
            hash = 31 * hash + chars[i]; // String.hashCode, so the shared string's cached hash agrees
        }
        int slot = spread(hash) & mask;
        String name;
        while ((name = names[slot]) != null) {
            if (hashes[slot] == hash && sameChars(name, chars, offset, length)) {
                return name;
            }
            slot = (slot + 1) & mask;
        }
        final String created = new String(chars, offset, length);
        if (size < limit) {
            names[slot] = created;
            hashes[slot] = hash;
            size++;
        }
        return created;
    }

    private static int spread(final int hash) {
        final int h = hash * 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    static boolean sameChars(final String name, final char[] chars, final int offset, final int length) {
        if (name.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (name.charAt(i) != chars[offset + i]) {
                return false;
            }
        }
        return true;
    }
}
