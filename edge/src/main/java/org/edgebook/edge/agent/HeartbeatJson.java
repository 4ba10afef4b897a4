package org.edgebook.edge.agent;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.TreeMap;
import org.edgebook.edge.Shadow;

/**
 * Writes a {@link Heartbeat} as the contract's JSON (docs/control-plane.md section 4), with Jackson's generator, within
 * its limits: at most {@link #MAX_ROUTES} routes, {@link Shadow#MAX_SAMPLES} samples per shadow and
 * {@link #MAX_BYTES} in all; a heartbeat that is larger is written again without samples, then with at most
 * {@link #MAX_FAILURES_WHEN_CUT} load failures (the rest are dropped; the node's log has them all).
 * <p>
 * Threading: stateless; any thread may call.
 */
public final class HeartbeatJson {
    public static final int MAX_ROUTES = 64;
    public static final int MAX_BYTES = 64 * 1024;
    static final int MAX_FAILURES_WHEN_CUT = 16;
    private static final JsonFactory JSON = new JsonFactory();

    private HeartbeatJson() {
    }

    /** The heartbeat's UTF-8 JSON, at most {@link #MAX_BYTES}. */
    public static byte[] write(final Heartbeat h) {
        byte[] bytes = write(h, true, Integer.MAX_VALUE);
        if (bytes.length > MAX_BYTES) {
            bytes = write(h, false, Integer.MAX_VALUE);
        }
        if (bytes.length > MAX_BYTES) {
            bytes = write(h, false, MAX_FAILURES_WHEN_CUT);
        }
        return bytes;
    }

    private static byte[] write(final Heartbeat h, final boolean samples, final int maxFailures) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("seq", h.seq());
            g.writeStringField("agent", h.agent());
            g.writeObjectFieldStart("versions");
            for (final Map.Entry<String, String> e : new TreeMap<>(h.versions()).entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeStringField("health", h.health());
            g.writeStringField("applied", h.applied());
            g.writeArrayFieldStart("routes");
            for (final Heartbeat.RouteReport r : h.routes().subList(0, Math.min(MAX_ROUTES, h.routes().size()))) {
                route(g, r, samples);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("loadFailures");
            for (final DesiredStateApplier.LoadFailure f : h.loadFailures().subList(0, Math.min(maxFailures, h
                    .loadFailures().size()))) {
                g.writeStartObject();
                g.writeStringField("path", f.path());
                g.writeStringField("sha256", f.sha256());
                g.writeStringField("reason", f.reason());
                g.writeEndObject();
            }
            g.writeEndArray();
            final Heartbeat.Telemetry t = h.telemetry();
            g.writeObjectFieldStart("telemetry");
            g.writeNumberField("transactions", t.transactions());
            g.writeNumberField("outboxDepth", t.outboxDepth());
            g.writeNumberField("forwardLagMillis", t.forwardLagMillis());
            g.writeNumberField("heapUsedBytes", t.heapUsedBytes());
            g.writeNumberField("rssBytes", t.rssBytes());
            g.writeEndObject();
            g.writeEndObject();
        } catch (final IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
        return out.toByteArray();
    }

    private static void route(final JsonGenerator g, final Heartbeat.RouteReport r, final boolean samples)
            throws IOException {
        g.writeStartObject();
        g.writeStringField("path", r.path());
        g.writeStringField("module", r.module());
        g.writeStringField("version", r.version());
        g.writeStringField("sha256", r.sha256());
        g.writeNumberField("requests", r.requests());
        g.writeNumberField("errors", r.errors());
        g.writeNumberField("p50Micros", r.p50Micros());
        g.writeNumberField("p99Micros", r.p99Micros());
        final Heartbeat.ShadowReport s = r.shadow();
        if (s != null) {
            g.writeObjectFieldStart("shadow");
            g.writeStringField("module", s.module());
            g.writeStringField("version", s.version());
            g.writeStringField("sha256", s.sha256());
            g.writeNumberField("compared", s.compared());
            g.writeNumberField("mismatches", s.mismatches());
            g.writeArrayFieldStart("samples");
            if (samples) {
                for (final Shadow.Sample sample : s.samples().subList(0, Math.min(Shadow.MAX_SAMPLES, s.samples()
                        .size()))) {
                    g.writeStartObject();
                    g.writeStringField("request", sample.request());
                    g.writeStringField("served", sample.served());
                    g.writeStringField("shadow", sample.shadow());
                    g.writeEndObject();
                }
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndObject();
    }
}
