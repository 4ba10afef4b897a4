package org.edgebook.fleet;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte buffer that a Jackson generator writes into and that is reused for every heartbeat of a scheduler
 * thread: {@link #reset()} keeps the array.
 * <p>
 * Threading: one thread at a time (the scheduler thread that owns it).
 */
final class ByteSink extends OutputStream {
    private byte[] bytes = new byte[4096];
    private int size;

    void reset() {
        size = 0;
    }

    int size() {
        return size;
    }

    byte[] array() {
        return bytes;
    }

    void writeAscii(final String text) {
        final byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        write(b, 0, b.length);
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
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }
}
