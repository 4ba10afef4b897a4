package org.edgebook.control;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.edgebook.control.fleet.Fleet;
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

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void aHeartbeatLikeTheLastWrittenWaitsAMinuteButAChangedOneIsWrittenAtTheNextTick(final Database.Kind kind)
            throws Exception {
        final Control.Store store = Control.Store.fresh(kind, dir);
        final AtomicLong clock = new AtomicLong(System.currentTimeMillis());
        final String id;
        try (Control c = Control.start(store, clock, config -> config.withFleetTick(3_600_000))) {
            final Control.Node node = c.enroll(c.token(null), null, null);
            id = node.id;
            node.heartbeat("transform", "1.0.0");
            c.server.fleet().tickNow();
            assertThat(storedSeq(c, id)).isEqualTo(1);
            clock.addAndGet(1_000);
            node.heartbeat("transform", "1.0.0");
            c.server.fleet().tickNow();
            assertThat(storedSeq(c, id)).as("the same routes, versions and health: not written").isEqualTo(1);
            node.heartbeat("transform", "1.1.0");
            c.server.fleet().tickNow();
            assertThat(storedSeq(c, id)).as("a new version is written at once").isEqualTo(3);
            clock.addAndGet(Fleet.PERSIST_EVERY_MILLIS);
            node.heartbeat("transform", "1.1.0");
            c.server.fleet().tickNow();
            assertThat(storedSeq(c, id)).as("a minute on, written anyway").isEqualTo(4);
            node.heartbeat("transform", "1.1.0");
            c.server.fleet().tickNow();
            assertThat(storedSeq(c, id)).isEqualTo(4);
        } // closing writes every heartbeat not yet written
        try (Control c = Control.start(store, clock, x -> x)) {
            assertThat(storedSeq(c, id)).isEqualTo(5);
            assertThat(c.server.fleet().node(id).last().seq()).isEqualTo(5);
        }
    }

    private static long storedSeq(final Control c, final String id) throws Exception {
        final String text = c.server.database().inTransaction(conn -> {
            try (java.sql.PreparedStatement s = conn.prepareStatement(
                    "SELECT heartbeat FROM nodes WHERE node_id = ?")) {
                s.setString(1, id);
                try (ResultSet r = s.executeQuery()) {
                    r.next();
                    return r.getString(1);
                }
            }
        });
        return new io.vertx.core.json.JsonObject(text).getLong("seq");
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
