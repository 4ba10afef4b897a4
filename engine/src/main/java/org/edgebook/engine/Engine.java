package org.edgebook.engine;

import static org.edgebook.engine.RejectReason.DUPLICATE;
import static org.edgebook.engine.RejectReason.DUPLICATE_ORDER_ID;
import static org.edgebook.engine.RejectReason.DUPLICATE_TRANSFER;
import static org.edgebook.engine.RejectReason.INSUFFICIENT_FUNDS;
import static org.edgebook.engine.RejectReason.INVALID_AMOUNT;
import static org.edgebook.engine.RejectReason.INVALID_INSTRUMENT;
import static org.edgebook.engine.RejectReason.INVALID_ORDER;
import static org.edgebook.engine.RejectReason.INVALID_PRICE;
import static org.edgebook.engine.RejectReason.INVALID_QUANTITY;
import static org.edgebook.engine.RejectReason.INVALID_TRANSFER;
import static org.edgebook.engine.RejectReason.MALFORMED;
import static org.edgebook.engine.RejectReason.UNKNOWN_ASSET;
import static org.edgebook.engine.RejectReason.UNKNOWN_ORDER;
import static org.edgebook.engine.RejectReason.UNKNOWN_SYMBOL;
import static org.edgebook.engine.RejectReason.WOULD_TAKE;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The matching and settlement engine: a deterministic state machine, commands in, events out.
 * <p>
 * Each command is validated in the documented order (docs/semantics.md); a rejected command changes nothing. An
 * accepted order first holds the funds it needs, then matches against the opposite side of its book with price-time
 * priority, settling each trade between the two accounts at once. Steady-state command handling allocates nothing:
 * orders and price levels are pooled and all collections are primitive or open-addressing.
 * <p>
 * Threading: single writer. One thread calls {@link #execute}; events reach the {@link EventSink} on that thread, in
 * order, before {@code execute} returns. Inspection methods must be called from the same thread.
 */
public final class Engine {
    /** A cost too large for a long: no balance covers it. */
    private static final long BEYOND_RANGE = -1;

    private final EventSink sink;
    // Package-private for EngineSnapshot, which writes and restores exactly this state.
    final StringTable<Asset> assetsByName = new StringTable<>(16);
    final List<Asset> assets = new ArrayList<>();
    final StringTable<Instrument> instrumentsBySymbol = new StringTable<>(16);
    final List<Instrument> instruments = new ArrayList<>();
    final StringTable<Account> accountsByName = new StringTable<>(1024);
    final List<Account> accounts = new ArrayList<>();
    final OrderPool orderPool = new OrderPool();
    /** Senders of numbered commands by name, and in order of first use (snapshots list them in that order). */
    final StringTable<Sender> sendersByName = new StringTable<>(16);
    final List<Sender> senders = new ArrayList<>();
    /** The sequence number of the last command executed; the next one gets {@code sequence + 1}. */
    long sequence;
    /** Whether the command running came numbered by its source ({@link Command.FromSender}). */
    private boolean numbered;
    // Price levels the current command changed, for EventSink.levelChanged; tracked only when the sink asks.
    private boolean trackBook;
    private Instrument[] touchedInstruments = new Instrument[16];
    private Side[] touchedSides = new Side[16];
    private long[] touchedPrices = new long[16];
    private int touchedCount;
    private final BalanceReader balanceReader = new BalanceReader();
    private final OrdersReader ordersReader = new OrdersReader();

    public Engine(final EventSink sink) {
        this.sink = sink;
    }

    /**
     * Executes one command. It gets the next sequence number, which the sink learns first through
     * {@link EventSink#sequenced}; {@code cmd} is the caller's number for it (a line number), carried in every event.
     */
    public void execute(final long cmd, final Command command) {
        sink.sequenced(++sequence, cmd);
        trackBook = sink.wantsBookChanges();
        dispatch(cmd, command);
        if (touchedCount > 0) {
            reportBookChanges();
        }
    }

    private void dispatch(final long cmd, final Command command) {
        // The three order commands are most of the traffic: plain type tests, which compile to a class-pointer
        // compare. The switch below covers every command and keeps the compiler's exhaustiveness check.
        if (command instanceof Command.Place c) {
            place(cmd, c);
            return;
        }
        if (command instanceof Command.Cancel c) {
            cancel(cmd, c);
            return;
        }
        if (command instanceof Command.Modify c) {
            modify(cmd, c);
            return;
        }
        switch (command) {
            case Command.FromSender c -> fromSender(cmd, c);
            case Command.Place c -> place(cmd, c);
            case Command.Cancel c -> cancel(cmd, c);
            case Command.Modify c -> modify(cmd, c);
            case Command.Transfer c -> transfer(cmd, c);
            case Command.Deposit c -> deposit(cmd, c);
            case Command.Withdraw c -> withdraw(cmd, c);
            case Command.DefineAsset c -> defineAsset(cmd, c);
            case Command.DefineInstrument c -> defineInstrument(cmd, c);
            case Command.QueryBook c -> queryBook(cmd, c);
            case Command.QueryBalances c -> queryBalances(cmd, c);
            case Command.QueryOrders c -> queryOrders(cmd, c);
            case Command.Malformed c -> sink.rejected(cmd, MALFORMED, Names.orNull(c.account()),
                    Names.orNull(c.clientOrderId()), c.detail());
            case null -> sink.rejected(cmd, MALFORMED, null, null, "no command");
        }
    }

    // ----------------------------------------------------------------------------------------------------- senders

    /**
     * A numbered command (docs/semantics.md, "Sources"). Checked in this order: MALFORMED (the pair itself: the source
     * is not a name, sourceSeq is not positive, no command or a sourced one inside), then against the sender's mark:
     * at or below it a duplicate (nothing runs), above mark + 1 a SEQUENCE_GAP (nothing changes), and at mark + 1 the
     * mark moves and the command runs, with its own checks, whatever its outcome: a command the engine rejects has
     * still had its turn. The one thing being numbered changes: a rejected transfer still takes its id
     * ({@link #transfer}). Allocates only a sender's first time (and a rejected numbered transfer's id).
     */
    private void fromSender(final long cmd, final Command.FromSender c) {
        final String problem = c.problem();
        if (problem != null) {
            sink.rejected(cmd, MALFORMED, null, null, problem);
            return;
        }
        Sender sender = sendersByName.get(c.sender());
        final long mark = sender == null ? 0 : sender.mark;
        final long senderSeq = c.senderSeq();
        if (senderSeq <= mark) {
            sink.duplicate(cmd, c.sender(), senderSeq, mark);
            return;
        }
        if (senderSeq != mark + 1) {
            sink.sequenceGap(cmd, c.sender(), senderSeq, mark + 1);
            return;
        }
        if (sender == null) {
            sender = new Sender(c.sender());
            senders.add(sender);
            sendersByName.put(sender.name, sender);
        }
        sender.mark = senderSeq;
        numbered = true;
        try {
            dispatch(cmd, c.command());
        } finally {
            numbered = false;
        }
    }

    // ------------------------------------------------------------------------------------------------ book changes

    private void touched(final Instrument instrument, final Side side, final long price) {
        if (!trackBook) {
            return;
        }
        if (touchedCount == touchedPrices.length) {
            touchedInstruments = java.util.Arrays.copyOf(touchedInstruments, touchedCount * 2);
            touchedSides = java.util.Arrays.copyOf(touchedSides, touchedCount * 2);
            touchedPrices = java.util.Arrays.copyOf(touchedPrices, touchedCount * 2);
        }
        touchedInstruments[touchedCount] = instrument;
        touchedSides[touchedCount] = side;
        touchedPrices[touchedCount] = price;
        touchedCount++;
    }

    /** Each level the command changed, once, with its quantity now. */
    private void reportBookChanges() {
        for (int i = 0; i < touchedCount; i++) {
            boolean seen = false;
            for (int j = 0; j < i && !seen; j++) {
                seen = touchedInstruments[j] == touchedInstruments[i] && touchedSides[j] == touchedSides[i]
                        && touchedPrices[j] == touchedPrices[i];
            }
            if (!seen) {
                final Instrument instrument = touchedInstruments[i];
                sink.levelChanged(instrument.symbol, touchedSides[i], touchedPrices[i], instrument.priceScale,
                        instrument.book.side(touchedSides[i]).quantityAt(touchedPrices[i]),
                        instrument.quantityScale);
            }
            touchedInstruments[i] = null;
        }
        touchedCount = 0;
    }

    // ---------------------------------------------------------------------------------------------------- orders

    private void place(final long cmd, final Command.Place c) {
        final String accountName = c.account();
        final String orderId = c.clientOrderId();
        final String invalid = firstInvalid(accountName, "account", orderId, "clientOrderId", c.symbol(), "symbol");
        if (invalid != null) {
            malformed(cmd, accountName, orderId, invalid);
            return;
        }
        if (c.side() == null || c.quantity() == null) {
            malformed(cmd, accountName, orderId, (c.side() == null ? "side" : "quantity") + " is required");
            return;
        }
        final Instrument instrument = instrumentsBySymbol.get(c.symbol());
        if (instrument == null) {
            reject(cmd, UNKNOWN_SYMBOL, accountName, orderId);
            return;
        }
        final boolean market = c.orderType() == OrderType.MARKET;
        final TimeInForce tif;
        if (market) {
            if (c.price() != null || c.postOnly() || (c.tif() != null && c.tif() != TimeInForce.IOC)) {
                reject(cmd, INVALID_ORDER, accountName, orderId);
                return;
            }
            tif = TimeInForce.IOC;
        } else {
            tif = c.tif() == null ? TimeInForce.GTC : c.tif();
            if (c.price() == null || (c.postOnly() && tif != TimeInForce.GTC)) {
                reject(cmd, INVALID_ORDER, accountName, orderId);
                return;
            }
        }
        final long price = market ? 0 : instrument.priceUnits(c.price());
        if (price == Instrument.INVALID) {
            reject(cmd, INVALID_PRICE, accountName, orderId);
            return;
        }
        final long quantity = instrument.quantityUnits(c.quantity());
        if (quantity == Instrument.INVALID || (!market && instrument.notional(price, quantity) == Instrument.INVALID)) {
            reject(cmd, INVALID_QUANTITY, accountName, orderId);
            return;
        }
        final Account existing = accountsByName.get(accountName);
        if (existing != null && existing.orders.containsKey(orderId)) {
            reject(cmd, DUPLICATE_ORDER_ID, accountName, orderId);
            return;
        }
        final Side side = c.side();
        final BookSide opposite = instrument.book.side(side.opposite());
        if (c.postOnly() && opposite.isCrossedBy(price)) {
            reject(cmd, WOULD_TAKE, accountName, orderId);
            return;
        }
        final Asset held = instrument.heldAsset(side);
        final long available = existing == null ? 0 : existing.available[held.id];
        final long hold = market && side == Side.BUY
                ? marketBuyCost(opposite, existing, quantity, instrument)
                : instrument.hold(side, price, quantity);
        if (hold == BEYOND_RANGE || hold > available) {
            reject(cmd, INSUFFICIENT_FUNDS, accountName, orderId);
            return;
        }

        final Account account = existing != null ? existing : openAccount(accountName);
        sink.accepted(cmd, accountName, orderId);
        if (tif == TimeInForce.FOK && !canFillCompletely(opposite, account, price, quantity)) {
            account.orders.closed(orderId);
            sink.cancelled(cmd, accountName, orderId, quantity, instrument.quantityScale, CancelReason.FOK);
            return;
        }
        if (!market || side == Side.SELL) {
            account.reserve(held.id, hold);
        }
        final long remaining = match(cmd, instrument, account, orderId, side, market, price, quantity);
        if (remaining == 0) {
            account.orders.closed(orderId);
        } else if (tif == TimeInForce.GTC) {
            final Order order = orderPool.acquire();
            order.set(account, orderId, instrument, side, price, remaining, quantity - remaining, c.postOnly());
            instrument.book.side(side).add(order);
            touched(instrument, side, price);
            account.orders.open(order);
        } else {
            if (!market || side == Side.SELL) {
                account.release(held.id, instrument.hold(side, price, remaining));
            }
            account.orders.closed(orderId);
            sink.cancelled(cmd, accountName, orderId, remaining, instrument.quantityScale, CancelReason.UNFILLED);
        }
    }

    /**
     * Matches an incoming order against the opposite side and settles each fill. The taker already holds what it
     * needs (a MARKET BUY pays from available). Returns the quantity left unfilled.
     */
    private long match(final long cmd, final Instrument instrument, final Account taker, final String takerOrderId,
                       final Side side, final boolean market, final long limit, final long quantity) {
        final BookSide opposite = instrument.book.side(side.opposite());
        long remaining = quantity;
        PriceLevel level;
        while (remaining > 0 && (level = opposite.best()) != null) {
            if (!market && !opposite.reaches(level.price, limit)) {
                break;
            }
            touched(instrument, opposite.side(), level.price);
            Order maker = level.head;
            while (maker != null && remaining > 0) {
                final Order next = maker.next;
                if (maker.account == taker) {
                    cancelResting(cmd, maker, CancelReason.SELF_TRADE);
                } else {
                    final long fill = Math.min(remaining, maker.remaining);
                    settle(instrument, side, taker, market, limit, maker.account, level.price, fill);
                    sink.trade(cmd, instrument.symbol, level.price, instrument.priceScale, fill,
                            instrument.quantityScale, maker.account.name, maker.clientOrderId, taker.name,
                            takerOrderId, side);
                    remaining -= fill;
                    maker.remaining -= fill;
                    maker.filled += fill;
                    level.quantity -= fill;
                    if (maker.remaining == 0) {
                        level.unlink(maker);
                        maker.account.orders.close(maker);
                        orderPool.release(maker);
                    }
                }
                maker = next;
            }
            if (level.isEmpty()) {
                opposite.removeLevel(level);
            }
        }
        return remaining;
    }

    /** Moves base and quote between the two accounts of a fill at the maker's price. */
    private static void settle(final Instrument instrument, final Side takerSide, final Account taker,
                               final boolean market, final long limit, final Account maker, final long price,
                               final long quantity) {
        final int base = instrument.base.id;
        final int quote = instrument.quote.id;
        final long baseAmount = instrument.baseAmount(quantity);
        final long quoteAmount = instrument.notional(price, quantity);
        if (takerSide == Side.BUY) {
            if (market) {
                taker.available[quote] -= quoteAmount;
            } else {
                final long held = instrument.notional(limit, quantity);
                taker.reserved[quote] -= held;
                taker.available[quote] += held - quoteAmount; // price improvement returns at once
            }
            taker.credit(base, baseAmount);
            maker.reserved[base] -= baseAmount;
            maker.credit(quote, quoteAmount);
        } else {
            taker.reserved[base] -= baseAmount;
            taker.credit(quote, quoteAmount);
            maker.reserved[quote] -= quoteAmount;
            maker.credit(base, baseAmount);
        }
    }

    /**
     * What a MARKET BUY of {@code quantity} would pay, walking the asks and skipping the account's own orders;
     * {@link #BEYOND_RANGE} if that does not fit in a long (no balance can cover it).
     */
    private static long marketBuyCost(final BookSide asks, final Account account, final long quantity,
                                      final Instrument instrument) {
        long remaining = quantity;
        long cost = 0;
        for (int i = 0; i < asks.levelCount() && remaining > 0; i++) {
            final PriceLevel level = asks.level(i);
            for (Order o = level.head; o != null && remaining > 0; o = o.next) {
                if (o.account == account) {
                    continue;
                }
                final long fill = Math.min(remaining, o.remaining);
                final long notional = instrument.notional(level.price, fill);
                if (notional == Instrument.INVALID || cost > Long.MAX_VALUE - notional) {
                    return BEYOND_RANGE;
                }
                cost += notional;
                remaining -= fill;
            }
        }
        return cost;
    }

    /** Whether other accounts' orders within the limit add up to {@code quantity}. */
    private static boolean canFillCompletely(final BookSide opposite, final Account account, final long limit,
                                             final long quantity) {
        long remaining = quantity;
        for (int i = 0; i < opposite.levelCount() && remaining > 0; i++) {
            final PriceLevel level = opposite.level(i);
            if (!opposite.reaches(level.price, limit)) {
                return false;
            }
            for (Order o = level.head; o != null && remaining > 0; o = o.next) {
                if (o.account != account) {
                    remaining -= Math.min(remaining, o.remaining);
                }
            }
        }
        return remaining == 0;
    }

    /** Takes a resting order off its level, releases what it holds, and reports it. Leaves an empty level. */
    private void cancelResting(final long cmd, final Order order, final CancelReason reason) {
        final Instrument instrument = order.instrument;
        final Account account = order.account;
        final PriceLevel level = order.level;
        level.unlink(order);
        level.quantity -= order.remaining;
        account.release(instrument.heldAsset(order.side).id,
                instrument.hold(order.side, order.price, order.remaining));
        account.orders.close(order);
        sink.cancelled(cmd, account.name, order.clientOrderId, order.remaining, instrument.quantityScale, reason);
        orderPool.release(order);
    }

    private void cancel(final long cmd, final Command.Cancel c) {
        final String invalid = firstInvalid(c.account(), "account", c.clientOrderId(), "clientOrderId", "", "");
        if (invalid != null) {
            malformed(cmd, c.account(), c.clientOrderId(), invalid);
            return;
        }
        final Order order = openOrder(c.account(), c.clientOrderId());
        if (order == null) {
            reject(cmd, UNKNOWN_ORDER, c.account(), c.clientOrderId());
            return;
        }
        final PriceLevel level = order.level;
        final BookSide side = order.instrument.book.side(order.side);
        touched(order.instrument, order.side, order.price);
        cancelResting(cmd, order, CancelReason.USER);
        if (level.isEmpty()) {
            side.removeLevel(level);
        }
    }

    /**
     * A modify's quantity is the order's new total, what has filled included (FIX's OrderQty), so the new remaining is
     * that total less what has filled: sending the same modify twice leaves the order as the first one did. A total no
     * larger than what has filled ends the order (cancelled, reason USER). Checked in this order: MALFORMED,
     * UNKNOWN_ORDER, INVALID_PRICE, INVALID_QUANTITY (including price × total out of range), WOULD_TAKE,
     * INSUFFICIENT_FUNDS.
     */
    private void modify(final long cmd, final Command.Modify c) {
        final String accountName = c.account();
        final String orderId = c.clientOrderId();
        final String invalid = firstInvalid(accountName, "account", orderId, "clientOrderId", "", "");
        if (invalid != null) {
            malformed(cmd, accountName, orderId, invalid);
            return;
        }
        if (c.price() == null && c.quantity() == null) {
            malformed(cmd, accountName, orderId, "modify needs a price or a quantity");
            return;
        }
        final Order order = openOrder(accountName, orderId);
        if (order == null) {
            reject(cmd, UNKNOWN_ORDER, accountName, orderId);
            return;
        }
        final Instrument instrument = order.instrument;
        final long price = c.price() == null ? order.price : instrument.priceUnits(c.price());
        if (price == Instrument.INVALID) {
            reject(cmd, INVALID_PRICE, accountName, orderId);
            return;
        }
        // filled + remaining never overflows: it is at most a total that was checked when it was named.
        final long total = c.quantity() == null ? order.filled + order.remaining
                : instrument.quantityUnits(c.quantity());
        if (total == Instrument.INVALID || instrument.notional(price, total) == Instrument.INVALID) {
            reject(cmd, INVALID_QUANTITY, accountName, orderId);
            return;
        }
        final Side side = order.side;
        final Account account = order.account;
        final int held = instrument.heldAsset(side).id;
        final BookSide own = instrument.book.side(side);
        if (total <= order.filled) {
            // Nothing left to trade: the order is done and its remainder leaves the book.
            final PriceLevel level = order.level;
            touched(instrument, side, order.price);
            cancelResting(cmd, order, CancelReason.USER);
            if (level.isEmpty()) {
                own.removeLevel(level);
            }
            return;
        }
        final long quantity = total - order.filled; // the new remaining

        if (price == order.price && quantity <= order.remaining) {
            // Keeps time priority: shrink in place.
            final long reduction = order.remaining - quantity;
            account.release(held, instrument.hold(side, price, reduction));
            order.remaining = quantity;
            order.level.quantity -= reduction;
            touched(instrument, side, price);
            sink.modified(cmd, accountName, orderId, price, instrument.priceScale, quantity, instrument.quantityScale);
            return;
        }
        final BookSide opposite = instrument.book.side(side.opposite());
        if (order.postOnly && opposite.isCrossedBy(price)) {
            reject(cmd, WOULD_TAKE, accountName, orderId);
            return;
        }
        final long currentHold = instrument.hold(side, order.price, order.remaining);
        final long newHold = instrument.hold(side, price, quantity);
        if (newHold > account.available[held] + currentHold) {
            reject(cmd, INSUFFICIENT_FUNDS, accountName, orderId);
            return;
        }
        // Loses time priority: leave the book and come back as an incoming order.
        touched(instrument, side, order.price);
        own.remove(order);
        account.release(held, currentHold);
        account.reserve(held, newHold);
        sink.modified(cmd, accountName, orderId, price, instrument.priceScale, quantity, instrument.quantityScale);
        final long remaining = match(cmd, instrument, account, orderId, side, false, price, quantity);
        if (remaining == 0) {
            account.orders.close(order);
            orderPool.release(order);
        } else {
            order.price = price;
            order.remaining = remaining;
            order.filled += quantity - remaining;
            own.add(order);
            touched(instrument, side, price);
        }
    }

    private Order openOrder(final String accountName, final String clientOrderId) {
        final Account account = accountsByName.get(accountName);
        return account == null ? null : account.openOrder(clientOrderId);
    }

    // ------------------------------------------------------------------------------------------ money in and out

    /**
     * Checked in this order: MALFORMED (a depositId, when given, is a name too), DUPLICATE (the account was credited
     * by a deposit with this id before), UNKNOWN_ASSET, INVALID_AMOUNT. Only a deposit that took effect takes its id.
     */
    private void deposit(final long cmd, final Command.Deposit c) {
        final Asset asset = checkTransfer(cmd, c.account(), c.asset(), c.amount(), "depositId", DEPOSIT_ID,
                c.depositId());
        if (asset == null) {
            return;
        }
        final long amount = c.amount().toUnits(asset.scale);
        if (amount > Long.MAX_VALUE - asset.circulating) {
            reject(cmd, INVALID_AMOUNT, c.account(), null);
            return;
        }
        final Account account = accountsByName.get(c.account());
        final Account credited = account != null ? account : openAccount(c.account());
        if (c.depositId() != null) {
            credited.recordTransfer(DEPOSIT_ID + c.depositId(), sequence);
        }
        credited.credit(asset.id, amount);
        asset.circulating += amount;
        sink.ok(cmd);
    }

    /** As {@link #deposit}: MALFORMED, DUPLICATE (withdrawalId), UNKNOWN_ASSET, INVALID_AMOUNT, INSUFFICIENT_FUNDS. */
    private void withdraw(final long cmd, final Command.Withdraw c) {
        final Asset asset = checkTransfer(cmd, c.account(), c.asset(), c.amount(), "withdrawalId", WITHDRAWAL_ID,
                c.withdrawalId());
        if (asset == null) {
            return;
        }
        final long amount = c.amount().toUnits(asset.scale);
        final Account account = accountsByName.get(c.account());
        if (account == null || account.available[asset.id] < amount) {
            reject(cmd, INSUFFICIENT_FUNDS, c.account(), null);
            return;
        }
        if (c.withdrawalId() != null) {
            account.recordTransfer(WITHDRAWAL_ID + c.withdrawalId(), sequence);
        }
        account.available[asset.id] -= amount;
        asset.circulating -= amount;
        sink.ok(cmd);
    }

    /**
     * Checked in this order: MALFORMED, DUPLICATE_TRANSFER (the sending account's id is taken: by a transfer that
     * took effect, or by a numbered one that was rejected), UNKNOWN_ASSET, INVALID_AMOUNT, INVALID_TRANSFER (to
     * itself), UNKNOWN_ACCOUNT (the payee has no account: money is never sent to a name nobody holds),
     * INSUFFICIENT_FUNDS. An unnumbered transfer takes its id only when it moves money, so a rejected one changes
     * nothing and may be retried; a numbered one ({@link Command.FromSender}) takes it whatever its outcome, when its
     * sending account exists, so that a rejected signed transfer cannot run later. One that took effect is never
     * applied twice, and a retry learns its sequence number (the original's outcome is the journal's at that
     * number).
     */
    private void transfer(final long cmd, final Command.Transfer c) {
        final RejectReason reason = transferOrReason(cmd, c);
        if (reason != null && numbered && reason != MALFORMED && reason != DUPLICATE_TRANSFER) {
            // A numbered transfer uses up its id whatever its outcome (docs/semantics.md, Transfers): a signed one
            // that was refused cannot be sent again later, by whoever holds it, and move money after all.
            final Account sender = accountsByName.get(c.from());
            if (sender != null) {
                sender.recordTransfer(c.transferId(), sequence);
            }
        }
    }

    /** Runs a transfer; answers why it was rejected, or null when it moved the money. */
    private RejectReason transferOrReason(final long cmd, final Command.Transfer c) {
        final String from = c.from();
        final String id = c.transferId();
        String invalid = firstInvalid(id, "transferId", from, "from", c.to(), "to");
        if (invalid == null) {
            invalid = Names.problem("asset", c.asset());
        }
        if (invalid != null || c.amount() == null) {
            sink.transferRejected(cmd, MALFORMED, Names.orNull(id), Names.orNull(from), 0,
                    invalid != null ? invalid : "amount is required");
            return MALFORMED;
        }
        final Account sender = accountsByName.get(from);
        final long original = sender == null ? 0 : sender.transferSeq(id);
        if (original != 0) {
            sink.transferRejected(cmd, DUPLICATE_TRANSFER, id, from, original, null);
            return DUPLICATE_TRANSFER;
        }
        final Asset asset = assetsByName.get(c.asset());
        if (asset == null) {
            sink.transferRejected(cmd, UNKNOWN_ASSET, id, from, 0, null);
            return UNKNOWN_ASSET;
        }
        final long amount = c.amount().toUnits(asset.scale);
        if (amount == Decimal.NOT_REPRESENTABLE || amount <= 0) {
            sink.transferRejected(cmd, INVALID_AMOUNT, id, from, 0, null);
            return INVALID_AMOUNT;
        }
        if (from.equals(c.to())) {
            sink.transferRejected(cmd, INVALID_TRANSFER, id, from, 0, null);
            return INVALID_TRANSFER;
        }
        final Account receiver = accountsByName.get(c.to());
        if (receiver == null) {
            sink.transferRejected(cmd, RejectReason.UNKNOWN_ACCOUNT, id, from, 0, null);
            return RejectReason.UNKNOWN_ACCOUNT;
        }
        if (sender == null || sender.available[asset.id] < amount) {
            sink.transferRejected(cmd, INSUFFICIENT_FUNDS, id, from, 0, null);
            return INSUFFICIENT_FUNDS;
        }
        sender.recordTransfer(id, sequence);
        sender.available[asset.id] -= amount;
        receiver.credit(asset.id, amount);
        sink.transferred(cmd, id, from, c.to(), asset.name, amount, asset.scale);
        return null;
    }

    /**
     * Deposit and withdrawal ids are kept with the account, in its table of transfer ids, under a prefix no transfer
     * id can have ({@code /} is outside the rule for names): snapshots carry them with no change of format.
     */
    private static final String DEPOSIT_ID = "deposit/";
    private static final String WITHDRAWAL_ID = "withdrawal/";

    /** The shared checks of deposit and withdraw; the asset, or {@code null} after a rejection. */
    private Asset checkTransfer(final long cmd, final String account, final String assetName, final Decimal amount,
                                final String idField, final String idPrefix, final String id) {
        String invalid = firstInvalid(account, "account", assetName, "asset", "", "");
        if (invalid == null && id != null) {
            invalid = Names.problem(idField, id);
        }
        if (invalid != null || amount == null) {
            malformed(cmd, account, null, invalid != null ? invalid : "amount is required");
            return null;
        }
        if (id != null) {
            final Account existing = accountsByName.get(account);
            if (existing != null && existing.transferSeq(idPrefix + id) != 0) {
                reject(cmd, DUPLICATE, account, null);
                return null;
            }
        }
        final Asset asset = assetsByName.get(assetName);
        if (asset == null) {
            reject(cmd, UNKNOWN_ASSET, account, null);
            return null;
        }
        final long units = amount.toUnits(asset.scale);
        if (units == Decimal.NOT_REPRESENTABLE || units <= 0) {
            reject(cmd, INVALID_AMOUNT, account, null);
            return null;
        }
        return asset;
    }

    // ------------------------------------------------------------------------------------------------ definitions

    private void defineAsset(final long cmd, final Command.DefineAsset c) {
        final String invalid = Names.problem("asset", c.asset());
        if (invalid != null) {
            malformed(cmd, null, null, invalid);
            return;
        }
        if (c.scale() < 0 || c.scale() > 18) {
            malformed(cmd, null, null, "scale must be an integer from 0 to 18");
            return;
        }
        if (assetsByName.containsKey(c.asset())) {
            reject(cmd, DUPLICATE, null, null);
            return;
        }
        final Asset asset = new Asset(c.asset(), assets.size(), c.scale());
        assets.add(asset);
        assetsByName.put(asset.name, asset);
        for (final Account account : accounts) {
            account.assetCount(assets.size());
        }
        sink.ok(cmd);
    }

    private void defineInstrument(final long cmd, final Command.DefineInstrument c) {
        final String invalid = firstInvalid(c.symbol(), "symbol", c.base(), "base", c.quote(), "quote");
        if (invalid != null || c.tickSize() == null || c.lotSize() == null) {
            malformed(cmd, null, null, invalid != null ? invalid
                    : (c.tickSize() == null ? "tickSize" : "lotSize") + " is required");
            return;
        }
        if (instrumentsBySymbol.containsKey(c.symbol())) {
            reject(cmd, DUPLICATE, null, null);
            return;
        }
        final Asset base = assetsByName.get(c.base());
        final Asset quote = assetsByName.get(c.quote());
        if (base == null || quote == null) {
            reject(cmd, UNKNOWN_ASSET, null, null);
            return;
        }
        final Decimal tick = c.tickSize();
        final Decimal lot = c.lotSize();
        if (base == quote || tick.isOutOfRange() || lot.isOutOfRange() || tick.signum() <= 0 || lot.signum() <= 0
                || tick.scale() + lot.scale() > quote.scale || lot.scale() > base.scale) {
            reject(cmd, INVALID_INSTRUMENT, null, null);
            return;
        }
        final Instrument instrument = new Instrument(c.symbol(), instruments.size(), base, quote, tick, lot);
        instruments.add(instrument);
        instrumentsBySymbol.put(instrument.symbol, instrument);
        sink.ok(cmd);
    }

    Account openAccount(final String name) {
        final Account account = new Account(name, assets.size());
        accounts.add(account);
        accountsByName.put(name, account);
        return account;
    }

    // ---------------------------------------------------------------------------------------------------- queries

    private void queryBook(final long cmd, final Command.QueryBook c) {
        final String invalid = Names.problem("symbol", c.symbol());
        if (invalid != null) {
            malformed(cmd, null, null, invalid);
            return;
        }
        final Instrument instrument = instrumentsBySymbol.get(c.symbol());
        if (instrument == null) {
            reject(cmd, UNKNOWN_SYMBOL, null, null);
            return;
        }
        sink.book(cmd, instrument.symbol, instrument.book);
    }

    private void queryBalances(final long cmd, final Command.QueryBalances c) {
        final String invalid = Names.problem("account", c.account());
        if (invalid != null) {
            malformed(cmd, c.account(), null, invalid);
            return;
        }
        balanceReader.wrap(accountsByName.get(c.account()));
        sink.balances(cmd, c.account(), balanceReader);
    }

    /**
     * Lists the account's open orders from its own list ({@link OrderIndex}), sorted into the documented order: it
     * costs O(k log k) in the account's k open orders, whatever the depth of the books, and allocates nothing once the
     * reader's array has grown to the largest account queried.
     */
    private void queryOrders(final long cmd, final Command.QueryOrders c) {
        final String invalid = Names.problem("account", c.account());
        if (invalid != null) {
            malformed(cmd, c.account(), null, invalid);
            return;
        }
        ordersReader.wrap(accountsByName.get(c.account()));
        try {
            sink.orders(cmd, c.account(), ordersReader);
        } finally {
            ordersReader.clear();
        }
    }

    /** How many orders the last orders query looked at: for tests of its cost. */
    int ordersVisitedByLastQuery() {
        return ordersReader.visited;
    }

    /** Lists the assets an account has held, in definition order, without allocating. */
    private final class BalanceReader implements EventSink.BalanceView {
        private int[] assetIds = new int[8];
        private int size;
        private Account account;

        void wrap(final Account account) {
            this.account = account;
            size = 0;
            if (account == null) {
                return;
            }
            if (assetIds.length < assets.size()) {
                assetIds = new int[assets.size()];
            }
            for (int i = 0; i < assets.size(); i++) {
                if (account.held[i]) {
                    assetIds[size++] = i;
                }
            }
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public String asset(final int index) {
            return assets.get(assetIds[index]).name;
        }

        @Override
        public int scale(final int index) {
            return assets.get(assetIds[index]).scale;
        }

        @Override
        public long available(final int index) {
            return account.available[assetIds[index]];
        }

        @Override
        public long reserved(final int index) {
            return account.reserved[assetIds[index]];
        }
    }

    /**
     * An account's open orders in the order an orders query answers them: markets in definition order, bids best
     * first then asks best first, oldest first at a price (docs/semantics.md). It copies the account's list of open
     * orders into a reused array and sorts that by (market, side, price, arrival at the level) with an in-place heap
     * sort: no allocation beyond growing the array. The array holds pooled orders only until {@link #clear}.
     * <p>
     * Threading: the engine's thread only, like the engine.
     */
    private static final class OrdersReader implements EventSink.OrdersView {
        private Order[] orders = new Order[16];
        private int size;
        /** Orders the last {@link #wrap} looked at. */
        int visited;

        void wrap(final Account account) {
            size = 0;
            if (account != null) {
                final OrderIndex index = account.orders;
                if (orders.length < index.openCount()) {
                    orders = new Order[Math.max(index.openCount(), orders.length * 2)];
                }
                for (Order o = index.firstOpen(); o != null; o = o.nextOfAccount) {
                    orders[size++] = o;
                }
                sort(orders, size);
            }
            visited = size;
        }

        /** Drops the references to pooled orders, which may be reused once they leave the book. */
        void clear() {
            java.util.Arrays.fill(orders, 0, size, null);
            size = 0;
        }

        /** Whether {@code a} answers before {@code b}. No two open orders tie: arrivals differ within a level. */
        private static boolean before(final Order a, final Order b) {
            if (a.instrument != b.instrument) {
                return a.instrument.id < b.instrument.id;
            }
            if (a.side != b.side) {
                return a.side == Side.BUY;
            }
            if (a.price != b.price) {
                return a.side == Side.BUY ? a.price > b.price : a.price < b.price;
            }
            return a.arrival < b.arrival;
        }

        /** Heap sort of {@code a[0..n)} by {@link #before}: O(n log n), in place. */
        private static void sort(final Order[] a, final int n) {
            for (int i = n / 2 - 1; i >= 0; i--) {
                siftDown(a, i, n);
            }
            for (int end = n - 1; end > 0; end--) {
                final Order last = a[0];
                a[0] = a[end];
                a[end] = last;
                siftDown(a, 0, end);
            }
        }

        /** Sinks {@code a[i]} into the max-heap {@code a[0..n)}, "max" meaning answered last. */
        private static void siftDown(final Order[] a, final int start, final int n) {
            final Order sinking = a[start];
            int i = start;
            int child;
            while ((child = 2 * i + 1) < n) {
                if (child + 1 < n && before(a[child], a[child + 1])) {
                    child++;
                }
                if (!before(sinking, a[child])) {
                    break;
                }
                a[i] = a[child];
                i = child;
            }
            a[i] = sinking;
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public String clientOrderId(final int index) {
            return orders[index].clientOrderId;
        }

        @Override
        public String symbol(final int index) {
            return orders[index].instrument.symbol;
        }

        @Override
        public Side side(final int index) {
            return orders[index].side;
        }

        @Override
        public long price(final int index) {
            return orders[index].price;
        }

        @Override
        public int priceScale(final int index) {
            return orders[index].instrument.priceScale;
        }

        @Override
        public long remaining(final int index) {
            return orders[index].remaining;
        }

        @Override
        public int quantityScale(final int index) {
            return orders[index].instrument.quantityScale;
        }

        @Override
        public boolean postOnly(final int index) {
            return orders[index].postOnly;
        }
    }

    // ------------------------------------------------------------------------------------------------- inspection

    /** Every resting order: markets in definition order, bids best first then asks best first, time priority. */
    public List<OpenOrder> openOrders() {
        final List<OpenOrder> result = new ArrayList<>();
        for (final Instrument instrument : instruments) {
            for (final BookSide side : new BookSide[] {instrument.book.bids, instrument.book.asks}) {
                for (int i = 0; i < side.levelCount(); i++) {
                    for (Order o = side.level(i).head; o != null; o = o.next) {
                        result.add(new OpenOrder(o.account.name, o.clientOrderId, instrument.symbol, o.side,
                                Decimal.of(o.price, instrument.priceScale),
                                Decimal.of(o.remaining, instrument.quantityScale), o.postOnly));
                    }
                }
            }
        }
        return result;
    }

    /** An account's balances by asset, in asset definition order; empty for an account never used. */
    public Map<String, Event.Balance> balances(final String account) {
        final Map<String, Event.Balance> result = new LinkedHashMap<>();
        balanceReader.wrap(accountsByName.get(account));
        for (int i = 0; i < balanceReader.size(); i++) {
            final int scale = balanceReader.scale(i);
            result.put(balanceReader.asset(i), new Event.Balance(Decimal.of(balanceReader.available(i), scale),
                    Decimal.of(balanceReader.reserved(i), scale)));
        }
        return Collections.unmodifiableMap(result);
    }

    /** The base asset of a market (what it trades), or {@code null} for an unknown symbol. */
    public String baseAsset(final String symbol) {
        final Instrument instrument = instrumentsBySymbol.get(symbol);
        return instrument == null ? null : instrument.base.name;
    }

    /** The quote asset of a market (the currency its notionals are in), or {@code null} for an unknown symbol. */
    public String quoteAsset(final String symbol) {
        final Instrument instrument = instrumentsBySymbol.get(symbol);
        return instrument == null ? null : instrument.quote.name;
    }

    /** The sequence number of the last command executed, 0 before the first. */
    public long sequence() {
        return sequence;
    }

    /** A sender's mark: the highest sourceSeq of its that was executed; 0 for a sender never seen. */
    public long senderMark(final String sender) {
        final Sender s = sender == null ? null : sendersByName.get(sender);
        return s == null ? 0 : s.mark;
    }

    /** Every sender's mark, in order of first use. */
    public Map<String, Long> senderMarks() {
        final Map<String, Long> marks = new LinkedHashMap<>();
        for (final Sender sender : senders) {
            marks.put(sender.name, sender.mark);
        }
        return Collections.unmodifiableMap(marks);
    }

    /** Names of all accounts, in order of first use. */
    public List<String> accounts() {
        final List<String> names = new ArrayList<>(accounts.size());
        for (final Account account : accounts) {
            names.add(account.name);
        }
        return names;
    }

    // ---------------------------------------------------------------------------------------------------- helpers

    private void reject(final long cmd, final RejectReason reason, final String account, final String orderId) {
        sink.rejected(cmd, reason, account, orderId, null);
    }

    /** A MALFORMED rejection; it echoes the account and order id only where they are valid names. */
    private void malformed(final long cmd, final String account, final String orderId, final String detail) {
        sink.rejected(cmd, MALFORMED, Names.orNull(account), Names.orNull(orderId), detail);
    }

    /** What is wrong with the first of the named fields that breaks {@link Names}, or {@code null}. Pass "" to skip c. */
    private static String firstInvalid(final String a, final String aName, final String b, final String bName,
                                       final String c, final String cName) {
        String problem = Names.problem(aName, a);
        if (problem == null) {
            problem = Names.problem(bName, b);
        }
        if (problem == null && !cName.isEmpty()) {
            problem = Names.problem(cName, c);
        }
        return problem;
    }
}
