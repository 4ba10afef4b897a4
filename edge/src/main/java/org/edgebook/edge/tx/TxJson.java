package org.edgebook.edge.tx;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.edgebook.edge.outbox.Outbox;

/**
 * The transaction path's answers as JSON, written by Jackson's generator: a transaction's state
 * ({@code {"id":…,"state":"settled","account":…,"cmd":N,"events":[…]}}) and errors
 * ({@code {"error":…,"detail":…}}). Stateless and thread-safe.
 */
public final class TxJson {
    private static final JsonFactory JSON = new JsonFactory();

    private TxJson() {
    }

    /** Writes members into an object that is being written. */
    @FunctionalInterface
    public interface Members {
        void write(JsonGenerator json) throws IOException;
    }

    /** One JSON object holding what {@code members} write. */
    public static byte[] object(final Members members) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            members.write(json);
            json.writeEndObject();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static byte[] error(final String error, final String detail) {
        return object(json -> {
            json.writeStringField("error", error);
            json.writeStringField("detail", detail);
        });
    }

    /** A state's members: id, state, account, and what its state has (forwardSeq, cmd, events, by, reason, times). */
    public static void state(final JsonGenerator json, final Outbox.TxState s) throws IOException {
        json.writeStringField("id", s.id());
        json.writeStringField("state", s.state().name().toLowerCase(Locale.ROOT));
        if (s.account() != null) {
            json.writeStringField("account", s.account());
        }
        if (s.forwardSeq() > 0) {
            json.writeNumberField("forwardSeq", s.forwardSeq());
        }
        if (s.state() == Outbox.State.SETTLED) {
            json.writeNumberField("cmd", s.settlementSeq());
            json.writeFieldName("events");
            writeEvents(json, s.events());
        }
        if (s.rejectedBy() != null) {
            json.writeStringField(s.state() == Outbox.State.HELD ? "heldBy" : "rejectedBy", s.rejectedBy());
        }
        if (s.reason() != null) {
            json.writeStringField("reason", s.reason());
        }
        json.writeNumberField("receivedAtMicros", s.receivedAtMicros());
        if (s.endedAtMicros() > 0) {
            json.writeNumberField("endedAtMicros", s.endedAtMicros());
        }
    }

    /** Settlement's events as kept: a JSON array, written as it is; JSON lines, written as an array of them. */
    private static void writeEvents(final JsonGenerator json, final byte[] events) throws IOException {
        if (events == null || events.length == 0) {
            json.writeStartArray();
            json.writeEndArray();
            return;
        }
        int first = 0;
        while (first < events.length && events[first] <= ' ') {
            first++;
        }
        if (first < events.length && events[first] == '[') {
            json.writeRawValue(new String(events, StandardCharsets.UTF_8));
            return;
        }
        json.writeStartArray();
        int start = 0;
        for (int i = 0; i <= events.length; i++) {
            if (i == events.length || events[i] == '\n') {
                if (i > start) {
                    json.writeRawValue(new String(events, start, i - start, StandardCharsets.UTF_8));
                }
                start = i + 1;
            }
        }
        json.writeEndArray();
    }
}
