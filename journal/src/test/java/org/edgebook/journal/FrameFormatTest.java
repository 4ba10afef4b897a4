package org.edgebook.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.edgebook.engine.EventSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Format 3's frames on real files: torn and damaged last frames byte by byte, the checks behind a valid checksum, and
 * the split of a batch over several frames.
 */
class FrameFormatTest {
    private static final long T0 = 1_800_000_000_000_000L;
    /** 520 commands: three frames of 150 records, then a last one of 70 (a little over a sector). */
    private final List<String> flow = JournalFixture.flow(23, 520);

    private static Recovery.Recovered recover(final Path dir, final List<String> warnings) throws IOException {
        try (Recovery.Recovered recovered = Recovery.recover(dir, new EventSinkSwitch(EventSink.DISCARD),
                warnings::add)) {
            return recovered;
        }
    }

    private static JournalScanner.Result scan(final Path dir) throws IOException {
        return JournalScanner.scan(dir, 0, false, (s, t, c) -> {});
    }

    /** A fresh directory holding {@code bytes} as its one segment. */
    private static Path withSegment(final Path parent, final String name, final Path segment, final byte[] bytes)
            throws IOException {
        final Path dir = Files.createDirectories(parent.resolve(name));
        Files.write(dir.resolve(segment.getFileName()), bytes);
        return dir;
    }

    private static void rechecksum(final byte[] bytes, final int frame) {
        final int stored = ByteBuffer.wrap(bytes).getInt(frame);
        ByteBuffer.wrap(bytes).putInt(frame + 4, JournalFormat.frameCrc(new CRC32C(), bytes, frame, stored));
    }

    @Test
    void aLastFrameCutAtAnyByteRecoversToTheFrameBefore(@TempDir final Path tmp) throws IOException {
        final Path dir = tmp.resolve("whole");
        JournalFixture.framed(dir, flow, 1, 150, T0); // four frames of 150 records
        final Path segment = JournalScanner.segments(dir).getFirst();
        final byte[] whole = Files.readAllBytes(segment);
        final long last = JournalFixture.frameOffsets(segment).getLast();
        assertThat(whole.length - last).as("the last frame's size").isGreaterThan(JournalScanner.SECTOR);
        for (int cut = (int) last + 1; cut < whole.length; cut++) {
            final Path copy = withSegment(tmp, "cut-" + cut, segment, java.util.Arrays.copyOf(whole, cut));
            final JournalScanner.Result result = scan(copy);
            assertThat(result.tornTail()).as("cut at " + cut).isEqualTo(new JournalScanner.TornTail(copy.resolve(
                    segment.getFileName()), last, cut - last));
            if (cut % 8 != 0) {
                continue; // recovery truncates what the scanner calls torn: at one cut in eight, do it for real
            }
            final List<String> warnings = new ArrayList<>();
            assertThat(recover(copy, warnings).lastSeq()).as("cut at " + cut).isEqualTo(450);
            assertThat(Files.size(copy.resolve(segment.getFileName()))).as("cut at " + cut).isEqualTo(last);
            assertThat(warnings).as("cut at " + cut).singleElement().asString().contains("offset " + last, "torn");
            assertThat(scan(copy).lastSeq()).isEqualTo(450);
        }
    }

    @Test
    void zerosFromASectorBoundaryInsideTheLastFrameAreTornAndFromMidSectorAreCorruption(@TempDir final Path tmp)
            throws IOException {
        final Path dir = tmp.resolve("whole");
        JournalFixture.framed(dir, flow, 1, 150, T0);
        final Path segment = JournalScanner.segments(dir).getFirst();
        final byte[] whole = Files.readAllBytes(segment);
        final int last = JournalFixture.frameOffsets(segment).getLast().intValue();
        final int lastBoundary = (whole.length - 1) / JournalScanner.SECTOR * JournalScanner.SECTOR;
        assertThat(lastBoundary).isGreaterThan(last);
        int torn = 0;
        int corrupt = 0;
        for (int from = last + JournalFormat.FRAME_HEADER; from < whole.length; from++) {
            final byte[] bytes = whole.clone();
            java.util.Arrays.fill(bytes, from, bytes.length, (byte) 0);
            final Path copy = withSegment(tmp, "zero-" + from, segment, bytes);
            if (java.util.Arrays.equals(bytes, whole)) {
                assertThat(scan(copy).lastSeq()).isEqualTo(520); // zeros where there were zeros: nothing changed
            } else if (from <= lastBoundary) {
                final JournalScanner.Result result = scan(copy);
                assertThat(result.tornTail()).as("zeros from " + from).isNotNull();
                assertThat(result.tornTail().offset()).isEqualTo(last);
                assertThat(result.lastSeq()).isEqualTo(450);
                torn++;
            } else {
                assertThatThrownBy(() -> scan(copy)).as("zeros from " + from).isInstanceOf(
                        CorruptJournalException.class).hasMessageContaining("checksum mismatch in the last frame")
                        .hasMessageContaining("offset " + last);
                corrupt++;
            }
        }
        assertThat(torn).isPositive();
        assertThat(corrupt).isPositive();
    }

