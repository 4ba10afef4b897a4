package org.edgebook.control.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Appends to the audit log and the event log ({@code V1_0__store.sql}), inside the caller's transaction so that a
 * record is kept exactly when the change it describes is. {@code detail} is a JSON object's text, written by the
 * caller with a generator.
 * <p>
 * Stateless and thread-safe.
 */
public final class Records {
    private Records() {
    }

    /** Records that {@code actor} (an operator key id, or {@code rollout:r-1}) did {@code action} to {@code subject}. */
    public static void audit(final Connection c, final long at, final String actor, final String action,
                             final String subject, final String detail) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO audit (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)")) {
            s.setLong(1, at);
            s.setString(2, actor);
            s.setString(3, action);
            s.setString(4, subject);
            s.setString(5, detail);
            s.executeUpdate();
        }
    }

    /** Records an event of {@code kind} ({@code node.down}, {@code rollout.wave}, …) about {@code subject}. */
    public static void event(final Connection c, final long at, final String kind, final String subject,
                             final String detail) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO events (at, kind, subject, detail) VALUES (?, ?, ?, ?)")) {
            s.setLong(1, at);
            s.setString(2, kind);
            s.setString(3, subject);
            s.setString(4, detail);
            s.executeUpdate();
        }
    }
}
