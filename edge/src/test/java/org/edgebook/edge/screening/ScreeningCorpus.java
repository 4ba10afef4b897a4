package org.edgebook.edge.screening;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Seeded random screening inputs (docs/edge-functions.md section 5) aimed at the boundaries: amounts exactly at each
 * limit and one unit over, counts at and over, zero amounts, the largest amounts an asset can hold (up to
 * 9223372036854775807 units, 18 and 19 digits), scales from 0 to 18, unknown assets and symbols, names written with
 * escapes, trailing zeros, and now and then one spoiled field (too many decimals, out of range, wrong type, missing).
 * The same seed gives the same cases.
 */
final class ScreeningCorpus {
    private static final String[] ASSETS = {"USD", "BTC", "ETH", "JPY", "EUR", "XAU"};
    private static final int[] SCALES = {2, 8, 18, 0, 2, 4};
    private static final String[] SYMBOLS = {"BTC-USD", "ETH-USD", "ETH-BTC", "XAU-EUR", "BTC-JPY", "XRP-KRW"};
    private static final String[] QUOTES = {"USD", "USD", "BTC", "EUR", "JPY", "KRW"};

    private final SplittableRandom random;

    ScreeningCorpus(final long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** The generator's random source, for writing the cases' JSON in the same seeded stream. */
    SplittableRandom random() {
        return random;
    }

    List<ScreeningCase> cases(final int count) {
        final List<ScreeningCase> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(next());
        }
        return out;
    }

