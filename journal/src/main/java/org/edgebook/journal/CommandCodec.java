package org.edgebook.journal;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.edgebook.codec.Utf8;
import org.edgebook.engine.Command;
import org.edgebook.engine.Decimal;
import org.edgebook.engine.OrderType;
import org.edgebook.engine.Side;
import org.edgebook.engine.TimeInForce;

/**
 * The journal's compact binary form of a {@link Command}: a type byte, then the fields in record order. Strings are
 * a length (a byte, or 255 and an int for long ones) and UTF-8 bytes, with length 254 meaning null; decimals are a
 * flag byte (null, out of range, value) and the unscaled digits and scale; enums are their ordinal + 1, 0 for null.
 * A typical place is about 50 bytes. Malformed commands are journaled too, so that replay answers them the same way.
 * A sourced command is its own type byte, the sender's name and number, then the command it carries.
 * <p>
 * Stateless and thread-safe.
 */
public final class CommandCodec {
    private static final byte ASSET = 1;
    private static final byte INSTRUMENT = 2;
    private static final byte DEPOSIT = 3;
    private static final byte WITHDRAW = 4;
    private static final byte PLACE = 5;
    private static final byte CANCEL = 6;
    /**
     * A modify whose quantity was the new remaining quantity: the meaning before modify named the new total. Such a
     * record cannot be replayed with today's meaning without changing history, so reading one is refused.
     */
    private static final byte MODIFY_REMAINING = 7;
    /** A modify whose quantity is the order's new total, filled part included (docs/semantics.md). */
    private static final byte MODIFY = 15;
    private static final byte BOOK = 8;
    private static final byte BALANCES = 9;
    private static final byte MALFORMED = 10;
    private static final byte TRANSFER = 11;
    private static final byte ORDERS = 12;
    /** A deposit or withdrawal with its idempotency id; those without keep their first codes. */
    private static final byte DEPOSIT_WITH_ID = 13;
    private static final byte WITHDRAW_WITH_ID = 14;
    /**
     * A sourced command ({@link Command.FromSender}): its sender's name and number, then the command it carries in its
     * own form (type byte and fields), or {@link #NO_COMMAND}. Journals written before it have none and read as before.
     */
    private static final byte FROM_SENDER = 16;
    /** In a sourced command's place for the command: there is none (the engine answers MALFORMED). */
    private static final byte NO_COMMAND = 0;

    private static final int NULL_STRING = 254;
    private static final int LONG_STRING = 255;
    private static final byte NO_DECIMAL = 0;
    private static final byte DECIMAL = 1;
    private static final byte OUT_OF_RANGE = 2;

    private static final Side[] SIDES = Side.values();
    private static final OrderType[] ORDER_TYPES = OrderType.values();
    private static final TimeInForce[] TIFS = TimeInForce.values();

    private CommandCodec() {
    }

    /** The detail of the MALFORMED command journaled in place of one whose text UTF-8 cannot carry exactly. */
    static final String UNJOURNALABLE = "text that is not valid Unicode (a lone surrogate) cannot be journaled";

    /**
     * Encodes at the buffer's position and answers the command encoded: {@code command} itself, or, when one of its
     * strings holds a lone surrogate (text that would not read back identically), a MALFORMED command in its place,
     * which the caller then executes instead. What is journaled is always exactly what was executed.
     */
    public static Command encodeExact(final Command command, final ByteBuffer out) {
        final int start = out.position();
        try {
            encode(command, out);
            return command;
        } catch (final IllegalArgumentException e) {
            out.position(start);
            // A sourced command holding another (only Java can build one) is the engine's MALFORMED either way.
            final Command replacement = new Command.Malformed(command instanceof Command.FromSender f
                    && f.command() instanceof Command.FromSender ? f.problem() : UNJOURNALABLE, null, null);
            encode(replacement, out);
            return replacement;
        }
    }

