package org.edgebook.edge;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded random request bodies for the transformer and the telemetry scorer: valid ones (odd timestamps, leap days,
 * offsets, fractions, payloads with escapes and non-ASCII) and broken ones (truncations, flipped bytes, missing and
 * mistyped fields, empty event types, deep nesting). The same seed gives the same corpus.
 */
public final class Corpus {
    private final SplittableRandom random;

    public Corpus(final long seed) {
        this.random = new SplittableRandom(seed);
    }

    public List<byte[]> transformRequests(final int count) {
        final List<byte[]> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(mutateSometimes(transformRequest(random.nextInt(0, 12))));
        }
        return out;
    }

    public List<byte[]> telemetryRequests(final int count) {
        final List<byte[]> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(mutateSometimes(telemetryRequest()));
        }
        return out;
    }

    /** A transform request with {@code events} events, valid unless a field is deliberately spoiled. */
    public String transformRequest(final int events) {
        final StringBuilder b = new StringBuilder();
        b.append('{');
        final List<String> fields = new ArrayList<>();
        if (!rare()) {
            fields.add("\"user_id\":" + (rare() ? pick("null", "true", "[]", "{}") : random.nextBoolean()
                    ? string("u-") : Long.toString(random.nextLong(0, 1L << 40))));
        }
        if (!rare()) {
            final StringBuilder ev = new StringBuilder("[");
            for (int i = 0; i < events; i++) {
                if (i > 0) {
                    ev.append(',').append(space());
                }
                ev.append(rare() ? pick("1", "\"x\"", "null", "[]") : event());
            }
            fields.add("\"events\":" + (rare() ? pick("{}", "\"events\"", "7") : ev.append(']').toString()));
        }
        if (!rare()) {
            final StringBuilder md = new StringBuilder("{");
            if (!rare()) {
                md.append("\"trace_id\":").append(rare() ? "42" : string("t-"));
            }
            if (random.nextBoolean()) {
                md.append(md.length() > 1 ? "," : "").append("\"source\":").append(rare() ? "[]" : string("s"));
            }
            fields.add("\"metadata\":" + (rare() ? "\"none\"" : md.append('}').toString()));
        }
        if (random.nextInt(10) == 0) {
            fields.add(random.nextInt(fields.size() + 1), "\"extra\":" + value(3));
        }
        if (random.nextInt(30) == 0 && !fields.isEmpty()) {
            fields.add(fields.get(random.nextInt(fields.size())));
        }
        b.append(String.join("," + space(), fields)).append('}');
        return space() + b + space();
    }

    private String event() {
        final List<String> fields = new ArrayList<>();
        if (!rare()) {
            fields.add("\"event_type\":" + (random.nextInt(25) == 0 ? "\"\"" : rare() ? "5" : string("e")));
        }
        if (!rare()) {
            fields.add("\"timestamp\":" + timestamp());
        }
        if (!rare()) {
            fields.add("\"payload\":" + value(4));
        }
        shuffle(fields);
        return "{" + String.join(",", fields) + "}";
    }

    private String telemetryRequest() {
        final int shape = random.nextInt(10);
        if (shape == 0) {
            return event(pick("edge-a", "edge-b"));
        }
        final int count = random.nextInt(0, 40);
        final String[] nodes = random.nextBoolean() ? new String[] {"edge-a"} : new String[] {"edge-a", "edge-b", "x"};
        final StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append(rare() ? pick("1", "null", "\"e\"") : event(nodes[random.nextInt(nodes.length)]));
        }
        return b.append(']').toString();
    }

    private String event(final String node) {
        final List<String> fields = new ArrayList<>();
        if (!rare()) {
            fields.add("\"node_id\":" + (rare() ? pick("\"\"", "3", "null") : "\"" + node + "\""));
        }
        if (!rare()) {
            fields.add("\"transaction_count\":" + (rare() ? pick("-1", "1.5", "1e3", "1234567890123", "\"9\"")
                    : Integer.toString(random.nextInt(0, random.nextBoolean() ? 3 : 100_000))));
        }
        if (!rare()) {
            fields.add("\"latency_ms\":" + (rare() ? pick("-3", "1e2", "1234567890", "\"5\"", "0.5E1")
                    : decimal(random.nextInt(0, random.nextInt(10) == 0 ? 5000 : 300), random.nextInt(0, 8))));
        }
        if (!rare()) {
            fields.add("\"error_rate\":" + (rare() ? pick("1.5", "2", "-0.1", "1.0001", "1e-3", "true")
                    : random.nextInt(20) == 0 ? pick("1", "1.0", "1.000000", "0")
                    : decimal(0, random.nextInt(0, 10))));
        }
        if (!rare()) {
            fields.add("\"timestamp\":" + timestamp());
        }
        shuffle(fields);
        return "{" + String.join("," + space(), fields) + "}";
    }

    private String decimal(final int integer, final int decimals) {
        final StringBuilder b = new StringBuilder(Integer.toString(integer));
        if (decimals > 0) {
            b.append('.');
            for (int i = 0; i < decimals; i++) {
                b.append((char) ('0' + random.nextInt(10)));
            }
        }
        return b.toString();
    }

    private String timestamp() {
        if (random.nextInt(150) == 0) {
            return pick("1.5", "1e3", "null", "\"\"", "\"2026-11-22\"", "-0", "253402300800000",
                    "-62135596800001", "9999999999999999999", "\"2026-02-29T00:00:00Z\"", "\"2024-02-29T24:00:00Z\"",
                    "\"2026-11-22T10:00:00z\"", "\"2026-11-22t10:00:00Z\"", "\"2026-11-22T10:00:00.Z\"",
                    "\"2026-11-22T10:00:00.1234567890Z\"", "\"2026-11-22T10:00:00+24:00\"", "\"0000-01-01T00:00:00Z\"",
                    "\"2026-11-22T10:00:00\\u005a\"", "\"2026-11-22T10:00:60Z\"", "\"2026-11-22 10:00:00Z\"");
        }
        return switch (random.nextInt(12)) {
            case 1, 2, 3 -> Long.toString(random.nextLong(-62_135_596_800_000L, 253_402_300_800_000L));
            case 4 -> pick("0", "-62135596800000", "253402300799999", "1795338000250");
            default -> {
                final int year = random.nextInt(5) == 0 ? random.nextInt(1, 10_000) : random.nextInt(1960, 2100);
                final int month = random.nextInt(1, 13);
                final int day = random.nextInt(1, month == 2 ? 30 : 32);
                final StringBuilder b = new StringBuilder("\"");
                b.append(pad(year, 4)).append('-').append(pad(month, 2)).append('-').append(pad(day, 2)).append('T')
                        .append(pad(random.nextInt(24), 2)).append(':').append(pad(random.nextInt(60), 2)).append(':')
                        .append(pad(random.nextInt(60), 2));
                if (random.nextBoolean()) {
                    b.append('.').append(decimal(0, random.nextInt(1, 10)).substring(2));
                }
                b.append(random.nextBoolean() ? "Z" : (random.nextBoolean() ? "+" : "-")
                        + pad(random.nextInt(24), 2) + ":" + pad(random.nextInt(60), 2));
                yield b.append('"').toString();
            }
        };
    }

    private String value(final int depth) {
        final int kind = depth <= 0 ? random.nextInt(4) : random.nextInt(7);
        return switch (kind) {
            case 0 -> string("");
            case 1 -> pick("0", "-1", "3.25", "1e10", "-0.5E-3", "12345678901234567890");
            case 2 -> pick("true", "false", "null");
            case 3 -> "\"" + pick("é", "\\u00e9", "\\\"q\\\"", "tab\\t", "\\/", "日本", "\\\\") + "\"";
            case 4, 5 -> {
                final StringBuilder b = new StringBuilder("{");
                final int n = random.nextInt(0, 4);
                for (int i = 0; i < n; i++) {
                    b.append(i > 0 ? "," + space() : "").append(string("k")).append(space()).append(':')
                            .append(space()).append(value(depth - 1));
                }
                yield b.append('}').toString();
            }
            default -> {
                final StringBuilder b = new StringBuilder("[");
                final int n = random.nextInt(0, 4);
                for (int i = 0; i < n; i++) {
                    b.append(i > 0 ? "," : "").append(space()).append(value(depth - 1));
                }
                yield b.append(']').toString();
            }
        };
    }

    /** One time in five, breaks the text: cut, flipped or inserted bytes, or deep nesting. */
    private byte[] mutateSometimes(final String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (random.nextInt(4) != 0) {
            return bytes;
        }
        return switch (random.nextInt(6)) {
            case 0 -> java.util.Arrays.copyOf(bytes, random.nextInt(0, bytes.length + 1));
            case 1 -> {
                if (bytes.length > 0) {
                    bytes[random.nextInt(bytes.length)] = (byte) pick("\"", "\\", "{", "}", "[", "]", ",", ":", "x",
                            "\u0001", "0", "-", ".", "e", " ").charAt(0);
                }
                yield bytes;
            }
            case 2 -> {
                final int at = random.nextInt(bytes.length + 1);
                final String insert = pick("\\u12", "\\x", "01", "-", "1.", "1e", "1e+", "tru", "nul", ",", "}",
                        "\u001f", "\"", "[", "\\u00zz");
                yield (text.substring(0, Math.min(at, text.length())) + insert
                        + text.substring(Math.min(at, text.length()))).getBytes(StandardCharsets.UTF_8);
            }
            case 3 -> ("[".repeat(random.nextInt(60, 70)) + "]".repeat(random.nextInt(60, 70)))
                    .getBytes(StandardCharsets.UTF_8);
            case 4 -> ("{\"user_id\":1,\"events\":[{\"event_type\":\"a\",\"timestamp\":0,\"payload\":"
                    + "[".repeat(random.nextInt(60, 66)) + "]".repeat(random.nextInt(60, 66))
                    + "}],\"metadata\":{\"trace_id\":\"t\"}}")
                    .getBytes(StandardCharsets.UTF_8);
            default -> pick("", " ", "null", "[]", "\"s\"", "{}", "{\"a\" 1}", "{\"a\":1,}", "[1,]", "{,}",
                    "{\"a\":1}x", "\t\r\n").getBytes(StandardCharsets.UTF_8);
        };
    }

    /** A spoiled field: rare enough that most requests with many fields stay valid. */
    private boolean rare() {
        return random.nextInt(250) == 0;
    }

    private String string(final String prefix) {
        return "\"" + prefix + Integer.toString(random.nextInt(1000), 36) + (random.nextInt(8) == 0 ? "\\n\\u00e9" : "")
                + "\"";
    }

    private String space() {
        return random.nextInt(4) == 0 ? pick(" ", "\n", "\t ", "\r\n") : "";
    }

    private String pick(final String... options) {
        return options[random.nextInt(options.length)];
    }

    private void shuffle(final List<String> items) {
        for (int i = items.size() - 1; i > 0; i--) {
            final int j = random.nextInt(i + 1);
            final String t = items.get(i);
            items.set(i, items.get(j));
            items.set(j, t);
        }
    }

    private static String pad(final int value, final int width) {
        final String s = Integer.toString(value);
        return "0".repeat(Math.max(0, width - s.length())) + s;
    }
}
