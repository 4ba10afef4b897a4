package org.edgebook.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.edgebook.codec.CommandDecoder;
import org.edgebook.codec.LineReader;
import org.edgebook.engine.Command;
import org.edgebook.engine.Decimal;
import org.edgebook.engine.Side;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, finding 1: what the journal holds is exactly what was executed, so a restart replays the same history.
 * A lone UTF-16 surrogate used to be journaled as {@code ?}: two different order ids became one at replay, and the
 * second order (and its trade) vanished at the next start.
 */
class JournalExactnessTest {

    private static List<Command> decode(final List<String> lines) throws Exception {
        final List<Command> commands = new ArrayList<>();
        final LineReader reader = new LineReader(new ByteArrayInputStream(JournalFixture.bytes(lines)));
        final CommandDecoder decoder = new CommandDecoder();
        while (reader.next()) {
            commands.add(decoder.decode(reader.buffer(), reader.offset(), reader.length()));
        }
        return commands;
    }

    /** A normal flow with hostile commands mixed in, through both doors: JSON lines and the Java API. */
    private static List<Command> hostileFlow() throws Exception {
        final List<String> lines = new ArrayList<>(JournalFixture.flow(91, 400));
        lines.add(150, "{\"type\":\"place\",\"account\":\"a1\",\"clientOrderId\":\"x\\ud800y\",\"symbol\":\"BTC-USD\","
                + "\"side\":\"BUY\",\"price\":\"1\",\"quantity\":\"1\"}");
        lines.add(151, "{\"type\":\"transfer\",\"transferId\":\"t\\udc00\",\"from\":\"a1\",\"to\":\"a2\","
                + "\"asset\":\"USD\",\"amount\":\"1\"}");
        lines.add(152, "{\"type\":\"cancel\",\"account\":\"a1\",\"clientOrderId\":\"x\u00c0\u00afy\"}");
        final List<Command> commands = decode(lines);
        // The Java API has no door: the journal itself must refuse what it cannot write exactly.
        commands.add(200, Command.Place.limit("a1", "x\ud800y", "BTC-USD", Side.BUY, "1", "1"));
        commands.add(201, Command.Place.limit("a1", "x?y", "BTC-USD", Side.BUY, "1", "1"));
        commands.add(202, new Command.Malformed("detail with a lone \udbff", "a1", "o\ud800"));
        commands.add(203, new Command.Deposit("a\ud800", "USD", Decimal.parse("5")));
        return commands;
    }

    @Test
    void everyJournaledCommandIsTheCommandThatWasExecuted(@TempDir final Path dir) throws Exception {
        final List<Command> commands = hostileFlow();
        final Map<Long, Command> executed = new ConcurrentSkipListMap<>();
        final Map<String, ?> balancesBefore;
        try (DurableEngine service = DurableEngine.start(JournalOptions.defaults(dir), w -> {})) {
            service.listen((seq, time, command, events) -> executed.put(seq, command));
            for (final Command command : commands) {
                final CountDownLatch done = new CountDownLatch(1);
                assertThat(service.submit(command, (seq, events) -> done.countDown())).isTrue();
                assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            }
            balancesBefore = balancesOf(service);
        }
        final Map<Long, Command> journaled = new TreeMap<>();
        JournalScanner.scan(dir, 0, false, (seq, time, command) -> journaled.put(seq, command));
        assertThat(journaled).hasSize(commands.size() + 5).isEqualTo(executed); // and the five balance queries
        for (int i = 0; i < commands.size(); i++) {
            final Command sent = commands.get(i);
            final Command kept = journaled.get(i + 1L);
            if (sent != kept && !sent.equals(kept)) {
                assertThat(kept).as("command %d, sent as %s", i + 1, sent)
                        .isEqualTo(new Command.Malformed(CommandCodec.UNJOURNALABLE, null, null));
            }
        }
        assertThat(journaled.get(201L)).isInstanceOf(Command.Malformed.class);
        assertThat(journaled.get(202L)).isEqualTo(commands.get(201));
        // The next start replays the journal to the very same state.
        try (DurableEngine again = DurableEngine.start(JournalOptions.defaults(dir), w -> {})) {
            assertThat(balancesOf(again)).isEqualTo(balancesBefore);
        }
    }

    @Test
    void theCodecRefusesTextItCouldNotReadBackIdentically() {
        final ByteBuffer out = ByteBuffer.allocate(256);
        final Command lone = new Command.Cancel("a", "x\ud800y");
        assertThat(CommandCodec.encodeExact(lone, out))
                .isEqualTo(new Command.Malformed(CommandCodec.UNJOURNALABLE, null, null));
        out.flip();
        assertThat(CommandCodec.decode(out)).isEqualTo(new Command.Malformed(CommandCodec.UNJOURNALABLE, null, null));
        final ByteBuffer pair = ByteBuffer.allocate(256);
        final Command emoji = new Command.Malformed("a pair \ud83d\ude00 is fine", "a", null);
        assertThat(CommandCodec.encodeExact(emoji, pair)).isSameAs(emoji);
        pair.flip();
        assertThat(CommandCodec.decode(pair)).isEqualTo(emoji);
    }

    @Test
    void aModifyJournaledWithTheOldMeaningIsRefusedNotReadAsATotal() {
        final ByteBuffer out = ByteBuffer.allocate(256);
        CommandCodec.encode(new Command.Modify("a", "o1", null, Decimal.parse("0.5")), out);
        out.flip();
        assertThat(CommandCodec.decode(out.duplicate())).isEqualTo(new Command.Modify("a", "o1", null,
                Decimal.parse("0.5")));
        out.put(0, (byte) 7); // the type code modify had when its quantity meant the new remaining quantity
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CommandCodec.decode(out.duplicate()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("new remaining quantity");
    }

    /** Every account's balances, read through the engine's query. */
    private static Map<String, ?> balancesOf(final DurableEngine service) throws Exception {
        final Map<String, Object> all = new TreeMap<>();
        for (final String account : new String[] {"a0", "a1", "a2", "a3", "a4"}) {
            final CountDownLatch done = new CountDownLatch(1);
            service.submit(new Command.QueryBalances(account), (seq, events) -> {
                all.put(account, events.getFirst() instanceof org.edgebook.engine.Event.Balances b
                        ? b.balances() : events);
                done.countDown();
            });
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        }
        return all;
    }
}
