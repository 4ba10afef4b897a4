package org.edgebook.edge.functions;

import java.util.Arrays;

/**
 * A growable byte buffer for building answers: ByteArrayOutputStream without its per-call locking, plus decimal
 * longs written without making Strings. One per thread.
 */
final class ByteOutput {
    private static final int RETAINED_BYTES = 1 << 20;
    private byte[] bytes;
    private int size;

    ByteOutput(final int capacity) {
        bytes = new byte[capacity];
    }

    void reset() {
        size = 0;
        if (bytes.length > RETAINED_BYTES) {
            bytes = new byte[8192];
        }
    }

    void write(final int b) {
        if (size == bytes.length) {
            bytes = Arrays.copyOf(bytes, size * 2);
        }
        bytes[size++] = (byte) b;
    }

    void write(final byte[] source, final int offset, final int length) {
        if (size + length > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(size + length, bytes.length * 2));
        }
        System.arraycopy(source, offset, bytes, size, length);
        size += length;
    }

    void write(final byte[] source) {
        write(source, 0, source.length);
    }

    void writeAscii(final String text) {
        for (int i = 0; i < text.length(); i++) {
            write(text.charAt(i));
        }
    }

    void writeLong(final long value) {
        if (value < 0) {
            write('-');
            if (value == Long.MIN_VALUE) {
                writeAscii("9223372036854775808");
                return;
            }
            writeLong(-value);
            return;
        }
        if (value >= 10) {
            writeLong(value / 10);
        }
        write((int) ('0' + value % 10));
    }

    byte[] toByteArray() {
        return Arrays.copyOf(bytes, size);
    }
}
