package org.edgebook.engine;

/**
 * A command to the engine, as a typed value. The JSON codec decodes each input line into one of these.
 * <p>
 * Records hold what the sender said, unchecked: the engine validates every field (including {@code null} and empty
 * strings) and answers with a {@code rejected} event, so a command built in Java gets the same answers as the same
 * command sent as JSON.
 */
public sealed interface Command {

    /** Defines an asset with a number of decimal places, 0..18. */
    record DefineAsset(String asset, int scale) implements Command {
    }

    /** Defines a market trading {@code base} against {@code quote}. */
    record DefineInstrument(String symbol, String base, String quote, Decimal tickSize, Decimal lotSize)
            implements Command {
    }

    /**
     * Credits an account's available balance. A deposit with a {@code depositId} that took effect is never applied
     * again: a retry with the same id for the same account answers DUPLICATE. {@code null} means no id (replay files,
     * journals from before ids); the service requires one.
     */
    record Deposit(String account, String asset, Decimal amount, String depositId) implements Command {
        /** A deposit without an idempotency id. */
        public Deposit(final String account, final String asset, final Decimal amount) {
            this(account, asset, amount, null);
        }
    }

    /** Debits an account's available balance; {@code withdrawalId} works as a deposit's id does. */
    record Withdraw(String account, String asset, Decimal amount, String withdrawalId) implements Command {
        /** A withdrawal without an idempotency id. */
        public Withdraw(final String account, final String asset, final Decimal amount) {
            this(account, asset, amount, null);
        }
    }

    /**
     * Moves available funds from one account to another. A transfer that took effect is never applied again: a
     * retry with the same {@code transferId} from the same account answers DUPLICATE_TRANSFER with the original's
     * sequence number. A numbered one ({@link FromSender}) takes its id even when rejected.
     */
    record Transfer(String transferId, String from, String to, String asset, Decimal amount) implements Command {
    }

    /**
     * Places an order.
     *
     * @param orderType {@code null} means LIMIT.
     * @param tif       {@code null} means GTC for LIMIT and IOC for MARKET.
     * @param price     {@code null} when absent (required for LIMIT, forbidden for MARKET).
     */
    record Place(String account, String clientOrderId, String symbol, Side side, OrderType orderType,
                 TimeInForce tif, Decimal price, Decimal quantity, boolean postOnly) implements Command {

        /** A LIMIT GTC order, not post-only. */
        public static Place limit(final String account, final String clientOrderId, final String symbol,
                                  final Side side, final String price, final String quantity) {
            return new Place(account, clientOrderId, symbol, side, OrderType.LIMIT, TimeInForce.GTC,
                    Decimal.parse(price), Decimal.parse(quantity), false);
        }
    }

    /** Cancels an open order. */
    record Cancel(String account, String clientOrderId) implements Command {
    }

    /**
     * Changes an open order's price and/or quantity; {@code null} leaves that part as it is. {@code quantity} is the
     * order's new total, what has already filled included, not its new remaining: so a repeated modify changes
     * nothing more. A total no larger than what has filled ends the order.
     */
    record Modify(String account, String clientOrderId, Decimal price, Decimal quantity) implements Command {
    }

    /** Asks for a market's aggregated depth. */
    record QueryBook(String symbol) implements Command {
    }

    /** Asks for an account's open orders. */
    record QueryOrders(String account) implements Command {
    }

    /** Asks for an account's balances. */
    record QueryBalances(String account) implements Command {
    }

    /**
     * A command numbered by its sender, for exactly-once delivery into settlement (docs/semantics.md, "Sources"). A
     * sender (an edge node, a region, a client) numbers its commands 1, 2, 3…; the engine keeps each sender's mark,
     * the highest number it has executed. {@code senderSeq} = mark + 1 runs {@code command} as usual (whatever its
     * outcome) and moves the mark; at or below the mark the command is a duplicate and does not run again; above
     * mark + 1 it is a SEQUENCE_GAP and nothing changes.
     * <p>
     * On the wire the pair is the JSON fields {@code source} and {@code sourceSeq} of any command object. The Java
     * name is "sender" because a journal record already has a "source": the API key id or tool that submitted the
     * command, kept for the audit trail. The two are unrelated: one key (an edge node's) may carry many senders.
     *
     * @param sender    the sender's name, a name by the rule for names ({@link Names}).
     * @param senderSeq the sender's number for this command, 1 or more.
     * @param command   the command itself; never another {@code FromSender}.
     */
    record FromSender(String sender, long senderSeq, Command command) implements Command {

        /** What is wrong with the pair or the wrapped command's presence, naming the JSON field; {@code null} if fine. */
        public String problem() {
            final String name = Names.problem("source", sender);
            if (name != null) {
                return name;
            }
            if (senderSeq < 1) {
                return "sourceSeq must be a positive integer, not " + senderSeq;
            }
            if (command == null) {
                return "a command with source and sourceSeq needs the command itself";
            }
            if (command instanceof FromSender) {
                return "a command has one source and sourceSeq; a sourced command cannot hold another";
            }
            return null;
        }
    }

    /** The command a {@link FromSender} carries (if it carries one), else {@code command} itself. */
    static Command unwrap(final Command command) {
        return command instanceof FromSender f && f.command() != null ? f.command() : command;
    }

    /**
     * A line that could not be read as a command. It still takes its place in the sequence and is answered
     * {@code rejected MALFORMED}.
     *
     * @param detail        what is wrong, for the sender.
     * @param account       the line's {@code account} if it had a readable one, else {@code null}.
     * @param clientOrderId the line's {@code clientOrderId} if it had a readable one, else {@code null}.
     */
    record Malformed(String detail, String account, String clientOrderId) implements Command {
    }
}
