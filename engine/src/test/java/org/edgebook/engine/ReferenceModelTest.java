package org.edgebook.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Worked examples that pin down the reference model itself, so the differential test compares against something sane. */
class ReferenceModelTest {
    private ReferenceModel model;
    private long cmd;

    @BeforeEach
    void defineMarket() {
        model = new ReferenceModel();
        run(new Command.DefineAsset("USD", 4));
        run(new Command.DefineAsset("BTC", 3));
        run(new Command.DefineInstrument("BTC-USD", "BTC", "USD", d("0.5"), d("0.01")));
    }

    @Test
    void crossingOrdersTradeAtTheMakersPrice() {
        deposit("s", "BTC", "1");
        deposit("b", "USD", "1000");
        run(limit("s", "s1", Side.SELL, "100", "0.5"));
        final List<Event> events = run(limit("b", "b1", Side.BUY, "101", "0.5"));

        assertThat(events).containsExactly(
                new Event.Accepted(cmd, "b", "b1"),
                new Event.Trade(cmd, "BTC-USD", d("100"), d("0.5"), "s", "s1", "b", "b1", Side.BUY));
        assertThat(model.balances("b")).isEqualTo(Map.of(
                "USD", balance("950", "0"), "BTC", balance("0.5", "0")));
        assertThat(model.balances("s")).isEqualTo(Map.of(
                "USD", balance("50", "0"), "BTC", balance("0.5", "0")));
        assertThat(model.openOrders()).isEmpty();
    }

    @Test
    void partialFillAtABetterPriceReleasesTheDifferenceAndRestsTheRemainder() {
        deposit("s", "BTC", "1");
        deposit("b", "USD", "1000");
        run(limit("s", "s1", Side.SELL, "99", "0.2"));
        run(limit("b", "b1", Side.BUY, "100", "0.5"));

        // Holds 100 x 0.3 for the rest; paid 99 x 0.2; the 1 x 0.2 difference is back.
        assertThat(model.balances("b")).containsEntry("USD", balance("950.2", "30"))
                .containsEntry("BTC", balance("0.2", "0"));
        assertThat(model.openOrders()).containsExactly(
                new OpenOrder("b", "b1", "BTC-USD", Side.BUY, d("100"), d("0.3"), false));
    }

    @Test
    void selfTradePreventionCancelsOwnRestingOrderAndMatchingGoesOn() {
        deposit("a", "BTC", "1");
        deposit("o", "BTC", "1");
        deposit("a", "USD", "1000");
        run(limit("a", "a1", Side.SELL, "100", "0.1"));
        run(limit("o", "o1", Side.SELL, "100", "0.1"));
        final List<Event> events = run(limit("a", "a2", Side.BUY, "100", "0.1"));

        assertThat(events).containsExactly(
                new Event.Accepted(cmd, "a", "a2"),
                new Event.Cancelled(cmd, "a", "a1", d("0.1"), CancelReason.SELF_TRADE),
                new Event.Trade(cmd, "BTC-USD", d("100"), d("0.1"), "o", "o1", "a", "a2", Side.BUY));
        assertThat(model.balances("a")).containsEntry("BTC", balance("1.1", "0"));
    }

    @Test
    void fokThatCannotFillCompletelyIsCancelledWithoutTouchingAnything() {
        deposit("a", "BTC", "1");
        deposit("o", "BTC", "1");
        deposit("a", "USD", "1000");
        run(limit("a", "a1", Side.SELL, "100", "0.5"));
        run(limit("o", "o1", Side.SELL, "100", "0.2"));
        final List<OpenOrder> before = model.openOrders();
        // Only 0.2 from other accounts: own 0.5 does not count.
        final List<Event> events = run(new Command.Place("a", "a2", "BTC-USD", Side.BUY, OrderType.LIMIT,
                TimeInForce.FOK, d("100"), d("0.3"), false));

        assertThat(events).containsExactly(
                new Event.Accepted(cmd, "a", "a2"),
                new Event.Cancelled(cmd, "a", "a2", d("0.3"), CancelReason.FOK));
        assertThat(model.openOrders()).isEqualTo(before);
        assertThat(model.balances("a")).containsEntry("USD", balance("1000", "0"));
    }

