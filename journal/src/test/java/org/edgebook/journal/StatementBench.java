package org.edgebook.journal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;

/**
 * Times statements on a real journal of about 600,000 records over three UTC days: a full replay per statement
 * ({@link StatementReport#build}) against the index ({@link StatementIndex}: its first statement, later ones, and one
 * after 1,000 more records). Not a test; run by hand (BENCHMARKS.md has the command).
 */
public final class StatementBench {
    private StatementBench() {
    }

    public static void main(final String[] args) throws IOException {
        final Path dir = Path.of(args.length > 0 ? args[0] : "/tmp/statement-bench");
        final long start = UtcMicros.parse("2026-11-20");
        long next;
        if (!Files.isDirectory(dir)) {
            // 600,000 records 0.4 s apart: from 2026-11-20 00:00 to 2026-11-22 18:40, in 64 MiB segments.
            final List<String> flow = JournalFixture.flow(71, 600_000);
            next = StatementIndexTest.journal(dir, flow, 1, start, 400_000L, 64L << 20);
        } else {
            next = JournalScanner.scan(dir, Long.MAX_VALUE, false, (s, t, c) -> {}).lastSeq() + 1;
        }
        final LocalDate day = LocalDate.of(2026, 11, 21);
        System.out.printf("journal: %d records, %d segment(s), %.1f MiB%n", next - 1,
                JournalScanner.segments(dir).size(), size(dir) / 1048576.0);
        for (int i = 0; i < 5; i++) {
            final long t0 = System.nanoTime();
            final StatementReport.Statement s = StatementReport.build(dir, "a" + i, day);
            System.out.printf("full replay  a%d: %6.1f ms (%d movements, reconciles %b)%n", i,
                    (System.nanoTime() - t0) / 1e6, s.movements().size(), s.reconciles());
        }
        final StatementIndex index = new StatementIndex(dir);
        long t0 = System.nanoTime();
        index.statement("a0", day);
        System.out.printf("index, first statement (builds it): %.1f ms%n", (System.nanoTime() - t0) / 1e6);
        final int n = 2_000;
        t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            index.statement("a" + i % 5, day.plusDays(i % 3 - 1));
        }
        System.out.printf("index, later statements: %.3f ms each (mean of %d)%n", (System.nanoTime() - t0) / 1e6 / n,
                n);
        final List<String> more = JournalFixture.flow(72, 1_013).subList(13, 1_013);
        StatementIndexTest.journal(dir, more, next, start + 3 * 86_400_000_000L, 1_000L, 64L << 20);
        t0 = System.nanoTime();
        final StatementReport.Statement s = index.statement("a1", day);
        System.out.printf("index, after 1,000 more records: %.1f ms (replayed %d in all, reconciles %b)%n",
                (System.nanoTime() - t0) / 1e6, index.replayed(), s.reconciles());
        final Runtime rt = Runtime.getRuntime();
        System.gc();
        System.out.printf("heap used with the index: %.0f MiB%n", (rt.totalMemory() - rt.freeMemory()) / 1048576.0);
    }

    private static long size(final Path dir) throws IOException {
        long total = 0;
        for (final Path p : JournalScanner.segments(dir)) {
            total += Files.size(p);
        }
        return total;
    }
}
