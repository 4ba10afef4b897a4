package org.edgebook.journal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.edgebook.codec.JsonCommandWriter;
import org.edgebook.codec.JsonText;
import org.edgebook.engine.Engine;
import org.edgebook.engine.Event;
import org.edgebook.engine.EventCollector;

/**
 * The audit trail, straight from the journal: every command with its sequence number, the time it was sequenced,
 * its source (the API key id that sent it, or the tool), the command itself, and its outcome, as JSON lines:
 * <pre>{"seq":12,"time":"2026-11-22T00:31:02.129542Z","source":"ek_…","command":{…},"outcome":"accepted","events":3}</pre>
 * The outcome is the first event's type, or {@code rejected:REASON} ({@code duplicate} for a sourced command that
 * repeated one already executed). The journal's {@code source} here is who submitted the command; a sourced command's
 * own {@code source} and {@code sourceSeq} (its sender's numbering) are inside {@code command}. Commands are replayed through a fresh engine to
 * learn their outcomes, from the journal's start or the oldest snapshot it continues.
 * <p>
 * Threading: the calling thread.
 */
public final class AuditReport {

    private AuditReport() {
    }

    /** Writes the commands sequenced in {@code [fromMicros, toMicros)}; returns how many. */
    public static long write(final Path dir, final long fromMicros, final long toMicros, final OutputStream out)
            throws IOException {
        final EventCollector events = new EventCollector();
        final EventSinkSwitch sink = new EventSinkSwitch(events);
        final JournalStart start = JournalStart.of(dir, sink);
        final Engine engine = start.engine();
        final ByteArrayOutputStream command = new ByteArrayOutputStream(256);
        final JsonCommandWriter commandJson = new JsonCommandWriter(command);
        final StringBuilder line = new StringBuilder(512);
        final long[] written = {0};
        JournalScanner.scanSourced(dir, start.seq(), Long.MAX_VALUE, true, (seq, time, source, c) -> {
            engine.execute(seq, c);
            final List<Event> caused = events.drain();
            if (time < fromMicros || time >= toMicros) {
                return;
            }
            command.reset();
            commandJson.write(c);
            commandJson.flush();
            line.setLength(0);
            line.append("{\"seq\":").append(seq).append(",\"time\":\"")
                    .append(UtcMicros.reportText(time))
                    .append("\",\"source\":").append(JsonText.quote(source))
                    .append(",\"command\":").append(command.toString(StandardCharsets.UTF_8).strip())
                    .append(",\"outcome\":\"").append(outcome(caused)).append("\",\"events\":")
                    .append(caused.size()).append("}\n");
            out.write(line.toString().getBytes(StandardCharsets.UTF_8));
            written[0]++;
        });
        out.flush();
        return written[0];
    }

    static String outcome(final List<Event> events) {
        if (events.isEmpty()) {
            return "none";
        }
        return switch (events.getFirst()) {
            case Event.Rejected r -> "rejected:" + r.reason();
            case Event.SequenceGap g -> "rejected:" + g.reason();
            case Event.Duplicate d -> "duplicate";
            case Event.Ok o -> "ok";
            case Event.Accepted a -> "accepted";
            case Event.Transferred t -> "transferred";
            case Event.Trade t -> "trade";
            case Event.Cancelled c -> "cancelled";
            case Event.Modified m -> "modified";
            case Event.Book b -> "book";
            case Event.Balances b -> "balances";
            case Event.Orders o -> "orders";
        };
    }

}
