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
 * record, its creation time in microseconds, and a CRC32C of those fields. What follows depends on the version.
 * <p>
 * <b>Version 3</b> (what this build writes): <b>frames</b>, back to back, one for each batch the journaler forces (a
 * batch whose records pass {@value #FRAME_TARGET} bytes is split over several frames):
 * <pre>
 *   int  storedLength  bytes of the stored body, 1 to {@value #MAX_FRAME_BODY}
 *   int  crc32c        over the frame header after this field and the stored body
 *   long firstSeq      the sequence number of the frame's first record: one more than the frame before
 *   int  count         records in the frame, at least 1
 *   long baseTime      UTC microseconds, the time of the frame's first record
 *   byte codec         0: the body is stored raw; 1: it is one LZ4 block (stored raw when LZ4 would not shrink it)
 *   int  rawLength     the body's length before compression, 1 to {@value #MAX_FRAME_BODY}
 *   byte[storedLength] the body
 * </pre>
 * The raw body is {@code count} records, each: a varint (LEB128, 7 bits a byte, low first) of the payload's length
 * (at most {@value #MAX_PAYLOAD}), a zigzag varint of its time minus the time of the record before (of
 * {@code baseTime} for the first), then the payload. Record {@code i} has sequence number {@code firstSeq + i}. The
 * records must fill the raw body exactly.
 * <p>
 * <b>Versions 1 and 2</b> (still read): records back to back, each with its own 24-byte header:
 * <pre>
 *   int  length      payload bytes, at most {@value #MAX_PAYLOAD}
 *   int  crc32c      over seq, time and payload
 *   long seq         the command's sequence number: exactly one more than the record before
 *   long timeMicros  when the command was sequenced (UTC microseconds)
 *   byte[length]     the payload
 * </pre>
 * <b>The payload</b> (versions 2 and 3): the command's source (a string: the API key id, or the tool), then the
 * command ({@link CommandCodec}); in version 1, the command alone.
 * <p>
 * All fixed-width integers are big-endian. A journal may hold segments of several versions (each start opens a new
 * segment; an older build's segments come first). Snapshots are {@code snapshot-<seq, 20 digits>.snap}: see
 * {@link SnapshotStore}.
 * <p>
 * <b>In memory</b>, between the engine thread and the journaler (and the snapshot replica), a batch is records of
 * the form {@value #BATCH_RECORD_HEADER} bytes of {@code int length, long seq, long timeMicros}, then the payload: no
 * checksum (the frame's covers them on disk), no compression (the journaler does that, off the engine thread).
 */
public final class JournalFormat {
    /** 3: frames of records, LZ4-compressed. 2: each record's payload starts with the command's source. */
    public static final int VERSION = 3;
    public static final int HEADER_LENGTH = 64;
    /** A version 1 or 2 record's header. */
    public static final int RECORD_HEADER = 24;
    /** A version 3 frame's header. */
    public static final int FRAME_HEADER = 33;
    /** A record of a batch in memory: length, seq, time. */
    public static final int BATCH_RECORD_HEADER = 20;
    /** The largest payload a record may have: a 64 KiB line decodes to far less. */
    public static final int MAX_PAYLOAD = 1 << 20;
    /** The writer closes a frame before its raw body would pass this, unless the frame holds one record only. */
    public static final int FRAME_TARGET = 1 << 20;
    /** The largest raw (and so stored) body of a frame: {@link #FRAME_TARGET}, or one largest record. */
    public static final int MAX_FRAME_BODY = MAX_PAYLOAD + 64;
    /** Frame codecs. */
    static final byte CODEC_RAW = 0;
    static final byte CODEC_LZ4 = 1;
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

    /** The header of a segment in this build's format. */
    static ByteBuffer header(final long firstSeq, final long createdMicros) {
        return header(VERSION, firstSeq, createdMicros);
    }

    /** The header of a segment of format {@code version} (older versions: for tests that write them). */
    static ByteBuffer header(final int version, final long firstSeq, final long createdMicros) {
        final ByteBuffer header = ByteBuffer.allocate(HEADER_LENGTH);
        header.put(MAGIC).putInt(version).putInt(HEADER_LENGTH).putLong(firstSeq).putLong(createdMicros);
        final CRC32C crc = new CRC32C();
        crc.update(header.array(), 0, header.position());
        header.putInt((int) crc.getValue());
        header.position(HEADER_LENGTH).flip();
        return header;
    }

    /** The CRC32C of a version 1 or 2 record: its seq and time, then its payload. */
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

    /** The CRC32C of a version 3 frame whose header starts at {@code pos}: its header after the checksum, its body. */
    static int frameCrc(final CRC32C crc, final byte[] bytes, final int pos, final int storedLength) {
        crc.reset();
        crc.update(bytes, pos + 8, FRAME_HEADER - 8 + storedLength);
        return (int) crc.getValue();
    }
}
