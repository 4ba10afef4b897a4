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
import org.edgebook.engine.Side;
import org.edgebook.journal.UtcMicros;

/**
 * The private channel's message for one account and one command:
 * {@code {"channel":"private","seq":N,"events":[…]}}. Events are the engine's JSON, except trades: a trade becomes the
 * account's own fill, {@code {"type":"trade","cmd":N,"tradeId":"N-k","time":…,"symbol":…,"price":…,"quantity":…,
 * "side":"BUY","liquidity":"maker","clientOrderId":…}}, with the account's own side and order id and nothing of the
 * counterparty (its account or order id), as on a venue. A self-trade is two fills, maker and taker. Stateless.
 */
final class PrivateEvents {
    private static final JsonFactory JSON = new JsonFactory();

    private PrivateEvents() {
    }

    /** The message of {@code account}'s events among {@code all} (the command's events, to number its trades). */
    static byte[] message(final long seq, final long timeMicros, final List<Event> mine, final List<Event> all,
                          final String account) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("channel", "private");
            json.writeNumberField("seq", seq);
            json.writeArrayFieldStart("events");
            int trade = 0;
            for (final Event event : all) {
                if (event instanceof Event.Trade t) {
                    trade++;
                    if (account.equals(t.makerAccount())) {
                        fill(json, seq, timeMicros, trade, t, true);
                    }
                    if (account.equals(t.takerAccount())) {
                        fill(json, seq, timeMicros, trade, t, false);
                    }
                } else if (mine.contains(event)) {
                    json.writeRawValue(engineJson(seq, event));
                }
            }
            json.writeEndArray();
            json.writeEndObject();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void fill(final JsonGenerator json, final long seq, final long timeMicros, final int n,
                             final Event.Trade t, final boolean maker) throws IOException {
        final Side side = maker ? (t.takerSide() == Side.BUY ? Side.SELL : Side.BUY) : t.takerSide();
        json.writeStartObject();
        json.writeStringField("type", "trade");
        json.writeNumberField("cmd", t.cmd());
        json.writeStringField("tradeId", seq + "-" + n);
        json.writeStringField("time", UtcMicros.instant(timeMicros).toString());
        json.writeStringField("symbol", t.symbol());
        json.writeStringField("price", t.price().toString());
        json.writeStringField("quantity", t.quantity().toString());
        json.writeStringField("side", side.name());
        json.writeStringField("liquidity", maker ? "maker" : "taker");
        json.writeStringField("clientOrderId", maker ? t.makerOrderId() : t.takerOrderId());
        json.writeEndObject();
    }

    private static String engineJson(final long seq, final Event event) {
        final ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        try (JsonEventWriter writer = new JsonEventWriter(line)) {
            EventReplayer.replay(seq, seq, List.of(event), writer);
        }
        return line.toString(StandardCharsets.UTF_8).strip();
    }
}
