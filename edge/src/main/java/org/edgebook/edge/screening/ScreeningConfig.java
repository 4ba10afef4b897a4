package org.edgebook.edge.screening;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.edgebook.edge.functions.ScreeningFunction;

/**
 * A screening function's config (docs/edge-functions.md 5.1): score thresholds, each asset's scale and limits in its
 * units, and the quote asset of each instrument. Checked when made, every mistake named with its field and limit; the
 * node sends {@link #json()} to the function with every call. Immutable.
 */
public record ScreeningConfig(int holdScore, int rejectScore, Map<String, AssetLimits> assets,
                              Map<String, String> symbols) {
    public static final int MAX_SCORE_THRESHOLD = 1001;

    /** One asset's limits, amounts in units of 10^-decimals. */
    public record AssetLimits(int decimals, long maxAmount, int maxCountMinute, long maxAmountMinute, int maxCountHour,
                              long maxAmountHour) {
        public AssetLimits {
            if (decimals < 0 || decimals > 18) {
                throw new IllegalArgumentException("decimals must be 0 to 18, not " + decimals);
            }
            if (maxAmount < 0 || maxAmountMinute < 0 || maxAmountHour < 0) {
                throw new IllegalArgumentException("maxAmount, maxAmountMinute and maxAmountHour must be at least 0");
            }
            if (maxCountMinute < 0 || maxCountMinute > ActivityTracker.MAX_COUNT || maxCountHour < 0
                    || maxCountHour > ActivityTracker.MAX_COUNT) {
                throw new IllegalArgumentException("maxCountMinute and maxCountHour must be 0 to 999999999");
            }
        }
    }

    public ScreeningConfig {
        if (holdScore < 0 || holdScore > MAX_SCORE_THRESHOLD) {
            throw new IllegalArgumentException("holdScore must be 0 to 1001, not " + holdScore);
        }
        if (rejectScore < 0 || rejectScore > MAX_SCORE_THRESHOLD) {
            throw new IllegalArgumentException("rejectScore must be 0 to 1001, not " + rejectScore);
        }
        assets = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(assets));
        symbols = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(symbols));
        for (final Map.Entry<String, String> s : symbols.entrySet()) {
            if (s.getValue() == null || s.getValue().isEmpty()) {
                throw new IllegalArgumentException("symbols." + s.getKey() + " must name an asset");
            }
        }
    }

    /**
     * Reads the config as section 5.1 writes it ({@code {"holdScore":…,"rejectScore":…,"assets":{…},"symbols":{…}}},
     * {@code symbols} optional).
     *
     * @throws IllegalArgumentException naming the field and its limit
     */
    public static ScreeningConfig read(final String json) {
        final JsonNode root;
        try {
            root = JsonMapper.builder().build().readTree(json);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("screening config: not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("screening config: expected an object");
        }
        final int hold = intField(root, "holdScore", "holdScore", MAX_SCORE_THRESHOLD);
        final int reject = intField(root, "rejectScore", "rejectScore", MAX_SCORE_THRESHOLD);
        final JsonNode assetsNode = root.get("assets");
        if (assetsNode == null || !assetsNode.isObject()) {
            throw new IllegalArgumentException("screening config: assets: expected an object of asset limits");
        }
        final Map<String, AssetLimits> assets = new LinkedHashMap<>();
        for (final Iterator<Map.Entry<String, JsonNode>> it = assetsNode.fields(); it.hasNext();) {
            final Map.Entry<String, JsonNode> e = it.next();
            final String path = "assets." + e.getKey();
            final JsonNode a = e.getValue();
            if (!a.isObject()) {
                throw new IllegalArgumentException("screening config: " + path + ": expected an object");
            }
            final int decimals = intField(a, "decimals", path + ".decimals", 18);
            assets.put(e.getKey(), new AssetLimits(decimals,
                    unitsField(a, "maxAmount", path, decimals),
                    intField(a, "maxCountMinute", path + ".maxCountMinute", ActivityTracker.MAX_COUNT),
                    unitsField(a, "maxAmountMinute", path, decimals),
                    intField(a, "maxCountHour", path + ".maxCountHour", ActivityTracker.MAX_COUNT),
                    unitsField(a, "maxAmountHour", path, decimals)));
        }
        final Map<String, String> symbols = new LinkedHashMap<>();
        final JsonNode symbolsNode = root.get("symbols");
        if (symbolsNode != null) {
            if (!symbolsNode.isObject()) {
                throw new IllegalArgumentException("screening config: symbols: expected an object of symbol to "
                        + "quote asset");
            }
            for (final Iterator<Map.Entry<String, JsonNode>> it = symbolsNode.fields(); it.hasNext();) {
                final Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isTextual() || e.getValue().asText().isEmpty()) {
                    throw new IllegalArgumentException("screening config: symbols." + e.getKey()
                            + ": expected the quote asset's name");
                }
                symbols.put(e.getKey(), e.getValue().asText());
            }
        }
        return new ScreeningConfig(hold, reject, assets, symbols);
    }

    private static int intField(final JsonNode object, final String field, final String path, final int max) {
        final JsonNode n = object.get(field);
        if (n == null) {
            throw new IllegalArgumentException("screening config: " + path + ": missing");
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < 0 || n.asLong() > max) {
            throw new IllegalArgumentException("screening config: " + path + ": expected an integer from 0 to "
                    + max);
        }
        return (int) n.asLong();
    }

    private static long unitsField(final JsonNode object, final String field, final String assetPath,
                                   final int decimals) {
        final String path = assetPath + "." + field;
        final JsonNode n = object.get(field);
        if (n == null) {
            throw new IllegalArgumentException("screening config: " + path + ": missing");
        }
        final long units = n.isTextual() ? ScreeningFunction.units(n.asText(), decimals) : -1;
        if (units < 0) {
            throw new IllegalArgumentException("screening config: " + path + ": expected a decimal string with at "
                    + "most " + decimals + " decimals and at most " + decimal(Long.MAX_VALUE, decimals));
        }
        return units;
    }

    /** {@code units} of 10^-decimals in the shortest exact decimal form: {@code 4050, 2 -> "40.5"}. */
    public static String decimal(final long units, final int decimals) {
        final StringBuilder b = new StringBuilder(24);
        appendDecimal(b, units, decimals);
        return b.toString();
    }

    static void appendDecimal(final StringBuilder b, final long units, final int decimals) {
        final String digits = Long.toString(units);
        if (decimals == 0) {
            b.append(digits);
            return;
        }
        final String padded = digits.length() <= decimals ? "0".repeat(decimals - digits.length() + 1) + digits
                : digits;
        final int point = padded.length() - decimals;
        int end = padded.length();
        while (end > point && padded.charAt(end - 1) == '0') {
            end--;
        }
        b.append(padded, 0, point);
        if (end > point) {
            b.append('.').append(padded, point, end);
        }
    }

    /** The config as the function reads it: one JSON object, names escaped as JSON strings, amounts as decimals. */
    public byte[] json() {
        final StringBuilder b = new StringBuilder(256);
        b.append("{\"holdScore\":").append(holdScore).append(",\"rejectScore\":").append(rejectScore)
                .append(",\"assets\":{");
        boolean first = true;
        for (final Map.Entry<String, AssetLimits> e : assets.entrySet()) {
            final AssetLimits a = e.getValue();
            b.append(first ? "" : ",");
            first = false;
            quote(b, e.getKey());
            b.append(":{\"decimals\":").append(a.decimals()).append(",\"maxAmount\":\"");
            appendDecimal(b, a.maxAmount(), a.decimals());
            b.append("\",\"maxCountMinute\":").append(a.maxCountMinute()).append(",\"maxAmountMinute\":\"");
            appendDecimal(b, a.maxAmountMinute(), a.decimals());
            b.append("\",\"maxCountHour\":").append(a.maxCountHour()).append(",\"maxAmountHour\":\"");
            appendDecimal(b, a.maxAmountHour(), a.decimals());
            b.append("\"}");
        }
        b.append("},\"symbols\":{");
        first = true;
        for (final Map.Entry<String, String> e : symbols.entrySet()) {
            b.append(first ? "" : ",");
            first = false;
            quote(b, e.getKey());
            b.append(':');
            quote(b, e.getValue());
        }
        return b.append("}}").toString().getBytes(StandardCharsets.UTF_8);
    }

    static void quote(final StringBuilder b, final String text) {
        b.append('"');
        JsonStringEncoder.getInstance().quoteAsString(text, b);
        b.append('"');
    }
}