    /**
     * Encodes at the buffer's position; the buffer must have room (see {@link #maxLength}). Text that UTF-8 cannot
     * carry exactly is refused with {@link IllegalArgumentException}, never written with a replacement character.
     */
    public static void encode(final Command command, final ByteBuffer out) {
        switch (command) {
            case Command.FromSender c -> {
                out.put(FROM_SENDER);
                string(out, c.sender());
                out.putLong(c.senderSeq());
                if (c.command() == null) {
                    out.put(NO_COMMAND);
                } else if (c.command() instanceof Command.FromSender) {
                    throw new IllegalArgumentException(c.problem());
                } else {
                    encode(c.command(), out);
                }
            }
            case Command.Place c -> {
                out.put(PLACE);
                string(out, c.account());
                string(out, c.clientOrderId());
                string(out, c.symbol());
                enumValue(out, c.side());
                enumValue(out, c.orderType());
                enumValue(out, c.tif());
                decimal(out, c.price());
                decimal(out, c.quantity());
                out.put((byte) (c.postOnly() ? 1 : 0));
            }
            case Command.Transfer c -> {
                out.put(TRANSFER);
                string(out, c.transferId());
                string(out, c.from());
                string(out, c.to());
                string(out, c.asset());
                decimal(out, c.amount());
            }
            case Command.Cancel c -> {
                out.put(CANCEL);
                string(out, c.account());
                string(out, c.clientOrderId());
            }
            case Command.Modify c -> {
                out.put(MODIFY);
                string(out, c.account());
                string(out, c.clientOrderId());
                decimal(out, c.price());
                decimal(out, c.quantity());
            }
            case Command.Deposit c -> {
                out.put(c.depositId() == null ? DEPOSIT : DEPOSIT_WITH_ID);
                string(out, c.account());
                string(out, c.asset());
                decimal(out, c.amount());
                if (c.depositId() != null) {
                    string(out, c.depositId());
                }
            }
            case Command.Withdraw c -> {
                out.put(c.withdrawalId() == null ? WITHDRAW : WITHDRAW_WITH_ID);
                string(out, c.account());
                string(out, c.asset());
                decimal(out, c.amount());
                if (c.withdrawalId() != null) {
                    string(out, c.withdrawalId());
                }
            }
            case Command.DefineAsset c -> {
                out.put(ASSET);
                string(out, c.asset());
                out.putInt(c.scale());
            }
            case Command.DefineInstrument c -> {
                out.put(INSTRUMENT);
                string(out, c.symbol());
                string(out, c.base());
                string(out, c.quote());
                decimal(out, c.tickSize());
                decimal(out, c.lotSize());
            }
            case Command.QueryBook c -> {
                out.put(BOOK);
                string(out, c.symbol());
            }
            case Command.QueryBalances c -> {
                out.put(BALANCES);
                string(out, c.account());
            }
            case Command.QueryOrders c -> {
                out.put(ORDERS);
                string(out, c.account());
            }
            case Command.Malformed c -> {
                out.put(MALFORMED);
                string(out, c.detail());
                string(out, c.account());
                string(out, c.clientOrderId());
            }
        }
    }

    /** An upper bound on the encoded size of {@code command}. */
    public static int maxLength(final Command command) {
        if (command instanceof Command.FromSender c) {
            // Type, the sender (5 bytes of length and up to 3 per character), the number, then the command.
            return 1 + 5 + len(c.sender()) * 3 + 8 + (c.command() == null ? 1 : maxLength(c.command()));
        }
        int strings = 0;
        switch (command) {
            case Command.FromSender c -> throw new IllegalStateException("sized above");
            case Command.Place c -> strings = len(c.account()) + len(c.clientOrderId()) + len(c.symbol());
            case Command.Transfer c -> strings = len(c.transferId()) + len(c.from()) + len(c.to()) + len(c.asset());
            case Command.Cancel c -> strings = len(c.account()) + len(c.clientOrderId());
            case Command.Modify c -> strings = len(c.account()) + len(c.clientOrderId());
            case Command.Deposit c -> strings = len(c.account()) + len(c.asset()) + len(c.depositId());
            case Command.Withdraw c -> strings = len(c.account()) + len(c.asset()) + len(c.withdrawalId());
            case Command.DefineAsset c -> strings = len(c.asset());
            case Command.DefineInstrument c -> strings = len(c.symbol()) + len(c.base()) + len(c.quote());
            case Command.QueryBook c -> strings = len(c.symbol());
            case Command.QueryBalances c -> strings = len(c.account());
            case Command.QueryOrders c -> strings = len(c.account());
            case Command.Malformed c -> strings = len(c.detail()) + len(c.account()) + len(c.clientOrderId());
        }
        // Type, up to 3 enums and a flag, up to 2 decimals (10 bytes each), 5 bytes of length per string (up to 4);
        // at least room for the MALFORMED record that replaces a command whose text cannot be journaled exactly.
        return Math.max(1 + 4 + 2 * 10 + 4 * 5 + strings * 3, 1 + 3 * 5 + 3 * UNJOURNALABLE.length());
    }

    private static int len(final String s) {
        return s == null ? 0 : s.length();
    }

