package org.edgebook.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.edgebook.engine.EngineFixture.d;

import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** One test per rule of docs/semantics.md. */
class EngineRulesTest {

    private static Event.Balance bal(final String available, final String reserved) {
        return new Event.Balance(d(available), d(reserved));
    }

    private static RejectReason reason(final List<Event> events) {
        assertThat(events).hasSize(1).first().isInstanceOf(Event.Rejected.class);
        return ((Event.Rejected) events.getFirst()).reason();
    }

    /** docs/semantics.md "Names": one rule for every name, MALFORMED with the field named, nothing changes. */
    @Nested
    class NameRule {
        private EngineFixture market() {
            final EngineFixture f = new EngineFixture();
            f.run(new Command.DefineAsset("USD", 2));
            f.run(new Command.DefineAsset("BTC", 8));
            f.run(new Command.DefineInstrument("BTC-USD", "BTC", "USD", d("1"), d("0.1")));
            f.run(new Command.Deposit("a", "USD", d("1000")));
            return f;
        }

        private Event.Rejected malformed(final List<Event> events) {
            assertThat(reason(events)).isEqualTo(RejectReason.MALFORMED);
            return (Event.Rejected) events.getFirst();
        }

        @Test
        void sixtyFourAllowedCharactersAreAName() {
            final EngineFixture f = market();
            final String id = "Az09._-:".repeat(8);
            assertThat(f.run(Command.Place.limit("a", id, "BTC-USD", Side.BUY, "10", "1")).getFirst())
                    .isEqualTo(new Event.Accepted(5, "a", id));
        }

        @Test
        void aLongerNameIsMalformedAndNotEchoed() {
            final EngineFixture f = market();
            final Event.Rejected r = malformed(f.run(Command.Place.limit("a", "x".repeat(60_000), "BTC-USD",
                    Side.BUY, "10", "1")));
            assertThat(r.detail()).isEqualTo("clientOrderId must be at most 64 characters, not 60000");
            assertThat(r.account()).isEqualTo("a");
            assertThat(r.clientOrderId()).isNull();
            assertThat(f.engine.openOrders()).isEmpty();
        }

        @Test
        void everyCharacterOutsideTheRuleIsMalformedWithItsPosition() {
            for (final String bad : List.of("x/y", "x y", "x\u0000y", "x\ny", "x\u202ey", "x\ud800y", "x?y", "é")) {
                final EngineFixture f = market();
                final Event.Rejected r = malformed(f.run(Command.Place.limit("a", bad, "BTC-USD", Side.BUY, "10",
                        "1")));
                assertThat(r.detail()).as(bad).startsWith("clientOrderId may hold only A-Z, a-z, 0-9 and . _ - :; "
                        + "character ");
                assertThat(r.clientOrderId()).isNull();
            }
            final Event.Rejected surrogate = malformed(market().run(Command.Place.limit("a", "x\ud800y", "BTC-USD",
                    Side.BUY, "10", "1")));
            assertThat(surrogate.detail()).endsWith("character 2 is U+D800");
        }

        @Test
        void everyNameFieldFollowsTheRule() {
            final EngineFixture f = market();
            assertThat(malformed(f.run(new Command.DefineAsset("U$D", 2))).detail()).startsWith("asset may hold");
            assertThat(malformed(f.run(new Command.DefineInstrument("B/U", "BTC", "USD", d("1"), d("1")))).detail())
                    .startsWith("symbol may hold");
            assertThat(malformed(f.run(new Command.Deposit("a b", "USD", d("1")))).detail())
                    .startsWith("account may hold");
            assertThat(malformed(f.run(new Command.Transfer("t 1", "a", "b", "USD", d("1")))).detail())
                    .startsWith("transferId may hold");
            assertThat(malformed(f.run(new Command.Transfer("t1", "a", "b/c", "USD", d("1")))).detail())
                    .startsWith("to may hold");
            assertThat(malformed(f.run(new Command.Cancel("a", "o/1"))).detail()).startsWith("clientOrderId may");
            assertThat(malformed(f.run(new Command.QueryBook("BTC USD"))).detail()).startsWith("symbol may hold");
            assertThat(malformed(f.run(new Command.QueryBalances("a\u202e"))).detail()).startsWith("account may");
            assertThat(f.engine.balances("a")).isEqualTo(market().engine.balances("a"));
        }

        @Test
        void aMalformedLineEchoesOnlyValidNames() {
            final EngineFixture f = market();
            assertThat(f.run(new Command.Malformed("bad", "a/../b", "x\ud800")))
                    .containsExactly(new Event.Rejected(5, RejectReason.MALFORMED, null, null, "bad"));
        }
    }

    @Nested
    class Definitions {
        @Test
        void assetScaleMustBeZeroToEighteen() {
            final EngineFixture f = new EngineFixture();
            assertThat(reason(f.run(new Command.DefineAsset("X", 19)))).isEqualTo(RejectReason.MALFORMED);
            assertThat(reason(f.run(new Command.DefineAsset("X", -1)))).isEqualTo(RejectReason.MALFORMED);
            assertThat(f.run(new Command.DefineAsset("X", 18))).containsExactly(new Event.Ok(3));
            assertThat(f.run(new Command.DefineAsset("Y", 0))).containsExactly(new Event.Ok(4));
        }

        @Test
        void redefiningAnAssetIsDuplicate() {
            final EngineFixture f = new EngineFixture();
            f.run(new Command.DefineAsset("USD", 2));
            assertThat(reason(f.run(new Command.DefineAsset("USD", 2)))).isEqualTo(RejectReason.DUPLICATE);
        }

        @Test
        void emptyAssetNameIsMalformed() {
            final EngineFixture f = new EngineFixture();
            assertThat(reason(f.run(new Command.DefineAsset("", 2)))).isEqualTo(RejectReason.MALFORMED);
            assertThat(reason(f.run(new Command.DefineAsset(null, 2)))).isEqualTo(RejectReason.MALFORMED);
        }

        @Test
        void instrumentNeedsKnownDistinctAssets() {
            final EngineFixture f = new EngineFixture();
            f.run(new Command.DefineAsset("USD", 2));
            assertThat(reason(f.run(new Command.DefineInstrument("X", "BTC", "USD", d("1"), d("1")))))
                    .isEqualTo(RejectReason.UNKNOWN_ASSET);
            assertThat(reason(f.run(new Command.DefineInstrument("X", "USD", "USD", d("1"), d("1")))))
                    .isEqualTo(RejectReason.INVALID_INSTRUMENT);
        }

