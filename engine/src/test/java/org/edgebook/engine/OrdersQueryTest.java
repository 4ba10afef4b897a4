package org.edgebook.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The orders query: its documented order (markets in definition order, bids best first then asks, oldest first at a
 * price), that a restored engine gives the same answer, and that each account's list of open orders
 * ({@link OrderIndex}) holds exactly that account's resting orders after every command and after a restore.
 */
class OrdersQueryTest {

    /** BTC-USD as in {@link EngineFixture#btcUsd()}, then ETH (scale 8) and ETH-USD, both funded for a and b. */
    private static EngineFixture twoMarkets() {
        final EngineFixture f = EngineFixture.btcUsd();
        f.run(new Command.DefineAsset("ETH", 8));
        f.run(new Command.DefineInstrument("ETH-USD", "ETH", "USD", EngineFixture.d("0.5"), EngineFixture.d("0.01")));
        for (final String account : List.of("a", "b")) {
            f.deposit(account, "USD", "100000");
            f.deposit(account, "BTC", "10");
            f.deposit(account, "ETH", "100");
        }
        return f;
    }

    private static List<Event> place(final EngineFixture f, final String account, final String id,
                                     final String symbol, final Side side, final String price, final String qty) {
        return f.run(Command.Place.limit(account, id, symbol, side, price, qty));
    }

    /** The ids of the account's orders, in the order the query answers them. */
    private static List<String> ids(final List<Event> answer) {
        assertThat(answer).hasSize(1).first().isInstanceOf(Event.Orders.class);
        final List<String> ids = new ArrayList<>();
        for (final OpenOrder o : ((Event.Orders) answer.getFirst()).orders()) {
            ids.add(o.clientOrderId());
        }
        return ids;
    }

    @Test
    void answersMarketsInDefinitionOrderBidsBestFirstThenAsksOldestFirstAtAPrice() {
        final EngineFixture f = twoMarkets();
        // Placed out of every order the answer uses: ETH-USD first, asks before bids, worse prices first.
        place(f, "a", "e-ask", "ETH-USD", Side.SELL, "30", "1");
        place(f, "a", "e-bid", "ETH-USD", Side.BUY, "20", "1");
        place(f, "a", "ask-102", "BTC-USD", Side.SELL, "102", "0.01");
        place(f, "a", "ask-101-first", "BTC-USD", Side.SELL, "101", "0.01");
        place(f, "b", "b-ask-101", "BTC-USD", Side.SELL, "101", "0.01");
        place(f, "a", "ask-101-second", "BTC-USD", Side.SELL, "101", "0.01");
        place(f, "a", "bid-99", "BTC-USD", Side.BUY, "99", "0.01");
        place(f, "a", "bid-100-first", "BTC-USD", Side.BUY, "100", "0.01");
        place(f, "b", "b-bid-100", "BTC-USD", Side.BUY, "100", "0.01");
        place(f, "a", "bid-100-second", "BTC-USD", Side.BUY, "100", "0.01");

        assertThat(ids(f.run(new Command.QueryOrders("a")))).containsExactly(
                "bid-100-first", "bid-100-second", "bid-99", "ask-101-first", "ask-101-second", "ask-102",
                "e-bid", "e-ask");
        assertThat(ids(f.run(new Command.QueryOrders("b")))).containsExactly("b-bid-100", "b-ask-101");
        assertThat(ids(f.run(new Command.QueryOrders("nobody")))).isEmpty();
    }

    @Test
    void aModifyThatLosesTimePriorityMovesTheOrderBehindOthersAtItsPrice() {
        final EngineFixture f = twoMarkets();
        place(f, "a", "first", "BTC-USD", Side.BUY, "100", "0.01");
        place(f, "a", "second", "BTC-USD", Side.BUY, "100", "0.01");
        place(f, "a", "lower", "BTC-USD", Side.BUY, "99", "0.01");
        // Shrinking keeps time priority.
        f.run(new Command.Modify("a", "first", null, EngineFixture.d("0.005")));
        assertThat(ids(f.run(new Command.QueryOrders("a")))).containsExactly("first", "second", "lower");
        // Growing loses it.
        f.run(new Command.Modify("a", "first", null, EngineFixture.d("0.02")));
        assertThat(ids(f.run(new Command.QueryOrders("a")))).containsExactly("second", "first", "lower");
        // A new price joins the back of that level.
        f.run(new Command.Modify("a", "lower", EngineFixture.d("100"), null));
        assertThat(ids(f.run(new Command.QueryOrders("a")))).containsExactly("second", "first", "lower");
        // Filled and cancelled orders leave the answer; a partly filled one stays, with what remains.
        place(f, "b", "taker", "BTC-USD", Side.SELL, "100", "0.015");
        f.run(new Command.Cancel("a", "lower"));
        final List<Event> answer = f.run(new Command.QueryOrders("a"));
        assertThat(ids(answer)).containsExactly("first");
        assertThat(((Event.Orders) answer.getFirst()).orders().getFirst().remaining())
                .isEqualTo(EngineFixture.d("0.015"));
    }

