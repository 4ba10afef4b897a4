package org.edgebook.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.edgebook.codec.CommandDecoder;
import org.edgebook.engine.Command;
import org.edgebook.engine.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline when the disk fails, and its batch limits: every command taken is answered exactly once, done only if
 * durable; after a failure nothing more is taken and the reason is given; a restart recovers exactly what was
 * acknowledged.
 */
class SequencerTest {

    /** The real segment files, but the {@code failAt}-th write (1-based) and every later one fail as a full disk. */
    private static final class FailingOutput implements JournalOutput {
        private final JournalOutput real;
        private final int failAt;
        private final List<Integer> batchBytes;
        private int writes;

        FailingOutput(final JournalOutput real, final int failAt, final List<Integer> batchBytes) {
            this.real = real;
            this.failAt = failAt;
            this.batchBytes = batchBytes;
        }

        @Override
        public long write(final ByteBuffer records, final long firstSeq) throws IOException {
            if (++writes >= failAt) {
                throw new IOException("No space left on device (test)");
            }
            batchBytes.add(records.remaining());
            return real.write(records, firstSeq);
        }

        @Override
        public void close() throws IOException {
            real.close();
        }
    }

    private static JournalOptions failingAt(final Path dir, final int failAt, final List<Integer> batchBytes) {
        return new JournalOptions(dir, 1 << 20, 0, 2, SnapshotMode.REPLICA).withOutput((d, next,
                                                                                        segment) -> new FailingOutput(
                                                                                                JournalOutput.Opener.SEGMENTS
                                                                                                        .open(d, next,
                                                                                                                segment),
                                                                                                failAt, batchBytes));
    }

    private static List<Command> commands(final int n) {
        final CommandDecoder decoder = new CommandDecoder();
        final List<Command> commands = new ArrayList<>();
        for (final String line : JournalFixture.flow(5, n)) {
            final byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
            commands.add(decoder.decode(bytes, 0, bytes.length));
        }
        return commands;
    }

    @Test
    void afterAFailedForceEveryCommandTakenIsAnsweredOnceAndOnlyTheAcknowledgedSurviveARestart(
                                                                                               @TempDir final Path dir)
            throws Exception {
        final List<Command> commands = commands(20_000);
        final List<String> warnings = new CopyOnWriteArrayList<>();
        final Map<Integer, String> outcomes = new ConcurrentHashMap<>();
        final AtomicInteger answers = new AtomicInteger();
        final CountDownLatch allAnswered;
        final List<Long> acknowledged = new CopyOnWriteArrayList<>();
        int taken = 0;
        boolean refused = false;
        DurableEngine service = DurableEngine.start(failingAt(dir, 4, new ArrayList<>()), warnings::add);
        try {
            final CountDownLatch latch = new CountDownLatch(commands.size());
            for (int i = 0; i < commands.size(); i++) {
                final int index = i;
                final boolean ok = service.submit(commands.get(i), new DurableEngine.Reply() {
                    @Override
                    public void done(final long seq, final List<Event> events) {
                        answers.incrementAndGet();
                        acknowledged.add(seq);
                        assertThat(outcomes.put(index, "done")).isNull();
                        latch.countDown();
                    }

                    @Override
                    public void failed(final IOException cause) {
                        answers.incrementAndGet();
                        assertThat(outcomes.put(index, "failed: " + cause.getMessage())).isNull();
                        latch.countDown();
                    }
                });
                if (!ok) {
                    refused = true;
                    break;
                }
                taken++;
            }
            allAnswered = latch;
            // Every command taken is answered, at once, not at some timeout.
            for (int i = taken; i < commands.size(); i++) {
                latch.countDown();
            }
            assertThat(allAnswered.await(10, TimeUnit.SECONDS)).as("every submission answered").isTrue();
            assertThat(answers.get()).isEqualTo(taken);
            assertThat(service.failure()).hasMessageContaining("No space left on device");
            assertThat(service.submit(commands.getFirst(), (seq, events) -> {})).isFalse();
            assertThat(warnings).anySatisfy(w -> assertThat(w).contains("JOURNAL FAILED")
                    .contains("No space left on device"));
        } finally {
            assertThatThrownBy(service::close).hasMessageContaining("No space left on device");
        }
        assertThat(refused || taken == commands.size()).isTrue();
        assertThat(outcomes.values()).contains("done").anyMatch(o -> o.startsWith("failed: No space left"));
        // The acknowledged ones are exactly 1..n, and exactly those are there after a restart.
        final List<Long> sorted = acknowledged.stream().sorted().toList();
        for (int i = 0; i < sorted.size(); i++) {
            assertThat(sorted.get(i)).isEqualTo(i + 1L);
        }
        service = DurableEngine.start(JournalOptions.defaults(dir), w -> {});
        try {
            assertThat(service.recovered().lastSeq()).isEqualTo(sorted.size());
        } finally {
            service.close();
        }
    }

