package org.edgebook.control.rollout;

import java.math.BigDecimal;

/**
 * A ratio on the wire is a decimal string ({@code "0.01"}, {@code "1.5"}); inside it is parts per million, a long.
 * Stateless.
 */
public final class Ratio {
    public static final long ONE = 1_000_000L;
    private static final long MAX = 1_000_000L * ONE;

    private Ratio() {
    }

    /**
     * Parses {@code text} into parts per million.
     *
     * @throws IllegalArgumentException naming {@code field} when it is not a decimal from 0 to 1,000,000 with at most
     *                                  six places
     */
    public static long parse(final String field, final String text) {
        final BigDecimal d;
        try {
            d = new BigDecimal(text);
        } catch (final NumberFormatException | NullPointerException e) {
            throw new IllegalArgumentException(field + ": not a decimal string such as \"0.01\": " + text);
        }
        if (d.signum() < 0 || d.scale() > 6 || d.compareTo(BigDecimal.valueOf(MAX / ONE)) > 0) {
            throw new IllegalArgumentException(field + ": " + text + " is outside 0 to " + MAX / ONE
                    + " with at most 6 decimal places");
        }
        return d.movePointRight(6).longValueExact();
    }

    /** The decimal string of {@code ppm}, without trailing zeros ({@code 10000} is {@code "0.01"}). */
    public static String format(final long ppm) {
        return BigDecimal.valueOf(ppm, 6).stripTrailingZeros().toPlainString();
    }

    /** {@code part / whole} in parts per million, rounded down; 0 when {@code whole} is 0. */
    public static long of(final long part, final long whole) {
        if (whole == 0) {
            return 0;
        }
        if (part <= Long.MAX_VALUE / ONE) {
            return part * ONE / whole;
        }
        return BigDecimal.valueOf(part).movePointRight(6).divideToIntegralValue(BigDecimal.valueOf(whole))
                .longValue();
    }
}
