package org.edgebook.journal;

import java.io.IOException;
import java.io.OutputStream;

/** A reusable in-memory byte sink: one batch's events until they may be released. Single thread at a time. */
final class GrowableOutput extends OutputStream {
    private byte[] bytes;
    private int size;

    GrowableOutput(final int capacity) {
        bytes = new byte[capacity];
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

    void reset() {
        size = 0;
    }

    void writeTo(final OutputStream out) throws IOException {
        out.write(bytes, 0, size);
    }
}
