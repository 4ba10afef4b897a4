package org.edgebook.control;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.edgebook.control.store.Database;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Heartbeats are written behind (docs/control-plane.md section 4): none reaches the store on the request path; the
 * fleet's tick writes each node's last one, in one batch. The tick is made an hour long here and run by hand.
 */
class WriteBehindTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void heartbeatsReachTheStoreOnlyInTheTicksBatchLastOneEach(final Database.Kind kind) throws Exception {
        try (Control c = Control.start(Control.Store.fresh(kind, dir), new AtomicLong(System.currentTimeMillis()),
                config -> config.withFleetTick(3_600_000))) {
            final String token = c.token("{\"uses\":5}");
            final List<Control.Node> nodes = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                nodes.add(c.enroll(token, null, null));
            }
            for (int round = 0; round < 4; round++) {
                for (final Control.Node n : nodes) {
                    n.heartbeat("transform", "1." + round + ".0");
                }
            }
            Control.await("20 heartbeats in memory", () -> nodes.stream().allMatch(n -> c.server.fleet().node(n.id)
                    .last() != null && c.server.fleet().node(n.id).last().seq() == 4));
            assertThat(stored(c)).isZero(); // nothing written on the request path
            c.server.fleet().sweepAndFlushNow();
            assertThat(stored(c)).isEqualTo(5);
            final String text = c.server.database().inTransaction(conn -> {
                try (ResultSet r = conn.createStatement().executeQuery(
                        "SELECT heartbeat FROM nodes WHERE node_id = 'n-1'")) {
                    r.next();
                    return r.getString(1);
                }
            });
            assertThat(text).contains("\"seq\":4", "\"version\":\"1.3.0\"");
        }
    }

    private static int stored(final Control c) throws Exception {
        return c.server.database().inTransaction(conn -> {
            try (ResultSet r = conn.createStatement().executeQuery(
                    "SELECT COUNT(*) FROM nodes WHERE heartbeat IS NOT NULL")) {
                r.next();
                return r.getInt(1);
            }
        });
    }
}
