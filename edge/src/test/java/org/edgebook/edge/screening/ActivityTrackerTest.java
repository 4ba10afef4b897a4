package org.edgebook.edge.screening;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The tracker's windows, driven by a clock the test sets: what enters and leaves them, and when. */
class ActivityTrackerTest {
    /** 2026-11-18T19:27:00Z, on a minute boundary. */
    private static final long T0 = 29_916_667L * 60_000L;

    private static ActivityTracker.AssetActivity only(final ActivityTracker.Activity a) {
        assertThat(a.assets()).hasSize(1);
        return a.assets().getFirst();
    }

    @Test
    void theMinuteIsSixtyOneSecondBucketsEndingWithTheCurrentSecond() {
        final ActivityTracker t = new ActivityTracker();
        t.record("alice", "USD", 150, T0 + 500);
        assertThat(only(t.snapshot("alice", T0 + 500))).isEqualTo(new ActivityTracker.AssetActivity("USD", 1, 150, 1,
                150));
        assertThat(only(t.snapshot("alice", T0 + 59_999)).minuteCount()).isEqualTo(1);
        // 59.5 s after it was recorded its second is 60 seconds back: out of the minute, still in the hour
        assertThat(only(t.snapshot("alice", T0 + 60_000))).isEqualTo(new ActivityTracker.AssetActivity("USD", 0, 0, 1,
                150));
        // a record late in its second leaves 59.001 s later
        t.record("alice", "USD", 7, T0 + 10_999);
        assertThat(only(t.snapshot("alice", T0 + 69_999)).minuteCount()).isEqualTo(1);
        assertThat(only(t.snapshot("alice", T0 + 70_000)).minuteCount()).isZero();
    }

    @Test
    void theHourIsSixtyOneMinuteBucketsEndingWithTheCurrentMinute() {
        final ActivityTracker t = new ActivityTracker();
        t.record("alice", "USD", 100, T0 + 1_000);
        t.record("alice", "USD", 200, T0 + 59_999);
        t.record("alice", "USD", 400, T0 + 60_000);
        assertThat(only(t.snapshot("alice", T0 + 3_599_999))).isEqualTo(new ActivityTracker.AssetActivity("USD", 0, 0,
                3, 700));
        assertThat(only(t.snapshot("alice", T0 + 3_600_000))).isEqualTo(new ActivityTracker.AssetActivity("USD", 0, 0,
                1, 400));
        assertThat(t.snapshot("alice", T0 + 3_660_000).assets()).isEmpty();
    }

    @Test
    void assetsAndAccountsAreKeptApartAndListedInFirstRecordedOrder() {
        final ActivityTracker t = new ActivityTracker();
        t.record("alice", "USD", 5, T0);
        t.record("alice", "BTC", 3, T0 + 1);
        t.record("alice", "USD", 0, T0 + 2);
        t.record("bob", "USD", 9, T0 + 3);
        assertThat(t.snapshot("alice", T0 + 10).assets()).containsExactly(
                new ActivityTracker.AssetActivity("USD", 2, 5, 2, 5),
                new ActivityTracker.AssetActivity("BTC", 1, 3, 1, 3));
        assertThat(t.snapshot("bob", T0 + 10).assets()).containsExactly(
                new ActivityTracker.AssetActivity("USD", 1, 9, 1, 9));
        assertThat(t.snapshot("carol", T0 + 10)).isSameAs(ActivityTracker.Activity.NONE);
    }

    @Test
    void recordsInLaterBucketsAndRecordsOlderThanTheirSlotAreNotCounted() {
        final ActivityTracker t = new ActivityTracker();
        t.record("alice", "USD", 5, T0 + 5_000);
        // a later second is not in the minute; the hour counts by whole minutes, so the same minute is in it
        assertThat(only(t.snapshot("alice", T0 + 4_999))).isEqualTo(new ActivityTracker.AssetActivity("USD", 0, 0, 1,
                5));
        assertThat(t.snapshot("alice", T0 - 1).assets()).isEmpty();
        // a record a second earlier than the newest lands in its own bucket and counts
        t.record("alice", "USD", 1, T0 + 4_000);
        assertThat(only(t.snapshot("alice", T0 + 5_000)).minuteCount()).isEqualTo(2);
        // the clock steps back more than a minute: the seconds slot already serves a newer second, so the minute
        // drops it; the hour's minute bucket takes it
        t.record("alice", "USD", 1, T0 + 5_000 - 60_000);
        assertThat(only(t.snapshot("alice", T0 + 5_000))).isEqualTo(new ActivityTracker.AssetActivity("USD", 2, 6, 3,
                7));
    }