    ScreeningCase next() {
        final ScreeningCase c = new ScreeningCase();
        // the config: 1 to 4 assets with their scales and limits
        final Map<String, long[]> limits = new LinkedHashMap<>();
        final Map<String, Integer> scales = new LinkedHashMap<>();
        final int assetCount = random.nextInt(1, 5);
        for (int i = 0; i < assetCount; i++) {
            final int k = random.nextInt(ASSETS.length);
            final int scale = random.nextInt(12) == 0 ? random.nextInt(0, 19) : SCALES[k];
            scales.put(ASSETS[k], scale);
            final long maxAmount = amountLimit(scale);
            limits.put(ASSETS[k], new long[] {maxAmount, countLimit(), windowLimit(maxAmount), countLimit() * 10L,
                    windowLimit(maxAmount)});
        }
        for (final Map.Entry<String, long[]> e : limits.entrySet()) {
            final long[] l = e.getValue();
            final int scale = scales.get(e.getKey());
            final Map<String, String> m = new LinkedHashMap<>();
            m.put("decimals", Integer.toString(scale));
            m.put("maxAmount", decimal(l[0], scale));
            m.put("maxCountMinute", Long.toString(Math.min(l[1], 999_999_999)));
            m.put("maxAmountMinute", decimal(l[2], scale));
            m.put("maxCountHour", Long.toString(Math.min(l[3], 999_999_999)));
            m.put("maxAmountHour", decimal(l[4], scale));
            c.assets.put(e.getKey(), m);
        }
        for (int i = 0; i < SYMBOLS.length; i++) {
            if (random.nextInt(3) != 0) {
                c.symbols.put(SYMBOLS[i], "\"" + QUOTES[i] + "\"");
            }
        }
        c.holdScore = Integer.toString(pick(0, 1, 150, 300, 400, 500, 650, 1001, random.nextInt(0, 1002)));
        c.rejectScore = Integer.toString(pick(0, 500, 700, 800, 900, 1000, 1001, random.nextInt(0, 1002)));

        // the transaction's asset
        final boolean place = random.nextInt(10) < 3;
        final String asset;
        if (place) {
            int k = random.nextInt(SYMBOLS.length);
            for (int tries = 0; tries < 20 && !limits.containsKey(QUOTES[k]) && random.nextInt(8) != 0; tries++) {
                k = random.nextInt(SYMBOLS.length);
            }
            if (!c.symbols.containsKey(SYMBOLS[k]) && random.nextInt(4) != 0) {
                c.symbols.put(SYMBOLS[k], "\"" + QUOTES[k] + "\"");
            }
            asset = QUOTES[k];
            c.tx.put("type", "\"place\"");
            c.tx.put("account", "\"acct-" + random.nextInt(100) + "\"");
            c.tx.put("clientOrderId", "\"o-" + random.nextInt(1_000_000) + "\"");
            c.tx.put("symbol", "\"" + (random.nextInt(40) == 0 ? "NOPE-USD" : SYMBOLS[k]) + "\"");
            c.tx.put("side", random.nextBoolean() ? "\"BUY\"" : "\"SELL\"");
        } else {
            asset = random.nextInt(20) == 0 ? "XYZ" : randomKey(limits);
            c.tx.put("type", "\"transfer\"");
            c.tx.put("account", "\"acct-" + random.nextInt(100) + "\"");
            c.tx.put("transferId", "\"t-" + random.nextInt(1_000_000) + "\"");
            c.tx.put("asset", "\"" + (random.nextInt(60) == 0 && asset.equals("USD") ? "U\\u0053D" : asset) + "\"");
            c.tx.put("to", "\"acct-" + random.nextInt(100) + "\"");
        }
        final long[] l = limits.getOrDefault(asset, new long[] {1000, 10, 10000, 100, 100000});
        final int scale = scales.getOrDefault(asset, random.nextInt(0, 19));

        // the activity in that asset, and now and then in others
        long nm = random.nextInt(4) == 0 ? 0 : upTo(Math.min(l[1], 50) + 1);
        long tm = nm == 0 ? 0 : upTo(l[2] / 2);
        long nh = nm + (random.nextInt(3) == 0 ? 0 : upTo(Math.min(l[3], 500) + 1));
        long th = saturated(tm, nh == nm ? 0 : upTo(l[4] / 2));

        // the amount, aimed at a boundary
        long v;
        final int aim = random.nextInt(14);
        switch (aim) {
            case 0 -> {
                v = l[0];
                c.aim = "amount at maxAmount";
            }
            case 1 -> {
                v = l[0] == Long.MAX_VALUE ? l[0] : l[0] + 1;
                c.aim = "amount one unit over maxAmount";
            }
            case 2 -> {
                v = 0;
                c.aim = "zero amount";
            }
            case 3 -> {
                v = random.nextBoolean() ? Long.MAX_VALUE : 999_999_999_999_999_999L;
                c.aim = "largest amount";
            }
            case 4 -> {
                nm = Math.max(0, l[1] - 1 - random.nextInt(2));
                c.aim = "minute count at the limit or one under";
                v = upTo(l[0]);
            }
            case 5 -> {
                nm = l[1];
                c.aim = "minute count one over";
                v = upTo(l[0]);
            }
            case 6 -> {
                v = upTo(l[0]);
                tm = Math.max(0, l[2] - v + random.nextInt(2));
                c.aim = "minute amount at the limit or one over";
            }
            case 7 -> {
                v = upTo(l[0]);
                nh = Math.max(nm, l[3] - 1 + random.nextInt(2));
                th = Math.max(0, l[4] - v + random.nextInt(2));
                c.aim = "hour count and amount at the limit or one over";
            }
            case 8 -> {
                // the ratio to the hour's mean around the score's steps (1x, 2x, 21x)
                nh = Math.max(1, nh);
                final long mean = random.nextLong(1, 1_000_000);
                th = mean * nh;
                v = mean * pick(0, 1, 2, 21, 22) + random.nextInt(-1, 2);
                v = Math.max(0, v);
                c.aim = "amount at a step of the hour's mean";
            }
            case 9 -> {
                v = l[0] / 2 + random.nextInt(-1, 2);
                v = Math.max(0, v);
                c.aim = "amount at half of maxAmount";
            }
            default -> {
                v = upTo(l[0] / (random.nextBoolean() ? 1 : 20));
                c.aim = "random";
            }
        }
        if (nm > 0 || random.nextInt(5) == 0) {
            c.lastMinute.put(asset, new ScreeningCase.Entry(Long.toString(Math.min(nm, 999_999_999)),
                    decimal(tm, scale)));
        }
        if (nh > 0 || random.nextInt(5) == 0) {
            c.lastHour.put(asset, new ScreeningCase.Entry(Long.toString(Math.min(nh, 999_999_999)),
                    decimal(th, scale)));
        }
        if (random.nextInt(3) == 0) {
            final String other = ASSETS[random.nextInt(ASSETS.length)];
            if (!other.equals(asset) || random.nextBoolean()) {
                c.lastHour.put(other, new ScreeningCase.Entry("1", "\"1\""));
            }
        }

        if (place) {
            placeAmount(c, v, scale);
        } else {
            c.tx.put("amount", decimal(v, scale));
        }
        if (random.nextInt(20) == 0) {
            spoil(c, asset);
        }
        return c;
    }

    /** price × quantity = v units at {@code scale}, split across the two; now and then too fine or too large. */
    private void placeAmount(final ScreeningCase c, final long v, final int scale) {
        final int r = random.nextInt(30);
        if (r == 0) {
            // more decimals together than the quote asset has
            c.tx.put("price", "\"1." + "0".repeat(scale) + "1\"");
            c.tx.put("quantity", "\"1\"");
            c.aim = "notional too fine";
            return;
        }
        if (r == 1) {
            c.tx.put("price", "\"9223372036854775807\"");
            c.tx.put("quantity", "\"" + pick(1, 2, 10) + "\"");
            c.aim = "notional too large";
            return;
        }
        if (r == 2) {
            c.tx.put("price", "\"92233720368547758080\"");
            c.tx.put("quantity", "\"0\"");
            c.aim = "price out of range";
            return;
        }
        // v = q * p with quantity's share of the decimals
        final BigDecimal total = new BigDecimal(BigInteger.valueOf(v), scale);
        final int quantityScale = random.nextInt(0, scale + 1);
        final long quantityUnits = random.nextInt(3) == 0 ? 1 : pick(1, 2, 4, 5, 10, 25, 100);
        final BigDecimal quantity = new BigDecimal(BigInteger.valueOf(quantityUnits), quantityScale);
        BigDecimal price = total.divide(quantity, scale - quantityScale, java.math.RoundingMode.DOWN);
        if (price.signum() < 0) {
            price = BigDecimal.ZERO;
        }
        c.tx.put("price", "\"" + plain(price) + "\"");
        c.tx.put("quantity", "\"" + plain(quantity) + "\"");
    }

