package org.edgebook.sandbox;

import java.io.OutputStream;
import java.util.Arrays;

/**
 * A guest's stdout (or stderr): keeps at most {@code cap} bytes. Past the cap it either fails the write, stopping
 * the guest ({@link Overflow}), or drops the rest silently (for stderr, which only feeds the log).
 */
final class CappedOutput extends OutputStream {
    /** Thrown into the guest's {@code fd_write} when it writes past the cap. */
    static final class Overflow extends RuntimeException {
        Overflow(final int cap) {
            super("output over " + cap + " bytes", null, false, false);
        }
    }

    private final int cap;
    private final boolean failOnOverflow;
    private byte[] bytes = new byte[256];
    private int size;

    CappedOutput(final int cap, final boolean failOnOverflow) {
        this.cap = cap;
        this.failOnOverflow = failOnOverflow;
    }

    @Override
    public void write(final int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(final byte[] source, final int offset, final int length) {
        int n = length;
        if ((long) size + length > cap) {
            if (failOnOverflow) {
                throw new Overflow(cap);
            }
            n = cap - size;
        }
        if (size + n > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.min(cap, Math.max(size + n, bytes.length * 2)));
        }
        System.arraycopy(source, offset, bytes, size, n);
        size += n;
    }

    byte[] bytes() {
        return bytes;
    }

    int size() {
        return size;
    }
}
