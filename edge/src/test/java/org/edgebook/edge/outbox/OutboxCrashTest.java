package org.edgebook.edge.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.edgebook.edge.screening.Decision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kill-style crashes: entries written and acknowledged, the outbox dropped without a close, the last segment cut at a
 * random byte (a torn write), then reopened: every entry before the cut is there, the torn one is gone, and the outbox
 * takes appends again. Seeded; the seed is printed ({@code -Doutbox.seed=N} repeats a run).
 */
class OutboxCrashTest {
    @TempDir
    Path root;

    @Test
    void aTornTailIsCutAndEveryEntryBeforeItSurvives() throws Exception {
        final long seed = Long.getLong("outbox.seed", System.nanoTime());
        System.out.println("OutboxCrashTest seed " + seed + " (-Doutbox.seed=" + seed + " repeats it)");
        final SplittableRandom random = new SplittableRandom(seed);
        final Outbox.Options options = Outbox.Options.defaults().withSegmentBytes(4096);
        int tested = 0;
        for (int trial = 0; trial < 40; trial++) {
            final Path dir = root.resolve("t" + trial);
            final OutboxReference model = new OutboxReference();
            final List<Runnable> modelOps = new ArrayList<>();
            final List<Long> ends = new ArrayList<>(); // the last segment's size after each step of the last run
            final List<Long> seqs = new ArrayList<>(); // the last entry's sequence after each step
            final Outbox o = Outbox.open(dir, options);
            final int before = 20 + random.nextInt(60);
            int n = 0;
            for (; n < before; n++) {
                step(o, model, random, n);
            }
            final Path last = OutboxFormat.segments(dir).getLast();
            final long stable = Files.size(last);
            final long stableSeq = o.nextSeq() - 1;
            final List<OutboxReference> states = new ArrayList<>();
            final int tail = 1 + random.nextInt(8);
            for (int i = 0; i < tail; i++, n++) {
                final OutboxReference snapshot = copy(model);
                states.add(snapshot);
                step(o, model, random, n);
                ends.add(Files.size(last));
                seqs.add(o.nextSeq() - 1);
            }
            o.abandon();
            if (!OutboxFormat.segments(dir).getLast().equals(last) || Files.size(last) == stable) {
                continue; // the tail rolled into a new segment, or wrote nothing: this trial tests nothing more
            }
            tested++;
            final long cut = stable + random.nextLong(Files.size(last) - stable);
            try (FileChannel ch = FileChannel.open(last, StandardOpenOption.WRITE)) {
                ch.truncate(cut);
            }
            int whole = 0;
            while (whole < ends.size() && ends.get(whole) <= cut) {
                whole++;
            }
            try (Outbox r = Outbox.open(dir, options)) {
                assertThat(r.nextSeq() - 1).as("seed %d trial %d cut %d", seed, trial, cut)
                        .isEqualTo(whole == 0 ? stableSeq : seqs.get(whole - 1));
                final OutboxReference expected = whole < states.size() ? states.get(whole) : model;
                OutboxModelTest.compare(r, expected, "seed " + seed + " trial " + trial);
                final long boundary = whole == 0 ? stable : ends.get(whole - 1);
                assertThat(Files.size(last)).isEqualTo(boundary); // the torn record is gone from the file
                r.accepted("after", new byte[10], new Decision(Decision.Kind.ACCEPT, null, 1, null), 1)
                        .get(10, TimeUnit.SECONDS);
            }
            try (Outbox r = Outbox.open(dir, options)) {
                assertThat(r.state("after").state()).isEqualTo(Outbox.State.QUEUED);
            }
        }
        assertThat(tested).as("seed %d: trials that cut a tail", seed).isGreaterThan(10);
    }

    static OutboxReference copy(final OutboxReference m) {
        final OutboxReference c = new OutboxReference();
        c.txs.putAll(m.txs);
        c.nextForward = m.nextForward;
        c.order = m.order;
        return c;
    }

    /** One random valid operation, awaited (acknowledged) before the next. */
    static void step(final Outbox o, final OutboxReference m, final SplittableRandom random, final int n)
            throws Exception {
        OutboxModelTest.randomOp(o, m, random, n, true);
    }
}
