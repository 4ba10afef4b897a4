package org.edgebook.control.fleet;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.edgebook.control.ControlJson;

/**
 * Reads a heartbeat's body (docs/control-plane.md section 4) with Jackson's streaming parser, holding it to the
 * contract's limits: at most {@link #MAX_BYTES} in all, {@link #MAX_ROUTES} routes, {@link #MAX_SAMPLES} samples per
 * shadow, each sample's texts at most {@link #MAX_SAMPLE_CHARS}. Unknown members are skipped (a newer agent may send
 * more); missing ones are empty or zero. A refused body throws {@link IllegalArgumentException} naming the field.
 * <p>
 * Threading: stateless; call from any thread.
 */
public final class HeartbeatParser {
    public static final int MAX_BYTES = 64 * 1024;
    public static final int MAX_ROUTES = 64;
    public static final int MAX_SAMPLES = 3;
    public static final int MAX_SAMPLE_CHARS = 1024;
    public static final int MAX_LOAD_FAILURES = 64;
    private static final int MAX_TEXT = 256;
    private static final int MAX_VERSIONS = 16;

    private HeartbeatParser() {
    }

    /** The heartbeat in {@code body}, sent by {@code nodeId} and received at {@code receivedAt}. */
    public static Heartbeat parse(final byte[] body, final String nodeId, final long receivedAt) {
        if (body.length > MAX_BYTES) {
            throw new IllegalArgumentException("the heartbeat is " + body.length + " bytes; at most " + MAX_BYTES);
        }
        return read(body, nodeId, receivedAt);
    }

    /**
     * A heartbeat as the store keeps it ({@link HeartbeatJson}): the same limits but the size, since the text written
     * back, with every member present, may be a little longer than the body that came in.
     */
    public static Heartbeat parseStored(final byte[] text, final String nodeId, final long receivedAt) {
        return read(text, nodeId, receivedAt);
    }

