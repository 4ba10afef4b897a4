package org.edgebook.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.edgebook.engine.EventSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each kind of damage gets its documented answer. Tests that expect a refusal also check that recovery left every
 * file exactly as it found it; tests that expect a repair check the warning names the file and offset.
 */
class CorruptionTest {
    private static final int COMMANDS = 2_000;

    private final List<String> warnings = new ArrayList<>();
    private final List<String> flow = JournalFixture.flow(11, COMMANDS);

    /** Journals the flow in five runs (five starts, so at least five segments). */
    private void journal(final Path dir, final long segmentBytes, final long snapshotEvery) throws IOException {
        for (int from = 0; from < COMMANDS; from += COMMANDS / 5) {
            JournalFixture.journaled(flow.subList(from, from + COMMANDS / 5),
                    new JournalOptions(dir, segmentBytes, snapshotEvery, 2), warnings);
        }
        assertThat(warnings).isEmpty();
    }

    /** Recovers and releases the directory at once: the tests look at the result, then write or recover again. */
    private Recovery.Recovered recover(final Path dir) throws IOException {
        try (Recovery.Recovered recovered = Recovery.recover(dir, new EventSinkSwitch(EventSink.DISCARD),
                warnings::add)) {
            return recovered;
        }
    }

    /**
     * Journals the flow into one segment with the real writer, in batches of 5 records: one frame each, so the
     * segment holds 400 frames.
     */
    private void framed(final Path dir) throws IOException {
        JournalFixture.framed(dir, flow, 1, 5, 1_800_000_000_000_000L);
        assertThat(recover(dir).lastSeq()).isEqualTo(COMMANDS); // sound, and the directory has its lock file
    }

    private static List<Long> frameOffsets(final Path segment) throws IOException {
        return JournalFixture.frameOffsets(segment);
    }

    private static long frameEnd(final Path segment, final long offset) throws IOException {
        return JournalFixture.frameEnd(segment, offset);
    }

    private static long firstSeqOfFrame(final Path segment, final long offset) throws IOException {
        return ByteBuffer.wrap(Files.readAllBytes(segment)).getLong((int) offset + 8);
    }

    private static void flipByte(final Path file, final long offset) throws IOException {
        final byte[] bytes = Files.readAllBytes(file);
        bytes[(int) offset] ^= 0x5A;
        Files.write(file, bytes);
    }

    private static void flipBit(final Path file, final long offset) throws IOException {
        final byte[] bytes = Files.readAllBytes(file);
        bytes[(int) offset] ^= 0x10;
        Files.write(file, bytes);
    }

    private static void append(final Path file, final byte[] bytes) throws IOException {
        Files.write(file, bytes, StandardOpenOption.APPEND);
    }

    private void assertRefusedAndUnchanged(final Path dir, final String... messageParts) throws IOException {
        final Map<String, byte[]> before = JournalFixture.contents(dir);
        assertThatThrownBy(() -> recover(dir)).isInstanceOf(CorruptJournalException.class)
                .hasMessageContaining(messageParts[0]).satisfies(e -> {
                    for (final String part : messageParts) {
                        assertThat(e.getMessage()).contains(part);
                    }
                    assertThat(e.getMessage()).contains("Restore this directory");
                });
        final Map<String, byte[]> after = JournalFixture.contents(dir);
        assertThat(after.keySet()).isEqualTo(before.keySet());
        for (final String name : before.keySet()) {
            assertThat(after.get(name)).as(name).isEqualTo(before.get(name));
        }
    }

    @Test
    void aTruncatedTailIsCutBackWithAWarningNamingFileAndOffset(@TempDir final Path dir) throws IOException {
        journal(dir, 64L << 20, 0);
        final Path segment = JournalScanner.segments(dir).getLast();
        final long goodSize = Files.size(segment);
        final byte[] lastFrame = java.util.Arrays.copyOfRange(Files.readAllBytes(segment),
                frameOffsets(segment).getLast().intValue(), (int) goodSize);
        append(segment, java.util.Arrays.copyOf(lastFrame, lastFrame.length / 2)); // a frame cut in half
        final Recovery.Recovered recovered = recover(dir);
        assertThat(recovered.lastSeq()).isEqualTo(COMMANDS);
        assertThat(Files.size(segment)).isEqualTo(goodSize);
        assertThat(warnings).singleElement().asString().contains(segment.toString(), "offset " + goodSize,
                "truncated");
    }

