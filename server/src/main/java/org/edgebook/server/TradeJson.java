package org.edgebook.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.edgebook.engine.Event;
import org.edgebook.engine.Side;
import org.edgebook.journal.UtcMicros;

/**
 * A trade as JSON, in its two shapes. Public (every account key): trade id, seq, time, symbol, price, quantity and
 * aggressor side; who traded and their order ids are not in it. Full (the admin key): the same and buyer, seller,
 * maker and taker order ids. Each trade is encoded once per shape, and the same bytes go to everyone of that shape.
 * Written with a Jackson generator. Stateless.
 */
final class TradeJson {
    private static final JsonFactory JSON = new JsonFactory();

    private TradeJson() {
    }

    /** The trade object of one shape. */
    static byte[] object(final TradeLog.Trade trade, final boolean full) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(full ? 320 : 192);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            write(json, trade, full);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** {@code {"channel":"trades","trade":{…}}}: the WebSocket message of one shape. */
    static byte[] message(final TradeLog.Trade trade, final boolean full) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(full ? 352 : 224);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("channel", "trades");
            json.writeFieldName("trade");
            write(json, trade, full);
            json.writeEndObject();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** {@code {"completeAfter":N,"trades":[…]}} from the trades' bytes of one shape, encoded when they were logged. */
    static byte[] list(final long completeAfter, final List<TradeLog.Trade> trades, final boolean full) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(64 + trades.size() * (full ? 320 : 192));
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeNumberField("completeAfter", completeAfter);
            json.writeArrayFieldStart("trades");
            json.flush();
            // The trades themselves are copied as they are: the generator adds no separator for values it did not write.
            for (int i = 0; i < trades.size(); i++) {
                if (i > 0) {
                    out.write(',');
                }
                out.write(full ? trades.get(i).fullJson() : trades.get(i).publicJson());
            }
            json.writeEndArray();
            json.writeEndObject();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void write(final JsonGenerator json, final TradeLog.Trade trade, final boolean full)
            throws IOException {
        final Event.Trade e = trade.trade();
        json.writeStartObject();
        json.writeStringField("tradeId", trade.id());
        json.writeNumberField("seq", trade.seq());
        json.writeStringField("time", UtcMicros.instant(trade.timeMicros()).toString());
        json.writeStringField("symbol", e.symbol());
        json.writeStringField("price", e.price().toString());
        json.writeStringField("quantity", e.quantity().toString());
        json.writeStringField("aggressorSide", e.takerSide().name());
        if (full) {
            final boolean takerBuys = e.takerSide() == Side.BUY;
            json.writeStringField("buyer", takerBuys ? e.takerAccount() : e.makerAccount());
            json.writeStringField("seller", takerBuys ? e.makerAccount() : e.takerAccount());
            json.writeStringField("makerOrderId", e.makerOrderId());
            json.writeStringField("takerOrderId", e.takerOrderId());
        }
        json.writeEndObject();
    }
}
