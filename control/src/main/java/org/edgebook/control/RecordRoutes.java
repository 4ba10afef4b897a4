package org.edgebook.control;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.edgebook.control.store.Database;

/**
 * {@code GET /v1/events} and {@code GET /v1/audit} (docs/control-plane.md section 8): the logs in order, a page after
 * {@code after} (a seq), at most {@code limit} (default 100, at most 1000); {@code next} is the seq to ask after
 * next (the same {@code after} when there is nothing new).
 * <p>
 * Threading: handlers on the event loops; the reads on workers.
 */
final class RecordRoutes implements ControlArea {
    private final Database db;

    RecordRoutes(final Database db) {
        this.db = db;
    }

    @Override
    public void install(final ControlRouting routing) {
        routing.operator(HttpMethod.GET, "/v1/events", ctx -> page(ctx, "events", "kind, subject, detail",
                new String[] {"kind", "subject"}));
        routing.operator(HttpMethod.GET, "/v1/audit", ctx -> page(ctx, "audit", "actor, action, subject, detail",
                new String[] {"actor", "action", "subject"}));
    }

    private void page(final RoutingContext ctx, final String table, final String columns, final String[] names) {
        final long after;
        final int limit;
        try {
            after = number(ctx, "after", 0, 0, Long.MAX_VALUE);
            limit = (int) number(ctx, "limit", 100, 1, 1000);
        } catch (final Refusal r) {
            Answers.refused(ctx, r);
            return;
        }
        Answers.blocking(ctx, 200, () -> db.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT seq, at, " + columns + " FROM " + table
                    + " WHERE seq > ? ORDER BY seq LIMIT " + limit)) {
                s.setLong(1, after);
                final java.util.List<String[]> rows = new java.util.ArrayList<>();
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        final String[] row = new String[3 + names.length];
                        for (int i = 0; i < row.length; i++) {
                            row[i] = r.getString(1 + i);
                        }
                        rows.add(row);
                    }
                }
                return ControlJson.object(json -> {
                    json.writeArrayFieldStart(table);
                    for (final String[] row : rows) {
                        json.writeStartObject();
                        json.writeNumberField("seq", Long.parseLong(row[0]));
                        json.writeNumberField("at", Long.parseLong(row[1]));
                        for (int i = 0; i < names.length; i++) {
                            json.writeStringField(names[i], row[2 + i]);
                        }
                        json.writeFieldName("detail");
                        json.writeRawValue(row[2 + names.length]); // JSON text written by a generator
                        json.writeEndObject();
                    }
                    json.writeEndArray();
                    json.writeNumberField("next", rows.isEmpty() ? after : Long.parseLong(rows.getLast()[0]));
                });
            }
        }));
    }

    private static long number(final RoutingContext ctx, final String name, final long otherwise, final long min,
                               final long max) {
        final String text = ctx.queryParams().get(name);
        if (text == null) {
            return otherwise;
        }
        try {
            final long value = Long.parseLong(text);
            if (value < min || value > max) {
                throw Refusal.malformed(name + " is from " + min + " to " + max + ", not " + value);
            }
            return value;
        } catch (final NumberFormatException e) {
            throw Refusal.malformed(name + " is a whole number, not " + text);
        }
    }
}
