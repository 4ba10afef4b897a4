package org.edgebook.engine;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A second, deliberately naive implementation of docs/semantics.md, written from the spec alone so the differential
 * test can hold the real engine to it.
 * <p>
 * Everything is a {@link BigDecimal} in natural units (no fixed-point tricks, nothing can overflow), the book is one
 * list scanned linearly, and priority is found by sorting. Slow and obviously right is the point.
 */
final class ReferenceModel {
    private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);

    private record Asset(String name, int scale) {
    }

    private record Instrument(String symbol, Asset base, Asset quote, BigDecimal tick, BigDecimal lot) {
        int priceScale() {
            return decimals(tick);
        }

        int quantityScale() {
            return decimals(lot);
        }
    }

    /** A resting order, or an incoming one while it matches. {@code price} is null only for a MARKET order. */
    private static final class Order {
        final String account;
        final String id;
        final Instrument instrument;
        final Side side;
        final boolean postOnly;
        BigDecimal price;
        BigDecimal remaining;
        /** The order's size, filled part included: set by the place and by a modify, never changed by fills. */
        BigDecimal total;
        long seq;

        Order(final String account, final String id, final Instrument instrument, final Side side,
              final BigDecimal price, final BigDecimal remaining, final boolean postOnly) {
            this.account = account;
            this.id = id;
            this.instrument = instrument;
            this.side = side;
            this.price = price;
            this.remaining = remaining;
            this.total = remaining;
            this.postOnly = postOnly;
        }

        BigDecimal filled() {
            return total.subtract(remaining);
        }

        boolean isMarket() {
            return price == null;
        }
    }

    private static final class Holding {
        BigDecimal available = BigDecimal.ZERO;
        BigDecimal reserved = BigDecimal.ZERO;
    }

    private final Map<String, Asset> assets = new LinkedHashMap<>();
    private final Map<String, Instrument> instruments = new LinkedHashMap<>();
    /** Deposits minus withdrawals per asset: bounded by Long.MAX_VALUE units. */
    private final Map<String, BigDecimal> circulation = new HashMap<>();
    private final List<String> accounts = new ArrayList<>();
    /** account -> asset -> holding; an entry exists exactly for the assets the account has ever held. */
    private final Map<String, Map<String, Holding>> holdings = new HashMap<>();
    private final Map<String, Set<String>> usedOrderIds = new HashMap<>();
    private final List<Order> book = new ArrayList<>();
    private long nextSeq;
    /** Commands executed: the engine's sequence number of the current command. */
    private long executed;
    /** from account -> transfer id -> sequence number of the transfer that took effect. */
    private final Map<String, Map<String, Long>> transfers = new HashMap<>();

    private long cmd;
    private List<Event> out;

    /** Each source's mark: the highest sourceSeq of its that ran. A source not in the map has mark 0. */
    private final Map<String, Long> marks = new LinkedHashMap<>();

    /** Executes one command and returns the events it causes, in order. */
    List<Event> execute(final long cmd, final Command command) {
        this.cmd = cmd;
        executed++;
        this.out = new ArrayList<>();
        run(command);
        return out;
    }

    private void run(final Command command) {
        switch (command) {
            case Command.FromSender c -> sourced(c);
            case Command.DefineAsset c -> defineAsset(c);
            case Command.DefineInstrument c -> defineInstrument(c);
            case Command.Deposit c -> deposit(c);
            case Command.Withdraw c -> withdraw(c);
            case Command.Transfer c -> transfer(c);
            case Command.Place c -> place(c);
            case Command.Cancel c -> cancel(c);
            case Command.Modify c -> modify(c);
            case Command.QueryBook c -> queryBook(c);
            case Command.QueryBalances c -> queryBalances(c);
            case Command.QueryOrders c -> queryOrders(c);
            case Command.Malformed c -> out.add(new Event.Rejected(cmd, RejectReason.MALFORMED, echo(c.account()),
                    echo(c.clientOrderId()), c.detail()));
        }
    }

    // ---- sources ----

    /**
     * docs/semantics.md "Sources": a malformed pair is MALFORMED and moves nothing; at or below the mark a duplicate;
     * beyond mark + 1 a SEQUENCE_GAP; at mark + 1 the mark moves and the command runs, whatever it answers.
     */
    private void sourced(final Command.FromSender c) {
        if (blank(c.sender()) || c.senderSeq() < 1 || c.command() == null
                || c.command() instanceof Command.FromSender) {
            malformed(null, null, "the source, sourceSeq or command is missing or wrong");
            return;
        }
        final long mark = marks.getOrDefault(c.sender(), 0L);
        if (c.senderSeq() <= mark) {
            out.add(new Event.Duplicate(cmd, c.sender(), c.senderSeq(), mark));
        } else if (c.senderSeq() > mark + 1) {
            out.add(new Event.SequenceGap(cmd, c.sender(), c.senderSeq(), mark + 1));
        } else {
            marks.put(c.sender(), c.senderSeq());
            numbered = true;
            try {
                run(c.command());
            } finally {
                numbered = false;
            }
        }
    }

    /** Whether the command running came numbered by its source. */
    private boolean numbered;

    /** Every source's mark, in order of first use. */
    Map<String, Long> senderMarks() {
        return Collections.unmodifiableMap(marks);
    }

    /** "account deposit id" and "account withdrawal id" of every deposit and withdrawal that took effect. */
    private final java.util.Set<String> usedIds = new java.util.HashSet<>();

    // ---- definitions ----

    private void defineAsset(final Command.DefineAsset c) {
        if (blank(c.asset()) || c.scale() < 0 || c.scale() > 18) {
            malformed(null, null, "asset needs a name and a scale 0..18");
        } else if (assets.containsKey(c.asset())) {
            reject(RejectReason.DUPLICATE, null, null);
        } else {
            assets.put(c.asset(), new Asset(c.asset(), c.scale()));
            circulation.put(c.asset(), BigDecimal.ZERO);
            ok();
        }
    }

    private void defineInstrument(final Command.DefineInstrument c) {
        if (blank(c.symbol()) || blank(c.base()) || blank(c.quote()) || c.tickSize() == null
                || c.lotSize() == null) {
            malformed(null, null, "instrument needs symbol, base, quote, tickSize, lotSize");
            return;
        }
        if (instruments.containsKey(c.symbol())) {
            reject(RejectReason.DUPLICATE, null, null);
            return;
        }
        final Asset base = assets.get(c.base());
        final Asset quote = assets.get(c.quote());
        if (base == null || quote == null) {
            reject(RejectReason.UNKNOWN_ASSET, null, null);
            return;
        }
        if (base == quote || !positive(c.tickSize()) || !positive(c.lotSize())) {
            reject(RejectReason.INVALID_INSTRUMENT, null, null);
            return;
        }
        final BigDecimal tick = big(c.tickSize());
        final BigDecimal lot = big(c.lotSize());
        if (decimals(tick) + decimals(lot) > quote.scale() || decimals(lot) > base.scale()) {
            reject(RejectReason.INVALID_INSTRUMENT, null, null);
            return;
        }
        instruments.put(c.symbol(), new Instrument(c.symbol(), base, quote, tick, lot));
        ok();
    }

    // ---- deposits and withdrawals ----

    private void deposit(final Command.Deposit c) {
        if (blank(c.account()) || blank(c.asset()) || c.amount() == null
                || c.depositId() != null && blank(c.depositId())) {
            malformed(c.account(), null, "deposit needs account, asset, amount and a valid depositId if any");
            return;
        }
        if (c.depositId() != null && usedIds.contains(c.account() + " deposit " + c.depositId())) {
            reject(RejectReason.DUPLICATE, c.account(), null);
            return;
        }
        final Asset asset = assets.get(c.asset());
        if (asset == null) {
            reject(RejectReason.UNKNOWN_ASSET, c.account(), null);
            return;
        }
        final BigDecimal amount = validAmount(c.amount(), asset);
        if (amount == null || !fitsInUnits(circulation.get(asset.name()).add(amount), asset.scale())) {
            reject(RejectReason.INVALID_AMOUNT, c.account(), null);
            return;
        }
        useAccount(c.account());
        final Holding h = holding(c.account(), asset);
        h.available = h.available.add(amount);
        circulation.merge(asset.name(), amount, BigDecimal::add);
        if (c.depositId() != null) {
            usedIds.add(c.account() + " deposit " + c.depositId());
        }
        ok();
    }

    private void withdraw(final Command.Withdraw c) {
        if (blank(c.account()) || blank(c.asset()) || c.amount() == null
                || c.withdrawalId() != null && blank(c.withdrawalId())) {
            malformed(c.account(), null, "withdraw needs account, asset, amount and a valid withdrawalId if any");
            return;
        }
        if (c.withdrawalId() != null && usedIds.contains(c.account() + " withdrawal " + c.withdrawalId())) {
            reject(RejectReason.DUPLICATE, c.account(), null);
            return;
        }
        final Asset asset = assets.get(c.asset());
        if (asset == null) {
            reject(RejectReason.UNKNOWN_ASSET, c.account(), null);
            return;
        }
        final BigDecimal amount = validAmount(c.amount(), asset);
        if (amount == null) {
            reject(RejectReason.INVALID_AMOUNT, c.account(), null);
            return;
        }
        if (available(c.account(), asset).compareTo(amount) < 0) {
            reject(RejectReason.INSUFFICIENT_FUNDS, c.account(), null);
            return;
        }
        useAccount(c.account());
        final Holding h = holding(c.account(), asset);
        h.available = h.available.subtract(amount);
        circulation.merge(asset.name(), amount.negate(), BigDecimal::add);
        if (c.withdrawalId() != null) {
            usedIds.add(c.account() + " withdrawal " + c.withdrawalId());
        }
        ok();
    }

    private void transfer(final Command.Transfer c) {
        final String from = c.from();
        final String id = c.transferId();
        if (blank(id) || blank(from) || blank(c.to()) || blank(c.asset()) || c.amount() == null) {
            out.add(new Event.Rejected(cmd, RejectReason.MALFORMED, echo(from), null, "transfer needs id, from, to, "
                    + "asset, amount", echo(id), 0));
            return;
        }
        final Long original = transfers.getOrDefault(from, Map.of()).get(id);
        if (original != null) {
            out.add(new Event.Rejected(cmd, RejectReason.DUPLICATE_TRANSFER, from, null, null, id, original));
            return;
        }
        final Asset asset = assets.get(c.asset());
        final RejectReason reason;
        final BigDecimal amount = asset == null ? null : validAmount(c.amount(), asset);
        if (asset == null) {
            reason = RejectReason.UNKNOWN_ASSET;
        } else if (amount == null) {
            reason = RejectReason.INVALID_AMOUNT;
        } else if (from.equals(c.to())) {
            reason = RejectReason.INVALID_TRANSFER;
        } else if (!accountExists(c.to())) {
            reason = RejectReason.UNKNOWN_ACCOUNT;
        } else if (available(from, asset).compareTo(amount) < 0) {
            reason = RejectReason.INSUFFICIENT_FUNDS;
        } else {
            reason = null;
        }
        if (reason != null) {
            out.add(new Event.Rejected(cmd, reason, from, null, null, id, 0));
            if (numbered && accountExists(from)) { // a numbered transfer uses up its id whatever its outcome
                transfers.computeIfAbsent(from, k -> new HashMap<>()).put(id, executed);
            }
            return;
        }
        final Holding sender = holding(from, asset);
        sender.available = sender.available.subtract(amount);
        useAccount(c.to());
        final Holding receiver = holding(c.to(), asset);
        receiver.available = receiver.available.add(amount);
        transfers.computeIfAbsent(from, k -> new HashMap<>()).put(id, executed);
        out.add(new Event.Transferred(cmd, id, from, c.to(), asset.name(), decimal(amount)));
    }

    // ---- orders ----

    private void place(final Command.Place c) {
        final String account = c.account();
        final String id = c.clientOrderId();
        if (blank(account) || blank(id) || blank(c.symbol()) || c.side() == null || c.quantity() == null) {
            malformed(account, id, "place needs account, clientOrderId, symbol, side, quantity");
            return;
        }
        final Instrument ins = instruments.get(c.symbol());
        if (ins == null) {
            reject(RejectReason.UNKNOWN_SYMBOL, account, id);
            return;
        }
        final OrderType type = c.orderType() == null ? OrderType.LIMIT : c.orderType();
        final boolean market = type == OrderType.MARKET;
        final TimeInForce tif = c.tif() != null ? c.tif() : market ? TimeInForce.IOC : TimeInForce.GTC;
        final boolean badShape = market ? c.price() != null || tif != TimeInForce.IOC : c.price() == null;
        if (badShape || c.postOnly() && (market || tif != TimeInForce.GTC)) {
            reject(RejectReason.INVALID_ORDER, account, id);
            return;
        }
        final BigDecimal price = market ? null : validPrice(c.price(), ins);
        if (!market && price == null) {
            reject(RejectReason.INVALID_PRICE, account, id);
            return;
        }
        final BigDecimal quantity = validQuantity(c.quantity(), ins);
        if (quantity == null || !market && !notionalFits(price, quantity, ins)) {
            reject(RejectReason.INVALID_QUANTITY, account, id);
            return;
        }
        if (usedOrderIds.getOrDefault(account, Set.of()).contains(id)) {
            reject(RejectReason.DUPLICATE_ORDER_ID, account, id);
            return;
        }
        if (c.postOnly() && crossesBestOpposite(ins, c.side(), price)) {
            reject(RejectReason.WOULD_TAKE, account, id);
            return;
        }
        final Order order = new Order(account, id, ins, c.side(), price, quantity, c.postOnly());
        final BigDecimal needed = market && c.side() == Side.BUY
                ? marketBuyCost(order)
                : holdFor(c.side(), price, quantity);
        if (available(account, heldAsset(order)).compareTo(needed) < 0) {
            reject(RejectReason.INSUFFICIENT_FUNDS, account, id);
            return;
        }

        usedOrderIds.computeIfAbsent(account, k -> new HashSet<>()).add(id);
        useAccount(account);
        out.add(new Event.Accepted(cmd, account, id));
        if (!(order.isMarket() && order.side == Side.BUY)) {
            reserve(order); // a MARKET BUY holds nothing: it pays each fill from available
        }
        if (tif == TimeInForce.FOK && !canFillCompletely(order)) {
            release(order, order.remaining);
            cancelled(order, CancelReason.FOK);
            return;
        }
        match(order);
        if (order.remaining.signum() > 0) {
            if (tif == TimeInForce.GTC) {
                rest(order);
            } else {
                release(order, order.remaining);
                cancelled(order, CancelReason.UNFILLED);
            }
        }
    }

    private void cancel(final Command.Cancel c) {
        if (blank(c.account()) || blank(c.clientOrderId())) {
            malformed(c.account(), c.clientOrderId(), "cancel needs account and clientOrderId");
            return;
        }
        final Order order = findOpen(c.account(), c.clientOrderId());
        if (order == null) {
            reject(RejectReason.UNKNOWN_ORDER, c.account(), c.clientOrderId());
            return;
        }
        book.remove(order);
        release(order, order.remaining);
        cancelled(order, CancelReason.USER);
    }

    private void modify(final Command.Modify c) {
        final String account = c.account();
        final String id = c.clientOrderId();
        if (blank(account) || blank(id) || c.price() == null && c.quantity() == null) {
            malformed(account, id, "modify needs account, clientOrderId and a price or quantity");
            return;
        }
        final Order order = findOpen(account, id);
        if (order == null) {
            reject(RejectReason.UNKNOWN_ORDER, account, id);
            return;
        }
        final Instrument ins = order.instrument;
        final BigDecimal newPrice = c.price() == null ? order.price : validPrice(c.price(), ins);
        if (newPrice == null) {
            reject(RejectReason.INVALID_PRICE, account, id);
            return;
        }
        // The quantity is the new total (FIX's OrderQty): what has filled stays filled, the rest is what remains.
        final BigDecimal newTotal = c.quantity() == null ? order.total : validQuantity(c.quantity(), ins);
        if (newTotal == null || !notionalFits(newPrice, newTotal, ins)) {
            reject(RejectReason.INVALID_QUANTITY, account, id);
            return;
        }
        final BigDecimal newQuantity = newTotal.subtract(order.filled());
        if (newQuantity.signum() <= 0) {
            // No more than the new total may ever fill, and that much has: the order is done.
            book.remove(order);
            release(order, order.remaining);
            cancelled(order, CancelReason.USER);
            return;
        }
        if (order.postOnly && crossesBestOpposite(ins, order.side, newPrice)) {
            reject(RejectReason.WOULD_TAKE, account, id);
            return;
        }
        final BigDecimal needed = holdFor(order.side, newPrice, newQuantity);
        final BigDecimal held = holdFor(order.side, order.price, order.remaining);
        if (available(account, heldAsset(order)).add(held).compareTo(needed) < 0) {
            reject(RejectReason.INSUFFICIENT_FUNDS, account, id);
            return;
        }

        if (newPrice.compareTo(order.price) == 0 && newQuantity.compareTo(order.remaining) <= 0) {
            // Keeps its place in the queue: only the no longer needed funds come back.
            release(order, order.remaining.subtract(newQuantity));
            order.remaining = newQuantity;
            order.total = newTotal;
            out.add(new Event.Modified(cmd, account, id, decimal(newPrice), decimal(newQuantity)));
            return;
        }
        // Loses priority: leaves the book and comes back as an incoming LIMIT GTC order.
        book.remove(order);
        release(order, order.remaining);
        order.price = newPrice;
        order.remaining = newQuantity;
        order.total = newTotal;
        reserve(order);
        out.add(new Event.Modified(cmd, account, id, decimal(newPrice), decimal(newQuantity)));
        match(order);
        if (order.remaining.signum() > 0) {
            rest(order);
        }
    }

    /** Trades the incoming order against the book, best opposite price first, cancelling own orders it reaches. */
    private void match(final Order taker) {
        while (taker.remaining.signum() > 0) {
            final List<Order> opposite = queue(taker.instrument, taker.side.opposite());
            if (opposite.isEmpty()) {
                return;
            }
            final Order maker = opposite.getFirst();
            if (!taker.isMarket() && !crosses(taker.side, taker.price, maker.price)) {
                return;
            }
            if (maker.account.equals(taker.account)) {
                book.remove(maker);
                release(maker, maker.remaining);
                cancelled(maker, CancelReason.SELF_TRADE);
                continue;
            }
            final BigDecimal quantity = taker.remaining.min(maker.remaining);
            out.add(new Event.Trade(cmd, taker.instrument.symbol(), decimal(maker.price), decimal(quantity),
                    maker.account, maker.id, taker.account, taker.id, taker.side));
            if (taker.side == Side.BUY) {
                settle(taker, maker, maker.price, quantity);
            } else {
                settle(maker, taker, maker.price, quantity);
            }
            maker.remaining = maker.remaining.subtract(quantity);
            taker.remaining = taker.remaining.subtract(quantity);
            if (maker.remaining.signum() == 0) {
                book.remove(maker);
            }
        }
    }

    /** Moves base from seller to buyer and quote from buyer to seller for one fill. */
    private void settle(final Order buy, final Order sell, final BigDecimal price, final BigDecimal quantity) {
        final Asset base = buy.instrument.base();
        final Asset quote = buy.instrument.quote();
        final BigDecimal cost = price.multiply(quantity);

        final Holding buyerQuote = holding(buy.account, quote);
        if (buy.isMarket()) {
            buyerQuote.available = buyerQuote.available.subtract(cost);
        } else {
            // The buyer held its own limit price for this quantity; the difference to the trade price comes back.
            final BigDecimal held = buy.price.multiply(quantity);
            buyerQuote.reserved = buyerQuote.reserved.subtract(held);
            buyerQuote.available = buyerQuote.available.add(held.subtract(cost));
        }
        final Holding buyerBase = holding(buy.account, base);
        buyerBase.available = buyerBase.available.add(quantity);

        final Holding sellerBase = holding(sell.account, base);
        sellerBase.reserved = sellerBase.reserved.subtract(quantity);
        final Holding sellerQuote = holding(sell.account, quote);
        sellerQuote.available = sellerQuote.available.add(cost);
    }

    private boolean canFillCompletely(final Order order) {
        BigDecimal fillable = BigDecimal.ZERO;
        for (final Order maker : queue(order.instrument, order.side.opposite())) {
            if (!maker.account.equals(order.account) && crosses(order.side, order.price, maker.price)) {
                fillable = fillable.add(maker.remaining);
            }
        }
        return fillable.compareTo(order.remaining) >= 0;
    }

    /** What a MARKET BUY will pay: walk the asks up to its quantity, skipping its own account's orders. */
    private BigDecimal marketBuyCost(final Order order) {
        BigDecimal left = order.remaining;
        BigDecimal cost = BigDecimal.ZERO;
        for (final Order maker : queue(order.instrument, Side.SELL)) {
            if (left.signum() == 0) {
                break;
            }
            if (maker.account.equals(order.account)) {
                continue;
            }
            final BigDecimal quantity = left.min(maker.remaining);
            cost = cost.add(quantity.multiply(maker.price));
            left = left.subtract(quantity);
        }
        return cost;
    }

    private void rest(final Order order) {
        order.seq = nextSeq++;
        book.add(order);
    }

    private void reserve(final Order order) {
        final Holding h = holding(order.account, heldAsset(order));
        final BigDecimal amount = holdFor(order.side, order.price, order.remaining);
        h.available = h.available.subtract(amount);
        h.reserved = h.reserved.add(amount);
    }

    /** Gives back what {@code quantity} of the order holds. A MARKET order holds nothing beyond a SELL's base. */
    private void release(final Order order, final BigDecimal quantity) {
        if (order.isMarket() && order.side == Side.BUY) {
            return;
        }
        final Holding h = holding(order.account, heldAsset(order));
        final BigDecimal amount = holdFor(order.side, order.price, quantity);
        h.available = h.available.add(amount);
        h.reserved = h.reserved.subtract(amount);
    }

    private static BigDecimal holdFor(final Side side, final BigDecimal price, final BigDecimal quantity) {
        return side == Side.BUY ? price.multiply(quantity) : quantity;
    }

    private static Asset heldAsset(final Order order) {
        return order.side == Side.BUY ? order.instrument.quote() : order.instrument.base();
    }

    private static boolean crosses(final Side takerSide, final BigDecimal takerPrice, final BigDecimal makerPrice) {
        return takerSide == Side.BUY ? takerPrice.compareTo(makerPrice) >= 0 : takerPrice.compareTo(makerPrice) <= 0;
    }

    private boolean crossesBestOpposite(final Instrument ins, final Side side, final BigDecimal price) {
        final List<Order> opposite = queue(ins, side.opposite());
        return !opposite.isEmpty() && crosses(side, price, opposite.getFirst().price);
    }

    /** One side of one market in priority order: best price first, then arrival. */
    private List<Order> queue(final Instrument ins, final Side side) {
        final List<Order> orders = new ArrayList<>();
        for (final Order o : book) {
            if (o.instrument == ins && o.side == side) {
                orders.add(o);
            }
        }
        final Comparator<Order> byPrice = Comparator.comparing(o -> o.price);
        orders.sort((side == Side.BUY ? byPrice.reversed() : byPrice).thenComparingLong(o -> o.seq));
        return orders;
    }

    private Order findOpen(final String account, final String id) {
        for (final Order o : book) {
            if (o.account.equals(account) && o.id.equals(id)) {
                return o;
            }
        }
        return null;
    }

    // ---- queries ----

    private void queryBook(final Command.QueryBook c) {
        if (blank(c.symbol())) {
            malformed(null, null, "book needs a symbol");
            return;
        }
        final Instrument ins = instruments.get(c.symbol());
        if (ins == null) {
            reject(RejectReason.UNKNOWN_SYMBOL, null, null);
            return;
        }
        out.add(new Event.Book(cmd, ins.symbol(), levels(ins, Side.BUY), levels(ins, Side.SELL)));
    }

    private List<Event.Level> levels(final Instrument ins, final Side side) {
        final Map<BigDecimal, BigDecimal> byPrice = new LinkedHashMap<>();
        for (final Order o : queue(ins, side)) {
            // Keys by stripped value so 100.5 and 100.50 share a level.
            byPrice.merge(o.price.stripTrailingZeros(), o.remaining, BigDecimal::add);
        }
        final List<Event.Level> levels = new ArrayList<>();
        byPrice.forEach((price, quantity) -> levels.add(new Event.Level(decimal(price), decimal(quantity))));
        return levels;
    }

    private void queryOrders(final Command.QueryOrders c) {
        if (blank(c.account())) {
            malformed(c.account(), null, "orders needs an account");
            return;
        }
        out.add(new Event.Orders(cmd, c.account(), openOrders().stream()
                .filter(o -> o.account().equals(c.account())).toList()));
    }

    private void queryBalances(final Command.QueryBalances c) {
        if (blank(c.account())) {
            malformed(c.account(), null, "balances needs an account");
            return;
        }
        out.add(new Event.Balances(cmd, c.account(), balances(c.account())));
    }

    // ---- inspection, mirroring Engine's ----

    /** Every resting order: markets in definition order, bids best first then asks best first, time priority. */
    List<OpenOrder> openOrders() {
        final List<OpenOrder> result = new ArrayList<>();
        for (final Instrument ins : instruments.values()) {
            for (final Side side : Side.values()) {
                for (final Order o : queue(ins, side)) {
                    result.add(new OpenOrder(o.account, o.id, ins.symbol(), side, decimal(o.price),
                            decimal(o.remaining), o.postOnly));
                }
            }
        }
        return result;
    }

    /** The assets the account has ever held, in asset definition order. */
    Map<String, Event.Balance> balances(final String account) {
        final Map<String, Holding> held = holdings.getOrDefault(account, Map.of());
        final Map<String, Event.Balance> result = new LinkedHashMap<>();
        for (final Asset asset : assets.values()) {
            final Holding h = held.get(asset.name());
            if (h != null) {
                result.put(asset.name(), new Event.Balance(decimal(h.available), decimal(h.reserved)));
            }
        }
        return Collections.unmodifiableMap(result);
    }

    /** Accounts in order of first accepted use. */
    List<String> accounts() {
        return List.copyOf(accounts);
    }

    // ---- helpers ----

    /** An account exists from its first accepted use: a deposit, an accepted order, a transfer it received. */
    private boolean accountExists(final String account) {
        return accounts.contains(account);
    }

    private void useAccount(final String account) {
        if (!holdings.containsKey(account)) {
            holdings.put(account, new HashMap<>());
            accounts.add(account);
        }
    }

    private Holding holding(final String account, final Asset asset) {
        return holdings.computeIfAbsent(account, k -> new HashMap<>())
                .computeIfAbsent(asset.name(), k -> new Holding());
    }

    private BigDecimal available(final String account, final Asset asset) {
        final Holding h = holdings.getOrDefault(account, Map.of()).get(asset.name());
        return h == null ? BigDecimal.ZERO : h.available;
    }

    /** A positive amount with no more decimals than the asset has and fitting in a long count of its units. */
    private static BigDecimal validAmount(final Decimal amount, final Asset asset) {
        if (!positive(amount)) {
            return null;
        }
        final BigDecimal value = big(amount);
        return fitsInUnits(value, asset.scale()) ? value : null;
    }

    /** Positive, a multiple of the tick, and a long count of 10^-decimals(tick) units. */
    private static BigDecimal validPrice(final Decimal price, final Instrument ins) {
        return validStep(price, ins.tick());
    }

    /**
     * Positive, a multiple of the lot, and a long count of 10^-decimals(lot) units. Also a long count of the base
     * asset's units: a quantity is an amount of base that holds and fills move, so, like the notional on the quote
     * side, it must fit once scaled to the asset (spec reading, see the report).
     */
    private static BigDecimal validQuantity(final Decimal quantity, final Instrument ins) {
        final BigDecimal q = validStep(quantity, ins.lot());
        return q != null && fitsInUnits(q, ins.base().scale()) ? q : null;
    }

    private static BigDecimal validStep(final Decimal value, final BigDecimal step) {
        if (!positive(value)) {
            return null;
        }
        final BigDecimal v = big(value);
        if (v.remainder(step).signum() != 0 || !fitsInUnits(v, decimals(step))) {
            return null;
        }
        return v;
    }

    /** price × quantity must be a long count of the quote asset's units. */
    private static boolean notionalFits(final BigDecimal price, final BigDecimal quantity, final Instrument ins) {
        return fitsInUnits(price.multiply(quantity), ins.quote().scale());
    }

    private static boolean fitsInUnits(final BigDecimal value, final int scale) {
        final BigDecimal units = value.movePointRight(scale);
        return units.stripTrailingZeros().scale() <= 0 && units.abs().compareTo(LONG_MAX) <= 0;
    }

    private static boolean positive(final Decimal d) {
        return !d.isOutOfRange() && d.signum() > 0;
    }

    private static BigDecimal big(final Decimal d) {
        return BigDecimal.valueOf(d.unscaled(), d.scale());
    }

    /** Decimal places without trailing zeros. */
    static int decimals(final BigDecimal value) {
        return Math.max(0, value.stripTrailingZeros().scale());
    }

    /** The normalised Decimal of an exact value that fits (every value the model reports does). */
    static Decimal decimal(final BigDecimal value) {
        BigDecimal v = value.stripTrailingZeros();
        if (v.scale() < 0) {
            v = v.setScale(0);
        }
        return Decimal.of(v.unscaledValue().longValueExact(), v.scale());
    }

    /** docs/semantics.md's rule for names, as a pattern: 1 to 64 of A-Z a-z 0-9 . _ - : */
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    /** Not a valid name: missing, empty, too long or with a character outside the rule. */
    private static boolean blank(final String s) {
        return s == null || !NAME.matcher(s).matches();
    }

    /** What a rejection echoes: the name if valid, else nothing. */
    private static String echo(final String s) {
        return blank(s) ? null : s;
    }

    private void ok() {
        out.add(new Event.Ok(cmd));
    }

    private void reject(final RejectReason reason, final String account, final String clientOrderId) {
        out.add(new Event.Rejected(cmd, reason, account, clientOrderId, null));
    }

    private void malformed(final String account, final String clientOrderId, final String detail) {
        out.add(new Event.Rejected(cmd, RejectReason.MALFORMED, echo(account), echo(clientOrderId), detail));
    }

    private void cancelled(final Order order, final CancelReason reason) {
        out.add(new Event.Cancelled(cmd, order.account, order.id, decimal(order.remaining), reason));
    }
}
