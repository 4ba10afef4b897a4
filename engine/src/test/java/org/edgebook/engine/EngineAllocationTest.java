package org.edgebook.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The hot path allocates nothing: once tables and pools have grown to the working set, placing, matching, modifying,
 * cancelling and moving money create no garbage, and neither do the queries (book, balances, orders) or sourced
 * commands (run, repeated or ahead of their turn). Measured with the JVM's per-thread allocation counter, which counts
 * every byte the thread allocates (interpreted or compiled), so this is a count, not a timing.
 */
class EngineAllocationTest {

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Rounds of resting orders, crossing orders, modifies, cancels and money movements over a few accounts. */
    private static List<Command> round(final int round) {
        final List<Command> commands = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            final String id = "r" + round + "-" + i;
            final String account = "acct" + (i % 4);
            final String price = Integer.toString(100 + i % 10);
            commands.add(Command.Place.limit(account, id, "BTC-USD", i % 2 == 0 ? Side.BUY : Side.SELL,
                    i % 2 == 0 ? price : Integer.toString(111 + i % 10), "1"));
            if (i % 5 == 0) {
                commands.add(new Command.Modify(account, id, null, Decimal.parse("0.5")));
            }
            if (i % 7 == 0) {
                commands.add(new Command.Modify(account, id, Decimal.parse(i % 2 == 0 ? "99" : "120"), null));
            }
        }
        // Takers that sweep some levels on both sides, including self-trade cancels.
        commands.add(Command.Place.limit("acct1", "t" + round + "-b", "BTC-USD", Side.BUY, "113", "30"));
        commands.add(Command.Place.limit("acct0", "t" + round + "-s", "BTC-USD", Side.SELL, "107", "30"));
        commands.add(new Command.Place("acct2", "t" + round + "-m", "BTC-USD", Side.BUY, OrderType.MARKET, null,
                null, Decimal.parse("3"), false));
        // Orders queries while each account has dozens of orders open on both sides: copied and sorted in place.
        for (int a = 0; a < 4; a++) {
            commands.add(new Command.QueryOrders("acct" + a));
        }
        for (int i = 0; i < 200; i++) {
            commands.add(new Command.Cancel("acct" + (i % 4), "r" + round + "-" + i));
        }
        commands.add(new Command.Deposit("acct3", "USD", Decimal.parse("10")));
        commands.add(new Command.Withdraw("acct3", "USD", Decimal.parse("10")));
        commands.add(new Command.QueryBook("BTC-USD"));
        commands.add(new Command.QueryBalances("acct1"));
        // Sourced commands: each source's next number (places, a cancel, a rejected withdrawal), then a repeat and
        // a gap, over sources made in the warm-up.
        for (int s = 0; s < 3; s++) {
            final String source = "edge-" + s;
            final long base = round * 4L;
            final String id = "s" + round + "-" + s;
            commands.add(new Command.FromSender(source, base + 1, Command.Place.limit("acct" + s, id, "BTC-USD",
                    Side.BUY, "95", "1")));
            commands.add(new Command.FromSender(source, base + 2, new Command.Cancel("acct" + s, id)));
            commands.add(new Command.FromSender(source, base + 3, new Command.Withdraw("acct" + s, "USD",
                    Decimal.parse("1000000000"))));
            commands.add(new Command.FromSender(source, base + 1, new Command.Cancel("acct" + s, id)));
            commands.add(new Command.FromSender(source, base + 9, new Command.Cancel("acct" + s, id)));
            commands.add(new Command.FromSender(source, base + 4, new Command.QueryBalances("acct" + s)));
        }
        return commands;
    }

    @Test
    void steadyStateCommandsAllocateNothingPerCommand() {
        final EventCounter sink = new EventCounter(EventSink.DISCARD);
        final Engine engine = new Engine(sink);
        long cmd = 0;
        engine.execute(++cmd, new Command.DefineAsset("USD", 4));
        engine.execute(++cmd, new Command.DefineAsset("BTC", 8));
        engine.execute(++cmd, new Command.DefineInstrument("BTC-USD", "BTC", "USD", Decimal.parse("1"),
                Decimal.parse("0.1")));
        for (int a = 0; a < 4; a++) {
            engine.execute(++cmd, new Command.Deposit("acct" + a, "USD", Decimal.parse("100000000")));
            engine.execute(++cmd, new Command.Deposit("acct" + a, "BTC", Decimal.parse("1000000")));
        }
        // Warm-up rounds grow every table and pool to the working set (and let the JIT compile the hot path).
        final int warmRounds = 300;
        final int measuredRounds = 10;
        final List<List<Command>> rounds = new ArrayList<>();
        for (int r = 0; r < warmRounds + measuredRounds; r++) {
            rounds.add(round(r));
        }
        for (int r = 0; r < warmRounds; r++) {
            for (final Command command : rounds.get(r)) {
                engine.execute(++cmd, command);
            }
        }
        // The id tables double as ids accumulate; the measured ids fit below the next doubling.
        final long eventsBefore = sink.events();
        final long before = THREADS.getCurrentThreadAllocatedBytes();
        long commands = 0;
        for (int r = warmRounds; r < warmRounds + measuredRounds; r++) {
            final List<Command> round = rounds.get(r);
            for (int i = 0; i < round.size(); i++) { // indexed: an iterator would be the only allocation here
                engine.execute(++cmd, round.get(i));
                commands++;
            }
        }
        final long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        assertThat(sink.events() - eventsBefore).isGreaterThan(commands);
        // Zero in a quiet JVM. The bound allows the few bytes the JIT itself may cause (a deoptimisation
        // rematerialises objects it had scalar-replaced; seen: 72 bytes once in a full suite run). Any allocation
        // per command, even one 16-byte object, would be over 75,000 bytes here.
        assertThat(allocated).as("bytes allocated by %d commands", commands).isLessThan(commands / 4);
    }
}
