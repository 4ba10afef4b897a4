package org.edgebook.codec;

import com.fasterxml.jackson.core.io.SerializedString;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import org.edgebook.engine.CancelReason;
import org.edgebook.engine.Decimal;
import org.edgebook.engine.EventSink;
import org.edgebook.engine.RejectReason;
import org.edgebook.engine.Side;

/**
 * Writes the engine's events as JSON lines, one object per line, in the field order of docs/semantics.md. Every
 * event carries its command's {@code cmd} (the caller's number, a line number) and {@code seq} (the engine's
 * sequence number).
 * Decimals are written in their shortest exact form straight from the engine's units, without allocating.
 * <p>
 * Threading: the engine's thread only. Buffers output; call {@link #flush()} when a batch is done.
 */
public final class JsonEventWriter extends JsonLinesOutput implements EventSink {
    private static final SerializedString F_ACCOUNT = new SerializedString("account");
    private static final SerializedString F_AVAILABLE = new SerializedString("available");
    private static final SerializedString F_BALANCES = new SerializedString("balances");
    private static final SerializedString F_BIDS = new SerializedString("bids");
    private static final SerializedString F_ASKS = new SerializedString("asks");
    private static final SerializedString F_CLIENT_ORDER_ID = new SerializedString("clientOrderId");
    private static final SerializedString F_CMD = new SerializedString("cmd");
    private static final SerializedString F_DETAIL = new SerializedString("detail");
    private static final SerializedString F_MAKER_ACCOUNT = new SerializedString("makerAccount");
    private static final SerializedString F_MAKER_ORDER_ID = new SerializedString("makerOrderId");
    private static final SerializedString F_PRICE = new SerializedString("price");
    private static final SerializedString F_QUANTITY = new SerializedString("quantity");
    private static final SerializedString F_REASON = new SerializedString("reason");
    private static final SerializedString F_REMAINING = new SerializedString("remaining");
    private static final SerializedString F_RESERVED = new SerializedString("reserved");
    private static final SerializedString F_SYMBOL = new SerializedString("symbol");
    private static final SerializedString F_TAKER_ACCOUNT = new SerializedString("takerAccount");
    private static final SerializedString F_TAKER_ORDER_ID = new SerializedString("takerOrderId");
    private static final SerializedString F_TAKER_SIDE = new SerializedString("takerSide");
    private static final SerializedString F_TYPE = new SerializedString("type");
    private static final SerializedString F_SEQ = new SerializedString("seq");
    private static final SerializedString F_TRANSFER_ID = new SerializedString("transferId");
    private static final SerializedString F_FROM = new SerializedString("from");
    private static final SerializedString F_TO = new SerializedString("to");
    private static final SerializedString F_ASSET = new SerializedString("asset");
    private static final SerializedString F_AMOUNT = new SerializedString("amount");
    private static final SerializedString F_ORIGINAL_SEQ = new SerializedString("originalSeq");
    private static final SerializedString F_SOURCE = new SerializedString("source");
    private static final SerializedString F_SOURCE_SEQ = new SerializedString("sourceSeq");
    private static final SerializedString F_MARK = new SerializedString("mark");
    private static final SerializedString F_EXPECTED = new SerializedString("expected");
    private static final SerializedString T_DUPLICATE = new SerializedString("duplicate");
    private static final SerializedString T_TRANSFERRED = new SerializedString("transferred");
    private static final SerializedString T_ORDERS = new SerializedString("orders");
    private static final SerializedString F_ORDERS = new SerializedString("orders");
    private static final SerializedString F_SIDE = new SerializedString("side");
    private static final SerializedString F_POST_ONLY = new SerializedString("postOnly");
    private static final SerializedString T_OK = new SerializedString("ok");
    private static final SerializedString T_REJECTED = new SerializedString("rejected");
    private static final SerializedString T_ACCEPTED = new SerializedString("accepted");
    private static final SerializedString T_TRADE = new SerializedString("trade");
    private static final SerializedString T_CANCELLED = new SerializedString("cancelled");
    private static final SerializedString T_MODIFIED = new SerializedString("modified");
    private static final SerializedString T_BOOK = new SerializedString("book");
    private static final SerializedString T_BALANCES = new SerializedString("balances");

