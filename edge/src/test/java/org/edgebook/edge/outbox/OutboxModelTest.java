package org.edgebook.edge.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.edgebook.edge.screening.Decision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The outbox against {@link OutboxReference}, the naive model, over a seeded random run of operations (valid and
 * not), with compactions and reopenings: the same states, the same {@code nextToForward} order, the same forwarding
 * sequences. The seed is printed ({@code -Doutbox.seed=N} repeats a run).
 */
class OutboxModelTest {
    @TempDir
    Path dir;

    @Test
    void theOutboxAgreesWithTheNaiveModel() throws Exception {
        final long seed = Long.getLong("outbox.seed", System.nanoTime());
        System.out.println("OutboxModelTest seed " + seed + " (-Doutbox.seed=" + seed + " repeats it)");
        final SplittableRandom random = new SplittableRandom(seed);
        final Outbox.Options options = Outbox.Options.defaults().withSegmentBytes(1024);
        final OutboxReference model = new OutboxReference();
        Outbox o = Outbox.open(dir, options);
        long freed = 0;
        try {
            for (int n = 0; n < 3000; n++) {
                final int r = random.nextInt(100);
                if (r == 0) {
                    o.close();
                    o = Outbox.open(dir, options);
                } else if (r < 3) {
                    freed += o.compact();
                } else {
                    randomOp(o, model, random, n, false);
                }
                if (n % 50 == 0) {
                    compare(o, model, "seed " + seed + " step " + n);
                }
            }
            compare(o, model, "seed " + seed + " end");
            o.close();
            o = Outbox.open(dir, options);
            compare(o, model, "seed " + seed + " reopened");
            System.out.println("OutboxModelTest: compaction freed " + freed + " bytes, " + model.txs.size()
                    + " transactions");
        } finally {
            o.close();
        }
    }

    static void compare(final Outbox o, final OutboxReference m, final String where) {
        assertThat(o.nextToForward(Integer.MAX_VALUE)).extracting(t -> t.id() + "@" + t.forwardSeq()).as(where)
                .containsExactlyElementsOf(m.nextToForward());
        assertThat(o.held()).extracting(Outbox.TxState::id).as(where).containsExactlyElementsOf(m.held());
        assertThat(o.nextForwardSeq()).as(where).isEqualTo(m.nextForward);
        for (final OutboxReference.T t : m.txs.values()) {
            final Outbox.TxState s = o.state(t.id());
            assertThat(s).as(where + " " + t.id()).isNotNull();
            assertThat(s.state()).as(where + " " + t.id()).isEqualTo(t.state());
            assertThat(s.forwardSeq()).as(where + " " + t.id()).isEqualTo(t.forwardSeq());
            assertThat(s.settlementSeq()).as(where + " " + t.id()).isEqualTo(t.settlementSeq());
            assertThat(s.rejectedBy()).as(where + " " + t.id()).isEqualTo(t.by());
            assertThat(s.reason()).as(where + " " + t.id()).isEqualTo(t.reason());
        }
        for (final Outbox.ToForward f : o.nextToForward(Integer.MAX_VALUE)) {
            assertThat(f.tx()).as(where + " " + f.id()).isEqualTo(m.txs.get(f.id()).tx());
        }
    }

    private static long await(final CompletableFuture<Long> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    private static boolean fails(final CompletableFuture<Long> f) {
        try {
            f.get(10, TimeUnit.SECONDS);
            return false;
        } catch (final Exception e) {
            return true;
        }
    }

    /** One random operation on both; an invalid one must fail on the outbox exactly when the model refuses it. */
    static void randomOp(final Outbox o, final OutboxReference m, final SplittableRandom random, final int n,
                         final boolean validOnly) throws Exception {
        final List<String> ids = List.copyOf(m.txs.keySet());
        final String some = ids.isEmpty() || random.nextInt(10) == 0 ? "nope" + n : ids.get(random.nextInt(ids.size()));
        final int kind = random.nextInt(6);
        if (kind == 0 || ids.isEmpty()) {
            final String id = random.nextInt(20) == 0 && !ids.isEmpty() && !validOnly ? some : "tx" + n;
            final Decision.Kind k = Decision.Kind.values()[random.nextInt(3)];
            final byte[] tx = ("{\"n\":" + n + ",\"pad\":\"" + "x".repeat(random.nextInt(300)) + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            final String reason = k == Decision.Kind.ACCEPT ? null : "R" + random.nextInt(5);
            final boolean ok = m.accept(id, tx, k, reason) == null;
            final CompletableFuture<Long> f = o.accepted(id, tx, new Decision(k, reason, 5, null), n);
            assertThat(fails(f)).as("accept %s", id).isEqualTo(!ok);
            return;
        }
        final String id = validOnly ? pickValid(m, kind, random) : some;
        if (id == null) {
            return;
        }
        switch (kind) {
            case 1 -> assertThat(fails(o.released(id, "ops"))).isEqualTo(!m.release(id));
            case 2 -> assertThat(fails(o.rejected(id, "ops:" + n, "why " + n))).isEqualTo(!m.reject(id, "ops:" + n,
                    "why " + n));
            case 3 -> {
                final long expected = m.assign(id);
                final CompletableFuture<Long> f = o.assign(id);
                if (expected < 0) {
                    assertThat(fails(f)).isTrue();
                } else {
                    assertThat(await(f)).isEqualTo(expected);
                }
            }
            case 4 -> assertThat(fails(o.settled(id, 1000 + n, new byte[] {1, 2}))).isEqualTo(!m.settle(id, 1000 + n));
            default -> assertThat(fails(o.settlementRejected(id, "NO_FUNDS"))).isEqualTo(!m.settlementReject(id,
                    "NO_FUNDS"));
        }
    }

    private static String pickValid(final OutboxReference m, final int kind, final SplittableRandom random) {
        final List<String> fit = switch (kind) {
            case 1 -> m.ids(Outbox.State.HELD);
            case 2 -> random.nextBoolean() ? m.ids(Outbox.State.HELD) : m.ids(Outbox.State.QUEUED);
            case 3 -> m.ids(Outbox.State.QUEUED);
            default -> m.ids(Outbox.State.FORWARDED);
        };
        return fit.isEmpty() ? null : fit.get(random.nextInt(fit.size()));
    }
}
