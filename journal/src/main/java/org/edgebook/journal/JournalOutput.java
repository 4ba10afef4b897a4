package org.edgebook.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Where the journaler's batches go: the journal's segment files ({@link JournalWriter}) or, in a test, an output that
 * fails the way a full or broken disk does. When {@link #write} returns, the batch survives a crash; when it throws,
 * nothing in the batch may be acknowledged.
 * <p>
 * Threading: one thread (the journaler).
 */
public interface JournalOutput extends AutoCloseable {

    /**
     * Writes whole records (in memory's form, {@link JournalFormat#BATCH_RECORD_HEADER}), the first one numbered
     * {@code firstSeq}, and forces them to disk; answers the bytes this added to the journal.
     */
    long write(ByteBuffer records, long firstSeq) throws IOException;

    @Override
    void close() throws IOException;

    /** Opens the output of a data directory whose next record is {@code nextSeq}. */
    @FunctionalInterface
    interface Opener {
        /** The journal's segment files, with the system clock for their headers. */
        Opener SEGMENTS = (dir, nextSeq, segmentBytes) -> new JournalWriter(dir, nextSeq, segmentBytes,
                JournalWriter.Clock.SYSTEM);

        JournalOutput open(Path dir, long nextSeq, long segmentBytes) throws IOException;
    }
}
