package org.edgebook.codec;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import org.edgebook.engine.Command;
import org.edgebook.engine.Decimal;

/**
 * Writes typed commands as JSON lines, the inverse of {@link CommandDecoder}: for generators, clients and tools.
 * Absent optional fields are left out. {@link Command.Malformed} is written as type {@code malformed} with its
 * detail: replaying that line is rejected MALFORMED again (with a detail about the unknown type).
 * <p>
 * Threading: one thread. Buffers output; call {@link #flush()} when done.
 */
public final class JsonCommandWriter extends JsonLinesOutput {

    public JsonCommandWriter(final OutputStream out) {
        super(out);
    }

    public void write(final Command command) {
        try {
            json.writeStartObject();
            fields(command);
            json.writeEndObject();
            json.writeRaw('\n');
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The command's members. A sourced command is its command's members and then {@code source} and
     * {@code sourceSeq}, as the decoder reads any command object with the pair.
     */
    private void fields(final Command command) throws IOException {
        switch (command) {
            case Command.FromSender c -> {
                if (c.command() != null) {
                    fields(c.command());
                }
                string("source", c.sender());
                json.writeNumberField("sourceSeq", c.senderSeq());
            }
            case Command.DefineAsset c -> {
                json.writeStringField("type", "asset");
                string("asset", c.asset());
                json.writeNumberField("scale", c.scale());
            }
            case Command.DefineInstrument c -> {
                json.writeStringField("type", "instrument");
                string("symbol", c.symbol());
                string("base", c.base());
                string("quote", c.quote());
                decimal("tickSize", c.tickSize());
                decimal("lotSize", c.lotSize());
            }
            case Command.Transfer c -> {
                json.writeStringField("type", "transfer");
                string("transferId", c.transferId());
                string("from", c.from());
                string("to", c.to());
                string("asset", c.asset());
                decimal("amount", c.amount());
            }
            case Command.Deposit c -> money("deposit", c.account(), c.asset(), c.amount(), "depositId",
                    c.depositId());
            case Command.Withdraw c -> money("withdraw", c.account(), c.asset(), c.amount(), "withdrawalId",
                    c.withdrawalId());
            case Command.Place c -> {
                json.writeStringField("type", "place");
                string("account", c.account());
                string("clientOrderId", c.clientOrderId());
                string("symbol", c.symbol());
                string("side", c.side() == null ? null : c.side().name());
                string("orderType", c.orderType() == null ? null : c.orderType().name());
                string("tif", c.tif() == null ? null : c.tif().name());
                decimal("price", c.price());
                decimal("quantity", c.quantity());
                if (c.postOnly()) {
                    json.writeBooleanField("postOnly", true);
                }
            }
            case Command.Cancel c -> {
                json.writeStringField("type", "cancel");
                string("account", c.account());
                string("clientOrderId", c.clientOrderId());
            }
            case Command.Modify c -> {
                json.writeStringField("type", "modify");
                string("account", c.account());
                string("clientOrderId", c.clientOrderId());
                decimal("price", c.price());
                decimal("quantity", c.quantity());
            }
            case Command.QueryBook c -> {
                json.writeStringField("type", "book");
                string("symbol", c.symbol());
            }
            case Command.QueryBalances c -> {
                json.writeStringField("type", "balances");
                string("account", c.account());
            }
            case Command.QueryOrders c -> {
                json.writeStringField("type", "orders");
                string("account", c.account());
            }
            case Command.Malformed c -> {
                // The unreadable line itself is not kept; this form is rejected MALFORMED again when replayed.
                json.writeStringField("type", "malformed");
                string("detail", c.detail());
                string("account", c.account());
                string("clientOrderId", c.clientOrderId());
            }
        }
    }

    private void money(final String type, final String account, final String asset, final Decimal amount,
                       final String idField, final String id) throws IOException {
        json.writeStringField("type", type);
        string("account", account);
        string("asset", asset);
        decimal("amount", amount);
        string(idField, id);
    }

    private void string(final String name, final String value) throws IOException {
        if (value != null) {
            json.writeStringField(name, value);
        }
    }

    private void decimal(final String name, final Decimal value) throws IOException {
        if (value != null) {
            if (value.isOutOfRange()) {
                throw new IllegalArgumentException(name + " is out of range and has no exact text");
            }
            json.writeStringField(name, value.toString());
        }
    }
}
