package org.edgebook.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.edgebook.control.fleet.NodeIds;
import org.edgebook.control.fleet.NodeState;
import org.edgebook.control.store.Database;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Fleet queries (docs/control-plane.md section 5): filters, counts, a node's detail, and pages that hold under change. */
class FleetQueryTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void filtersAndCountsByRegionLabelStateAndModule(final Database.Kind kind) throws Exception {
        try (Control c = Control.start(Control.Store.fresh(kind, dir))) {
            final String token = c.token("{\"uses\":100}");
            final List<Control.Node> nodes = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                final Control.Node n = c.enroll(token, i % 3 == 0 ? "us-east" : "eu-west", new JsonObject()
                        .put("tier", i % 2 == 0 ? "edge" : "core").put("zone", "z" + (i % 4)).encode());
                n.heartbeat("transform", i < 4 ? "1.3.0" : "1.2.0");
                nodes.add(n);
            }
            Control.await("12 heartbeats", () -> nodes.stream().allMatch(n -> c.server.fleet().node(n.id)
                    .last() != null));
            assertThat(ids(c, "/v1/nodes?region=us-east")).containsExactly("n-1", "n-4", "n-7", "n-10");
            assertThat(ids(c, "/v1/nodes?label=tier=edge&label=zone=z0")).containsExactly("n-1", "n-5", "n-9");
            assertThat(ids(c, "/v1/nodes?module=transform@1.3.0")).containsExactly("n-1", "n-2", "n-3", "n-4");
            assertThat(ids(c, "/v1/nodes?module=transform@1.3.0&region=eu-west")).containsExactly("n-2", "n-3");
            c.json(c.operator("DELETE", "/v1/nodes/n-12", null), 200);
            assertThat(ids(c, "/v1/nodes?state=revoked")).containsExactly("n-12");
            assertThat(counts(c, "state")).isEqualTo(Map.of("up", 11, "revoked", 1));
            assertThat(counts(c, "region")).isEqualTo(Map.of("us-east", 4, "eu-west", 8));
            assertThat(counts(c, "version")).isEqualTo(Map.of("transform@1.3.0", 4, "transform@1.2.0", 8));
            assertThat(counts(c, "label:tier&region=us-east")).isEqualTo(Map.of("edge", 2, "core", 2));
            final JsonObject counted = c.json(c.operator("GET", "/v1/nodes/counts?by=state&label=tier=core", null),
                    200);
            assertThat(counted.getString("by")).isEqualTo("state");
            assertThat(counted.getInteger("total")).isEqualTo(6);
            // the detail of one node
            final JsonObject n1 = c.json(c.operator("GET", "/v1/nodes/n-1", null), 200);
            assertThat(n1.fieldNames()).contains("id", "name", "region", "labels", "state", "enrolledAt",
                    "lastHeartbeatAt", "intervalMs", "routes", "telemetry", "versions", "health", "group", "desired",
                    "drift");
            assertThat(n1.getJsonArray("routes").getJsonObject(0).getLong("p99Micros")).isEqualTo(4200);
            assertThat(n1.getString("health")).isEqualTo("ok");
            assertThat(c.operator("GET", "/v1/nodes/n-77", null).statusCode()).isEqualTo(404);
            // refusals name the parameter
            for (final String bad : List.of("state=sleepy", "module=transform", "label=tier", "limit=1001",
                    "after=x-1", "limit=ten")) {
                final JsonObject r = c.json(c.operator("GET", "/v1/nodes?" + bad, null), 400);
                assertThat(r.getString("message")).contains(bad.substring(0, bad.indexOf('=')));
            }
            assertThat(c.json(c.operator("GET", "/v1/nodes/counts?by=colour", null), 400).getString("message"))
                    .contains("by");
        }
    }

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void pagesNeitherRepeatNorSkipWhileNodesComeAndGo(final Database.Kind kind) throws Exception {
        final long seed = System.nanoTime();
        System.out.println("FleetQueryTest seed " + seed);
        final Random random = new Random(seed);
        try (Control c = Control.start(Control.Store.fresh(kind, dir))) {
            final String token = c.token("{\"uses\":1000}");
            for (int i = 0; i < 40; i++) {
                c.enroll(token, null, null);
            }
            final Set<String> existedThroughout = new TreeSet<>(NodeIds.ORDER);
            c.server.fleetView().forEach(n -> existedThroughout.add(n.id()));
            final Set<String> seen = new LinkedHashSet<>();
            final Set<String> revoked = new TreeSet<>();
            String after = null;
            int pages = 0;
            do {
                final JsonObject page = c.json(c.operator("GET", "/v1/nodes?state=up&limit=7"
                        + (after == null ? "" : "&after=" + after), null), 200);
                for (final Object o : page.getJsonArray("nodes")) {
                    assertThat(seen.add(((JsonObject) o).getString("id"))).as("seed " + seed + " repeated " + o)
                            .isTrue();
                }
                after = page.getString("next");
                pages++;
                // between pages: nodes enrolled, and nodes revoked
                for (int i = random.nextInt(3); i > 0; i--) {
                    c.enroll(token, null, null);
                }
                if (random.nextBoolean()) {
                    final List<String> candidates = new ArrayList<>(existedThroughout);
                    final String victim = candidates.get(random.nextInt(candidates.size()));
                    c.json(c.operator("DELETE", "/v1/nodes/" + victim, null), 200);
                    existedThroughout.remove(victim);
                    revoked.add(victim);
                }
            } while (after != null && pages < 100);
            assertThat(seen).as("seed " + seed).containsAll(existedThroughout);
            assertThat(c.server.fleet().count(NodeState.UP) + revoked.size()).isPositive();
            final List<String> order = new ArrayList<>(seen);
            final List<String> sorted = new ArrayList<>(seen);
            sorted.sort(NodeIds.ORDER);
            assertThat(order).as("seed " + seed + ": in id order").isEqualTo(sorted);
        }
    }

    private static List<String> ids(final Control c, final String path) throws Exception {
        final JsonArray nodes = c.json(c.operator("GET", path, null), 200).getJsonArray("nodes");
        return nodes.stream().map(o -> ((JsonObject) o).getString("id")).toList();
    }

    private static Map<String, Object> counts(final Control c, final String by) throws Exception {
        return c.json(c.operator("GET", "/v1/nodes/counts?by=" + by, null), 200).getJsonObject("counts").getMap();
    }
}