    @Test
    void aFlippedBitAnywhereInAWholeLastFrameIsCorruption(@TempDir final Path tmp) throws IOException {
        final Path dir = tmp.resolve("whole");
        JournalFixture.framed(dir, flow, 1, 150, T0);
        final Path segment = JournalScanner.segments(dir).getFirst();
        final byte[] whole = Files.readAllBytes(segment);
        final int last = JournalFixture.frameOffsets(segment).getLast().intValue();
        // From the checksum on; the length field itself below.
        for (int at = last + 4; at < whole.length; at++) {
            final byte[] bytes = whole.clone();
            bytes[at] ^= (byte) (1 << (at % 8));
            final Path copy = withSegment(tmp, "flip-" + at, segment, bytes);
            assertThatThrownBy(() -> scan(copy)).as("bit flipped at " + at).isInstanceOf(
                    CorruptJournalException.class).hasMessageContaining("offset " + last).hasMessageContaining(
                            "checksum mismatch in the last frame").hasMessageContaining("truncating the file to "
                                    + last + " bytes");
            if (at % 16 == 0) { // recovery refuses it too, and changes nothing
                assertThatThrownBy(() -> recover(copy, new ArrayList<>())).isInstanceOf(
                        CorruptJournalException.class).hasMessageContaining("offset " + last);
                assertThat(Files.readAllBytes(copy.resolve(segment.getFileName()))).isEqualTo(bytes);
            }
        }
    }

    @Test
    void aFlippedBitInTheLastFramesLengthIsCorruptionNotATornWrite(@TempDir final Path tmp) throws IOException {
        final Path dir = tmp.resolve("length");
        JournalFixture.framed(dir, flow, 1, 150, T0);
        final Path segment = JournalScanner.segments(dir).getFirst();
        final byte[] whole = Files.readAllBytes(segment);
        final int last = JournalFixture.frameOffsets(segment).getLast().intValue();
        for (int bit = 0; bit < 32; bit++) {
            final byte[] bytes = whole.clone();
            bytes[last + 3 - bit / 8] ^= (byte) (1 << (bit % 8));
            final Path copy = withSegment(tmp, "length-" + bit, segment, bytes);
            assertThatThrownBy(() -> scan(copy)).as("length bit " + bit).isInstanceOf(
                    CorruptJournalException.class).hasMessageContaining("offset " + last);
        }
    }

    @Test
    void anLz4BodyThatDecompressesToAnotherLengthIsCorruption(@TempDir final Path tmp) throws IOException {
        final Path dir = tmp.resolve("whole");
        JournalFixture.framed(dir, flow, 1, 150, T0);
        final Path segment = JournalScanner.segments(dir).getFirst();
        final byte[] whole = Files.readAllBytes(segment);
        final int frame = JournalFixture.frameOffsets(segment).get(1).intValue();
        assertThat(whole[frame + 28]).as("codec").isEqualTo(JournalFormat.CODEC_LZ4);
        final int rawLength = ByteBuffer.wrap(whole).getInt(frame + 29);
        for (final int claimed : new int[] {rawLength - 1, rawLength + 1, rawLength * 2}) {
            final byte[] bytes = whole.clone();
            ByteBuffer.wrap(bytes).putInt(frame + 29, claimed);
            rechecksum(bytes, frame); // the checksum holds: only the body's length disagrees
            final Path copy = withSegment(tmp, "raw-" + claimed, segment, bytes);
            assertThatThrownBy(() -> recover(copy, new ArrayList<>())).isInstanceOf(CorruptJournalException.class)
                    .hasMessageContaining(copy.resolve(segment.getFileName()) + " at offset " + frame)
                    .hasMessageContaining("the frame of sequence 151 has a valid checksum but its LZ4 body "
                            + "decompresses to " + rawLength + " bytes where its header says " + claimed);
        }
    }