        @Test
        void instrumentTickAndLotMustMakeEveryNotionalExact() {
            final EngineFixture f = new EngineFixture();
            f.run(new Command.DefineAsset("USD", 2));
            f.run(new Command.DefineAsset("BTC", 3));
            // decimals(tick) + decimals(lot) must be <= scale(quote) = 2
            assertThat(reason(f.run(new Command.DefineInstrument("A", "BTC", "USD", d("0.5"), d("0.01")))))
                    .isEqualTo(RejectReason.INVALID_INSTRUMENT);
            // decimals(lot) must be <= scale(base) = 3: 0.0001 has 4
            assertThat(reason(f.run(new Command.DefineInstrument("B", "BTC", "USD", d("1"), d("0.0001")))))
                    .isEqualTo(RejectReason.INVALID_INSTRUMENT);
            assertThat(reason(f.run(new Command.DefineInstrument("C", "BTC", "USD", d("0"), d("1")))))
                    .isEqualTo(RejectReason.INVALID_INSTRUMENT);
            assertThat(reason(f.run(new Command.DefineInstrument("D", "BTC", "USD", d("1"), d("-1")))))
                    .isEqualTo(RejectReason.INVALID_INSTRUMENT);
            assertThat(reason(f.run(new Command.DefineInstrument("E", "BTC", "USD", Decimal.OUT_OF_RANGE, d("1")))))
                    .isEqualTo(RejectReason.INVALID_INSTRUMENT);
            // Trailing zeros do not count as decimals.
            assertThat(f.run(new Command.DefineInstrument("F", "BTC", "USD", d("0.50"), d("0.10"))))
                    .containsExactly(new Event.Ok(8));
            assertThat(reason(f.run(new Command.DefineInstrument("F", "BTC", "USD", d("1"), d("1")))))
                    .isEqualTo(RejectReason.DUPLICATE);
        }
    }

    @Nested
    class Money {
        @Test
        void depositCreditsAvailableAndWithdrawDebitsIt() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("a1", "USD", "100.5");
            assertThat(f.run(new Command.Withdraw("a1", "USD", d("0.5")))).containsExactly(new Event.Ok(5));
            assertThat(f.balance("a1", "USD")).isEqualTo(bal("100", "0"));
        }