    /** Decodes one command from the buffer's position; throws {@link IllegalArgumentException} if it is not one. */
    public static Command decode(final ByteBuffer in) {
        try {
            final byte type = in.get();
            if (type == FROM_SENDER) {
                final String sender = string(in);
                final long senderSeq = in.getLong();
                final int at = in.position();
                if (in.get() == NO_COMMAND) {
                    return new Command.FromSender(sender, senderSeq, null);
                }
                in.position(at);
                final Command command = decode(in);
                if (command instanceof Command.FromSender) { // never written: encode refuses it
                    throw new IllegalArgumentException("a sourced command inside a sourced command");
                }
                return new Command.FromSender(sender, senderSeq, command);
            }
            return switch (type) {
                case PLACE -> new Command.Place(string(in), string(in), string(in), enumValue(in, SIDES),
                        enumValue(in, ORDER_TYPES), enumValue(in, TIFS), decimal(in), decimal(in), in.get() == 1);
                case CANCEL -> new Command.Cancel(string(in), string(in));
                case MODIFY -> new Command.Modify(string(in), string(in), decimal(in), decimal(in));
                case MODIFY_REMAINING -> throw new IllegalArgumentException("a modify journaled when its quantity "
                        + "meant the new remaining quantity; this version reads it as the new total, which would "
                        + "change history. Recover with the version that wrote it and take a snapshot past it");
                case DEPOSIT -> new Command.Deposit(string(in), string(in), decimal(in));
                case WITHDRAW -> new Command.Withdraw(string(in), string(in), decimal(in));
                case DEPOSIT_WITH_ID -> new Command.Deposit(string(in), string(in), decimal(in), string(in));
                case WITHDRAW_WITH_ID -> new Command.Withdraw(string(in), string(in), decimal(in), string(in));
                case ASSET -> new Command.DefineAsset(string(in), in.getInt());
                case INSTRUMENT -> new Command.DefineInstrument(string(in), string(in), string(in), decimal(in),
                        decimal(in));
                case BOOK -> new Command.QueryBook(string(in));
                case BALANCES -> new Command.QueryBalances(string(in));
                case ORDERS -> new Command.QueryOrders(string(in));
                case MALFORMED -> new Command.Malformed(string(in), string(in), string(in));
                case TRANSFER -> new Command.Transfer(string(in), string(in), string(in), string(in), decimal(in));
                default -> throw new IllegalArgumentException("unknown command type " + type);
            };
        } catch (final BufferUnderflowException e) {
            throw new IllegalArgumentException("command record ends early", e);
        }
    }

    /** A string in the codec's form (length, UTF-8 bytes; {@code null} allowed). */
    static void encodeString(final ByteBuffer out, final String s) {
        string(out, s);
    }

    static String decodeString(final ByteBuffer in) {
        try {
            return string(in);
        } catch (final BufferUnderflowException e) {
            throw new IllegalArgumentException("record ends early", e);
        }
    }

    /** An upper bound on the encoded size of a string. */
    static int maxStringLength(final String s) {
        return 5 + (s == null ? 0 : s.length() * 3);
    }

    private static void string(final ByteBuffer out, final String s) {
        if (s == null) {
            out.put((byte) NULL_STRING);
            return;
        }
        final int length = Utf8.encodedLength(s);
        if (length < 0) {
            throw new IllegalArgumentException("text with a lone surrogate at character "
                    + (Utf8.firstLoneSurrogate(s) + 1) + " cannot be journaled exactly");
        }
        if (length < NULL_STRING) {
            out.put((byte) length);
        } else {
            out.put((byte) LONG_STRING);
            out.putInt(length);
        }
        Utf8.encode(s, out);
    }

    private static String string(final ByteBuffer in) {
        final int head = in.get() & 0xFF;
        if (head == NULL_STRING) {
            return null;
        }
        final int length = head == LONG_STRING ? in.getInt() : head;
        if (length < 0 || length > in.remaining()) {
            throw new IllegalArgumentException("string of length " + length + " runs past the record");
        }
        final int invalid = Utf8.firstInvalid(in.array(), in.arrayOffset() + in.position(), length);
        if (invalid >= 0) {
            throw new IllegalArgumentException("string is not valid UTF-8 at its byte " + invalid);
        }
        final String s = new String(in.array(), in.arrayOffset() + in.position(), length, StandardCharsets.UTF_8);
        in.position(in.position() + length);
        return s;
    }

    private static void decimal(final ByteBuffer out, final Decimal d) {
        if (d == null) {
            out.put(NO_DECIMAL);
        } else if (d.isOutOfRange()) {
            out.put(OUT_OF_RANGE);
        } else {
            out.put(DECIMAL);
            out.putLong(d.unscaled());
            out.put((byte) d.scale());
        }
    }

    private static Decimal decimal(final ByteBuffer in) {
        final byte flag = in.get();
        return switch (flag) {
            case NO_DECIMAL -> null;
            case OUT_OF_RANGE -> Decimal.OUT_OF_RANGE;
            case DECIMAL -> {
                final long unscaled = in.getLong();
                final int scale = in.get();
                if (scale < 0) {
                    throw new IllegalArgumentException("negative decimal scale");
                }
                yield Decimal.of(unscaled, scale);
            }
            default -> throw new IllegalArgumentException("bad decimal flag " + flag);
        };
    }

    private static void enumValue(final ByteBuffer out, final Enum<?> e) {
        out.put((byte) (e == null ? 0 : e.ordinal() + 1));
    }

    private static <E extends Enum<E>> E enumValue(final ByteBuffer in, final E[] values) {
        final int code = in.get();
        if (code == 0) {
            return null;
        }
        if (code < 0 || code > values.length) {
            throw new IllegalArgumentException("bad enum code " + code);
        }
        return values[code - 1];
    }
}