    @Test
    void zerosAfterTheLastRecordAreATornTail(@TempDir final Path dir) throws IOException {
        journal(dir, 64L << 20, 0);
        final Path segment = JournalScanner.segments(dir).getLast();
        final long goodSize = Files.size(segment);
        append(segment, new byte[4096]);
        assertThat(recover(dir).lastSeq()).isEqualTo(COMMANDS);
        assertThat(Files.size(segment)).isEqualTo(goodSize);
        assertThat(warnings).hasSize(1);
    }

    @Test
    void aLastFrameWhoseEndNeverReachedTheDiskIsTorn(@TempDir final Path dir) throws IOException {
        framed(dir);
        final Path segment = JournalScanner.segments(dir).getLast();
        final List<Long> offsets = frameOffsets(segment);
        // The crash came while writing a frame that crosses a sector boundary: the sector with its start reached
        // the disk, the next did not and reads as zeros. Its length is whole, its checksum fails.
        int victim = offsets.size() - 1;
        while (offsets.get(victim) / JournalScanner.SECTOR == (frameEnd(segment, offsets.get(victim)) - 1)
                / JournalScanner.SECTOR) {
            victim--;
        }
        final long start = offsets.get(victim);
        final long end = frameEnd(segment, start);
        final long boundary = (end - 1) / JournalScanner.SECTOR * JournalScanner.SECTOR;
        final long seqOfVictim = firstSeqOfFrame(segment, start);
        final byte[] bytes = java.util.Arrays.copyOf(Files.readAllBytes(segment), (int) end);
        java.util.Arrays.fill(bytes, (int) boundary, (int) end, (byte) 0);
        Files.write(segment, bytes);

        assertThat(recover(dir).lastSeq()).isEqualTo(seqOfVictim - 1);
        assertThat(Files.size(segment)).isEqualTo(start);
        assertThat(warnings).singleElement().asString().contains(segment.toString(), "offset " + start, "torn");
    }

    @Test
    void aFlippedBitInTheLastFrameIsCorruptionNotATornWrite(@TempDir final Path dir) throws IOException {
        journal(dir, 64L << 20, 0);
        final Path segment = JournalScanner.segments(dir).getLast();
        final long last = frameOffsets(segment).getLast();
        flipBit(segment, last + JournalFormat.FRAME_HEADER + 3); // every byte is there; one of them is wrong
        assertRefusedAndUnchanged(dir, segment.toString(), "offset " + last, "checksum mismatch in the last frame",
                "truncating the file to " + last + " bytes");
    }

    @Test
    void aChangedLastFrameFollowedByZerosIsCorruption(@TempDir final Path dir) throws IOException {
        journal(dir, 64L << 20, 0);
        final Path segment = JournalScanner.segments(dir).getLast();
        final long last = frameOffsets(segment).getLast();
        flipBit(segment, Files.size(segment) - 1);
        append(segment, new byte[4096]); // zeros the file system may add do not make a changed frame torn
        assertRefusedAndUnchanged(dir, segment.toString(), "offset " + last, "checksum mismatch");
    }

    @Test
    void aFlippedByteInTheMiddleRefusesToStart(@TempDir final Path dir) throws IOException {
        framed(dir);
        final Path segment = JournalScanner.segments(dir).getLast();
        final long victim = frameOffsets(segment).get(200);
        flipByte(segment, victim + JournalFormat.FRAME_HEADER + 2);
        assertRefusedAndUnchanged(dir, segment.toString(), "offset " + victim, "checksum mismatch");
    }

    @Test
    void aDamagedLengthInTheMiddleIsNotMistakenForATornTail(@TempDir final Path dir) throws IOException {
        framed(dir);
        final Path segment = JournalScanner.segments(dir).getLast();
        final long victim = frameOffsets(segment).get(300);
        final byte[] bytes = Files.readAllBytes(segment);
        ByteBuffer.wrap(bytes).putInt((int) victim, 900_000); // claims to run past the end of the file
        Files.write(segment, bytes);
        assertRefusedAndUnchanged(dir, segment.toString(), "offset " + victim, "impossible stored length 900000",
                String.valueOf(JournalFormat.MAX_FRAME_BODY));
    }