    @Test
    void totalsSaturateInsteadOfWrapping() {
        final ActivityTracker t = new ActivityTracker();
        t.record("alice", "ETH", Long.MAX_VALUE, T0);
        t.record("alice", "ETH", Long.MAX_VALUE, T0 + 1_000);
        t.record("alice", "ETH", 1, T0 + 2_000);
        final ActivityTracker.AssetActivity a = only(t.snapshot("alice", T0 + 2_000));
        assertThat(a.minuteUnits()).isEqualTo(Long.MAX_VALUE);
        assertThat(a.hourUnits()).isEqualTo(Long.MAX_VALUE);
        assertThat(a.hourCount()).isEqualTo(3);
    }

    @Test
    void idleAccountsAreEvictedAndCanComeBack() {
        final ActivityTracker t = new ActivityTracker();
        t.record("alice", "USD", 5, T0);
        t.record("bob", "USD", 5, T0 + 3_000_000);
        assertThat(t.evictIdle(T0 + 3_599_999)).isZero();
        assertThat(t.evictIdle(T0 + 3_600_000)).isEqualTo(1);
        assertThat(t.accounts()).isEqualTo(1);
        t.record("alice", "USD", 8, T0 + 3_600_000);
        assertThat(only(t.snapshot("alice", T0 + 3_600_000)).hourUnits()).isEqualTo(8);
    }

    @Test
    void concurrentRecordsAreAllCounted() throws Exception {
        final ActivityTracker t = new ActivityTracker();
        final int threads = 4;
        final int each = 20_000;
        final CountDownLatch go = new CountDownLatch(1);
        final ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            final List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                final String asset = i % 2 == 0 ? "USD" : "BTC";
                done.add(pool.submit(() -> {
                    go.await();
                    for (int k = 0; k < each; k++) {
                        t.record("alice", asset, 3, T0 + k % 1000);
                        if (k % 1000 == 0) {
                            t.snapshot("alice", T0 + 999);
                        }
                    }
                    return null;
                }));
            }
            go.countDown();
            for (final Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(t.snapshot("alice", T0 + 999).assets()).extracting(ActivityTracker.AssetActivity::hourCount,
                ActivityTracker.AssetActivity::minuteUnits).containsOnly(
                        org.assertj.core.groups.Tuple.tuple(2 * each, 6L * each));
    }

    /**
     * Against a naive model that keeps every record and counts those whose second (minute) is among the 60 ending with
     * now's: a seeded random walk of records and snapshots, the clock moving forward by up to two minutes with
     * records up to 900 ms late.
     */
    @Test
    void slidesLikeANaiveModelOnARandomWalk() {
        final long seed = ScreeningAgreementTest.seed();
        final SplittableRandom random = new SplittableRandom(seed);
        final ActivityTracker t = new ActivityTracker();
        final List<long[]> events = new ArrayList<>(); // time, asset index, units
        final String[] assets = {"USD", "BTC", "ETH"};
        long now = T0 + random.nextLong(0, 60_000);
        for (int step = 0; step < 20_000; step++) {
            now += random.nextInt(10) == 0 ? random.nextLong(0, 120_000) : random.nextLong(0, 2_000);
            if (random.nextInt(3) > 0) {
                final long at = now - random.nextLong(0, 900);
                final int asset = random.nextInt(assets.length);
                final long units = random.nextInt(20) == 0 ? 0 : random.nextLong(0, 1_000_000_000L);
                t.record("alice", assets[asset], units, at);
                events.add(new long[] {at, asset, units});
            } else {
                final Map<String, ActivityTracker.AssetActivity> expected = new LinkedHashMap<>();
                final long second = Math.floorDiv(now, 1000);
                final long minute = Math.floorDiv(now, 60_000);
                final long[][] sums = new long[assets.length][4];
                for (final long[] e : events) {
                    final long s = Math.floorDiv(e[0], 1000);
                    final long m = Math.floorDiv(e[0], 60_000);
                    if (s <= second && s > second - 60) {
                        sums[(int) e[1]][0]++;
                        sums[(int) e[1]][1] += e[2];
                    }
                    if (m <= minute && m > minute - 60) {
                        sums[(int) e[1]][2]++;
                        sums[(int) e[1]][3] += e[2];
                    }
                }
                for (int a = 0; a < assets.length; a++) {
                    if (sums[a][2] > 0) {
                        expected.put(assets[a], new ActivityTracker.AssetActivity(assets[a], (int) sums[a][0],
                                sums[a][1], (int) sums[a][2], sums[a][3]));
                    }
                }
                final long at = now;
                assertThat(t.snapshot("alice", now).assets()).as("seed %d step %d at %d", seed, step, at)
                        .containsExactlyInAnyOrderElementsOf(expected.values());
                events.removeIf(e -> Math.floorDiv(e[0], 60_000) <= minute - 60);
            }
        }
    }
}
