package org.edgebook.engine;

/**
 * An exact decimal number as it appears on the wire: {@code unscaled × 10^-scale}.
 * <p>
 * Values are normalised (no trailing fractional zeros), so {@code "100.50"} and {@code "100.5"} are equal.
 * The plain syntax is: an optional leading {@code -}, one or more digits, and optionally a {@code .} followed by one or
 * more digits. Exponents, {@code +}, spaces and a bare {@code .5} are not decimals.
 * A syntactically valid number whose digits do not fit in a {@code long} parses to {@link #OUT_OF_RANGE}, which the
 * engine rejects with the field's {@code INVALID_} reason rather than wrapping.
 * <p>
 * Immutable and thread-safe.
 */
public final class Decimal {
    /** Returned by {@link #toUnits(int)} when the value is not exactly representable at that scale, or overflows. */
    public static final long NOT_REPRESENTABLE = Long.MIN_VALUE;

    /** A syntactically valid number too large (or too precise) for 63 bits of unscaled digits. */
    public static final Decimal OUT_OF_RANGE = new Decimal(0, 0, true);

    public static final Decimal ZERO = new Decimal(0, 0, false);

    private static final long[] POWERS_OF_TEN = new long[19];

    static {
        long p = 1;
        for (int i = 0; i < POWERS_OF_TEN.length; i++) {
            POWERS_OF_TEN[i] = p;
            p *= 10;
        }
    }

    private final long unscaled;
    private final int scale;
    private final boolean outOfRange;

    private Decimal(final long unscaled, final int scale, final boolean outOfRange) {
        this.unscaled = unscaled;
        this.scale = scale;
        this.outOfRange = outOfRange;
    }

    /**
     * The value {@code unscaled × 10^-scale}, normalised.
     *
     * @param unscaled digits.
     * @param scale    number of fractional digits, 0 or more.
     */
    public static Decimal of(final long unscaled, final int scale) {
        if (scale < 0) {
            throw new IllegalArgumentException("scale must be >= 0: " + scale);
        }
        long u = unscaled;
        int s = scale;
        while (s > 0 && u % 10 == 0) {
            u /= 10;
            s--;
        }
        if (u == 0) {
            return ZERO;
        }
        return new Decimal(u, s, false);
    }

    /** Parses plain decimal syntax. Throws {@link NumberFormatException} on anything else. */
    public static Decimal parse(final CharSequence text) {
        final Decimal d = tryParse(text, 0, text == null ? 0 : text.length());
        if (d == null) {
            throw new NumberFormatException("not a plain decimal: " + text);
        }
        return d;
    }

    /**
     * Parses plain decimal syntax from {@code text[start, end)}.
     *
     * @return the value, {@link #OUT_OF_RANGE} if it is valid syntax but does not fit, or {@code null} if malformed.
     */
    public static Decimal tryParse(final CharSequence text, final int start, final int end) {
        if (text == null || start >= end) {
            return null;
        }
        final char[] chars = new char[end - start];
        for (int i = start; i < end; i++) {
            chars[i - start] = text.charAt(i);
        }
        return tryParse(chars, 0, chars.length);
    }