    @Test
    void fieldsBehindAValidChecksumAreCheckedAgainstTheirLimits(@TempDir final Path tmp) throws IOException {
        final Path dir = tmp.resolve("whole");
        JournalFixture.framed(dir, flow, 1, 150, T0);
        final Path segment = JournalScanner.segments(dir).getFirst();
        final byte[] whole = Files.readAllBytes(segment);
        final int frame = JournalFixture.frameOffsets(segment).get(1).intValue();
        record Damage(int at, int value, String message) {
        }
        for (final Damage d : List.of(new Damage(16, 0, "a count of 0 records (at least 1"),
                new Damage(29, JournalFormat.MAX_FRAME_BODY + 1, "a raw length of " + (JournalFormat.MAX_FRAME_BODY
                        + 1) + " bytes (the limit is " + JournalFormat.MAX_FRAME_BODY + ")"),
                new Damage(12, 149, "sequence gap: expected 151, found 149"),
                new Damage(16, 149, "its 149 records end"))) {
            final byte[] bytes = whole.clone();
            ByteBuffer.wrap(bytes).putInt(frame + d.at(), d.value());
            rechecksum(bytes, frame);
            final Path copy = withSegment(tmp, "field-" + d.at() + "-" + d.value(), segment, bytes);
            assertThatThrownBy(() -> scan(copy)).isInstanceOf(CorruptJournalException.class).hasMessageContaining(
                    "at offset " + frame).hasMessageContaining(d.message());
        }
        // A codec this build does not know.
        final byte[] bytes = whole.clone();
        bytes[frame + 28] = 7;
        rechecksum(bytes, frame);
        final Path copy = withSegment(tmp, "codec", segment, bytes);
        assertThatThrownBy(() -> scan(copy)).hasMessageContaining("unknown codec 7");
    }

    @Test
    void aPayloadOverTheLimitIsCorruptionThatNamesTheLimit(@TempDir final Path tmp) throws IOException {
        // A frame stored raw whose one record claims a payload of MAX_PAYLOAD + 1 bytes.
        final byte[] body = new byte[16];
        int at = Frames.putVarint(body, 0, JournalFormat.MAX_PAYLOAD + 1);
        at = Frames.putVarint(body, at, 0);
        final ByteBuffer frame = ByteBuffer.allocate(JournalFormat.FRAME_HEADER + body.length);
        frame.putInt(body.length).putInt(0).putLong(1).putInt(1).putLong(T0).put(JournalFormat.CODEC_RAW).putInt(
                body.length).put(body);
        rechecksum(frame.array(), 0);
        final Path dir = Files.createDirectories(tmp.resolve("big"));
        final ByteBuffer file = ByteBuffer.allocate(JournalFormat.HEADER_LENGTH + frame.capacity());
        file.put(JournalFormat.header(1, T0)).put(frame.array());
        final Path segment = JournalFormat.segmentPath(dir, 1);
        Files.write(segment, file.array());
        assertThatThrownBy(() -> scan(dir)).isInstanceOf(CorruptJournalException.class).hasMessageContaining(segment
                + " at offset 64").hasMessageContaining("record 1 has a payload of " + (JournalFormat.MAX_PAYLOAD + 1)
                        + " bytes (the limit is " + JournalFormat.MAX_PAYLOAD + ")");
    }

    @Test
    void aBatchLargerThanTheFrameTargetIsSplitOverFrames(@TempDir final Path dir) throws IOException {
        final org.edgebook.codec.CommandDecoder decoder = new org.edgebook.codec.CommandDecoder();
        final ByteBuffer records = ByteBuffer.allocate(1 << 20);
        final List<org.edgebook.engine.Command> written = new ArrayList<>();
        long seq = 1;
        for (final String line : flow) {
            final byte[] bytes = line.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            written.add(JournalWriter.encode(seq, T0 + seq, "split", decoder.decode(bytes, 0, bytes.length),
                    records));
            seq++;
        }
        records.flip();
        final int target = 2_000;
        try (JournalWriter writer = new JournalWriter(dir, 1, 64L << 20, () -> T0, target)) {
            writer.write(records, 1); // one batch of 520 records
        }
        final Path segment = JournalScanner.segments(dir).getFirst();
        final byte[] bytes = Files.readAllBytes(segment);
        final List<Long> frames = JournalFixture.frameOffsets(segment);
        assertThat(frames).hasSizeGreaterThan(5);
        long expectedFirst = 1;
        for (final long frame : frames) {
            final ByteBuffer in = ByteBuffer.wrap(bytes);
            assertThat(in.getInt((int) frame + 29)).as("raw length").isLessThanOrEqualTo(target);
            assertThat(in.getLong((int) frame + 8)).isEqualTo(expectedFirst);
            assertThat(in.getLong((int) frame + 20)).as("base time").isEqualTo(T0 + expectedFirst);
            expectedFirst += in.getInt((int) frame + 16);
        }
        assertThat(expectedFirst).isEqualTo(flow.size() + 1);
        final List<org.edgebook.engine.Command> read = new ArrayList<>();
        final List<Long> times = new ArrayList<>();
        JournalScanner.scanSourced(dir, 0, Long.MAX_VALUE, false, (s, t, source, command) -> {
            assertThat(source).isEqualTo("split");
            read.add(command);
            times.add(t - T0 - s);
        });
        assertThat(read).isEqualTo(written);
        assertThat(times).containsOnly(0L);
    }
}
