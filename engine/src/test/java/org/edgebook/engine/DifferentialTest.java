package org.edgebook.engine;

import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The engine against the {@link ReferenceModel}: for random flows, every command must produce exactly the model's
 * events, and the inspection API must show the model's open orders, accounts and balances.
 * <p>
 * On a disagreement the flow is cut after the first differing command and minimised, and the failure shows the seed,
 * the minimal command sequence, and the model's and the engine's events.
 */
class DifferentialTest {

    @Test
    void engineEmitsTheModelsEventsOnManyShortFlows() {
        for (final long seed : RandomFlows.seeds(300)) {
            assertEngineAgreesWithModel(RandomFlows.replayHint(seed), RandomFlows.flow(seed, 20, 600), 1);
        }
    }

    @Test
    void engineEmitsTheModelsEventsOnFlowsOfTwentyThousandCommands() {
        for (final long seed : RandomFlows.seeds(3)) {
            assertEngineAgreesWithModel(RandomFlows.replayHint(seed), RandomFlows.flow(seed, 20_000, 20_000),
                    997);
        }
    }

    /** The slow profile's longer hunt: a thousand times the commands of the default run. */
    @Test
    @org.junit.jupiter.api.Tag("slow")
    void engineEmitsTheModelsEventsOnManyLongFlows() {
        for (final long seed : RandomFlows.seeds(60)) {
            assertEngineAgreesWithModel(RandomFlows.replayHint(seed), RandomFlows.flow(seed, 20_000, 60_000), 997);
        }
        for (final long seed : RandomFlows.seeds(20_000)) {
            assertEngineAgreesWithModel(RandomFlows.replayHint(seed), RandomFlows.flow(seed, 20, 600), 1);
        }
    }

