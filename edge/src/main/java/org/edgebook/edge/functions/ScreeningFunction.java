package org.edgebook.edge.functions;

import java.nio.charset.StandardCharsets;
import org.edgebook.edge.EdgeFunction;
import org.edgebook.edge.EdgeRequest;
import org.edgebook.edge.EdgeResponse;
import org.edgebook.edge.json.JsonSyntaxException;
import org.edgebook.edge.json.JsonTape;

/**
 * Transaction screening, docs/edge-functions.md section 5, native form: amount and velocity limits plus an anomaly
 * score, in exact integer arithmetic (every amount a {@code long} of its asset's units, the products that could pass
 * 63 bits taken as 128-bit), so that the C guest {@code guests/src/screening.c} gives the same answer to the byte.
 * {@code ScreeningReference} in the tests is the naive form, written from the spec with {@code BigDecimal}.
 * <p>
 * Stateless: the account's activity and the config come with each request. The tape is per thread.
 */
public final class ScreeningFunction implements EdgeFunction {
    static final int MAX_COUNT = 999_999_999;
    static final int MAX_SCORE_THRESHOLD = 1001;
    static final int MAX_DECIMALS = 18;

    private static final int DEC_OK = 0;
    private static final int DEC_SYNTAX = 1;
    private static final int DEC_DECIMALS = 2;
    private static final int DEC_RANGE = 3;

    private static final byte[] TX = TransformFunction.ascii("tx");
    private static final byte[] ACTIVITY = TransformFunction.ascii("activity");
    private static final byte[] CONFIG = TransformFunction.ascii("config");
    private static final byte[] LAST_MINUTE = TransformFunction.ascii("lastMinute");
    private static final byte[] LAST_HOUR = TransformFunction.ascii("lastHour");
    private static final byte[] HOLD_SCORE = TransformFunction.ascii("holdScore");
    private static final byte[] REJECT_SCORE = TransformFunction.ascii("rejectScore");
    private static final byte[] ASSETS = TransformFunction.ascii("assets");
    private static final byte[] SYMBOLS = TransformFunction.ascii("symbols");
    private static final byte[] COUNT = TransformFunction.ascii("count");
    private static final byte[] AMOUNT = TransformFunction.ascii("amount");
    private static final byte[] DECIMALS = TransformFunction.ascii("decimals");

    private static final byte[] TRANSFER_TOKEN = TransformFunction.ascii("\"transfer\"");
    private static final byte[] PLACE_TOKEN = TransformFunction.ascii("\"place\"");
    private static final byte[] BUY_TOKEN = TransformFunction.ascii("\"BUY\"");
    private static final byte[] SELL_TOKEN = TransformFunction.ascii("\"SELL\"");

    /** tx fields checked for a non-empty string, per type, in order. */
    private static final String[] TRANSFER_NAMES = {"transferId", "asset", "to"};
    private static final String[] PLACE_NAMES = {"clientOrderId", "symbol"};
    private static final byte[][] TRANSFER_NAME_KEYS = keys(TRANSFER_NAMES);
    private static final byte[][] PLACE_NAME_KEYS = keys(PLACE_NAMES);
    private static final byte[] TYPE = TransformFunction.ascii("type");
    private static final byte[] ACCOUNT = TransformFunction.ascii("account");
    private static final byte[] ASSET = TransformFunction.ascii("asset");
    private static final byte[] SYMBOL = TransformFunction.ascii("symbol");
    private static final byte[] SIDE = TransformFunction.ascii("side");
    private static final byte[] PRICE = TransformFunction.ascii("price");
    private static final byte[] QUANTITY = TransformFunction.ascii("quantity");

    private static final String[] LIMIT_NAMES = {"maxAmount", "maxCountMinute", "maxAmountMinute", "maxCountHour",
            "maxAmountHour"};
    private static final byte[][] LIMIT_KEYS = keys(LIMIT_NAMES);
    private static final boolean[] LIMIT_IS_COUNT = {false, true, false, true, false};

    private static final ThreadLocal<JsonTape> TAPE = ThreadLocal.withInitial(JsonTape::new);

    @Override
    public String name() {
        return "screening";
    }

    @Override
    public EdgeResponse handle(final EdgeRequest request) {
        final JsonTape tape = TAPE.get();
        try {
            tape.parse(request.body(), request.bodyLength());
            return new EdgeResponse(200, EdgeResponse.JSON, screen(tape));
        } catch (JsonSyntaxException e) {
            return EdgeResponse.error(400, "invalid_json", e.getMessage());
        } catch (Refused e) {
            return new EdgeResponse(400, EdgeResponse.JSON, e.body);
        }
    }

