package org.edgebook.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.edgebook.journal.JournalOutput;

/**
 * The journal's segment files, until told to fail: then, after a given number of further writes, every write throws
 * the way a full or broken disk does, and writes nothing.
 */
final class FailingJournal implements JournalOutput.Opener {
    static final String CAUSE = "no space left on device (injected by the test)";

    private final AtomicInteger writesLeft = new AtomicInteger();
    private volatile boolean armed;

    /** The next {@code writes} writes succeed; every one after them fails. */
    void failAfter(final int writes) {
        writesLeft.set(writes);
        armed = true;
    }

    @Override
    public JournalOutput open(final Path dir, final long nextSeq, final long segmentBytes) throws IOException {
        final JournalOutput segments = JournalOutput.Opener.SEGMENTS.open(dir, nextSeq, segmentBytes);
        return new JournalOutput() {
            @Override
            public long write(final ByteBuffer records, final long firstSeq) throws IOException {
                if (armed && writesLeft.getAndDecrement() <= 0) {
                    throw new IOException(CAUSE);
                }
                return segments.write(records, firstSeq);
            }

            @Override
            public void close() throws IOException {
                segments.close();
            }
        };
    }
}
