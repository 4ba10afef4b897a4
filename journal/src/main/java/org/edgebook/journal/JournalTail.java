package org.edgebook.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.zip.CRC32C;
import org.edgebook.engine.Command;

/**
 * Follows a journal that a writer may be appending to: reads the whole frames (format 3; records in formats 1 and 2)
 * after a position (segment, byte offset, next sequence number) and says where it stopped, so the next read starts
 * there instead of at the start of the segment. Every frame's checksum and sequence numbers are checked. What is not
 * (yet) a whole, valid frame at the end of the last segment is left for the next read: the writer may be in the middle
 * of it. The same in a segment that has a successor is damage ({@link CorruptJournalException}).
 * <p>
 * Threading: any one thread at a time; a position is immutable.
 */
final class JournalTail {

    /** Where to read next: {@code segment} is {@code null} before the first read. */
    record Position(Path segment, long offset, long nextSeq) {
    }

    private final CRC32C crc = new CRC32C();
    private final Frames.Decoder decoder = new Frames.Decoder();

    /** Receives records until it answers {@code false}: reading then stops at that record. */
    @FunctionalInterface
    interface Until {
        boolean record(long seq, long timeMicros, Command command) throws IOException;
    }

    /** Hands every record with {@code seq > afterSeq} from {@code from} on to the visitor; answers where it stopped. */
    Position read(final Path dir, final Position from, final long afterSeq,
                  final JournalScanner.RecordVisitor visitor) throws IOException {
        return readUntil(dir, from, afterSeq, (seq, time, command) -> {
            visitor.record(seq, time, command);
            return true;
        });
    }

    /**
     * As {@link #read(Path, Position, long, JournalScanner.RecordVisitor)}, stopping at the record for which
     * {@code until} answers {@code false}. The position answered then lies at or before that record (in a format 3
     * segment, at the start of its frame: a frame is read whole), so the caller passes the last sequence number it
     * has taken as {@code afterSeq} on the next read, and records up to it are not handed over again.
     */
    Position readUntil(final Path dir, final Position from, final long afterSeq, final Until until)
            throws IOException {
        final List<Path> segments = JournalScanner.segments(dir);
        Position at = from;
        if (at.segment() != null && !java.nio.file.Files.exists(at.segment())) {
            // Pruned (--keep-snapshots) after it was read: go on in the segment that starts where reading stopped.
            final Position resumed = start(segments, at.nextSeq());
            if (resumed == null || resumed.nextSeq() != at.nextSeq()) {
                throw new IOException(at.segment() + " was deleted (old segments are pruned with old snapshots) "
                        + "before records from sequence " + at.nextSeq() + " on were read from it; that history is "
                        + "gone from " + dir + ". Keep more snapshots (--keep-snapshots) for statements over it");
            }
            at = resumed;
        }
        if (at.segment() == null) {
            at = start(segments, at.nextSeq());
            if (at == null) {
                return from; // nothing journaled yet
            }
        }
        while (true) {
            final Path next = following(segments, at.segment());
            final boolean[] stopped = {false};
            final Position reached = readSegment(at, next != null, afterSeq, until, stopped);
            if (next == null || stopped[0]) {
                return reached;
            }
            if (JournalFormat.segmentFirstSeq(next) != reached.nextSeq()) {
                throw new CorruptJournalException(next, 0, "the journal jumps from sequence "
                        + (reached.nextSeq() - 1) + " to " + JournalFormat.segmentFirstSeq(next));
            }
            at = new Position(next, 0, reached.nextSeq());
        }
    }

    /** The segment holding {@code seq} (its last one starting at or before it), read from its header. */
    private static Position start(final List<Path> segments, final long seq) {
        Position start = null;
        for (final Path segment : segments) {
            final long first = JournalFormat.segmentFirstSeq(segment);
            if (first <= Math.max(1, seq)) {
                start = new Position(segment, 0, first);
            }
        }
        return start;
    }

    private static Path following(final List<Path> segments, final Path segment) {
        final int i = segments.indexOf(segment);
        return i >= 0 && i + 1 < segments.size() ? segments.get(i + 1) : null;
    }

