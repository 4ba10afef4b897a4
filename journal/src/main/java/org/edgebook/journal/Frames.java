package org.edgebook.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * Version 3's frames ({@link JournalFormat}): the {@link Encoder} turns a batch of in-memory records into frames, the
 * {@link Decoder} checks a frame's header fields and gives back its records.
 * <p>
 * LZ4 is lz4-java's pure Java implementation ({@link LZ4Factory#safeInstance()}): no native library to load and no
 * {@code sun.misc.Unsafe}, so no JVM flag and no warning on JDK 25. Its blocks are standard LZ4 blocks.
 * <p>
 * Threading: an encoder or a decoder belongs to one thread at a time.
 */
final class Frames {
    private static final LZ4Factory LZ4 = LZ4Factory.safeInstance();

    private Frames() {
    }

    /** Encodes batches into frames; reuses its buffers from one batch to the next. */
    static final class Encoder {
        private final LZ4Compressor lz4 = LZ4.fastCompressor();
        private final CRC32C crc = new CRC32C();
        private final int target;
        private byte[] raw = new byte[64 << 10];
        private byte[] out = new byte[64 << 10];
        private int outSize;

        /** Frames close before their raw body would pass {@code target} bytes (at most {@link JournalFormat#FRAME_TARGET}). */
        Encoder(final int target) {
            if (target < 1 || target > JournalFormat.FRAME_TARGET) {
                throw new IllegalArgumentException("frame target " + target + " is not between 1 and "
                        + JournalFormat.FRAME_TARGET);
            }
            this.target = target;
        }

        /**
         * The frames of {@code records} (in-memory records from their position to their limit, the first one
         * numbered {@code firstSeq}); the bytes are valid until the next call. A record whose length or sequence
         * number is not what the batch says is a bug of the caller: {@link IllegalArgumentException}.
         */
        ByteBuffer encode(final ByteBuffer records, final long firstSeq) {
            outSize = 0;
            final int limit = records.limit();
            int pos = records.position();
            long seq = firstSeq;
            while (pos < limit) {
                final long frameSeq = seq;
                final long base = records.getLong(pos + 12);
                long previous = base;
                int rawLength = 0;
                int count = 0;
                while (pos < limit) {
                    final int length = records.getInt(pos);
                    if (length < 0 || length > JournalFormat.MAX_PAYLOAD
                            || (long) pos + JournalFormat.BATCH_RECORD_HEADER + length > limit) {
                        throw new IllegalArgumentException("the batch record at byte " + pos + " has length " + length
                                + " (the limit is " + JournalFormat.MAX_PAYLOAD + " bytes, and "
                                + (limit - pos - JournalFormat.BATCH_RECORD_HEADER) + " bytes follow its header)");
                    }
                    final long recordSeq = records.getLong(pos + 4);
                    if (recordSeq != seq) {
                        throw new IllegalArgumentException("the batch record at byte " + pos + " has sequence "
                                + recordSeq + ", expected " + seq);
                    }
                    final long time = records.getLong(pos + 12);
                    final long delta = zigzag(time - previous);
                    final int needed = varintLength(length) + varintLength(delta) + length;
                    if (count > 0 && rawLength + needed > target) {
                        break;
                    }
                    if (rawLength + needed > raw.length) {
                        raw = java.util.Arrays.copyOf(raw, Math.max(raw.length * 2, rawLength + needed));
                    }
                    rawLength = putVarint(raw, rawLength, length);
                    rawLength = putVarint(raw, rawLength, delta);
                    records.get(pos + JournalFormat.BATCH_RECORD_HEADER, raw, rawLength, length);
                    rawLength += length;
                    previous = time;
                    count++;
                    seq++;
                    pos += JournalFormat.BATCH_RECORD_HEADER + length;
                }
                frame(frameSeq, count, base, rawLength);
            }
            return ByteBuffer.wrap(out, 0, outSize);
        }

