package org.edgebook.control.rollout;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.Arrays;
import java.util.Collection;

/**
 * The gates' figures at one moment (docs/control-plane.md section 7), and the first gate that failed, if any.
 * Ratios in parts per million; {@code -1} where there is nothing to compare with (no node not yet updated, no traffic).
 * Immutable.
 *
 * @param failed the failed gate's name ({@code error_rate}, {@code p99}, {@code failed_loads}, {@code down},
 *               {@code shadow_mismatch}), or null
 */
record GateFigures(int updatedNodes, int reportingNodes, long requests, long errorRatePpm, long errorRateBeforePpm,
                   long errorRateOthersPpm, long p99Micros, long p99BeforeMicros, long p99OthersMicros,
                   int failedLoads, int down, long shadowCompared, long shadowMismatches, long mismatchRatePpm,
                   String failed, String why) {

    /** The median of {@code values}; -1 for none. */
    static long median(final Collection<Long> values) {
        if (values.isEmpty()) {
            return -1;
        }
        final long[] sorted = new long[values.size()];
        int i = 0;
        for (final long v : values) {
            sorted[i++] = v;
        }
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    void write(final JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeNumberField("updatedNodes", updatedNodes);
        g.writeNumberField("reportingNodes", reportingNodes);
        g.writeNumberField("requests", requests);
        ratio(g, "errorRate", errorRatePpm);
        ratio(g, "errorRateBefore", errorRateBeforePpm);
        ratio(g, "errorRateOthers", errorRateOthersPpm);
        micros(g, "p99Micros", p99Micros);
        micros(g, "p99BeforeMicros", p99BeforeMicros);
        micros(g, "p99OthersMicros", p99OthersMicros);
        g.writeNumberField("failedLoads", failedLoads);
        g.writeNumberField("down", down);
        g.writeNumberField("shadowCompared", shadowCompared);
        g.writeNumberField("shadowMismatches", shadowMismatches);
        ratio(g, "mismatchRate", mismatchRatePpm);
        if (failed != null) {
            g.writeStringField("failed", failed);
            g.writeStringField("why", why);
        }
        g.writeEndObject();
    }

    private static void ratio(final JsonGenerator g, final String name, final long ppm) throws IOException {
        if (ppm < 0) {
            g.writeNullField(name);
        } else {
            g.writeStringField(name, Ratio.format(ppm));
        }
    }

    private static void micros(final JsonGenerator g, final String name, final long micros) throws IOException {
        if (micros < 0) {
            g.writeNullField(name);
        } else {
            g.writeNumberField(name, micros);
        }
    }
}
