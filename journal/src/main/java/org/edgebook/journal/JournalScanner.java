package org.edgebook.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.edgebook.engine.Command;

/**
 * Reads a journal directory from end to end and checks every byte of it: segment headers, frames (format 3) or
 * records (formats 1 and 2), their lengths and checksums, and the unbroken run of sequence numbers within and across
 * segments. Reading changes nothing on disk.
 * <p>
 * The one damage it tolerates is a torn end of the last segment, what a crash during a write leaves: a frame (or
 * record) cut short (fewer bytes than its length says), zero bytes the file system added, or a frame whose bytes are
 * zero from a sector boundary inside it to the end of the file (the sectors that never reached the disk). The scan
 * stops there and reports it as a {@link TornTail}, which {@link Recovery} truncates. A last frame that is all there
 * but whose checksum fails (a flipped bit) is not torn, it is damaged: that, a frame whose checksum holds but whose
 * fields or body do not (an LZ4 body of the wrong length, a count its body does not hold), a gap in the sequence, and
 * anything else, is a {@link CorruptJournalException}.
 * <p>
 * Threading: any one thread. Reads one segment into memory at a time.
 */
public final class JournalScanner {

    /** Receives each record in sequence order. */
    @FunctionalInterface
    public interface RecordVisitor {
        void record(long seq, long timeMicros, Command command) throws IOException;
    }

    /** Receives each record with its source: the API key id or tool that sent it, {@code null} in old segments. */
    @FunctionalInterface
    public interface SourcedRecordVisitor {
        void record(long seq, long timeMicros, String source, Command command) throws IOException;
    }

    /** A torn end of the last segment: everything from {@code offset} on is not a whole record. */
    public record TornTail(Path file, long offset, long droppedBytes) {
    }

    /** What a scan found. {@code lastSeq} is 0 (or the first segment's first seq - 1) when there are no records. */
    public record Result(int segments, long records, long firstSeq, long lastSeq, TornTail tornTail,
                         List<Path> emptySegments) {
    }

    /** The unit a disk writes whole: the smallest a torn write can leave unwritten. */
    static final int SECTOR = 512;

    private JournalScanner() {
    }

