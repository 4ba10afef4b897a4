package org.edgebook.edge.functions;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.edgebook.edge.EdgeFunction;
import org.edgebook.edge.EdgeRequest;
import org.edgebook.edge.EdgeResponse;
import org.edgebook.edge.json.JsonSyntaxException;
import org.edgebook.edge.json.JsonTape;

/**
 * The JSON transformer of docs/edge-functions.md section 3, native form: each event's timestamp normalized to UTC
 * epoch milliseconds and its payload hashed (SHA-256 of the payload exactly as written). The C guest
 * {@code guests/src/transform.c} is the WebAssembly form; a differential test keeps the two byte-identical.
 * <p>
 * Stateless; the tape, digest and output buffer are per thread.
 */
public final class TransformFunction implements EdgeFunction {
    private static final byte[] USER_ID = ascii("user_id");
    private static final byte[] EVENTS = ascii("events");
    private static final byte[] EVENT_TYPE = ascii("event_type");
    private static final byte[] TIMESTAMP = ascii("timestamp");
    private static final byte[] PAYLOAD = ascii("payload");
    private static final byte[] METADATA = ascii("metadata");
    private static final byte[] TRACE_ID = ascii("trace_id");
    private static final byte[] SOURCE = ascii("source");
    private static final byte[] HEX = ascii("0123456789abcdef");
    private static final byte[] EVENT_TYPE_FIELD = ascii("{\"event_type\":");
    private static final byte[] TIMESTAMP_FIELD = ascii(",\"normalized_timestamp\":");
    private static final byte[] HASH_FIELD = ascii(",\"hash\":\"");

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    @Override
    public String name() {
        return "transform";
    }

    @Override
    public EdgeResponse handle(final EdgeRequest request) {
        final Scratch s = SCRATCH.get();
        try {
            s.tape.parse(request.body(), request.bodyLength());
            return new EdgeResponse(200, EdgeResponse.JSON, transform(s));
        } catch (JsonSyntaxException e) {
            return EdgeResponse.error(400, "invalid_json", e.getMessage());
        } catch (InvalidRequest e) {
            return e.response();
        }
    }

    private static byte[] transform(final Scratch s) throws InvalidRequest {
        final JsonTape t = s.tape;
        final byte[] b = t.body();
        if (t.type(0) != JsonTape.OBJECT) {
            throw new InvalidRequest("body", "expected an object");
        }
        final int userId = t.member(0, USER_ID);
        if (userId < 0) {
            throw new InvalidRequest("user_id", "missing");
        }
        if (t.type(userId) != JsonTape.STRING && t.type(userId) != JsonTape.NUMBER) {
            throw new InvalidRequest("user_id", "expected a string or a number");
        }
        final int events = t.member(0, EVENTS);
        if (events < 0) {
            throw new InvalidRequest("events", "missing");
        }
        if (t.type(events) != JsonTape.ARRAY) {
            throw new InvalidRequest("events", "expected an array");
        }
        final ByteOutput out = s.out;
        out.reset();
        out.writeAscii("{\"user_id\":");
        out.write(b, t.start(userId), t.end(userId) - t.start(userId));
        out.writeAscii(",\"processed_events\":[");
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        int index = 0;
        for (int event = events + 1; event < t.next(events); event = t.next(event), index++) {
            if (t.type(event) != JsonTape.OBJECT) {
                throw new InvalidRequest(eventPath(index, null), "expected an object");
            }
            final int type = t.member(event, EVENT_TYPE);
            if (type < 0) {
                throw new InvalidRequest(eventPath(index, "event_type"), "missing");
            }
            if (t.type(type) != JsonTape.STRING) {
                throw new InvalidRequest(eventPath(index, "event_type"), "expected a string");
            }
            if (t.isEmptyString(type)) {
                throw new InvalidRequest(422, "invalid_event", eventPath(index, "event_type"), "must not be empty");
            }
            final long millis;
            try {
                millis = Timestamps.read(t, t.member(event, TIMESTAMP));
            } catch (Timestamps.Refused e) {
                throw new InvalidRequest(eventPath(index, "timestamp"), e.getMessage());
            }
            final int payload = t.member(event, PAYLOAD);
            if (payload < 0) {
                throw new InvalidRequest(eventPath(index, "payload"), "missing");
            }
            min = Math.min(min, millis);
            max = Math.max(max, millis);
            if (index > 0) {
                out.write(',');
            }
            out.write(EVENT_TYPE_FIELD);
            out.write(b, t.start(type), t.end(type) - t.start(type));
            out.write(TIMESTAMP_FIELD);
            out.writeLong(millis);
            out.write(HASH_FIELD);
            s.sha256.update(b, t.start(payload), t.end(payload) - t.start(payload));
            try {
                s.sha256.digest(s.digest, 0, s.digest.length);
            } catch (java.security.DigestException e) {
                throw new IllegalStateException(e);
            }
            for (int i = 0; i < 8; i++) {
                out.write(HEX[(s.digest[i] >> 4) & 0xF]);
                out.write(HEX[s.digest[i] & 0xF]);
            }
            out.write('"');
            out.write('}');
        }
        final int metadata = t.member(0, METADATA);
        if (metadata < 0) {
            throw new InvalidRequest("metadata", "missing");
        }
        if (t.type(metadata) != JsonTape.OBJECT) {
            throw new InvalidRequest("metadata", "expected an object");
        }
        final int traceId = t.member(metadata, TRACE_ID);
        if (traceId < 0) {
            throw new InvalidRequest("metadata.trace_id", "missing");
        }
        if (t.type(traceId) != JsonTape.STRING) {
            throw new InvalidRequest("metadata.trace_id", "expected a string");
        }
        final int source = t.member(metadata, SOURCE);
        if (source >= 0 && t.type(source) != JsonTape.STRING) {
            throw new InvalidRequest("metadata.source", "expected a string");
        }
        out.writeAscii("],\"total_duration_ms\":");
        out.writeLong(index == 0 ? 0 : max - min);
        out.writeAscii(",\"trace_id\":");
        out.write(b, t.start(traceId), t.end(traceId) - t.start(traceId));
        out.write('}');
        return out.toByteArray();
    }

    private static String eventPath(final int index, final String field) {
        return "events[" + index + "]" + (field == null ? "" : "." + field);
    }

    static byte[] ascii(final String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static final class Scratch {
        final JsonTape tape = new JsonTape();
        final ByteOutput out = new ByteOutput(8192);
        final MessageDigest sha256;
        final byte[] digest = new byte[32];

        Scratch() {
            try {
                sha256 = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("the JDK has no SHA-256", e);
            }
        }
    }
}
