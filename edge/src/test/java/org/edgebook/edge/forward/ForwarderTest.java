package org.edgebook.edge.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.edgebook.edge.forward.ForwardHarness.waitFor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.random.RandomGenerator;
import org.edgebook.edge.outbox.Outbox;
import org.edgebook.edge.outbox.OutboxOutput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ForwarderTest {
    @TempDir
    Path dir;

    /** A random source that always answers the top of the range: the backoff's ceiling, no jitter. */
    static final class Highest implements RandomGenerator {
        @Override
        public long nextLong() {
            return Long.MAX_VALUE;
        }

        @Override
        public long nextLong(final long bound) {
            return bound - 1;
        }
    }

    @Test
    void forwardsEveryTransactionOnceInOrderInPipelinedBatches() throws Exception {
        try (ForwardHarness h = new ForwardHarness(dir)) {
            h.accept("t", 150, 7);
            h.start();
            h.accept("u", 150, 0);
            h.waitAllEnded();
            h.assertExactlyOnce(true);
            final ForwardMetrics m = h.metrics.forwarding();
            assertThat(m.settledCount()).isEqualTo(300 - 150 / 7);
            assertThat(m.rejectedCount()).isEqualTo(150 / 7);
            assertThat(m.forwarded()).isEqualTo(300);
            assertThat(m.batches()).isGreaterThanOrEqualTo(300 / 8.0);
            assertThat(m.retries()).isZero();
            assertThat(h.forwarder.problem()).isNull();
            m.watch(h.outbox);
            assertThat(h.metrics.scrape()).contains("edge_forward_settled_total " + (300 - 150 / 7) + ".0")
                    .contains("edge_outbox_depth{state=\"ended\"} 300.0").containsPattern(
                            "edge_forward_lag_seconds 0\\.0\\n");
        }
    }

    @Test
    void withTheDefaultsThousandsGoInBatchesOfUpTo1024() throws Exception {
        try (ForwardHarness h = new ForwardHarness(dir)) {
            h.options = Forwarder.Options.defaults().withBackoff(50, 5_000, RandomGenerator.getDefault(),
                    h.options.sleeper());
            h.accept("t", 5_000, 0);
            h.start();
            h.accept("u", 3_000, 0);
            h.waitAllEnded();
            h.assertExactlyOnce(true);
            final ForwardMetrics m = h.metrics.forwarding();
            assertThat(m.forwarded()).isEqualTo(8_000);
            assertThat(m.batches()).isBetween(8.0, 8_000.0 / 2);
            assertThat(m.retries()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(value = FakeSettlement.Fault.class, names = {"DELAY", "UNAVAILABLE", "RESET", "COMMIT_THEN_DROP",
            "GARBAGE"})
    void everyTransactionSettlesExactlyOnceAcrossAFault(final FakeSettlement.Fault fault) throws Exception {
        try (ForwardHarness h = new ForwardHarness(dir)) {
            h.timeoutMillis = 300;
            h.settlement.delayMillis(600); // past the deadline: the client gives up, settlement runs it anyway
            h.accept("t", 40, 9);
            h.settlement.fault(fault, fault);
            h.start();
            waitFor("the faults to be used", () -> h.settlement.faultsLeft() == 0);
            h.accept("u", 40, 0);
            h.waitAllEnded();
            h.assertExactlyOnce(true);
            assertThat(h.metrics.forwarding().retries()).isGreaterThanOrEqualTo(1);
            assertThat(h.forwarder.problem()).isNull();
        }
    }

    @Test
    void refusedConnectionsAreRetriedUntilSettlementIsBack() throws Exception {
        try (ForwardHarness h = new ForwardHarness(dir)) {
            h.settlement.refuse();
            h.accept("t", 20, 0);
            h.start();
            waitFor("three retries", () -> h.sleeps.size() >= 3);
            assertThat(h.forwarder.problem()).contains("GET the mark");
            assertThat(h.outbox.depth().queued()).isEqualTo(20);
            h.metrics.forwarding().watch(h.outbox);
            assertThat(h.metrics.scrape()).contains("edge_outbox_depth{state=\"queued\"} 20.0")
                    .doesNotContainPattern("edge_forward_lag_seconds 0\\.0\\n");
            h.settlement.accept();
            h.waitAllEnded();
            h.assertExactlyOnce(true);
        }
    }

    @Test
    void backoffGrowsExponentiallyToTheCapWithFullJitter() throws Exception {
        try (ForwardHarness h = new ForwardHarness(dir)) {
            h.options = h.options.withBackoff(10, 80, new Highest(), h.options.sleeper());
            h.settlement.failMarks(6); // 503 with Retry-After: 1, which the cap (80 ms) bounds
            h.accept("t", 5, 0);
            h.start();
            h.waitAllEnded();
            h.assertExactlyOnce(true);
            assertThat(h.sleeps).containsExactly(80L, 80L, 80L, 80L, 80L, 80L);
        }
        final Forwarder.Options highest = Forwarder.Options.defaults().withBackoff(50, 5_000, new Highest(), null);
        final Forwarder f = new Forwarder(null, null, null, highest);
        final List<Long> ceilings = new ArrayList<>();
        for (int n = 1; n <= 9; n++) {
            ceilings.add(f.backoff(n));
        }
        assertThat(ceilings).containsExactly(50L, 100L, 200L, 400L, 800L, 1600L, 3200L, 5000L, 5000L);
        assertThat(f.backoff(1_000_000)).isEqualTo(5000L);
        final long seed = System.nanoTime();
        System.out.println("backoff jitter seed " + seed);
        final Forwarder jittered = new Forwarder(null, null, null, Forwarder.Options.defaults()
                .withBackoff(50, 5_000, new SplittableRandom(seed), null));
        final List<Long> fourth = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            final long d = jittered.backoff(4);
            assertThat(d).isBetween(0L, 400L);
            fourth.add(d);
        }
        assertThat(fourth.stream().distinct().count()).as("jittered, seed " + seed).isGreaterThan(50);
    }

    @Test
    void retryAfterIsAFloorForTheBackoff() throws Exception {
        try (ForwardHarness h = new ForwardHarness(dir)) {
            h.options = h.options.withBackoff(1, 5_000, new Highest(), h.options.sleeper());
            h.settlement.failMarks(1);
            h.accept("t", 3, 0);
            h.start();
            h.waitAllEnded();
            assertThat(h.sleeps).containsExactly(1000L);
        }
    }

    @Test
    void aRestartResumesFromTheMarkWithoutDuplicates() throws Exception {
        try (ForwardHarness h = new ForwardHarness(dir)) {
            final FakeSettlement.Fault[] drops = new FakeSettlement.Fault[1000];
            java.util.Arrays.fill(drops, FakeSettlement.Fault.COMMIT_THEN_DROP);
            h.settlement.fault(drops); // settlement runs every line but no answer gets back
            h.options = h.options.withBatches(64, 4);
            h.accept("t", 30, 4);
            h.start();
            waitFor("settlement to run every transaction, unanswered", () -> h.settlement.mark() == 30);
            assertThat(h.outbox.depth().forwarded()).isEqualTo(30);
            h.settlement.clearFaults();
            h.accept("u", 10, 0);
            h.restart();
            h.waitAllEnded();
            h.assertExactlyOnce(true);
        }
    }

    @Test
    void aRestartWithRecordedOutcomesAndUnsentAssignmentsGoesOn() throws Exception {
        try (ForwardHarness h = new ForwardHarness(dir)) {
            h.accept("t", 20, 0);
            h.start();
            h.waitAllEnded();
            h.forwarder.close();
            h.accept("u", 10, 0);
            for (final String id : List.of("u1", "u2", "u3")) { // assigned by a node that stopped before sending
                h.outbox.assign(id).get(10, TimeUnit.SECONDS);
            }
            h.restart();
            h.waitAllEnded();
            h.assertExactlyOnce(true);
        }
    }

    @Test
    void aGapResendsFromTheExpectedSequence() throws Exception {
        try (ForwardHarness h = new ForwardHarness(dir)) {
            h.options = h.options.withBatches(4, 4);
            h.accept("t", 64, 0);
            h.settlement.fault(FakeSettlement.Fault.LOST);
            h.start();
            h.waitAllEnded();
            h.assertExactlyOnce(true);
            assertThat(h.settlement.gapsAnswered()).isPositive();
            assertThat(h.metrics.forwarding().gaps()).isPositive();
            assertThat(h.metrics.forwarding().retries()).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void aSettlementThatLostLinesItAnsweredIsRefused() throws Exception {
        try (ForwardHarness h = new ForwardHarness(dir)) {
            h.accept("t", 10, 0);
            h.start();
            h.waitAllEnded();
            h.settlement.rollback(5);
            h.accept("u", 3, 0);
            waitFor("the forwarder to refuse", () -> h.forwarder.problem() != null
                    && h.forwarder.problem().contains("settlement lost lines"), () -> "" + h.forwarder.problem());
            assertThat(h.metrics.forwarding().gaps()).isPositive();
            assertThat(h.outbox.state("u1").state()).isEqualTo(Outbox.State.FORWARDED);
            assertThat(h.settlement.runs()).doesNotContainKey("u1");
        }
    }

    /** The real segments, whose force waits while {@code gate} is closed, then fails while {@code fail} is set. */
    record GatedOutput(OutboxOutput real, AtomicReference<CountDownLatch> gate, AtomicBoolean fail)
            implements OutboxOutput {
        @Override
        public void roll(final long firstSeq) throws IOException {
            real.roll(firstSeq);
        }

        @Override
        public void write(final ByteBuffer records) throws IOException {
            real.write(records);
        }

        @Override
        public void force() throws IOException {
            try {
                gate.get().await();
            } catch (final InterruptedException e) {
                throw new IOException(e);
            }
            if (fail.get()) {
                throw new IOException("fsync: EIO (injected)");
            }
            real.force();
        }

        @Override
        public void close() throws IOException {
            real.close();
        }
    }

    @Test
    void nothingIsSentBeforeItsAssignmentIsDurable() throws Exception {
        try (ForwardHarness h = new ForwardHarness(dir)) {
            final AtomicReference<CountDownLatch> gate = new AtomicReference<>(new CountDownLatch(0));
            final AtomicBoolean fail = new AtomicBoolean();
            h.outbox.close();
            h.outbox = Outbox.open(dir.resolve("gated"), Outbox.Options.defaults().withOutput((d,
                                                                                               created) -> new GatedOutput(
                                                                                                       new OutboxOutput.Segments(
                                                                                                               d,
                                                                                                               created),
                                                                                                       gate, fail)));
            h.accept("t", 5, 0);
            final CountDownLatch closed = new CountDownLatch(1);
            gate.set(closed);
            h.start();
            waitFor("the assignments, not yet forced", () -> h.outbox.state("t1").state() == Outbox.State.FORWARDED);
            final long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
            while (System.nanoTime() < until) {
                assertThat(h.settlement.forwardRequests()).as("forward requests before the force").isZero();
                Thread.sleep(5);
            }
            fail.set(true); // the force fails: the outbox fails, nothing assigned is ever sent
            closed.countDown();
            waitFor("the forwarder to report the outbox", () -> h.forwarder.problem() != null
                    && h.forwarder.problem().contains("could not assign"), () -> "" + h.forwarder.problem());
            assertThat(h.settlement.forwardRequests()).isZero();
            assertThat(h.settlement.mark()).isZero();
        }
    }

    @Test
    void aHeldTransactionDoesNotBlockTheOnesBehindIt() throws Exception {
        try (ForwardHarness h = new ForwardHarness(dir)) {
            final byte[] held = ForwardHarness.tx("h1", "10.5");
            h.outbox.accepted("h1", held, ForwardHarness.HOLD, 1).get(10, TimeUnit.SECONDS);
            h.accept("t", 12, 0);
            h.start();
            h.waitAllEnded();
            assertThat(h.outbox.state("h1").state()).isEqualTo(Outbox.State.HELD);
            h.assertExactlyOnce(true);
            h.outbox.released("h1", "ops:alice").get(10, TimeUnit.SECONDS);
            h.accepted.add("h1");
            h.txs.put("h1", held);
            h.forwarder.wake();
            h.waitAllEnded();
            h.assertExactlyOnce(true);
            assertThat(h.outbox.state("h1").forwardSeq()).isEqualTo(13);
        }
    }

    @Test
    void aMarkBeyondTheNodesSequencesIsRefused() throws Exception {
        try (ForwardHarness h = new ForwardHarness(dir)) {
            h.accept("t", 5, 0);
            h.start();
            h.waitAllEnded();
            h.forwarder.close();
            h.outbox.close();
            // The outbox is wiped (a new directory), but settlement knows the node's sequences up to 5.
            h.outbox = Outbox.open(dir.resolve("wiped"), Outbox.Options.defaults());
            h.accepted.clear();
            h.accept("w", 3, 0);
            h.start();
            waitFor("the forwarder to refuse", () -> h.forwarder.problem() != null
                    && h.forwarder.problem().contains("wiped outbox"));
            assertThat(h.outbox.depth().queued()).isEqualTo(3);
            assertThat(h.settlement.runs()).doesNotContainKey("w1");
        }
    }

    @Test
    void randomFaultsAndArrivalsSettleEachTransactionExactlyOnce() throws Exception {
        final long seed = System.nanoTime();
        System.out.println("ForwarderTest random seed " + seed);
        final SplittableRandom random = new SplittableRandom(seed);
        try (ForwardHarness h = new ForwardHarness(dir)) {
            h.timeoutMillis = 300;
            h.settlement.delayMillis(random.nextInt(50, 500));
            h.options = h.options.withBatches(random.nextInt(1, 20), random.nextInt(1, 5));
            h.start();
            final FakeSettlement.Fault[] kinds = {FakeSettlement.Fault.DELAY, FakeSettlement.Fault.UNAVAILABLE,
                    FakeSettlement.Fault.RESET, FakeSettlement.Fault.COMMIT_THEN_DROP, FakeSettlement.Fault.GARBAGE,
                    FakeSettlement.Fault.LOST};
            for (int round = 0; round < 6; round++) {
                if (random.nextBoolean()) {
                    h.settlement.fault(kinds[random.nextInt(kinds.length)]);
                }
                h.accept("r" + round + "-", random.nextInt(1, 40), random.nextInt(0, 6));
                if (round == 3) {
                    h.restart();
                }
            }
            h.waitAllEnded();
            try {
                h.assertExactlyOnce(true);
            } catch (final AssertionError e) {
                throw new AssertionError("seed " + seed + ": " + e.getMessage(), e);
            }
        }
    }
}
