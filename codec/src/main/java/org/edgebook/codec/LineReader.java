package org.edgebook.codec;

import java.io.IOException;
import java.io.InputStream;

/**
 * Splits a byte stream into lines without holding more than one buffer of it. A line longer than the limit is not
 * kept: it is skipped to its end and reported through {@link #isTooLong()}, so a huge line costs no memory.
 * Line numbers count every line, blank ones included. A trailing {@code \r} is dropped.
 * <p>
 * Threading: one thread.
 */
public final class LineReader {
    /** The longest line a command may be, in bytes. */
    public static final int MAX_LINE_BYTES = 64 * 1024;

    private final InputStream in;
    private final int maxLineBytes;
    private final byte[] buffer;
    private int start;
    private int end;
    private boolean eof;

    private long lineNumber;
    private int lineOffset;
    private int lineLength;
    private boolean tooLong;

    public LineReader(final InputStream in) {
        this(in, MAX_LINE_BYTES);
    }

    public LineReader(final InputStream in, final int maxLineBytes) {
        this.in = in;
        this.maxLineBytes = maxLineBytes;
        this.buffer = new byte[Math.max(1 << 20, maxLineBytes * 2 + 2)];
    }

    /** Advances to the next line; {@code false} at the end of the stream. */
    public boolean next() throws IOException {
        tooLong = false;
        int scanFrom = start;
        while (true) {
            final int newline = indexOf((byte) '\n', scanFrom, end);
            if (newline >= 0) {
                setLine(start, newline);
                start = newline + 1;
                return true;
            }
            if (end - start > maxLineBytes + 1) { // +1: the line may still end in \r\n
                // Too long: drop what we have and skip to the end of this line.
                skipRestOfLine();
                return true;
            }
            if (eof) {
                if (start == end) {
                    return false;
                }
                setLine(start, end);
                start = end;
                return true;
            }
            scanFrom = end - start;
            fill();
            scanFrom += start;
        }
    }

    private void skipRestOfLine() throws IOException {
        tooLong = true;
        lineNumber++;
        lineOffset = 0;
        lineLength = 0;
        start = end;
        while (true) {
            if (start == end) {
                start = 0;
                end = 0;
                final int n = in.read(buffer, 0, buffer.length);
                if (n < 0) {
                    eof = true;
                    return;
                }
                end = n;
            }
            final int newline = indexOf((byte) '\n', start, end);
            if (newline >= 0) {
                start = newline + 1;
                return;
            }
            start = end;
        }
    }

    private void setLine(final int from, final int to) {
        lineNumber++;
        int last = to;
        if (last > from && buffer[last - 1] == '\r') {
            last--;
        }
        lineOffset = from;
        tooLong = last - from > maxLineBytes;
        lineLength = tooLong ? 0 : last - from;
    }

    /** Moves unread bytes to the front and reads more. */
    private void fill() throws IOException {
        if (start > 0) {
            System.arraycopy(buffer, start, buffer, 0, end - start);
            end -= start;
            start = 0;
        }
        final int n = in.read(buffer, end, buffer.length - end);
        if (n < 0) {
            eof = true;
        } else {
            end += n;
        }
    }

    private int indexOf(final byte b, final int from, final int to) {
        final byte[] buf = buffer;
        for (int i = from; i < to; i++) {
            if (buf[i] == b) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Whether another line can be had without reading: a line break is already buffered, or the stream says more
     * bytes are ready. A reader of a live stream uses this to hand over what it has rather than wait for more.
     */
    public boolean hasMoreAtHand() throws IOException {
        return indexOf((byte) '\n', start, end) >= 0 || (!eof && in.available() > 0);
    }

    /** The 1-based number of the current line. */
    public long lineNumber() {
        return lineNumber;
    }

    /** Whether the current line was longer than the limit; its content is then not available. */
    public boolean isTooLong() {
        return tooLong;
    }

    /** Whether the current line holds only spaces and tabs (or nothing). */
    public boolean isBlank() {
        if (tooLong) {
            return false;
        }
        for (int i = lineOffset; i < lineOffset + lineLength; i++) {
            final byte b = buffer[i];
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    /** The buffer holding the current line; valid until the next call to {@link #next()}. */
    public byte[] buffer() {
        return buffer;
    }

    public int offset() {
        return lineOffset;
    }

    public int length() {
        return lineLength;
    }
}
