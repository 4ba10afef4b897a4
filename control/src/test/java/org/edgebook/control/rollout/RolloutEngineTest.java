package org.edgebook.control.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.edgebook.control.TestStores;
import org.edgebook.control.fleet.FleetListener;
import org.edgebook.control.fleet.FleetView;
import org.edgebook.control.fleet.Heartbeat;
import org.edgebook.control.fleet.NodeState;
import org.edgebook.control.modules.RouteOverrides;
import org.edgebook.control.store.Database;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The rollout state machine on both stores, fed heartbeats interval by interval by a small fleet that runs what its
 * desired state says (the engine's overrides on top of its group's version), as real nodes do. The clock is the
 * test's: one step is one heartbeat interval.
 */
class RolloutEngineTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PATH = "/wasm/transform";
    private static final long INTERVAL = 1000;

    @TempDir
    Path dir;

    private final AtomicLong clock = new AtomicLong(1_000_000);
    private final Fleet fleet = new Fleet();
    private final Targets targets = new Targets();

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void aGoodVersionGoesThroughTheShadowAndFourWavesThenTheGroupRunsIt(final Database.Kind kind) throws Exception {
        fleet.nodes(200);
        try (Database db = TestStores.open(kind, dir); RolloutEngine engine = engine(db)) {
            engine.start();
            final JsonNode created = answer(engine.create(RolloutSpec.parse(spec("\"soakSeconds\":5,"
                    + "\"shadow\":{\"nodes\":3,\"seconds\":3}")), "op-test").join(), 201);
            final String id = created.get("id").asText();
            assertThat(created.get("state").asText()).isEqualTo("shadow");
            assertThat(engine.movingGroup("edge")).as("the group is held while it moves").isEqualTo(id);

            final Map<Integer, Integer> updatedAtWave = new TreeMap<>();
            int steps = 0;
            String state = "shadow";
            while (!state.equals("completed") && steps++ < 200) {
                step(engine, "1.3.0", false);
                final JsonNode r = answer(engine.get(id).join(), 200);
                state = r.get("state").asText();
                if (state.equals("wave")) {
                    updatedAtWave.put(r.get("wave").asInt(), updated(engine));
                }
            }
            assertThat(state).as("after %d intervals", steps).isEqualTo("completed");
            // 1% of 200, 10%, 50%, 100%: cumulative, each node once.
            assertThat(updatedAtWave).containsEntry(1, 2).containsEntry(2, 20).containsEntry(3, 100).containsEntry(4,
                    200);
            assertThat(assignedRows(db, id)).isEqualTo(200);
            assertThat(targets.version).isEqualTo("1.3.0");
            assertThat(updated(engine)).as("overrides are gone: the group itself runs the new version").isZero();
            assertThat(engine.movingGroup("edge")).isNull();
            assertThat(audit(db, id)).contains("rollout.create", "rollout.shadow", "rollout.shadow_passed",
                    "rollout.wave", "rollout.wave_passed", "rollout.complete");
        }
    }

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void aBadVersionIsRolledBackWithinTwoIntervalsOfTheWaveThatExposedIt(final Database.Kind kind) throws Exception {
        fleet.nodes(300);
        try (Database db = TestStores.open(kind, dir); RolloutEngine engine = engine(db)) {
            engine.start();
            final String id = answer(engine.create(RolloutSpec.parse(spec("\"soakSeconds\":5,\"shadow\":null")),
                    "op-test").join(), 201).get("id").asText();
            assertThat(updated(engine)).isEqualTo(3);
            int steps = 0;
            String state = "wave";
            while (state.equals("wave") && steps < 10) {
                step(engine, "1.3.0", true);
                steps++;
                state = answer(engine.get(id).join(), 200).get("state").asText();
            }
            final JsonNode r = answer(engine.get(id).join(), 200);
            assertThat(state).isEqualTo("rolled_back");
            assertThat(steps).as("intervals from the wave to the rollback").isLessThanOrEqualTo(2);
            assertThat(r.get("reason").get("gate").asText()).isEqualTo("error_rate");
            assertThat(r.get("reason").get("why").asText()).contains("error rate");
            assertThat(updated(engine)).isZero();
            assertThat(targets.version).isEqualTo("1.2.0");
            // The nodes go back at their next heartbeat.
            step(engine, "1.3.0", true);
            assertThat(fleet.running("1.3.0")).isZero();
            assertThat(audit(db, id)).contains("rollout.gate_failed");
        }
    }

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void aShadowThatAnswersDifferentlyStopsTheRolloutBeforeAnyNodeServesIt(final Database.Kind kind)
            throws Exception {
        fleet.nodes(50);
        try (Database db = TestStores.open(kind, dir); RolloutEngine engine = engine(db)) {
            engine.start();
            final String id = answer(engine.create(RolloutSpec.parse(spec("\"shadow\":{\"nodes\":2,\"seconds\":30}")),
                    "op-test").join(), 201).get("id").asText();
            step(engine, "1.3.0", true);
            step(engine, "1.3.0", true);
            final JsonNode r = answer(engine.get(id).join(), 200);
            assertThat(r.get("state").asText()).isEqualTo("rolled_back");
            assertThat(r.get("reason").get("gate").asText()).isEqualTo("shadow_mismatch");
            assertThat(r.get("shadowSamples")).isNotEmpty();
            assertThat(assignedRows(db, id)).as("no node ever served it").isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void aFailedLoadRollsBackAndPauseHoldsTheWave(final Database.Kind kind) throws Exception {
        fleet.nodes(100);
        try (Database db = TestStores.open(kind, dir); RolloutEngine engine = engine(db)) {
            engine.start();
            final String id = answer(engine.create(RolloutSpec.parse(spec("\"soakSeconds\":1,\"shadow\":null")),
                    "op-test").join(), 201).get("id").asText();
            answer(engine.act(id, RolloutEngine.Action.PAUSE, "op-test").join(), 200);
            for (int i = 0; i < 5; i++) {
                step(engine, "1.3.0", false);
            }
            final JsonNode paused = answer(engine.get(id).join(), 200);
            assertThat(paused.get("state").asText()).isEqualTo("paused");
            assertThat(paused.get("wave").asInt()).as("a paused rollout does not move on").isEqualTo(1);
            answer(engine.act(id, RolloutEngine.Action.RESUME, "op-test").join(), 200);
            fleet.failLoads = true;
            step(engine, "1.3.0", false);
            step(engine, "1.3.0", false);
            step(engine, "1.3.0", false);
            final JsonNode r = answer(engine.get(id).join(), 200);
            assertThat(r.get("state").asText()).isEqualTo("rolled_back");
            assertThat(r.get("reason").get("gate").asText()).isEqualTo("failed_loads");
            assertThat(audit(db, id)).contains("rollout.pause", "rollout.resume");
        }
    }

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void aRestartedEngineCarriesOnWhereItWasWithoutAssigningANodeTwice(final Database.Kind kind) throws Exception {
        fleet.nodes(200);
        final Database first = TestStores.open(kind, dir);
        final String id;
        final Map<String, Integer> wavesBefore;
        try (first; RolloutEngine engine = engine(first)) {
            engine.start();
            id = answer(engine.create(RolloutSpec.parse(spec("\"soakSeconds\":3,\"shadow\":null")), "op-test")
                    .join(), 201).get("id").asText();
            while (answer(engine.get(id).join(), 200).get("wave").asInt() < 3) {
                step(engine, "1.3.0", false);
            }
            wavesBefore = waves(first, id);
            assertThat(wavesBefore).hasSize(100);
        }
        try (Database db = TestStores.reopen(first, dir); RolloutEngine engine = engine(db)) {
            engine.start();
            assertThat(updated(engine)).as("the overrides are back before any heartbeat").isEqualTo(100);
            final JsonNode after = answer(engine.get(id).join(), 200);
            assertThat(after.get("state").asText()).isEqualTo("wave");
            assertThat(after.get("wave").asInt()).isEqualTo(3);
            // No gate is passed on figures from before the restart: the soak needs a fresh interval.
            engine.tick().join();
            assertThat(answer(engine.get(id).join(), 200).get("wave").asInt()).isEqualTo(3);
            int steps = 0;
            while (!answer(engine.get(id).join(), 200).get("state").asText().equals("completed") && steps++ < 50) {
                step(engine, "1.3.0", false);
            }
            final Map<String, Integer> wavesAfter = waves(db, id);
            assertThat(wavesAfter).hasSize(200);
            wavesBefore.forEach((node, wave) -> assertThat(wavesAfter).containsEntry(node, wave));
            assertThat(targets.version).isEqualTo("1.3.0");
        }
    }

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void nodesAlreadyDownAreNotAssignedAndToleratedRefusalsDoNotHoldTheRolloutUp(final Database.Kind kind)
            throws Exception {
        fleet.nodes(100);
        fleet.states.put("n-7", NodeState.DOWN);
        fleet.states.put("n-8", NodeState.DOWN);
        fleet.refusing.add("n-9");
        try (Database db = TestStores.open(kind, dir); RolloutEngine engine = engine(db)) {
            engine.start();
            final String id = answer(engine.create(RolloutSpec.parse(spec("\"soakSeconds\":2,\"shadow\":null,"
                    + "\"waves\":[50,100],\"gates\":{\"maxFailedLoads\":1}")), "op-test").join(), 201).get("id")
                    .asText();
            int steps = 0;
            while (!answer(engine.get(id).join(), 200).get("state").asText().equals("completed") && steps++ < 30) {
                step(engine, "1.3.0", false);
            }
            assertThat(answer(engine.get(id).join(), 200).get("state").asText()).isEqualTo("completed");
            assertThat(waves(db, id)).hasSize(98).doesNotContainKeys("n-7", "n-8");
        }
    }

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void aRefusalForgottenInARestartEndsAsAStalledRolloutNotAHungOne(final Database.Kind kind) throws Exception {
        fleet.nodes(100);
        fleet.refusing.add("n-3");
        fleet.refusing.add("n-4");
        final Database first = TestStores.open(kind, dir);
        final String id;
        try (first; RolloutEngine engine = engine(first)) {
            engine.start();
            id = answer(engine.create(RolloutSpec.parse(spec("\"soakSeconds\":2,\"shadow\":null,\"waves\":[100],"
                    + "\"gates\":{\"maxFailedLoads\":5}")), "op-test").join(), 201).get("id").asText();
            step(engine, "1.3.0", false); // n-3 and n-4 refuse, once
        }
        try (Database db = TestStores.reopen(first, dir); RolloutEngine engine = engine(db)) {
            engine.start(); // the refusals are forgotten; the nodes will never report 1.3.0
            String state = "wave";
            int steps = 0;
            while (state.equals("wave") && steps++ < 12) {
                step(engine, "1.3.0", false);
                state = answer(engine.get(id).join(), 200).get("state").asText();
            }
            final JsonNode r = answer(engine.get(id).join(), 200);
            assertThat(state).isEqualTo("rolled_back");
            assertThat(r.get("reason").get("gate").asText()).isEqualTo("stalled");
        }
    }

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void anAbortedRolloutKeepsItsNodesUntilANewOneSupersedesItAndShadowsEndWithTheirStage(final Database.Kind kind)
            throws Exception {
        fleet.nodes(100);
        try (Database db = TestStores.open(kind, dir); RolloutEngine engine = engine(db)) {
            engine.start();
            final String first = answer(engine.create(RolloutSpec.parse(spec("\"soakSeconds\":1,"
                    + "\"shadow\":{\"nodes\":2,\"seconds\":1}")), "op-test").join(), 201).get("id").asText();
            assertThat(shadows(engine)).isEqualTo(2);
            while (answer(engine.get(first).join(), 200).get("wave").asInt() < 2) {
                step(engine, "1.3.0", false);
            }
            assertThat(shadows(engine)).as("the shadow stage's overrides end with it").isZero();
            answer(engine.act(first, RolloutEngine.Action.ABORT, "op-test").join(), 200);
            assertThat(updated(engine)).as("an aborted rollout's nodes keep the new version").isEqualTo(10);
            final JsonNode second = answer(engine.create(RolloutSpec.parse(("{\"group\":\"edge\",\"path\":\""
                    + PATH + "\",\"to\":\"1.3.0\",\"shadow\":null,\"waves\":[1,100]}").getBytes(
                            StandardCharsets.UTF_8)), "op-test").join(), 201);
            assertThat(answer(engine.get(first).join(), 200).get("state").asText()).isEqualTo("superseded");
            assertThat(updated(engine)).as("the superseded rollout's overrides are gone; the new one's 1% stays")
                    .isEqualTo(1);
            answer(engine.act(second.get("id").asText(), RolloutEngine.Action.ROLLBACK, "op-test").join(), 200);
            assertThat(updated(engine)).isZero();
        }
    }

    private int shadows(final RolloutEngine engine) {
        int count = 0;
        for (final String id : fleet.sims.keySet()) {
            final RouteOverrides.Override o = engine.override(id, PATH);
            if (o != null && o.shadow() != null) {
                count++;
            }
        }
        return count;
    }

    // ---- the small fleet: each node runs its group's version unless the engine's override says otherwise ----

    private RolloutEngine engine(final Database db) {
        return new RolloutEngine(db, fleet, targets, clock::get, () -> INTERVAL, new RolloutEngine.Options(
                3_600_000, 100));
    }

    /** One heartbeat interval: every node applies its desired state and reports the interval, then a tick. */
    private void step(final RolloutEngine engine, final String badOrNewVersion, final boolean bad) {
        final long now = clock.addAndGet(INTERVAL);
        for (final SimNode n : fleet.sims.values()) {
            if (fleet.states.getOrDefault(n.id, NodeState.UP) == NodeState.DOWN) {
                continue;
            }
            final RouteOverrides.Override o = engine.override(n.id, PATH);
            final String desired = o != null && o.version() != null ? o.version() : targets.version;
            final List<Heartbeat.LoadFailure> failures;
            if (desired.equals(badOrNewVersion) && (fleet.failLoads || fleet.refusing.contains(n.id))) {
                // As the real agent: a refusal is reported once, then the node keeps what it ran.
                failures = n.refused.add(desired) ? List.of(new Heartbeat.LoadFailure(PATH, "sha-" + desired,
                        "signature: untrusted key")) : List.of();
            } else {
                n.version = desired;
                failures = List.of();
            }
            final boolean badRunning = bad && n.version.equals(badOrNewVersion);
            Heartbeat.Shadow shadow = null;
            if (o != null && o.shadow() != null) {
                final long mismatches = bad && o.shadow().equals(badOrNewVersion) ? 7 : 0;
                shadow = new Heartbeat.Shadow("transform", o.shadow(), "sha-" + o.shadow(), 100,
                        mismatches, mismatches == 0 ? List.of() : List.of(new Heartbeat.Sample("{\"a\":1}",
                                "{\"ok\":true}", "{\"ok\":false}")));
            }
            final Heartbeat hb = new Heartbeat(n.id, now, now / INTERVAL, "test", Map.of(), "ok", "", List.of(
                    new Heartbeat.Route(PATH, "transform", n.version, "sha-" + n.version, 100, badRunning ? 30 : 0,
                            800, badRunning ? 9000 : 4000, shadow)), failures, new Heartbeat.Telemetry(0, 0, 0, 0,
                                    0));
            fleet.last.put(n.id, hb);
            engine.onHeartbeat(hb);
        }
        engine.tick().join();
    }

    private int updated(final RolloutEngine engine) {
        int count = 0;
        for (final String id : fleet.sims.keySet()) {
            final RouteOverrides.Override o = engine.override(id, PATH);
            if (o != null && o.version() != null) {
                count++;
            }
        }
        return count;
    }

    private static byte[] spec(final String extra) {
        return ("{\"group\":\"edge\",\"path\":\"" + PATH + "\",\"to\":\"1.3.0\"," + extra + "}").getBytes(
                StandardCharsets.UTF_8);
    }

    private static JsonNode answer(final RolloutEngine.Answer a, final int status) throws Exception {
        final String body = new String(a.json(), StandardCharsets.UTF_8);
        assertThat(a.status()).as(body).isEqualTo(status);
        return JSON.readTree(body);
    }

    private static int assignedRows(final Database db, final String id) throws SQLException {
        return waves(db, id).size();
    }

    private static Map<String, Integer> waves(final Database db, final String id) throws SQLException {
        return db.inTransaction(c -> {
            final Map<String, Integer> waves = new HashMap<>();
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT node_id, wave FROM rollout_nodes WHERE rollout_id = ?")) {
                s.setString(1, id);
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        waves.put(r.getString(1), r.getInt(2));
                    }
                }
            }
            return waves;
        });
    }

    private static List<String> audit(final Database db, final String id) throws SQLException {
        return db.inTransaction(c -> {
            final List<String> actions = new CopyOnWriteArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT action FROM audit WHERE subject = ? ORDER BY seq")) {
                s.setString(1, id);
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        actions.add(r.getString(1));
                    }
                }
            }
            return actions;
        });
    }

    private static final class SimNode {
        final String id;
        String version = "1.2.0";
        final java.util.Set<String> refused = new java.util.HashSet<>();

        SimNode(final String id) {
            this.id = id;
        }
    }

    /** The nodes of group {@code edge}, all up. */
    private static final class Fleet implements FleetView {
        final Map<String, SimNode> sims = new TreeMap<>();
        final Map<String, Heartbeat> last = new ConcurrentHashMap<>();
        final Map<String, NodeState> states = new ConcurrentHashMap<>();
        final java.util.Set<String> refusing = ConcurrentHashMap.newKeySet();
        volatile boolean failLoads;

        void nodes(final int count) {
            for (int i = 1; i <= count; i++) {
                final String id = "n-" + i;
                sims.put(id, new SimNode(id));
            }
        }

        long running(final String version) {
            return sims.values().stream().filter(n -> n.version.equals(version)).count();
        }

        @java.lang.Override
        public Node node(final String id) {
            return sims.containsKey(id) ? new Node(id, id, "eu-west", Map.of("tier", "edge"), states.getOrDefault(id,
                    NodeState.UP), 0, last.get(id)) : null;
        }

        @java.lang.Override
        public void forEach(final Consumer<Node> action) {
            for (final String id : sims.keySet()) {
                action.accept(node(id));
            }
        }

        @java.lang.Override
        public void listen(final FleetListener listener) {
        }
    }

    /** Group {@code edge} runs transform on {@link #PATH}; versions 1.2.0 and 1.3.0 are in the registry. */
    private static final class Targets implements RolloutTargets {
        volatile String version = "1.2.0";

        @java.lang.Override
        public Route route(final String group, final String path) {
            return group.equals("edge") && path.equals(PATH) ? new Route("transform", version) : null;
        }

        @java.lang.Override
        public String sha256(final String module, final String v) {
            return module.equals("transform") && (v.equals("1.2.0") || v.equals("1.3.0")) ? "sha-" + v : null;
        }

        @java.lang.Override
        public boolean inGroup(final FleetView.Node node, final String group) {
            return group.equals("edge");
        }

        @java.lang.Override
        public void setVersion(final Connection c, final String group, final String path, final String v,
                               final long now) {
            version = v;
        }

        @java.lang.Override
        public void versionCommitted() {
        }
    }
}
