package org.edgebook.edge.functions;

import java.util.Arrays;
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

    private static final byte[] NODE_ID_FIELD = TransformFunction.ascii("{\"node_id\":");
    private static final byte[] SCORE_FIELD = TransformFunction.ascii(",\"anomaly_score\":");
    private static final byte[] ALERT_TRUE = TransformFunction.ascii(",\"should_alert\":true,\"processed_timestamp\":");
    private static final byte[] ALERT_FALSE = TransformFunction.ascii(
            ",\"should_alert\":false,\"processed_timestamp\":");

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
            if (t.type(e) != JsonTape.OBJECT) {
                throw new InvalidRequest("[" + i + "]", "expected an object");
            }
            final int node = t.member(e, NODE_ID);
            if (node < 0) {
                throw new InvalidRequest(path(batch, i, "node_id"), "missing");
            }
            if (t.type(node) != JsonTape.STRING || t.isEmptyString(node)) {
                throw new InvalidRequest(path(batch, i, "node_id"), "expected a non-empty string");
            }
            nodes[i] = node;
            hasTransactions[i] = transactionCount(t, t.member(e, TRANSACTION_COUNT), batch, i) > 0;
            latency[i] = fixedPoint(t, t.member(e, LATENCY_MS), 9, 3, batch, i, "latency_ms",
                    "expected a non-negative decimal number");
            errors[i] = fixedPoint(t, t.member(e, ERROR_RATE), 1, 6, batch, i, "error_rate",
                    "expected a decimal number from 0 to 1");
            if (errors[i] > 1_000_000) {
                throw new InvalidRequest(path(batch, i, "error_rate"), "expected a decimal number from 0 to 1");
            }
            try {
                Timestamps.read(t, t.member(e, TIMESTAMP));
            } catch (Timestamps.Refused refused) {
                throw new InvalidRequest(path(batch, i, "timestamp"), refused.getMessage());
            }
        }

        final long[] baselines = baselines(t, nodes, latency, errors);
        final ByteOutput out = new ByteOutput(64 + count * 112);
        final byte[] b = t.body();
        if (batch) {
            out.write('[');
        }
        for (i = 0; i < count; i++) {
            if (i > 0) {
                out.write(',');
            }
            final int base = i * 4;
            long score = Math.max(0, 6745 * (latency[i] - baselines[base]) / (10 * baselines[base + 1]));
            if (hasTransactions[i]) {
                score = Math.max(score, 6745 * (errors[i] - baselines[base + 2]) / (10 * baselines[base + 3]));
            }
            score = Math.min(score, MAX_SCORE);
            out.write(NODE_ID_FIELD);
            out.write(b, t.start(nodes[i]), t.end(nodes[i]) - t.start(nodes[i]));
            out.write(SCORE_FIELD);
            out.writeLong(score / 1000);
            out.write('.');
            out.write((int) ('0' + score / 100 % 10));
            out.write((int) ('0' + score / 10 % 10));
            out.write((int) ('0' + score % 10));
            out.write(score >= ALERT_THRESHOLD ? ALERT_TRUE : ALERT_FALSE);
            out.writeLong(receivedAtMillis);
            out.write('}');
        }
        if (batch) {
            out.write(']');
        }
        return out.toByteArray();
    }

    private static String path(final boolean batch, final int index, final String field) {
        return batch ? "[" + index + "]." + field : field;
    }

    /**
     * Each event's baseline, four longs per event (latency median and MAD, error median and MAD): its node's own when
     * the node has at least 8 events in the request, else the default. Nodes are grouped by their bytes as written,
     * with an open-addressing table of group numbers.
     */
    private static long[] baselines(final JsonTape t, final int[] nodes, final long[] latency, final long[] errors) {
        final int count = nodes.length;
        final long[] out = new long[count * 4];
        for (int i = 0; i < count; i++) {
            out[i * 4] = DEFAULT_LATENCY_MEDIAN_US;
            out[i * 4 + 1] = DEFAULT_LATENCY_MAD_US;
            out[i * 4 + 2] = DEFAULT_ERROR_MEDIAN_PPM;
            out[i * 4 + 3] = DEFAULT_ERROR_MAD_PPM;
        }
        if (count < MIN_EVENTS_FOR_OWN_BASELINE) {
            return out;
        }
        final byte[] b = t.body();
        final int mask = Integer.highestOneBit(Math.max(16, count * 2) - 1) * 2 - 1;
        final int[] table = new int[mask + 1];
        Arrays.fill(table, -1);
        final int[] group = new int[count];
        final int[] first = new int[count];
        final int[] size = new int[count + 1];
        int groups = 0;
        for (int i = 0; i < count; i++) {
            final int start = t.start(nodes[i]);
            final int length = t.end(nodes[i]) - start;
            int hash = 0;
            for (int k = start; k < start + length; k++) {
                hash = 31 * hash + b[k];
            }
            int slot = (hash ^ (hash >>> 16)) & mask;
            while (table[slot] >= 0) {
                final int other = nodes[first[table[slot]]];
                if (t.end(other) - t.start(other) == length
                        && Arrays.equals(b, t.start(other), t.end(other), b, start, start + length)) {
                    break;
                }
                slot = (slot + 1) & mask;
            }
            if (table[slot] < 0) {
                table[slot] = groups;
                first[groups++] = i;
            }
            group[i] = table[slot];
            size[group[i]]++;
        }
        final int[] offset = new int[groups + 1];
        for (int g = 0; g < groups; g++) {
            offset[g + 1] = offset[g] + size[g];
        }
        final int[] members = new int[count];
        final int[] fill = Arrays.copyOf(offset, groups);
        for (int i = 0; i < count; i++) {
            members[fill[group[i]]++] = i;
        }
        for (int g = 0; g < groups; g++) {
            final int n = offset[g + 1] - offset[g];
            if (n < MIN_EVENTS_FOR_OWN_BASELINE) {
                continue;
            }
            final long[] l = new long[n];
            final long[] e = new long[n];
            for (int j = 0; j < n; j++) {
                l[j] = latency[members[offset[g] + j]];
                e[j] = errors[members[offset[g] + j]];
            }
            final long latencyMedian = median(l);
            final long errorMedian = median(e);
            for (int j = 0; j < n; j++) {
                l[j] = Math.abs(l[j] - latencyMedian);
                e[j] = Math.abs(e[j] - errorMedian);
            }
            final long latencyMad = Math.max(median(l), LATENCY_MAD_FLOOR_US);
            final long errorMad = Math.max(median(e), ERROR_MAD_FLOOR_PPM);
            for (int j = 0; j < n; j++) {
                final int base = members[offset[g] + j] * 4;
                out[base] = latencyMedian;
                out[base + 1] = latencyMad;
                out[base + 2] = errorMedian;
                out[base + 3] = errorMad;
            }
        }
        return out;
    }

    /** Sorts {@code values} and returns their median; an even count gives the middle pair's sum halved, floored. */
    static long median(final long[] values) {
        Arrays.sort(values);
        final int n = values.length;
        return (n & 1) == 1 ? values[n / 2] : Math.floorDiv(values[n / 2 - 1] + values[n / 2], 2);
    }

    private static long transactionCount(final JsonTape t, final int node, final boolean batch, final int index)
            throws InvalidRequest {
        if (node < 0) {
            throw new InvalidRequest(path(batch, index, "transaction_count"), "missing");
        }
        final byte[] b = t.body();
        if (t.type(node) != JsonTape.NUMBER || t.end(node) - t.start(node) > 12) {
            throw new InvalidRequest(path(batch, index, "transaction_count"), "expected a non-negative integer");
        }
        long value = 0;
        for (int i = t.start(node); i < t.end(node); i++) {
            if (b[i] < '0' || b[i] > '9') {
                throw new InvalidRequest(path(batch, index, "transaction_count"), "expected a non-negative integer");
            }
            value = value * 10 + (b[i] - '0');
        }
        return value;
    }

    /**
     * A non-negative number without exponent, with at most {@code maxIntegerDigits} before the point, scaled by
     * 10^{@code scale} with further decimals dropped.
     */
    private static long fixedPoint(final JsonTape t, final int node, final int maxIntegerDigits, final int scale,
                                   final boolean batch, final int index, final String field, final String problem)
            throws InvalidRequest {
        if (node < 0) {
            throw new InvalidRequest(path(batch, index, field), "missing");
        }
        if (t.type(node) != JsonTape.NUMBER) {
            throw new InvalidRequest(path(batch, index, field), problem);
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
            throw new InvalidRequest(path(batch, index, field), problem);
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
            throw new InvalidRequest(path(batch, index, field), problem);
        }
        for (; decimals < scale; decimals++) {
            value *= 10;
        }
        return value;
    }
}