    /** Exact boundaries that random flows reach only by luck: each flow must get the model's answers. */
    @Test
    void engineEmitsTheModelsEventsAtTheEdges() {
        final List<List<Command>> flows = List.of(
                // A MARKET BUY on an empty book by an account that never deposited: accepted, unfilled, no balances.
                flow(market("nobody", "m1", Side.BUY, "100"), new Command.QueryBalances("nobody")),
                // Circulation up to exactly Long.MAX_VALUE units, then one unit more.
                flow(deposit("a", "JPY", "9223372036854775806"), deposit("b", "JPY", "1"), deposit("b", "JPY", "1"),
                        new Command.Withdraw("a", "JPY", Decimal.parse("1")), deposit("b", "JPY", "1")),
                // LIMIT BUYs holding half the range, then 307 units under the range (more than is left), then one
                // lot past it (notional out of range).
                flow(deposit("a", "JPY", "9223372036854775807"),
                        limit("a", "b1", Side.BUY, "5", "922337203685477500"),
                        limit("a", "b2", Side.BUY, "5", "1844674407370955100"),
                        limit("a", "b3", Side.BUY, "5", "1844674407370955200")),
                // The largest price on the tick (its notional overflows), and one tick above (digits overflow).
                flow(deposit("a", "DOGE", "100"),
                        limit("a", "s1", Side.SELL, "9223372036854775805", "100"),
                        limit("a", "s2", Side.SELL, "9223372036854775810", "100")),
                // Modify: a no-op, a price-only change whose notional overflows, another account's id.
                flow(deposit("a", "JPY", "1000000"), limit("a", "b1", Side.BUY, "500", "100"),
                        new Command.Modify("a", "b1", Decimal.parse("500"), Decimal.parse("100")),
                        new Command.Modify("a", "b1", Decimal.parse("92233720368547760"), null),
                        new Command.Modify("b", "b1", null, Decimal.parse("100")),
                        new Command.Cancel("b", "b1"), new Command.QueryBook("DOGE-JPY")),
                // Modify after a partial fill (DOGE lot 100): the quantity is the new total, so a repeat changes
                // nothing; price × total must fit even where price × remaining would; a total no larger than what
                // has filled ends the order, and its repeat is UNKNOWN_ORDER.
                flow(deposit("a", "JPY", "1000000"), deposit("s", "DOGE", "1000"),
                        limit("a", "b1", Side.BUY, "500", "500"), limit("s", "s1", Side.SELL, "500", "400"),
                        new Command.Modify("a", "b1", null, Decimal.parse("500")),
                        new Command.Modify("a", "b1", null, Decimal.parse("500")),
                        new Command.Modify("a", "b1", null, Decimal.parse("800")),
                        new Command.Modify("a", "b1", Decimal.parse("15000000000000000"), null),
                        new Command.Modify("a", "b1", Decimal.parse("495"), Decimal.parse("400")),
                        new Command.Modify("a", "b1", Decimal.parse("495"), Decimal.parse("400")),
                        new Command.QueryBook("DOGE-JPY"), new Command.QueryBalances("a")),
                // A MARKET BUY whose cost walk (2 x 5.5e18 JPY) passes the long range: INSUFFICIENT_FUNDS, however
                // rich the buyer, never a wrapped cost.
                flow(deposit("a", "JPY", "9223372036854775807"), deposit("s", "DOGE", "100"),
                        deposit("t", "DOGE", "100"),
                        limit("s", "s1", Side.SELL, "55340232221128650", "100"),
                        limit("t", "t1", Side.SELL, "55340232221128650", "100"),
                        market("a", "m1", Side.BUY, "200"), new Command.QueryBalances("a")),
                // An orders query over two markets, both sides, several prices and several orders at a price, as
                // modifies that keep or lose time priority, fills and cancels change them; markets answer in
                // definition order (BTC-USD before DOGE-JPY) whatever order the orders were placed in.
                flow(deposit("a", "JPY", "10000000"), deposit("a", "DOGE", "100000"), deposit("a", "USD", "1000"),
                        deposit("a", "BTC", "1"), deposit("b", "JPY", "10000000"), deposit("b", "DOGE", "100000"),
                        deposit("b", "USD", "1000"), deposit("b", "BTC", "1"),
                        limit("a", "d1", Side.BUY, "495", "100"), limit("a", "d2", Side.BUY, "500", "100"),
                        limit("a", "d3", Side.SELL, "510", "200"), limit("b", "x1", Side.BUY, "500", "100"),
                        limit("a", "d4", Side.BUY, "500", "100"),
                        btcUsd("a", "c1", Side.BUY, "100", "0.01"), btcUsd("a", "c2", Side.BUY, "100", "0.01"),
                        btcUsd("a", "c3", Side.BUY, "99.5", "0.01"), btcUsd("a", "c4", Side.SELL, "101", "0.01"),
                        btcUsd("a", "c5", Side.SELL, "102", "0.01"), btcUsd("a", "c6", Side.SELL, "101", "0.01"),
                        new Command.QueryOrders("a"),
                        new Command.Modify("a", "c1", null, Decimal.parse("0.005")), new Command.QueryOrders("a"),
                        new Command.Modify("a", "c1", null, Decimal.parse("0.02")), new Command.QueryOrders("a"),
                        new Command.Modify("a", "d1", Decimal.parse("500"), null), new Command.QueryOrders("a"),
                        limit("b", "y1", Side.SELL, "500", "100"), btcUsd("b", "y2", Side.SELL, "100", "0.005"),
                        new Command.QueryOrders("a"), new Command.Cancel("a", "c4"), new Command.QueryOrders("a"),
                        new Command.QueryOrders("b"), new Command.QueryOrders("nobody")),
                // Sources: in order, a repeat (nothing runs again), a gap (nothing changes), a command the engine
                // rejects (the mark moves all the same), two sources side by side, malformed pairs (nothing moves).
                flow(sourced("edge-1", 1, deposit("a", "JPY", "1000")), sourced("edge-1", 1, deposit("a", "JPY",
                        "1000")), sourced("edge-1", 3, deposit("a", "JPY", "5")),
                        sourced("edge-1", 2, new Command.Withdraw("a", "JPY", Decimal.parse("5000"))),
                        sourced("edge-1", 3, deposit("a", "JPY", "5")), sourced("edge-2", 1, deposit("b", "JPY",
                                "7")), sourced("edge-2", 1, new Command.QueryBalances("b")),
                        sourced("", 4, deposit("a", "JPY", "1")), sourced("edge-1", 0, deposit("a", "JPY", "1")),
                        sourced("edge-1", 4, null), sourced("edge-1", 4, sourced("edge-1", 4, deposit("a", "JPY",
                                "1"))), sourced("edge-1", Long.MAX_VALUE, deposit("a", "JPY", "1")),
                        sourced("edge-1", 4, new Command.Malformed("bad", "a", null)),
                        new Command.QueryBalances("a")),
                // Empty and null names in every command that has them.
                flow(new Command.Deposit("", "JPY", Decimal.parse("1")), new Command.Withdraw(null, "JPY",
                        Decimal.parse("1")), new Command.Cancel("", ""), new Command.Modify("a", "", null, null),
                        new Command.QueryBalances(""), new Command.QueryBook(""),
                        new Command.Place("", "", "", null, null, null, null, null, false),
                        new Command.DefineAsset("", 2), new Command.DefineInstrument("", "", "", null, null)));
        for (int i = 0; i < flows.size(); i++) {
            final List<Command> withDefinitions = new ArrayList<>(RandomFlows.definitions());
            withDefinitions.addAll(flows.get(i));
            assertEngineAgreesWithModel("edge flow #" + (i + 1), withDefinitions, 1);
        }
    }

