package org.edgebook.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/**
 * Conservation and consistency of the real engine over random flows, checked after every command through the
 * inspection API alone (no reference model involved). A failure names the flow's seed.
 */
class EngineInvariantsTest {

    @Test
    void eachAssetsTotalEqualsDepositsMinusWithdrawals() {
        forEachFlow((run, cmd) -> {
            final Map<String, BigDecimal> totals = new HashMap<>();
            for (final String account : run.engine.accounts()) {
                run.engine.balances(account).forEach((asset, b) -> totals.merge(asset, big(b.available()).add(big(b
                        .reserved())), BigDecimal::add));
            }
            for (final String asset : run.depositsMinusWithdrawals.keySet()) {
                assertThat(totals.getOrDefault(asset, BigDecimal.ZERO))
                        .as("total of %s after cmd %d", asset, cmd)
                        .isEqualByComparingTo(run.depositsMinusWithdrawals.get(asset));
            }
            assertThat(run.depositsMinusWithdrawals.keySet()).as("assets held after cmd %d", cmd)
                    .containsAll(totals.keySet());
        });
    }

    @Test
    void noBalanceIsEverNegative() {
        forEachFlow((run, cmd) -> {
            for (final String account : run.engine.accounts()) {
                run.engine.balances(account).forEach((asset, b) -> {
                    assertThat(b.available().signum()).as("%s available %s after cmd %d", account, asset, cmd)
                            .isNotNegative();
                    assertThat(b.reserved().signum()).as("%s reserved %s after cmd %d", account, asset, cmd)
                            .isNotNegative();
                });
            }
        });
    }

    @Test
    void reservedFundsEqualWhatOpenOrdersHold() {
        forEachFlow((run, cmd) -> {
            // account -> asset -> what its open orders hold: BUY price x remaining of quote, SELL remaining of base.
            final Map<String, Map<String, BigDecimal>> held = new HashMap<>();
            for (final OpenOrder o : run.engine.openOrders()) {
                final String[] baseQuote = run.instruments.get(o.symbol());
                final boolean buy = o.side() == Side.BUY;
                final BigDecimal amount = buy ? big(o.price()).multiply(big(o.remaining())) : big(o.remaining());
                held.computeIfAbsent(o.account(), k -> new HashMap<>())
                        .merge(buy ? baseQuote[1] : baseQuote[0], amount, BigDecimal::add);
            }
            for (final String account : run.engine.accounts()) {
                final Map<String, BigDecimal> expected = held.getOrDefault(account, Map.of());
                run.engine.balances(account).forEach((asset, b) -> assertThat(big(b.reserved())).as(
                        "%s reserved %s after cmd %d", account, asset, cmd)
                        .isEqualByComparingTo(expected.getOrDefault(asset, BigDecimal.ZERO)));
                expected.forEach((asset, amount) -> assertThat(run.engine.balances(account)).as(
                        "%s balances after cmd %d", account, cmd)
                        .containsKey(asset));
            }
        });
    }

    @Test
    void noBookIsEverCrossed() {
        forEachFlow((run, cmd) -> {
            final Map<String, BigDecimal> bestBid = new HashMap<>();
            final Map<String, BigDecimal> bestAsk = new HashMap<>();
            for (final OpenOrder o : run.engine.openOrders()) {
                assertThat(o.remaining().signum()).as("remaining of %s after cmd %d", o, cmd).isPositive();
                if (o.side() == Side.BUY) {
                    bestBid.merge(o.symbol(), big(o.price()), BigDecimal::max);
                } else {
                    bestAsk.merge(o.symbol(), big(o.price()), BigDecimal::min);
                }
            }
            bestBid.forEach((symbol, bid) -> {
                if (bestAsk.containsKey(symbol)) {
                    assertThat(bid).as("best bid vs best ask of %s after cmd %d", symbol, cmd)
                            .isLessThan(bestAsk.get(symbol));
                }
            });
        });
    }

    @Test
    void replayingAFlowGivesIdenticalEvents() {
        for (final long seed : RandomFlows.seeds(FLOWS)) {
            final List<Command> flow = RandomFlows.flow(seed, 20, 500);
            final List<Event> first = replay(flow);
            final List<Event> second = replay(flow);
            assertThat(second).as(RandomFlows.replayHint(seed)).isEqualTo(first);
            // Map equality ignores order; balances must also come in the same order.
            for (int i = 0; i < first.size(); i++) {
                if (first.get(i) instanceof Event.Balances b) {
                    assertThat(((Event.Balances) second.get(i)).balances().keySet()).as(RandomFlows.replayHint(seed))
                            .containsExactlyElementsOf(b.balances().keySet());
                }
            }
        }
    }

    private static final int FLOWS = 100;

    private static List<Event> replay(final List<Command> commands) {
        final EventCollector collector = new EventCollector();
        final Engine engine = new Engine(collector);
        for (int i = 0; i < commands.size(); i++) {
            engine.execute(i + 1, commands.get(i));
        }
        return List.copyOf(collector.events());
    }

    /** One engine fed a flow, with what the test needs to know from the commands that took effect. */
    private static final class Run {
        final EventCollector collector = new EventCollector();
        final Engine engine = new Engine(collector);
        final Map<String, BigDecimal> depositsMinusWithdrawals = new HashMap<>();
        /** symbol -> {base, quote} of instruments whose definition took effect. */
        final Map<String, String[]> instruments = new HashMap<>();
    }

    /** For each random flow, feeds it to a fresh engine and runs the check after every command. */
    private static void forEachFlow(final BiConsumer<Run, Long> check) {
        for (final long seed : RandomFlows.seeds(FLOWS)) {
            try {
                run(RandomFlows.flow(seed, 20, 500), check);
            } catch (final AssertionError e) {
                throw new AssertionError(RandomFlows.replayHint(seed) + ": " + e.getMessage(), e);
            }
        }
    }

    private static void run(final List<Command> commands, final BiConsumer<Run, Long> check) {
        final Run run = new Run();
        for (int i = 0; i < commands.size(); i++) {
            final long cmd = i + 1;
            final Command command = commands.get(i);
            run.engine.execute(cmd, command);
            final boolean tookEffect = run.collector.drain().stream().anyMatch(e -> e instanceof Event.Ok);
            if (tookEffect) {
                switch (Command.unwrap(command)) { // a sourced command that ran is its command (an Ok means it ran)
                    case Command.Deposit d -> run.depositsMinusWithdrawals.merge(d.asset(), big(d.amount()),
                            BigDecimal::add);
                    case Command.Withdraw w -> run.depositsMinusWithdrawals.merge(w.asset(),
                            big(w.amount()).negate(), BigDecimal::add);
                    case Command.DefineInstrument d -> run.instruments.put(d.symbol(),
                            new String[] {d.base(), d.quote()});
                    default -> {
                    }
                }
            }
            check.accept(run, cmd);
        }
    }

    private static BigDecimal big(final Decimal d) {
        return BigDecimal.valueOf(d.unscaled(), d.scale());
    }
}