        @Test
        void withdrawalBeyondAvailableIsInsufficientFunds() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("a1", "USD", "10");
            assertThat(reason(f.run(new Command.Withdraw("a1", "USD", d("10.0001")))))
                    .isEqualTo(RejectReason.INSUFFICIENT_FUNDS);
            assertThat(reason(f.run(new Command.Withdraw("nobody", "USD", d("1")))))
                    .isEqualTo(RejectReason.INSUFFICIENT_FUNDS);
            assertThat(f.balance("a1", "USD")).isEqualTo(bal("10", "0"));
        }

        @Test
        void reservedFundsCannotBeWithdrawn() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("a1", "USD", "100");
            f.buy("a1", "o1", "50", "1");
            assertThat(reason(f.run(new Command.Withdraw("a1", "USD", d("50.01")))))
                    .isEqualTo(RejectReason.INSUFFICIENT_FUNDS);
        }

        @Test
        void amountMustBePositiveWithinScaleAndRange() {
            final EngineFixture f = EngineFixture.btcUsd();
            for (final String bad : new String[] {"0", "-1", "1.00001", "922337203685477.5808"}) {
                assertThat(reason(f.run(new Command.Deposit("a1", "USD", d(bad))))).as(bad)
                        .isEqualTo(RejectReason.INVALID_AMOUNT);
            }
            assertThat(reason(f.run(new Command.Deposit("a1", "USD", Decimal.OUT_OF_RANGE))))
                    .isEqualTo(RejectReason.INVALID_AMOUNT);
            assertThat(f.run(new Command.Deposit("a1", "USD", d("1.000")))).hasSize(1)
                    .first().isInstanceOf(Event.Ok.class);
        }

        @Test
        void depositsCannotTakeAnAssetsTotalPastTheRange() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("a1", "USD", "922337203685477.5807");
            assertThat(reason(f.run(new Command.Deposit("a2", "USD", d("0.0001")))))
                    .isEqualTo(RejectReason.INVALID_AMOUNT);
            assertThat(f.engine.accounts()).containsExactly("a1");
        }

        @Test
        void unknownAssetIsRejectedBeforeAmount() {
            final EngineFixture f = EngineFixture.btcUsd();
            assertThat(reason(f.run(new Command.Deposit("a1", "EUR", d("0"))))).isEqualTo(RejectReason.UNKNOWN_ASSET);
            assertThat(reason(f.run(new Command.Deposit("", "USD", d("1"))))).isEqualTo(RejectReason.MALFORMED);
        }

        @Test
        void rejectedDepositCarriesTheAccount() {
            final EngineFixture f = EngineFixture.btcUsd();
            assertThat(f.run(new Command.Deposit("a1", "EUR", d("1"))))
                    .containsExactly(new Event.Rejected(4, RejectReason.UNKNOWN_ASSET, "a1", null, null));
        }
    }

    @Nested
    class Transfers {
        private Command.Transfer transfer(final String id, final String from, final String to, final String amount) {
            return new Command.Transfer(id, from, to, "USD", d(amount));
        }

        @Test
        void transferMovesAvailableFundsAtOnce() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("a", "USD", "100");
            f.deposit("b", "BTC", "1");
            assertThat(f.run(transfer("t1", "a", "b", "40.25")))
                    .containsExactly(new Event.Transferred(6, "t1", "a", "b", "USD", d("40.25")));
            assertThat(f.balance("a", "USD")).isEqualTo(bal("59.75", "0"));
            assertThat(f.balance("b", "USD")).isEqualTo(bal("40.25", "0"));
            assertThat(f.engine.accounts()).containsExactly("a", "b");
        }

        @Test
        void aRetriedTransferIsNotPaidTwiceAndNamesTheOriginal() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("a", "USD", "100");
            f.deposit("b", "BTC", "1");
            f.run(transfer("t1", "a", "b", "10"));
            assertThat(f.run(transfer("t1", "a", "b", "10"))).containsExactly(
                    new Event.Rejected(7, RejectReason.DUPLICATE_TRANSFER, "a", null, null, "t1", 6));
            assertThat(f.balance("a", "USD")).isEqualTo(bal("90", "0"));
            // Ids belong to the sending account: another account may use the same one.
            f.deposit("b", "USD", "1");
            assertThat(f.run(transfer("t1", "b", "a", "1")).getFirst()).isInstanceOf(Event.Transferred.class);
        }

        @Test
        void aRejectedTransferTakesNoIdAndMayBeRetried() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("b", "BTC", "1");
            assertThat(f.run(transfer("t1", "a", "b", "10"))).containsExactly(
                    new Event.Rejected(5, RejectReason.INSUFFICIENT_FUNDS, "a", null, null, "t1", 0));
            assertThat(f.engine.accounts()).containsExactly("b");
            f.deposit("a", "USD", "10");
            assertThat(f.run(transfer("t1", "a", "b", "10")).getFirst()).isInstanceOf(Event.Transferred.class);
        }

        @Test
        void transferChecksRunInTheDocumentedOrder() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("a", "USD", "100");
            f.deposit("b", "BTC", "1");
            f.run(transfer("done", "a", "b", "1"));
            assertThat(reason(f.run(new Command.Transfer("", "a", "b", "USD", d("1")))))
                    .isEqualTo(RejectReason.MALFORMED);
            assertThat(reason(f.run(new Command.Transfer("done", "a", "a", "EUR", d("0")))))
                    .isEqualTo(RejectReason.DUPLICATE_TRANSFER);
            assertThat(reason(f.run(new Command.Transfer("x", "a", "a", "EUR", d("0")))))
                    .isEqualTo(RejectReason.UNKNOWN_ASSET);
            assertThat(reason(f.run(transfer("x", "a", "a", "0.00001")))).isEqualTo(RejectReason.INVALID_AMOUNT);
            assertThat(reason(f.run(transfer("x", "a", "a", "1")))).isEqualTo(RejectReason.INVALID_TRANSFER);
            assertThat(reason(f.run(transfer("x", "a", "nobody", "1000")))).isEqualTo(RejectReason.UNKNOWN_ACCOUNT);
            assertThat(reason(f.run(transfer("x", "a", "b", "99.0001")))).isEqualTo(RejectReason.INSUFFICIENT_FUNDS);
        }

        /** Issue 9: money is never sent to a name nobody holds; a mistyped payee is refused, not paid. */
        @Test
        void aTransferToAnAccountNobodyHoldsIsRefused() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("a", "USD", "100");
            assertThat(f.run(transfer("t1", "a", "bobb", "10"))).containsExactly(
                    new Event.Rejected(5, RejectReason.UNKNOWN_ACCOUNT, "a", null, null, "t1", 0));
            assertThat(f.balance("a", "USD")).isEqualTo(bal("100", "0"));
            assertThat(f.engine.accounts()).containsExactly("a");
        }

        @Test
        void reservedFundsCannotBeTransferred() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("a", "USD", "100");
            f.deposit("b", "BTC", "1");
            f.buy("a", "o", "60", "1");
            assertThat(reason(f.run(transfer("t", "a", "b", "40.0001")))).isEqualTo(RejectReason.INSUFFICIENT_FUNDS);
            assertThat(f.run(transfer("t", "a", "b", "40")).getFirst()).isInstanceOf(Event.Transferred.class);
        }
    }

    @Nested
    class Matching {
        @Test
        void limitBuyHoldsPriceTimesQuantityOfQuote() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("a1", "USD", "100");
            assertThat(f.buy("a1", "o1", "40.5", "2")).containsExactly(new Event.Accepted(5, "a1", "o1"));
            assertThat(f.balance("a1", "USD")).isEqualTo(bal("19", "81"));
        }

        @Test
        void sellHoldsQuantityOfBase() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("s", "BTC", "1");
            f.sell("s", "o1", "40", "0.25");
            assertThat(f.balance("s", "BTC")).isEqualTo(bal("0.75", "0.25"));
        }

        @Test
        void tradeHappensAtTheMakersPriceAndReleasesTheDifference() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("s", "BTC", "1");
            f.deposit("b", "USD", "100");
            f.sell("s", "ask", "40", "1");
            assertThat(f.buy("b", "bid", "50", "1")).containsExactly(
                    new Event.Accepted(7, "b", "bid"),
                    new Event.Trade(7, "BTC-USD", d("40"), d("1"), "s", "ask", "b", "bid", Side.BUY));
            assertThat(f.balance("b", "USD")).isEqualTo(bal("60", "0"));
            assertThat(f.balance("b", "BTC")).isEqualTo(bal("1", "0"));
            assertThat(f.balance("s", "USD")).isEqualTo(bal("40", "0"));
            assertThat(f.balance("s", "BTC")).isEqualTo(bal("0", "0"));
        }

        @Test
        void priceTimePriorityFillsBestPriceThenOldest() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("s1", "BTC", "1");
            f.deposit("s2", "BTC", "1");
            f.deposit("s3", "BTC", "1");
            f.deposit("b", "USD", "1000");
            f.sell("s1", "x", "41", "1");
            f.sell("s2", "y", "40", "1");
            f.sell("s3", "z", "40", "1");
            final List<Event> events = f.buy("b", "bid", "41", "2.5");
            assertThat(events).filteredOn(e -> e instanceof Event.Trade).extracting(e -> ((Event.Trade) e)
                    .makerOrderId())
                    .containsExactly("y", "z", "x");
            assertThat(f.engine.openOrders()).containsExactly(
                    new OpenOrder("s1", "x", "BTC-USD", Side.SELL, d("41"), d("0.5"), false));
        }

        @Test
        void gtcRemainderRests() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("s", "BTC", "1");
            f.deposit("b", "USD", "1000");
            f.sell("s", "x", "40", "0.4");
            f.buy("b", "bid", "45", "1");
            assertThat(f.engine.openOrders()).containsExactly(
                    new OpenOrder("b", "bid", "BTC-USD", Side.BUY, d("45"), d("0.6"), false));
            assertThat(f.balance("b", "USD")).isEqualTo(bal("957", "27"));
        }

        @Test
        void iocRemainderIsCancelledUnfilled() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("s", "BTC", "1");
            f.deposit("b", "USD", "1000");
            f.sell("s", "x", "40", "0.4");
            final List<Event> events = f.place("b", "bid", Side.BUY, OrderType.LIMIT, TimeInForce.IOC, "45", "1",
                    false);
            assertThat(events.getLast()).isEqualTo(new Event.Cancelled(7, "b", "bid", d("0.6"), CancelReason.UNFILLED));
            assertThat(f.engine.openOrders()).isEmpty();
            assertThat(f.balance("b", "USD")).isEqualTo(bal("984", "0"));
        }

        @Test
        void fokThatCannotFillIsAcceptedThenCancelledWithNoOtherEffect() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("s", "BTC", "1");
            f.deposit("b", "USD", "1000");
            f.deposit("b", "BTC", "1");
            f.sell("s", "x", "40", "0.4");
            f.sell("b", "own", "40", "1"); // own order: does not count, and is not cancelled
            final List<Event> events = f.place("b", "fok", Side.BUY, OrderType.LIMIT, TimeInForce.FOK, "45", "1",
                    false);
            assertThat(events).containsExactly(new Event.Accepted(9, "b", "fok"),
                    new Event.Cancelled(9, "b", "fok", d("1"), CancelReason.FOK));
            assertThat(f.engine.openOrders()).hasSize(2);
            assertThat(f.balance("b", "USD")).isEqualTo(bal("1000", "0"));
            // The id is used up.
            assertThat(reason(f.buy("b", "fok", "1", "1"))).isEqualTo(RejectReason.DUPLICATE_ORDER_ID);
        }

        @Test
        void fokThatCanFillTradesCompletely() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("s", "BTC", "2");
            f.deposit("b", "USD", "1000");
            f.sell("s", "x", "40", "0.5");
            f.sell("s", "y", "41", "0.5");
            final List<Event> events = f.place("b", "fok", Side.BUY, OrderType.LIMIT, TimeInForce.FOK, "41", "1",
                    false);
            assertThat(events).hasSize(3).filteredOn(e -> e instanceof Event.Trade).hasSize(2);
            assertThat(f.balance("b", "USD")).isEqualTo(bal("959.5", "0"));
        }

        @Test
        void marketBuyTakesWhatTheBookHasAndCancelsTheRest() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("s", "BTC", "1");
            f.deposit("b", "USD", "100");
            f.sell("s", "x", "40", "1");
            final List<Event> events = f.place("b", "m", Side.BUY, OrderType.MARKET, null, null, "2", false);
            assertThat(events).containsExactly(new Event.Accepted(7, "b", "m"),
                    new Event.Trade(7, "BTC-USD", d("40"), d("1"), "s", "x", "b", "m", Side.BUY),
                    new Event.Cancelled(7, "b", "m", d("1"), CancelReason.UNFILLED));
            assertThat(f.balance("b", "USD")).isEqualTo(bal("60", "0"));
        }

        @Test
        void marketBuyNeedsFundsForTheFillsItWillGet() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("s", "BTC", "2");
            f.deposit("b", "USD", "80");
            f.deposit("b", "BTC", "1");
            f.sell("s", "x", "40", "1");
            f.sell("b", "own", "40", "1"); // skipped in the cost walk
            f.sell("s", "y", "41", "1");
            // Cost: 1 @ 40 + 1 @ 41 = 81 > 80.
            assertThat(reason(f.place("b", "m", Side.BUY, OrderType.MARKET, null, null, "2", false)))
                    .isEqualTo(RejectReason.INSUFFICIENT_FUNDS);
            // 1.975 @ 40/41: 40 + 0.975 * 41 = 79.975.
            final List<Event> events = f.place("b", "m", Side.BUY, OrderType.MARKET, TimeInForce.IOC, null, "1.975",
                    false);
            assertThat(events).containsExactly(new Event.Accepted(11, "b", "m"),
                    new Event.Trade(11, "BTC-USD", d("40"), d("1"), "s", "x", "b", "m", Side.BUY),
                    new Event.Cancelled(11, "b", "own", d("1"), CancelReason.SELF_TRADE),
                    new Event.Trade(11, "BTC-USD", d("41"), d("0.975"), "s", "y", "b", "m", Side.BUY));
            assertThat(f.balance("b", "USD")).isEqualTo(bal("0.025", "0"));
        }

        @Test
        void marketSellHoldsItsQuantity() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("s", "BTC", "1");
            f.deposit("b", "USD", "100");
            f.buy("b", "bid", "40", "0.5");
            assertThat(reason(f.place("s", "m", Side.SELL, OrderType.MARKET, null, null, "1.5", false)))
                    .isEqualTo(RejectReason.INSUFFICIENT_FUNDS);
            f.place("s", "m", Side.SELL, OrderType.MARKET, null, null, "1", false);
            assertThat(f.balance("s", "BTC")).isEqualTo(bal("0.5", "0"));
            assertThat(f.balance("s", "USD")).isEqualTo(bal("20", "0"));
        }

        @Test
        void selfTradeCancelsTheRestingOrderAndMatchingGoesOn() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("a", "BTC", "1");
            f.deposit("a", "USD", "100");
            f.deposit("s", "BTC", "1");
            f.sell("a", "mine", "40", "1");
            f.sell("s", "theirs", "40", "1");
            assertThat(f.buy("a", "bid", "40", "1")).containsExactly(
                    new Event.Accepted(9, "a", "bid"),
                    new Event.Cancelled(9, "a", "mine", d("1"), CancelReason.SELF_TRADE),
                    new Event.Trade(9, "BTC-USD", d("40"), d("1"), "s", "theirs", "a", "bid", Side.BUY));
            assertThat(f.balance("a", "BTC")).isEqualTo(bal("2", "0"));
        }

        @Test
        void postOnlyThatWouldCrossIsRejected() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("s", "BTC", "1");
            f.deposit("b", "USD", "100");
            f.sell("s", "x", "40", "1");
            assertThat(reason(f.place("b", "p", Side.BUY, OrderType.LIMIT, null, "40", "1", true)))
                    .isEqualTo(RejectReason.WOULD_TAKE);
            assertThat(f.place("b", "p", Side.BUY, OrderType.LIMIT, null, "39.5", "1", true))
                    .containsExactly(new Event.Accepted(8, "b", "p"));
        }
    }

    @Nested
    class PlaceChecks {
        @Test
        void checksRunInTheDocumentedOrder() {
            final EngineFixture f = EngineFixture.btcUsd();
            assertThat(reason(f.place("a", "", Side.BUY, null, null, "1", "1", false)))
                    .isEqualTo(RejectReason.MALFORMED);
            assertThat(reason(f.run(new Command.Place("a", "o", "NOPE", Side.BUY, OrderType.MARKET, null, d("1"),
                    d("0"), false)))).isEqualTo(RejectReason.UNKNOWN_SYMBOL);
            // Invalid order beats invalid price and quantity.
            assertThat(reason(f.place("a", "o", Side.BUY, OrderType.MARKET, null, "0.3", "0", false)))
                    .isEqualTo(RejectReason.INVALID_ORDER);
            assertThat(reason(f.place("a", "o", Side.BUY, OrderType.LIMIT, null, "0.3", "0", false)))
                    .isEqualTo(RejectReason.INVALID_PRICE);
            assertThat(reason(f.place("a", "o", Side.BUY, OrderType.LIMIT, null, "1", "0.0005", false)))
                    .isEqualTo(RejectReason.INVALID_QUANTITY);
            // No funds at all: insufficient, and the id stays unused.
            assertThat(reason(f.buy("a", "o", "1", "1"))).isEqualTo(RejectReason.INSUFFICIENT_FUNDS);
            f.deposit("a", "USD", "10");
            assertThat(f.buy("a", "o", "1", "1")).hasSize(1).first().isInstanceOf(Event.Accepted.class);
            assertThat(reason(f.buy("a", "o", "1", "100"))).isEqualTo(RejectReason.DUPLICATE_ORDER_ID);
        }

        @Test
        void invalidOrderCombinations() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("a", "USD", "100");
            assertThat(reason(f.place("a", "o", Side.BUY, OrderType.LIMIT, null, null, "1", false)))
                    .as("limit without price").isEqualTo(RejectReason.INVALID_ORDER);
            assertThat(reason(f.place("a", "o", Side.BUY, OrderType.MARKET, TimeInForce.GTC, null, "1", false)))
                    .as("market GTC").isEqualTo(RejectReason.INVALID_ORDER);
            assertThat(reason(f.place("a", "o", Side.BUY, OrderType.MARKET, TimeInForce.FOK, null, "1", false)))
                    .as("market FOK").isEqualTo(RejectReason.INVALID_ORDER);
            assertThat(reason(f.place("a", "o", Side.BUY, OrderType.MARKET, null, null, "1", true)))
                    .as("market postOnly").isEqualTo(RejectReason.INVALID_ORDER);
            assertThat(reason(f.place("a", "o", Side.BUY, OrderType.LIMIT, TimeInForce.IOC, "1", "1", true)))
                    .as("IOC postOnly").isEqualTo(RejectReason.INVALID_ORDER);
        }

        @Test
        void offTickNegativeAndOutOfRangePricesAreInvalid() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("a", "USD", "100");
            for (final String price : new String[] {"0", "-1", "40.25", "40.55", "1000000000000000000000"}) {
                assertThat(reason(f.buy("a", "o", price, "1"))).as(price).isEqualTo(RejectReason.INVALID_PRICE);
            }
        }

        @Test
        void notionalBeyondRangeIsInvalidQuantity() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("a", "BTC", "10");
            assertThat(reason(f.sell("a", "o", "100000000000000", "10"))).isEqualTo(RejectReason.INVALID_QUANTITY);
            assertThat(reason(f.sell("a", "o", "1", "99999999999999999"))).isEqualTo(RejectReason.INVALID_QUANTITY);
        }

        @Test
        void rejectedOrderChangesNothing() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("a", "USD", "10");
            f.buy("a", "o1", "5", "1");
            f.buy("a", "o2", "10", "1"); // insufficient
            assertThat(f.balance("a", "USD")).isEqualTo(bal("5", "5"));
            assertThat(f.engine.openOrders()).hasSize(1);
            assertThat(f.buy("a", "o2", "5", "1")).hasSize(1).first().isInstanceOf(Event.Accepted.class);
        }
    }

    @Nested
    class CancelAndModify {
        @Test
        void cancelReleasesReservedFunds() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("a", "USD", "100");
            f.buy("a", "o", "40", "1");
            assertThat(f.run(new Command.Cancel("a", "o")))
                    .containsExactly(new Event.Cancelled(6, "a", "o", d("1"), CancelReason.USER));
            assertThat(f.balance("a", "USD")).isEqualTo(bal("100", "0"));
        }

        @Test
        void cancelOfAnOrderThatIsNotOpenIsUnknown() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("a", "USD", "100");
            f.buy("a", "o", "40", "1");
            f.run(new Command.Cancel("a", "o"));
            assertThat(reason(f.run(new Command.Cancel("a", "o")))).isEqualTo(RejectReason.UNKNOWN_ORDER);
            assertThat(reason(f.run(new Command.Cancel("b", "o")))).isEqualTo(RejectReason.UNKNOWN_ORDER);
            assertThat(reason(f.run(new Command.Cancel("a", "never")))).isEqualTo(RejectReason.UNKNOWN_ORDER);
        }

        @Test
        void modifyDownAtTheSamePriceKeepsPriority() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("a", "USD", "100");
            f.deposit("b", "USD", "100");
            f.deposit("s", "BTC", "1");
            f.buy("a", "first", "40", "1");
            f.buy("b", "second", "40", "1");
            assertThat(f.run(new Command.Modify("a", "first", null, d("0.5"))))
                    .containsExactly(new Event.Modified(9, "a", "first", d("40"), d("0.5")));
            assertThat(f.balance("a", "USD")).isEqualTo(bal("80", "20"));
            final List<Event> events = f.sell("s", "x", "40", "0.5");
            assertThat(events.get(1)).isInstanceOfSatisfying(Event.Trade.class,
                    t -> assertThat(t.makerOrderId()).isEqualTo("first"));
        }

        @Test
        void modifyUpOrToAnotherPriceLosesPriority() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("a", "USD", "100");
            f.deposit("b", "USD", "100");
            f.deposit("s", "BTC", "1");
            f.buy("a", "first", "40", "1");
            f.buy("b", "second", "40", "1");
            f.run(new Command.Modify("a", "first", null, d("1.5")));
            assertThat(f.balance("a", "USD")).isEqualTo(bal("40", "60"));
            final List<Event> events = f.sell("s", "x", "40", "0.5");
            assertThat(events.get(1)).isInstanceOfSatisfying(Event.Trade.class,
                    t -> assertThat(t.makerOrderId()).isEqualTo("second"));
        }

        @Test
        void modifyThatCrossesTradesAtOnceAndRestsTheRemainder() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("b", "USD", "100");
            f.deposit("s", "BTC", "1");
            f.sell("s", "x", "41", "0.5");
            f.buy("b", "bid", "40", "1");
            assertThat(f.run(new Command.Modify("b", "bid", d("42"), null))).containsExactly(
                    new Event.Modified(8, "b", "bid", d("42"), d("1")),
                    new Event.Trade(8, "BTC-USD", d("41"), d("0.5"), "s", "x", "b", "bid", Side.BUY));
            assertThat(f.engine.openOrders()).containsExactly(
                    new OpenOrder("b", "bid", "BTC-USD", Side.BUY, d("42"), d("0.5"), false));
            assertThat(f.balance("b", "USD")).isEqualTo(bal("58.5", "21"));
        }

        @Test
        void modifyNeedingMoreThanAvailableLeavesTheOrderAsItWas() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("b", "USD", "100");
            f.buy("b", "bid", "40", "1");
            assertThat(reason(f.run(new Command.Modify("b", "bid", d("100.5"), null))))
                    .isEqualTo(RejectReason.INSUFFICIENT_FUNDS);
            assertThat(f.run(new Command.Modify("b", "bid", d("100"), null))).hasSize(1);
            assertThat(f.balance("b", "USD")).isEqualTo(bal("0", "100"));
        }

        @Test
        void postOnlyModifyThatCrossesIsWouldTake() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("b", "USD", "100");
            f.deposit("s", "BTC", "1");
            f.sell("s", "x", "41", "1");
            f.place("b", "p", Side.BUY, OrderType.LIMIT, null, "40", "1", true);
            assertThat(reason(f.run(new Command.Modify("b", "p", d("41"), null)))).isEqualTo(RejectReason.WOULD_TAKE);
            assertThat(f.engine.openOrders()).contains(
                    new OpenOrder("b", "p", "BTC-USD", Side.BUY, d("40"), d("1"), true));
        }

        @Test
        void repeatedModifyAfterAPartialFillLeavesExposureUnchanged() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("b", "USD", "100");
            f.deposit("s", "BTC", "1");
            f.buy("b", "bid", "40", "0.5");
            f.sell("s", "x", "40", "0.4");
            // The quantity is the new total, 0.5, of which 0.4 has filled: 0.1 remains, as it did.
            assertThat(f.run(new Command.Modify("b", "bid", null, d("0.5"))))
                    .containsExactly(new Event.Modified(f.lastCmd(), "b", "bid", d("40"), d("0.1")));
            // The same modify again, a late duplicate: still 0.1, not 0.5 (the reading as a new remaining).
            assertThat(f.run(new Command.Modify("b", "bid", null, d("0.5"))))
                    .containsExactly(new Event.Modified(f.lastCmd(), "b", "bid", d("40"), d("0.1")));
            assertThat(f.engine.openOrders()).containsExactly(
                    new OpenOrder("b", "bid", "BTC-USD", Side.BUY, d("40"), d("0.1"), false));
            assertThat(f.balance("b", "USD")).isEqualTo(bal("80", "4"));
        }

        @Test
        void modifyQuantityIsTheNewTotalAndPriorityFollowsTheNewRemaining() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("a", "USD", "100");
            f.deposit("b", "USD", "100");
            f.deposit("s", "BTC", "2");
            f.buy("a", "first", "40", "1");
            f.buy("b", "second", "40", "1");
            f.sell("s", "x", "40", "0.4"); // fills 0.4 of first: 0.6 remains
            // Total 0.8: 0.4 remains, no more than 0.6, so first keeps its place.
            assertThat(f.run(new Command.Modify("a", "first", null, d("0.8"))))
                    .containsExactly(new Event.Modified(f.lastCmd(), "a", "first", d("40"), d("0.4")));
            assertThat(f.balance("a", "USD")).isEqualTo(bal("68", "16"));
            assertThat(f.sell("s", "y", "40", "0.1").get(1)).isInstanceOfSatisfying(Event.Trade.class,
                    t -> assertThat(t.makerOrderId()).isEqualTo("first"));
            // 0.5 has filled; total 1.2 leaves 0.7 to trade, more than the 0.3 remaining: first goes to the back.
            assertThat(f.run(new Command.Modify("a", "first", null, d("1.2"))))
                    .containsExactly(new Event.Modified(f.lastCmd(), "a", "first", d("40"), d("0.7")));
            assertThat(f.balance("a", "USD")).isEqualTo(bal("52", "28"));
            assertThat(f.sell("s", "z", "40", "0.1").get(1)).isInstanceOfSatisfying(Event.Trade.class,
                    t -> assertThat(t.makerOrderId()).isEqualTo("second"));
        }

        @Test
        void modifyToATotalNoLargerThanWhatHasFilledEndsTheOrder() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("b", "USD", "100");
            f.deposit("s", "BTC", "1");
            f.buy("b", "bid", "40", "0.5");
            f.buy("b", "other", "40", "0.5");
            f.sell("s", "x", "40", "0.4");
            // 0.4 has filled; a total of 0.3 cannot be undone, so no more may fill: the remainder is cancelled.
            assertThat(f.run(new Command.Modify("b", "bid", d("39.5"), d("0.3"))))
                    .containsExactly(new Event.Cancelled(f.lastCmd(), "b", "bid", d("0.1"), CancelReason.USER));
            assertThat(f.engine.openOrders()).containsExactly(
                    new OpenOrder("b", "other", "BTC-USD", Side.BUY, d("40"), d("0.5"), false));
            assertThat(f.balance("b", "USD")).isEqualTo(bal("64", "20"));
            assertThat(reason(f.run(new Command.Modify("b", "bid", null, d("0.3")))))
                    .isEqualTo(RejectReason.UNKNOWN_ORDER);
            // A total equal to what has filled ends the order too; the level it leaves empty goes.
            f.sell("s", "y", "40", "0.2");
            assertThat(f.run(new Command.Modify("b", "other", null, d("0.2"))))
                    .containsExactly(new Event.Cancelled(f.lastCmd(), "b", "other", d("0.3"), CancelReason.USER));
            assertThat(f.engine.openOrders()).isEmpty();
            assertThat(f.run(new Command.QueryBook("BTC-USD")))
                    .containsExactly(new Event.Book(f.lastCmd(), "BTC-USD", List.of(), List.of()));
            assertThat(f.balance("b", "USD")).isEqualTo(bal("76", "0"));
        }

        @Test
        void priceOnlyModifyKeepsTheTotalAndFillsOnReentryCount() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("b", "USD", "100");
            f.deposit("s", "BTC", "1");
            f.sell("s", "x", "41", "0.3");
            f.buy("b", "bid", "40", "1");
            // Re-enters at 42, takes 0.3 at 41: 0.7 remains of a total still 1.
            assertThat(f.run(new Command.Modify("b", "bid", d("42"), null))).containsExactly(
                    new Event.Modified(f.lastCmd(), "b", "bid", d("42"), d("1")),
                    new Event.Trade(f.lastCmd(), "BTC-USD", d("41"), d("0.3"), "s", "x", "b", "bid", Side.BUY));
            assertThat(f.run(new Command.Modify("b", "bid", d("40"), null)))
                    .containsExactly(new Event.Modified(f.lastCmd(), "b", "bid", d("40"), d("0.7")));
            assertThat(f.run(new Command.Modify("b", "bid", null, d("1"))))
                    .containsExactly(new Event.Modified(f.lastCmd(), "b", "bid", d("40"), d("0.7")));
            assertThat(f.run(new Command.Modify("b", "bid", null, d("0.5"))))
                    .containsExactly(new Event.Modified(f.lastCmd(), "b", "bid", d("40"), d("0.2")));
            assertThat(f.balance("b", "USD")).isEqualTo(bal("79.7", "8"));
        }

        @Test
        void modifyChecksTheNotionalOfTheNewTotal() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("b", "USD", "100");
            f.deposit("s", "BTC", "1");
            f.buy("b", "bid", "40", "1");
            f.sell("s", "x", "40", "0.9");
            // price × total must fit, as for a place (the long range of USD at scale 4 is about 9.2e14 USD): here
            // 5e15 × 1 does not, though 5e15 × the 0.1 remaining would.
            assertThat(reason(f.run(new Command.Modify("b", "bid", d("5000000000000000"), null))))
                    .isEqualTo(RejectReason.INVALID_QUANTITY);
            assertThat(f.engine.openOrders()).containsExactly(
                    new OpenOrder("b", "bid", "BTC-USD", Side.BUY, d("40"), d("0.1"), false));
        }

        @Test
        void modifyChecksInOrder() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("b", "USD", "100");
            f.buy("b", "bid", "40", "1");
            assertThat(reason(f.run(new Command.Modify("b", "bid", null, null)))).isEqualTo(RejectReason.MALFORMED);
            assertThat(reason(f.run(new Command.Modify("b", "nope", d("0.1"), null))))
                    .isEqualTo(RejectReason.UNKNOWN_ORDER);
            assertThat(reason(f.run(new Command.Modify("b", "bid", d("0.1"), d("0")))))
                    .isEqualTo(RejectReason.INVALID_PRICE);
            assertThat(reason(f.run(new Command.Modify("b", "bid", d("1"), d("0")))))
                    .isEqualTo(RejectReason.INVALID_QUANTITY);
        }
    }

    @Nested
    class Queries {
        @Test
        void bookAggregatesLevelsBestFirst() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("b", "USD", "1000");
            f.deposit("s", "BTC", "10");
            f.buy("b", "1", "40", "1");
            f.buy("b", "2", "40", "0.5");
            f.buy("b", "3", "39.5", "1");
            f.sell("s", "4", "42", "1");
            f.sell("s", "5", "41", "2");
            assertThat(f.run(new Command.QueryBook("BTC-USD"))).containsExactly(new Event.Book(11, "BTC-USD",
                    List.of(new Event.Level(d("40"), d("1.5")), new Event.Level(d("39.5"), d("1"))),
                    List.of(new Event.Level(d("41"), d("2")), new Event.Level(d("42"), d("1")))));
            assertThat(reason(f.run(new Command.QueryBook("X")))).isEqualTo(RejectReason.UNKNOWN_SYMBOL);
        }

        @Test
        void balancesListHeldAssetsInDefinitionOrder() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("a", "BTC", "1");
            f.deposit("a", "USD", "5");
            f.run(new Command.Withdraw("a", "BTC", d("1")));
            assertThat(f.run(new Command.QueryBalances("a")).getFirst()).isInstanceOfSatisfying(Event.Balances.class,
                    b -> assertThat(b.balances()).containsExactly(
                            java.util.Map.entry("USD", bal("5", "0")), java.util.Map.entry("BTC", bal("0", "0"))));
            assertThat(f.run(new Command.QueryBalances("nobody")))
                    .containsExactly(new Event.Balances(8, "nobody", java.util.Map.of()));
        }
    }

    /**
     * docs/semantics.md "Sources": a sender's numbered commands run exactly once, in its order; the mark moves with
     * each one that runs, whatever it answers.
     */
    @Nested
    class Sources {
        private static Command.FromSender from(final String source, final long sourceSeq, final Command command) {
            return new Command.FromSender(source, sourceSeq, command);
        }

        private static Command transfer(final String id, final String amount) {
            return new Command.Transfer(id, "a", "b", "USD", d(amount));
        }

        /** USD and BTC, a with 100 USD, b with an account (1 BTC). */
        private EngineFixture funded() {
            final EngineFixture f = EngineFixture.btcUsd();
            f.deposit("a", "USD", "100");
            f.deposit("b", "BTC", "1");
            return f;
        }

        @Test
        void theNextNumberRunsAndMovesTheMark() {
            final EngineFixture f = funded();
            assertThat(f.engine.senderMark("edge-1")).isZero();
            assertThat(f.run(from("edge-1", 1, transfer("t1", "10"))))
                    .containsExactly(new Event.Transferred(6, "t1", "a", "b", "USD", d("10")));
            assertThat(f.engine.senderMark("edge-1")).isEqualTo(1);
            assertThat(f.run(from("edge-1", 2, new Command.Deposit("a", "USD", d("1"))))).containsExactly(
                    new Event.Ok(7));
            assertThat(f.engine.senderMark("edge-1")).isEqualTo(2);
            assertThat(f.balance("a", "USD")).isEqualTo(bal("91", "0"));
        }

        @Test
        void aCommandTheEngineRejectsStillMovesTheMarkAndItsRepeatIsADuplicate() {
            final EngineFixture f = funded();
            assertThat(reason(f.run(from("edge-1", 1, transfer("t1", "1000")))))
                    .isEqualTo(RejectReason.INSUFFICIENT_FUNDS);
            assertThat(f.engine.senderMark("edge-1")).isEqualTo(1);
            // The sender goes on with its next number; the rejected one is not run again.
            assertThat(f.run(from("edge-1", 1, transfer("t1", "10"))))
                    .containsExactly(new Event.Duplicate(7, "edge-1", 1, 1));
            assertThat(f.run(from("edge-1", 2, transfer("t2", "10")))).hasSize(1).first()
                    .isInstanceOf(Event.Transferred.class);
            // A malformed command with a good pair has had its turn too.
            assertThat(reason(f.run(from("edge-1", 3, new Command.Malformed("bad line", null, null)))))
                    .isEqualTo(RejectReason.MALFORMED);
            assertThat(f.engine.senderMark("edge-1")).isEqualTo(3);
        }

        /**
         * A numbered transfer uses up its id even when rejected (docs/semantics.md, Transfers): a signed transfer
         * refused for want of funds cannot be forwarded again under a new number, by a node that kept it, and move the
         * money once the account has it. An unnumbered one keeps the rule that a rejected id may be retried.
         */
        @Test
        void aRejectedNumberedTransferUsesUpItsIdSoItCannotRunLater() {
            final EngineFixture f = funded();
            assertThat(reason(f.run(from("node:n1", 1, transfer("t1", "1000")))))
                    .isEqualTo(RejectReason.INSUFFICIENT_FUNDS);
            f.deposit("a", "USD", "5000"); // seq 7: now a could pay it
            assertThat(f.run(from("node:n1", 2, transfer("t1", "1000")))).containsExactly(
                    new Event.Rejected(8, RejectReason.DUPLICATE_TRANSFER, "a", null, null, "t1", 6));
            assertThat(f.run(transfer("t1", "1000"))).containsExactly( // unnumbered, from anyone: the same
                    new Event.Rejected(9, RejectReason.DUPLICATE_TRANSFER, "a", null, null, "t1", 6));
            assertThat(f.balance("a", "USD")).isEqualTo(bal("5100", "0"));
            // the rule for unnumbered transfers is unchanged: a rejected id stays free
            assertThat(reason(f.run(transfer("t2", "99999")))).isEqualTo(RejectReason.INSUFFICIENT_FUNDS);
            assertThat(f.run(transfer("t2", "10")).getFirst()).isInstanceOf(Event.Transferred.class);
        }

        @Test
        void aDuplicateDoesNotRunAgainAndNamesTheMark() {
            final EngineFixture f = funded();
            f.run(from("edge-1", 1, transfer("t1", "10")));
            f.run(from("edge-1", 2, transfer("t2", "5")));
            final long before = f.engine.sequence();
            // The same command again, and a different command under an old number: neither runs.
            assertThat(f.run(from("edge-1", 1, transfer("t1", "10"))))
                    .containsExactly(new Event.Duplicate(8, "edge-1", 1, 2));
            assertThat(f.run(from("edge-1", 2, transfer("t9", "50"))))
                    .containsExactly(new Event.Duplicate(9, "edge-1", 2, 2));
            assertThat(f.engine.sequence()).isEqualTo(before + 2); // each repeat has its own sequence number
            assertThat(f.balance("a", "USD")).isEqualTo(bal("85", "0"));
            assertThat(f.balance("b", "USD")).isEqualTo(bal("15", "0"));
            assertThat(f.engine.senderMark("edge-1")).isEqualTo(2);
        }

        @Test
        void aGapIsRejectedWithTheExpectedNumberAndChangesNothing() {
            final EngineFixture f = funded();
            f.run(from("edge-1", 1, transfer("t1", "10")));
            assertThat(f.run(from("edge-1", 3, transfer("t3", "10"))))
                    .containsExactly(new Event.SequenceGap(7, "edge-1", 3, 2));
            assertThat(((Event.SequenceGap) f.run(from("edge-1", 5, transfer("t3", "10"))).getFirst()).reason())
                    .isEqualTo(RejectReason.SEQUENCE_GAP);
            assertThat(f.engine.senderMark("edge-1")).isEqualTo(1);
            assertThat(f.balance("a", "USD")).isEqualTo(bal("90", "0"));
            // The transfer id was not used up: the sender resends from the expected number, in order.
            assertThat(f.run(from("edge-1", 2, transfer("t2", "1")))).hasSize(1).first()
                    .isInstanceOf(Event.Transferred.class);
            assertThat(f.run(from("edge-1", 3, transfer("t3", "10")))).hasSize(1).first()
                    .isInstanceOf(Event.Transferred.class);
            assertThat(f.balance("a", "USD")).isEqualTo(bal("79", "0"));
        }

        @Test
        void eachSourceHasItsOwnMarkAndTheFirstNumberIsOne() {
            final EngineFixture f = funded();
            assertThat(f.run(from("edge-2", 2, transfer("t1", "1"))))
                    .containsExactly(new Event.SequenceGap(6, "edge-2", 2, 1));
            f.run(from("edge-1", 1, transfer("t1", "1")));
            f.run(from("eu:fra", 1, new Command.QueryBalances("a")));
            f.run(from("edge-1", 2, transfer("t2", "1")));
            assertThat(f.engine.senderMarks()).containsExactly(java.util.Map.entry("edge-1", 2L),
                    java.util.Map.entry("eu:fra", 1L));
            assertThat(f.engine.senderMark("edge-2")).isZero();
        }

        @Test
        void aMalformedPairIsMalformedNamingTheFieldAndMovesNothing() {
            final EngineFixture f = funded();
            final List<Command> bad = List.of(from("edge 1", 1, transfer("t1", "1")),
                    from("", 1, transfer("t1", "1")), from(null, 1, transfer("t1", "1")),
                    from("edge-1", 0, transfer("t1", "1")), from("edge-1", -5, transfer("t1", "1")),
                    from("edge-1", 1, null), from("edge-1", 1, from("edge-1", 1, transfer("t1", "1"))));
            final List<String> details = List.of("source may hold only A-Z, a-z, 0-9 and . _ - :; character 5 is "
                    + "U+0020", "source must be a non-empty string", "source must be a non-empty string",
                    "sourceSeq must be a positive integer, not 0", "sourceSeq must be a positive integer, not -5",
                    "a command with source and sourceSeq needs the command itself",
                    "a command has one source and sourceSeq; a sourced command cannot hold another");
            for (int i = 0; i < bad.size(); i++) {
                final List<Event> events = f.run(bad.get(i));
                assertThat(events).as(bad.get(i).toString()).containsExactly(new Event.Rejected(f.lastCmd(),
                        RejectReason.MALFORMED, null, null, details.get(i)));
            }
            assertThat(f.engine.senderMarks()).isEmpty();
            assertThat(f.balance("a", "USD")).isEqualTo(bal("100", "0"));
        }
    }

    @Test
    void malformedCommandIsRejectedWithItsDetail() {
        final EngineFixture f = new EngineFixture();
        assertThat(f.run(new Command.Malformed("not JSON", "a", null)))
                .containsExactly(new Event.Rejected(1, RejectReason.MALFORMED, "a", null, "not JSON"));
    }
}
