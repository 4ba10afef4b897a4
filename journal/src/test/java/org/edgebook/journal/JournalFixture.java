package org.edgebook.journal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.edgebook.codec.Replay;

/** Command flows as JSON lines, and ways to run them with and without a journal. */
public final class JournalFixture {
    private JournalFixture() {
    }

    /** A seeded flow over one market and a few accounts: trades, cancels, modifies, queries, some bad lines. */
    public static List<String> flow(final long seed, final int commands) {
        final SplittableRandom random = new SplittableRandom(seed);
        final List<String> lines = new ArrayList<>();
        lines.add("{\"type\":\"asset\",\"asset\":\"USD\",\"scale\":2}");
        lines.add("{\"type\":\"asset\",\"asset\":\"BTC\",\"scale\":4}");
        lines.add("{\"type\":\"instrument\",\"symbol\":\"BTC-USD\",\"base\":\"BTC\",\"quote\":\"USD\","
                + "\"tickSize\":\"0.5\",\"lotSize\":\"0.1\"}");
        for (int a = 0; a < 5; a++) {
            lines.add("{\"type\":\"deposit\",\"account\":\"a" + a + "\",\"asset\":\"USD\",\"amount\":\"100000\"}");
            lines.add("{\"type\":\"deposit\",\"account\":\"a" + a + "\",\"asset\":\"BTC\",\"amount\":\"1000\"}");
        }
        int order = 0;
        while (lines.size() < commands) {
            final int roll = random.nextInt(100);
            final String account = "a" + random.nextInt(5);
            if (roll < 55) {
                final boolean buy = random.nextBoolean();
                final int ticks = 200 + (buy ? -random.nextInt(8) : random.nextInt(8)) + (random.nextInt(10) < 2
                        ? (buy ? 3 : -3) : 0);
                lines.add("{\"type\":\"place\",\"account\":\"" + account + "\",\"clientOrderId\":\"o" + order++
                        + "\",\"symbol\":\"BTC-USD\",\"side\":\"" + (buy ? "BUY" : "SELL") + "\",\"price\":\""
                        + ticks / 2 + (ticks % 2 == 0 ? "" : ".5") + "\",\"quantity\":\"" + (1 + random.nextInt(30))
                                / 10.0 + "\"}");
            } else if (roll < 80) {
                lines.add("{\"type\":\"cancel\",\"account\":\"" + account + "\",\"clientOrderId\":\"o"
                        + random.nextInt(Math.max(1, order)) + "\"}");
            } else if (roll < 88) {
                lines.add("{\"type\":\"modify\",\"account\":\"" + account + "\",\"clientOrderId\":\"o"
                        + random.nextInt(Math.max(1, order)) + "\",\"quantity\":\"0.1\"}");
            } else if (roll < 94) {
                lines.add("{\"type\":\"balances\",\"account\":\"" + account + "\"}");
            } else if (roll < 97) {
                lines.add("{\"type\":\"book\",\"symbol\":\"BTC-USD\"}");
            } else {
                lines.add("{\"type\":\"place\",\"account\":\"" + account + "\",\"side\":\"UP\"}");
            }
        }
        return lines;
    }

    /**
     * {@link #flow}, with about a fifth of its commands (after the setup) numbered by one of three sources: mostly in
     * order, some repeats of an earlier number, some gaps ahead of the mark.
     */
    public static List<String> sourcedFlow(final long seed, final int commands) {
        final List<String> plain = flow(seed, commands);
        final SplittableRandom random = new SplittableRandom(seed ^ 0x5eed);
        final List<String> lines = new ArrayList<>(plain.subList(0, 13));
        final long[] marks = new long[3];
        for (final String line : plain.subList(13, plain.size())) {
            if (random.nextInt(5) != 0) {
                lines.add(line);
                continue;
            }
            final int source = random.nextInt(marks.length);
            final int roll = random.nextInt(10);
            final long seq = roll < 7 || marks[source] == 0 ? ++marks[source]
                    : roll < 9 ? 1 + random.nextLong(marks[source]) : marks[source] + 2;
            lines.add(line.substring(0, line.length() - 1) + ",\"source\":\"edge-" + source + "\",\"sourceSeq\":"
                    + seq + "}");
        }
        return lines;
    }

