package org.edgebook.engine;

import java.io.DataOutput;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable in-memory {@link DataOutput} for snapshots: big-endian like {@code DataOutputStream}, without its
 * per-call overhead, so copying a large engine state out takes as little of the engine's time as it can.
 * Single thread.
 */
public final class SnapshotBuffer implements DataOutput {
    private byte[] bytes;
    private int size;

    public SnapshotBuffer(final int capacity) {
        bytes = new byte[Math.max(16, capacity)];
    }

    private void ensure(final int more) {
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }

    /** The bytes written so far (a copy). */
    public byte[] toByteArray() {
        return Arrays.copyOf(bytes, size);
    }

    public int size() {
        return size;
    }

    @Override
    public void write(final int b) {
        ensure(1);
        bytes[size++] = (byte) b;
    }

    @Override
    public void write(final byte[] b) {
        write(b, 0, b.length);
    }

    @Override
    public void write(final byte[] b, final int off, final int len) {
        ensure(len);
        System.arraycopy(b, off, bytes, size, len);
        size += len;
    }

    @Override
    public void writeBoolean(final boolean v) {
        write(v ? 1 : 0);
    }

    @Override
    public void writeByte(final int v) {
        write(v);
    }

    @Override
    public void writeShort(final int v) {
        ensure(2);
        bytes[size++] = (byte) (v >>> 8);
        bytes[size++] = (byte) v;
    }

    @Override
    public void writeChar(final int v) {
        writeShort(v);
    }

    @Override
    public void writeInt(final int v) {
        ensure(4);
        bytes[size++] = (byte) (v >>> 24);
        bytes[size++] = (byte) (v >>> 16);
        bytes[size++] = (byte) (v >>> 8);
        bytes[size++] = (byte) v;
    }

    @Override
    public void writeLong(final long v) {
        ensure(8);
        for (int shift = 56; shift >= 0; shift -= 8) {
            bytes[size++] = (byte) (v >>> shift);
        }
    }

    @Override
    public void writeFloat(final float v) {
        writeInt(Float.floatToIntBits(v));
    }

    @Override
    public void writeDouble(final double v) {
        writeLong(Double.doubleToLongBits(v));
    }

    @Override
    public void writeBytes(final String s) {
        for (int i = 0; i < s.length(); i++) {
            write(s.charAt(i));
        }
    }

    @Override
    public void writeChars(final String s) {
        for (int i = 0; i < s.length(); i++) {
            writeChar(s.charAt(i));
        }
    }

    @Override
    public void writeUTF(final String s) {
        throw new UnsupportedOperationException("snapshots write strings as length + UTF-8");
    }

    /** A string as its UTF-8 length and bytes; ASCII strings are copied without an intermediate array. */
    void writeString(final String s) {
        final int length = s.length();
        boolean ascii = true;
        for (int i = 0; i < length && ascii; i++) {
            ascii = s.charAt(i) < 0x80;
        }
        if (ascii) {
            writeInt(length);
            ensure(length);
            for (int i = 0; i < length; i++) {
                bytes[size++] = (byte) s.charAt(i);
            }
        } else {
            final byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            writeInt(utf8.length);
            write(utf8);
        }
    }
}
