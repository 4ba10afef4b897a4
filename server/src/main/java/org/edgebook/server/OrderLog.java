package org.edgebook.server;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.edgebook.engine.Command;
import org.edgebook.engine.Event;
import org.edgebook.journal.DurableEngine;

/**
 * Orders with their fills, for {@code GET /v1/orders/{clientOrderId}}: built from durable commands and events since
 * the service started, keeping the most recent {@code capacity} orders (the journal has all:
 * {@code edgebook report trades}). Each order: what was asked (symbol, side, type, time in force, price, quantity:
 * price and quantity as a modify last set them, the quantity being the order's total, filled part included), its
 * state (open, filled, cancelled with the reason), what remains, and every fill with trade id, price, quantity, time
 * and whether it made or took liquidity. Thread-safe.
 */
final class OrderLog implements DurableEngine.Listener {

    private static final class Fill {
        final String tradeId;
        final String price;
        final String quantity;
        final long timeMicros;
        final boolean maker;

        Fill(final String tradeId, final String price, final String quantity, final long timeMicros,
             final boolean maker) {
            this.tradeId = tradeId;
            this.price = price;
            this.quantity = quantity;
            this.timeMicros = timeMicros;
            this.maker = maker;
        }
    }

    private static final class Order {
        final Command.Place place;
        final long seq;
        String price;
        /** The order's total: the place's quantity, or the last modify's (a modify names the total, not the rest). */
        String quantity;
        String remaining;
        String status = "open";
        final List<Fill> fills = new ArrayList<>();

        Order(final Command.Place place, final long seq) {
            this.place = place;
            this.seq = seq;
            this.price = place.price() == null ? null : place.price().toString();
            this.quantity = place.quantity().toString();
            this.remaining = quantity;
        }
    }

    private final Map<String, Order> orders;

    OrderLog(final int capacity) {
        this.orders = new LinkedHashMap<>(1024, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(final Map.Entry<String, Order> eldest) {
                return size() > capacity;
            }
        };
    }

    private static String key(final String account, final String clientOrderId) {
        return account + '\u0000' + clientOrderId;
    }

    @Override
    public synchronized void durable(final long seq, final long timeMicros, final Command journaled,
                                     final List<Event> events) {
        final Command command = Command.unwrap(journaled); // a sourced command that ran is its command
        int trade = 0;
        for (final Event event : events) {
            switch (event) {
                case Event.Accepted e when command instanceof Command.Place p ->
                        orders.put(key(e.account(), e.clientOrderId()), new Order(p, seq));
                case Event.Trade e -> {
                    final String id = seq + "-" + ++trade;
                    fill(e.makerAccount(), e.makerOrderId(), new Fill(id, e.price().toString(),
                            e.quantity().toString(), timeMicros, true));
                    fill(e.takerAccount(), e.takerOrderId(), new Fill(id, e.price().toString(),
                            e.quantity().toString(), timeMicros, false));
                }
                case Event.Cancelled e -> {
                    final Order order = orders.get(key(e.account(), e.clientOrderId()));
                    if (order != null) {
                        order.remaining = e.remaining().toString();
                        order.status = "cancelled:" + e.reason();
                        if (command instanceof Command.Modify m && m.quantity() != null
                                && m.clientOrderId().equals(e.clientOrderId()) && m.account().equals(e.account())) {
                            order.quantity = m.quantity().toString(); // a total no larger than filled ended it
                        }
                    }
                }
                case Event.Modified e -> {
                    final Order order = orders.get(key(e.account(), e.clientOrderId()));
                    if (order != null) {
                        order.price = e.price().toString();
                        order.remaining = e.quantity().toString(); // the event's quantity is the new remaining
                        if (command instanceof Command.Modify m && m.quantity() != null) {
                            order.quantity = m.quantity().toString();
                        }
                    }
                }
                default -> {
                }
            }
        }
    }

    private void fill(final String account, final String clientOrderId, final Fill fill) {
        final Order order = orders.get(key(account, clientOrderId));
        if (order == null) {
            return;
        }
        order.fills.add(fill);
        final java.math.BigDecimal left = new java.math.BigDecimal(order.remaining)
                .subtract(new java.math.BigDecimal(fill.quantity));
        order.remaining = org.edgebook.engine.Decimal.parse(left.toPlainString()).toString();
        if (left.signum() == 0) {
            order.status = "filled";
        }
    }

    private static final com.fasterxml.jackson.core.JsonFactory JSON = new com.fasterxml.jackson.core.JsonFactory();

    /** The order as JSON (written with a generator), or {@code null} if this log does not have it. */
    synchronized byte[] json(final String account, final String clientOrderId) {
        final Order o = orders.get(key(account, clientOrderId));
        if (o == null) {
            return null;
        }
        final Command.Place p = o.place;
        final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(256 + o.fills.size() * 128);
        try (com.fasterxml.jackson.core.JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("account", account);
            json.writeStringField("clientOrderId", clientOrderId);
            json.writeNumberField("seq", o.seq);
            json.writeStringField("symbol", p.symbol());
            json.writeStringField("side", p.side().toString());
            json.writeStringField("orderType", p.orderType() == null ? "LIMIT" : p.orderType().toString());
            if (o.price != null) {
                json.writeStringField("price", o.price);
            }
            json.writeStringField("quantity", o.quantity);
            json.writeStringField("remaining", o.remaining);
            json.writeStringField("status", o.status);
            json.writeArrayFieldStart("fills");
            for (final Fill f : o.fills) {
                json.writeStartObject();
                json.writeStringField("tradeId", f.tradeId);
                json.writeStringField("price", f.price);
                json.writeStringField("quantity", f.quantity);
                json.writeStringField("time", org.edgebook.journal.UtcMicros.instant(f.timeMicros).toString());
                json.writeStringField("liquidity", f.maker ? "maker" : "taker");
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        } catch (final java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
