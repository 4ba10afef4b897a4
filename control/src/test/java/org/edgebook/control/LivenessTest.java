package org.edgebook.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.edgebook.control.fleet.FleetListener;
import org.edgebook.control.fleet.Heartbeat;
import org.edgebook.control.fleet.NodeState;
import org.edgebook.control.store.Database;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Heartbeats and liveness (docs/control-plane.md section 4), with the control plane's clock moved by the test: up,
 * late after 2 intervals, down after 5, up on the next heartbeat, each change an event and a listener's call; the
 * interval stretched for a large fleet; a restart keeps the nodes and their last heartbeats.
 */
class LivenessTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void aSilentNodeGoesLateThenDownAndComesBackUp(final Database.Kind kind) throws Exception {
        try (Control c = Control.start(Control.Store.fresh(kind, dir))) {
            final List<String> changes = new java.util.concurrent.CopyOnWriteArrayList<>();
            final List<Heartbeat> beats = new java.util.concurrent.CopyOnWriteArrayList<>();
            c.server.fleetView().listen(new FleetListener() {
                @Override
                public void onHeartbeat(final Heartbeat heartbeat) {
                    beats.add(heartbeat);
                }

                @Override
                public void onStateChange(final String nodeId, final NodeState from, final NodeState to,
                                          final long at) {
                    changes.add(nodeId + " " + from.wire() + ">" + to.wire());
                }
            });
            final Control.Node node = c.enroll(c.token(null), "eu-west", null);
            final JsonObject answer = node.heartbeat("transform", "1.2.0");
            assertThat(answer.getLong("intervalMs")).isEqualTo(10_000);
            assertThat(answer.getString("state")).isEqualTo("up");
            assertThat(answer.getString("desired")).isEmpty();
            Control.await("the heartbeat reached the fleet", () -> beats.size() == 1);
            assertThat(beats.getFirst().routes().getFirst().p99Micros()).isEqualTo(4200);

            c.clock.addAndGet(20_000); // exactly 2 intervals: not yet
            c.server.fleet().sweepAndFlushNow();
            assertThat(state(c, node)).isEqualTo("up");
            c.clock.addAndGet(1_000);
            Control.await("late", () -> c.server.fleet().node(node.id).state() == NodeState.LATE);
            c.clock.addAndGet(30_000); // 51 s: past 5 intervals
            Control.await("down", () -> c.server.fleet().node(node.id).state() == NodeState.DOWN);
            node.heartbeat("transform", "1.2.0");
            Control.await("up", () -> c.server.fleet().node(node.id).state() == NodeState.UP);
            assertThat(changes).containsExactly(node.id + " up>late", node.id + " late>down", node.id + " down>up");
            c.server.fleet().sweepAndFlushNow();
            final JsonArray events = c.json(c.operator("GET", "/v1/events?after=0&limit=100", null), 200)
                    .getJsonArray("events");
            assertThat(events.stream().map(o -> ((JsonObject) o).getString("kind") + " "
                    + ((JsonObject) o).getString("subject"))).containsExactly("node.enrolled " + node.id,
                            "node.late " + node.id, "node.down " + node.id, "node.up " + node.id);
            final JsonObject late = events.getJsonObject(1);
            assertThat(late.getJsonObject("detail").getString("from")).isEqualTo("up");
            // paged: after the second, one at a time
            final JsonObject page = c.json(c.operator("GET", "/v1/events?after=" + late.getLong("seq")
                    + "&limit=1", null), 200);
            assertThat(page.getJsonArray("events")).hasSize(1);
            assertThat(page.getLong("next")).isEqualTo(events.getJsonObject(2).getLong("seq"));

            // metrics: heartbeats counted, nodes by state
            final HttpResponse<String> metrics = c.send(HttpRequest.newBuilder(c.uri("/metrics")).GET());
            assertThat(metrics.body()).contains("control_heartbeats_total 2.0", "control_nodes{state=\"up\"} 1.0",
                    "control_heartbeat_latency_seconds", "control_heartbeats_per_second");
            // a malformed heartbeat names its field and changes nothing
            final HttpResponse<String> bad = node.send("POST", "/v1/node/heartbeat", new JsonObject()
                    .put("seq", 3).put("routes", new JsonArray().add(new JsonObject().put("requests", -1))).encode());
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(new JsonObject(bad.body()).getString("message")).contains("routes[0].requests");
            assertThat(c.server.fleet().node(node.id).last().seq()).isEqualTo(2);
        }
    }

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void theIntervalIsStretchedForALargeFleet(final Database.Kind kind) throws Exception {
        try (Control c = Control.start(Control.Store.fresh(kind, dir), new AtomicLong(System.currentTimeMillis()),
                config -> config.withHeartbeats(2_000, 1))) {
            final String token = c.token("{\"uses\":3}");
            final Control.Node first = c.enroll(token, null, null);
            assertThat(first.heartbeat("m", "1").getLong("intervalMs")).isEqualTo(2_000); // max(2 s, 1 node / 1)
            c.enroll(token, null, null);
            c.enroll(token, null, null);
            assertThat(first.heartbeat("m", "1").getLong("intervalMs")).isEqualTo(3_000); // ceil(3 / 1) s
            // the interval told is what liveness counts: 2 x 3 s
            c.clock.addAndGet(6_500);
            Control.await("late", () -> c.server.fleet().node(first.id).state() == NodeState.LATE);
            assertThat(c.json(c.operator("DELETE", "/v1/nodes/n-3", null), 200).getString("state"))
                    .isEqualTo("revoked");
            assertThat(first.heartbeat("m", "1").getLong("intervalMs")).isEqualTo(2_000);
        }
    }

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void aRestartKeepsNodesAndLastHeartbeatsSoSilenceStillCounts(final Database.Kind kind) throws Exception {
        final Control.Store store = Control.Store.fresh(kind, dir);
        final AtomicLong clock = new AtomicLong(System.currentTimeMillis());
        final String id;
        final String silent;
        try (Control c = Control.start(store, clock, x -> x)) {
            final String token = c.token("{\"uses\":2,\"labels\":{\"tier\":\"edge\"}}");
            final Control.Node node = c.enroll(token, "eu-west", null);
            final Control.Node other = c.enroll(token, "us-east", null);
            id = node.id;
            silent = other.id;
            node.heartbeat("transform", "1.2.0");
            other.heartbeat("transform", "1.2.0");
            Control.await("both heartbeats", () -> c.server.fleet().node(silent).last() != null
                    && c.server.fleet().node(id).last() != null);
        } // close writes what is in memory
        final long stoppedAt = clock.get();
        clock.addAndGet(5_000);
        try (Control c = Control.start(store, clock, x -> x)) {
            assertThat(c.server.createdOperatorKey()).isNull();
            final JsonObject detail = c.json(c.operator("GET", "/v1/nodes/" + id, null), 200);
            assertThat(detail.getString("state")).isEqualTo("up");
            assertThat(detail.getString("region")).isEqualTo("eu-west");
            assertThat(detail.getJsonObject("labels").getString("tier")).isEqualTo("edge");
            assertThat(detail.getLong("lastHeartbeatAt")).isBetween(stoppedAt - 1_000, stoppedAt);
            assertThat(detail.getJsonArray("routes").getJsonObject(0).getString("version")).isEqualTo("1.2.0");
            assertThat(detail.getJsonObject("telemetry").getLong("transactions")).isEqualTo(10);
            assertThat(detail.getLong("intervalMs")).isEqualTo(10_000);
            // silent through the restart: late, then down
            final Control.Node node = c.new Node(id, null);
            c.clock.addAndGet(16_000);
            Control.await("late", () -> c.server.fleet().node(silent).state() == NodeState.LATE);
            c.clock.addAndGet(30_000);
            Control.await("down", () -> c.server.fleet().node(silent).state() == NodeState.DOWN);
            assertThat(node.id).isEqualTo(id);
            // the next id continues the sequence
            assertThat(c.enroll(c.token(null), null, null).id).isEqualTo("n-3");
        }
    }

    private static String state(final Control c, final Control.Node node) throws Exception {
        return c.json(c.operator("GET", "/v1/nodes/" + node.id, null), 200).getString("state");
    }
}