    private final char[] number = new char[48];
    private long seq;
    private String viewer;
    private char separator = '\n';

    public JsonEventWriter(final OutputStream out) {
        super(out);
    }

    /**
     * How the events of the commands from now on are written: as {@code viewer} may see them (an account sees its
     * own side of each trade and the other side's account and order id as {@code null}, as a venue does not name
     * counterparties; {@code null} sees everything), each event followed by {@code separator} ({@code '\n'} for JSON
     * lines, {@code ','} for the elements of an array, the last separator then being the caller's to drop).
     */
    public void view(final String viewer, final char separator) {
        this.viewer = viewer;
        this.separator = separator;
    }

    @Override
    public void sequenced(final long seq, final long cmd) {
        this.seq = seq;
    }

    @Override
    public void ok(final long cmd) {
        try {
            start(T_OK, cmd);
            end();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void rejected(final long cmd, final RejectReason reason, final String account, final String clientOrderId,
                         final String detail) {
        try {
            start(T_REJECTED, cmd);
            stringField(F_REASON, reason.name());
            if (account != null) {
                stringField(F_ACCOUNT, account);
            }
            if (clientOrderId != null) {
                stringField(F_CLIENT_ORDER_ID, clientOrderId);
            }
            if (detail != null) {
                stringField(F_DETAIL, detail);
            }
            end();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void accepted(final long cmd, final String account, final String clientOrderId) {
        try {
            start(T_ACCEPTED, cmd);
            stringField(F_ACCOUNT, account);
            stringField(F_CLIENT_ORDER_ID, clientOrderId);
            end();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void transferred(final long cmd, final String transferId, final String from, final String to,
                            final String asset, final long amount, final int scale) {
        try {
            start(T_TRANSFERRED, cmd);
            stringField(F_TRANSFER_ID, transferId);
            stringField(F_FROM, from);
            stringField(F_TO, to);
            stringField(F_ASSET, asset);
            decimalField(F_AMOUNT, amount, scale);
            end();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void transferRejected(final long cmd, final RejectReason reason, final String transferId,
                                 final String from, final long originalSeq, final String detail) {
        try {
            start(T_REJECTED, cmd);
            stringField(F_REASON, reason.name());
            if (transferId != null) {
                stringField(F_TRANSFER_ID, transferId);
            }
            if (from != null) {
                stringField(F_ACCOUNT, from);
            }
            if (originalSeq != 0) {
                json.writeFieldName(F_ORIGINAL_SEQ);
                json.writeNumber(originalSeq);
            }
            if (detail != null) {
                stringField(F_DETAIL, detail);
            }
            end();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code {"type":"duplicate","cmd":N,"seq":S,"source":…,"sourceSeq":…,"mark":…}}. */
    @Override
    public void duplicate(final long cmd, final String sender, final long senderSeq, final long mark) {
        try {
            start(T_DUPLICATE, cmd);
            stringField(F_SOURCE, sender);
            numberField(F_SOURCE_SEQ, senderSeq);
            numberField(F_MARK, mark);
            end();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code {"type":"rejected","cmd":N,"seq":S,"reason":"SEQUENCE_GAP","source":…,"sourceSeq":…,"expected":…}}. */
    @Override
    public void sequenceGap(final long cmd, final String sender, final long senderSeq, final long expected) {
        try {
            start(T_REJECTED, cmd);
            stringField(F_REASON, RejectReason.SEQUENCE_GAP.name());
            stringField(F_SOURCE, sender);
            numberField(F_SOURCE_SEQ, senderSeq);
            numberField(F_EXPECTED, expected);
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
            start(T_TRADE, cmd);
            stringField(F_SYMBOL, symbol);
            decimalField(F_PRICE, price, priceScale);
            decimalField(F_QUANTITY, quantity, quantityScale);
            final boolean maker = viewer == null || viewer.equals(makerAccount);
            final boolean taker = viewer == null || viewer.equals(takerAccount);
            stringField(F_MAKER_ACCOUNT, maker ? makerAccount : null);
            stringField(F_MAKER_ORDER_ID, maker ? makerOrderId : null);
            stringField(F_TAKER_ACCOUNT, taker ? takerAccount : null);
            stringField(F_TAKER_ORDER_ID, taker ? takerOrderId : null);
            stringField(F_TAKER_SIDE, takerSide.name());
            end();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void cancelled(final long cmd, final String account, final String clientOrderId, final long remaining,
                          final int quantityScale, final CancelReason reason) {
        try {
            start(T_CANCELLED, cmd);
            stringField(F_ACCOUNT, account);
            stringField(F_CLIENT_ORDER_ID, clientOrderId);
            decimalField(F_REMAINING, remaining, quantityScale);
            stringField(F_REASON, reason.name());
            end();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void modified(final long cmd, final String account, final String clientOrderId, final long price,
                         final int priceScale, final long quantity, final int quantityScale) {
        try {
            start(T_MODIFIED, cmd);
            stringField(F_ACCOUNT, account);
            stringField(F_CLIENT_ORDER_ID, clientOrderId);
            decimalField(F_PRICE, price, priceScale);
            decimalField(F_QUANTITY, quantity, quantityScale);
            end();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void book(final long cmd, final String symbol, final BookView book) {
        try {
            start(T_BOOK, cmd);
            stringField(F_SYMBOL, symbol);
            levels(F_BIDS, book, Side.BUY);
            levels(F_ASKS, book, Side.SELL);
            end();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void levels(final SerializedString name, final BookView book, final Side side) throws IOException {
        json.writeFieldName(name);
        json.writeStartArray();
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
            start(T_BALANCES, cmd);
            stringField(F_ACCOUNT, account);
            json.writeFieldName(F_BALANCES);
            json.writeStartObject();
            for (int i = 0; i < balances.size(); i++) {
                json.writeObjectFieldStart(balances.asset(i));
                decimalField(F_AVAILABLE, balances.available(i), balances.scale(i));
                decimalField(F_RESERVED, balances.reserved(i), balances.scale(i));
                json.writeEndObject();
            }
            json.writeEndObject();
            end();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void orders(final long cmd, final String account, final OrdersView orders) {
        try {
            start(T_ORDERS, cmd);
            stringField(F_ACCOUNT, account);
            json.writeFieldName(F_ORDERS);
            json.writeStartArray();
            for (int i = 0; i < orders.size(); i++) {
                json.writeStartObject();
                stringField(F_CLIENT_ORDER_ID, orders.clientOrderId(i));
                stringField(F_SYMBOL, orders.symbol(i));
                stringField(F_SIDE, orders.side(i).name());
                decimalField(F_PRICE, orders.price(i), orders.priceScale(i));
                decimalField(F_REMAINING, orders.remaining(i), orders.quantityScale(i));
                json.writeFieldName(F_POST_ONLY);
                json.writeBoolean(orders.postOnly(i));
                json.writeEndObject();
            }
            json.writeEndArray();
            end();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void start(final SerializedString type, final long cmd) throws IOException {
        json.writeStartObject();
        json.writeFieldName(F_TYPE);
        json.writeString(type);
        json.writeFieldName(F_CMD);
        json.writeNumber(cmd);
        json.writeFieldName(F_SEQ);
        json.writeNumber(seq);
    }

    private void stringField(final SerializedString name, final String value) throws IOException {
        json.writeFieldName(name);
        json.writeString(value);
    }

    private void numberField(final SerializedString name, final long value) throws IOException {
        json.writeFieldName(name);
        json.writeNumber(value);
    }

    private void end() throws IOException {
        json.writeEndObject();
        json.writeRaw(separator);
    }

    private void decimalField(final SerializedString name, final long units, final int scale) throws IOException {
        json.writeFieldName(name);
        decimal(units, scale);
    }

    private void decimal(final long units, final int scale) throws IOException {
        final int length = Decimal.format(units, scale, number);
        json.writeString(number, 0, length);
    }
}