    @Test
    void marketBuyBeyondAvailableFundsIsRejectedAndOwnOrdersDoNotCount() {
        deposit("a", "BTC", "1");
        deposit("o", "BTC", "1");
        deposit("a", "USD", "25");
        run(limit("a", "a1", Side.SELL, "10", "0.5")); // skipped by the cost walk
        run(limit("o", "o1", Side.SELL, "50", "0.5"));
        run(limit("o", "o2", Side.SELL, "60", "0.5"));

        assertThat(run(market("a", "m1", Side.BUY, "0.6"))).containsExactly(
                new Event.Rejected(cmd, RejectReason.INSUFFICIENT_FUNDS, "a", "m1", null));
        assertThat(run(market("a", "m2", Side.BUY, "0.5"))).containsExactly(
                new Event.Accepted(cmd, "a", "m2"),
                new Event.Cancelled(cmd, "a", "a1", d("0.5"), CancelReason.SELF_TRADE),
                new Event.Trade(cmd, "BTC-USD", d("50"), d("0.5"), "o", "o1", "a", "m2", Side.BUY));
        assertThat(model.balances("a")).containsEntry("USD", balance("0", "0"))
                .containsEntry("BTC", balance("1.5", "0"));
    }

    @Test
    void marketBuyWhoseCostPassesTheLongRangeIsInsufficientFundsNotAWrap() {
        deposit("s1", "BTC", "0.01");
        deposit("s2", "BTC", "0.01");
        deposit("b", "USD", "900000000000000"); // 9e18 units
        run(limit("s1", "a1", Side.SELL, "60000000000000000", "0.01")); // notional 6e18 units
        run(limit("s2", "a2", Side.SELL, "60000000000000000", "0.01"));

        assertThat(reason(market("b", "m1", Side.BUY, "0.02"))).isEqualTo(RejectReason.INSUFFICIENT_FUNDS);
        assertThat(run(market("b", "m2", Side.BUY, "0.01"))).hasSize(2);
        assertThat(model.balances("b")).containsEntry("USD", balance("300000000000000", "0"));
    }

    @Test
    void quantityWhoseBaseAmountDoesNotFitIsInvalid() {
        // 1e16 BTC is 1e18 lots (fits) but 1e19 units of BTC (does not).
        assertThat(reason(market("a", "m1", Side.SELL, "10000000000000000")))
                .isEqualTo(RejectReason.INVALID_QUANTITY);
        assertThat(reason(market("a", "m2", Side.SELL, "1000000000000000")))
                .isEqualTo(RejectReason.INSUFFICIENT_FUNDS);
    }

    @Test
    void marketOrderRemainderIsCancelledUnfilled() {
        deposit("o", "BTC", "1");
        deposit("a", "USD", "100");
        run(limit("o", "o1", Side.SELL, "50", "0.5"));
        assertThat(run(market("a", "m1", Side.BUY, "0.75"))).containsExactly(
                new Event.Accepted(cmd, "a", "m1"),
                new Event.Trade(cmd, "BTC-USD", d("50"), d("0.5"), "o", "o1", "a", "m1", Side.BUY),
                new Event.Cancelled(cmd, "a", "m1", d("0.25"), CancelReason.UNFILLED));
    }