    /** A field error whose path may hold a name from the body, copied as written (its bytes, not decoded). */
    private static final class Refused extends Exception {
        final byte[] body;

        Refused(final byte[] body) {
            super(null, null, false, false);
            this.body = body;
        }

        static Refused of(final String path, final String problem) {
            return of(path, null, 0, 0, "", problem);
        }

        static Refused of(final String before, final byte[] source, final int from, final int to, final String after,
                          final String problem) {
            final ByteOutput o = new ByteOutput(128 + to - from);
            o.writeAscii("{\"error\":\"invalid_request\",\"message\":\"");
            o.writeAscii(before);
            if (source != null) {
                o.write(source, from, to - from);
            }
            o.writeAscii(after);
            o.writeAscii(": ");
            o.writeAscii(problem);
            o.writeAscii("\"}");
            return new Refused(o.toByteArray());
        }
    }

    private static byte[] screen(final JsonTape t) throws Refused {
        final byte[] b = t.body();
        if (t.type(0) != JsonTape.OBJECT) {
            throw Refused.of("body", "expected an object");
        }
        // 2-5: the transaction
        final int tx = t.member(0, TX);
        if (tx < 0) {
            throw Refused.of("tx", "missing");
        }
        if (t.type(tx) != JsonTape.OBJECT) {
            throw Refused.of("tx", "expected an object");
        }
        final int type = t.member(tx, TYPE);
        if (type < 0) {
            throw Refused.of("tx.type", "missing");
        }
        final boolean place;
        if (tokenIs(t, type, TRANSFER_TOKEN)) {
            place = false;
        } else if (tokenIs(t, type, PLACE_TOKEN)) {
            place = true;
        } else {
            throw Refused.of("tx.type", "expected transfer or place");
        }
        nonEmptyString(t, t.member(tx, ACCOUNT), "tx.account");
        final String[] names = place ? PLACE_NAMES : TRANSFER_NAMES;
        final byte[][] nameKeys = place ? PLACE_NAME_KEYS : TRANSFER_NAME_KEYS;
        for (int k = 0; k < names.length; k++) {
            nonEmptyString(t, t.member(tx, nameKeys[k]), "tx." + names[k]);
        }
        final int price;
        final int quantity;
        final int amount;
        if (place) {
            final int side = t.member(tx, SIDE);
            if (side < 0) {
                throw Refused.of("tx.side", "missing");
            }
            if (!tokenIs(t, side, BUY_TOKEN) && !tokenIs(t, side, SELL_TOKEN)) {
                throw Refused.of("tx.side", "expected BUY or SELL");
            }
            price = decimalToken(t, t.member(tx, PRICE), "tx.price");
            quantity = decimalToken(t, t.member(tx, QUANTITY), "tx.quantity");
            amount = -1;
        } else {
            amount = decimalToken(t, t.member(tx, AMOUNT), "tx.amount");
            price = -1;
            quantity = -1;
        }

        // 6: the activity
        final int activity = object(t, t.member(0, ACTIVITY), "activity");
        final int lastMinute = object(t, t.member(activity, LAST_MINUTE), "activity.lastMinute");
        final int lastHour = object(t, t.member(activity, LAST_HOUR), "activity.lastHour");

        // 7: the config
        final int config = object(t, t.member(0, CONFIG), "config");
        final long holdScore = count(t, t.member(config, HOLD_SCORE), MAX_SCORE_THRESHOLD, "config.holdScore");
        final long rejectScore = count(t, t.member(config, REJECT_SCORE), MAX_SCORE_THRESHOLD, "config.rejectScore");
        final int assets = object(t, t.member(config, ASSETS), "config.assets");
        final int symbols = place ? object(t, t.member(config, SYMBOLS), "config.symbols") : -1;

        // 8: the asset, as its name's span in the body
        final int nameFrom;
        final int nameTo;
        if (place) {
            final int symbol = t.member(tx, SYMBOL);
            final int quote = t.member(symbols, b, t.start(symbol) + 1, t.end(symbol) - 1);
            if (quote < 0) {
                return answer("hold", "UNKNOWN_SYMBOL", -1);
            }
            if (t.type(quote) != JsonTape.STRING || t.isEmptyString(quote)) {
                throw Refused.of("config.symbols.", b, t.start(symbol) + 1, t.end(symbol) - 1, "",
                        "expected a non-empty string");
            }
            nameFrom = t.start(quote) + 1;
            nameTo = t.end(quote) - 1;
        } else {
            final int asset = t.member(tx, ASSET);
            nameFrom = t.start(asset) + 1;
            nameTo = t.end(asset) - 1;
        }
        final int limits = t.member(assets, b, nameFrom, nameTo);
        if (limits < 0) {
            return answer("hold", "UNKNOWN_ASSET", -1);
        }

        // 9: the asset's limits
        if (t.type(limits) != JsonTape.OBJECT) {
            throw Refused.of("config.assets.", b, nameFrom, nameTo, "", "expected an object");
        }
        final int decimalsNode = t.member(limits, DECIMALS);
        if (decimalsNode < 0) {
            throw Refused.of("config.assets.", b, nameFrom, nameTo, ".decimals", "missing");
        }
        final long decimals64 = readCount(t, decimalsNode, MAX_DECIMALS);
        if (decimals64 < 0) {
            throw Refused.of("config.assets.", b, nameFrom, nameTo, ".decimals", "expected an integer from 0 to 18");
        }
        final int decimals = (int) decimals64;
        final long[] limit = new long[LIMIT_NAMES.length];
        for (int k = 0; k < LIMIT_NAMES.length; k++) {
            final String after = "." + LIMIT_NAMES[k];
            final int node = t.member(limits, LIMIT_KEYS[k]);
            if (node < 0) {
                throw Refused.of("config.assets.", b, nameFrom, nameTo, after, "missing");
            }
            if (LIMIT_IS_COUNT[k]) {
                limit[k] = readCount(t, node, MAX_COUNT);
                if (limit[k] < 0) {
                    throw Refused.of("config.assets.", b, nameFrom, nameTo, after,
                            "expected an integer from 0 to 999999999");
                }
            } else {
                limit[k] = units(t, node, decimals, "config.assets.", b, nameFrom, nameTo, after);
            }
        }
        final long maxAmount = limit[0];
        final long maxCountMinute = limit[1];
        final long maxAmountMinute = limit[2];
        final long maxCountHour = limit[3];
        final long maxAmountHour = limit[4];

        // 10: the amount
        final long v;
        if (!place) {
            v = units(t, amount, decimals, "tx.amount", null, 0, 0, "");
        } else {
            final long mp = mantissa(b, t.start(price), t.end(price));
            if (mp < 0) {
                throw Refused.of("tx.price", "out of range");
            }
            final long mq = mantissa(b, t.start(quantity), t.end(quantity));
            if (mq < 0) {
                throw Refused.of("tx.quantity", "out of range");
            }
            final long fraction = (long) fractionDigits(b, t.start(price), t.end(price))
                    + fractionDigits(b, t.start(quantity), t.end(quantity));
            if (fraction > decimals) {
                throw Refused.of("tx", "price * quantity has more than " + decimals + " decimals");
            }
            long notional = mp * mq;
            if (Math.multiplyHigh(mp, mq) != 0 || notional < 0) {
                throw Refused.of("tx", "price * quantity out of range");
            }
            for (long k = fraction; k < decimals; k++) {
                if (notional > Long.MAX_VALUE / 10) {
                    throw Refused.of("tx", "price * quantity out of range");
                }
                notional *= 10;
            }
            v = notional;
        }

        // 11: the activity in this asset
        final long nm;
        final long tm;
        final int minute = t.member(lastMinute, b, nameFrom, nameTo);
        if (minute >= 0) {
            nm = entryCount(t, minute, "activity.lastMinute.", nameFrom, nameTo);
            tm = units(t, entryAmount(t, minute, "activity.lastMinute.", nameFrom, nameTo), decimals,
                    "activity.lastMinute.", b, nameFrom, nameTo, ".amount");
        } else {
            nm = 0;
            tm = 0;
        }
        final long nh;
        final long th;
        final int hour = t.member(lastHour, b, nameFrom, nameTo);
        if (hour >= 0) {
            nh = entryCount(t, hour, "activity.lastHour.", nameFrom, nameTo);
            th = units(t, entryAmount(t, hour, "activity.lastHour.", nameFrom, nameTo), decimals,
                    "activity.lastHour.", b, nameFrom, nameTo, ".amount");
        } else {
            nh = 0;
            th = 0;
        }

        final long score = sizeAgainstMean(v, nh, th) + minuteCountPressure(nm, maxCountMinute)
                + (nh == 0 && activeInAnotherAsset(t, lastHour, nameFrom, nameTo) ? 150 : 0)
                + nearAmountLimit(v, maxAmount);

        // 5.4: the decision
        if (v > maxAmount) {
            return answer("reject", "AMOUNT_LIMIT", score);
        }
        if (score >= rejectScore) {
            return answer("reject", "ANOMALY_SCORE", score);
        }
        if (nm + 1 > maxCountMinute) {
            return answer("hold", "VELOCITY_COUNT_MINUTE", score);
        }
        if (over(tm, v, maxAmountMinute)) {
            return answer("hold", "VELOCITY_AMOUNT_MINUTE", score);
        }
        if (nh + 1 > maxCountHour) {
            return answer("hold", "VELOCITY_COUNT_HOUR", score);
        }
        if (over(th, v, maxAmountHour)) {
            return answer("hold", "VELOCITY_AMOUNT_HOUR", score);
        }
        if (score >= holdScore) {
            return answer("hold", "ANOMALY_SCORE", score);
        }
        return answer("accept", null, score);
    }

