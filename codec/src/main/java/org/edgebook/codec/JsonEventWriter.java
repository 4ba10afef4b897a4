package org.edgebook.codec;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import org.edgebook.engine.CancelReason;
import org.edgebook.engine.Decimal;
import org.edgebook.engine.EventSink;
import org.edgebook.engine.RejectReason;
import org.edgebook.engine.Side;

/**
 * Writes the engine's events as JSON lines, one object per line, in the field order of docs/semantics.md.
 * Decimals are written in their shortest exact form straight from the engine's units, without allocating.
 * <p>
 * Threading: the engine's thread only. Buffers output; call {@link #flush()} when a batch is done.
 */
public final class JsonEventWriter implements EventSink, Flushable, AutoCloseable {
    private final JsonGenerator json;
    private final char[] number = new char[48];

    public JsonEventWriter(final OutputStream out) {
        try {
            this.json = new JsonFactory().setRootValueSeparator(null).createGenerator(out, JsonEncoding.UTF8);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        json.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    }

    @Override
    public void ok(final long cmd) {
        try {
            start("ok", cmd);
            end();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void rejected(final long cmd, final RejectReason reason, final String account, final String clientOrderId,
                         final String detail) {
        try {
            start("rejected", cmd);
            json.writeStringField("reason", reason.name());
            if (account != null) {
                json.writeStringField("account", account);
            }
            if (clientOrderId != null) {
                json.writeStringField("clientOrderId", clientOrderId);
            }
            if (detail != null) {
                json.writeStringField("detail", detail);
            }
            end();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void accepted(final long cmd, final String account, final String clientOrderId) {
        try {
            start("accepted", cmd);
            json.writeStringField("account", account);
            json.writeStringField("clientOrderId", clientOrderId);
            end();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void trade(final long cmd, final String symbol, final long price, final int priceScale,
                      final long quantity, final int quantityScale, final String makerAccount,
                      final String makerOrderId, final String takerAccount, final String takerOrderId,
                      final Side takerSide) {
        try {
            start("trade", cmd);
            json.writeStringField("symbol", symbol);
            decimalField("price", price, priceScale);
            decimalField("quantity", quantity, quantityScale);
            json.writeStringField("makerAccount", makerAccount);
            json.writeStringField("makerOrderId", makerOrderId);
            json.writeStringField("takerAccount", takerAccount);
            json.writeStringField("takerOrderId", takerOrderId);
            json.writeStringField("takerSide", takerSide.name());
            end();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void cancelled(final long cmd, final String account, final String clientOrderId, final long remaining,
                          final int quantityScale, final CancelReason reason) {
        try {
            start("cancelled", cmd);
            json.writeStringField("account", account);
            json.writeStringField("clientOrderId", clientOrderId);
            decimalField("remaining", remaining, quantityScale);
            json.writeStringField("reason", reason.name());
            end();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void modified(final long cmd, final String account, final String clientOrderId, final long price,
                         final int priceScale, final long quantity, final int quantityScale) {
        try {
            start("modified", cmd);
            json.writeStringField("account", account);
            json.writeStringField("clientOrderId", clientOrderId);
            decimalField("price", price, priceScale);
            decimalField("quantity", quantity, quantityScale);
            end();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void book(final long cmd, final String symbol, final BookView book) {
        try {
            start("book", cmd);
            json.writeStringField("symbol", symbol);
            levels("bids", book, Side.BUY);
            levels("asks", book, Side.SELL);
            end();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void levels(final String name, final BookView book, final Side side) throws IOException {
        json.writeArrayFieldStart(name);
        final int n = book.levels(side);
        for (int i = 0; i < n; i++) {
            json.writeStartArray();
            decimal(book.price(side, i), book.priceScale());
            decimal(book.quantity(side, i), book.quantityScale());
            json.writeEndArray();
        }
        json.writeEndArray();
    }

    @Override
    public void balances(final long cmd, final String account, final BalanceView balances) {
        try {
            start("balances", cmd);
            json.writeStringField("account", account);
            json.writeObjectFieldStart("balances");
            for (int i = 0; i < balances.size(); i++) {
                json.writeObjectFieldStart(balances.asset(i));
                decimalField("available", balances.available(i), balances.scale(i));
                decimalField("reserved", balances.reserved(i), balances.scale(i));
                json.writeEndObject();
            }
            json.writeEndObject();
            end();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void start(final String type, final long cmd) throws IOException {
        json.writeStartObject();
        json.writeStringField("type", type);
        json.writeNumberField("cmd", cmd);
    }

    private void end() throws IOException {
        json.writeEndObject();
        json.writeRaw('\n');
    }

    private void decimalField(final String name, final long units, final int scale) throws IOException {
        json.writeFieldName(name);
        decimal(units, scale);
    }

    private void decimal(final long units, final int scale) throws IOException {
        final int length = Decimal.format(units, scale, number);
        json.writeString(number, 0, length);
    }

    @Override
    public void flush() {
        try {
            json.flush();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            json.close();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