    public static byte[] bytes(final List<String> lines) {
        return (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** Events of a plain in-memory replay. */
    public static String plain(final List<String> lines) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        Replay.run(new ByteArrayInputStream(bytes(lines)), out);
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Events of a journaled replay into {@code dir}; warnings are collected. */
    public static String journaled(final List<String> lines, final JournalOptions options, final List<String> warnings)
            throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        DurableReplay.run(new ByteArrayInputStream(bytes(lines)), out, options, warnings::add);
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Event lines without their {@code cmd} field, which numbers lines of one input. */
    public static String withoutCmd(final String events) {
        return events.replaceAll("\"cmd\":\\d+,", "");
    }

    /** Every file in a directory with its bytes, to show a test left it as it was. */
    public static Map<String, byte[]> contents(final Path dir) throws IOException {
        final Map<String, byte[]> files = new HashMap<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (final Path file : list.toList()) {
                files.put(file.getFileName().toString(), Files.readAllBytes(file));
            }
        }
        return files;
    }

    /**
     * Journals {@code lines} with the real {@link JournalWriter} into one new segment of {@code dir} (starting at
     * {@code firstSeq}), {@code batch} records to a write, so that the segment holds many frames; times start at
     * {@code timeMicros} and grow by 1,000 each. Answers the next sequence number.
     */
    public static long framed(final Path dir, final List<String> lines, final long firstSeq, final int batch,
                              final long timeMicros) throws IOException {
        final org.edgebook.codec.CommandDecoder decoder = new org.edgebook.codec.CommandDecoder();
        final java.nio.ByteBuffer records = java.nio.ByteBuffer.allocate(1 << 20);
        long seq = firstSeq;
        try (JournalWriter writer = new JournalWriter(dir, firstSeq, 64L << 20, () -> timeMicros)) {
            long batchFirst = seq;
            for (final String line : lines) {
                final byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
                JournalWriter.encode(seq, timeMicros + (seq - firstSeq) * 1_000, "test", decoder.decode(bytes, 0,
                        bytes.length), records);
                seq++;
                if ((seq - firstSeq) % batch == 0) {
                    records.flip();
                    writer.write(records, batchFirst);
                    records.clear();
                    batchFirst = seq;
                }
            }
            if (records.position() > 0) {
                records.flip();
                writer.write(records, batchFirst);
            }
        }
        return seq;
    }

    /** The byte offsets of the frames of a format 3 segment. */
    public static List<Long> frameOffsets(final Path segment) throws IOException {
        final java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(Files.readAllBytes(segment));
        final List<Long> offsets = new ArrayList<>();
        int pos = JournalFormat.HEADER_LENGTH;
        while (pos < bytes.limit()) {
            offsets.add((long) pos);
            pos += JournalFormat.FRAME_HEADER + bytes.getInt(pos);
        }
        return offsets;
    }

    /** The end of the frame at {@code offset} of a format 3 segment. */
    public static long frameEnd(final Path segment, final long offset) throws IOException {
        return offset + JournalFormat.FRAME_HEADER + java.nio.ByteBuffer.wrap(Files.readAllBytes(segment)).getInt(
                (int) offset);
    }

    /**
     * Writes a segment of format 2 ({@link JournalFormat}'s layout: records of a 24-byte header with a CRC32C each),
     * which edgebook wrote before format 3. {@code records} are in memory's form; answers the segment's file.
     */
    public static Path writeV2Segment(final Path dir, final long firstSeq, final java.nio.ByteBuffer records)
            throws IOException {
        final java.nio.ByteBuffer file = java.nio.ByteBuffer.allocate(JournalFormat.HEADER_LENGTH + records
                .remaining() * 2);
        file.put(JournalFormat.header(2, firstSeq, 0));
        final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        for (int pos = records.position(); pos < records.limit();) {
            final int length = records.getInt(pos);
            final long seq = records.getLong(pos + 4);
            final long time = records.getLong(pos + 12);
            final int start = file.position();
            file.putInt(length).putInt(0).putLong(seq).putLong(time);
            file.put(records.slice(pos + JournalFormat.BATCH_RECORD_HEADER, length));
            file.putInt(start + 4, JournalFormat.recordCrc(crc, seq, time, file.array(), start
                    + JournalFormat.RECORD_HEADER, length));
            pos += JournalFormat.BATCH_RECORD_HEADER + length;
        }
        Files.createDirectories(dir);
        final Path segment = JournalFormat.segmentPath(dir, firstSeq);
        Files.write(segment, java.util.Arrays.copyOf(file.array(), file.position()));
        return segment;
    }
}
