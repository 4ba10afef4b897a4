package org.edgebook.control;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded store, chosen on measurement (issue 12): H2 (file, MODE=PostgreSQL, as {@code Database.embedded})
 * against SQLite (WAL), on the control plane's own write pattern: the write behind of each second, one batched update
 * of 10,000 node rows of about 600 bytes of heartbeat JSON in one transaction, and enrollments, one row per committed
 * transaction. A short harness, not JMH: each figure is the median of a few rounds after warm-up. Run it with
 * {@code -Dtest=ControlStoreChoiceTest -Dtest.excludedGroups=none}; README (control) has the figures.
 */
@Tag("slow")
class ControlStoreChoiceTest {
    private static final int NODES = 10_000;
    private static final int ENROLLMENTS = 1_000;

    @TempDir
    Path dir;

    @Test
    void h2AgainstSqliteOnTheWriteBehindAndEnrollments() throws SQLException {
        final long seed = 42;
        System.out.println("ControlStoreChoiceTest seed " + seed);
        final String heartbeat = heartbeat(new Random(seed));
        final double[] h2Text = measure("jdbc:h2:file:" + dir.resolve("h2text") + ";MODE=PostgreSQL;"
                + "DATABASE_TO_LOWER=TRUE", heartbeat, null, "TEXT");
        final double[] h2 = measure("jdbc:h2:file:" + dir.resolve("h2") + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE",
                heartbeat, null, "VARCHAR");
        final double[] sqliteNormal = measure("jdbc:sqlite:" + dir.resolve("normal.db"), heartbeat, "NORMAL", "TEXT");
        final double[] sqliteFull = measure("jdbc:sqlite:" + dir.resolve("full.db"), heartbeat, "FULL", "TEXT");
        final double[] postgres = measure(TestStores.freshPostgresUrl(), heartbeat, null, "VARCHAR");
        System.out.printf("store choice: batch of %,d rows (ms)  /  one enrollment committed (µs)%n", NODES);
        System.out.printf("  H2 file, heartbeat TEXT (a CLOB in H2) %8.1f ms  /  %8.1f µs%n", h2Text[0], h2Text[1]);
        System.out.printf("  H2 file, heartbeat VARCHAR             %8.1f ms  /  %8.1f µs%n", h2[0], h2[1]);
        System.out.printf("  SQLite WAL synchronous=NORMAL %5.1f ms  /  %8.1f µs%n", sqliteNormal[0], sqliteNormal[1]);
        System.out.printf("  SQLite WAL synchronous=FULL   %5.1f ms  /  %8.1f µs%n", sqliteFull[0], sqliteFull[1]);
        System.out.printf("  PostgreSQL (local, for reference)       %8.1f ms  /  %8.1f µs%n", postgres[0],
                postgres[1]);
        // What the control plane needs of it: the batch of a second fits in that second, on its own thread.
        assertThat(h2[0]).as("H2's batch of %,d rows, ms", NODES).isLessThan(1_000);
    }

    /** {median ms of the 10,000-row batch, median µs of one enrollment}. */
    private static double[] measure(final String url, final String heartbeat, final String synchronous,
                                    final String textType) throws SQLException {
        try (Connection c = DriverManager.getConnection(url)) {
            try (Statement s = c.createStatement()) {
                if (synchronous != null) {
                    s.execute("PRAGMA journal_mode=WAL");
                    s.execute("PRAGMA synchronous=" + synchronous);
                }
                s.execute("CREATE TABLE nodes (node_id VARCHAR(32) PRIMARY KEY, state VARCHAR(16) NOT NULL, "
                        + "interval_ms BIGINT NOT NULL, last_heartbeat_at BIGINT, heartbeat " + textType
                        + ", public_key "
                        + "VARCHAR(64) NOT NULL)");
            }
            c.setAutoCommit(false);
            try (PreparedStatement s = c.prepareStatement("INSERT INTO nodes (node_id, state, interval_ms, "
                    + "public_key) VALUES (?, 'up', 10000, ?)")) {
                for (int i = 1; i <= NODES; i++) {
                    s.setString(1, "n-" + i);
                    s.setString(2, "k" + i);
                    s.addBatch();
                }
                s.executeBatch();
            }
            c.commit();
            final double[] batches = new double[7];
            for (int round = 0; round < batches.length; round++) {
                final long start = System.nanoTime();
                try (PreparedStatement s = c.prepareStatement("UPDATE nodes SET state = ?, interval_ms = ?, "
                        + "last_heartbeat_at = ?, heartbeat = ? WHERE node_id = ? AND state <> 'revoked'")) {
                    for (int i = 1; i <= NODES; i++) {
                        s.setString(1, "up");
                        s.setLong(2, 10_000);
                        s.setLong(3, round * 1000L + i);
                        s.setString(4, heartbeat);
                        s.setString(5, "n-" + i);
                        s.addBatch();
                    }
                    s.executeBatch();
                }
                c.commit();
                batches[round] = (System.nanoTime() - start) / 1e6;
            }
            final double[] inserts = new double[3];
            int next = NODES;
            for (int round = 0; round < inserts.length; round++) {
                final long start = System.nanoTime();
                for (int i = 0; i < ENROLLMENTS; i++) {
                    next++;
                    try (PreparedStatement s = c.prepareStatement("INSERT INTO nodes (node_id, state, interval_ms, "
                            + "public_key) VALUES (?, 'up', 10000, ?)")) {
                        s.setString(1, "n-" + next);
                        s.setString(2, "k" + next);
                        s.executeUpdate();
                    }
                    c.commit();
                }
                inserts[round] = (System.nanoTime() - start) / 1e3 / ENROLLMENTS;
            }
            return new double[] {median(Arrays.copyOfRange(batches, 2, batches.length)), median(inserts)};
        }
    }

    private static double median(final double[] values) {
        final double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /** About 600 bytes of a heartbeat's JSON text. */
    private static String heartbeat(final Random random) {
        final StringBuilder sb = new StringBuilder(640);
        sb.append("{\"seq\":").append(random.nextInt(1_000_000)).append(",\"agent\":\"edgebook-edge/0.1.0\",")
                .append("\"versions\":{\"edgebook\":\"0.1.0\",\"runtime\":\"chicory-1.7.5\"},\"health\":\"ok\",")
                .append("\"applied\":\"").append(Long.toHexString(random.nextLong())).append("\",\"routes\":[");
        for (int r = 0; r < 2; r++) {
            sb.append(r == 0 ? "" : ",").append("{\"path\":\"/wasm/transform").append(r)
                    .append("\",\"module\":\"transform\",\"version\":\"1.2.0\",\"sha256\":\"")
                    .append(Long.toHexString(random.nextLong())).append(Long.toHexString(random.nextLong()))
                    .append("\",\"requests\":1200,\"errors\":3,\"p50Micros\":800,\"p99Micros\":4200}");
        }
        sb.append("],\"loadFailures\":[],\"telemetry\":{\"transactions\":1200,\"outboxDepth\":4,")
                .append("\"forwardLagMillis\":35,\"heapUsedBytes\":41000000,\"rssBytes\":0}}");
        return sb.toString();
    }
}