    private Position readSegment(final Position at, final boolean finished, final long afterSeq, final Until until,
                                 final boolean[] stopped) throws IOException {
        final Path file = at.segment();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            final ByteBuffer header = ByteBuffer.allocate(JournalFormat.HEADER_LENGTH);
            while (header.hasRemaining() && channel.read(header, header.position()) > 0) {
                // read the header fully
            }
            if (header.hasRemaining()) {
                if (finished) {
                    throw new CorruptJournalException(file, 0, "the segment is shorter than its header");
                }
                return at;
            }
            final int version = JournalScanner.checkHeader(file, header, JournalFormat.segmentFirstSeq(file),
                    !finished);
            final long start = Math.max(at.offset(), JournalFormat.HEADER_LENGTH);
            final long size = channel.size();
            if (size - start > Integer.MAX_VALUE - 16) {
                throw new CorruptJournalException(file, start, "more than 2 GiB of records to read at once");
            }
            final byte[] bytes = new byte[(int) (size - start)];
            final ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining() && channel.read(buffer, start + buffer.position()) > 0) {
                // read what is there now
            }
            final ByteBuffer in = ByteBuffer.wrap(bytes, 0, buffer.position());
            if (version >= 3) {
                return readFrames(file, start, bytes, in.limit(), at.nextSeq(), finished, afterSeq, until, stopped);
            }
            int pos = 0;
            long expected = at.nextSeq();
            while (in.limit() - pos >= JournalFormat.RECORD_HEADER) {
                final int length = in.getInt(pos);
                final long seq = in.getLong(pos + 8);
                final long time = in.getLong(pos + 16);
                final long end = (long) pos + JournalFormat.RECORD_HEADER + length;
                if (length < 0 || length > JournalFormat.MAX_PAYLOAD || end > in.limit()
                        || JournalFormat.recordCrc(crc, seq, time, bytes, pos + JournalFormat.RECORD_HEADER,
                                length) != in.getInt(pos + 4)) {
                    break; // not a whole record (yet)
                }
                if (seq != expected) {
                    throw new CorruptJournalException(file, start + pos, "sequence gap: expected " + expected
                            + ", found " + seq);
                }
                if (seq > afterSeq) {
                    JournalScanner.visit(file, start + pos, version, seq, time, bytes,
                            pos + JournalFormat.RECORD_HEADER, length, (s, t, source, command) -> {
                                if (!until.record(s, t, command)) {
                                    stopped[0] = true;
                                }
                            });
                    if (stopped[0]) {
                        return new Position(file, start + pos, expected);
                    }
                }
                expected++;
                pos = (int) end;
            }
            if (finished && pos != in.limit()) {
                throw new CorruptJournalException(file, start + pos, "a damaged or cut-short record before the "
                        + "next segment (sequence " + expected + ")");
            }
            return new Position(file, start + pos, expected);
        }
    }

    /** The whole frames of {@code bytes[0, limit)}, read from file offset {@code start} of a format 3 segment. */
    private Position readFrames(final Path file, final long start, final byte[] bytes, final int limit,
                                final long nextSeq, final boolean finished, final long afterSeq, final Until until,
                                final boolean[] stopped) throws IOException {
        final ByteBuffer in = ByteBuffer.wrap(bytes, 0, limit);
        int pos = 0;
        long expected = nextSeq;
        while (limit - pos >= JournalFormat.FRAME_HEADER) {
            final int stored = in.getInt(pos);
            final long end = (long) pos + JournalFormat.FRAME_HEADER + stored;
            if (stored < 1 || stored > JournalFormat.MAX_FRAME_BODY || end > limit
                    || JournalFormat.frameCrc(crc, bytes, pos, stored) != in.getInt(pos + 4)) {
                break; // not a whole frame (yet)
            }
            final long firstSeq = in.getLong(pos + 8);
            if (firstSeq != expected) {
                throw new CorruptJournalException(file, start + pos, "sequence gap: expected " + expected
                        + ", found " + firstSeq);
            }
            final int count = Frames.Decoder.checkHeader(file, start + pos, bytes, pos);
            if (firstSeq + count - 1 > afterSeq) {
                decoder.open(file, start + pos, bytes, pos);
                while (decoder.next()) {
                    if (decoder.seq() > afterSeq) {
                        decoder.visit((s, t, source, command) -> {
                            if (!until.record(s, t, command)) {
                                stopped[0] = true;
                            }
                        });
                        if (stopped[0]) {
                            return new Position(file, start + pos, firstSeq); // the frame is read again, whole
                        }
                    }
                }
            }
            expected += count;
            pos = (int) end;
        }
        if (finished && pos != limit) {
            throw new CorruptJournalException(file, start + pos, "a damaged or cut-short frame before the next "
                    + "segment (sequence " + expected + ")");
        }
        return new Position(file, start + pos, expected);
    }
}
