package org.edgebook.edge.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.edgebook.edge.screening.Decision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutboxTest {
    static final Decision ACCEPT = new Decision(Decision.Kind.ACCEPT, null, 10, null);
    static final Decision HOLD = new Decision(Decision.Kind.HOLD, "VELOCITY", 70, null);
    static final Decision REJECT = new Decision(Decision.Kind.REJECT, "SANCTIONED", 99, null);

    @TempDir
    Path dir;

    static byte[] tx(final String id) {
        return ("{\"id\":\"" + id + "\",\"type\":\"transfer\",\"amount\":\"12.50\"}").getBytes(StandardCharsets.UTF_8);
    }

    static long get(final CompletableFuture<Long> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    @Test
    void eventsAreAnsweredOnceForcedAndSurviveAReopen() throws Exception {
        try (Outbox o = Outbox.open(dir, Outbox.Options.defaults())) {
            assertThat(get(o.accepted("a", tx("a"), ACCEPT, 100))).isEqualTo(1);
            assertThat(get(o.accepted("b", tx("b"), HOLD, 101))).isEqualTo(2);
            assertThat(get(o.accepted("c", tx("c"), REJECT, 102))).isEqualTo(3);
            assertThat(o.state("a").state()).isEqualTo(Outbox.State.QUEUED);
            assertThat(o.state("b").state()).isEqualTo(Outbox.State.HELD);
            assertThat(o.state("c").state()).isEqualTo(Outbox.State.REJECTED);
            assertThat(o.state("c").rejectedBy()).isEqualTo("screening");
            assertThat(o.state("c").reason()).isEqualTo("SANCTIONED");
            assertThat(o.held()).extracting(Outbox.TxState::id).containsExactly("b");
            assertThat(get(o.assign("a"))).isEqualTo(1);
            get(o.released("b", "ops:alice"));
            assertThat(o.nextToForward(10)).extracting(t -> t.id() + "@" + t.forwardSeq())
                    .containsExactly("a@1", "b@0");
            get(o.settled("a", 4711, "[{\"event\":\"transfer\"}]".getBytes(StandardCharsets.UTF_8)));
            assertThatThrownBy(() -> get(o.released("a", "ops"))).hasRootCauseInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("a is settled");
            assertThatThrownBy(() -> get(o.accepted("a", tx("a"), ACCEPT, 1))).hasMessageContaining("already");
        }
        try (Outbox o = Outbox.open(dir, Outbox.Options.defaults())) {
            assertThat(o.recoveredEntries()).isEqualTo(6);
            final Outbox.TxState a = o.state("a");
            assertThat(a.state()).isEqualTo(Outbox.State.SETTLED);
            assertThat(a.settlementSeq()).isEqualTo(4711);
            assertThat(new String(a.events(), StandardCharsets.UTF_8)).contains("transfer");
            assertThat(o.state("b").state()).isEqualTo(Outbox.State.QUEUED);
            assertThat(o.state("c").state()).isEqualTo(Outbox.State.REJECTED);
            assertThat(o.nextToForward(10)).extracting(Outbox.ToForward::id).containsExactly("b");
            assertThat(new String(o.nextToForward(1).getFirst().tx(), StandardCharsets.UTF_8)).contains("\"b\"");
            assertThat(get(o.assign("b"))).isEqualTo(2);
            assertThat(get(o.accepted("d", tx("d"), ACCEPT, 103))).isEqualTo(8);
        }
    }

    /** The real segments, whose force waits while a latch is closed, then fails while a flag is set. */
    static final class ControlledOutput implements OutboxOutput {
        final OutboxOutput real;
        final AtomicBoolean failForce;
        final java.util.concurrent.atomic.AtomicReference<java.util.concurrent.CountDownLatch> gate;

        ControlledOutput(final Path dir, final long created, final AtomicBoolean failForce) {
            this(dir, created, failForce,
                    new java.util.concurrent.atomic.AtomicReference<>(new java.util.concurrent.CountDownLatch(0)));
        }

        ControlledOutput(final Path dir, final long created, final AtomicBoolean failForce,
                         final java.util.concurrent.atomic.AtomicReference<java.util.concurrent.CountDownLatch> gate) {
            this.real = new OutboxOutput.Segments(dir, created);
            this.failForce = failForce;
            this.gate = gate;
        }

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
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            if (failForce.get()) {
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
    void zerosFromASectorBoundaryInsideARecordToTheEndAreATornWriteEvenWithRecordsAfterIt() throws Exception {
        final List<Long> ends = new ArrayList<>();
        try (Outbox o = Outbox.open(dir, Outbox.Options.defaults())) {
            for (int i = 0; i < 12; i++) {
                get(o.accepted("t" + i, ("{\"pad\":\"" + "x".repeat(300) + "\"}").getBytes(StandardCharsets.UTF_8),
                        ACCEPT, i));
                ends.add(Files.size(OutboxFormat.segments(dir).getLast()));
            }
        }
        final Path segment = OutboxFormat.segments(dir).getLast();
        final byte[] bytes = Files.readAllBytes(segment);
        // The first 512-byte boundary inside record k (k < the last record): as if one write of records k.. reached
        // the disk only up to there.
        int k = 1;
        long boundary = 0;
        for (; k < ends.size() - 2; k++) {
            boundary = (ends.get(k - 1) / 512 + 1) * 512;
            if (boundary < ends.get(k)) {
                break;
            }
        }
        java.util.Arrays.fill(bytes, (int) boundary, bytes.length, (byte) 0);
        Files.write(segment, bytes);
        try (Outbox o = Outbox.open(dir, Outbox.Options.defaults())) {
            assertThat(o.recoveredEntries()).isEqualTo(k);
            assertThat(o.state("t" + (k - 1)).state()).isEqualTo(Outbox.State.QUEUED);
            assertThat(o.state("t" + k)).isNull();
        }
    }

    @Test
    void aDamagedLengthInARecordWithWholeRecordsAfterItIsCorruptionNotATornWrite() throws Exception {
        final List<Long> ends = new ArrayList<>();
        try (Outbox o = Outbox.open(dir, Outbox.Options.defaults())) {
            for (int i = 0; i < 8; i++) {
                get(o.accepted("t" + i, tx("t" + i), ACCEPT, i));
                ends.add(Files.size(OutboxFormat.segments(dir).getLast()));
            }
        }
        final Path segment = OutboxFormat.segments(dir).getLast();
        final byte[] whole = Files.readAllBytes(segment);
        final int third = ends.get(2).intValue(); // the fourth record's offset: four whole records follow it
        for (int bit = 8; bit < 24; bit++) { // lengths made longer than what is left of the file
            final byte[] bytes = whole.clone();
            bytes[third + 3 - bit / 8] ^= (byte) (1 << (bit % 8));
            Files.write(segment, bytes);
            assertThatThrownBy(() -> Outbox.open(dir, Outbox.Options.defaults()).close()).as("bit " + bit)
                    .isInstanceOf(CorruptOutboxException.class)
                    .hasMessageMatching(".* at byte (" + third + "|" + (third + 4) + "): .*"); // the record, or its checksum
        }
        Files.write(segment, whole);
        try (Outbox o = Outbox.open(dir, Outbox.Options.defaults())) {
            assertThat(o.recoveredEntries()).isEqualTo(8);
        }
    }

    @Test
    void anAssignmentIsOfferedToTheForwarderOnlyOnceItIsForced() throws Exception {
        final java.util.concurrent.atomic.AtomicReference<java.util.concurrent.CountDownLatch> gate =
                new java.util.concurrent.atomic.AtomicReference<>(new java.util.concurrent.CountDownLatch(0));
        final Outbox.Options options = Outbox.Options.defaults()
                .withOutput((d, created) -> new ControlledOutput(d, created, new AtomicBoolean(), gate));
        try (Outbox o = Outbox.open(dir, options)) {
            get(o.accepted("a", tx("a"), ACCEPT, 1));
            get(o.accepted("b", tx("b"), ACCEPT, 2));
            get(o.assign("a"));
            final java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
            gate.set(held);
            final CompletableFuture<Long> b = o.assign("b"); // written, its force held back
            // b's sequence is not on disk: a crash now could give it to another transaction, so it is not offered.
            assertThat(o.nextToForward(10)).extracting(t -> t.id() + "@" + t.forwardSeq()).containsExactly("a@1");
            held.countDown();
            assertThat(get(b)).isEqualTo(2);
            assertThat(o.nextToForward(10)).extracting(t -> t.id() + "@" + t.forwardSeq())
                    .containsExactly("a@1", "b@2");
        }
    }

    @Test
    void aFailedForceFailsTheBatchAndRefusesLaterAppends() throws Exception {
        final AtomicBoolean fail = new AtomicBoolean();
        final Outbox.Options options = Outbox.Options.defaults()
                .withOutput((d, created) -> new ControlledOutput(d, created, fail));
        try (Outbox o = Outbox.open(dir, options)) {
            get(o.accepted("a", tx("a"), ACCEPT, 1));
            fail.set(true);
            final List<CompletableFuture<Long>> batch = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                batch.add(o.accepted("x" + i, tx("x" + i), ACCEPT, 2));
            }
            for (final CompletableFuture<Long> f : batch) {
                assertThatThrownBy(() -> get(f)).isInstanceOf(ExecutionException.class)
                        .hasMessageContaining("fsync: EIO (injected)");
            }
            fail.set(false);
            assertThatThrownBy(() -> get(o.accepted("late", tx("late"), ACCEPT, 3)))
                    .hasMessageContaining("the outbox failed").hasMessageContaining("EIO");
            assertThatThrownBy(() -> get(o.settled("a", 1, new byte[0]))).hasMessageContaining("the outbox failed");
        }
        try (Outbox o = Outbox.open(dir, Outbox.Options.defaults())) {
            assertThat(o.state("a").state()).isEqualTo(Outbox.State.QUEUED); // acknowledged: there
            assertThat(o.state("late")).isNull(); // refused: never written
        }
    }

    static long logBytes(final Path dir) throws IOException {
        long total = 0;
        for (final Path p : OutboxFormat.segments(dir)) {
            total += Files.size(p);
        }
        return total;
    }

    @Test
    void aFullOutboxRefusesWritingNothingAndCompactionFreesIt() throws Exception {
        final AtomicLong now = new AtomicLong(1_000_000);
        final Outbox.Options options = Outbox.Options.defaults().withQuota(16 << 10, 4 << 10)
                .withSegmentBytes(2 << 10).withRetention(60_000_000L, now::get);
        final List<String> in = new ArrayList<>();
        try (Outbox o = Outbox.open(dir, options)) {
            final byte[] body = new byte[300];
            while (true) {
                final String id = "t" + in.size();
                final CompletableFuture<Long> f = o.accepted(id, body, ACCEPT, now.get());
                if (f.isCompletedExceptionally()) {
                    assertThatThrownBy(() -> get(f)).hasCauseInstanceOf(OutboxFull.class)
                            .hasMessageContaining("the limit is 16384 bytes");
                    break;
                }
                get(f);
                in.add(id);
            }
            final long full = logBytes(dir);
            assertThat(full).isEqualTo(o.depth().logBytes()).isLessThanOrEqualTo(16 << 10);
            assertThat(o.accepted("more", body, ACCEPT, now.get())).isCompletedExceptionally();
            assertThat(logBytes(dir)).isEqualTo(full);
            assertThat(o.state("more")).isNull();
            assertThat(o.compact()).isZero(); // nothing has ended
            for (final String id : in) { // outcomes still go in, within the headroom
                get(o.assign(id));
                get(o.settled(id, 100 + Long.parseLong(id.substring(1)), "[]".getBytes(StandardCharsets.UTF_8)));
            }
            final long freed = o.compact();
            assertThat(freed).isGreaterThan(8 << 10); // all but the open segment (the quota holds room for outcomes)
            assertThat(logBytes(dir)).isEqualTo(o.depth().logBytes());
            assertThat(o.depth().logBytes()).isLessThan(6 << 10);
            get(o.accepted("more", body, ACCEPT, now.get()));
            assertThat(o.state("t0").state()).isEqualTo(Outbox.State.SETTLED); // from the checkpoint
            assertThat(o.state("t0").settlementSeq()).isEqualTo(100);
            assertThat(o.state("t0").forwardSeq()).isEqualTo(1);
        }
        try (Outbox o = Outbox.open(dir, options)) {
            assertThat(o.state("t0").state()).isEqualTo(Outbox.State.SETTLED);
            assertThat(o.state("more").state()).isEqualTo(Outbox.State.QUEUED);
            assertThat(o.nextForwardSeq()).isEqualTo(in.size() + 1);
            now.addAndGet(61_000_000L);
            o.compact();
            assertThat(o.state("t0")).isNull(); // past its retention: forgotten
        }
        try (Outbox o = Outbox.open(dir, options)) {
            assertThat(o.state("t0")).isNull();
            assertThat(get(o.assign("more"))).isEqualTo(in.size() + 1);
        }
    }

    @Test
    void theForwardingSequenceSurvivesARestartAndIsNeverReused() throws Exception {
        final Outbox.Options options = Outbox.Options.defaults().withSegmentBytes(512);
        try (Outbox o = Outbox.open(dir, options)) {
            for (final String id : List.of("a", "b", "c", "d")) {
                get(o.accepted(id, tx(id), ACCEPT, 1));
            }
            get(o.accepted("h", tx("h"), HOLD, 1));
            assertThat(get(o.assign("a"))).isEqualTo(1);
            assertThat(get(o.assign("b"))).isEqualTo(2);
            assertThat(get(o.assign("c"))).isEqualTo(3);
            get(o.settled("a", 10, new byte[0]));
            get(o.settlementRejected("c", "INSUFFICIENT_FUNDS"));
        }
        try (Outbox o = Outbox.open(dir, options)) {
            assertThat(o.nextToForward(10)).extracting(t -> t.id() + "@" + t.forwardSeq())
                    .containsExactly("b@2", "d@0"); // b to resend with its sequence; the held h blocks nothing
            assertThat(o.state("c").rejectedBy()).isEqualTo("settlement");
            assertThat(get(o.assign("d"))).isEqualTo(4);
            get(o.settled("b", 11, new byte[0]));
            get(o.settled("d", 12, new byte[0]));
            get(o.rejected("h", "ops:bob", "customer asked"));
            assertThat(o.compact()).isPositive();
        }
        try (Outbox o = Outbox.open(dir, options)) { // the assignments were compacted away: the checkpoint has 5
            assertThat(o.nextForwardSeq()).isEqualTo(5);
            get(o.accepted("e", tx("e"), ACCEPT, 1));
            assertThat(get(o.assign("e"))).isEqualTo(5);
            assertThat(o.state("h").rejectedBy()).isEqualTo("ops:bob");
        }
    }

    @Test
    void groupCommitAnswersManyThreads() throws Exception {
        try (Outbox o = Outbox.open(dir, Outbox.Options.defaults())) {
            final List<Thread> threads = new ArrayList<>();
            final List<CompletableFuture<Long>> all = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int t = 0; t < 8; t++) {
                final int n = t;
                threads.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < 200; i++) {
                        all.add(o.accepted(n + "-" + i, new byte[300], ACCEPT, 1));
                    }
                }));
            }
            for (final Thread t : threads) {
                t.join(10_000);
            }
            final java.util.Set<Long> seqs = new java.util.HashSet<>();
            for (final CompletableFuture<Long> f : all) {
                seqs.add(get(f));
            }
            assertThat(seqs).hasSize(1600);
            assertThat(o.depth().queued()).isEqualTo(1600);
        }
        try (Outbox o = Outbox.open(dir, Outbox.Options.defaults())) {
            assertThat(o.depth().queued()).isEqualTo(1600);
        }
    }

    @Test
    void damageThatIsNotATornEndNamesTheFileOffsetAndField() throws Exception {
        final Outbox.Options options = Outbox.Options.defaults().withSegmentBytes(512);
        try (Outbox o = Outbox.open(dir, options)) {
            for (int i = 0; i < 20; i++) {
                get(o.accepted("t" + i, tx("t" + i), ACCEPT, 1));
            }
        }
        final Path first = OutboxFormat.segments(dir).getFirst();
        final byte[] bytes = Files.readAllBytes(first);
        bytes[OutboxFormat.HEADER_LENGTH + OutboxFormat.RECORD_HEADER + 3] ^= 0x10; // a bit of the first body
        Files.write(first, bytes);
        assertThatThrownBy(() -> Outbox.open(dir, options)).isInstanceOf(CorruptOutboxException.class)
                .hasMessageContaining(first.toString()).hasMessageContaining("at byte " + (OutboxFormat.HEADER_LENGTH
                        + 4))
                .hasMessageContaining("the checksum field");
    }

    @Test
    void aTornSegmentHeaderIsDroppedWithNothingLost() throws Exception {
        final Outbox.Options options = Outbox.Options.defaults();
        try (Outbox o = Outbox.open(dir, options)) {
            get(o.accepted("a", tx("a"), ACCEPT, 1));
        }
        try (Outbox o = Outbox.open(dir, options)) { // its fresh segment, header only, is cut in its header
            get(o.accepted("b", tx("b"), ACCEPT, 1));
        }
        final Path fresh = OutboxFormat.segmentPath(dir, 3);
        try (Outbox o = Outbox.open(dir, options)) {
            assertThat(o.nextSeq()).isEqualTo(3);
        }
        try (var ch = java.nio.channels.FileChannel.open(fresh, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(13);
        }
        try (Outbox o = Outbox.open(dir, options)) {
            assertThat(o.state("a").state()).isEqualTo(Outbox.State.QUEUED);
            assertThat(o.state("b").state()).isEqualTo(Outbox.State.QUEUED);
            assertThat(get(o.accepted("c", tx("c"), ACCEPT, 1))).isEqualTo(3);
        }
    }

    @Test
    void aDamagedLengthInTheLastRecordIsCorruptionNotATornEnd() throws Exception {
        final Outbox.Options options = Outbox.Options.defaults();
        try (Outbox o = Outbox.open(dir, options)) {
            get(o.accepted("a", tx("a"), ACCEPT, 1));
            get(o.accepted("b", tx("b"), ACCEPT, 1));
        }
        final Path segment = OutboxFormat.segmentPath(dir, 1);
        final byte[] bytes = Files.readAllBytes(segment);
        final int second = OutboxFormat.HEADER_LENGTH + OutboxFormat.RECORD_HEADER
                + ByteBuffer.wrap(bytes).getInt(OutboxFormat.HEADER_LENGTH);
        bytes[second + 2] ^= 0x01; // the acknowledged last record's length grows by 256
        Files.write(segment, bytes);
        assertThatThrownBy(() -> Outbox.open(dir, options)).isInstanceOf(CorruptOutboxException.class)
                .hasMessageContaining("at byte " + second).hasMessageContaining("the length field is damaged");
    }

    @Test
    void compactionWhileThreadsAppendLosesNothing() throws Exception {
        final Outbox.Options options = Outbox.Options.defaults().withSegmentBytes(2048);
        final int threads = 4;
        final int each = 150;
        try (Outbox o = Outbox.open(dir, options)) {
            final List<Thread> all = new ArrayList<>();
            final java.util.concurrent.ConcurrentLinkedQueue<Throwable> errors =
                    new java.util.concurrent.ConcurrentLinkedQueue<>();
            for (int t = 0; t < threads; t++) {
                final int n = t;
                all.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < each; i++) {
                            final String id = n + "-" + i;
                            get(o.accepted(id, tx(id), ACCEPT, i));
                            get(o.assign(id));
                            get(o.settled(id, i, new byte[] {(byte) n}));
                        }
                    } catch (final Throwable e) {
                        errors.add(e);
                    }
                }));
            }
            long freed = 0;
            final long deadline = System.nanoTime() + 30_000_000_000L;
            while (all.stream().anyMatch(Thread::isAlive) && System.nanoTime() < deadline) {
                freed += o.compact();
            }
            for (final Thread t : all) {
                t.join(10_000);
            }
            assertThat(errors).isEmpty();
            freed += o.compact();
            assertThat(freed).isPositive();
            assertThat(logBytes(dir)).isEqualTo(o.depth().logBytes());
        }
        try (Outbox o = Outbox.open(dir, options)) {
            assertThat(o.nextForwardSeq()).isEqualTo(threads * each + 1);
            for (int t = 0; t < threads; t++) {
                for (int i = 0; i < each; i++) {
                    final Outbox.TxState s = o.state(t + "-" + i);
                    assertThat(s.state()).as(t + "-" + i).isEqualTo(Outbox.State.SETTLED);
                    assertThat(s.events()).containsExactly((byte) t);
                }
            }
            assertThat(o.nextToForward(10)).isEmpty();
        }
    }
}
