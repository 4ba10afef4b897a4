package org.edgebook.journal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The journal's on-disk format, in one place.
 * <p>
 * A journal is a directory of segment files {@code journal-<first seq, 20 digits>.log}. Each segment starts with a
 * 64-byte header: the magic {@code EBJOURNL}, the format version, the header length, the sequence number of its first
 * record, its creation time in microseconds, and a CRC32C of those fields. Records follow back to back:
 * <pre>
 *   int  length      payload bytes
 *   int  crc32c      over seq, time and payload
 *   long seq         the command's sequence number: exactly one more than the record before
 *   long timeMicros  when the command was sequenced (UTC microseconds)
 *   byte[length]     the command's source (a string: the API key id, or the tool), then the command
 *                    ({@link CommandCodec}); in version 1 segments, the command alone
 * </pre>
 * All integers are big-endian. Snapshots are {@code snapshot-<seq, 20 digits>.snap}: see {@link SnapshotStore}.
 */
public final class JournalFormat {
    /** 2: each record's payload starts with the command's source (the API key or tool that sent it). */
    public static final int VERSION = 2;
    public static final int HEADER_LENGTH = 64;
    public static final int RECORD_HEADER = 24;
    /** The largest payload a record may have: a 64 KiB line decodes to far less. */
    public static final int MAX_PAYLOAD = 1 << 20;
    static final byte[] MAGIC = "EBJOURNL".getBytes(StandardCharsets.US_ASCII);
    static final String SEGMENT_PREFIX = "journal-";
    static final String SEGMENT_SUFFIX = ".log";

    private JournalFormat() {
    }

    static Path segmentPath(final Path dir, final long firstSeq) {
        return dir.resolve(String.format("%s%020d%s", SEGMENT_PREFIX, firstSeq, SEGMENT_SUFFIX));
    }

    /** The first sequence number from a segment's file name, or -1 if it is not a segment's name. */
    static long segmentFirstSeq(final Path file) {
        final String name = file.getFileName().toString();
        if (!name.startsWith(SEGMENT_PREFIX) || !name.endsWith(SEGMENT_SUFFIX)
                || name.length() != SEGMENT_PREFIX.length() + 20 + SEGMENT_SUFFIX.length()) {
            return -1;
        }
        try {
            return Long.parseLong(name.substring(SEGMENT_PREFIX.length(), SEGMENT_PREFIX.length() + 20));
        } catch (final NumberFormatException e) {
            return -1;
        }
    }

    static ByteBuffer header(final long firstSeq, final long createdMicros) {
        final ByteBuffer header = ByteBuffer.allocate(HEADER_LENGTH);
        header.put(MAGIC).putInt(VERSION).putInt(HEADER_LENGTH).putLong(firstSeq).putLong(createdMicros);
        final CRC32C crc = new CRC32C();
        crc.update(header.array(), 0, header.position());
        header.putInt((int) crc.getValue());
        header.position(HEADER_LENGTH).flip();
        return header;
    }

    /** The CRC32C of a record: its seq and time, then its payload. */
    static int recordCrc(final CRC32C crc, final long seq, final long timeMicros, final byte[] payload,
                         final int offset, final int length) {
        crc.reset();
        for (int i = 56; i >= 0; i -= 8) {
            crc.update((int) (seq >>> i) & 0xFF);
        }
        for (int i = 56; i >= 0; i -= 8) {
            crc.update((int) (timeMicros >>> i) & 0xFF);
        }
        crc.update(payload, offset, length);
        return (int) crc.getValue();
    }
}
