package org.edgebook.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends batches of records to the journal's segments and forces them to disk. A batch is written whole, as one frame
 * or more (format 3, {@link JournalFormat}: LZ4-compressed, checksummed), and then forced with one
 * {@link FileChannel#force} (group commit): when {@link #write} returns, every record in it survives a crash or a power
 * cut. A new segment starts when the current one has reached the segment size; its file and the directory entry are
 * forced before any frame goes into it. Segments are created owner-only ({@link OwnerOnly}).
 * <p>
 * Threading: one thread (the journaler), which also compresses. Records are encoded elsewhere (the engine thread)
 * with {@link #encode}, in the in-memory form, without a checksum.
 */
public final class JournalWriter implements JournalOutput {
    private final Path dir;
    private final long segmentBytes;
    private final Clock clock;
    private final Frames.Encoder frames;
    private FileChannel segment;
    private long segmentSize;

    /** Microseconds since the epoch; a seam for tests. */
    @FunctionalInterface
    public interface Clock {
        long micros();

        Clock SYSTEM = () -> {
            return UtcMicros.of(java.time.Instant.now());
        };
    }

    /** Opens a new segment whose first record will be {@code nextSeq}. */
    public JournalWriter(final Path dir, final long nextSeq, final long segmentBytes, final Clock clock)
            throws IOException {
        this(dir, nextSeq, segmentBytes, clock, JournalFormat.FRAME_TARGET);
    }

    /** As above, closing frames at {@code frameTarget} raw bytes: tests split batches with a small one. */
    JournalWriter(final Path dir, final long nextSeq, final long segmentBytes, final Clock clock,
                  final int frameTarget) throws IOException {
        this.frames = new Frames.Encoder(frameTarget);
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        this.clock = clock;
        OwnerOnly.createDirectories(dir);
        openSegment(nextSeq);
    }

    /** An upper bound on a record's size in memory, header included. */
    public static int maxRecordLength(final org.edgebook.engine.Command command, final String source) {
        return JournalFormat.BATCH_RECORD_HEADER + CommandCodec.maxStringLength(source)
                + CommandCodec.maxLength(command);
    }

    /**
     * Encodes one record, in the in-memory form ({@link JournalFormat#BATCH_RECORD_HEADER}), at the buffer's position,
     * growing nothing: the caller makes room first ({@link #maxRecordLength}). {@code source} says who sent the
     * command (an API key id, a tool), for the audit. Answers the command journaled, which the caller must execute:
     * {@code command}, or the MALFORMED command that replaces it when its text cannot be journaled exactly
     * ({@link CommandCodec#encodeExact}). No checksum is computed here: the frame's covers the record on disk.
     */
    public static org.edgebook.engine.Command encode(final long seq, final long timeMicros, final String source,
                                                     final org.edgebook.engine.Command command,
                                                     final ByteBuffer out) {
        final int start = out.position();
        out.position(start + JournalFormat.BATCH_RECORD_HEADER);
        CommandCodec.encodeString(out, source);
        final org.edgebook.engine.Command journaled = CommandCodec.encodeExact(command, out);
        out.putInt(start, out.position() - start - JournalFormat.BATCH_RECORD_HEADER);
        out.putLong(start + 4, seq);
        out.putLong(start + 12, timeMicros);
        return journaled;
    }

    /**
     * Writes {@code records} (whole in-memory records, first sequence {@code firstSeq}) as frames and forces them;
     * answers the bytes appended. Rolls to a new segment first if the current one is full.
     */
    @Override
    public long write(final ByteBuffer records, final long firstSeq) throws IOException {
        if (segmentSize >= segmentBytes) {
            segment.close();
            openSegment(firstSeq);
        }
        final ByteBuffer encoded = frames.encode(records, firstSeq);
        records.position(records.limit());
        final long bytes = encoded.remaining();
        while (encoded.hasRemaining()) {
            segmentSize += segment.write(encoded);
        }
        segment.force(false);
        return bytes;
    }

    private void openSegment(final long firstSeq) throws IOException {
        final Path file = JournalFormat.segmentPath(dir, firstSeq);
        segment = FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                OwnerOnly.file(file)); // born rw-------
        final ByteBuffer header = JournalFormat.header(firstSeq, clock.micros());
        while (header.hasRemaining()) {
            segment.write(header);
        }
        segment.force(true);
        forceDirectory(dir);
        segmentSize = JournalFormat.HEADER_LENGTH;
    }

    /** Makes a directory's entries (new, renamed or deleted files) durable. */
    static void forceDirectory(final Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    @Override
    public void close() throws IOException {
        segment.close();
    }
}