    @Test
    void aMissingSegmentRefusesToStart(@TempDir final Path dir) throws IOException {
        journal(dir, 16 << 10, 0);
        final List<Path> segments = JournalScanner.segments(dir);
        assertThat(segments).hasSizeGreaterThanOrEqualTo(3);
        Files.delete(segments.get(1));
        assertRefusedAndUnchanged(dir, "a segment is missing", segments.get(2).toString());
    }

    @Test
    void aMissingFirstSegmentWithoutASnapshotRefusesToStart(@TempDir final Path dir) throws IOException {
        journal(dir, 16 << 10, 0);
        Files.delete(JournalScanner.segments(dir).getFirst());
        assertRefusedAndUnchanged(dir, "commands between are missing");
    }

    @Test
    void aDamagedNewestSnapshotFallsBackToTheOneBefore(@TempDir final Path dir) throws IOException {
        journal(dir, 16 << 10, 600);
        final List<Path> snapshots = new SnapshotStore(dir).list();
        assertThat(snapshots).extracting(SnapshotStore::seqOf).containsExactly(1_800L, 1_200L);
        flipByte(snapshots.getFirst(), 100);
        final Recovery.Recovered recovered = recover(dir);
        assertThat(recovered.snapshotSeq()).isEqualTo(1_200);
        assertThat(recovered.lastSeq()).isEqualTo(COMMANDS);
        assertThat(warnings).singleElement().asString().contains(snapshots.getFirst().toString(), "damaged",
                "falling back");
        // And the state is right: carrying on gives the same events as a straight run.
        final List<String> more = JournalFixture.flow(11, COMMANDS + 300).subList(COMMANDS, COMMANDS + 300);
        final String events = JournalFixture.journaled(more, JournalOptions.defaults(dir), new ArrayList<>());
        final String straight = JournalFixture.plain(JournalFixture.flow(11, COMMANDS + 300));
        assertThat(JournalFixture.withoutCmd(straight)).endsWith(JournalFixture.withoutCmd(events));
    }

    @Test
    void anEmptyLastSegmentIsRemovedAndAnEmptyMiddleOneRefused(@TempDir final Path dir) throws IOException {
        journal(dir, 64L << 20, 0);
        final Path empty = JournalFormat.segmentPath(dir, COMMANDS + 1);
        Files.createFile(empty);
        assertThat(recover(dir).lastSeq()).isEqualTo(COMMANDS);
        assertThat(empty).doesNotExist();
        assertThat(warnings).singleElement().asString().contains(empty.toString());

        Files.createFile(JournalFormat.segmentPath(dir, COMMANDS + 1));
        Files.copy(JournalScanner.segments(dir).getFirst(), JournalFormat.segmentPath(dir, COMMANDS + 2));
        assertRefusedAndUnchanged(dir, "shorter than its");
    }

    @Test
    void aSegmentFromANewerFormatRefusesToStart(@TempDir final Path dir) throws IOException {
        journal(dir, 64L << 20, 0);
        final Path segment = JournalScanner.segments(dir).getFirst();
        final byte[] bytes = Files.readAllBytes(segment);
        ByteBuffer.wrap(bytes).putInt(8, JournalFormat.VERSION + 1);
        Files.write(segment, bytes);
        assertRefusedAndUnchanged(dir, "newer edgebook", "version " + (JournalFormat.VERSION + 1));
    }

    @Test
    void aSnapshotFromANewerFormatIsNotReadAndTheOneBeforeIsUsed(@TempDir final Path dir) throws IOException {
        journal(dir, 16 << 10, 600);
        final Path newest = new SnapshotStore(dir).list().getFirst();
        final byte[] bytes = Files.readAllBytes(newest);
        ByteBuffer.wrap(bytes).putInt(8, SnapshotStore.VERSION + 1);
        Files.write(newest, bytes);
        final Recovery.Recovered recovered = recover(dir);
        assertThat(recovered.snapshotSeq()).isEqualTo(1_200);
        assertThat(recovered.lastSeq()).isEqualTo(COMMANDS);
        assertThat(warnings).singleElement().asString().contains(newest.toString(), "newer edgebook");
    }

    @Test
    void anEmptyDirectoryStartsFresh(@TempDir final Path dir) throws IOException {
        final Recovery.Recovered recovered = recover(dir.resolve("new"));
        assertThat(recovered.lastSeq()).isZero();
        assertThat(warnings).isEmpty();
    }
}
