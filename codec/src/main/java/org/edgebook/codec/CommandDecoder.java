package org.edgebook.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import org.edgebook.engine.Command;
import org.edgebook.engine.Decimal;
import org.edgebook.engine.Names;
import org.edgebook.engine.OrderType;
import org.edgebook.engine.Side;
import org.edgebook.engine.TimeInForce;

/**
 * Decodes one JSON command line into a typed {@link Command}, with Jackson's streaming parser.
 * <p>
 * It checks syntax and types only: a line that is not a JSON object, has an unknown {@code type}, an unknown or
 * repeated field, a value of the wrong JSON type, a decimal string that is not plain, or an unknown enum value becomes
 * {@link Command.Malformed} with a detail naming the problem. Presence and business rules are the engine's: a missing
 * account decodes to {@code null} and the engine answers MALFORMED, so Java and JSON senders get the same answers.
 * <p>
 * Any command object may carry {@code source} and {@code sourceSeq} (docs/semantics.md, "Sources"): with both, and both
 * valid, the command decodes to a {@link Command.FromSender} around it, even when the rest of the line is malformed
 * (the engine then answers MALFORMED and the source's mark moves: the line has had its turn). A malformed pair (a
 * source that is not a name, a sourceSeq that is not an integer from 1 up, one without the other) makes the whole
 * line {@link Command.Malformed}, with no pair: it is nobody's numbered command.
 * <p>
 * Threading: not thread-safe; one decoder per thread. Reuses its scratch state between lines.
 */
public final class CommandDecoder {
    private static final int TYPE = 1;
    private static final int ASSET = 1 << 1;
    private static final int SCALE = 1 << 2;
    private static final int SYMBOL = 1 << 3;
    private static final int BASE = 1 << 4;
    private static final int QUOTE = 1 << 5;
    private static final int TICK_SIZE = 1 << 6;
    private static final int LOT_SIZE = 1 << 7;
    private static final int ACCOUNT = 1 << 8;
    private static final int AMOUNT = 1 << 9;
    private static final int CLIENT_ORDER_ID = 1 << 10;
    private static final int SIDE = 1 << 11;
    private static final int ORDER_TYPE = 1 << 12;
    private static final int TIF = 1 << 13;
    private static final int PRICE = 1 << 14;
    private static final int QUANTITY = 1 << 15;
    private static final int POST_ONLY = 1 << 16;
    private static final int TRANSFER_ID = 1 << 17;
    private static final int FROM = 1 << 18;
    private static final int TO = 1 << 19;
    private static final int DEPOSIT_ID = 1 << 20;
    private static final int WITHDRAWAL_ID = 1 << 21;
    private static final int SOURCE = 1 << 22;
    private static final int SOURCE_SEQ = 1 << 23;
    /** Any command may carry these two ({@link Command.FromSender}). */
    private static final int SOURCE_FIELDS = SOURCE | SOURCE_SEQ;

    private static final int ASSET_FIELDS = TYPE | ASSET | SCALE;
    private static final int INSTRUMENT_FIELDS = TYPE | SYMBOL | BASE | QUOTE | TICK_SIZE | LOT_SIZE;
    private static final int DEPOSIT_FIELDS = TYPE | ACCOUNT | ASSET | AMOUNT | DEPOSIT_ID;
    private static final int WITHDRAW_FIELDS = TYPE | ACCOUNT | ASSET | AMOUNT | WITHDRAWAL_ID;
    private static final int PLACE_FIELDS =
            TYPE | ACCOUNT | CLIENT_ORDER_ID | SYMBOL | SIDE | ORDER_TYPE | TIF | PRICE | QUANTITY | POST_ONLY;
    private static final int ORDER_REF_FIELDS = TYPE | ACCOUNT | CLIENT_ORDER_ID;
    private static final int MODIFY_FIELDS = ORDER_REF_FIELDS | PRICE | QUANTITY;
    private static final int BOOK_FIELDS = TYPE | SYMBOL;
    private static final int BALANCES_FIELDS = TYPE | ACCOUNT;
    private static final int TRANSFER_FIELDS = TYPE | TRANSFER_ID | FROM | TO | ASSET | AMOUNT;

