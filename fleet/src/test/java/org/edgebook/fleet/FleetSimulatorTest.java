package org.edgebook.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import org.edgebook.codec.CanonicalJson;
import org.edgebook.codec.Ed25519Key;
import org.edgebook.codec.ModuleSignature;
import org.edgebook.guests.Guests;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The simulator against a small real control plane ({@link ContractServer}) that checks every signature: 200 nodes
 * enroll with their own keys, heartbeat on the told interval, apply a signed desired state, refuse a tampered and an
 * untrusted module while keeping what they ran, follow an endorsed key rotation, misbehave on a bad version, and stop
 * when revoked.
 */
final class FleetSimulatorTest {
    private static final int NODES = 200;
    private static final long INTERVAL = 200;
    private static final String PATH = "/wasm/transform";

    private ContractServer server;
    private Fleet fleet;
    private long seed;
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();

    private record Publisher(String name, String keyId, Ed25519Key.Private key) {
        String publicBase64() {
            return Base64.getEncoder().encodeToString(key.publicRaw());
        }

        Map<String, Object> listed(final String state, final String endorsedBy, final String endorsement) {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("publisher", name);
            m.put("keyId", keyId);
            m.put("publicKey", publicBase64());
            m.put("state", state);
            m.put("endorsedBy", endorsedBy == null ? CanonicalJson.NULL : endorsedBy);
            m.put("endorsement", endorsement == null ? CanonicalJson.NULL : endorsement);
            return m;
        }
    }

    @BeforeEach
    void seed() {
        seed = ThreadLocalRandom.current().nextLong();
        System.out.println("FleetSimulatorTest seed " + seed);
    }