    /** A: the amount against the hour's mean, 0 to 500. */
    static long sizeAgainstMean(final long v, final long nh, final long th) {
        if (nh == 0) {
            return 0;
        }
        if (th == 0) {
            return v > 0 ? 500 : 0;
        }
        final long ratio = ratioCapped(v, 100 * nh, th, 2100);
        return ratio <= 100 ? 0 : Math.min(500, (ratio - 100) / 4);
    }

    /** B: the minute's count (this transaction included) against its limit, 0 to 200. */
    static long minuteCountPressure(final long nm, final long limit) {
        final long c = nm + 1;
        if (limit == 0) {
            return 200;
        }
        if (2 * c <= limit) {
            return 0;
        }
        return Math.min(200, 400 * c / limit - 200);
    }

    /** D: the amount against the per-transaction limit, 0 to 150. */
    static long nearAmountLimit(final long v, final long maxAmount) {
        if (maxAmount == 0) {
            return v > 0 ? 150 : 0;
        }
        final long share = ratioCapped(v, 1000, maxAmount, 1000);
        return share <= 500 ? 0 : (share - 500) * 3 / 10;
    }

    /**
     * {@code min(cap, v * k / t)} for {@code v, k >= 0}, {@code t, cap > 0}, exactly: the product is taken as 128
     * bits ({@link Math#multiplyHigh}), compared with {@code cap * t}, and the quotient, below {@code cap}, found by
     * bisection.
     */
    static long ratioCapped(final long v, final long k, final long t, final long cap) {
        final long numHigh = Math.multiplyHigh(v, k);
        final long numLow = v * k;
        if (compare128(numHigh, numLow, Math.multiplyHigh(cap, t), cap * t) >= 0) {
            return cap;
        }
        long lo = 0;
        long hi = cap - 1;
        while (lo < hi) {
            final long mid = (lo + hi + 1) >>> 1;
            if (compare128(Math.multiplyHigh(mid, t), mid * t, numHigh, numLow) <= 0) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** Compares two non-negative 128-bit values given as high and low halves. */
    private static int compare128(final long aHigh, final long aLow, final long bHigh, final long bLow) {
        return aHigh != bHigh ? Long.compare(aHigh, bHigh) : Long.compareUnsigned(aLow, bLow);
    }

    /** t + v > limit, for non-negative values, without overflow. */
    private static boolean over(final long t, final long v, final long limit) {
        return v > limit || t > limit - v;
    }

    /** C: lastHour has a member whose key, as written, is not the asset's name. */
    private static boolean activeInAnotherAsset(final JsonTape t, final int lastHour, final int nameFrom,
                                                final int nameTo) {
        final byte[] b = t.body();
        for (int k = lastHour + 1, end = t.next(lastHour); k < end; k = t.next(k + 1)) {
            if (!java.util.Arrays.equals(b, t.start(k) + 1, t.end(k) - 1, b, nameFrom, nameTo)) {
                return true;
            }
        }
        return false;
    }

    private static long entryCount(final JsonTape t, final int entry, final String before, final int nameFrom,
                                   final int nameTo) throws Refused {
        final byte[] b = t.body();
        if (t.type(entry) != JsonTape.OBJECT) {
            throw Refused.of(before, b, nameFrom, nameTo, "", "expected an object");
        }
        final int count = t.member(entry, COUNT);
        if (count < 0) {
            throw Refused.of(before, b, nameFrom, nameTo, ".count", "missing");
        }
        final long n = readCount(t, count, MAX_COUNT);
        if (n < 0) {
            throw Refused.of(before, b, nameFrom, nameTo, ".count", "expected an integer from 0 to 999999999");
        }
        return n;
    }

    private static int entryAmount(final JsonTape t, final int entry, final String before, final int nameFrom,
                                   final int nameTo) throws Refused {
        final int amount = t.member(entry, AMOUNT);
        if (amount < 0) {
            throw Refused.of(before, t.body(), nameFrom, nameTo, ".amount", "missing");
        }
        return amount;
    }

    private static byte[] answer(final String decision, final String reason, final long score) {
        final ByteOutput o = new ByteOutput(80);
        o.writeAscii("{\"decision\":\"");
        o.writeAscii(decision);
        o.write('"');
        if (reason != null) {
            o.writeAscii(",\"reason\":\"");
            o.writeAscii(reason);
            o.write('"');
        }
        if (score >= 0) {
            o.writeAscii(",\"score\":");
            o.writeLong(score);
        }
        o.write('}');
        return o.toByteArray();
    }

    private static boolean tokenIs(final JsonTape t, final int node, final byte[] token) {
        return java.util.Arrays.equals(t.body(), t.start(node), t.end(node), token, 0, token.length);
    }

    private static void nonEmptyString(final JsonTape t, final int node, final String path) throws Refused {
        if (node < 0) {
            throw Refused.of(path, "missing");
        }
        if (t.type(node) != JsonTape.STRING || t.isEmptyString(node)) {
            throw Refused.of(path, "expected a non-empty string");
        }
    }

    private static int object(final JsonTape t, final int node, final String path) throws Refused {
        if (node < 0) {
            throw Refused.of(path, "missing");
        }
        if (t.type(node) != JsonTape.OBJECT) {
            throw Refused.of(path, "expected an object");
        }
        return node;
    }

    private static int decimalToken(final JsonTape t, final int node, final String path) throws Refused {
        if (node < 0) {
            throw Refused.of(path, "missing");
        }
        if (!decimalSyntax(t.body(), t.start(node), t.end(node))) {
            throw Refused.of(path, "expected a decimal string");
        }
        return node;
    }

    private static long count(final JsonTape t, final int node, final long max, final String path) throws Refused {
        if (node < 0) {
            throw Refused.of(path, "missing");
        }
        final long n = readCount(t, node, max);
        if (n < 0) {
            throw Refused.of(path, "expected an integer from 0 to " + max);
        }
        return n;
    }

    /** A JSON integer, digits only, from 0 to {@code max}; -1 when it is not one. */
    private static long readCount(final JsonTape t, final int node, final long max) {
        final byte[] b = t.body();
        final int start = t.start(node);
        final int end = t.end(node);
        if (t.type(node) != JsonTape.NUMBER || b[start] < '0' || b[start] > '9' || end - start > 10) {
            return -1;
        }
        long n = 0;
        for (int i = start; i < end; i++) {
            if (b[i] < '0' || b[i] > '9') {
                return -1;
            }
            n = n * 10 + (b[i] - '0');
        }
        return n <= max ? n : -1;
    }

    /** A decimal node read at {@code decimals}, or the refusal naming {@code before NAME after}. */
    private static long units(final JsonTape t, final int node, final int decimals, final String before,
                              final byte[] source, final int from, final int to, final String after) throws Refused {
        final long[] out = new long[1];
        final int rc = readUnits(t.body(), t.start(node), t.end(node), decimals, out);
        return switch (rc) {
            case DEC_OK -> out[0];
            case DEC_SYNTAX -> throw Refused.of(before, source, from, to, after, "expected a decimal string");
            case DEC_DECIMALS -> throw Refused.of(before, source, from, to, after, "more than " + decimals
                    + " decimals");
            default -> throw Refused.of(before, source, from, to, after, "out of range");
        };
    }

    /** A JSON string token {@code [start, end)} holding {@code (0|[1-9][0-9]*)(\.[0-9]+)?} and nothing else. */
    static boolean decimalSyntax(final byte[] b, final int start, final int end) {
        if (b[start] != '"') {
            return false;
        }
        int i = start + 1;
        final int e = end - 1;
        if (i >= e) {
            return false;
        }
        if (b[i] == '0') {
            i++;
        } else if (b[i] >= '1' && b[i] <= '9') {
            while (i < e && isDigit(b[i])) {
                i++;
            }
        } else {
            return false;
        }
        if (i == e) {
            return true;
        }
        if (b[i] != '.') {
            return false;
        }
        i++;
        if (i == e) {
            return false;
        }
        while (i < e && isDigit(b[i])) {
            i++;
        }
        return i == e;
    }

    private static boolean isDigit(final byte c) {
        return c >= '0' && c <= '9';
    }

    /** Index of the point inside the token, or of the closing quote when there is none. */
    private static int point(final byte[] b, final int start, final int end) {
        for (int i = start + 1; i < end - 1; i++) {
            if (b[i] == '.') {
                return i;
            }
        }
        return end - 1;
    }

    /** End of the significant digits: trailing fractional zeros (and a point left bare) dropped. */
    private static int significantEnd(final byte[] b, final int start, final int end) {
        final int point = point(b, start, end);
        int e = end - 1;
        if (point < e) {
            while (e > point + 1 && b[e - 1] == '0') {
                e--;
            }
            if (e == point + 1) {
                e = point;
            }
        }
        return e;
    }

    /** Fraction digits of a decimal token once trailing zeros are dropped. */
    private static int fractionDigits(final byte[] b, final int start, final int end) {
        final int point = point(b, start, end);
        final int e = significantEnd(b, start, end);
        return e > point ? e - point - 1 : 0;
    }

    /** The integer of a decimal token's significant digits (the point skipped); -1 when over Long.MAX_VALUE. */
    private static long mantissa(final byte[] b, final int start, final int end) {
        final int point = point(b, start, end);
        final int e = significantEnd(b, start, end);
        long v = 0;
        for (int i = start + 1; i < e; i++) {
            if (i == point) {
                continue;
            }
            final int digit = b[i] - '0';
            if (v > (Long.MAX_VALUE - digit) / 10) {
                return -1;
            }
            v = v * 10 + digit;
        }
        return v;
    }

    /** A decimal token {@code [start, end)} in units of 10^-decimals into {@code out[0]}; a DEC_ code. */
    private static int readUnits(final byte[] b, final int start, final int end, final int decimals,
                                 final long[] out) {
        if (!decimalSyntax(b, start, end)) {
            return DEC_SYNTAX;
        }
        final int fraction = fractionDigits(b, start, end);
        if (fraction > decimals) {
            return DEC_DECIMALS;
        }
        long m = mantissa(b, start, end);
        if (m < 0) {
            return DEC_RANGE;
        }
        for (int k = fraction; k < decimals; k++) {
            if (m > Long.MAX_VALUE / 10) {
                return DEC_RANGE;
            }
            m *= 10;
        }
        out[0] = m;
        return DEC_OK;
    }

    /**
     * A decimal string read exactly at {@code decimals} as section 5.1 says, for the node's own use (recording an
     * accepted transaction); -1 when it is not a decimal, has more decimals or is out of range.
     */
    public static long units(final String decimal, final int decimals) {
        final byte[] token = ("\"" + decimal + "\"").getBytes(StandardCharsets.UTF_8);
        final long[] out = new long[1];
        return readUnits(token, 0, token.length, decimals, out) == DEC_OK ? out[0] : -1;
    }

    /** The notional {@code price × quantity} in units of 10^-decimals, as section 5.2 step 10; -1 when unreadable. */
    public static long notionalUnits(final String price, final String quantity, final int decimals) {
        final byte[] p = ("\"" + price + "\"").getBytes(StandardCharsets.UTF_8);
        final byte[] q = ("\"" + quantity + "\"").getBytes(StandardCharsets.UTF_8);
        if (!decimalSyntax(p, 0, p.length) || !decimalSyntax(q, 0, q.length)) {
            return -1;
        }
        final long mp = mantissa(p, 0, p.length);
        final long mq = mantissa(q, 0, q.length);
        final int fraction = fractionDigits(p, 0, p.length) + fractionDigits(q, 0, q.length);
        if (mp < 0 || mq < 0 || fraction > decimals || Math.multiplyHigh(mp, mq) != 0 || mp * mq < 0) {
            return -1;
        }
        long notional = mp * mq;
        for (int k = fraction; k < decimals; k++) {
            if (notional > Long.MAX_VALUE / 10) {
                return -1;
            }
            notional *= 10;
        }
        return notional;
    }

    private static byte[][] keys(final String[] names) {
        final byte[][] out = new byte[names.length][];
        for (int i = 0; i < names.length; i++) {
            out[i] = TransformFunction.ascii(names[i]);
        }
        return out;
    }
}