    private static Heartbeat read(final byte[] body, final String nodeId, final long receivedAt) {
        try (JsonParser p = ControlJson.JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("the heartbeat is a JSON object");
            }
            long seq = 0;
            String agent = "";
            Map<String, String> versions = Map.of();
            String health = "ok";
            String applied = "";
            List<Heartbeat.Route> routes = List.of();
            List<Heartbeat.LoadFailure> failures = List.of();
            Heartbeat.Telemetry telemetry = new Heartbeat.Telemetry(0, 0, 0, 0, 0);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                final String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "seq" -> seq = count(p, "seq");
                    case "agent" -> agent = text(p, "agent", MAX_TEXT);
                    case "versions" -> versions = versions(p);
                    case "health" -> {
                        health = text(p, "health", 16);
                        if (!health.equals("ok") && !health.equals("degraded") && !health.equals("failing")) {
                            throw new IllegalArgumentException("health is ok, degraded or failing, not " + health);
                        }
                    }
                    case "applied" -> applied = text(p, "applied", 128);
                    case "routes" -> routes = routes(p);
                    case "loadFailures" -> failures = loadFailures(p);
                    case "telemetry" -> telemetry = telemetry(p);
                    default -> p.skipChildren();
                }
            }
            return new Heartbeat(nodeId, receivedAt, seq, agent, versions, health, applied, routes, failures,
                    telemetry);
        } catch (final IOException e) {
            throw new IllegalArgumentException("the heartbeat is not JSON: " + e.getMessage());
        }
    }

    private static Map<String, String> versions(final JsonParser p) throws IOException {
        expect(p, JsonToken.START_OBJECT, "versions", "an object of strings");
        final Map<String, String> versions = new TreeMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            final String name = p.currentName();
            p.nextToken();
            versions.put(name, text(p, "versions." + name, MAX_TEXT));
            if (versions.size() > MAX_VERSIONS) {
                throw new IllegalArgumentException("versions holds more than " + MAX_VERSIONS + " entries");
            }
        }
        return Collections.unmodifiableMap(versions);
    }

    private static List<Heartbeat.Route> routes(final JsonParser p) throws IOException {
        expect(p, JsonToken.START_ARRAY, "routes", "an array");
        final List<Heartbeat.Route> routes = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            final String at = "routes[" + routes.size() + "]";
            if (routes.size() == MAX_ROUTES) {
                throw new IllegalArgumentException("routes holds more than " + MAX_ROUTES + " routes");
            }
            expect(p, JsonToken.START_OBJECT, at, "an object");
            String path = "";
            String module = "";
            String version = "";
            String sha256 = "";
            long requests = 0;
            long errors = 0;
            long p50 = 0;
            long p99 = 0;
            Heartbeat.Shadow shadow = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                final String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "path" -> path = text(p, at + ".path", MAX_TEXT);
                    case "module" -> module = text(p, at + ".module", MAX_TEXT);
                    case "version" -> version = text(p, at + ".version", MAX_TEXT);
                    case "sha256" -> sha256 = text(p, at + ".sha256", 64);
                    case "requests" -> requests = count(p, at + ".requests");
                    case "errors" -> errors = count(p, at + ".errors");
                    case "p50Micros" -> p50 = count(p, at + ".p50Micros");
                    case "p99Micros" -> p99 = count(p, at + ".p99Micros");
                    case "shadow" -> shadow = p.currentToken() == JsonToken.VALUE_NULL ? null : shadow(p, at);
                    default -> p.skipChildren();
                }
            }
            routes.add(new Heartbeat.Route(path, module, version, sha256, requests, errors, p50, p99, shadow));
        }
        return List.copyOf(routes);
    }

    private static Heartbeat.Shadow shadow(final JsonParser p, final String route) throws IOException {
        final String at = route + ".shadow";
        expect(p, JsonToken.START_OBJECT, at, "an object or null");
        String module = "";
        String version = "";
        String sha256 = "";
        long compared = 0;
        long mismatches = 0;
        final List<Heartbeat.Sample> samples = new ArrayList<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            final String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "module" -> module = text(p, at + ".module", MAX_TEXT);
                case "version" -> version = text(p, at + ".version", MAX_TEXT);
                case "sha256" -> sha256 = text(p, at + ".sha256", 64);
                case "compared" -> compared = count(p, at + ".compared");
                case "mismatches" -> mismatches = count(p, at + ".mismatches");
                case "samples" -> {
                    expect(p, JsonToken.START_ARRAY, at + ".samples", "an array");
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        final String s = at + ".samples[" + samples.size() + "]";
                        if (samples.size() == MAX_SAMPLES) {
                            throw new IllegalArgumentException(at + ".samples holds more than " + MAX_SAMPLES
                                    + " samples");
                        }
                        expect(p, JsonToken.START_OBJECT, s, "an object");
                        String request = "";
                        String served = "";
                        String shadowAnswer = "";
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            final String f = p.currentName();
                            p.nextToken();
                            switch (f) {
                                case "request" -> request = text(p, s + ".request", MAX_SAMPLE_CHARS);
                                case "served" -> served = text(p, s + ".served", MAX_SAMPLE_CHARS);
                                case "shadow" -> shadowAnswer = text(p, s + ".shadow", MAX_SAMPLE_CHARS);
                                default -> p.skipChildren();
                            }
                        }
                        samples.add(new Heartbeat.Sample(request, served, shadowAnswer));
                    }
                }
                default -> p.skipChildren();
            }
        }
        return new Heartbeat.Shadow(module, version, sha256, compared, mismatches, List.copyOf(samples));
    }

    private static List<Heartbeat.LoadFailure> loadFailures(final JsonParser p) throws IOException {
        expect(p, JsonToken.START_ARRAY, "loadFailures", "an array");
        final List<Heartbeat.LoadFailure> failures = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            final String at = "loadFailures[" + failures.size() + "]";
            if (failures.size() == MAX_LOAD_FAILURES) {
                throw new IllegalArgumentException("loadFailures holds more than " + MAX_LOAD_FAILURES);
            }
            expect(p, JsonToken.START_OBJECT, at, "an object");
            String path = "";
            String sha256 = "";
            String reason = "";
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                final String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "path" -> path = text(p, at + ".path", MAX_TEXT);
                    case "sha256" -> sha256 = text(p, at + ".sha256", 64);
                    case "reason" -> reason = text(p, at + ".reason", MAX_SAMPLE_CHARS);
                    default -> p.skipChildren();
                }
            }
            failures.add(new Heartbeat.LoadFailure(path, sha256, reason));
        }
        return List.copyOf(failures);
    }

    private static Heartbeat.Telemetry telemetry(final JsonParser p) throws IOException {
        expect(p, JsonToken.START_OBJECT, "telemetry", "an object");
        long transactions = 0;
        long outbox = 0;
        long lag = 0;
        long heap = 0;
        long rss = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            final String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "transactions" -> transactions = count(p, "telemetry.transactions");
                case "outboxDepth" -> outbox = count(p, "telemetry.outboxDepth");
                case "forwardLagMillis" -> lag = count(p, "telemetry.forwardLagMillis");
                case "heapUsedBytes" -> heap = count(p, "telemetry.heapUsedBytes");
                case "rssBytes" -> rss = count(p, "telemetry.rssBytes");
                default -> p.skipChildren();
            }
        }
        return new Heartbeat.Telemetry(transactions, outbox, lag, heap, rss);
    }

    private static void expect(final JsonParser p, final JsonToken token, final String field, final String what) {
        if (p.currentToken() != token) {
            throw new IllegalArgumentException(field + " is " + what);
        }
    }

    private static String text(final JsonParser p, final String field, final int max) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw new IllegalArgumentException(field + " is a string");
        }
        final String text = p.getText();
        if (text.length() > max) {
            throw new IllegalArgumentException(field + " is " + text.length() + " characters; at most " + max);
        }
        return text;
    }

    private static long count(final JsonParser p, final String field) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
            throw new IllegalArgumentException(field + " is a whole number");
        }
        final long value;
        try {
            value = p.getLongValue();
        } catch (final IOException e) {
            throw new IllegalArgumentException(field + " is larger than a long");
        }
        if (value < 0) {
            throw new IllegalArgumentException(field + " is at least 0, not " + value);
        }
        return value;
    }
}