    @AfterEach
    void close() throws Exception {
        if (fleet != null) {
            fleet.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private void start(final Set<String> bad, final boolean failsLoad, final Map<String, Set<String>> trust)
            throws Exception {
        server = new ContractServer(INTERVAL);
        final FleetOptions options = FleetOptions.of(URI.create("http://127.0.0.1:" + server.port()),
                new OperatorKey(ContractServer.OPERATOR_ID, ContractServer.OPERATOR_SECRET), NODES)
                .withLabels(Map.of("tier", "edge")).withBad(bad, 200_000, 4 * FleetOptions.PPM, failsLoad)
                .withTrust(trust).withSeed(seed).withConcurrency(32, 1, 16, 8, 1)
                .withOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        fleet = new Fleet(options);
        assertThat(fleet.start(1000)).as("nodes refused at enrollment").isZero();
    }

    private static Publisher publisher(final String name, final String keyId) throws Exception {
        return new Publisher(name, keyId, Ed25519Key.Private.of(KeyPairGenerator.getInstance("Ed25519")
                .generateKeyPair().getPrivate()));
    }

    private static Map<String, Object> manifest(final String version) {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "transform");
        m.put("version", version);
        m.put("convention", "MEMORY");
        m.put("limits", Map.of("memoryPages", 16L, "deadlineMs", 50L));
        return m;
    }

    /** A module entry of a desired route: served under its hash; signed by {@code signer}. */
    private Map<String, Object> module(final String version, final byte[] bytes, final Publisher signer) {
        final String sha = ModuleSignature.sha256Hex(bytes);
        server.modules.put(sha, bytes);
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("module", "transform");
        m.put("version", version);
        m.put("sha256", sha);
        m.put("manifest", manifest(version));
        m.put("keyId", signer.keyId());
        m.put("signature", ModuleSignature.sign(signer.key(), sha, manifest(version)));
        return m;
    }

    private static Map<String, Object> route(final Map<String, Object> module, final Map<String, Object> shadow) {
        final Map<String, Object> r = new LinkedHashMap<>();
        r.put("path", PATH);
        r.putAll(module);
        r.put("shadow", shadow == null ? CanonicalJson.NULL : shadow);
        return r;
    }

    /** Distinct bytes for a version: the real guest with a trailing custom section's worth of difference. */
    private static byte[] wasm(final String version) {
        final byte[] guest = Guests.read(Guests.TRANSFORM_MEMORY);
        final byte[] name = ("v" + version).getBytes(StandardCharsets.US_ASCII);
        final byte[] out = java.util.Arrays.copyOf(guest, guest.length + 3 + name.length);
        out[guest.length] = 0; // a custom section: id 0, size, name length, name
        out[guest.length + 1] = (byte) (1 + name.length);
        out[guest.length + 2] = (byte) name.length;
        System.arraycopy(name, 0, out, guest.length + 3, name.length);
        return out;
    }

    private void await(final String what, final long millis, final BooleanSupplier condition) throws Exception {
        final long deadline = System.nanoTime() + millis * 1_000_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + millis + " ms: " + what + " (seed " + seed + ")\n"
                        + printed.toString(StandardCharsets.UTF_8));
            }
            Thread.sleep(20);
        }
    }

    /** Whether every node's last heartbeat reports {@code version} on the route. */
    private boolean allRun(final String version) {
        return server.nodes.size() == NODES && server.nodes.values().stream().allMatch(s -> {
            final Map<String, Object> last = s.last();
            return last != null && version.equals(routeOf(last).get("version"));
        });
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> routeOf(final Map<String, Object> heartbeat) {
        final List<Object> routes = (List<Object>) heartbeat.get("routes");
        return routes.isEmpty() ? Map.of() : (Map<String, Object>) routes.get(0);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> failures(final ContractServer.Seen seen) {
        final List<Map<String, Object>> all = new ArrayList<>();
        synchronized (seen.heartbeats) {
            for (final Map<String, Object> h : seen.heartbeats) {
                for (final Object f : (List<Object>) h.get("loadFailures")) {
                    all.add((Map<String, Object>) f);
                }
            }
        }
        return all;
    }

    @Test
    void nodesEnrollWithTheirOwnKeysAndHeartbeatOnTheToldInterval() throws Exception {
        start(Set.of(), false, Map.of());
        assertThat(server.keys).hasSize(NODES);
        assertThat(server.keys.values()).doesNotHaveDuplicates();
        assertThat(server.nodes.values().stream().map(s -> s.region).distinct())
                .containsExactlyInAnyOrder("eu-west", "us-east", "ap-south");
        assertThat(server.nodes.values()).allSatisfy(s -> assertThat(s.labels).containsEntry("tier", "edge"));
        await("every node sends 10 heartbeats (the JIT warms up)", 15_000, () -> server.nodes.values().stream()
                .allMatch(s -> s.arrivals.size() >= 10));
        assertThat(server.badSignatures).hasValue(0);
        checkInterval(INTERVAL);
        for (final ContractServer.Seen s : server.nodes.values()) {
            final List<Long> seqs;
            synchronized (s.heartbeats) {
                seqs = s.heartbeats.stream().map(h -> (Long) h.get("seq")).sorted().toList();
            }
            assertThat(seqs).as("sequence numbers 1, 2, 3…").doesNotHaveDuplicates().startsWith(1L, 2L, 3L);
            final Map<String, Object> telemetry = (Map<String, Object>) s.last().get("telemetry");
            assertThat((Long) telemetry.get("heapUsedBytes")).isPositive();
            assertThat(s.last().get("health")).isEqualTo("ok");
        }
        // the told interval changes: the schedule follows it
        server.intervalMs = INTERVAL / 2;
        final Map<String, Integer> told = new java.util.HashMap<>();
        server.nodes.forEach((id, s) -> told.put(id, s.arrivals.size()));
        await("every node is answered twice after the change", 5_000, () -> server.nodes.entrySet().stream()
                .allMatch(e -> e.getValue().arrivals.size() >= told.get(e.getKey()) + 2));
        checkInterval(INTERVAL / 2);
        assertThat(fleet.stats().failed()).isZero();
    }

    @Test
    void appliesASignedDesiredStateRefusesTamperedAndUntrustedModulesAndFollowsARotation() throws Exception {
        final Publisher acme = publisher("acme", "pk-1");
        start(Set.of(), false, Map.of("acme", Set.of(acme.publicBase64())));
        final List<Object> publishers = new ArrayList<>(List.of(acme.listed("active", null, null)));

        final Map<String, Object> v120 = module("1.2.0", wasm("1.2.0"), acme);
        server.desire(List.of(route(v120, null)), publishers);
        await("every node runs 1.2.0", 10_000, () -> allRun("1.2.0"));
        final String applied = server.desiredHash;
        assertThat(server.nodes.values()).allSatisfy(s -> {
            assertThat(s.last().get("applied")).isEqualTo(applied);
            assertThat(routeOf(s.last())).containsEntry("sha256", v120.get("sha256"));
        });
        assertThat(server.moduleGets.get((String) v120.get("sha256"))).as("downloads of one hash").hasValue(1);

        // tampered: the bytes served are not those signed
        final Map<String, Object> v130 = module("1.3.0", wasm("1.3.0"), acme);
        server.modules.put((String) v130.get("sha256"), wasm("1.3.0-evil"));
        server.desire(List.of(route(v130, null)), publishers);
        await("every node reports the tampered module", 10_000, () -> server.nodes.values().stream()
                .allMatch(s -> failures(s).stream().anyMatch(f -> String.valueOf(f.get("reason")).startsWith(
                        "sha256:") && v130.get("sha256").equals(f.get("sha256")))));
        await("and still runs 1.2.0 two heartbeats on", 5_000, () -> allRun("1.2.0")
                && server.nodes.values().stream().allMatch(s -> applied.equals(s.last().get("applied"))));

        // untrusted: a key of acme the control plane lists, but that no trusted key endorsed
        final Publisher rogue = publisher("acme", "pk-9");
        publishers.add(rogue.listed("active", null, null));
        final Map<String, Object> v140 = module("1.4.0", wasm("1.4.0"), rogue);
        server.desire(List.of(route(v140, null)), publishers);
        await("every node reports the untrusted key", 10_000, () -> server.nodes.values().stream()
                .allMatch(s -> failures(s).stream().anyMatch(f -> "signature: untrusted key pk-9".equals(
                        f.get("reason")))));
        assertThat(allRun("1.2.0")).isTrue();

        // a rotation endorsed by the trusted key is followed
        final Publisher next = publisher("acme", "pk-2");
        publishers.add(next.listed("active", "pk-1", ModuleSignature.endorse(acme.key(), "acme",
                next.publicBase64())));
        final Map<String, Object> v150 = module("1.5.0", wasm("1.5.0"), next);
        server.desire(List.of(route(v150, null)), publishers);
        await("every node runs 1.5.0, signed by the endorsed key", 10_000, () -> allRun("1.5.0"));

        // the rotated key is revoked: what it signs is refused, whatever the endorsement
        publishers.set(2, next.listed("revoked", "pk-1", ModuleSignature.endorse(acme.key(), "acme",
                next.publicBase64())));
        final Map<String, Object> v160 = module("1.6.0", wasm("1.6.0"), next);
        server.desire(List.of(route(v160, null)), publishers);
        await("every node reports the revoked key", 10_000, () -> server.nodes.values().stream()
                .allMatch(s -> failures(s).stream().anyMatch(f -> String.valueOf(f.get("reason")).contains(
                        "key pk-2 of acme is revoked"))));
        assertThat(allRun("1.5.0")).isTrue();
        assertThat(server.badSignatures).hasValue(0);
        assertThat(fleet.stats().loadFailures()).isEqualTo(3L * NODES);
        assertThat(server.moduleGets.values()).as("each hash downloaded once").allSatisfy(n -> assertThat(n)
                .hasValue(1));
    }

    @Test
    void aBadVersionRaisesTheErrorRateAndItsShadowMismatches() throws Exception {
        final Publisher acme = publisher("acme", "pk-1");
        start(Set.of("transform@1.3.0"), false, Map.of("acme", Set.of(acme.publicBase64())));
        final List<Object> publishers = List.of(acme.listed("active", null, null));
        final Map<String, Object> v120 = module("1.2.0", wasm("1.2.0"), acme);
        final Map<String, Object> v130 = module("1.3.0", wasm("1.3.0"), acme);
        server.desire(List.of(route(v120, v130)), publishers);
        await("every node runs 1.2.0 with a shadow of 1.3.0", 10_000, () -> allRun("1.2.0") && server.nodes.values()
                .stream().allMatch(s -> routeOf(s.last()).get("shadow") instanceof Map<?, ?>));
        final long[] good = errorRate("1.2.0");
        assertThat(good[1] * 1000).as("errors of 1.2.0 under 1%, seed " + seed).isLessThan(good[0] * 10);
        final Map<String, Object> shadow = (Map<String, Object>) routeOf(server.nodes.values().iterator().next()
                .last()).get("shadow");
        assertThat(shadow).containsEntry("version", "1.3.0");

        server.desire(List.of(route(v130, null)), publishers);
        await("every node runs 1.3.0", 10_000, () -> allRun("1.3.0"));
        await("a few heartbeats of 1.3.0", 5_000, () -> errorRate("1.3.0")[0] > 20_000);
        final long[] bad = errorRate("1.3.0");
        assertThat(bad[1] * 100).as("errors of 1.3.0 about 20%, seed " + seed).isBetween(bad[0] * 17, bad[0] * 23);
        assertThat(mismatches()).as("mismatches of the bad shadow").isPositive();
    }

    @Test
    void aBadVersionThatFailsToLoadIsRefusedAndARevokedNodeStops() throws Exception {
        final Publisher acme = publisher("acme", "pk-1");
        start(Set.of("transform@1.3.0"), true, Map.of("acme", Set.of(acme.publicBase64())));
        final List<Object> publishers = List.of(acme.listed("active", null, null));
        server.desire(List.of(route(module("1.2.0", wasm("1.2.0"), acme), null)), publishers);
        await("every node runs 1.2.0", 10_000, () -> allRun("1.2.0"));
        server.desire(List.of(route(module("1.3.0", wasm("1.3.0"), acme), null)), publishers);
        await("every node refuses 1.3.0", 10_000, () -> server.nodes.values().stream()
                .allMatch(s -> failures(s).stream().anyMatch(f -> String.valueOf(f.get("reason")).startsWith(
                        "load: transform@1.3.0"))));
        assertThat(allRun("1.2.0")).isTrue();

        server.revoked.add("n-7");
        await("the revoked node is counted", 5_000, () -> fleet.stats().revoked() == 1);
        final int count = server.nodes.get("n-7").arrivals.size();
        final long others = server.nodes.get("n-8").arrivals.size();
        await("the others heartbeat 5 more times", 5_000, () -> server.nodes.get("n-8").arrivals.size() > others + 5);
        assertThat(server.nodes.get("n-7").arrivals).hasSize(count);
        assertThat(fleet.active()).isEqualTo(NODES - 1);
    }

    /**
     * Counts each node's heartbeats sent (by their signed {@code EB-TIMESTAMP}) in a window of 12 intervals, once they
     * have all arrived: as a late heartbeat keeps its intended time, a pause (GC, a busy machine) moves heartbeats
     * across the window's edges but does not change the rate, so each node has 12 ± 3 and the fleet 12 a node ± 10%.
     * (Arrival times are not checked: on a loaded machine they measure the machine and the client's pool.)
     */
    private void checkInterval(final long interval) throws Exception {
        final long from = System.currentTimeMillis();
        final long to = from + interval * 12;
        await("12 intervals and a second pass", 10_000, () -> System.currentTimeMillis() > to + 1000);
        final List<Integer> counts = new ArrayList<>();
        for (final ContractServer.Seen s : server.nodes.values()) {
            synchronized (s.stamps) {
                counts.add((int) s.stamps.stream().filter(t -> t >= from && t < to).count());
            }
        }
        assertThat(counts).as("heartbeats of each node in 12 intervals of %d ms, seed %d", interval, seed)
                .allSatisfy(c -> assertThat(c).isBetween(9, 15));
        final double mean = counts.stream().mapToInt(Integer::intValue).average().orElse(0);
        assertThat(mean).as("the fleet's heartbeats a node in 12 intervals of %d ms, seed %d", interval, seed)
                .isBetween(12 * 0.9, 12 * 1.1);
    }

    /** {requests, errors} over every heartbeat that reports {@code version}. */
    private long[] errorRate(final String version) {
        long requests = 0;
        long errors = 0;
        for (final ContractServer.Seen s : server.nodes.values()) {
            synchronized (s.heartbeats) {
                for (final Map<String, Object> h : s.heartbeats) {
                    final Map<String, Object> r = routeOf(h);
                    if (version.equals(r.get("version"))) {
                        requests += (Long) r.get("requests");
                        errors += (Long) r.get("errors");
                    }
                }
            }
        }
        return new long[] {requests, errors};
    }

    @SuppressWarnings("unchecked")
    private long mismatches() {
        long mismatches = 0;
        for (final ContractServer.Seen s : server.nodes.values()) {
            synchronized (s.heartbeats) {
                for (final Map<String, Object> h : s.heartbeats) {
                    if (routeOf(h).get("shadow") instanceof Map<?, ?> shadow) {
                        mismatches += (Long) shadow.get("mismatches");
                        assertThat((List<Object>) shadow.get("samples")).hasSizeLessThanOrEqualTo(3);
                    }
                }
            }
        }
        return mismatches;
    }
}
