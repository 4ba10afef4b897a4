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
        s.append(engine.senderMarks()).append('\n');
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
    void theArrayReaderReadsWhatTheStreamsRead() throws IOException {
        for (final long seed : RandomFlows.seeds(10)) {
            final List<Command> flow = RandomFlows.flow(seed, 200, 3000);
            final Engine engine = new Engine(EventSink.DISCARD);
            for (int i = 0; i < flow.size(); i++) {
                engine.execute(i + 1, flow.get(i));
            }
            final byte[] bytes = snapshot(engine);
            final SnapshotBuffer buffer = new SnapshotBuffer(16);
            EngineSnapshot.write(engine, buffer);
            assertThat(buffer.toByteArray()).as(RandomFlows.replayHint(seed)).isEqualTo(bytes);
            final byte[] framed = new byte[bytes.length + 7];
            System.arraycopy(bytes, 0, framed, 3, bytes.length);
            final Engine restored = EngineSnapshot.read(new SnapshotReader(framed, 3, bytes.length), EventSink.DISCARD);
            assertThat(state(restored)).as(RandomFlows.replayHint(seed)).isEqualTo(state(restore(bytes,
                    EventSink.DISCARD)));
            // Byte for byte the engine the streams restore (a restored engine's own snapshot may order its tables
            // differently from the original's, so it is compared with its twin, not with the original).
            assertThat(snapshot(restored)).isEqualTo(snapshot(restore(bytes, EventSink.DISCARD)));
            // Cut short anywhere, it fails as the streams do: with an EOFException, never with wrong state.
            for (final int cut : new int[] {0, 5, bytes.length / 2, bytes.length - 1}) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> EngineSnapshot.read(
                        new SnapshotReader(framed, 3, cut), EventSink.DISCARD)).isInstanceOf(
                                java.io.EOFException.class);
            }
        }
    }

    @Test
    void aRestoredOrderRemembersWhatHasFilled() throws IOException {
        final EngineFixture f = EngineFixture.btcUsd();
        f.deposit("b", "USD", "100");
        f.deposit("s", "BTC", "1");
        f.buy("b", "bid", "40", "0.5");
        f.sell("s", "x", "40", "0.4");
        final EventCollector events = new EventCollector();
        final Engine restored = restore(snapshot(f.engine), events);
        // A modify names the total: 0.5, of which the 0.4 filled before the snapshot still counts.
        restored.execute(8, new Command.Modify("b", "bid", null, Decimal.parse("0.5")));
        assertThat(events.drain()).containsExactly(
                new Event.Modified(8, "b", "bid", Decimal.parse("40"), Decimal.parse("0.1")));
    }

    @Test
    void sendersMarksSurviveARestore() throws IOException {
        final EngineFixture f = EngineFixture.btcUsd();
        f.run(new Command.FromSender("edge-1", 1, new Command.Deposit("a", "USD", Decimal.parse("10"))));
        f.run(new Command.FromSender("edge-1", 2, new Command.Withdraw("a", "USD", Decimal.parse("99")))); // rejected
        f.run(new Command.FromSender("eu:fra", 1, new Command.QueryBalances("a")));
        final EventCollector events = new EventCollector();
        final Engine restored = restore(snapshot(f.engine), events);
        assertThat(restored.senderMarks()).containsExactly(java.util.Map.entry("edge-1", 2L),
                java.util.Map.entry("eu:fra", 1L));
        restored.execute(7, new Command.FromSender("edge-1", 2, new Command.Deposit("a", "USD", Decimal.parse("1"))));
        restored.execute(8, new Command.FromSender("edge-1", 4, new Command.Deposit("a", "USD", Decimal.parse("1"))));
        restored.execute(9, new Command.FromSender("edge-1", 3, new Command.Deposit("a", "USD", Decimal.parse("1"))));
        assertThat(events.drain()).containsExactly(new Event.Duplicate(7, "edge-1", 2, 2),
                new Event.SequenceGap(8, "edge-1", 4, 3), new Event.Ok(9));
    }

    @Test
    void aSnapshotFromBeforeSendersRestoresWithNoMarks() throws IOException {
        final Engine engine = new Engine(EventSink.DISCARD);
        engine.execute(1, new Command.DefineAsset("USD", 2));
        engine.execute(2, new Command.Deposit("a", "USD", Decimal.parse("10")));
        final byte[] now = snapshot(engine);
        // Format 3 is format 4 without the senders' section at the end (here: a count of 0).
        final byte[] format3 = java.util.Arrays.copyOf(now, now.length - 4);
        final Engine restored = EngineSnapshot.read(new DataInputStream(new ByteArrayInputStream(format3)),
                EventSink.DISCARD, 3);
        assertThat(state(restored)).isEqualTo(state(engine));
        assertThat(restored.senderMarks()).isEmpty();
    }

    @Test
    void sequenceNumbersContinueAfterARestore() throws IOException {
        final Engine first = new Engine(EventSink.DISCARD);
        first.execute(10, new Command.DefineAsset("USD", 2));
        first.execute(11, new Command.DefineAsset("USD", 2)); // rejected commands take a number too
        assertThat(first.sequence()).isEqualTo(2);
        final Engine second = restore(snapshot(first), EventSink.DISCARD);
        assertThat(second.sequence()).isEqualTo(2);
        second.execute(1, new Command.QueryBalances("a"));
        assertThat(second.sequence()).isEqualTo(3);
    }
}
