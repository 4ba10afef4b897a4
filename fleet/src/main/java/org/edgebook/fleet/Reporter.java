package org.edgebook.fleet;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * Prints a line per period (nodes heartbeating, heartbeats sent, ok and failed in the period, and p50/p90/p99/p99.9/max
 * of the latency from the intended send and from the actual send), keeps each period, and writes them with the totals
 * as a JSON report for the benchmark.
 * <p>
 * Threading: {@link #period} is called by one thread (the reporter's timer); {@link #write} after the last period.
 */
final class Reporter {
    /** One period's figures; latencies in microseconds. */
    record Period(long atMillis, long nodes, long sent, long ok, long failed, long revoked, long[] intended,
                  long[] actual) {
    }

    private static final double[] PERCENTILES = {50, 90, 99, 99.9};
    private final FleetStats stats;
    private final PrintStream out;
    private final long startMillis;
    private final List<Period> periods = new ArrayList<>();
    private final Histogram allIntended = new Histogram(3);
    private final Histogram allActual = new Histogram(3);
    private FleetStats.Totals last;

    Reporter(final FleetStats stats, final PrintStream out) {
        this.stats = stats;
        this.out = out;
        this.startMillis = System.currentTimeMillis();
        this.last = stats.totals();
    }

    /** Closes a period: prints and keeps it. */
    synchronized Period period(final long nodes) {
        final Histogram[] h = stats.interval();
        allIntended.add(h[0]);
        allActual.add(h[1]);
        final FleetStats.Totals now = stats.totals();
        final Period p = new Period(System.currentTimeMillis(), nodes, now.sent() - last.sent(), now.ok() - last.ok(),
                now.failed() - last.failed(), now.revoked(), figures(h[0]), figures(h[1]));
        last = now;
        periods.add(p);
        out.printf(Locale.ROOT, "fleet: %4ds nodes %d, heartbeats sent %d ok %d failed %d, revoked %d | from intended "
                + "%s | from sent %s%n", (p.atMillis - startMillis) / 1000, nodes, p.sent, p.ok, p.failed, p.revoked,
                text(p.intended), text(p.actual));
        return p;
    }

    private static long[] figures(final Histogram h) {
        final long[] f = new long[PERCENTILES.length + 2];
        for (int i = 0; i < PERCENTILES.length; i++) {
            f[i] = h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(PERCENTILES[i]);
        }
        f[PERCENTILES.length] = h.getMaxValue();
        f[PERCENTILES.length + 1] = h.getTotalCount();
        return f;
    }

    private static String text(final long[] f) {
        return String.format(Locale.ROOT, "p50 %.1f p90 %.1f p99 %.1f p99.9 %.1f max %.1f ms", f[0] / 1000.0,
                f[1] / 1000.0, f[2] / 1000.0, f[3] / 1000.0, f[4] / 1000.0);
    }

    /** Writes the report: the seed, options' essentials, the totals, the whole run's and each period's percentiles. */
    synchronized void write(final Path file, final FleetOptions options, final long nodes) throws IOException {
        try (OutputStream os = Files.newOutputStream(file);
             JsonGenerator g = new JsonFactory().createGenerator(os).useDefaultPrettyPrinter()) {
            g.writeStartObject();
            g.writeNumberField("seed", options.seed());
            g.writeNumberField("nodes", nodes);
            g.writeNumberField("connections", options.connections());
            g.writeNumberField("pipelining", options.pipelining());
            g.writeNumberField("startedAt", startMillis);
            g.writeNumberField("endedAt", System.currentTimeMillis());
            final FleetStats.Totals t = stats.totals();
            g.writeObjectFieldStart("totals");
            g.writeNumberField("enrolled", t.enrolled());
            g.writeNumberField("enrollFailed", t.enrollFailed());
            g.writeNumberField("sent", t.sent());
            g.writeNumberField("ok", t.ok());
            g.writeNumberField("failed", t.failed());
            g.writeNumberField("revoked", t.revoked());
            g.writeNumberField("desiredFetched", t.desiredFetched());
            g.writeNumberField("desiredApplied", t.desiredApplied());
            g.writeNumberField("loadFailures", t.loadFailures());
            g.writeNumberField("modulesDownloaded", t.modulesDownloaded());
            g.writeEndObject();
            g.writeFieldName("latencyFromIntendedMicros");
            latency(g, figures(allIntended));
            g.writeFieldName("latencyFromSentMicros");
            latency(g, figures(allActual));
            g.writeArrayFieldStart("periods");
            for (final Period p : periods) {
                g.writeStartObject();
                g.writeNumberField("at", p.atMillis);
                g.writeNumberField("nodes", p.nodes);
                g.writeNumberField("sent", p.sent);
                g.writeNumberField("ok", p.ok);
                g.writeNumberField("failed", p.failed);
                g.writeNumberField("revoked", p.revoked);
                g.writeFieldName("latencyFromIntendedMicros");
                latency(g, p.intended);
                g.writeFieldName("latencyFromSentMicros");
                latency(g, p.actual);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
    }

    private static void latency(final JsonGenerator g, final long[] f) throws IOException {
        g.writeStartObject();
        g.writeNumberField("p50", f[0]);
        g.writeNumberField("p90", f[1]);
        g.writeNumberField("p99", f[2]);
        g.writeNumberField("p999", f[3]);
        g.writeNumberField("max", f[4]);
        g.writeNumberField("count", f[5]);
        g.writeEndObject();
    }
}