    /** Breaks one field of a valid case. */
    private void spoil(final ScreeningCase c, final String asset) {
        final Map<String, String> limits = c.assets.get(asset);
        switch (random.nextInt(12)) {
            case 0 -> {
                if (limits != null) {
                    limits.put("maxAmount", widen(limits.get("maxAmount"), Integer.parseInt(limits.get("decimals"))));
                }
            }
            case 1 -> {
                if (c.tx.containsKey("amount")) {
                    final int scale = limits != null ? Integer.parseInt(limits.get("decimals")) : 2;
                    c.tx.put("amount", widen(c.tx.get("amount"), scale));
                }
            }
            case 2 -> {
                if (c.tx.containsKey("amount")) {
                    c.tx.put("amount", "\"9223372036854775808\"");
                }
            }
            case 3 -> {
                if (limits != null) {
                    limits.put("maxCountHour", "1000000000");
                }
            }
            case 4 -> c.holdScore = "1002";
            case 5 -> {
                if (limits != null) {
                    limits.put("decimals", "19");
                }
            }
            case 6 -> {
                if (limits != null) {
                    limits.put("maxAmountMinute", "100");
                }
            }
            case 7 -> {
                final ScreeningCase.Entry e = c.lastHour.get(asset);
                if (e != null) {
                    c.lastHour.put(asset, new ScreeningCase.Entry(e.count(), "\"1.0000000000000000001\""));
                }
            }
            case 8 -> c.tx.remove(pickKey(c.tx));
            case 9 -> c.tx.put("type", "\"Transfer\"");
            case 10 -> {
                if (limits != null) {
                    limits.remove("maxCountMinute");
                }
            }
            default -> {
                final ScreeningCase.Entry e = c.lastMinute.get(asset);
                if (e != null) {
                    c.lastMinute.put(asset, new ScreeningCase.Entry("-1", e.amount()));
                }
            }
        }
        c.aim = "spoiled";
    }

    /** The same value with one more (non-zero) decimal than the scale allows. */
    private static String widen(final String token, final int scale) {
        final String text = token.substring(1, token.length() - 1);
        final int point = text.indexOf('.');
        final int have = point < 0 ? 0 : text.length() - point - 1;
        return "\"" + text + (point < 0 ? "." : "") + "0".repeat(Math.max(0, scale - have)) + "7\"";
    }

    private long amountLimit(final int scale) {
        return switch (random.nextInt(10)) {
            case 0 -> 0;
            case 1 -> Long.MAX_VALUE;
            case 2 -> random.nextLong(1, 100);
            default -> Math.min(Long.MAX_VALUE / 4, random.nextLong(1, 1_000_000) * pow10(Math.min(scale, 10)));
        };
    }

    private long windowLimit(final long maxAmount) {
        return switch (random.nextInt(6)) {
            case 0 -> 0;
            case 1 -> Long.MAX_VALUE;
            default -> {
                final long half = maxAmount / 2;
                final int times = random.nextInt(1, 40);
                yield saturated(maxAmount, half > Long.MAX_VALUE / times ? Long.MAX_VALUE : half * times);
            }
        };
    }

    private long countLimit() {
        return switch (random.nextInt(8)) {
            case 0 -> 0;
            case 1 -> 999_999_999;
            default -> random.nextInt(1, 40);
        };
    }

    /** {@code units} at {@code scale} as a decimal token, sometimes with trailing zeros. */
    private String decimal(final long units, final int scale) {
        String text = plain(new BigDecimal(BigInteger.valueOf(units), scale).stripTrailingZeros());
        if (random.nextInt(6) == 0) {
            final int extra = random.nextInt(1, 4);
            text = text.indexOf('.') < 0 ? text + "." + "0".repeat(extra) : text + "0".repeat(extra);
        }
        return "\"" + text + "\"";
    }

    private static String plain(final BigDecimal value) {
        return value.signum() == 0 ? "0" : value.toPlainString();
    }

    /** A random value from 0 to {@code max} inclusive (0 when max is below 0). */
    private long upTo(final long max) {
        if (max <= 0) {
            return 0;
        }
        return max == Long.MAX_VALUE ? random.nextLong() & Long.MAX_VALUE : random.nextLong(0, max + 1);
    }

    private static long pow10(final int n) {
        long p = 1;
        for (int i = 0; i < n; i++) {
            p *= 10;
        }
        return p;
    }

    private static long saturated(final long a, final long b) {
        final long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    private int pick(final int... options) {
        return options[random.nextInt(options.length)];
    }

    private <V> String randomKey(final Map<String, V> map) {
        final List<String> keys = new ArrayList<>(map.keySet());
        return keys.get(random.nextInt(keys.size()));
    }

    private String pickKey(final Map<String, String> map) {
        return randomKey(map);
    }
}
