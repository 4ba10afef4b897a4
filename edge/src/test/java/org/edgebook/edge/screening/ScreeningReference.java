package org.edgebook.edge.screening;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The naive reference for docs/edge-functions.md section 5, written from the text and nothing else: tokens checked
 * with regular expressions, decimals read with {@link BigDecimal}, the score in {@link BigInteger}, no shortcuts. It
 * answers a {@link ScreeningCase} (the model the generator writes to JSON), so it never parses JSON itself; the
 * syntax rules of section 2 are the forms' shared scanner's and are compared between the forms only.
 */
final class ScreeningReference {
    private static final Pattern DECIMAL = Pattern.compile("\"(0|[1-9][0-9]*)(\\.[0-9]+)?\"");
    private static final Pattern DIGITS = Pattern.compile("[0-9]+");
    private static final BigInteger MAX_LONG = BigInteger.valueOf(Long.MAX_VALUE);
    private static final String[] LIMITS = {"maxAmount", "maxCountMinute", "maxAmountMinute", "maxCountHour",
            "maxAmountHour"};

    /** Status and body. */
    record Answer(int status, String body) {
    }

    private static final class Refusal extends Exception {
        Refusal(final String path, final String problem) {
            super("{\"error\":\"invalid_request\",\"message\":\"" + path + ": " + problem + "\"}", null, false,
                    false);
        }
    }

    private ScreeningReference() {
    }

    static Answer answer(final ScreeningCase c) {
        try {
            return new Answer(200, decide(c));
        } catch (Refusal r) {
            return new Answer(400, r.getMessage());
        }
    }

    private static String decide(final ScreeningCase c) throws Refusal {
        // 2-5
        final Map<String, String> tx = c.tx;
        final String type = required(tx, "type", "tx.type");
        final boolean place;
        if (type.equals("\"transfer\"")) {
            place = false;
        } else if (type.equals("\"place\"")) {
            place = true;
        } else {
            throw new Refusal("tx.type", "expected transfer or place");
        }
        nonEmpty(tx, "account");
        if (place) {
            nonEmpty(tx, "clientOrderId");
            nonEmpty(tx, "symbol");
            final String side = required(tx, "side", "tx.side");
            if (!side.equals("\"BUY\"") && !side.equals("\"SELL\"")) {
                throw new Refusal("tx.side", "expected BUY or SELL");
            }
            decimalString(tx, "price");
            decimalString(tx, "quantity");
        } else {
            nonEmpty(tx, "transferId");
            nonEmpty(tx, "asset");
            nonEmpty(tx, "to");
            decimalString(tx, "amount");
        }
        // 6
        if (c.lastMinute == null) {
            throw new Refusal("activity.lastMinute", "missing");
        }
        if (c.lastHour == null) {
            throw new Refusal("activity.lastHour", "missing");
        }
        // 7
        final long hold = count(c.holdScore, "config.holdScore", 1001);
        final long reject = count(c.rejectScore, "config.rejectScore", 1001);
        if (c.assets == null) {
            throw new Refusal("config.assets", "missing");
        }
        if (place && c.symbols == null) {
            throw new Refusal("config.symbols", "missing");
        }
        // 8
        final String asset;
        if (place) {
            final String symbol = unquote(tx.get("symbol"));
            final String quote = c.symbols.get(symbol);
            if (quote == null) {
                return "{\"decision\":\"hold\",\"reason\":\"UNKNOWN_SYMBOL\"}";
            }
            if (!quote.startsWith("\"") || quote.length() <= 2) {
                throw new Refusal("config.symbols." + symbol, "expected a non-empty string");
            }
            asset = unquote(quote);
        } else {
            asset = unquote(tx.get("asset"));
        }
        final Map<String, String> limits = c.assets.get(asset);
        if (limits == null) {
            return "{\"decision\":\"hold\",\"reason\":\"UNKNOWN_ASSET\"}";
        }
        // 9
        final String base = "config.assets." + asset;
        final int decimals = (int) count(limits.get("decimals"), base + ".decimals", 18);
        final BigInteger[] limit = new BigInteger[LIMITS.length];
        for (int k = 0; k < LIMITS.length; k++) {
            final String path = base + "." + LIMITS[k];
            limit[k] = LIMITS[k].startsWith("maxCount")
                    ? BigInteger.valueOf(count(limits.get(LIMITS[k]), path, 999_999_999))
                    : units(limits.get(LIMITS[k]), path, decimals);
        }
        // 10
        final BigInteger v;
        if (place) {
            final BigDecimal price = new BigDecimal(unquote(tx.get("price")));
            final BigDecimal quantity = new BigDecimal(unquote(tx.get("quantity")));
            if (significand(price).compareTo(MAX_LONG) > 0) {
                throw new Refusal("tx.price", "out of range");
            }
            if (significand(quantity).compareTo(MAX_LONG) > 0) {
                throw new Refusal("tx.quantity", "out of range");
            }
            if (fractionDigits(price) + fractionDigits(quantity) > decimals) {
                throw new Refusal("tx", "price * quantity has more than " + decimals + " decimals");
            }
            v = price.multiply(quantity).movePointRight(decimals).toBigIntegerExact();
            if (v.compareTo(MAX_LONG) > 0) {
                throw new Refusal("tx", "price * quantity out of range");
            }
        } else {
            v = units(tx.get("amount"), "tx.amount", decimals);
        }
        // 11
        final BigInteger[] minute = entry(c.lastMinute.get(asset), "activity.lastMinute." + asset, decimals);
        final BigInteger[] hour = entry(c.lastHour.get(asset), "activity.lastHour." + asset, decimals);
        final BigInteger nm = minute[0];
        final BigInteger tm = minute[1];
        final BigInteger nh = hour[0];
        final BigInteger th = hour[1];

        // 5.3
        final BigInteger maxAmount = limit[0];
        final BigInteger maxCountMinute = limit[1];
        long a = 0;
        if (nh.signum() > 0) {
            if (th.signum() == 0) {
                a = v.signum() > 0 ? 500 : 0;
            } else {
                final long r = BigInteger.valueOf(100).multiply(v).multiply(nh).divide(th)
                        .min(BigInteger.valueOf(2100)).longValueExact();
                a = r <= 100 ? 0 : Math.min(500, (r - 100) / 4);
            }
        }
        final long cm = nm.longValueExact() + 1;
        final long lm = maxCountMinute.longValueExact();
        final long b = lm == 0 ? 200 : 2 * cm <= lm ? 0 : Math.min(200, 400 * cm / lm - 200);
        long newAsset = 0;
        if (nh.signum() == 0) {
            for (final String other : c.lastHour.keySet()) {
                if (!other.equals(asset)) {
                    newAsset = 150;
                }
            }
        }
        final long d;
        if (maxAmount.signum() == 0) {
            d = v.signum() > 0 ? 150 : 0;
        } else {
            final long p = BigInteger.valueOf(1000).multiply(v).divide(maxAmount).min(BigInteger.valueOf(1000))
                    .longValueExact();
            d = p <= 500 ? 0 : (p - 500) * 3 / 10;
        }
        final long score = a + b + newAsset + d;

        // 5.4
        if (v.compareTo(maxAmount) > 0) {
            return decision("reject", "AMOUNT_LIMIT", score);
        }
        if (score >= reject) {
            return decision("reject", "ANOMALY_SCORE", score);
        }
        if (nm.add(BigInteger.ONE).compareTo(limit[1]) > 0) {
            return decision("hold", "VELOCITY_COUNT_MINUTE", score);
        }
        if (tm.add(v).compareTo(limit[2]) > 0) {
            return decision("hold", "VELOCITY_AMOUNT_MINUTE", score);
        }
        if (nh.add(BigInteger.ONE).compareTo(limit[3]) > 0) {
            return decision("hold", "VELOCITY_COUNT_HOUR", score);
        }
        if (th.add(v).compareTo(limit[4]) > 0) {
            return decision("hold", "VELOCITY_AMOUNT_HOUR", score);
        }
        if (score >= hold) {
            return decision("hold", "ANOMALY_SCORE", score);
        }
        return "{\"decision\":\"accept\",\"score\":" + score + "}";
    }

