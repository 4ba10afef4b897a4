package org.edgebook.edge.functions;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.edgebook.edge.EdgeFunction;
import org.edgebook.edge.EdgeRequest;
import org.edgebook.edge.EdgeResponse;
import org.edgebook.edge.json.JsonSyntaxException;
import org.edgebook.edge.json.JsonTape;

/**
 * The transaction-telemetry anomaly scorer of docs/edge-functions.md section 4, native form: a modified z-score
 * (median and MAD) of latency and error rate against each node's baseline, in integer arithmetic so that the C guest
 * {@code guests/src/telemetry.c} gives the same answer to the byte.
 * <p>
 * Stateless: the baseline is the request's own events of that node (8 or more) or the documented default.
 */
public final class TelemetryFunction implements EdgeFunction {
    static final int MIN_EVENTS_FOR_OWN_BASELINE = 8;
    static final long DEFAULT_LATENCY_MEDIAN_US = 100_000;
    static final long DEFAULT_LATENCY_MAD_US = 20_000;
    static final long DEFAULT_ERROR_MEDIAN_PPM = 10_000;
    static final long DEFAULT_ERROR_MAD_PPM = 5_000;
    static final long LATENCY_MAD_FLOOR_US = 1_000;
    static final long ERROR_MAD_FLOOR_PPM = 1_000;
    static final long ALERT_THRESHOLD = 3_500;
    static final long MAX_SCORE = 999_999;

    private static final byte[] NODE_ID = TransformFunction.ascii("node_id");
    private static final byte[] TRANSACTION_COUNT = TransformFunction.ascii("transaction_count");
    private static final byte[] LATENCY_MS = TransformFunction.ascii("latency_ms");
    private static final byte[] ERROR_RATE = TransformFunction.ascii("error_rate");
    private static final byte[] TIMESTAMP = TransformFunction.ascii("timestamp");

    private static final ThreadLocal<JsonTape> TAPE = ThreadLocal.withInitial(JsonTape::new);

    @Override
    public String name() {
        return "telemetry";
    }

    @Override
    public EdgeResponse handle(final EdgeRequest request) {
        final JsonTape tape = TAPE.get();
        try {
            tape.parse(request.body(), request.bodyLength());
            return new EdgeResponse(200, EdgeResponse.JSON, score(tape, request.receivedAtMillis()));
        } catch (JsonSyntaxException e) {
            return EdgeResponse.error(400, "invalid_json", e.getMessage());
        } catch (InvalidRequest e) {
            return e.response();
        }
    }

    private static byte[] score(final JsonTape t, final long receivedAtMillis) throws InvalidRequest {
        final boolean batch = t.type(0) == JsonTape.ARRAY;
        if (!batch && t.type(0) != JsonTape.OBJECT) {
            throw new InvalidRequest("body", "expected an object or an array");
        }
        int count = 0;
        if (batch) {
            for (int e = 1; e < t.next(0); e = t.next(e)) {
                count++;
            }
        } else {
            count = 1;
        }
        final int[] nodes = new int[count];
        final long[] latency = new long[count];
        final long[] errors = new long[count];
        final boolean[] hasTransactions = new boolean[count];
        int i = 0;
        for (int e = batch ? 1 : 0; i < count; e = t.next(e), i++) {
            final String prefix = batch ? "[" + i + "]" : "";
            if (t.type(e) != JsonTape.OBJECT) {
                throw new InvalidRequest(prefix, "expected an object");
            }
            final String dot = batch ? prefix + "." : "";
            final int node = t.member(e, NODE_ID);
            if (node < 0) {
                throw new InvalidRequest(dot + "node_id", "missing");
            }
            if (t.type(node) != JsonTape.STRING || t.isEmptyString(node)) {
                throw new InvalidRequest(dot + "node_id", "expected a non-empty string");
            }
            nodes[i] = node;
            hasTransactions[i] = transactionCount(t, t.member(e, TRANSACTION_COUNT), dot + "transaction_count") > 0;
            latency[i] = fixedPoint(t, t.member(e, LATENCY_MS), dot + "latency_ms", 9, 3,
                "expected a non-negative decimal number");
            errors[i] = fixedPoint(t, t.member(e, ERROR_RATE), dot + "error_rate", 1, 6,
                "expected a decimal number from 0 to 1");
            if (errors[i] > 1_000_000) {
                throw new InvalidRequest(dot + "error_rate", "expected a decimal number from 0 to 1");
            }
            Timestamps.read(t, t.member(e, TIMESTAMP), dot + "timestamp");
        }

        final Map<String, Baseline> baselines = baselines(t, nodes, latency, errors);
        final ByteArrayOutputStream out = new ByteArrayOutputStream(64 + count * 96);
        final byte[] b = t.body();
        if (batch) {
            out.write('[');
        }
        for (i = 0; i < count; i++) {
            if (i > 0) {
                out.write(',');
            }
            final Baseline base = baselines.get(key(t, nodes[i]));
            long score = Math.max(0, 6745 * (latency[i] - base.latencyMedian) / (10 * base.latencyMad));
            if (hasTransactions[i]) {
                score = Math.max(score, 6745 * (errors[i] - base.errorMedian) / (10 * base.errorMad));
            }
            score = Math.min(score, MAX_SCORE);
            TransformFunction.writeAscii(out, "{\"node_id\":");
            out.write(b, t.start(nodes[i]), t.end(nodes[i]) - t.start(nodes[i]));
            TransformFunction.writeAscii(out, ",\"anomaly_score\":" + (score / 1000) + "."
                + (char) ('0' + score / 100 % 10) + (char) ('0' + score / 10 % 10) + (char) ('0' + score % 10)
                + ",\"should_alert\":" + (score >= ALERT_THRESHOLD) + ",\"processed_timestamp\":" + receivedAtMillis
                + "}");
        }
        if (batch) {
            out.write(']');
        }
        return out.toByteArray();
    }

