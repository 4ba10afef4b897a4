package org.edgebook.control.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The nodes' rows ({@code V1_1__nodes.sql}): read whole when the control plane starts, and written behind in one
 * batch a second (each changed node's state, interval and last heartbeat, with the events of that second), never
 * once per heartbeat. A batch never overwrites a revocation: a revoked row stays revoked.
 * <p>
 * Threading: thread-safe (each call takes its own connection); the fleet calls {@link #write} from one thread.
 */
public final class NodeStore {
    /** A node as stored; {@code heartbeat} is its last heartbeat's JSON text, or null. */
    public record Row(String id, String name, String region, String labels, String publicKey, String state,
                      long enrolledAt, long intervalMs, Long lastHeartbeatAt, String heartbeat) {
    }

    /** A changed node, to write. */
    public record Change(String id, String state, long intervalMs, Long lastHeartbeatAt, String heartbeat) {
    }

    /** An event, to write. */
    public record Event(long at, String kind, String subject, String detail) {
    }

    private final Database db;

    public NodeStore(final Database db) {
        this.db = db;
    }

    /** Every node, revoked ones included. */
    public List<Row> loadAll() throws SQLException {
        return db.inTransaction(c -> {
            final List<Row> rows = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT node_id, node_name, region, labels, public_key, "
                    + "state, enrolled_at, interval_ms, last_heartbeat_at, heartbeat FROM nodes")) {
                s.setFetchSize(1000);
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        final long last = r.getLong(9);
                        rows.add(new Row(r.getString(1), r.getString(2), r.getString(3), r.getString(4),
                                r.getString(5), r.getString(6), r.getLong(7), r.getLong(8), r.wasNull() ? null : last,
                                r.getString(10)));
                    }
                }
            }
            return rows;
        });
    }

    /** Writes {@code changes} and {@code events} in one transaction, each as one batch. */
    public void write(final List<Change> changes, final List<Event> events) throws SQLException {
        if (changes.isEmpty() && events.isEmpty()) {
            return;
        }
        db.inTransaction(c -> {
            writeChanges(c, changes);
            writeEvents(c, events);
            return null;
        });
    }

    private static void writeChanges(final Connection c, final List<Change> changes) throws SQLException {
        if (changes.isEmpty()) {
            return;
        }
        try (PreparedStatement s = c.prepareStatement("UPDATE nodes SET state = ?, interval_ms = ?, "
                + "last_heartbeat_at = ?, heartbeat = ? WHERE node_id = ? AND state <> 'revoked'")) {
            for (final Change ch : changes) {
                s.setString(1, ch.state());
                s.setLong(2, ch.intervalMs());
                if (ch.lastHeartbeatAt() == null) {
                    s.setNull(3, java.sql.Types.BIGINT);
                } else {
                    s.setLong(3, ch.lastHeartbeatAt());
                }
                s.setString(4, ch.heartbeat());
                s.setString(5, ch.id());
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    private static void writeEvents(final Connection c, final List<Event> events) throws SQLException {
        if (events.isEmpty()) {
            return;
        }
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO events (at, kind, subject, detail) VALUES (?, ?, ?, ?)")) {
            for (final Event e : events) {
                s.setLong(1, e.at());
                s.setString(2, e.kind());
                s.setString(3, e.subject());
                s.setString(4, e.detail());
                s.addBatch();
            }
            s.executeBatch();
        }
    }
}