        private void frame(final long firstSeq, final int count, final long baseTime, final int rawLength) {
            final int maxStored = lz4.maxCompressedLength(rawLength);
            final int needed = outSize + JournalFormat.FRAME_HEADER + Math.max(maxStored, rawLength);
            if (needed > out.length) {
                out = java.util.Arrays.copyOf(out, Math.max(out.length * 2, needed));
            }
            final int header = outSize;
            final int body = header + JournalFormat.FRAME_HEADER;
            int stored = lz4.compress(raw, 0, rawLength, out, body, maxStored);
            byte codec = JournalFormat.CODEC_LZ4;
            if (stored >= rawLength) { // LZ4 does not help: store the body as it is
                System.arraycopy(raw, 0, out, body, rawLength);
                stored = rawLength;
                codec = JournalFormat.CODEC_RAW;
            }
            final ByteBuffer h = ByteBuffer.wrap(out);
            h.putInt(header, stored);
            h.putLong(header + 8, firstSeq);
            h.putInt(header + 16, count);
            h.putLong(header + 20, baseTime);
            h.put(header + 28, codec);
            h.putInt(header + 29, rawLength);
            h.putInt(header + 4, JournalFormat.frameCrc(crc, out, header, stored));
            outSize = body + stored;
        }
    }

    /**
     * Reads frames whose checksum has been checked: {@link #open} checks the header's fields and decompresses the
     * body, {@link #next} walks its records. Every fault names the file, the frame's offset, and the limit it broke.
     */
    static final class Decoder {
        private final LZ4SafeDecompressor lz4 = LZ4.safeDecompressor();
        private byte[] raw;
        private Path file;
        private long offset;
        private long firstSeq;
        private byte[] body;
        private int at;
        private int end;
        private int remaining;
        private long seq;
        private long time;
        private int payloadOffset;
        private int payloadLength;

        /** The record count of the frame at {@code pos}, after checking the header's fields (not the body). */
        static int checkHeader(final Path file, final long offset, final byte[] bytes, final int pos)
                throws CorruptJournalException {
            final ByteBuffer in = ByteBuffer.wrap(bytes);
            final int stored = in.getInt(pos);
            final int count = in.getInt(pos + 16);
            final byte codec = in.get(pos + 28);
            final int rawLength = in.getInt(pos + 29);
            final String frame = "the frame of sequence " + in.getLong(pos + 8);
            if (rawLength < 1 || rawLength > JournalFormat.MAX_FRAME_BODY) {
                throw new CorruptJournalException(file, offset, frame + " has a valid checksum but a raw length of "
                        + rawLength + " bytes (the limit is " + JournalFormat.MAX_FRAME_BODY + ")");
            }
            if (count < 1 || count > rawLength / 2) {
                throw new CorruptJournalException(file, offset, frame + " has a valid checksum but a count of "
                        + count + " records (at least 1, at most " + rawLength / 2 + " in " + rawLength
                        + " raw bytes)");
            }
            if (codec == JournalFormat.CODEC_RAW) {
                if (stored != rawLength) {
                    throw new CorruptJournalException(file, offset, frame + " is stored raw in " + stored
                            + " bytes but its header says its raw length is " + rawLength);
                }
            } else if (codec != JournalFormat.CODEC_LZ4) {
                throw new CorruptJournalException(file, offset, frame + " has a valid checksum but an unknown codec "
                        + codec + " (0 raw, 1 LZ4)");
            }
            return count;
        }

