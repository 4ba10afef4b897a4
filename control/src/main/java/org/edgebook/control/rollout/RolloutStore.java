package org.edgebook.control.rollout;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rollouts' tables ({@code V3__rollouts.sql}): each call runs in the caller's transaction.
 * <p>
 * Stateless and thread-safe.
 */
final class RolloutStore {
    private RolloutStore() {
    }

    /** Takes the next rollout id, {@code r-1}, {@code r-2}, … */
    static String nextId(final Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT next_id FROM rollout_counter WHERE id = 1 FOR UPDATE");
             ResultSet r = s.executeQuery()) {
            r.next();
            final long next = r.getLong(1);
            try (PreparedStatement u = c.prepareStatement("UPDATE rollout_counter SET next_id = ? WHERE id = 1")) {
                u.setLong(1, next + 1);
                u.executeUpdate();
            }
            return "r-" + next;
        }
    }

    static void insert(final Connection c, final Rollout r) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO rollouts (id, group_name, path, module, "
                + "from_version, to_version, to_sha256, spec, state, paused, wave, phase_started, reason, created_at, "
                + "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            s.setString(1, r.id);
            s.setString(2, r.spec.group());
            s.setString(3, r.spec.path());
            s.setString(4, r.module);
            s.setString(5, r.fromVersion);
            s.setString(6, r.toVersion);
            s.setString(7, r.toSha256);
            s.setString(8, r.spec.json());
            s.setString(9, r.state.name());
            s.setBoolean(10, r.paused);
            s.setInt(11, r.wave);
            s.setLong(12, r.phaseStarted);
            s.setString(13, r.reason);
            s.setLong(14, r.createdAt);
            s.setLong(15, r.updatedAt);
            s.executeUpdate();
        }
    }

    static void update(final Connection c, final Rollout r) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE rollouts SET state = ?, paused = ?, wave = ?, "
                + "phase_started = ?, reason = ?, updated_at = ? WHERE id = ?")) {
            s.setString(1, r.state.name());
            s.setBoolean(2, r.paused);
            s.setInt(3, r.wave);
            s.setLong(4, r.phaseStarted);
            s.setString(5, r.reason);
            s.setLong(6, r.updatedAt);
            s.setString(7, r.id);
            s.executeUpdate();
        }
    }

    /** Assigns {@code nodes} to {@code wave}; the primary key refuses a node assigned before. */
    static void assign(final Connection c, final String rolloutId, final Map<String, Rollout.Baseline> nodes)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO rollout_nodes (rollout_id, node_id, wave, "
                + "assigned_at, base_requests, base_errors, base_p99_micros) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            for (final Map.Entry<String, Rollout.Baseline> e : nodes.entrySet()) {
                final Rollout.Baseline b = e.getValue();
                s.setString(1, rolloutId);
                s.setString(2, e.getKey());
                s.setInt(3, b.wave());
                s.setLong(4, b.assignedAt());
                s.setLong(5, b.requests());
                s.setLong(6, b.errors());
                s.setLong(7, b.p99Micros());
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    static void shadows(final Connection c, final String rolloutId, final List<String> nodes, final long at)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO rollout_shadows (rollout_id, node_id, assigned_at) VALUES (?, ?, ?)")) {
            for (final String node : nodes) {
                s.setString(1, rolloutId);
                s.setString(2, node);
                s.setLong(3, at);
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    /** Every rollout, oldest first; the nodes of those that hold nodes (active or aborted). */
    static List<Rollout> loadAll(final Connection c) throws SQLException {
        final Map<String, Rollout> byId = new LinkedHashMap<>();
        try (PreparedStatement s = c.prepareStatement("SELECT id, spec, module, from_version, to_version, to_sha256, "
                + "state, paused, wave, phase_started, reason, created_at, updated_at FROM rollouts ORDER BY "
                + "created_at, id"); ResultSet r = s.executeQuery()) {
            while (r.next()) {
                final Rollout rollout = new Rollout(r.getString(1), RolloutSpec.parse(r.getString(2).getBytes(
                        java.nio.charset.StandardCharsets.UTF_8)), r.getString(3), r.getString(4), r.getString(5), r
                                .getString(6), r.getLong(12));
                rollout.state = Rollout.State.valueOf(r.getString(7));
                rollout.paused = r.getBoolean(8);
                rollout.wave = r.getInt(9);
                rollout.phaseStarted = r.getLong(10);
                rollout.reason = r.getString(11);
                rollout.updatedAt = r.getLong(13);
                byId.put(rollout.id, rollout);
            }
        }
        for (final Rollout rollout : byId.values()) {
            rollout.waves.addAll(waves(c, rollout.id));
            if (!rollout.state.active() && rollout.state != Rollout.State.ABORTED) {
                continue;
            }
            try (PreparedStatement s = c.prepareStatement("SELECT node_id, wave, assigned_at, base_requests, "
                    + "base_errors, base_p99_micros FROM rollout_nodes WHERE rollout_id = ?")) {
                s.setString(1, rollout.id);
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        rollout.assigned.put(r.getString(1), new Rollout.Baseline(r.getInt(2), r.getLong(3), r
                                .getLong(4), r.getLong(5), r.getLong(6)));
                    }
                }
            }
            if (rollout.state != Rollout.State.SHADOW) {
                continue; // the shadow stage's nodes matter only while it runs
            }
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT node_id FROM rollout_shadows WHERE rollout_id = ?")) {
                s.setString(1, rollout.id);
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        rollout.shadows.add(r.getString(1));
                    }
                }
            }
        }
        return new ArrayList<>(byId.values());
    }

    /** Per wave of a rollout: {wave, nodes, first assigned at}, in wave order. */
    static List<long[]> waves(final Connection c, final String rolloutId) throws SQLException {
        final List<long[]> waves = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT wave, COUNT(*), MIN(assigned_at) FROM rollout_nodes "
                + "WHERE rollout_id = ? GROUP BY wave ORDER BY wave")) {
            s.setString(1, rolloutId);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    waves.add(new long[] {r.getInt(1), r.getLong(2), r.getLong(3)});
                }
            }
        }
        return waves;
    }
}