    /** The segment files of a journal directory, in sequence order. */
    public static List<Path> segments(final Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> JournalFormat.segmentFirstSeq(f) >= 0)
                    .sorted((a, b) -> Long.compare(JournalFormat.segmentFirstSeq(a), JournalFormat.segmentFirstSeq(b)))
                    .toList();
        }
    }

    /**
     * Scans every segment and hands records with {@code seq > fromSeq} to the visitor. Segments that end at or
     * before {@code fromSeq} are still read and checked unless {@code skipBelow} is set, in which case they are not
     * read at all (recovery after a snapshot).
     */
    public static Result scan(final Path dir, final long fromSeq, final boolean skipBelow,
                              final RecordVisitor visitor) throws IOException {
        return scan(dir, fromSeq, Long.MAX_VALUE, skipBelow, visitor);
    }

    /**
     * As {@link #scan(Path, long, boolean, RecordVisitor)}, reading only segments that start at or before
     * {@code toSeq}: segments started later (by a writer running now) are left alone.
     */
    public static Result scan(final Path dir, final long fromSeq, final long toSeq, final boolean skipBelow,
                              final RecordVisitor visitor) throws IOException {
        return scanSourced(dir, fromSeq, toSeq, skipBelow, (seq, time, source, command) -> visitor.record(seq, time,
                command));
    }

    /** As {@link #scan(Path, long, long, boolean, RecordVisitor)}, with each record's source. */
    public static Result scanSourced(final Path dir, final long fromSeq, final long toSeq, final boolean skipBelow,
                                     final SourcedRecordVisitor visitor) throws IOException {
        final List<Path> segments = segments(dir).stream()
                .filter(f -> JournalFormat.segmentFirstSeq(f) <= toSeq).toList();
        final CRC32C crc = new CRC32C();
        final Frames.Decoder decoder = new Frames.Decoder();
        long records = 0;
        long expected = -1;
        long firstSeq = -1;
        TornTail torn = null;
        final List<Path> empty = new ArrayList<>();
        for (int i = 0; i < segments.size(); i++) {
            final Path file = segments.get(i);
            final boolean last = i == segments.size() - 1;
            final long segmentFirst = JournalFormat.segmentFirstSeq(file);
            if (expected >= 0 && segmentFirst != expected) {
                throw new CorruptJournalException(file, 0, segmentFirst > expected
                        ? "a segment is missing: the journal jumps from sequence " + (expected - 1) + " to "
                                + segmentFirst : "segments overlap: this one starts at " + segmentFirst
                                        + " but the one before ends at " + (expected - 1));
            }
            if (firstSeq < 0) {
                firstSeq = segmentFirst;
            }
            final long nextFirst = last ? Long.MAX_VALUE : JournalFormat.segmentFirstSeq(segments.get(i + 1));
            if (skipBelow && nextFirst - 1 <= fromSeq) {
                expected = nextFirst;
                continue;
            }
            final SegmentResult r = scanSegment(file, segmentFirst, last, fromSeq, crc, decoder, visitor);
            records += r.records;
            expected = segmentFirst + r.records;
            if (r.records == 0) {
                empty.add(file);
            }
            if (r.torn != null) {
                torn = r.torn;
            }
        }
        final long lastSeq = expected < 0 ? 0 : expected - 1;
        return new Result(segments.size(), records, firstSeq < 0 ? 1 : firstSeq, lastSeq, torn, List.copyOf(empty));
    }

    private record SegmentResult(long records, TornTail torn) {
    }

    private static SegmentResult scanSegment(final Path file, final long segmentFirst, final boolean last,
                                             final long fromSeq, final CRC32C crc, final Frames.Decoder decoder,
                                             final SourcedRecordVisitor visitor)
            throws IOException {
        final byte[] bytes;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            final long size = channel.size();
            if (size > Integer.MAX_VALUE - 16) {
                throw new CorruptJournalException(file, 0, "segment of " + size + " bytes is larger than any "
                        + "segment edgebook writes");
            }
            bytes = new byte[(int) size];
            final ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
                // read fully
            }
        }
        final int size = bytes.length;
        final ByteBuffer in = ByteBuffer.wrap(bytes);
        if (size < JournalFormat.HEADER_LENGTH) {
            if (last) {
                return new SegmentResult(0, new TornTail(file, 0, size));
            }
            throw new CorruptJournalException(file, 0, "the segment is shorter than its " + JournalFormat.HEADER_LENGTH
                    + "-byte header (" + size + " bytes)");
        }
        final int version = checkHeader(file, in, segmentFirst, last);
        if (version >= 3) {
            return scanFrames(file, bytes, segmentFirst, last, fromSeq, crc, decoder, visitor);
        }
        int pos = JournalFormat.HEADER_LENGTH;
        long expected = segmentFirst;
        long records = 0;
        while (pos < size) {
            if (last && allZero(bytes, pos, size)) {
                return new SegmentResult(records, new TornTail(file, pos, size - pos));
            }
            if (size - pos < JournalFormat.RECORD_HEADER) {
                if (last) {
                    return new SegmentResult(records, new TornTail(file, pos, size - pos));
                }
                throw new CorruptJournalException(file, pos, "a record is cut short (" + (size - pos) + " bytes)");
            }
            final int length = in.getInt(pos);
            final int storedCrc = in.getInt(pos + 4);
            final long seq = in.getLong(pos + 8);
            final long time = in.getLong(pos + 16);
            final long end = (long) pos + JournalFormat.RECORD_HEADER + length;
            if (length < 0 || length > JournalFormat.MAX_PAYLOAD || end > size) {
                if (last && length >= 0 && length <= JournalFormat.MAX_PAYLOAD
                        && !wholeRecordAfter(bytes, pos + 1, size, expected, crc)) {
                    return new SegmentResult(records, new TornTail(file, pos, size - pos)); // cut short by a crash
                }
                throw new CorruptJournalException(file, pos, "a record has an impossible length " + length
                        + " (from 0 to " + JournalFormat.MAX_PAYLOAD + " bytes" + (length >= 0
                                && length <= JournalFormat.MAX_PAYLOAD ? ", but only " + (size - pos
                                        - JournalFormat.RECORD_HEADER) + " follow its header" : "") + ")");
            }
            final int actualCrc = JournalFormat.recordCrc(crc, seq, time, bytes, pos + JournalFormat.RECORD_HEADER,
                    length);
            if (actualCrc != storedCrc) {
                if (last && partlyWritten(bytes, pos, (int) end, size)) {
                    return new SegmentResult(records, new TornTail(file, pos, size - pos)); // the last write, torn
                }
                if (last && end == size) {
                    throw new CorruptJournalException(file, pos, "checksum mismatch in the last record (sequence "
                            + seq + "): all its " + (end - pos) + " bytes are there, so it was damaged after it was "
                            + "written (a crash leaves a record cut short or zero-filled, not changed). If you know "
                            + "the machine lost power while writing it, truncating the file to " + pos + " bytes "
                            + "drops it");
                }
                throw new CorruptJournalException(file, pos, "checksum mismatch in the record of sequence " + seq
                        + (last ? " with more bytes after it" : ""));
            }
            if (seq != expected) {
                throw new CorruptJournalException(file, pos, "sequence gap: expected " + expected + ", found " + seq);
            }
            if (seq > fromSeq) {
                visit(file, pos, version, seq, time, bytes, pos + JournalFormat.RECORD_HEADER, length, visitor);
            }
            records++;
            expected++;
            pos = (int) end;
        }
        return new SegmentResult(records, null);
    }

    /**
     * The frames of a format 3 segment, {@code bytes} being the whole file. The rules of {@link JournalScanner}, frame
     * by frame.
     */
    private static SegmentResult scanFrames(final Path file, final byte[] bytes, final long segmentFirst,
                                            final boolean last, final long fromSeq, final CRC32C crc,
                                            final Frames.Decoder decoder, final SourcedRecordVisitor visitor)
            throws IOException {
        final int size = bytes.length;
        final ByteBuffer in = ByteBuffer.wrap(bytes);
        int pos = JournalFormat.HEADER_LENGTH;
        long expected = segmentFirst;
        long records = 0;
        while (pos < size) {
            if (last && allZero(bytes, pos, size)) {
                return new SegmentResult(records, new TornTail(file, pos, size - pos));
            }
            if (size - pos < JournalFormat.FRAME_HEADER) {
                if (last) {
                    return new SegmentResult(records, new TornTail(file, pos, size - pos));
                }
                throw new CorruptJournalException(file, pos, "a frame is cut short (" + (size - pos) + " bytes; its "
                        + "header alone is " + JournalFormat.FRAME_HEADER + ")");
            }
            final int stored = in.getInt(pos);
            final long end = (long) pos + JournalFormat.FRAME_HEADER + stored;
            final boolean sane = stored >= 1 && stored <= JournalFormat.MAX_FRAME_BODY;
            if (!sane || end > size) {
                if (last && endsAtTheEnd(bytes, pos, size, crc)) { // checks out with the length the file gives it
                    throw new CorruptJournalException(file, pos, "the last frame's length field says " + stored
                            + " bytes, but the " + (size - pos - JournalFormat.FRAME_HEADER) + " bytes after its "
                            + "header, to the end of the file, are a whole frame whose checksum holds: its length was "
                            + "damaged after it was written (a crash does not change a length already on disk)");
                }
                if (last && sane && !wholeFrameAfter(bytes, pos + 1, size, expected, crc)) {
                    return new SegmentResult(records, new TornTail(file, pos, size - pos)); // cut short by a crash
                }
                throw new CorruptJournalException(file, pos, "a frame has an impossible stored length " + stored
                        + " (from 1 to " + JournalFormat.MAX_FRAME_BODY + " bytes" + (sane ? ", but only "
                                + (size - pos - JournalFormat.FRAME_HEADER) + " follow its header" : "") + ")");
            }
            final long firstSeq = in.getLong(pos + 8);
            if (JournalFormat.frameCrc(crc, bytes, pos, stored) != in.getInt(pos + 4)) {
                if (last && partlyWritten(bytes, pos, (int) end, size)) {
                    return new SegmentResult(records, new TornTail(file, pos, size - pos)); // the last write, torn
                }
                if (last && end == size) {
                    throw new CorruptJournalException(file, pos, "checksum mismatch in the last frame (its header "
                            + "says sequence " + firstSeq + " on): all its " + (end - pos) + " bytes are there, so it "
                            + "was damaged after it was written (a crash leaves a frame cut short or zero-filled, not "
                            + "changed). If you know the machine lost power while writing it, truncating the file to "
                            + pos + " bytes drops it");
                }
                throw new CorruptJournalException(file, pos, "checksum mismatch in the frame of sequence " + firstSeq
                        + (last ? " with more bytes after it" : ""));
            }
            if (firstSeq != expected) {
                throw new CorruptJournalException(file, pos, "sequence gap: expected " + expected + ", found "
                        + firstSeq);
            }
            final int count = Frames.Decoder.checkHeader(file, pos, bytes, pos);
            if (firstSeq + count - 1 > fromSeq) { // frames wholly before fromSeq are checksummed, not decompressed
                decoder.open(file, pos, bytes, pos);
                Frames.records(decoder, fromSeq, visitor);
            }
            records += count;
            expected += count;
            pos = (int) end;
        }
        return new SegmentResult(records, null);
    }

    /** Hands a record's payload, decoded, to the visitor; a payload that does not decode is corruption. */
    static void visit(final Path file, final long offset, final int version, final long seq, final long time,
                      final byte[] bytes, final int payloadOffset, final int length,
                      final SourcedRecordVisitor visitor) throws IOException {
        final Command command;
        final String source;
        try {
            final ByteBuffer payload = ByteBuffer.wrap(bytes, payloadOffset, length).slice();
            source = version >= 2 ? CommandCodec.decodeString(payload) : null;
            command = CommandCodec.decode(payload);
        } catch (final IllegalArgumentException e) {
            throw new CorruptJournalException(file, offset, "the record of sequence " + seq
                    + " has a valid checksum but does not decode (" + e.getMessage() + ")");
        }
        visitor.record(seq, time, source, command);
    }

    /**
     * Whether a whole, checksummed frame of sequence {@code minSeq} or later starts anywhere in {@code bytes[from,
     * to)}: then a frame that seems cut short is really a damaged one in the middle, and truncating there would drop
     * good frames.
     */
    private static boolean wholeFrameAfter(final byte[] bytes, final int from, final int to, final long minSeq,
                                           final CRC32C crc) {
        final ByteBuffer in = ByteBuffer.wrap(bytes);
        for (int o = from; o + JournalFormat.FRAME_HEADER <= to; o++) {
            final int stored = in.getInt(o);
            // Only lengths a writer could have written: otherwise a damaged length early in a large segment would
            // checksum most of the file at many offsets before its corruption is reported.
            if (stored < 1 || stored > JournalFormat.MAX_FRAME_BODY || stored > to - o - JournalFormat.FRAME_HEADER
                    || in.getLong(o + 8) < minSeq) {
                continue;
            }
            if (JournalFormat.frameCrc(crc, bytes, o, stored) == in.getInt(o + 4)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the frame at {@code pos} is whole and sound if it ends where the file does: then a stored length that
     * says otherwise was damaged (the checksum covers everything but the length), not cut short by a crash.
     */
    private static boolean endsAtTheEnd(final byte[] bytes, final int pos, final int size, final CRC32C crc) {
        final int stored = size - pos - JournalFormat.FRAME_HEADER;
        return stored >= 1 && stored <= JournalFormat.MAX_FRAME_BODY
                && JournalFormat.frameCrc(crc, bytes, pos, stored) == ByteBuffer.wrap(bytes).getInt(pos + 4);
    }

    /** Checks a segment header; returns its format version. */
    static int checkHeader(final Path file, final ByteBuffer in, final long segmentFirst, final boolean last)
            throws CorruptJournalException {
        for (int i = 0; i < JournalFormat.MAGIC.length; i++) {
            if (in.get(i) != JournalFormat.MAGIC[i]) {
                throw new CorruptJournalException(file, 0, "not an edgebook journal segment (bad magic)");
            }
        }
        final int version = in.getInt(8);
        if (version > JournalFormat.VERSION) {
            throw new CorruptJournalException(file, 8, "written in journal format version " + version
                    + " by a newer edgebook; this build reads version " + JournalFormat.VERSION
                    + " (run a newer edgebook instead)");
        }
        if (version < 1) {
            throw new CorruptJournalException(file, 8, "unknown journal format version " + version);
        }
        final CRC32C crc = new CRC32C();
        crc.update(in.array(), 0, 32);
        if ((int) crc.getValue() != in.getInt(32)) {
            throw new CorruptJournalException(file, 0, "the segment header's checksum does not match");
        }
        if (in.getLong(16) != segmentFirst) {
            throw new CorruptJournalException(file, 16, "the header says the segment starts at sequence "
                    + in.getLong(16) + " but its name says " + segmentFirst);
        }
        return version;
    }

    /**
     * Whether a whole, checksummed record of sequence {@code minSeq} or later starts anywhere in
     * {@code bytes[from, to)}: then a record that seems cut short is really a damaged one in the middle, and
     * truncating there would drop good records.
     */
    private static boolean wholeRecordAfter(final byte[] bytes, final int from, final int to, final long minSeq,
                                            final CRC32C crc) {
        final ByteBuffer in = ByteBuffer.wrap(bytes);
        for (int o = from; o + JournalFormat.RECORD_HEADER <= to; o++) {
            final int length = in.getInt(o);
            final long seq = in.getLong(o + 8);
            if (length < 0 || length > JournalFormat.MAX_PAYLOAD || length > to - o - JournalFormat.RECORD_HEADER
                    || seq < minSeq) {
                continue;
            }
            if (JournalFormat.recordCrc(crc, seq, in.getLong(o + 16), bytes, o + JournalFormat.RECORD_HEADER,
                    length) == in.getInt(o + 4)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a whole-length frame or record with a bad checksum, {@code bytes[pos, end)}, is the last write of a crash that
     * reached the disk only in part: a disk writes a {@value #SECTOR}-byte sector whole or not at all, and a sector the
     * file system allocated but never got is read as zeros. So it is torn when, from a sector boundary inside it,
     * every byte to the end of the file is zero. Anything else (a flipped bit, bytes changed with nothing after
     * them, a zero run that starts in the middle of a sector) is damage.
     */
    private static boolean partlyWritten(final byte[] bytes, final int pos, final int end, final int size) {
        final int lastBoundary = (end - 1) / SECTOR * SECTOR;
        return lastBoundary > pos && allZero(bytes, lastBoundary, size);
    }

    private static boolean allZero(final byte[] bytes, final int from, final int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