    /**
     * The cost property, counted rather than timed: an account with 3 open orders in a market where 100,000 orders of
     * another account rest, at its prices and around them, is answered by looking at its 3 orders. A walk through the
     * books, as the query once was, looks at all 100,003.
     */
    @Test
    void anAccountsOrdersAreListedByLookingOnlyAtThem() {
        final EngineFixture f = EngineFixture.btcUsd();
        f.deposit("crowd", "USD", "100000000");
        f.deposit("crowd", "BTC", "100000");
        f.deposit("mine", "USD", "1000");
        f.deposit("mine", "BTC", "1");
        final int others = 100_000;
        for (int i = 0; i < others; i++) {
            // 1,000 levels a side, 50 orders each: bids 1000 down to 500.5, asks 1001 up to 1500.5.
            final Side side = i % 2 == 0 ? Side.BUY : Side.SELL;
            final int ticks = (i / 2) % 1000;
            final String price = side == Side.BUY ? half(2000 - ticks) : half(2002 + ticks);
            assertThat(f.run(Command.Place.limit("crowd", "c" + i, "BTC-USD", side, price, "0.001")))
                    .first().isInstanceOf(Event.Accepted.class);
            if (i == 10 || i == 50_001 || i == others - 2) {
                final String id = "m" + i;
                f.run(Command.Place.limit("mine", id, "BTC-USD", side, price, "0.001"));
            }
        }
        assertThat(f.engine.openOrders()).hasSize(others + 3);

        assertThat(ids(f.run(new Command.QueryOrders("mine")))).containsExactly("m10", "m99998", "m50001");
        assertThat(f.engine.ordersVisitedByLastQuery()).isEqualTo(3);
        assertThat(ids(f.run(new Command.QueryOrders("nobody")))).isEmpty();
        assertThat(f.engine.ordersVisitedByLastQuery()).isZero();
    }

    /** {@code halves / 2} as a price: 2001 is "1000.5". */
    private static String half(final int halves) {
        return halves / 2 + (halves % 2 == 0 ? "" : ".5");
    }

    @Test
    void aRestoredEngineAnswersEveryAccountsOrdersQueryAsTheOriginal() throws IOException {
        for (final long seed : RandomFlows.seeds(20)) {
            final List<Command> flow = RandomFlows.flow(seed, 500, 2000);
            final EventCollector originalEvents = new EventCollector();
            final Engine original = new Engine(originalEvents);
            for (int i = 0; i < flow.size(); i++) {
                original.execute(i + 1, flow.get(i));
            }
            final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            EngineSnapshot.write(original, new DataOutputStream(bytes));
            final EventCollector restoredEvents = new EventCollector();
            final Engine restored = EngineSnapshot.read(new DataInputStream(
                    new ByteArrayInputStream(bytes.toByteArray())), restoredEvents);
            originalEvents.drain();
            long cmd = flow.size();
            for (final String account : original.accounts()) {
                cmd++;
                original.execute(cmd, new Command.QueryOrders(account));
                restored.execute(cmd, new Command.QueryOrders(account));
            }
            assertThat(restoredEvents.drain()).as(RandomFlows.replayHint(seed)).isEqualTo(originalEvents.drain());
        }
    }

    @Test
    void eachAccountsOpenOrderListHoldsExactlyItsRestingOrders() throws IOException {
        for (final long seed : RandomFlows.seeds(100)) {
            final List<Command> flow = RandomFlows.flow(seed, 20, 800);
            final Engine engine = new Engine(EventSink.DISCARD);
            for (int i = 0; i < flow.size(); i++) {
                engine.execute(i + 1, flow.get(i));
                assertOpenOrderListsMatchTheBooks(engine, RandomFlows.replayHint(seed) + ", after cmd " + (i + 1));
            }
            final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            EngineSnapshot.write(engine, new DataOutputStream(bytes));
            assertOpenOrderListsMatchTheBooks(EngineSnapshot.read(new DataInputStream(
                    new ByteArrayInputStream(bytes.toByteArray())), EventSink.DISCARD),
                    RandomFlows.replayHint(seed) + ", restored");
        }
    }

    private static void assertOpenOrderListsMatchTheBooks(final Engine engine, final String when) {
        for (final Account account : engine.accounts) {
            final Set<Order> onBooks = Collections.newSetFromMap(new IdentityHashMap<>());
            for (final Instrument instrument : engine.instruments) {
                for (final BookSide side : List.of(instrument.book.bids, instrument.book.asks)) {
                    for (int l = 0; l < side.levelCount(); l++) {
                        for (Order o = side.level(l).head; o != null; o = o.next) {
                            if (o.account == account) {
                                onBooks.add(o);
                            }
                        }
                    }
                }
            }
            final Set<Order> listed = Collections.newSetFromMap(new IdentityHashMap<>());
            Order prev = null;
            for (Order o = account.orders.firstOpen(); o != null; o = o.nextOfAccount) {
                assertThat(o.prevOfAccount).as("%s: %s's list links back", when, account.name).isSameAs(prev);
                assertThat(listed.add(o)).as("%s: %s's list has no cycle", when, account.name).isTrue();
                assertThat(account.orders.get(o.clientOrderId)).as("%s: %s's id table", when, account.name)
                        .isSameAs(o);
                prev = o;
            }
            assertThat(listed).as("%s: %s's open orders", when, account.name).isEqualTo(onBooks);
            assertThat(account.orders.openCount()).as("%s: %s's open count", when, account.name)
                    .isEqualTo(onBooks.size());
        }
    }
}
