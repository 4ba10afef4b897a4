package org.edgebook.engine;

import java.util.List;
import java.util.Map;

/**
 * The matching and settlement engine: a deterministic state machine, commands in, events out.
 * <p>
 * Threading: single writer. One thread calls {@link #execute}; events reach the {@link EventSink} on that thread, in
 * order, before {@code execute} returns. Inspection methods must be called from the same thread.
 */
public final class Engine {
    public Engine(final EventSink sink) {
        throw new UnsupportedOperationException("not yet");
    }

    /** Executes one command; {@code cmd} is its number, carried in every event it causes. */
    public void execute(final long cmd, final Command command) {
        throw new UnsupportedOperationException("not yet");
    }

    /** Every resting order: markets in definition order, bids best first then asks best first, time priority. */
    public List<OpenOrder> openOrders() {
        throw new UnsupportedOperationException("not yet");
    }

    /** An account's balances by asset, in asset definition order; empty for an account never used. */
    public Map<String, Event.Balance> balances(final String account) {
        throw new UnsupportedOperationException("not yet");
    }

    /** Names of all accounts, in order of first use. */
    public List<String> accounts() {
        throw new UnsupportedOperationException("not yet");
    }
}
