package org.edgebook.server;

import org.edgebook.engine.Command;

/**
 * The one rule for whom a key acts, on every transport (HTTP routes, {@code /v1/batch}, the WebSocket): an account key
 * acts only for its own account, the admin key for any. A command that names no account is the key's own (filled in
 * here); one that names another account is refused, always with the same message. Money moves at most once: a deposit
 * or withdrawal without its idempotency id is refused ({@link #missingMoneyId}). A malformed command names no account
 * but the sender's ({@link #sendersOwn}), so its rejection reaches no one else.
 * <p>
 * A sourced command ({@code source} and {@code sourceSeq}, docs/semantics.md "Sources") is scoped as the command it
 * carries, and its source must be the key's: the admin key (an edge node, a region, today) numbers any source; an
 * account key only its account's own, named as the account or beginning with it and a colon ({@code alice},
 * {@code alice:phone}), so that no account can move, learn or answer from another's sequence ({@link #mayNumber}).
 * No API key, the admin's included, numbers a source beginning with {@code node:}: those are the edge nodes' own
 * (docs/transaction-path.md), numbered only by the node itself on {@code POST /v1/forward}.
 * <p>
 * A command signed by an account's client key ({@link SignedCommands}, docs/signing.md) has the signature as its
 * authority, not the API key that brings it: any authenticated key (an account's, the admin's; an edge node forwards
 * with its node key instead, {@link ForwardRoute}) may submit it, even for another account, and it acts as the signing account. It must name that account (nothing is
 * filled in: what was signed is what runs) and be that account's own command; otherwise it is refused 401
 * {@code wrong account}. Only a place, a cancel or a transfer is taken signed (400 otherwise): their ids stop replays
 * (a {@code clientOrderId} is used once ever, a {@code transferId} moves money once), which a modify's or a query's
 * would not. Its source, when it has one, must be the signing account's or the submitting key's
 * ({@link #mayNumber}). An unsigned command keeps the rules above.
 * <p>
 * Threading: stateless.
 */
final class AccountScope {
    private AccountScope() {
    }

    /** The command to submit, or why not (an HTTP status, an error and a detail). */
    record Scoped(Command command, int status, String error, String detail) {
        static Scoped allowed(final Command command) {
            return new Scoped(command, 200, null, null);
        }

        boolean refused() {
            return command == null;
        }
    }

    /** The refusal of another account's command. */
    static String forbidden(final ApiKey key) {
        return "this key acts only for account " + key.account();
    }

    /** {@code command} as {@code key} may send it: its own account filled in where it names none. */
    static Scoped of(final ApiKey key, final Command command) {
        return scope(key, command, true);
    }

    /**
     * {@code command} as {@code key} may send it, signed by {@code signer}'s client key ({@code null}: unsigned, as
     * {@link #of}).
     */
    static Scoped of(final ApiKey key, final Command command, final String signer) {
        return signer == null ? of(key, command) : signed(key, command, signer);
    }

    /** As {@link #ofLine}, signed by {@code signer}'s client key ({@code null}: unsigned). */
    static Scoped ofLine(final ApiKey key, final Command command, final String signer) {
        return signer == null ? ofLine(key, command) : signed(key, command, signer);
    }

    private static Scoped signed(final ApiKey key, final Command command, final String signer) {
        final ApiKey signing = new ApiKey(null, null, signer);
        if (command instanceof Command.FromSender f) {
            if (!mayNumber(key, f.sender()) && !mayNumber(signing, f.sender())) {
                return new Scoped(null, 403, "forbidden", "source " + f.sender() + " is neither the signing "
                        + "account's nor the submitting key's: " + foreignSource(signing, f.sender()));
            }
            if (f.command() == null || f.command() instanceof Command.FromSender) {
                return Scoped.allowed(f);
            }
            final Scoped inner = signed(key, f.command(), signer);
            return inner.refused() ? inner
                    : Scoped.allowed(new Command.FromSender(f.sender(), f.senderSeq(), inner.command()));
        }
        if (command instanceof Command.Malformed m) {
            return Scoped.allowed(sendersOwn(key, m));
        }
        if (!(command instanceof Command.Place || command instanceof Command.Cancel
                || command instanceof Command.Transfer)) {
            // A modify has no id of its own, so a captured one could be replayed over a later change within the age;
            // a query's answer would go to whoever holds the signed query.
            return new Scoped(null, 400, "MALFORMED", "a signed command is a place, cancel or transfer "
                    + "(docs/signing.md)");
        }
        return owned(signer, command) ? Scoped.allowed(command)
                : new Scoped(null, 401, "wrong account", "the command was signed by a key of account " + signer
                        + "; a client key signs only its account's own orders and transfers, naming the account");
    }

    /**
     * As {@link #of}, for a line of a batch: a batch is a command file, whose lines name their accounts, so a line
     * that names none is refused like one that names another.
     */
    static Scoped ofLine(final ApiKey key, final Command command) {
        return scope(key, command, false);
    }