    @Test
    void modifyToSamePriceAndLessQuantityKeepsPriority() {
        deposit("a", "BTC", "1");
        deposit("b", "BTC", "1");
        deposit("c", "USD", "1000");
        run(limit("a", "a1", Side.SELL, "100", "0.5"));
        run(limit("b", "b1", Side.SELL, "100", "0.5"));
        assertThat(run(new Command.Modify("a", "a1", null, d("0.3")))).containsExactly(
                new Event.Modified(cmd, "a", "a1", d("100"), d("0.3")));
        assertThat(model.balances("a")).containsEntry("BTC", balance("0.7", "0.3"));

        assertThat(run(limit("c", "c1", Side.BUY, "100", "0.1")).get(1))
                .isEqualTo(new Event.Trade(cmd, "BTC-USD", d("100"), d("0.1"), "a", "a1", "c", "c1", Side.BUY));
    }

    @Test
    void modifyToMoreQuantityLosesPriority() {
        deposit("a", "BTC", "1");
        deposit("b", "BTC", "1");
        deposit("c", "USD", "1000");
        run(limit("a", "a1", Side.SELL, "100", "0.5"));
        run(limit("b", "b1", Side.SELL, "100", "0.5"));
        run(new Command.Modify("a", "a1", null, d("0.6")));

        assertThat(model.openOrders()).extracting(OpenOrder::clientOrderId).containsExactly("b1", "a1");
        assertThat(run(limit("c", "c1", Side.BUY, "100", "0.1")).get(1))
                .isEqualTo(new Event.Trade(cmd, "BTC-USD", d("100"), d("0.1"), "b", "b1", "c", "c1", Side.BUY));
    }

    @Test
    void modifyToACrossingPriceTradesAfterTheModifiedEvent() {
        deposit("a", "USD", "1000");
        deposit("b", "BTC", "1");
        run(limit("a", "a1", Side.BUY, "90", "0.5"));
        run(limit("b", "b1", Side.SELL, "95", "0.2"));
        assertThat(run(new Command.Modify("a", "a1", d("96"), null))).containsExactly(
                new Event.Modified(cmd, "a", "a1", d("96"), d("0.5")),
                new Event.Trade(cmd, "BTC-USD", d("95"), d("0.2"), "b", "b1", "a", "a1", Side.BUY));
        // 96 x 0.3 still held; paid 95 x 0.2.
        assertThat(model.balances("a")).containsEntry("USD", balance("952.2", "28.8"));
    }

    @Test
    void modifyNamesTheNewTotalSoARepeatAfterAPartialFillChangesNothingMore() {
        deposit("a", "USD", "1000");
        deposit("b", "BTC", "1");
        run(limit("a", "a1", Side.BUY, "90", "0.5"));
        run(limit("b", "b1", Side.SELL, "90", "0.4"));
        for (int i = 0; i < 2; i++) {
            assertThat(run(new Command.Modify("a", "a1", null, d("0.5")))).containsExactly(
                    new Event.Modified(cmd, "a", "a1", d("90"), d("0.1")));
        }
        assertThat(model.balances("a")).containsEntry("USD", balance("955", "9"));
        // A total of what has filled, or less, ends the order.
        assertThat(run(new Command.Modify("a", "a1", null, d("0.4")))).containsExactly(
                new Event.Cancelled(cmd, "a", "a1", d("0.1"), CancelReason.USER));
        assertThat(model.openOrders()).isEmpty();
        assertThat(model.balances("a")).containsEntry("USD", balance("964", "0"));
    }

    @Test
    void modifyNeedingMoreThanAvailablePlusHeldIsRejectedAndChangesNothing() {
        deposit("a", "USD", "100");
        run(limit("a", "a1", Side.BUY, "90", "1"));
        assertThat(run(new Command.Modify("a", "a1", d("100.5"), null))).containsExactly(
                new Event.Rejected(cmd, RejectReason.INSUFFICIENT_FUNDS, "a", "a1", null));
        assertThat(run(new Command.Modify("a", "a1", d("100"), null))).hasSize(1);
        assertThat(model.balances("a")).containsEntry("USD", balance("0", "100"));
    }

