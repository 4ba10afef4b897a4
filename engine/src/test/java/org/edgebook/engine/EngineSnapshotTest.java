package org.edgebook.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Snapshot at random points, restore, carry on: the events must be those of a straight run. */
class EngineSnapshotTest {

    private static byte[] snapshot(final Engine engine) throws IOException {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        EngineSnapshot.write(engine, new DataOutputStream(bytes));
        return bytes.toByteArray();
    }

    private static Engine restore(final byte[] bytes, final EventSink sink) throws IOException {
        return EngineSnapshot.read(new DataInputStream(new ByteArrayInputStream(bytes)), sink);
    }

    /** What a restored engine must agree on besides its events. */
    private static String state(final Engine engine) {
        final StringBuilder s = new StringBuilder().append(engine.sequence()).append('\n');
        s.append(engine.openOrders()).append('\n');
        for (final String account : engine.accounts()) {
            s.append(account).append(engine.balances(account)).append('\n');
        }
        return s.toString();
    }

    @Test
    void snapshotAndReplayEqualAStraightRun() throws IOException {
        for (final long seed : RandomFlows.seeds(60)) {
            final List<Command> flow = RandomFlows.flow(seed, 200, 3000);
            final EventCollector straightEvents = new EventCollector();
            final Engine straight = new Engine(straightEvents);
            for (int i = 0; i < flow.size(); i++) {
                straight.execute(i + 1, flow.get(i));
            }

            final SplittableRandom random = new SplittableRandom(seed);
            final EventCollector events = new EventCollector();
            final List<Event> collected = new ArrayList<>();
            Engine engine = new Engine(events);
            for (int i = 0; i < flow.size(); i++) {
                if (random.nextInt(100) < 3) { // about thirty snapshots per flow, anywhere
                    collected.addAll(events.drain());
                    engine = restore(snapshot(engine), events);
                }
                engine.execute(i + 1, flow.get(i));
            }
            collected.addAll(events.drain());
            assertThat(collected).as(RandomFlows.replayHint(seed)).isEqualTo(straightEvents.events());
            assertThat(state(engine)).as(RandomFlows.replayHint(seed)).isEqualTo(state(straight));
            // A snapshot of the restored engine restores to the same state again.
            assertThat(state(restore(snapshot(engine), EventSink.DISCARD))).isEqualTo(state(straight));
        }
    }

    @Test
    void sequenceNumbersContinueAfterARestore() throws IOException {
        final List<long[]> seen = new ArrayList<>();
        final EventSink recording = new EventSink() {
            @Override
            public void sequenced(final long seq, final long cmd) {
                seen.add(new long[] {seq, cmd});
            }

            @Override
            public void ok(final long cmd) {
            }

            @Override
            public void rejected(final long cmd, final RejectReason reason, final String account,
                                 final String clientOrderId, final String detail) {
            }

            @Override
            public void accepted(final long cmd, final String account, final String clientOrderId) {
            }

            @Override
            public void trade(final long cmd, final String symbol, final long price, final int priceScale,
                              final long quantity, final int quantityScale, final String makerAccount,
                              final String makerOrderId, final String takerAccount, final String takerOrderId,
                              final Side takerSide) {
            }

            @Override
            public void cancelled(final long cmd, final String account, final String clientOrderId,
                                  final long remaining, final int quantityScale, final CancelReason reason) {
            }

            @Override
            public void modified(final long cmd, final String account, final String clientOrderId, final long price,
                                 final int priceScale, final long quantity, final int quantityScale) {
            }

            @Override
            public void book(final long cmd, final String symbol, final BookView book) {
            }

            @Override
            public void balances(final long cmd, final String account, final BalanceView balances) {
            }
        };
        final Engine first = new Engine(recording);
        first.execute(10, new Command.DefineAsset("USD", 2));
        first.execute(11, new Command.DefineAsset("USD", 2));
        final Engine second = restore(snapshot(first), recording);
        second.execute(1, new Command.QueryBalances("a"));
        assertThat(seen).extracting(e -> e[0] + "/" + e[1]).containsExactly("1/10", "2/11", "3/1");
        assertThat(second.sequence()).isEqualTo(3);
    }
}
