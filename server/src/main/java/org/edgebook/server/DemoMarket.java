package org.edgebook.server;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.edgebook.engine.Command;
import org.edgebook.engine.Decimal;
import org.edgebook.journal.DurableEngine;

/**
 * What {@code edgebook up} sets up in an empty data directory: two markets, two funded demo accounts, and API keys
 * for them and for the admin. Through the engine like any other command, so it is journaled.
 */
final class DemoMarket {
    static final List<Command> SETUP = List.of(
            new Command.DefineAsset("USD", 6),
            new Command.DefineAsset("BTC", 8),
            new Command.DefineAsset("ETH", 8),
            new Command.DefineInstrument("BTC-USD", "BTC", "USD", Decimal.parse("0.5"), Decimal.parse("0.0001")),
            new Command.DefineInstrument("ETH-USD", "ETH", "USD", Decimal.parse("0.05"), Decimal.parse("0.001")),
            new Command.Deposit("alice", "BTC", Decimal.parse("2")),
            new Command.Deposit("alice", "ETH", Decimal.parse("20")),
            new Command.Deposit("alice", "USD", Decimal.parse("10000")),
            new Command.Deposit("bob", "USD", Decimal.parse("150000")),
            new Command.Deposit("bob", "BTC", Decimal.parse("1")));

    private DemoMarket() {
    }

    /** Defines the demo market if the engine has never run a command; returns whether it did. */
    static boolean defineIfFresh(final DurableEngine engine) throws IOException {
        if (engine.recovered().lastSeq() != 0) {
            return false;
        }
        final CountDownLatch done = new CountDownLatch(SETUP.size());
        for (final Command command : SETUP) {
            if (!engine.submit(command, (seq, events) -> done.countDown())) {
                throw new IOException("the engine refused the demo market's setup");
            }
        }
        try {
            if (!done.await(30, TimeUnit.SECONDS)) {
                throw new IOException("the demo market's setup did not complete");
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        return true;
    }
}