    /** As {@link #tryParse(CharSequence, int, int)}, over {@code chars[offset, offset + length)} without copying. */
    public static Decimal tryParse(final char[] chars, final int offset, final int length) {
        final int start = offset;
        final int end = offset + length;
        if (chars == null || start >= end) {
            return null;
        }
        int i = start;
        boolean negative = false;
        if (chars[i] == '-') {
            negative = true;
            i++;
        }
        long unscaled = 0;
        int scale = 0;
        int intDigits = 0;
        boolean overflow = false;
        for (; i < end; i++) {
            final char c = chars[i];
            if (c < '0' || c > '9') {
                break;
            }
            intDigits++;
            if (!overflow) {
                unscaled = appendDigit(unscaled, c - '0');
                overflow = unscaled < 0;
            }
        }
        if (intDigits == 0) {
            return null;
        }
        if (i < end) {
            if (chars[i] != '.') {
                return null;
            }
            i++;
            int fracDigits = 0;
            // Trailing zeros of the fraction do not change the value: only count digits up to the last non-zero.
            long pendingZeros = 0;
            for (; i < end; i++) {
                final char c = chars[i];
                if (c < '0' || c > '9') {
                    return null;
                }
                fracDigits++;
                if (c == '0') {
                    pendingZeros++;
                    continue;
                }
                while (pendingZeros > 0 && !overflow) {
                    unscaled = appendDigit(unscaled, 0);
                    overflow = unscaled < 0;
                    scale++;
                    pendingZeros--;
                }
                if (!overflow) {
                    unscaled = appendDigit(unscaled, c - '0');
                    overflow = unscaled < 0;
                    scale++;
                }
            }
            if (fracDigits == 0) {
                return null;
            }
        }
        if (overflow) {
            return OUT_OF_RANGE;
        }
        return of(negative ? -unscaled : unscaled, scale);
    }

    /** {@code value * 10 + digit}, or -1 on overflow. */
    private static long appendDigit(final long value, final int digit) {
        if (value > (Long.MAX_VALUE - digit) / 10) {
            return -1;
        }
        return value * 10 + digit;
    }

    /** 10^n for n in 0..18. */
    public static long powerOfTen(final int n) {
        return POWERS_OF_TEN[n];
    }

    public long unscaled() {
        return unscaled;
    }

    /** Number of fractional digits after normalisation: the value's decimal places. */
    public int scale() {
        return scale;
    }

    public boolean isOutOfRange() {
        return outOfRange;
    }

    public int signum() {
        return Long.signum(unscaled);
    }

    /**
     * The value as a count of {@code 10^-targetScale} units, or {@link #NOT_REPRESENTABLE} when it has more decimal
     * places than {@code targetScale}, does not fit in a {@code long}, or is {@link #OUT_OF_RANGE}.
     */
    public long toUnits(final int targetScale) {
        if (outOfRange || scale > targetScale) {
            return NOT_REPRESENTABLE;
        }
        final int shift = targetScale - scale;
        if (shift >= POWERS_OF_TEN.length) {
            return unscaled == 0 ? 0 : NOT_REPRESENTABLE;
        }
        final long factor = POWERS_OF_TEN[shift];
        if (Math.abs(unscaled) > Long.MAX_VALUE / factor) {
            return NOT_REPRESENTABLE;
        }
        return unscaled * factor;
    }

    /** Writes the plain, normalised form of {@code units × 10^-scale} into {@code out}; returns the length. */
    public static int format(final long units, final int scale, final char[] out) {
        // Long.MIN_VALUE never reaches here: the engine's values are bounded by Long.MAX_VALUE in magnitude.
        long u = units;
        int s = scale;
        while (s > 0 && u % 10 == 0) {
            u /= 10;
            s--;
        }
        final boolean negative = u < 0;
        long abs = negative ? -u : u;
        // Write digits from the end of a scratch area at the tail of out.
        final int capacity = out.length;
        int pos = capacity;
        int written = 0;
        do {
            if (written == s && s > 0) {
                out[--pos] = '.';
            }
            out[--pos] = (char) ('0' + (abs % 10));
            abs /= 10;
            written++;
        } while (abs != 0 || written <= s);
        if (negative) {
            out[--pos] = '-';
        }
        final int len = capacity - pos;
        System.arraycopy(out, pos, out, 0, len);
        return len;
    }

    /** The plain, normalised text of {@code units × 10^-scale}. */
    public static String toString(final long units, final int scale) {
        final char[] buf = new char[48];
        final int len = format(units, scale, buf);
        return new String(buf, 0, len);
    }

    @Override
    public String toString() {
        return outOfRange ? "OUT_OF_RANGE" : toString(unscaled, scale);
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof Decimal d && d.unscaled == unscaled && d.scale == scale && d.outOfRange == outOfRange;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(unscaled) * 31 + scale + (outOfRange ? 1 : 0);
    }
}
