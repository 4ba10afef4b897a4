package org.edgebook.edge.outbox;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * The outbox's files, with the settlement journal's rules (journal module, {@code JournalFormat}) but records of its
 * own: the journal's scanner decodes engine commands and its frames are LZ4 blocks of them; an outbox entry is a few
 * hundred bytes of JSON that LZ4 barely shrinks, so the outbox keeps a plain checksummed record per entry.
 * <p>
 * A segment {@code outbox-<first seq, 20 digits>.log} starts with a 32-byte header: magic {@code EBOUTBOX} (8),
 * version (4), first entry's sequence (8), creation time in microseconds (8), CRC32C of the 28 bytes before it (4).
 * Records follow, big-endian: body length (4), CRC32C (4) of what follows it, sequence (8), time in microseconds (8),
 * type (1), body. Sequences
 * run unbroken from one record to the next, within and across segments. A crash may leave the last segment's end torn
 * (a record cut short, or zeros from a sector boundary to the end of the file): opening truncates it. Anything else
 * that does not check out is a {@link CorruptOutboxException}.
 * <p>
 * {@code checkpoint} (written beside the segments, atomically: temporary file, force, rename, force the directory)
 * holds what compaction removed from the log: the sequence the log now starts at, the next forwarding sequence, and
 * the summaries of the compacted transactions still in their retention.
 * <p>
 * Threading: stateless; any thread.
 */
final class OutboxFormat {
    static final long MAGIC = 0x45424f5554424f58L; // "EBOUTBOX"
    /** The checkpoint before transactions had accounts: read, never written. */
    static final long CHECKPOINT_MAGIC_1 = 0x45424f5554434b50L; // "EBOUTCKP"
    /** The checkpoint with each transaction's account. */
    static final long CHECKPOINT_MAGIC = 0x45424f5554434b32L; // "EBOUTCK2"
    static final int VERSION = 1;
    static final int HEADER_LENGTH = 32;
    static final int RECORD_HEADER = 25;
    /** The largest body a record may have: a transaction of 1 MiB and its fields. */
    static final int MAX_BODY = (1 << 20) + 4096;
    static final int SECTOR = 512;
    static final String CHECKPOINT = "checkpoint";

    private OutboxFormat() {
    }

    static Path segmentPath(final Path dir, final long firstSeq) {
        return dir.resolve(String.format("outbox-%020d.log", firstSeq));
    }

