package org.edgebook.engine;

import java.util.List;

/** An engine with a collector, numbering commands 1, 2, 3… and returning each command's events. */
final class EngineFixture {
    final EventCollector events = new EventCollector();
    final Engine engine = new Engine(events);
    private long cmd;

    List<Event> run(final Command command) {
        engine.execute(++cmd, command);
        return events.drain();
    }

    long lastCmd() {
        return cmd;
    }

    /** USD (scale 4), BTC (scale 8), market BTC-USD with tick 0.5 and lot 0.001. */
    static EngineFixture btcUsd() {
        final EngineFixture f = new EngineFixture();
        f.run(new Command.DefineAsset("USD", 4));
        f.run(new Command.DefineAsset("BTC", 8));
        f.run(new Command.DefineInstrument("BTC-USD", "BTC", "USD", d("0.5"), d("0.001")));
        return f;
    }

    void deposit(final String account, final String asset, final String amount) {
        final List<Event> e = run(new Command.Deposit(account, asset, d(amount)));
        if (!(e.getFirst() instanceof Event.Ok)) {
            throw new AssertionError("deposit failed: " + e);
        }
    }

    List<Event> buy(final String account, final String id, final String price, final String qty) {
        return run(Command.Place.limit(account, id, "BTC-USD", Side.BUY, price, qty));
    }

    List<Event> sell(final String account, final String id, final String price, final String qty) {
        return run(Command.Place.limit(account, id, "BTC-USD", Side.SELL, price, qty));
    }

    List<Event> place(final String account, final String id, final Side side, final OrderType type,
                      final TimeInForce tif, final String price, final String qty, final boolean postOnly) {
        return run(new Command.Place(account, id, "BTC-USD", side, type, tif, price == null ? null : d(price),
                qty == null ? null : d(qty), postOnly));
    }

    Event.Balance balance(final String account, final String asset) {
        final Event.Balance b = engine.balances(account).get(asset);
        return b == null ? new Event.Balance(Decimal.ZERO, Decimal.ZERO) : b;
    }

    static Decimal d(final String s) {
        return Decimal.parse(s);
    }
}
