package org.edgebook.fleet;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Set;

/**
 * Writes a node's heartbeat body (docs/control-plane.md section 4) with believable telemetry, deterministic from the
 * seed, the node and the heartbeat's sequence number: per route its requests in the interval (the node's rate, drawn
 * once, with ±10% noise), errors at the node's base rate (about 0.1%) or a bad version's, p50 and p99 with noise (a bad
 * version's p99 multiplied), a shadow's comparisons and mismatches with up to 3 samples; then transactions, outbox
 * depth, forward lag, heap and rss.
 * <p>
 * Threading: one per scheduler thread (it keeps no state between calls but the factory, which is thread-safe).
 */
final class HeartbeatWriter {
    static final String AGENT = "edgebook-fleet/0.1.0";
    /** The contract's most routes in a heartbeat (section 4). */
    static final int MAX_ROUTES = 64;
    private static final JsonFactory JSON = new JsonFactory();

    private final long seed;
    private final Set<String> badVersions;
    private final long badErrorRatePpm;
    private final long badLatencyFactorPpm;

    HeartbeatWriter(final long seed, final Set<String> badVersions, final long badErrorRatePpm,
                    final long badLatencyFactorPpm) {
        this.seed = seed;
        this.badVersions = badVersions;
        this.badErrorRatePpm = badErrorRatePpm;
        this.badLatencyFactorPpm = badLatencyFactorPpm;
    }

    /** Appends the body of heartbeat {@code seq} of {@code node} to {@code sink}. */
    void write(final SimNode node, final long seq, final List<SimNode.LoadFailure> failures, final ByteSink sink) {
        try (JsonGenerator g = JSON.createGenerator(sink)) {
            g.writeStartObject();
            g.writeNumberField("seq", seq);
            g.writeStringField("agent", AGENT);
            g.writeObjectFieldStart("versions");
            g.writeStringField("edgebook", "0.1.0");
            g.writeStringField("runtime", "chicory-1.7.5");
            g.writeEndObject();
            g.writeStringField("health", "ok");
            g.writeStringField("applied", node.applied);
            g.writeArrayFieldStart("routes");
            final long interval = Math.max(1, node.intervalMillis);
            long transactions = 0;
            final Route[] routes = node.routes;
            for (int r = 0; r < Math.min(routes.length, MAX_ROUTES); r++) {
                transactions += route(g, node, seq, r, routes[r], interval);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("loadFailures");
            for (final SimNode.LoadFailure f : failures) {
                g.writeStartObject();
                g.writeStringField("path", f.path());
                g.writeStringField("sha256", f.sha256());
                g.writeStringField("reason", f.reason());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeObjectFieldStart("telemetry");
            g.writeNumberField("transactions", transactions);
            g.writeNumberField("outboxDepth", Mix.below(seed, node.index, seq, 20, 10));
            g.writeNumberField("forwardLagMillis", 20 + Mix.below(seed, node.index, seq, 21, 60));
            final long heap = node.heapBytes + Mix.below(seed, node.index, seq, 22, 8_000_000);
            g.writeNumberField("heapUsedBytes", heap);
            g.writeNumberField("rssBytes", heap * 2 + 40_000_000);
            g.writeEndObject();
            g.writeEndObject();
        } catch (final IOException e) {
            throw new UncheckedIOException("writing a heartbeat into memory", e);
        }
    }

    /** Writes one route's figures; answers its requests. */
    private long route(final JsonGenerator g, final SimNode node, final long seq, final int r, final Route route,
                       final long interval) throws IOException {
        final long salt = 100 + r * 16L;
        final long rate = r == 0 ? node.ratePerSecond : Math.max(1, node.ratePerSecond / (r + 1));
        final long requests = rate * interval * (900 + Mix.below(seed, node.index, seq, salt, 201)) / 1_000_000;
        final boolean bad = badVersions.contains(route.name());
        final long errorPpm = bad ? badErrorRatePpm : 500 + Mix.below(seed, node.index, 0, salt + 1, 1001);
        final long errors = share(requests, errorPpm, Mix.below(seed, node.index, seq, salt + 2, 1_000_000));
        final long p50 = node.p50Micros * (900 + Mix.below(seed, node.index, seq, salt + 3, 201)) / 1000;
        long p99 = node.p99Micros * (850 + Mix.below(seed, node.index, seq, salt + 4, 301)) / 1000;
        if (bad) {
            p99 = p99 * badLatencyFactorPpm / FleetOptions.PPM;
        }
        g.writeStartObject();
        g.writeStringField("path", route.path());
        g.writeStringField("module", route.module());
        g.writeStringField("version", route.version());
        g.writeStringField("sha256", route.sha256());
        g.writeNumberField("requests", requests);
        g.writeNumberField("errors", errors);
        g.writeNumberField("p50Micros", p50);
        g.writeNumberField("p99Micros", Math.max(p50, p99));
        final Route.Shadow shadow = route.shadow();
        if (shadow != null) {
            final long compared = requests * (980 + Mix.below(seed, node.index, seq, salt + 5, 21)) / 1000;
            final boolean badShadow = badVersions.contains(shadow.module() + "@" + shadow.version());
            final long mismatches = badShadow
                    ? share(compared, badErrorRatePpm, Mix.below(seed, node.index, seq, salt + 6, 1_000_000))
                    : 0;
            g.writeObjectFieldStart("shadow");
            g.writeStringField("module", shadow.module());
            g.writeStringField("version", shadow.version());
            g.writeStringField("sha256", shadow.sha256());
            g.writeNumberField("compared", compared);
            g.writeNumberField("mismatches", mismatches);
            g.writeArrayFieldStart("samples");
            for (long s = 0; s < Math.min(3, mismatches); s++) {
                final long amount = 1 + Mix.below(seed, node.index, seq, salt + 7 + s, 99_999);
                g.writeStartObject();
                g.writeStringField("request", "{\"amount\":\"" + amount + ".00\",\"asset\":\"USD\"}");
                g.writeStringField("served", "{\"amount\":\"" + amount + ".00\",\"fee\":\"0.25\"}");
                g.writeStringField("shadow", "{\"amount\":\"" + amount + ".00\",\"fee\":\"2.50\"}");
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndObject();
        return requests;
    }

    /** {@code count × ppm / 10^6}, the fraction rounded up with that chance ({@code draw} in [0, 10^6)). */
    private static long share(final long count, final long ppm, final long draw) {
        final long scaled = count * ppm;
        return scaled / FleetOptions.PPM + (draw < scaled % FleetOptions.PPM ? 1 : 0);
    }
}
