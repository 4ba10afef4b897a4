package org.edgebook.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.edgebook.codec.CommandDecoder;
import org.edgebook.engine.Command;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The statement index answers exactly what a full replay answers, and replays each record once. */
class StatementIndexTest {
    private static final long DAY = 86_400_000_000L;
    /** 2026-11-20T00:00:00Z. */
    private static final long START = UtcMicros.parse("2026-11-20");

    /**
     * Journals {@code lines} as records {@code firstSeq…} stamped {@code step} µs apart from {@code from}, in small
     * segments, as the service's writer does.
     */
    static long journal(final Path dir, final List<String> lines, final long firstSeq, final long from,
                        final long step) throws IOException {
        return journal(dir, lines, firstSeq, from, step, 8 * 1024);
    }

    static long journal(final Path dir, final List<String> lines, final long firstSeq, final long from,
                        final long step, final long segmentBytes) throws IOException {
        final CommandDecoder decoder = new CommandDecoder();
        long seq = firstSeq;
        try (JournalWriter writer = new JournalWriter(dir, firstSeq, segmentBytes, () -> from)) {
            final ByteBuffer batch = ByteBuffer.allocate(1 << 20);
            long batchFirst = seq;
            for (final String line : lines) {
                final byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
                final Command command = decoder.decode(bytes, 0, bytes.length);
                JournalWriter.encode(seq, from + (seq - firstSeq) * step, "test", command, batch);
                seq++;
                if (seq % 100 == 0) {
                    batch.flip();
                    writer.write(batch, batchFirst);
                    batch.clear();
                    batchFirst = seq;
                }
            }
            batch.flip();
            if (batch.hasRemaining()) {
                writer.write(batch, batchFirst);
            }
        }
        return seq;
    }

    private static List<String> flow() {
        final List<String> lines = new ArrayList<>(JournalFixture.flow(61, 3_000));
        for (int i = 0; i < 40; i++) {
            lines.add(1_000 + i * 50, "{\"type\":\"transfer\",\"transferId\":\"t" + i + "\",\"from\":\"a" + i % 5
                    + "\",\"to\":\"a" + (i + 1) % 5 + "\",\"asset\":\"USD\",\"amount\":\"1.25\"}");
            lines.add(1_010 + i * 50, "{\"type\":\"withdraw\",\"account\":\"a" + i % 5
                    + "\",\"asset\":\"BTC\",\"amount\":\"0.0100\"}");
        }
        return lines;
    }