    private static Scoped scope(final ApiKey key, final Command command, final boolean fillIn) {
        if (command instanceof Command.FromSender f) {
            if (!mayNumber(key, f.sender())) {
                return new Scoped(null, 403, "forbidden", foreignSource(key, f.sender()));
            }
            if (f.command() == null || f.command() instanceof Command.FromSender) {
                return Scoped.allowed(f); // the engine answers MALFORMED; nothing runs, no mark moves
            }
            final Scoped inner = scope(key, f.command(), fillIn);
            return inner.refused() ? inner
                    : Scoped.allowed(new Command.FromSender(f.sender(), f.senderSeq(), inner.command()));
        }
        if (command instanceof Command.Malformed m) {
            return Scoped.allowed(sendersOwn(key, m));
        }
        if (key.admin()) {
            final String missing = missingMoneyId(command);
            return missing == null ? Scoped.allowed(command) : new Scoped(null, 400, "MALFORMED", missing);
        }
        final Command own = fillIn ? filledIn(key.account(), command) : command;
        return owned(key.account(), own) ? Scoped.allowed(own) : new Scoped(null, 403, "forbidden", forbidden(key));
    }

    /**
     * Whether {@code key} may number commands as {@code source}, and read its mark: the admin any source, an account
     * key its account's own ({@code alice}, or {@code alice:} and more). An account whose name holds a {@code :} has
     * no sources: its name would also be one of another account's ({@code alice:phone} is alice's), and two keys
     * numbering one source would take each other's numbers. No key numbers a source beginning with {@code node:}, the
     * admin's neither: an edge node's sequence is its own ({@link NodeKey#source}).
     */
    static boolean mayNumber(final ApiKey key, final String source) {
        if (source != null && source.startsWith(NodeKey.SOURCE_PREFIX)) {
            return false;
        }
        if (key.admin()) {
            return true;
        }
        return source != null && key.account().indexOf(':') < 0 && (source.equals(key.account())
                || source.startsWith(key.account() + ":"));
    }

    /** The refusal of {@code source}, which is not the key's. */
    static String foreignSource(final ApiKey key, final String source) {
        if (source != null && source.startsWith(NodeKey.SOURCE_PREFIX)) {
            return "source " + source + " is an edge node's: a source beginning with " + NodeKey.SOURCE_PREFIX
                    + " is numbered only by its node (POST /v1/forward), never with an API key";
        }
        if (key.account().indexOf(':') >= 0) {
            return "an account whose name holds ':' numbers no source (" + key.account() + " would be one of "
                    + key.account().substring(0, key.account().indexOf(':')) + "'s sources)";
        }
        return "this key numbers only its account's own sources: " + key.account() + ", or a name beginning with "
                + key.account() + ":";
    }

    /**
     * Whether {@code key} may see the answer of {@code command} (a repeat's original): the admin any, an account key
     * its own account's commands.
     */
    static boolean mayAnswer(final ApiKey key, final Command command) {
        final Command inner = Command.unwrap(command);
        return key.admin() || inner instanceof Command.Malformed m && key.account().equals(m.account())
                || owned(key.account(), inner);
    }

    /**
     * Money moves at most once: a deposit or withdrawal without its idempotency id is refused (what is wrong, or
     * {@code null}), so that a retry or a replay cannot move the money twice.
     */
    static String missingMoneyId(final Command sent) {
        final Command command = Command.unwrap(sent);
        if (command instanceof Command.Deposit d && d.depositId() == null
                || command instanceof Command.Withdraw w && w.withdrawalId() == null) {
            return (command instanceof Command.Deposit ? "depositId" : "withdrawalId") + " is required: an id of "
                    + "your choosing, so that a retry cannot move the money twice";
        }
        return null;
    }

    /**
     * A malformed line names no account but the sender's: its rejection goes to the key's own account (none for the
     * admin), with the order id only when the line named that same account.
     */
    static Command.Malformed sendersOwn(final ApiKey key, final Command.Malformed m) {
        final String account = key.admin() ? null : key.account();
        final boolean same = account != null && account.equals(m.account());
        return new Command.Malformed(m.detail(), account, same ? m.clientOrderId() : null);
    }

    private static Command filledIn(final String account, final Command command) {
        return switch (command) {
            case Command.Place c when c.account() == null -> new Command.Place(account, c.clientOrderId(),
                    c.symbol(), c.side(), c.orderType(), c.tif(), c.price(), c.quantity(), c.postOnly());
            case Command.Cancel c when c.account() == null -> new Command.Cancel(account, c.clientOrderId());
            case Command.Modify c when c.account() == null -> new Command.Modify(account, c.clientOrderId(),
                    c.price(), c.quantity());
            case Command.Transfer c when c.from() == null -> new Command.Transfer(c.transferId(), account, c.to(),
                    c.asset(), c.amount());
            case Command.QueryBalances c when c.account() == null -> new Command.QueryBalances(account);
            case Command.QueryOrders c when c.account() == null -> new Command.QueryOrders(account);
            default -> command;
        };
    }

    /** Whether {@code command} is {@code account}'s business alone (or no account's: a book query). */
    private static boolean owned(final String account, final Command command) {
        return switch (command) {
            case Command.Place c -> account.equals(c.account());
            case Command.Cancel c -> account.equals(c.account());
            case Command.Modify c -> account.equals(c.account());
            case Command.Transfer c -> account.equals(c.from());
            case Command.QueryBalances c -> account.equals(c.account());
            case Command.QueryOrders c -> account.equals(c.account());
            case Command.QueryBook c -> true;
            default -> false;
        };
    }
}