    private static final Side[] SIDES = Side.values();
    private static final OrderType[] ORDER_TYPES = OrderType.values();
    private static final TimeInForce[] TIFS = TimeInForce.values();

    private final JsonFactory factory = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16).build())
            .build();

    private final NameInterner names = new NameInterner(1 << 16);

    // Scratch state for the line being decoded.
    private int seen;
    private String error;
    private String type;
    private String asset;
    private long scale;
    private String symbol;
    private String base;
    private String quote;
    private Decimal tickSize;
    private Decimal lotSize;
    private String account;
    private Decimal amount;
    private String clientOrderId;
    private Side side;
    private OrderType orderType;
    private TimeInForce tif;
    private Decimal price;
    private Decimal quantity;
    private boolean postOnly;
    private String transferId;
    private String from;
    private String to;
    private String depositId;
    private String withdrawalId;
    private String source;
    private long sourceSeq;
    /** What is wrong with the source pair: it makes the whole line MALFORMED, with no pair. */
    private String sourceError;
    /** Which of the pair the line gave (not null). */
    private boolean sourceGiven;
    private boolean sourceSeqGiven;

    /** Decodes {@code line[offset, offset + length)}, which holds one line without its line break. */
    public Command decode(final byte[] line, final int offset, final int length) {
        return decode(line, offset, length, null);
    }

    /**
     * Decodes a request body where the type is implied (an HTTP route such as {@code POST /v1/orders}): the body
     * may leave out {@code type}, and if it names one it must be {@code impliedType}.
     */
    public Command decode(final byte[] line, final int offset, final int length, final String impliedType) {
        reset();
        final int invalid = Utf8.firstInvalid(line, offset, length);
        if (invalid >= 0) {
            return new Command.Malformed("not valid UTF-8: byte " + invalid + " (0x"
                    + Integer.toHexString(line[offset + invalid] & 0xFF) + ") of the line", null, null);
        }
        try (JsonParser parser = factory.createParser(line, offset, length)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return new Command.Malformed("a command must be a JSON object", null, null);
            }
            JsonToken token;
            while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
                readField(parser, parser.currentName());
            }
            if (token != JsonToken.END_OBJECT) {
                return malformed("a command must be a JSON object");
            }
            if (parser.nextToken() != null) {
                return malformed("only one JSON object per line");
            }
        } catch (final JsonParseException e) {
            return malformed("not valid JSON: " + e.getOriginalMessage());
        } catch (final IOException e) {
            return malformed("not readable: " + e.getMessage());
        }
        if (sourceError == null && sourceGiven != sourceSeqGiven) {
            sourceError = sourceGiven ? "source needs a sourceSeq: send both or neither"
                    : "sourceSeq needs a source: send both or neither";
        }
        if (sourceError != null) {
            return malformed(sourceError); // nobody's numbered command
        }
        final Command command = build(impliedType);
        return sourceGiven ? new Command.FromSender(source, sourceSeq, command) : command;
    }

    private Command build(final String impliedType) {
        if (error != null) {
            return malformed(error);
        }
        if (impliedType != null) {
            if ((seen & TYPE) == 0) {
                type = impliedType;
            } else if (!impliedType.equals(type)) {
                return malformed("this route takes " + impliedType + " commands, not '" + Names.quote(type) + "'");
            }
        }
        return buildCommand();
    }

    private Command buildCommand() {
        if (type == null) {
            return malformed((seen & TYPE) == 0 ? "type is required" : "type must be a string");
        }
        return switch (type) {
            case "asset" -> fieldsAllowed(ASSET_FIELDS) ? defineAsset() : malformed(error);
            case "instrument" -> fieldsAllowed(INSTRUMENT_FIELDS)
                    ? new Command.DefineInstrument(symbol, base, quote, tickSize, lotSize) : malformed(error);
            case "deposit" -> fieldsAllowed(DEPOSIT_FIELDS)
                    ? new Command.Deposit(account, asset, amount, depositId) : malformed(error);
            case "transfer" -> fieldsAllowed(TRANSFER_FIELDS)
                    ? new Command.Transfer(transferId, from, to, asset, amount) : malformed(error);
            case "withdraw" -> fieldsAllowed(WITHDRAW_FIELDS)
                    ? new Command.Withdraw(account, asset, amount, withdrawalId) : malformed(error);
            case "place" -> fieldsAllowed(PLACE_FIELDS) ? new Command.Place(account, clientOrderId, symbol, side,
                    orderType, tif, price, quantity, postOnly) : malformed(error);
            case "cancel" -> fieldsAllowed(ORDER_REF_FIELDS)
                    ? new Command.Cancel(account, clientOrderId) : malformed(error);
            case "modify" -> fieldsAllowed(MODIFY_FIELDS)
                    ? new Command.Modify(account, clientOrderId, price, quantity) : malformed(error);
            case "book" -> fieldsAllowed(BOOK_FIELDS) ? new Command.QueryBook(symbol) : malformed(error);
            case "balances" -> fieldsAllowed(BALANCES_FIELDS) ? new Command.QueryBalances(account) : malformed(error);
            case "orders" -> fieldsAllowed(BALANCES_FIELDS) ? new Command.QueryOrders(account) : malformed(error);
            default -> malformed("unknown type '" + Names.quote(type) + "'");
        };
    }

    private Command defineAsset() {
        if ((seen & SCALE) == 0) {
            return malformed("scale is required");
        }
        if (scale < 0 || scale > 18) {
            return malformed("scale must be an integer from 0 to 18");
        }
        return new Command.DefineAsset(asset, (int) scale);
    }

    /** Whether every field present belongs to this type; otherwise sets {@link #error}. */
    private boolean fieldsAllowed(final int allowed) {
        final int extra = seen & ~(allowed | SOURCE_FIELDS);
        if (extra == 0) {
            return true;
        }
        error = "field '" + fieldName(Integer.lowestOneBit(extra)) + "' is not part of a " + type + " command";
        return false;
    }

    private void readField(final JsonParser parser, final String name) throws IOException {
        final JsonToken value = parser.nextToken();
        final int field = fieldBit(name);
        if (field == 0) {
            fail("unknown field '" + Names.quote(name) + "'");
            parser.skipChildren();
            return;
        }
        if ((seen & field) != 0) {
            fail("field '" + Names.quote(name) + "' appears twice");
        }
        seen |= field;
        if (value == JsonToken.VALUE_NULL) {
            return; // null means absent
        }
        switch (field) {
            case TYPE -> type = typeName(parser, value, name);
            case ASSET -> asset = name(parser, value, name);
            case SYMBOL -> symbol = name(parser, value, name);
            case BASE -> base = name(parser, value, name);
            case QUOTE -> quote = name(parser, value, name);
            case ACCOUNT -> account = name(parser, value, name);
            case CLIENT_ORDER_ID -> clientOrderId = id(parser, value, name);
            case TRANSFER_ID -> transferId = id(parser, value, name);
            case DEPOSIT_ID -> depositId = id(parser, value, name);
            case WITHDRAWAL_ID -> withdrawalId = id(parser, value, name);
            case SOURCE -> source(parser, value);
            case SOURCE_SEQ -> sourceSeq(parser, value);
            case FROM -> from = name(parser, value, name);
            case TO -> to = name(parser, value, name);
            case TICK_SIZE -> tickSize = decimal(parser, value, name);
            case LOT_SIZE -> lotSize = decimal(parser, value, name);
            case AMOUNT -> amount = decimal(parser, value, name);
            case PRICE -> price = decimal(parser, value, name);
            case QUANTITY -> quantity = decimal(parser, value, name);
            case SIDE -> side = enumValue(parser, value, name, SIDES);
            case ORDER_TYPE -> orderType = enumValue(parser, value, name, ORDER_TYPES);
            case TIF -> tif = enumValue(parser, value, name, TIFS);
            case POST_ONLY -> {
                if (value == JsonToken.VALUE_TRUE || value == JsonToken.VALUE_FALSE) {
                    postOnly = value == JsonToken.VALUE_TRUE;
                } else {
                    wrongType(parser, name, "true or false");
                }
            }
            case SCALE -> {
                if (value == JsonToken.VALUE_NUMBER_INT && parser.getNumberType() == JsonParser.NumberType.INT) {
                    scale = parser.getIntValue();
                } else if (value == JsonToken.VALUE_NUMBER_INT) {
                    scale = -1; // a big integer: out of 0..18
                } else {
                    wrongType(parser, name, "an integer from 0 to 18");
                }
            }
            default -> throw new IllegalStateException(name);
        }
    }

    /**
     * A name (docs/semantics.md, {@link Names}): refused here, at the door, when it breaks the rule, so that what is
     * journaled is always what the engine can execute and read back identically. Valid names that recur across
     * commands (accounts, assets, symbols) are shared through the interner; "" is left to the engine.
     */
    private String name(final JsonParser parser, final JsonToken value, final String name) throws IOException {
        if (value != JsonToken.VALUE_STRING) {
            wrongType(parser, name, "a string");
            return null;
        }
        final char[] chars = parser.getTextCharacters();
        final int offset = parser.getTextOffset();
        final int length = parser.getTextLength();
        if (length == 0) {
            return "";
        }
        if (!Names.valid(chars, offset, length)) {
            fail(Names.problem(name, parser.getText()));
            return null;
        }
        return names.intern(chars, offset, length);
    }

    /** A name used once (an order or transfer id): checked like any name, but not interned. */
    private String id(final JsonParser parser, final JsonToken value, final String name) throws IOException {
        if (value != JsonToken.VALUE_STRING) {
            wrongType(parser, name, "a string");
            return null;
        }
        final String text = parser.getText();
        if (!text.isEmpty() && !Names.valid(text)) {
            fail(Names.problem(name, text));
            return null;
        }
        return text;
    }

    /** A source's name: the rule for names, "" included (a source must be a name to number anything). */
    private void source(final JsonParser parser, final JsonToken value) throws IOException {
        sourceGiven = true;
        if (value != JsonToken.VALUE_STRING) {
            failSource("source must be a string");
            parser.skipChildren();
            return;
        }
        final char[] chars = parser.getTextCharacters();
        final int offset = parser.getTextOffset();
        final int length = parser.getTextLength();
        if (!Names.valid(chars, offset, length)) {
            failSource(Names.problem("source", parser.getText()));
            return;
        }
        source = names.intern(chars, offset, length);
    }

    /** A JSON integer from 1 to Long.MAX_VALUE. */
    private void sourceSeq(final JsonParser parser, final JsonToken value) throws IOException {
        sourceSeqGiven = true;
        if (value == JsonToken.VALUE_NUMBER_INT && parser.getNumberType() != JsonParser.NumberType.BIG_INTEGER
                && parser.getLongValue() >= 1) {
            sourceSeq = parser.getLongValue();
            return;
        }
        failSource("sourceSeq must be an integer from 1 to " + Long.MAX_VALUE);
        parser.skipChildren();
    }

    private void failSource(final String message) {
        if (sourceError == null) {
            sourceError = message;
        }
    }

    /** The command type: any string (an unknown one is reported, quoted, once the line is read). */
    private String typeName(final JsonParser parser, final JsonToken value, final String name) throws IOException {
        if (value != JsonToken.VALUE_STRING) {
            wrongType(parser, name, "a string");
            return null;
        }
        if (parser.getTextLength() > Names.MAX_LENGTH) {
            return parser.getText().substring(0, Names.MAX_LENGTH + 1); // unknown anyway; quoted with a cut
        }
        return names.intern(parser.getTextCharacters(), parser.getTextOffset(), parser.getTextLength());
    }

    private Decimal decimal(final JsonParser parser, final JsonToken value, final String name) throws IOException {
        if (value != JsonToken.VALUE_STRING) {
            wrongType(parser, name, "a decimal string such as \"100.5\"");
            return null;
        }
        final Decimal d = Decimal.tryParse(parser.getTextCharacters(), parser.getTextOffset(), parser.getTextLength());
        if (d == null) {
            fail(name + " must be a plain decimal such as \"100.5\", not \"" + Names.quote(parser.getText()) + "\"");
        }
        return d;
    }

    private <E extends Enum<E>> E enumValue(final JsonParser parser, final JsonToken value, final String name,
                                            final E[] constants) throws IOException {
        if (value == JsonToken.VALUE_STRING) {
            final char[] chars = parser.getTextCharacters();
            final int offset = parser.getTextOffset();
            final int length = parser.getTextLength();
            for (final E constant : constants) {
                if (NameInterner.sameChars(constant.name(), chars, offset, length)) {
                    return constant;
                }
            }
        }
        final StringBuilder allowed = new StringBuilder();
        for (final E constant : constants) {
            allowed.append(allowed.isEmpty() ? "" : ", ").append(constant.name());
        }
        fail(name + " must be one of " + allowed);
        parser.skipChildren();
        return null;
    }

    private void wrongType(final JsonParser parser, final String name, final String expected) throws IOException {
        fail(name + " must be " + expected);
        parser.skipChildren();
    }

    /** Keeps the first error; decoding goes on so that account and clientOrderId can still be reported. */
    private void fail(final String message) {
        if (error == null) {
            error = message;
        }
    }

    private Command malformed(final String detail) {
        return new Command.Malformed(detail, Names.orNull(account != null ? account : from),
                Names.orNull(clientOrderId));
    }

    private void reset() {
        seen = 0;
        error = null;
        type = null;
        asset = null;
        scale = 0;
        symbol = null;
        base = null;
        quote = null;
        tickSize = null;
        lotSize = null;
        account = null;
        amount = null;
        clientOrderId = null;
        side = null;
        orderType = null;
        tif = null;
        price = null;
        quantity = null;
        postOnly = false;
        transferId = null;
        from = null;
        to = null;
        depositId = null;
        withdrawalId = null;
        source = null;
        sourceSeq = 0;
        sourceError = null;
        sourceGiven = false;
        sourceSeqGiven = false;
    }

    private static int fieldBit(final String name) {
        return switch (name) {
            case "type" -> TYPE;
            case "asset" -> ASSET;
            case "scale" -> SCALE;
            case "symbol" -> SYMBOL;
            case "base" -> BASE;
            case "quote" -> QUOTE;
            case "tickSize" -> TICK_SIZE;
            case "lotSize" -> LOT_SIZE;
            case "account" -> ACCOUNT;
            case "amount" -> AMOUNT;
            case "clientOrderId" -> CLIENT_ORDER_ID;
            case "side" -> SIDE;
            case "orderType" -> ORDER_TYPE;
            case "tif" -> TIF;
            case "price" -> PRICE;
            case "quantity" -> QUANTITY;
            case "postOnly" -> POST_ONLY;
            case "transferId" -> TRANSFER_ID;
            case "from" -> FROM;
            case "to" -> TO;
            case "depositId" -> DEPOSIT_ID;
            case "withdrawalId" -> WITHDRAWAL_ID;
            case "source" -> SOURCE;
            case "sourceSeq" -> SOURCE_SEQ;
            default -> 0;
        };
    }

    private static String fieldName(final int bit) {
        return switch (bit) {
            case TYPE -> "type";
            case ASSET -> "asset";
            case SCALE -> "scale";
            case SYMBOL -> "symbol";
            case BASE -> "base";
            case QUOTE -> "quote";
            case TICK_SIZE -> "tickSize";
            case LOT_SIZE -> "lotSize";
            case ACCOUNT -> "account";
            case AMOUNT -> "amount";
            case CLIENT_ORDER_ID -> "clientOrderId";
            case SIDE -> "side";
            case ORDER_TYPE -> "orderType";
            case TIF -> "tif";
            case PRICE -> "price";
            case QUANTITY -> "quantity";
            case POST_ONLY -> "postOnly";
            case TRANSFER_ID -> "transferId";
            case FROM -> "from";
            case TO -> "to";
            case DEPOSIT_ID -> "depositId";
            case WITHDRAWAL_ID -> "withdrawalId";
            case SOURCE -> "source";
            case SOURCE_SEQ -> "sourceSeq";
            default -> "?";
        };
    }
}
