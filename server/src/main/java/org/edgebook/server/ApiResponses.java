package org.edgebook.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.edgebook.codec.JsonEventWriter;
import org.edgebook.engine.Event;
import org.edgebook.engine.EventReplayer;
import org.edgebook.engine.RejectReason;

/** What the API answers: a command's events as JSON with the HTTP status that fits, or an error. Stateless. */
final class ApiResponses {
    private static final JsonFactory JSON = new JsonFactory();

    private ApiResponses() {
    }

    /**
     * {@code {"seq":N,"time":"…","events":[…]}}: the events exactly as the engine's JSON lines have them, and the time
     * the command was sequenced (its trades' execution time).
     */
    static byte[] events(final long seq, final long timeMicros, final List<Event> events) {
        final ByteArrayOutputStream lines = new ByteArrayOutputStream(256);
        try (JsonEventWriter writer = new JsonEventWriter(lines)) {
            EventReplayer.replay(seq, seq, events, writer);
        }
        final String joined = String.join(",", lines.toString(StandardCharsets.UTF_8).lines().toList());
        final String time = org.edgebook.journal.UtcMicros.instant(timeMicros).toString();
        return ("{\"seq\":" + seq + ",\"time\":\"" + time + "\",\"events\":[" + joined + "]}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The events as {@code key} may see them: an account key sees its own side of each trade, and the other side's
     * account and order id as {@code null} (a venue does not name counterparties); the admin key sees everything.
     */
    static List<Event> seenBy(final ApiKey key, final List<Event> events) {
        if (key == null || key.admin()) {
            return events;
        }
        final String account = key.account();
        List<Event> seen = events;
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i) instanceof Event.Trade t
                    && !(account.equals(t.makerAccount()) && account.equals(t.takerAccount()))) {
                if (seen == events) {
                    seen = new java.util.ArrayList<>(events);
                }
                final boolean maker = account.equals(t.makerAccount());
                final boolean taker = account.equals(t.takerAccount());
                seen.set(i, new Event.Trade(t.cmd(), t.symbol(), t.price(), t.quantity(),
                        maker ? t.makerAccount() : null, maker ? t.makerOrderId() : null,
                        taker ? t.takerAccount() : null, taker ? t.takerOrderId() : null, t.takerSide()));
            }
        }
        return seen;
    }

    /** The events of several commands as JSON lines, for the batch endpoint. */
    static void eventLines(final long seq, final List<Event> events, final ByteArrayOutputStream out) {
        try (JsonEventWriter writer = new JsonEventWriter(out)) {
            EventReplayer.replay(seq, seq, events, writer);
        }
    }

    /** 200 unless the command was rejected: 400 malformed, 404 unknown, 409 duplicate, 422 any other rejection. */
    static int status(final List<Event> events) {
        if (events.isEmpty() || !(events.getFirst() instanceof Event.Rejected r)) {
            return 200;
        }
        return statusOf(r.reason());
    }

    static int statusOf(final RejectReason reason) {
        return switch (reason) {
            case MALFORMED -> 400;
            case UNKNOWN_ORDER, UNKNOWN_SYMBOL, UNKNOWN_ASSET, UNKNOWN_ACCOUNT -> 404;
            case DUPLICATE, DUPLICATE_ORDER_ID, DUPLICATE_TRANSFER -> 409;
            default -> 422;
        };
    }

    /** {@code {"error":"…","detail":"…"}}. */
    static byte[] error(final String error, final String detail) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("error", error);
            if (detail != null) {
                json.writeStringField("detail", detail);
            }
            json.writeEndObject();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
