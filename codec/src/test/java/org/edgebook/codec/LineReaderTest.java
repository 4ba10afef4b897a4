package org.edgebook.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineReaderTest {

    private static List<String> lines(final InputStream in, final int max) throws IOException {
        final LineReader reader = new LineReader(in, max);
        final List<String> out = new ArrayList<>();
        while (reader.next()) {
            out.add(reader.lineNumber() + ":" + (reader.isTooLong() ? "TOO_LONG"
                    : reader.isBlank() ? "BLANK"
                    : new String(reader.buffer(), reader.offset(), reader.length(), StandardCharsets.UTF_8)));
        }
        return out;
    }

    private static InputStream text(final String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void numbersEveryLineAndDropsCarriageReturns() throws IOException {
        assertThat(lines(text("a\r\n\n  \nb\nc"), 100)).containsExactly("1:a", "2:BLANK", "3:BLANK", "4:b", "5:c");
    }

    @Test
    void lineOverTheLimitIsReportedAndSkippedWithoutBeingKept() throws IOException {
        final String longLine = "x".repeat(101);
        assertThat(lines(text("ok\n" + longLine + "\nnext\n" + "y".repeat(100) + "\n"), 100))
                .containsExactly("2:ok".replace("2", "1"), "2:TOO_LONG", "3:next", "4:" + "y".repeat(100));
    }

    @Test
    void aHugeLineIsStreamedPastNotBuffered() throws IOException {
        // 50 MB with no newline, then a normal line: the reader keeps one fixed buffer.
        final long hugeBytes = 50L << 20;
        final InputStream huge = new InputStream() {
            long served;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(final byte[] b, final int off, final int len) {
                if (served >= hugeBytes + 5) {
                    return -1;
                }
                int n = 0;
                while (n < len && served < hugeBytes + 5) {
                    b[off + n++] = served < hugeBytes ? (byte) 'z' : (byte) "\nend\n".charAt((int) (served
                            - hugeBytes));
                    served++;
                }
                return n;
            }
        };
        assertThat(lines(huge, LineReader.MAX_LINE_BYTES)).containsExactly("1:TOO_LONG", "2:end");
    }

    @Test
    void linesSpanningReadsAreReassembled() throws IOException {
        final InputStream trickle = new InputStream() {
            final byte[] data = "first line\nsecond\n".getBytes(StandardCharsets.UTF_8);
            int pos;

            @Override
            public int read() {
                return pos < data.length ? data[pos++] : -1;
            }

            @Override
            public int read(final byte[] b, final int off, final int len) {
                if (pos >= data.length) {
                    return -1;
                }
                b[off] = data[pos++];
                return 1;
            }
        };
        assertThat(lines(trickle, 100)).containsExactly("1:first line", "2:second");
    }
}