    @Test
    void postOnlyThatWouldCrossIsRejected() {
        deposit("a", "USD", "1000");
        deposit("b", "BTC", "1");
        run(limit("b", "b1", Side.SELL, "95", "0.2"));
        assertThat(run(new Command.Place("a", "a1", "BTC-USD", Side.BUY, null, null, d("95"), d("0.1"), true)))
                .containsExactly(new Event.Rejected(cmd, RejectReason.WOULD_TAKE, "a", "a1", null));
        assertThat(run(new Command.Place("a", "a1", "BTC-USD", Side.BUY, null, TimeInForce.IOC, d("90"), d("0.1"),
                true))).containsExactly(new Event.Rejected(cmd, RejectReason.INVALID_ORDER, "a", "a1", null));
    }

    @Test
    void orderIdsAreUsedUpOnlyByAcceptedOrders() {
        deposit("a", "USD", "10");
        assertThat(run(limit("a", "a1", Side.BUY, "100", "1")).getFirst().getClass())
                .isEqualTo(Event.Rejected.class);
        run(limit("a", "a1", Side.BUY, "1", "1"));
        run(new Command.Cancel("a", "a1"));
        assertThat(run(limit("a", "a1", Side.BUY, "1", "1"))).containsExactly(
                new Event.Rejected(cmd, RejectReason.DUPLICATE_ORDER_ID, "a", "a1", null));
        assertThat(run(new Command.Cancel("a", "a1"))).containsExactly(
                new Event.Rejected(cmd, RejectReason.UNKNOWN_ORDER, "a", "a1", null));
    }

    @Test
    void placeChecksComeInTheSpecifiedOrder() {
        // Unknown symbol beats a bad shape; a bad shape beats a bad price; a bad price beats a bad quantity.
        assertThat(reason(new Command.Place("a", "x", "NOPE", Side.BUY, OrderType.MARKET, null, d("1"), d("0"),
                false))).isEqualTo(RejectReason.UNKNOWN_SYMBOL);
        assertThat(reason(new Command.Place("a", "x", "BTC-USD", Side.BUY, OrderType.MARKET, TimeInForce.GTC, null,
                d("0"), false))).isEqualTo(RejectReason.INVALID_ORDER);
        assertThat(reason(limit("a", "x", Side.BUY, "100.25", "0.001"))).isEqualTo(RejectReason.INVALID_PRICE);
        assertThat(reason(limit("a", "x", Side.BUY, "100", "0.001"))).isEqualTo(RejectReason.INVALID_QUANTITY);
        assertThat(reason(limit("a", "x", Side.BUY, "100", "0.01"))).isEqualTo(RejectReason.INSUFFICIENT_FUNDS);
        // Notional 9e16 x 1000 USD does not fit in a long count of 10^-4 USD.
        assertThat(reason(limit("a", "x", Side.BUY, "90000000000000000", "1000")))
                .isEqualTo(RejectReason.INVALID_QUANTITY);
        assertThat(reason(new Command.Place("a", "", "BTC-USD", Side.BUY, null, null, d("1"), d("1"), false)))
                .isEqualTo(RejectReason.MALFORMED);
    }

    @Test
    void depositPastTheAssetsRangeInCirculationIsInvalid() {
        deposit("a", "USD", "500000000000000"); // 5e18 units of 10^-4
        assertThat(reason(new Command.Deposit("b", "USD", d("500000000000000"))))
                .isEqualTo(RejectReason.INVALID_AMOUNT);
        assertThat(reason(new Command.Deposit("b", "USD", d("0.00001")))).isEqualTo(RejectReason.INVALID_AMOUNT);
        assertThat(reason(new Command.Deposit("b", "USD", Decimal.OUT_OF_RANGE)))
                .isEqualTo(RejectReason.INVALID_AMOUNT);
        assertThat(reason(new Command.Deposit("b", "EUR", d("-1")))).isEqualTo(RejectReason.UNKNOWN_ASSET);
        assertThat(reason(new Command.Withdraw("b", "USD", d("1")))).isEqualTo(RejectReason.INSUFFICIENT_FUNDS);
        assertThat(model.accounts()).containsExactly("a");
    }