    private static String decision(final String kind, final String reason, final long score) {
        return "{\"decision\":\"" + kind + "\",\"reason\":\"" + reason + "\",\"score\":" + score + "}";
    }

    private static BigInteger[] entry(final ScreeningCase.Entry e, final String path, final int decimals)
            throws Refusal {
        if (e == null) {
            return new BigInteger[] {BigInteger.ZERO, BigInteger.ZERO};
        }
        return new BigInteger[] {BigInteger.valueOf(count(e.count(), path + ".count", 999_999_999)),
                units(e.amount(), path + ".amount", decimals)};
    }

    private static String required(final Map<String, String> members, final String name, final String path)
            throws Refusal {
        final String token = members.get(name);
        if (token == null) {
            throw new Refusal(path, "missing");
        }
        return token;
    }

    private static void nonEmpty(final Map<String, String> tx, final String name) throws Refusal {
        final String token = required(tx, name, "tx." + name);
        if (!token.startsWith("\"") || token.length() <= 2) {
            throw new Refusal("tx." + name, "expected a non-empty string");
        }
    }

    private static void decimalString(final Map<String, String> tx, final String name) throws Refusal {
        if (!DECIMAL.matcher(required(tx, name, "tx." + name)).matches()) {
            throw new Refusal("tx." + name, "expected a decimal string");
        }
    }

    private static long count(final String token, final String path, final long max) throws Refusal {
        if (token == null) {
            throw new Refusal(path, "missing");
        }
        if (!DIGITS.matcher(token).matches() || new BigInteger(token).compareTo(BigInteger.valueOf(max)) > 0) {
            throw new Refusal(path, "expected an integer from 0 to " + max);
        }
        return Long.parseLong(token);
    }

    /** A decimal token read exactly at {@code decimals}: syntax, then decimals, then range. */
    private static BigInteger units(final String token, final String path, final int decimals) throws Refusal {
        if (token == null) {
            throw new Refusal(path, "missing");
        }
        if (!DECIMAL.matcher(token).matches()) {
            throw new Refusal(path, "expected a decimal string");
        }
        final BigDecimal value = new BigDecimal(unquote(token));
        if (fractionDigits(value) > decimals) {
            throw new Refusal(path, "more than " + decimals + " decimals");
        }
        final BigInteger units = value.movePointRight(decimals).toBigIntegerExact();
        if (units.compareTo(MAX_LONG) > 0) {
            throw new Refusal(path, "out of range");
        }
        return units;
    }

    /** Fraction digits without trailing zeros. */
    private static int fractionDigits(final BigDecimal value) {
        return Math.max(0, value.stripTrailingZeros().scale());
    }

    /** The integer of the significant digits: the value times 10^fractionDigits. */
    private static BigInteger significand(final BigDecimal value) {
        return value.movePointRight(fractionDigits(value)).toBigIntegerExact();
    }

    private static String unquote(final String token) {
        return token.substring(1, token.length() - 1);
    }
}