    private static String json(final StatementReport.Statement statement) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        StatementReport.writeJson(statement, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Every account (and one never seen) on every day around the journal's: index and full replay agree. */
    private static void assertSameAsFullReplay(final Path dir, final StatementIndex index, final int days)
            throws IOException {
        for (final String account : List.of("a0", "a1", "a2", "a3", "a4", "nobody")) {
            for (int d = -1; d <= days; d++) {
                final LocalDate date = LocalDate.of(2026, 11, 20).plusDays(d);
                final StatementReport.Statement indexed = index.statement(account, date);
                assertThat(json(indexed)).as(account + " " + date)
                        .isEqualTo(json(StatementReport.build(dir, account, date)));
                assertThat(indexed.reconciles()).as(account + " " + date).isTrue();
            }
        }
    }

    @Test
    void statementsOfEveryDayMatchAFullReplayAndEachRecordIsReplayedOnce(@TempDir final Path dir)
            throws IOException {
        // 3,080 records over about three days and a half: 100 s apart.
        final List<String> lines = flow();
        final long next = journal(dir, lines, 1, START + 3_600_000_000L, 100_000_000L);
        assertThat(JournalScanner.segments(dir)).hasSizeGreaterThan(2);
        final StatementIndex index = new StatementIndex(dir);
        assertSameAsFullReplay(dir, index, 5);
        final StatementReport.Statement busy = index.statement("a1", LocalDate.of(2026, 11, 21));
        assertThat(busy.movements()).extracting(StatementReport.Movement::kind)
                .contains("buy", "sell", "transfer_in", "transfer_out", "withdrawal");
        assertThat(busy.opening()).isNotEmpty();
        assertThat(index.replayed()).isEqualTo(lines.size());

        // The journal grows (a day later, in a new segment): only the new records are replayed.
        final List<String> more = JournalFixture.flow(62, 600).subList(13, 600);
        journal(dir, more, next, START + 5 * DAY + 1_000, 60_000_000L);
        assertSameAsFullReplay(dir, index, 7);
        assertThat(index.replayed()).isEqualTo(lines.size() + more.size());
    }

    /** Found by review: the index kept a segment that pruning deleted, and every statement after failed. */
    @Test
    void statementsGoOnAfterTheSegmentTheyStoppedInIsPruned(@TempDir final Path dir) throws IOException {
        final List<String> lines = flow();
        final long next = journal(dir, lines, 1, START + 3_600_000_000L, 100_000_000L);
        final StatementIndex index = new StatementIndex(dir);
        final StatementReport.Statement before = index.statement("a1", LocalDate.of(2026, 11, 21));
        final List<String> more = JournalFixture.flow(62, 600).subList(13, 600);
        journal(dir, more, next, START + 5 * DAY + 1_000, 60_000_000L); // a new segment, as a restart starts one
        final List<Path> segments = JournalScanner.segments(dir);
        for (final Path old : segments.subList(0, segments.size() - 1)) {
            java.nio.file.Files.delete(old); // what SnapshotStore.prune does with segments behind the snapshots kept
        }
        assertThat(index.statement("a1", LocalDate.of(2026, 11, 21))).isEqualTo(before);
        assertThat(index.statement("a1", LocalDate.of(2026, 11, 25)).reconciles()).isTrue();
        assertThat(index.replayed()).isEqualTo(lines.size() + more.size());
    }

    @Test
    void theTailStopsBeforeARecordStillBeingWrittenAndResumesThere(@TempDir final Path dir) throws IOException {
        final long next = journal(dir, JournalFixture.flow(63, 500), 1, START, 1_000);
        final JournalTail tail = new JournalTail();
        final List<Long> seen = new ArrayList<>();
        JournalTail.Position at = tail.read(dir, new JournalTail.Position(null, 0, 1), 0,
                (seq, time, command) -> seen.add(seq));
        assertThat(seen).hasSize(500).first().isEqualTo(1L);
        // Half of the next frame reaches the file: nothing is read, the position stays.
        final ByteBuffer record = ByteBuffer.allocate(256);
        final byte[] line = "{\"type\":\"balances\",\"account\":\"a1\"}".getBytes(StandardCharsets.UTF_8);
        JournalWriter.encode(next, START + 1, "test", new CommandDecoder().decode(line, 0, line.length), record);
        record.flip();
        final ByteBuffer frame = new Frames.Encoder(JournalFormat.FRAME_TARGET).encode(record, next);
        final Path last = JournalScanner.segments(dir).getLast();
        final byte[] bytes = new byte[frame.remaining()];
        frame.get(bytes);
        java.nio.file.Files.write(last, java.util.Arrays.copyOf(bytes, bytes.length / 2),
                java.nio.file.StandardOpenOption.APPEND);
        final JournalTail.Position torn = tail.read(dir, at, 500, (seq, time, command) -> seen.add(seq));
        assertThat(torn).isEqualTo(at);
        assertThat(seen).hasSize(500);
        // The rest arrives: read from the same byte on, only the new record.
        java.nio.file.Files.write(last, java.util.Arrays.copyOfRange(bytes, bytes.length / 2, bytes.length),
                java.nio.file.StandardOpenOption.APPEND);
        at = tail.read(dir, torn, 500, (seq, time, command) -> seen.add(seq));
        assertThat(seen).hasSize(501).last().isEqualTo(next);
        assertThat(at.offset()).isEqualTo(java.nio.file.Files.size(last));
    }
}