        /**
         * Checks the header of the frame at {@code bytes[pos]} (file offset {@code offset}) and makes its records
         * readable with {@link #next}.
         */
        void open(final Path file, final long offset, final byte[] bytes, final int pos)
                throws CorruptJournalException {
            final int count = checkHeader(file, offset, bytes, pos);
            final ByteBuffer in = ByteBuffer.wrap(bytes);
            final int stored = in.getInt(pos);
            final int rawLength = in.getInt(pos + 29);
            this.file = file;
            this.offset = offset;
            this.firstSeq = in.getLong(pos + 8);
            this.seq = firstSeq - 1;
            this.time = in.getLong(pos + 20);
            this.remaining = count;
            final int stored0 = pos + JournalFormat.FRAME_HEADER;
            if (in.get(pos + 28) == JournalFormat.CODEC_RAW) {
                body = bytes;
                at = stored0;
                end = stored0 + rawLength;
                return;
            }
            if (raw == null) {
                raw = new byte[JournalFormat.MAX_FRAME_BODY];
            }
            final int decompressed;
            try {
                decompressed = lz4.decompress(bytes, stored0, stored, raw, 0, raw.length);
            } catch (final LZ4Exception e) {
                throw new CorruptJournalException(file, offset, "the frame of sequence " + firstSeq + " has a valid "
                        + "checksum but its " + stored + "-byte body is not an LZ4 block of at most "
                        + JournalFormat.MAX_FRAME_BODY + " bytes (" + e.getMessage() + ")");
            }
            if (decompressed != rawLength) {
                throw new CorruptJournalException(file, offset, "the frame of sequence " + firstSeq + " has a valid "
                        + "checksum but its LZ4 body decompresses to " + decompressed + " bytes where its header says "
                        + rawLength);
            }
            body = raw;
            at = 0;
            end = rawLength;
        }

        /** Whether another record follows; when the frame's records are done, checks that they filled its body. */
        boolean next() throws CorruptJournalException {
            if (remaining == 0) {
                if (at != end) {
                    throw fault("its " + (seq - firstSeq + 1) + " records end " + (end - at) + " bytes before its "
                            + "body does");
                }
                return false;
            }
            remaining--;
            seq++;
            final long length = varint(5);
            if (length > JournalFormat.MAX_PAYLOAD) {
                throw fault("record " + seq + " has a payload of " + length + " bytes (the limit is "
                        + JournalFormat.MAX_PAYLOAD + ")");
            }
            final long delta = varint(10);
            time += (delta >>> 1) ^ -(delta & 1);
            if (length > end - at) {
                throw fault("record " + seq + " has a payload of " + length + " bytes but only " + (end - at)
                        + " are left in the body");
            }
            payloadOffset = at;
            payloadLength = (int) length;
            at += payloadLength;
            return true;
        }

        long seq() {
            return seq;
        }

        long timeMicros() {
            return time;
        }

        /** The current record's source and command, handed to {@code visitor}. */
        void visit(final JournalScanner.SourcedRecordVisitor visitor) throws IOException {
            JournalScanner.visit(file, offset, 3, seq, time, body, payloadOffset, payloadLength, visitor);
        }

        private long varint(final int maxBytes) throws CorruptJournalException {
            long value = 0;
            for (int i = 0; i < maxBytes; i++) {
                if (at >= end) {
                    throw fault("record " + seq + " runs past the end of the body");
                }
                final int b = body[at++];
                value |= (long) (b & 0x7F) << (7 * i);
                if (b >= 0) {
                    return value;
                }
            }
            throw fault("record " + seq + " has a varint longer than " + maxBytes + " bytes");
        }

        private CorruptJournalException fault(final String problem) {
            return new CorruptJournalException(file, offset, "the frame of sequence " + firstSeq + " has a valid "
                    + "checksum but " + problem);
        }
    }

    /** The visitor of the commands of a frame's records after {@code afterSeq}. */
    static void records(final Decoder decoder, final long afterSeq, final JournalScanner.SourcedRecordVisitor visitor)
            throws IOException {
        while (decoder.next()) {
            if (decoder.seq() > afterSeq) {
                decoder.visit(visitor);
            }
        }
    }

    static long zigzag(final long value) {
        return (value << 1) ^ (value >> 63);
    }

    static int varintLength(final long value) {
        return value == 0 ? 1 : (63 - Long.numberOfLeadingZeros(value)) / 7 + 1;
    }

    static int putVarint(final byte[] bytes, final int at, final long value) {
        int pos = at;
        long v = value;
        while ((v & ~0x7FL) != 0) {
            bytes[pos++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        bytes[pos++] = (byte) v;
        return pos;
    }
}
