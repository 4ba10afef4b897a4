package org.edgebook.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.edgebook.codec.CommandDecoder;
import org.edgebook.codec.LineReader;
import org.edgebook.engine.Command;
import org.edgebook.engine.Engine;
import org.edgebook.engine.Event;
import org.edgebook.engine.EventCollector;
import org.edgebook.engine.EventSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurableEngineTest {

    private static List<Command> commands(final List<String> lines) throws IOException {
        final List<Command> commands = new ArrayList<>();
        final LineReader reader = new LineReader(new ByteArrayInputStream(JournalFixture.bytes(lines)));
        final CommandDecoder decoder = new CommandDecoder();
        while (reader.next()) {
            commands.add(decoder.decode(reader.buffer(), reader.offset(), reader.length()));
        }
        return commands;
    }

    /** Submits each command after the previous one's reply, as one client would; returns the replies. */
    private static List<List<Event>> submitInTurn(final DurableEngine service, final List<Command> commands)
            throws InterruptedException {
        final List<List<Event>> replies = new ArrayList<>();
        for (final Command command : commands) {
            final CountDownLatch done = new CountDownLatch(1);
            final List<Event>[] events = new List[1];
            assertThat(service.submit(command, (seq, e) -> {
                events[0] = e;
                done.countDown();
            })).isTrue();
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            replies.add(events[0]);
        }
        return replies;
    }

    @Test
    void repliesCarryTheEventsOfAPlainEngineOnceDurable(@TempDir final Path dir) throws Exception {
        final List<Command> commands = commands(JournalFixture.flow(21, 600));
        final List<List<Event>> replies;
        try (DurableEngine service = DurableEngine.start(JournalOptions.defaults(dir), w -> {})) {
            replies = submitInTurn(service, commands);
        }
        final EventCollector expected = new EventCollector();
        final Engine plain = new Engine(expected);
        for (int i = 0; i < commands.size(); i++) {
            plain.execute(i + 1, commands.get(i));
            assertThat(replies.get(i)).isEqualTo(expected.drain());
        }
        assertThat(JournalScanner.scan(dir, 0, false, (s, t, c) -> {}).lastSeq()).isEqualTo(commands.size());
    }

    @Test
    void concurrentClientsGetUniqueContiguousSequenceNumbers(@TempDir final Path dir) throws Exception {
        final List<Command> setup = commands(JournalFixture.flow(22, 13));
        final Map<Long, Command> bySeq = new ConcurrentHashMap<>();
        final int clients = 8;
        final int each = 2_000;
        try (DurableEngine service = DurableEngine.start(JournalOptions.defaults(dir), w -> {})) {
            submitInTurn(service, setup);
            final CountDownLatch done = new CountDownLatch(clients * each);
            final List<Thread> threads = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                final int client = c;
                threads.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < each; i++) {
                        final Command command = Command.Place.limit("a" + (client % 5), "c" + client + "-" + i,
                                "BTC-USD", i % 2 == 0 ? org.edgebook.engine.Side.BUY : org.edgebook.engine.Side.SELL,
                                i % 2 == 0 ? "99" : "101", "0.1");
                        while (!service.submit(command, (seq, events) -> {
                            bySeq.put(seq, command);
                            done.countDown();
                        })) {
                            Thread.onSpinWait(); // full: try again
                        }
                    }
                }));
            }
            for (final Thread t : threads) {
                t.join();
            }
            assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(bySeq).hasSize(clients * each);
        assertThat(Collections.min(bySeq.keySet())).isEqualTo(setup.size() + 1L);
        assertThat(Collections.max(bySeq.keySet())).isEqualTo(setup.size() + (long) clients * each);
        // The journal holds each acknowledged command under the sequence number its reply gave.
        JournalScanner.scan(dir, setup.size(), false, (seq, time, command) -> assertThat(command).isEqualTo(bySeq.get(
                seq)));
    }

    @Test
    void aRestartRecoversAndSequenceNumbersGoOn(@TempDir final Path dir) throws Exception {
        final List<Command> commands = commands(JournalFixture.flow(23, 400));
        try (DurableEngine service = DurableEngine.start(JournalOptions.defaults(dir), w -> {})) {
            submitInTurn(service, commands.subList(0, 250));
        }
        final List<Long> seqs = new ArrayList<>();
        try (DurableEngine service = DurableEngine.start(JournalOptions.defaults(dir), w -> {})) {
            assertThat(service.recovered().lastSeq()).isEqualTo(250);
            final CountDownLatch done = new CountDownLatch(1);
            service.submit(commands.get(250), (seq, events) -> {
                seqs.add(seq);
                done.countDown();
            });
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(seqs).containsExactly(251L);
    }

    @Test
    void nothingIsTakenAfterClose(@TempDir final Path dir) throws Exception {
        final DurableEngine service = DurableEngine.start(JournalOptions.defaults(dir), w -> {});
        service.close();
        assertThat(service.submit(new Command.QueryBalances("a"), (seq, events) -> {})).isFalse();
        try (Recovery.Recovered recovered = Recovery.recover(dir, new EventSinkSwitch(EventSink.DISCARD), w -> {})) {
            assertThat(recovered.lastSeq()).isZero(); // and close let go of the directory
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(SnapshotMode.class)
    void theNewestSnapshotsDurationIsKept(final SnapshotMode mode, @TempDir final Path dir) throws Exception {
        final List<Command> commands = commands(JournalFixture.flow(29, 120));
        try (DurableEngine service = DurableEngine.start(new JournalOptions(dir, JournalOptions.SEGMENT_BYTES, 50, 2,
                mode), w -> {})) {
            assertThat(service.sequencer().lastSnapshotNanos()).isZero();
            submitInTurn(service, commands);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (service.sequencer().lastSnapshotNanos() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(5); // written off the engine's thread
            }
            assertThat(service.sequencer().snapshotsTaken()).isPositive();
            assertThat(service.sequencer().lastSnapshotNanos()).isPositive();
        }
    }
}