    private static Map<String, Baseline> baselines(
        final JsonTape t, final int[] nodes, final long[] latency, final long[] errors) {
        final Map<String, int[]> members = new HashMap<>();
        final Map<String, Integer> sizes = new HashMap<>();
        for (final int node : nodes) {
            sizes.merge(key(t, node), 1, Integer::sum);
        }
        for (int i = 0; i < nodes.length; i++) {
            final String key = key(t, nodes[i]);
            final int[] list = members.computeIfAbsent(key, k -> new int[sizes.get(k) + 1]);
            list[++list[0]] = i;
        }
        final Map<String, Baseline> baselines = new HashMap<>();
        members.forEach((key, list) -> {
            final int n = list[0];
            if (n < MIN_EVENTS_FOR_OWN_BASELINE) {
                baselines.put(key, Baseline.DEFAULT);
                return;
            }
            final long[] l = new long[n];
            final long[] e = new long[n];
            for (int j = 0; j < n; j++) {
                l[j] = latency[list[j + 1]];
                e[j] = errors[list[j + 1]];
            }
            final long latencyMedian = median(l);
            final long errorMedian = median(e);
            for (int j = 0; j < n; j++) {
                l[j] = Math.abs(l[j] - latencyMedian);
                e[j] = Math.abs(e[j] - errorMedian);
            }
            baselines.put(key, new Baseline(latencyMedian, Math.max(median(l), LATENCY_MAD_FLOOR_US),
                errorMedian, Math.max(median(e), ERROR_MAD_FLOOR_PPM)));
        });
        return baselines;
    }

    /** Sorts {@code values} and returns their median; an even count gives the middle pair's sum halved, floored. */
    static long median(final long[] values) {
        Arrays.sort(values);
        final int n = values.length;
        return (n & 1) == 1 ? values[n / 2] : Math.floorDiv(values[n / 2 - 1] + values[n / 2], 2);
    }

    private static String key(final JsonTape t, final int node) {
        return new String(t.body(), t.start(node), t.end(node) - t.start(node), java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private static long transactionCount(final JsonTape t, final int node, final String path) throws InvalidRequest {
        if (node < 0) {
            throw new InvalidRequest(path, "missing");
        }
        final byte[] b = t.body();
        if (t.type(node) != JsonTape.NUMBER || t.end(node) - t.start(node) > 12) {
            throw new InvalidRequest(path, "expected a non-negative integer");
        }
        long value = 0;
        for (int i = t.start(node); i < t.end(node); i++) {
            if (b[i] < '0' || b[i] > '9') {
                throw new InvalidRequest(path, "expected a non-negative integer");
            }
            value = value * 10 + (b[i] - '0');
        }
        return value;
    }

    /**
     * A non-negative number without exponent, with at most {@code maxIntegerDigits} before the point, scaled by
     * 10^{@code scale} with further decimals dropped.
     */
    private static long fixedPoint(final JsonTape t, final int node, final String path, final int maxIntegerDigits,
                                   final int scale, final String problem) throws InvalidRequest {
        if (node < 0) {
            throw new InvalidRequest(path, "missing");
        }
        if (t.type(node) != JsonTape.NUMBER) {
            throw new InvalidRequest(path, problem);
        }
        final byte[] b = t.body();
        int p = t.start(node);
        final int end = t.end(node);
        long value = 0;
        int integerDigits = 0;
        while (p < end && b[p] >= '0' && b[p] <= '9') {
            value = value * 10 + (b[p++] - '0');
            integerDigits++;
        }
        if (integerDigits == 0 || integerDigits > maxIntegerDigits) {
            throw new InvalidRequest(path, problem);
        }
        int decimals = 0;
        if (p < end && b[p] == '.') {
            p++;
            while (p < end && b[p] >= '0' && b[p] <= '9') {
                if (decimals < scale) {
                    value = value * 10 + (b[p] - '0');
                    decimals++;
                }
                p++;
            }
        }
        if (p != end) {
            throw new InvalidRequest(path, problem);
        }
        for (; decimals < scale; decimals++) {
            value *= 10;
        }
        return value;
    }

    private record Baseline(long latencyMedian, long latencyMad, long errorMedian, long errorMad) {
        static final Baseline DEFAULT = new Baseline(
            DEFAULT_LATENCY_MEDIAN_US, DEFAULT_LATENCY_MAD_US, DEFAULT_ERROR_MEDIAN_PPM, DEFAULT_ERROR_MAD_PPM);
    }
}