    /** The segment files of a directory, in sequence order, with their first sequences. */
    static List<Path> segments(final Path dir) throws IOException {
        final List<Path> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.filter(p -> {
                final String n = p.getFileName().toString();
                return n.startsWith("outbox-") && n.endsWith(".log") && n.length() == 31;
            }).sorted().forEach(out::add);
        }
        return out;
    }

    static long firstSeqOf(final Path segment) {
        final String n = segment.getFileName().toString();
        return Long.parseLong(n.substring(7, 27));
    }

    static ByteBuffer header(final long firstSeq, final long createdMicros) {
        final ByteBuffer b = ByteBuffer.allocate(HEADER_LENGTH);
        b.putLong(MAGIC).putInt(VERSION).putLong(firstSeq).putLong(createdMicros);
        final CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, 28);
        b.putInt((int) crc.getValue());
        return b.flip();
    }

    /** Appends one record at the buffer's position (the caller made room: {@link #RECORD_HEADER} + body). */
    static void putRecord(final ByteBuffer out, final long seq, final long timeMicros, final byte type,
                          final byte[] body) {
        final int start = out.position();
        out.putInt(body.length).putInt(0).putLong(seq).putLong(timeMicros).put(type).put(body);
        final CRC32C crc = new CRC32C();
        crc.update(out.array(), out.arrayOffset() + start + 8, 17 + body.length);
        out.putInt(start + 4, (int) crc.getValue());
    }

    static FileAttribute<?>[] ownerOnlyFile(final Path file) {
        return posix(file) ? new FileAttribute<?>[] {
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                : new FileAttribute<?>[0];
    }

    static void createDirectory(final Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            if (posix(dir)) {
                Files.createDirectories(dir,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectories(dir);
            }
        }
    }

    private static boolean posix(final Path path) {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }

    /** Makes a directory's entries (new, renamed or deleted files) durable. */
    static void forceDirectory(final Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /** Receives each record of a scan. */
    @FunctionalInterface
    interface Visitor {
        void record(long seq, long timeMicros, byte type, ByteBuffer body) throws IOException;
    }

    /** What a segment's scan found: its length once a torn end is cut off (-1: a torn header, no entries). */
    record Scanned(long validLength, long nextSeq, long tornBytes) {
    }

    /**
     * Checks one segment and hands its records to {@code visitor}. {@code last}: the last segment, whose end may be
     * torn. {@code expectedSeq}: the sequence its first record must have (its header's, checked against its name).
     */
    static Scanned scan(final Path file, final long expectedSeq, final boolean last, final Visitor visitor)
            throws IOException {
        final byte[] bytes = Files.readAllBytes(file);
        final ByteBuffer b = ByteBuffer.wrap(bytes);
        if (bytes.length < HEADER_LENGTH) {
            if (last) {
                return new Scanned(-1, expectedSeq, bytes.length);
            }
            throw new CorruptOutboxException(file, 0, "the header has " + bytes.length + " bytes, it needs "
                    + HEADER_LENGTH);
        }
        final CRC32C crc = new CRC32C();
        crc.update(bytes, 0, 28);
        if (b.getInt(28) != (int) crc.getValue()) {
            if (last && zerosFrom(bytes, 0)) {
                return new Scanned(-1, expectedSeq, bytes.length);
            }
            throw new CorruptOutboxException(file, 28, "the header's checksum does not match its 28 bytes");
        }
        if (b.getLong(0) != MAGIC) {
            throw new CorruptOutboxException(file, 0, "the magic is not EBOUTBOX");
        }
        if (b.getInt(8) != VERSION) {
            throw new CorruptOutboxException(file, 8, "version " + b.getInt(8) + ", this build reads " + VERSION);
        }
        if (b.getLong(12) != expectedSeq) {
            throw new CorruptOutboxException(file, 12, "the first sequence is " + b.getLong(12) + ", expected "
                    + expectedSeq);
        }
        long seq = expectedSeq;
        int pos = HEADER_LENGTH;
        while (pos < bytes.length) {
            final int left = bytes.length - pos;
            if (left < RECORD_HEADER) {
                if (last) {
                    return new Scanned(pos, seq, left);
                }
                throw new CorruptOutboxException(file, pos, "a record header needs " + RECORD_HEADER
                        + " bytes, " + left + " are left");
            }
            final int length = b.getInt(pos);
            if (length < 0 || length > MAX_BODY) {
                if (last && zerosFrom(bytes, pos)) {
                    return new Scanned(pos, seq, left);
                }
                throw new CorruptOutboxException(file, pos, "the length field is " + length + ", the limit is "
                        + MAX_BODY);
            }
            if (left < RECORD_HEADER + length) {
                if (last && !wholeRecordTo(bytes, pos, crc) && !wholeRecordAfter(bytes, pos + 1, seq + 1, crc)) {
                    return new Scanned(pos, seq, left);
                }
                if (last && !wholeRecordTo(bytes, pos, crc)) {
                    throw new CorruptOutboxException(file, pos, "the length field says " + length
                            + " bytes of body, more than the file holds, but whole records follow: the length field "
                            + "is damaged, not the write torn");
                }
                if (last) {
                    throw new CorruptOutboxException(file, pos, "the length field says " + length
                            + " bytes of body, but the " + (left - RECORD_HEADER) + " bytes to the end of the file"
                            + " check out as the whole record: the length field is damaged, not the write torn");
                }
                throw new CorruptOutboxException(file, pos, "the record's length field says " + length
                        + " bytes of body, " + (left - RECORD_HEADER) + " are left");
            }
            crc.reset();
            crc.update(bytes, pos + 8, 17 + length);
            if (b.getInt(pos + 4) != (int) crc.getValue()) {
                if (last && tornInside(bytes, pos, pos + RECORD_HEADER + length)) {
                    return new Scanned(pos, seq, left);
                }
                if (last && length == 0 && zerosFrom(bytes, pos)) {
                    return new Scanned(pos, seq, left);
                }
                throw new CorruptOutboxException(file, pos + 4, "the checksum field does not match the record's "
                        + (17 + length) + " bytes");
            }
            final long recordSeq = b.getLong(pos + 8);
            if (recordSeq != seq) {
                throw new CorruptOutboxException(file, pos + 8, "the sequence field is " + recordSeq + ", expected "
                        + seq);
            }
            visitor.record(seq, b.getLong(pos + 16), bytes[pos + 24],
                    ByteBuffer.wrap(bytes, pos + RECORD_HEADER, length).slice());
            seq++;
            pos += RECORD_HEADER + length;
        }
        return new Scanned(pos, seq, 0);
    }

    /** The bytes from {@code start} to the end of the file check out as one whole record (its checksum holds). */
    private static boolean wholeRecordTo(final byte[] bytes, final int start, final CRC32C crc) {
        final int body = bytes.length - start - RECORD_HEADER;
        if (body < 0) {
            return false;
        }
        crc.reset();
        crc.update(bytes, start + 8, 17 + body);
        return ByteBuffer.wrap(bytes).getInt(start + 4) == (int) crc.getValue();
    }

    /**
     * Whether a whole record, checksum sound, numbered {@code minSeq} or later, starts anywhere from {@code from}: then
     * the record before it that seems cut short was damaged, not torn (a crash leaves nothing whole after a torn
     * record), and cutting there would drop acknowledged entries.
     */
    private static boolean wholeRecordAfter(final byte[] bytes, final int from, final long minSeq, final CRC32C crc) {
        final ByteBuffer b = ByteBuffer.wrap(bytes);
        for (int o = from; o + RECORD_HEADER <= bytes.length; o++) {
            final int length = b.getInt(o);
            if (length < 0 || length > MAX_BODY || length > bytes.length - o - RECORD_HEADER
                    || b.getLong(o + 8) < minSeq) {
                continue;
            }
            crc.reset();
            crc.update(bytes, o + 8, 17 + length);
            if (b.getInt(o + 4) == (int) crc.getValue()) {
                return true;
            }
        }
        return false;
    }

    /** Every byte from {@code from} to the end is zero. */
    private static boolean zerosFrom(final byte[] bytes, final int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * The record {@code [start, end)} is zero from a sector boundary inside it to the end of the file: sectors of the
     * last write never reached the disk (records after it in the same write are then zeros too). Zeros that start
     * after its end leave it whole, so its bad checksum is damage.
     */
    private static boolean tornInside(final byte[] bytes, final int start, final int end) {
        for (int s = (start / SECTOR + 1) * SECTOR; s < end && s < bytes.length; s += SECTOR) {
            if (zerosFrom(bytes, s)) {
                return true;
            }
        }
        return false;
    }

    static void putString(final ByteBuffer out, final String s) {
        if (s == null) {
            out.putShort((short) -1);
            return;
        }
        final byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > Short.MAX_VALUE) {
            throw new IllegalArgumentException("a string of " + b.length + " bytes, the limit is " + Short.MAX_VALUE);
        }
        out.putShort((short) b.length).put(b);
    }

    static int stringLength(final String s) {
        return 2 + (s == null ? 0 : s.getBytes(StandardCharsets.UTF_8).length);
    }

    static String getString(final ByteBuffer in) {
        final short n = in.getShort();
        if (n < 0) {
            return null;
        }
        final byte[] b = new byte[n];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    static void putBytes(final ByteBuffer out, final byte[] b) {
        out.putInt(b.length).put(b);
    }

    static byte[] getBytes(final ByteBuffer in) {
        final int n = in.getInt();
        if (n < 0 || n > in.remaining()) {
            throw new IllegalArgumentException("a byte field of " + n + " bytes, " + in.remaining() + " are left");
        }
        final byte[] b = new byte[n];
        in.get(b);
        return b;
    }
}
