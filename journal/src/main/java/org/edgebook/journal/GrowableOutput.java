package org.edgebook.journal;

import java.io.IOException;
import java.io.OutputStream;

/** A reusable in-memory byte sink: one batch's events until they may be released. Single thread at a time. */
final class GrowableOutput extends OutputStream {
    private final int capacity;
    private byte[] bytes;
    private int size;

    GrowableOutput(final int capacity) {
        this.capacity = capacity;
        bytes = new byte[capacity];
    }

    /** The bytes written so far are {@code array()[0, size())}; the array changes when it grows or shrinks. */
    byte[] array() {
        return bytes;
    }

    int size() {
        return size;
    }

    @Override
    public void write(final int b) {
        ensure(1);
        bytes[size++] = (byte) b;
    }

    @Override
    public void write(final byte[] b, final int off, final int len) {
        ensure(len);
        System.arraycopy(b, off, bytes, size, len);
        size += len;
    }

    private void ensure(final int more) {
        if (size + more > bytes.length) {
            bytes = java.util.Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }

    /** Empties it; a buffer that grew past four times its normal size for one large batch goes back to normal. */
    void reset() {
        size = 0;
        if (bytes.length > 4 * capacity) {
            bytes = new byte[capacity];
        }
    }

    void writeTo(final OutputStream out) throws IOException {
        out.write(bytes, 0, size);
    }
}