    private static List<Command> flow(final Command... commands) {
        return List.of(commands);
    }

    private static Command sourced(final String source, final long sourceSeq, final Command command) {
        return new Command.FromSender(source, sourceSeq, command);
    }

    private static Command deposit(final String account, final String asset, final String amount) {
        return new Command.Deposit(account, asset, Decimal.parse(amount));
    }

    private static Command limit(final String account, final String id, final Side side, final String price,
                                 final String quantity) {
        return Command.Place.limit(account, id, "DOGE-JPY", side, price, quantity);
    }

    private static Command btcUsd(final String account, final String id, final Side side, final String price,
                                  final String quantity) {
        return Command.Place.limit(account, id, "BTC-USD", side, price, quantity);
    }

    private static Command market(final String account, final String id, final Side side, final String quantity) {
        return new Command.Place(account, id, "DOGE-JPY", side, OrderType.MARKET, null, null,
                Decimal.parse(quantity), false);
    }

    private static void assertEngineAgreesWithModel(final String name, final List<Command> flow,
                                                    final int stateCheckEvery) {
        final EngineVsModel.Mismatch mismatch = EngineVsModel.firstMismatch(flow, stateCheckEvery);
        if (mismatch == null) {
            return;
        }
        // Everything after the first differing command is irrelevant to it.
        final List<Command> prefix = flow.subList(0, Math.max(0, mismatch.index() + 1));
        final List<Command> minimal = FlowMinimizer.minimize(prefix,
                candidate -> EngineVsModel.firstMismatch(candidate, 1) != null, 60_000);
        final EngineVsModel.Mismatch minimalMismatch = EngineVsModel.firstMismatch(minimal, 1);
        fail("Engine and model disagree on " + name + ".\nFirst disagreement in its "
                + flow.size() + " commands: " + mismatch.description()
                + "\n\nMinimal failing flow (" + minimal.size() + " commands, cmd numbers from 1):"
                + EngineVsModel.lines(minimal)
                + "\n\nIts disagreement: " + (minimalMismatch == null ? "(none?)" : minimalMismatch.description()));
    }
}
