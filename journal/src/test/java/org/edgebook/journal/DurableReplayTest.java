package org.edgebook.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurableReplayTest {

    @Test
    void journaledReplayGivesTheSameEventsByteForByte(@TempDir final Path dir) throws IOException {
        final List<String> flow = JournalFixture.flow(1, 5_000);
        final List<String> warnings = new ArrayList<>();
        final String events = JournalFixture.journaled(flow, JournalOptions.defaults(dir), warnings);
        assertThat(events).isEqualTo(JournalFixture.plain(flow));
        assertThat(warnings).isEmpty();
    }

    @Test
    void aRestartOnTheSameDirectoryCarriesOnWhereItStopped(@TempDir final Path dir) throws IOException {
        final List<String> flow = JournalFixture.flow(2, 6_000);
        final JournalOptions options = new JournalOptions(dir, 64 << 10, 0, 2);
        final List<String> warnings = new ArrayList<>();
        final StringBuilder events = new StringBuilder();
        for (int from = 0; from < flow.size(); from += 1_500) {
            events.append(JournalFixture.journaled(flow.subList(from, Math.min(flow.size(), from + 1_500)), options,
                    warnings));
        }
        assertThat(JournalFixture.withoutCmd(events.toString()))
                .isEqualTo(JournalFixture.withoutCmd(JournalFixture.plain(flow)));
        assertThat(JournalScanner.scan(dir, 0, false, (s, t, c) -> {}).lastSeq()).isEqualTo(6_000);
        assertThat(JournalScanner.segments(dir)).hasSize(4); // each start opens a segment
        assertThat(warnings).isEmpty();
    }

    @Test
    void segmentsRollAtTheSetSizeOnBatchBoundaries(@TempDir final Path dir) throws IOException {
        final List<String> flow = JournalFixture.flow(5, 30_000);
        JournalFixture.journaled(flow, new JournalOptions(dir, 32 << 10, 0, 2), new ArrayList<>());
        final List<Path> segments = JournalScanner.segments(dir);
        assertThat(segments).hasSizeGreaterThanOrEqualTo(5);
        for (final Path segment : segments.subList(0, segments.size() - 1)) {
            assertThat(java.nio.file.Files.size(segment)).isGreaterThanOrEqualTo(32 << 10);
        }
        assertThat(JournalScanner.scan(dir, 0, false, (s, t, c) -> {}).records()).isEqualTo(30_000);
    }

    @Test
    void snapshotsAreTakenAndOldOnesPrunedWithTheSegmentsTheyReplace(@TempDir final Path dir) throws IOException {
        final List<String> flow = JournalFixture.flow(3, 20_000);
        final JournalOptions options = new JournalOptions(dir, 32 << 10, 3_000, 2);
        final List<String> warnings = new ArrayList<>();
        final String first = JournalFixture.journaled(flow.subList(0, 12_000), options, warnings);
        final List<Path> snapshots = new SnapshotStore(dir).list();
        assertThat(snapshots).extracting(SnapshotStore::seqOf).containsExactly(12_000L, 9_000L);
        // Segments wholly before the older kept snapshot are gone; what is left starts at or before 9,001.
        final List<Path> segments = JournalScanner.segments(dir);
        assertThat(JournalFormat.segmentFirstSeq(segments.getFirst())).isBetween(2L, 9_001L);
        // Recovery from the snapshot plus the rest of the journal behaves like a straight run.
        final String second = JournalFixture.journaled(flow.subList(12_000, flow.size()), options, warnings);
        assertThat(JournalFixture.withoutCmd(first + second))
                .isEqualTo(JournalFixture.withoutCmd(JournalFixture.plain(flow)));
        assertThat(warnings).isEmpty();
    }

    @Test
    void theReplicaWritesTheSameSnapshotsAsACopyOfTheEngine(@TempDir final Path dir) throws IOException {
        final List<String> flow = JournalFixture.flow(6, 12_000);
        final Path replica = dir.resolve("replica");
        final Path copy = dir.resolve("copy");
        // Two starts each, so the replica also has to recover before it follows the engine.
        for (final Path d : List.of(replica, copy)) {
            final SnapshotMode mode = d == replica ? SnapshotMode.REPLICA
                    : SnapshotMode.COPY;
            final JournalOptions options = new JournalOptions(d, 64L << 20, 2_000, 10, mode);
            JournalFixture.journaled(flow.subList(0, 5_000), options, new ArrayList<>());
            JournalFixture.journaled(flow.subList(5_000, flow.size()), options, new ArrayList<>());
        }
        final List<Path> replicaSnapshots = new SnapshotStore(replica).list();
        assertThat(replicaSnapshots).extracting(SnapshotStore::seqOf)
                .containsExactly(12_000L, 10_000L, 8_000L, 6_000L, 4_000L, 2_000L);
        for (final Path snapshot : replicaSnapshots) {
            assertThat(snapshot).hasSameBinaryContentAs(copy.resolve(snapshot.getFileName()));
        }
    }

    /**
     * Sources' marks live in the journal and the snapshots: recovered from a snapshot and the journal after it, from
     * the journal alone, and from a replica's snapshots as from a copy's, they are the marks of a straight run, and
     * the commands after a restart get the answers they would have had without it.
     */
    @Test
    void sourcesMarksSurviveRecoveryFromTheJournalAndFromSnapshots(@TempDir final Path dir) throws IOException {
        final List<String> flow = JournalFixture.sourcedFlow(7, 9_000);
        final org.edgebook.engine.Engine straight = new org.edgebook.engine.Engine(
                org.edgebook.engine.EventSink.DISCARD);
        final org.edgebook.codec.CommandDecoder decoder = new org.edgebook.codec.CommandDecoder();
        for (int i = 0; i < flow.size(); i++) {
            final byte[] line = flow.get(i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            straight.execute(i + 1, decoder.decode(line, 0, line.length));
        }
        assertThat(straight.senderMarks()).hasSize(3);
        assertThat(JournalFixture.plain(flow)).contains("\"type\":\"duplicate\"", "SEQUENCE_GAP");
        for (final SnapshotMode mode : SnapshotMode.values()) {
            for (final long snapshotEvery : new long[] {0, 2_000}) {
                final Path d = dir.resolve(mode + "-" + snapshotEvery);
                final JournalOptions options = new JournalOptions(d, 64L << 20, snapshotEvery, 10, mode);
                final List<String> warnings = new ArrayList<>();
                final String first = JournalFixture.journaled(flow.subList(0, 5_000), options, warnings);
                final String second = JournalFixture.journaled(flow.subList(5_000, flow.size()), options, warnings);
                assertThat(JournalFixture.withoutCmd(first + second)).as(d.toString())
                        .isEqualTo(JournalFixture.withoutCmd(JournalFixture.plain(flow)));
                try (Recovery.Recovered recovered = Recovery.recover(d,
                        new EventSinkSwitch(org.edgebook.engine.EventSink.DISCARD), w -> {})) {
                    assertThat(recovered.snapshotSeq()).isEqualTo(snapshotEvery == 0 ? 0 : 8_000);
                    assertThat(recovered.engine().senderMarks()).as(d.toString())
                            .containsExactlyEntriesOf(straight.senderMarks());
                }
                if (snapshotEvery > 0) {
                    final org.edgebook.engine.Engine fromSnapshot = SnapshotStore.load(new SnapshotStore(d).list()
                            .getFirst(), org.edgebook.engine.EventSink.DISCARD).engine();
                    assertThat(fromSnapshot.senderMarks()).isNotEmpty();
                }
            }
        }
        for (final Path snapshot : new SnapshotStore(dir.resolve("REPLICA-2000")).list()) {
            assertThat(snapshot).hasSameBinaryContentAs(dir.resolve("COPY-2000").resolve(snapshot.getFileName()));
        }
    }

    @Test
    void recoveryReportsWhatItDid(@TempDir final Path dir) throws IOException {
        final List<String> flow = JournalFixture.flow(4, 4_000);
        JournalFixture.journaled(flow, new JournalOptions(dir, 64L << 20, 2_500, 2), new ArrayList<>());
        final Recovery.Recovered recovered = Recovery.recover(dir,
                new EventSinkSwitch(org.edgebook.engine.EventSink.DISCARD), w -> {});
        recovered.close();
        assertThat(recovered.snapshotSeq()).isEqualTo(2_500);
        assertThat(recovered.replayed()).isEqualTo(1_500);
        assertThat(recovered.lastSeq()).isEqualTo(4_000);
    }
}