    @Test
    void instrumentChecksComeInTheSpecifiedOrder() {
        assertThat(reason(new Command.DefineInstrument("BTC-USD", "X", "Y", d("0"), d("0"))))
                .isEqualTo(RejectReason.DUPLICATE);
        assertThat(reason(new Command.DefineInstrument("X-Y", "X", "USD", d("0"), d("0"))))
                .isEqualTo(RejectReason.UNKNOWN_ASSET);
        assertThat(reason(new Command.DefineInstrument("U-U", "USD", "USD", d("1"), d("1"))))
                .isEqualTo(RejectReason.INVALID_INSTRUMENT);
        // decimals(tick) + decimals(lot) = 5 > scale(USD) = 4.
        assertThat(reason(new Command.DefineInstrument("B2", "BTC", "USD", d("0.001"), d("0.01"))))
                .isEqualTo(RejectReason.INVALID_INSTRUMENT);
        // decimals(lot) = 4 > scale(BTC) = 3.
        assertThat(reason(new Command.DefineInstrument("B3", "BTC", "USD", d("1"), d("0.0001"))))
                .isEqualTo(RejectReason.INVALID_INSTRUMENT);
        assertThat(reason(new Command.DefineInstrument("B4", "BTC", "USD", d("1.0"), d("0.01"))))
                .isNull();
    }

    @Test
    void balancesListOnlyAssetsEverHeldInDefinitionOrder() {
        deposit("a", "BTC", "1");
        deposit("a", "USD", "1");
        run(new Command.Withdraw("a", "USD", d("1")));
        final Event.Balances b = (Event.Balances) run(new Command.QueryBalances("a")).getFirst();
        assertThat(b.balances().keySet()).containsExactly("USD", "BTC");
        assertThat(run(new Command.QueryBalances("nobody"))).containsExactly(
                new Event.Balances(cmd, "nobody", Map.of()));
    }

    @Test
    void bookAggregatesLevelsBestFirst() {
        deposit("a", "USD", "1000");
        deposit("b", "BTC", "1");
        run(limit("a", "a1", Side.BUY, "90", "0.5"));
        run(limit("a", "a2", Side.BUY, "91", "0.5"));
        run(limit("a", "a3", Side.BUY, "90", "0.25"));
        run(limit("b", "b1", Side.SELL, "95", "0.2"));
        assertThat(run(new Command.QueryBook("BTC-USD"))).containsExactly(new Event.Book(cmd, "BTC-USD",
                List.of(new Event.Level(d("91"), d("0.5")), new Event.Level(d("90"), d("0.75"))),
                List.of(new Event.Level(d("95"), d("0.2")))));
    }

    private RejectReason reason(final Command command) {
        final Event first = run(command).getFirst();
        return first instanceof Event.Rejected r ? r.reason() : null;
    }

    private List<Event> run(final Command command) {
        return model.execute(++cmd, command);
    }

    private void deposit(final String account, final String asset, final String amount) {
        assertThat(run(new Command.Deposit(account, asset, d(amount)))).containsExactly(new Event.Ok(cmd));
    }

    private static Command.Place limit(final String account, final String id, final Side side, final String price,
                                       final String quantity) {
        return Command.Place.limit(account, id, "BTC-USD", side, price, quantity);
    }

    private static Command.Place market(final String account, final String id, final Side side,
                                        final String quantity) {
        return new Command.Place(account, id, "BTC-USD", side, OrderType.MARKET, null, null, d(quantity), false);
    }

    private static Event.Balance balance(final String available, final String reserved) {
        return new Event.Balance(d(available), d(reserved));
    }

    private static Decimal d(final String text) {
        return Decimal.parse(text);
    }
}
