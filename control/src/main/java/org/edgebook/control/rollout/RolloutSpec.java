package org.edgebook.control.rollout;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * What an operator asked for in {@code POST /v1/rollouts} (docs/control-plane.md section 7), checked, with the
 * defaults filled in. Ratios are parts per million. Immutable.
 *
 * @param waves       cumulative percentages of the group, rising, the last 100
 * @param shadowNodes how many nodes run the shadow stage; 0 skips it
 */
public record RolloutSpec(String group, String path, String toVersion, List<Integer> waves, long soakMillis,
                          long maxErrorRateIncreasePpm, long maxP99RatioPpm, int maxFailedLoads, int maxDown,
                          int shadowNodes, long shadowMillis, long maxMismatchRatePpm) {
    public static final List<Integer> DEFAULT_WAVES = List.of(1, 10, 50, 100);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> FIELDS = Set.of("group", "path", "to", "waves", "soakSeconds", "gates", "shadow");
    private static final Set<String> GATE_FIELDS = Set.of("maxErrorRateIncrease", "maxP99Ratio", "maxFailedLoads",
            "maxDown");
    private static final Set<String> SHADOW_FIELDS = Set.of("nodes", "seconds", "maxMismatchRate");

    /**
     * Reads a request body.
     *
     * @throws IllegalArgumentException naming the field and its limit
     */
    public static RolloutSpec parse(final byte[] body) {
        final JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (final IOException e) {
            throw new IllegalArgumentException("the body is not JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("the body is a JSON object");
        }
        unknown(root, FIELDS, "");
        final String group = text(root, "group", "[A-Za-z0-9._-]{1,128}");
        final String path = text(root, "path", "/[A-Za-z0-9._~/-]{0,255}");
        final String to = text(root, "to", "[0-9A-Za-z.+-]{1,64}");
        final List<Integer> waves = new ArrayList<>();
        final JsonNode w = root.get("waves");
        if (w == null) {
            waves.addAll(DEFAULT_WAVES);
        } else {
            if (!w.isArray() || w.isEmpty() || w.size() > 20) {
                throw new IllegalArgumentException("waves: an array of 1 to 20 percentages");
            }
            int previous = 0;
            for (final JsonNode pct : w) {
                if (!pct.isInt() || pct.intValue() <= previous || pct.intValue() > 100) {
                    throw new IllegalArgumentException("waves: rising whole percentages from 1 to 100, got " + w);
                }
                previous = pct.intValue();
                waves.add(previous);
            }
            if (previous != 100) {
                throw new IllegalArgumentException("waves: the last wave is 100, got " + previous);
            }
        }
        final long soak = seconds(root, "soakSeconds", 60, 0, 86_400);
        final JsonNode gates = root.get("gates");
        long errorIncrease = Ratio.parse("gates.maxErrorRateIncrease", "0.01");
        long p99Ratio = Ratio.parse("gates.maxP99Ratio", "1.5");
        int failedLoads = 0;
        int down = 0;
        if (gates != null) {
            if (!gates.isObject()) {
                throw new IllegalArgumentException("gates: an object");
            }
            unknown(gates, GATE_FIELDS, "gates.");
            if (gates.has("maxErrorRateIncrease")) {
                errorIncrease = Ratio.parse("gates.maxErrorRateIncrease", textOf(gates, "maxErrorRateIncrease",
                        "gates."));
                if (errorIncrease > Ratio.ONE) {
                    throw new IllegalArgumentException("gates.maxErrorRateIncrease: at most 1");
                }
            }
            if (gates.has("maxP99Ratio")) {
                p99Ratio = Ratio.parse("gates.maxP99Ratio", textOf(gates, "maxP99Ratio", "gates."));
                if (p99Ratio < Ratio.ONE) {
                    throw new IllegalArgumentException("gates.maxP99Ratio: at least 1");
                }
            }
            failedLoads = (int) whole(gates, "maxFailedLoads", "gates.", 0, 0, 1_000_000);
            down = (int) whole(gates, "maxDown", "gates.", 0, 0, 1_000_000);
        }
        int shadowNodes = 3;
        long shadowMillis = 60_000;
        long mismatch = 0;
        if (root.has("shadow")) {
            final JsonNode shadow = root.get("shadow");
            if (shadow.isNull()) {
                shadowNodes = 0;
            } else if (!shadow.isObject()) {
                throw new IllegalArgumentException("shadow: an object, or null to skip the shadow stage");
            } else {
                unknown(shadow, SHADOW_FIELDS, "shadow.");
                shadowNodes = (int) whole(shadow, "nodes", "shadow.", 3, 1, 1000);
                shadowMillis = whole(shadow, "seconds", "shadow.", 60, 0, 86_400) * 1000;
                if (shadow.has("maxMismatchRate")) {
                    mismatch = Ratio.parse("shadow.maxMismatchRate", textOf(shadow, "maxMismatchRate", "shadow."));
                    if (mismatch > Ratio.ONE) {
                        throw new IllegalArgumentException("shadow.maxMismatchRate: at most 1");
                    }
                }
            }
        }
        return new RolloutSpec(group, path, to, List.copyOf(waves), soak * 1000, errorIncrease, p99Ratio,
                failedLoads, down, shadowNodes, shadowMillis, mismatch);
    }

    /** The spec as the canonical request it stands for (kept in the store, shown by {@code GET}). */
    public String json() {
        final StringWriter out = new StringWriter();
        try (JsonGenerator g = org.edgebook.control.ControlJson.JSON.createGenerator(out)) {
            write(g);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** Writes the spec as an object. */
    public void write(final JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("group", group);
        g.writeStringField("path", path);
        g.writeStringField("to", toVersion);
        g.writeArrayFieldStart("waves");
        for (final int w : waves) {
            g.writeNumber(w);
        }
        g.writeEndArray();
        g.writeNumberField("soakSeconds", soakMillis / 1000);
        g.writeObjectFieldStart("gates");
        g.writeStringField("maxErrorRateIncrease", Ratio.format(maxErrorRateIncreasePpm));
        g.writeStringField("maxP99Ratio", Ratio.format(maxP99RatioPpm));
        g.writeNumberField("maxFailedLoads", maxFailedLoads);
        g.writeNumberField("maxDown", maxDown);
        g.writeEndObject();
        if (shadowNodes == 0) {
            g.writeNullField("shadow");
        } else {
            g.writeObjectFieldStart("shadow");
            g.writeNumberField("nodes", shadowNodes);
            g.writeNumberField("seconds", shadowMillis / 1000);
            g.writeStringField("maxMismatchRate", Ratio.format(maxMismatchRatePpm));
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    private static void unknown(final JsonNode object, final Set<String> known, final String prefix) {
        for (final Iterator<String> it = object.fieldNames(); it.hasNext();) {
            final String name = it.next();
            if (!known.contains(name)) {
                throw new IllegalArgumentException(prefix + name + ": not a field here (known: " + known.stream()
                        .sorted().toList() + ")");
            }
        }
    }

    private static String text(final JsonNode root, final String field, final String pattern) {
        final JsonNode v = root.get(field);
        if (v == null || !v.isTextual() || !v.textValue().matches(pattern)) {
            throw new IllegalArgumentException(field + ": a string matching " + pattern + (v == null ? ", missing"
                    : ", got " + v));
        }
        return v.textValue();
    }

    private static String textOf(final JsonNode object, final String field, final String prefix) {
        final JsonNode v = object.get(field);
        if (!v.isTextual()) {
            throw new IllegalArgumentException(prefix + field + ": a decimal string such as \"0.01\", got " + v);
        }
        return v.textValue();
    }

    private static long seconds(final JsonNode root, final String field, final long dflt, final long min,
                                final long max) {
        return whole(root, field, "", dflt, min, max);
    }

    private static long whole(final JsonNode object, final String field, final String prefix, final long dflt,
                              final long min, final long max) {
        final JsonNode v = object.get(field);
        if (v == null) {
            return dflt;
        }
        if (!v.canConvertToLong() || !v.isIntegralNumber() || v.longValue() < min || v.longValue() > max) {
            throw new IllegalArgumentException(prefix + field + ": a whole number from " + min + " to " + max
                    + ", got " + v);
        }
        return v.longValue();
    }
}
