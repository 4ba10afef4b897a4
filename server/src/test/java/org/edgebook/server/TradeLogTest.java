package org.edgebook.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.edgebook.engine.Decimal;
import org.edgebook.engine.Event;
import org.edgebook.engine.Side;
import org.junit.jupiter.api.Test;

/** The lock-free trade log against a plain list, and under a writer that laps its readers. */
class TradeLogTest {

    private static List<Event> trades(final long cmd, final int n) {
        final List<Event> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            events.add(new Event.Trade(cmd, "BTC-USD", Decimal.parse("100"), Decimal.parse("1"), "alice", "a" + cmd,
                    "bob", "b" + cmd + "-" + i, Side.BUY));
        }
        return events;
    }

    @Test
    void answersAsAPlainListOfTheLastTradesWould() {
        final long seed = System.nanoTime();
        final SplittableRandom random = new SplittableRandom(seed);
        final int capacity = 1 + random.nextInt(50);
        final TradeLog log = new TradeLog(capacity, 7);
        final List<TradeLog.Trade> all = new ArrayList<>();
        long seq = 7;
        for (int step = 0; step < 3_000; step++) {
            seq += 1 + random.nextInt(3);
            final int n = random.nextInt(4);
            log.durable(seq, seq * 10, null, trades(seq, n));
            for (int i = 1; i <= n; i++) {
                all.add(new TradeLog.Trade(seq, seq + "-" + i, seq * 10, null));
            }
            final List<TradeLog.Trade> kept = all.subList(Math.max(0, all.size() - capacity), all.size());
            final long completeAfter;
            final List<TradeLog.Trade> visible;
            if (all.size() <= capacity) {
                completeAfter = 7;
                visible = kept;
            } else if (kept.getFirst().id().endsWith("-1")) {
                completeAfter = kept.getFirst().seq() - 1;
                visible = kept;
            } else { // the oldest command kept lost its first trades: it is not part of the complete answer
                completeAfter = kept.getFirst().seq();
                visible = kept.stream().filter(t -> t.seq() != completeAfter).toList();
            }
            final long since = seq - random.nextInt(40);
            final int limit = 1 + random.nextInt(20);
            final List<String> expected = visible.stream().filter(t -> t.seq() > since).limit(limit)
                    .map(TradeLog.Trade::id).toList();
            final TradeLog.Page page = log.page(since, limit);
            assertThat(page.trades().stream().map(TradeLog.Trade::id).toList()).as("seed %d step %d", seed, step)
                    .isEqualTo(expected);
            assertThat(page.completeAfter()).as("seed %d step %d", seed, step).isEqualTo(completeAfter);
        }
    }

    @Test
    void aCommandWhoseFirstTradesWereDroppedIsNotCalledComplete() {
        final TradeLog log = new TradeLog(4, 0);
        log.durable(1, 1, null, trades(1, 3));
        log.durable(2, 2, null, trades(2, 2)); // drops 1-1: trades 1-2 and 1-3 are kept but seq 1 is incomplete
        final TradeLog.Page page = log.page(0, 10);
        assertThat(page.completeAfter()).isEqualTo(1);
        assertThat(page.trades()).extracting(TradeLog.Trade::id).containsExactly("2-1", "2-2");
    }

    @Test
    void readersNeverSeeATornOrOutOfOrderAnswerWhileTheWriterLapsThem() throws Exception {
        final TradeLog log = new TradeLog(64, 0);
        final AtomicBoolean stop = new AtomicBoolean();
        final List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            readers.add(Thread.ofPlatform().start(() -> {
                final SplittableRandom random = new SplittableRandom();
                long answers = 0;
                while (!stop.get() || answers == 0) {
                    final long since = random.nextLong(60_000);
                    final List<TradeLog.Trade> got = log.page(since, 1 + random.nextInt(64)).trades();
                    try {
                        for (int i = 0; i < got.size(); i++) {
                            assertThat(got.get(i).seq()).isGreaterThan(since);
                            if (i > 0) {
                                assertThat(got.get(i).seq()).isEqualTo(got.get(i - 1).seq() + 1);
                            }
                        }
                    } catch (final AssertionError e) {
                        failures.add(e);
                        return;
                    }
                    answers++;
                }
            }));
        }
        for (long seq = 1; seq <= 60_000; seq++) {
            log.durable(seq, seq, null, trades(seq, 1));
        }
        stop.set(true);
        for (final Thread reader : readers) {
            reader.join();
        }
        assertThat(failures).isEmpty();
        assertThat(log.page(59_990, 100).trades()).hasSize(10);
    }
}
