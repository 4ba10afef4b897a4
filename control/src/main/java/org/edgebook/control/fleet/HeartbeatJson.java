package org.edgebook.control.fleet;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.edgebook.control.ControlJson;

/**
 * Writes a heartbeat back as the wire form (docs/control-plane.md section 4): the store keeps each node's last one
 * this way ({@link HeartbeatParser} reads it back), and the node's detail shows its members.
 * <p>
 * Threading: stateless.
 */
public final class HeartbeatJson {
    private HeartbeatJson() {
    }

    /** The heartbeat's JSON text. */
    public static String text(final Heartbeat h) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator json = ControlJson.JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeNumberField("seq", h.seq());
            json.writeStringField("agent", h.agent());
            versions(json, h.versions());
            json.writeStringField("health", h.health());
            json.writeStringField("applied", h.applied());
            routes(json, h);
            loadFailures(json, h);
            telemetry(json, h.telemetry());
            json.writeEndObject();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    public static void versions(final JsonGenerator json, final Map<String, String> versions) throws IOException {
        ControlJson.labels(json, "versions", versions);
    }

    public static void routes(final JsonGenerator json, final Heartbeat h) throws IOException {
        json.writeArrayFieldStart("routes");
        for (final Heartbeat.Route r : h.routes()) {
            json.writeStartObject();
            json.writeStringField("path", r.path());
            json.writeStringField("module", r.module());
            json.writeStringField("version", r.version());
            json.writeStringField("sha256", r.sha256());
            json.writeNumberField("requests", r.requests());
            json.writeNumberField("errors", r.errors());
            json.writeNumberField("p50Micros", r.p50Micros());
            json.writeNumberField("p99Micros", r.p99Micros());
            if (r.shadow() != null) {
                final Heartbeat.Shadow s = r.shadow();
                json.writeObjectFieldStart("shadow");
                json.writeStringField("module", s.module());
                json.writeStringField("version", s.version());
                json.writeStringField("sha256", s.sha256());
                json.writeNumberField("compared", s.compared());
                json.writeNumberField("mismatches", s.mismatches());
                json.writeArrayFieldStart("samples");
                for (final Heartbeat.Sample sample : s.samples()) {
                    json.writeStartObject();
                    json.writeStringField("request", sample.request());
                    json.writeStringField("served", sample.served());
                    json.writeStringField("shadow", sample.shadow());
                    json.writeEndObject();
                }
                json.writeEndArray();
                json.writeEndObject();
            }
            json.writeEndObject();
        }
        json.writeEndArray();
    }

    public static void loadFailures(final JsonGenerator json, final Heartbeat h) throws IOException {
        json.writeArrayFieldStart("loadFailures");
        for (final Heartbeat.LoadFailure f : h.loadFailures()) {
            json.writeStartObject();
            json.writeStringField("path", f.path());
            json.writeStringField("sha256", f.sha256());
            json.writeStringField("reason", f.reason());
            json.writeEndObject();
        }
        json.writeEndArray();
    }

    public static void telemetry(final JsonGenerator json, final Heartbeat.Telemetry t) throws IOException {
        json.writeObjectFieldStart("telemetry");
        json.writeNumberField("transactions", t.transactions());
        json.writeNumberField("outboxDepth", t.outboxDepth());
        json.writeNumberField("forwardLagMillis", t.forwardLagMillis());
        json.writeNumberField("heapUsedBytes", t.heapUsedBytes());
        json.writeNumberField("rssBytes", t.rssBytes());
        json.writeEndObject();
    }
}
