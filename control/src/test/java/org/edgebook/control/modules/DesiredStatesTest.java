package org.edgebook.control.modules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.edgebook.codec.CanonicalJson;
import org.edgebook.codec.ModuleSignature;
import org.edgebook.control.TestStores;
import org.edgebook.control.fleet.NodeState;
import org.edgebook.control.modules.DesiredStateSource.Desired;
import org.edgebook.control.store.Database;
import org.edgebook.guests.Guests;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class DesiredStatesTest {
    private static final byte[] TRANSFORM = Guests.read(Guests.TRANSFORM_MEMORY);
    private static final byte[] TELEMETRY = Guests.read(Guests.TELEMETRY_MEMORY);
    private static final Map<String, String> EDGE_A = Map.of("tier", "edge", "zone", "a");

    /** A store with acme's key, transform 1.2.0 and 1.3.0, telemetry 1.0.0, and groups edge, edge-a, all. */
    private static final class World implements AutoCloseable {
        final Database db;
        final Modules modules;
        final TestFleet fleet = new TestFleet();
        final Publisher acme = Publisher.generate();
        final String keyId;

        World(final Database.Kind kind, final Path dir) throws SQLException {
            db = TestStores.open(kind, dir);
            modules = new Modules(db, fleet, () -> 1_000);
            keyId = db.inTransaction(c -> modules.keys().create(c, "acme", acme.publicKey, 1)).keyId();
            upload("transform", "1.2.0", TRANSFORM);
            upload("transform", "1.3.0", TELEMETRY);
            upload("telemetry", "1.0.0", TELEMETRY);
            group("edge", Map.of("tier", "edge"), 10, "transform", "1.2.0");
            group("all", Map.of(), 0, "telemetry", "1.0.0");
            modules.desired().reload();
        }

        void upload(final String name, final String version, final byte[] module) throws SQLException {
            db.inTransaction(c -> modules.registry().upload(c, acme.upload(Publisher.manifest(name, version), module,
                    keyId), 2));
        }

        void group(final String name, final Map<String, Object> selector, final long priority, final String module,
                   final String version) throws SQLException {
            db.inTransaction(c -> modules.groups().put(c, name, Publisher.group(selector, priority, List.of(Publisher
                    .route("/wasm/" + module, module, version))), 3));
        }

        @Override
        public void close() {
            db.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void aNodeBelongsToTheMatchingGroupOfHighestPriorityThenLowestName(final Database.Kind kind,
                                                                       @TempDir final Path dir) throws SQLException {
        try (World w = new World(kind, dir)) {
            final DesiredStates d = w.modules.desired();
            assertThat(d.groupOf(EDGE_A).name()).isEqualTo("edge");
            assertThat(d.groupOf(Map.of("tier", "core")).name()).isEqualTo("all");
            assertThat(d.groupOf(Map.of()).name()).isEqualTo("all");

            w.group("edge-a", Map.of("tier", "edge", "zone", "a"), 10, "transform", "1.3.0");
            w.group("aaa", Map.of("zone", "a"), 10, "transform", "1.3.0");
            d.reload();
            assertThat(d.groupOf(EDGE_A).name()).isEqualTo("aaa");
            assertThat(d.groupOf(Map.of("tier", "edge", "zone", "b")).name()).isEqualTo("edge");
            w.group("edge-a", Map.of("tier", "edge", "zone", "a"), 11, "transform", "1.3.0");
            d.reload();
            assertThat(d.groupOf(EDGE_A).name()).isEqualTo("edge-a");

            assertThatThrownBy(() -> w.group("bad", Map.of(), 0, "transform", "9.9.9")).isInstanceOfSatisfying(
                    Refusal.class, r -> assertThat(r.code()).isEqualTo("module_unknown"));
            assertThatThrownBy(() -> w.group("bad", Map.of("tier", 3L), 0, "transform", "1.2.0"))
                    .isInstanceOfSatisfying(Refusal.class, r -> assertThat(r.getMessage()).startsWith(
                            "selector.tier"));
            assertThatThrownBy(() -> w.group("Bad", Map.of(), 0, "transform", "1.2.0")).isInstanceOf(Refusal.class);
            assertThat(ModuleRegistryTest.count(w.db, "node_groups")).isEqualTo(4);
        }
    }

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void theDesiredStateCarriesEachRoutesSignedModuleAndEveryKeyAndItsHashCoversRoutesAndKeys(
                                                                                              final Database.Kind kind,
                                                                                              @TempDir final Path dir)
            throws SQLException {
        try (World w = new World(kind, dir)) {
            final Desired desired = w.modules.desired().forNode("n-1", EDGE_A);
            final Map<String, Object> body = parse(desired.json());
            assertThat(body.keySet()).containsExactly("hash", "routes", "publishers");
            assertThat(body.get("hash")).isEqualTo(desired.hash());
            assertThat(desired.hash()).isEqualTo(ModuleSignature.sha256Hex(CanonicalJson.bytes(Map.of("routes", body
                    .get("routes"), "publishers", body.get("publishers")))));

            final Map<?, ?> route = (Map<?, ?>) ((List<?>) body.get("routes")).getFirst();
            assertThat(route.get("path")).isEqualTo("/wasm/transform");
            assertThat(route.get("module")).isEqualTo("transform");
            assertThat(route.get("version")).isEqualTo("1.2.0");
            assertThat(route.get("sha256")).isEqualTo(ModuleSignature.sha256Hex(TRANSFORM));
            assertThat(route.get("keyId")).isEqualTo(w.keyId);
            assertThat(route.get("shadow")).isSameAs(CanonicalJson.NULL);
            @SuppressWarnings("unchecked")
            final Map<String, Object> manifest = (Map<String, Object>) route.get("manifest");
            // What a node checks: the signature, over the hash and the manifest, by the listed key.
            assertThat(ModuleSignature.verify(org.edgebook.codec.Ed25519Key.Public.of(java.util.Base64.getDecoder()
                    .decode(w.acme.publicKey)), (String) route.get("sha256"), manifest, (String) route.get(
                            "signature"))).isTrue();
            assertThat((List<?>) body.get("publishers")).singleElement().satisfies(p -> {
                assertThat(((Map<?, ?>) p).get("keyId")).isEqualTo(w.keyId);
                assertThat(((Map<?, ?>) p).get("state")).isEqualTo("active");
                assertThat(((Map<?, ?>) p).get("publicKey")).isEqualTo(w.acme.publicKey);
            });

            // Same inputs, same hash, from a store read afresh; nodes of a group share one answer until a change.
            final Modules again = new Modules(w.db, w.fleet, () -> 2);
            assertThat(again.desired().forNode("n-9", Map.of("tier", "edge")).hash()).isEqualTo(desired.hash());
            assertThat(w.modules.desired().forNode("n-2", Map.of("tier", "edge"))).isSameAs(desired);
            w.group("edge", Map.of("tier", "edge"), 10, "transform", "1.3.0");
            assertThat(w.modules.desired().forNode("n-1", EDGE_A)).isSameAs(desired);
            w.modules.desired().reload();
            final Desired moved = w.modules.desired().forNode("n-1", EDGE_A);
            assertThat(moved.hash()).isNotEqualTo(desired.hash());
            assertThat(parse(moved.json()).toString()).contains("version=1.3.0");
            w.db.inTransaction(c -> w.modules.groups().setVersion(c, "edge", "/wasm/transform", "1.2.0", 4));
            w.modules.desired().reload();
            assertThat(w.modules.desired().forNode("n-1", EDGE_A).hash()).isEqualTo(desired.hash());
            assertThatThrownBy(() -> w.db.inTransaction(c -> w.modules.groups().setVersion(c, "edge",
                    "/wasm/none", "1.2.0", 4))).isInstanceOfSatisfying(Refusal.class, r -> assertThat(r.code())
                            .isEqualTo("route_unknown"));

            // A revocation reaches the publishers list and changes the hash, so every node fetches it again.
            w.db.inTransaction(c -> w.modules.keys().revoke(c, "acme", w.keyId, 9));
            w.modules.desired().reload();
            final Desired revoked = w.modules.desired().forNode("n-1", EDGE_A);
            assertThat(new String(revoked.json(), StandardCharsets.UTF_8)).contains("\"state\":\"revoked\"");
            assertThat(revoked.hash()).isNotEqualTo(desired.hash());
        }
    }

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void theRolloutHookChangesTheVersionOrAddsAShadowForTheNodesItNames(final Database.Kind kind,
                                                                        @TempDir final Path dir)
            throws SQLException {
        try (World w = new World(kind, dir)) {
            final DesiredStates d = w.modules.desired();
            final Desired plain = d.forNode("n-1", EDGE_A);
            d.overrides((node, group) -> switch (node) {
                case "n-2" -> Map.of("/wasm/transform", new RouteOverrides.Override("1.3.0", null));
                case "n-3" -> Map.of("/wasm/transform", new RouteOverrides.Override(null, "1.3.0"));
                default -> null;
            });
            assertThat(d.forNode("n-1", EDGE_A)).isSameAs(plain);
            final Desired updated = d.forNode("n-2", EDGE_A);
            assertThat(updated.hash()).isNotEqualTo(plain.hash());
            final Map<?, ?> route = (Map<?, ?>) ((List<?>) parse(updated.json()).get("routes")).getFirst();
            assertThat(route.get("version")).isEqualTo("1.3.0");
            assertThat(route.get("sha256")).isEqualTo(ModuleSignature.sha256Hex(TELEMETRY));
            assertThat(d.forNode("n-2", EDGE_A)).isSameAs(updated);

            final Desired shadowed = d.forNode("n-3", EDGE_A);
            final Map<?, ?> withShadow = (Map<?, ?>) ((List<?>) parse(shadowed.json()).get("routes")).getFirst();
            assertThat(withShadow.get("version")).isEqualTo("1.2.0");
            assertThat(((Map<?, ?>) withShadow.get("shadow")).get("version")).isEqualTo("1.3.0");
            assertThat(((Map<?, ?>) withShadow.get("shadow")).keySet().toString()).isEqualTo(
                    "[module, version, sha256, manifest, keyId, signature]");
            assertThat(d.routes("n-3", EDGE_A).getFirst().shadow().version()).isEqualTo("1.3.0");

            // A node in no group has nothing to run.
            w.db.inTransaction(c -> c.createStatement().executeUpdate("DELETE FROM node_groups WHERE name = 'all'"));
            d.reload();
            assertThat(d.forNode("n-4", Map.of("tier", "core"))).isSameAs(DesiredStateSource.NONE);
        }
    }

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void driftComparesEachNodesReportedVersionsWithItsDesiredOnes(final Database.Kind kind, @TempDir final Path dir)
            throws SQLException {
        try (World w = new World(kind, dir)) {
            w.fleet.node("n-1", EDGE_A, NodeState.UP, "/wasm/transform=transform@1.2.0", "/native/x=x@0")
                    .node("n-2", EDGE_A, NodeState.UP, "/wasm/transform=transform@1.1.0")
                    .node("n-3", Map.of("tier", "edge"), NodeState.LATE, (String[]) null)
                    .node("n-4", Map.of("tier", "edge"), NodeState.REVOKED, "/wasm/transform=transform@1.1.0")
                    .node("n-5", Map.of("tier", "edge"), NodeState.UP, "/wasm/transform=transform@1.2.0")
                    .node("n-6", Map.of("tier", "core"), NodeState.UP, "/wasm/telemetry=telemetry@1.0.0")
                    .node("n-7", EDGE_A, NodeState.DOWN, "/wasm/other=transform@1.2.0")
                    .node("n-10", EDGE_A, NodeState.UP, "/wasm/transform=transform@1.2.0");
            final Drift drift = w.modules.drift();
            final Drift.GroupDrift edge = drift.group("edge", 100, null);
            assertThat(edge.nodes()).isEqualTo(6);
            assertThat(edge.inSync()).isEqualTo(3);
            assertThat(edge.drifted()).isEqualTo(3);
            assertThat(edge.page()).extracting(Drift.NodeDrift::nodeId).containsExactly("n-2", "n-3", "n-7");
            assertThat(edge.next()).isNull();
            assertThat(edge.page().getFirst().drifted()).containsExactly(new Drift.RouteDrift("/wasm/transform",
                    "transform", "1.2.0", "transform", "1.1.0"));
            assertThat(edge.page().get(1).drifted().getFirst().reportedVersion()).isNull();

            final Drift.GroupDrift first = drift.group("edge", 2, null);
            assertThat(first.page()).extracting(Drift.NodeDrift::nodeId).containsExactly("n-2", "n-3");
            assertThat(first.next()).isEqualTo("n-3");
            assertThat(drift.group("edge", 2, first.next()).page()).extracting(Drift.NodeDrift::nodeId)
                    .containsExactly("n-7");

            assertThat(drift.counts().get("edge")).containsExactly(6, 3, 3);
            assertThat(Drift.idAfter("n-10", "n-9")).isTrue();
            assertThat(Drift.idAfter("n-9", "n-10")).isFalse();
            assertThat(drift.counts().get("all")).containsExactly(1, 1, 0);
            assertThat(drift.drift("n-6").group()).isEqualTo("all");
            assertThat(drift.drift("n-6").inSync()).isTrue();
            assertThat(drift.drift("nope")).isNull();

            // A rollout's version is the desired one for the nodes it updated.
            w.modules.desired().overrides((node, group) -> node.equals("n-2") ? Map.of("/wasm/transform",
                    new RouteOverrides.Override("1.1.0", null)) : null);
            assertThat(drift.drift("n-2").inSync()).isFalse(); // 1.1.0 is not in the registry: the group's stands
            w.upload("transform", "1.1.0", TRANSFORM);
            w.modules.desired().reload();
            assertThat(drift.drift("n-2").inSync()).isTrue();
            assertThat(drift.group("edge", 10, null).drifted()).isEqualTo(2);
        }
    }

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void aLookupIsCheapAndNodesOfOneGroupAndOverridesShareOneAnswer(final Database.Kind kind,
                                                                    @TempDir final Path dir) throws SQLException {
        try (World w = new World(kind, dir)) {
            final long seed = System.nanoTime();
            System.out.println("aLookupIsCheap seed " + seed);
            final java.util.Random random = new java.util.Random(seed);
            final DesiredStates d = w.modules.desired();
            final Map<String, RouteOverrides.Override> updated = Map.of("/wasm/transform",
                    new RouteOverrides.Override("1.3.0", null));
            d.overrides((node, group) -> node.hashCode() % 10 == 0 ? updated : null);
            final List<Map<String, String>> labels = List.of(EDGE_A, Map.of("tier", "core"), Map.of("tier", "edge"));
            final java.util.Set<String> hashes = new java.util.HashSet<>();
            final java.util.Set<Desired> answers = java.util.Collections.newSetFromMap(
                    new java.util.IdentityHashMap<>());
            final int calls = 300_000;
            final long start = System.nanoTime();
            for (int i = 0; i < calls; i++) {
                final Desired answer = d.forNode("n-" + random.nextInt(100_000), labels.get(random.nextInt(3)));
                hashes.add(answer.hash());
                answers.add(answer);
            }
            final long nanos = System.nanoTime() - start;
            System.out.printf("%d lookups: %d ns each%n", calls, nanos / calls);
            assertThat(hashes).hasSize(3); // edge, edge updated by the rollout, all
            assertThat(answers).hasSize(3);
            assertThat(nanos / calls).as("ns per lookup").isLessThan(20_000);
        }
    }

    static Map<String, Object> parse(final byte[] json) {
        return CanonicalJson.parseObject(json, 0, json.length);
    }
}
