package org.edgebook.edge.outbox;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/**
 * Where the outbox's batches go: its segment files ({@link Segments}) or, in a test, an output that fails the way a
 * full or broken disk does. After {@link #force} returns, everything written survives a crash; when any call throws,
 * nothing written since the last force may be acknowledged.
 * <p>
 * Threading: one thread (the outbox's writer).
 */
public interface OutboxOutput extends AutoCloseable {

    /** Starts a new segment whose first entry is {@code firstSeq}; its header and directory entry are forced. */
    void roll(long firstSeq) throws IOException;

    /** Appends whole records to the current segment. */
    void write(ByteBuffer records) throws IOException;

    /** Forces what was written to disk. */
    void force() throws IOException;

    @Override
    void close() throws IOException;

    /** Opens the output of an outbox directory. */
    @FunctionalInterface
    interface Opener {
        Opener SEGMENTS = Segments::new;

        OutboxOutput open(Path dir, long createdMicros) throws IOException;
    }

    /** The real thing: segment files, created owner-only, one {@link FileChannel#force} per batch. */
    final class Segments implements OutboxOutput {
        private final Path dir;
        private final long createdMicros;
        private FileChannel segment;

        public Segments(final Path dir, final long createdMicros) {
            this.dir = dir;
            this.createdMicros = createdMicros;
        }

        @Override
        public void roll(final long firstSeq) throws IOException {
            if (segment != null) {
                segment.close();
            }
            final Path file = OutboxFormat.segmentPath(dir, firstSeq);
            segment = FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    OutboxFormat.ownerOnlyFile(file));
            final ByteBuffer header = OutboxFormat.header(firstSeq, createdMicros);
            while (header.hasRemaining()) {
                segment.write(header);
            }
            segment.force(true);
            OutboxFormat.forceDirectory(dir);
        }

        @Override
        public void write(final ByteBuffer records) throws IOException {
            while (records.hasRemaining()) {
                segment.write(records);
            }
        }

        @Override
        public void force() throws IOException {
            segment.force(false);
        }

        @Override
        public void close() throws IOException {
            if (segment != null) {
                segment.close();
            }
        }
    }
}
