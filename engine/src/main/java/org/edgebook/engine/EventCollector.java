package org.edgebook.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An {@link EventSink} that builds typed {@link Event} values, for embedding the engine without JSON.
 * Allocates per event; not for hot paths. Not thread-safe: use it on the engine's thread.
 */
public final class EventCollector implements EventSink {
    private final List<Event> events = new ArrayList<>();
    private final List<BookChange> bookChanges = new ArrayList<>();
    private final boolean collectBookChanges;

    /** Collects events only. */
    public EventCollector() {
        this(false);
    }

    /** Collects events and, if asked, the book changes of each command ({@link #drainBookChanges()}). */
    public EventCollector(final boolean collectBookChanges) {
        this.collectBookChanges = collectBookChanges;
    }

    @Override
    public boolean wantsBookChanges() {
        return collectBookChanges;
    }

    @Override
    public void levelChanged(final String symbol, final Side side, final long price, final int priceScale,
                             final long quantity, final int quantityScale) {
        bookChanges.add(new BookChange(symbol, side, Decimal.of(price, priceScale), Decimal.of(quantity,
                quantityScale)));
    }

    /** The book changes collected so far, then forgets them. */
    public List<BookChange> drainBookChanges() {
        final List<BookChange> copy = List.copyOf(bookChanges);
        bookChanges.clear();
        return copy;
    }

    /** The events collected so far, oldest first. */
    public List<Event> events() {
        return events;
    }

    /** Returns the events collected so far and forgets them. */
    public List<Event> drain() {
        final List<Event> copy = List.copyOf(events);
        events.clear();
        return copy;
    }

    @Override
    public void ok(final long cmd) {
        events.add(new Event.Ok(cmd));
    }

    @Override
    public void rejected(final long cmd, final RejectReason reason, final String account, final String clientOrderId,
                         final String detail) {
        events.add(new Event.Rejected(cmd, reason, account, clientOrderId, detail));
    }

    @Override
    public void accepted(final long cmd, final String account, final String clientOrderId) {
        events.add(new Event.Accepted(cmd, account, clientOrderId));
    }

    @Override
    public void transferred(final long cmd, final String transferId, final String from, final String to,
                            final String asset, final long amount, final int scale) {
        events.add(new Event.Transferred(cmd, transferId, from, to, asset, Decimal.of(amount, scale)));
    }

    @Override
    public void transferRejected(final long cmd, final RejectReason reason, final String transferId,
                                 final String from, final long originalSeq, final String detail) {
        events.add(new Event.Rejected(cmd, reason, from, null, detail, transferId, originalSeq));
    }

    @Override
    public void duplicate(final long cmd, final String sender, final long senderSeq, final long mark) {
        events.add(new Event.Duplicate(cmd, sender, senderSeq, mark));
    }

    @Override
    public void sequenceGap(final long cmd, final String sender, final long senderSeq, final long expected) {
        events.add(new Event.SequenceGap(cmd, sender, senderSeq, expected));
    }

    @Override
    public void trade(final long cmd, final String symbol, final long price, final int priceScale, final long quantity,
                      final int quantityScale, final String makerAccount, final String makerOrderId,
                      final String takerAccount, final String takerOrderId, final Side takerSide) {
        events.add(new Event.Trade(cmd, symbol, Decimal.of(price, priceScale), Decimal.of(quantity, quantityScale),
                makerAccount, makerOrderId, takerAccount, takerOrderId, takerSide));
    }

    @Override
    public void cancelled(final long cmd, final String account, final String clientOrderId, final long remaining,
                          final int quantityScale, final CancelReason reason) {
        events.add(new Event.Cancelled(cmd, account, clientOrderId, Decimal.of(remaining, quantityScale), reason));
    }

    @Override
    public void modified(final long cmd, final String account, final String clientOrderId, final long price,
                         final int priceScale, final long quantity, final int quantityScale) {
        events.add(new Event.Modified(cmd, account, clientOrderId, Decimal.of(price, priceScale),
                Decimal.of(quantity, quantityScale)));
    }

    @Override
    public void book(final long cmd, final String symbol, final BookView book) {
        events.add(new Event.Book(cmd, symbol, levels(book, Side.BUY), levels(book, Side.SELL)));
    }

    private static List<Event.Level> levels(final BookView book, final Side side) {
        final int n = book.levels(side);
        final List<Event.Level> levels = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            levels.add(new Event.Level(Decimal.of(book.price(side, i), book.priceScale()),
                    Decimal.of(book.quantity(side, i), book.quantityScale())));
        }
        return Collections.unmodifiableList(levels);
    }

    @Override
    public void orders(final long cmd, final String account, final OrdersView orders) {
        final List<OpenOrder> list = new ArrayList<>(orders.size());
        for (int i = 0; i < orders.size(); i++) {
            list.add(new OpenOrder(account, orders.clientOrderId(i), orders.symbol(i), orders.side(i),
                    Decimal.of(orders.price(i), orders.priceScale(i)),
                    Decimal.of(orders.remaining(i), orders.quantityScale(i)), orders.postOnly(i)));
        }
        events.add(new Event.Orders(cmd, account, Collections.unmodifiableList(list)));
    }

    @Override
    public void balances(final long cmd, final String account, final BalanceView balances) {
        final Map<String, Event.Balance> map = new LinkedHashMap<>();
        for (int i = 0; i < balances.size(); i++) {
            final int scale = balances.scale(i);
            map.put(balances.asset(i), new Event.Balance(Decimal.of(balances.available(i), scale),
                    Decimal.of(balances.reserved(i), scale)));
        }
        events.add(new Event.Balances(cmd, account, Collections.unmodifiableMap(map)));
    }
}
