package org.edgebook.engine;

import java.io.DataInput;
import java.io.EOFException;
import java.nio.charset.StandardCharsets;

/**
 * A {@link DataInput} over a byte array, the reading counterpart of {@link SnapshotBuffer}: big-endian like
 * {@code DataInputStream}, without its per-call overhead (a synchronized stream read and a copy for every number),
 * which in a JVM that has just started costs more than the work a snapshot load does. Reading past the end throws an
 * {@link EOFException}, as {@code DataInputStream} does. Single thread.
 */
public final class SnapshotReader implements DataInput {
    private final byte[] bytes;
    private final int end;
    private int pos;

    /** Reads {@code bytes[offset, offset + length)}. */
    public SnapshotReader(final byte[] bytes, final int offset, final int length) {
        if (offset < 0 || length < 0 || offset > bytes.length - length) {
            throw new IndexOutOfBoundsException("offset " + offset + ", length " + length + " in " + bytes.length);
        }
        this.bytes = bytes;
        this.pos = offset;
        this.end = offset + length;
    }

    private int take(final int n) throws EOFException {
        final int at = pos;
        if (n > end - at) {
            throw new EOFException("snapshot body ends " + (end - at) + " bytes into a " + n + "-byte read");
        }
        pos = at + n;
        return at;
    }

    /** Reads a string written by {@link SnapshotBuffer#writeString}: a length, then that many UTF-8 bytes. */
    String readString(final int maxLength) throws java.io.IOException {
        final int length = readInt();
        if (length < 0 || length > maxLength) {
            throw new java.io.IOException("snapshot is damaged: string of length " + length);
        }
        final int at = take(length);
        return new String(bytes, at, length, StandardCharsets.UTF_8);
    }

    @Override
    public void readFully(final byte[] b) throws EOFException {
        readFully(b, 0, b.length);
    }

    @Override
    public void readFully(final byte[] b, final int off, final int len) throws EOFException {
        System.arraycopy(bytes, take(len), b, off, len);
    }

    @Override
    public int skipBytes(final int n) {
        final int skipped = Math.max(0, Math.min(n, end - pos));
        pos += skipped;
        return skipped;
    }

    @Override
    public boolean readBoolean() throws EOFException {
        return bytes[take(1)] != 0;
    }

    @Override
    public byte readByte() throws EOFException {
        return bytes[take(1)];
    }

    @Override
    public int readUnsignedByte() throws EOFException {
        return bytes[take(1)] & 0xFF;
    }

    @Override
    public short readShort() throws EOFException {
        final int at = take(2);
        return (short) ((bytes[at] << 8) | (bytes[at + 1] & 0xFF));
    }

    @Override
    public int readUnsignedShort() throws EOFException {
        return readShort() & 0xFFFF;
    }

    @Override
    public char readChar() throws EOFException {
        return (char) readShort();
    }

    @Override
    public int readInt() throws EOFException {
        final int at = take(4);
        return (bytes[at] << 24) | ((bytes[at + 1] & 0xFF) << 16) | ((bytes[at + 2] & 0xFF) << 8)
                | (bytes[at + 3] & 0xFF);
    }

    @Override
    public long readLong() throws EOFException {
        final int at = take(8);
        return ((long) readIntAt(at) << 32) | (readIntAt(at + 4) & 0xFFFFFFFFL);
    }

    private int readIntAt(final int at) {
        return (bytes[at] << 24) | ((bytes[at + 1] & 0xFF) << 16) | ((bytes[at + 2] & 0xFF) << 8)
                | (bytes[at + 3] & 0xFF);
    }

    @Override
    public float readFloat() throws EOFException {
        return Float.intBitsToFloat(readInt());
    }

    @Override
    public double readDouble() throws EOFException {
        return Double.longBitsToDouble(readLong());
    }

    /** Not used by snapshots. */
    @Override
    public String readLine() {
        throw new UnsupportedOperationException("snapshots hold no lines");
    }

    /** Not used by snapshots. */
    @Override
    public String readUTF() {
        throw new UnsupportedOperationException("snapshots hold no modified-UTF-8 strings");
    }
}