    @Test
    void aReplyThatThrowsDoesNotCostTheOthersTheirAnswer(@TempDir final Path dir) throws Exception {
        final List<Command> commands = commands(2_000);
        final CountDownLatch wellBehaved = new CountDownLatch(commands.size() / 2);
        final DurableEngine service = DurableEngine.start(failingAt(dir, 1, new ArrayList<>()), w -> {});
        try {
            for (int i = 0; i < commands.size(); i++) {
                final boolean throwing = i % 2 == 1;
                final boolean taken = service.submit(commands.get(i), new DurableEngine.Reply() {
                    @Override
                    public void done(final long seq, final List<Event> events) {
                        throw new AssertionError("nothing is durable");
                    }

                    @Override
                    public void failed(final IOException cause) {
                        if (throwing) {
                            throw new IllegalStateException("a broken reply");
                        }
                        wellBehaved.countDown();
                    }
                });
                if (!taken) { // refused at once once the journal has failed: answered, as the caller knows
                    if (!throwing) {
                        wellBehaved.countDown();
                    }
                }
            }
            assertThat(wellBehaved.await(10, TimeUnit.SECONDS)).as("every well-behaved reply answered").isTrue();
        } finally {
            assertThatThrownBy(service::close).isInstanceOf(IOException.class);
        }
    }

    @Test
    void aJournaledReplayStopsAtAFailedForceWithItsCauseAndReleasesOnlyDurableEvents(@TempDir final Path dir)
            throws Exception {
        final List<String> flow = JournalFixture.flow(9, 30_000);
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final List<Integer> batchBytes = new ArrayList<>();
        assertThatThrownBy(() -> DurableReplay.run(new ByteArrayInputStream(JournalFixture.bytes(flow)), out,
                failingAt(dir, 3, batchBytes), w -> {})).hasMessageContaining("No space left on device");
        final long released = out.toString(StandardCharsets.UTF_8).lines().map(l -> l.replaceAll(".*\"seq\":(\\d+).*",
                "$1")).mapToLong(Long::parseLong).max().orElse(0);
        final Recovery.Recovered recovered = Recovery.recover(dir, new EventSinkSwitch(
                org.edgebook.engine.EventSink.DISCARD), w -> {});
        try (recovered) {
            assertThat(batchBytes).hasSize(2);
            assertThat(recovered.lastSeq()).as("durable").isGreaterThanOrEqualTo(released);
            assertThat(released).as("released only what is durable").isPositive();
        }
    }

    @Test
    void aBatchStaysUnderItsByteCapAndItsCommandCap(@TempDir final Path dir) throws Exception {
        final List<String> flow = JournalFixture.flow(3, 50_000);
        final List<Integer> batchBytes = new ArrayList<>();
        DurableReplay.run(new ByteArrayInputStream(JournalFixture.bytes(flow)), OutputStreamNull.INSTANCE,
                failingAt(dir, Integer.MAX_VALUE, batchBytes), w -> {});
        assertThat(batchBytes).isNotEmpty().allSatisfy(bytes -> assertThat(bytes)
                .isLessThanOrEqualTo(Sequencer.BATCH_BYTES + 1024));
        assertThat(batchBytes.stream().mapToInt(Integer::intValue).sum()).isPositive();
        // a batch holds at most BATCH_COMMANDS commands: 50,000 commands need at least this many forces
        assertThat(batchBytes.size()).isGreaterThanOrEqualTo(50_000 / Sequencer.BATCH_COMMANDS);
    }

    /** An output stream that drops everything. */
    private static final class OutputStreamNull {
        static final java.io.OutputStream INSTANCE = java.io.OutputStream.nullOutputStream();
    }
}
