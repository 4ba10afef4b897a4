package org.edgebook.edge.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.edgebook.codec.ModuleSignature;
import org.edgebook.edge.EdgeConfig;
import org.edgebook.edge.EdgeMetrics;
import org.edgebook.edge.EdgeNode;
import org.edgebook.edge.Shadow;
import org.edgebook.guests.Guests;
import org.edgebook.sandbox.GuestLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The applier against a real edge node serving the bundled guests, swapped for signed ones. */
class DesiredStateApplierTest {
    static final String TRANSFORM = """
        {"user_id":"u-1","events":[{"event_type":"click","timestamp":"2026-11-22T10:00:00.250+01:00",\
        "payload":{"x":1}}],"metadata":{"source":"web","trace_id":"t-9"}}""";
    static final String TELEMETRY = """
        [{"node_id":"a","transaction_count":10,"latency_ms":84.5,"error_rate":0.002,"timestamp":1795338000000}]""";
    static final byte[] TRANSFORM_WASM = Guests.read(Guests.TRANSFORM_MEMORY);
    static final byte[] TELEMETRY_WASM = Guests.read(Guests.TELEMETRY_MEMORY);

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(
            Duration.ofSeconds(5)).build();
    private final Keys acme = Keys.generate();
    private final Keys stranger = Keys.generate();
    /** What the "control plane" holds, by hash; fetches counted. */
    private final Map<String, byte[]> served = new HashMap<>();
    private final AtomicInteger fetches = new AtomicInteger();
    private EdgeNode node;
    private DesiredStateApplier applier;

    @TempDir
    Path data;

    @BeforeEach
    void start() throws IOException {
        node = EdgeNode.start(EdgeConfig.defaults("127.0.0.1", 0), () -> 1_795_338_000_250L, GuestLog.SYSTEM, 2);
        applier = applier();
    }

    private DesiredStateApplier applier() {
        return new DesiredStateApplier(node, TrustedPublishers.of(Map.of("acme", List.of(acme.publicKey()))),
                new ModuleStore(data), sha -> {
                    fetches.incrementAndGet();
                    final byte[] bytes = served.get(sha);
                    if (bytes == null) {
                        throw new IOException("404 for " + sha);
                    }
                    return bytes;
                });
    }

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    static Map<String, Object> manifest(final String name, final String version) {
        final Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("name", name);
        manifest.put("version", version);
        manifest.put("convention", "MEMORY");
        manifest.put("limits", Map.of("memoryPages", 96L, "concurrency", 2L, "outputBytes", 2L << 20));
        return manifest;
    }

    /** A module signed by {@code key} (null: unsigned), served by the "control plane". */
    private DesiredState.Module module(final String name, final String version, final byte[] bytes, final Keys key,
                                       final String keyId) {
        final String sha = ModuleSignature.sha256Hex(bytes);
        served.put(sha, bytes);
        final Map<String, Object> manifest = manifest(name, version);
        return new DesiredState.Module(name, version, sha, manifest, key == null ? null : keyId, key == null ? null
                : key.sign(sha, manifest));
    }

    private List<TrustedPublishers.ListedKey> publishers(final boolean revoked) {
        return List.of(new TrustedPublishers.ListedKey("acme", "pk-1", acme.base64(), revoked, null, null),
                new TrustedPublishers.ListedKey("acme", "pk-2", stranger.base64(), false, null, null));
    }

    private static DesiredState desired(final String hash, final List<TrustedPublishers.ListedKey> keys,
                                        final DesiredState.Route... routes) {
        return new DesiredState(hash, List.of(routes), keys);
    }

    private HttpResponse<String> post(final String path, final String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path)).POST(
                HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aSignedModuleIsSwappedInAndServesAndIsKeptOnDisk() throws Exception {
        final String before = post("/wasm/transform", TRANSFORM).body();
        final String telemetryAnswer = post("/wasm/telemetry", TELEMETRY).body();
        final DesiredState.Module m = module("telemetry", "2.0.0", TELEMETRY_WASM, acme, "pk-1");
        final DesiredStateApplier.Outcome outcome = applier.apply(desired("h1", publishers(false),
                new DesiredState.Route("/wasm/transform", m, null)));

        assertThat(outcome.complete()).isTrue();
        assertThat(outcome.refused()).isEmpty();
        assertThat(applier.applied()).isEqualTo("h1");
        assertThat(applier.running()).containsEntry("/wasm/transform", new DesiredStateApplier.Running(
                "/wasm/transform", "telemetry", "2.0.0", m.sha256()));
        assertThat(post("/wasm/transform", TELEMETRY).body()).isEqualTo(telemetryAnswer);
        assertThat(post("/wasm/transform", TRANSFORM).body()).isNotEqualTo(before);
        assertThat(node.routeViews()).filteredOn(v -> v.path().equals("/wasm/transform")).singleElement()
                .satisfies(v -> assertThat(v.sha256()).isEqualTo(m.sha256()));
        assertThat(data.resolve("modules").resolve(m.sha256() + ".wasm")).exists();
        assertThat(fetches).hasValue(1);

        // A restarted agent (a new applier, the same data directory) finds the module on disk.
        served.clear();
        applier = applier();
        assertThat(applier.apply(desired("h1", publishers(false), new DesiredState.Route("/wasm/transform", m, null)))
                .complete()).isTrue();
        assertThat(fetches).hasValue(1);
    }

    @Test
    void aNewPathIsInstalledAsARouteWithTheManifestsLimits() throws Exception {
        assertThat(post("/wasm/fresh", TELEMETRY).statusCode()).isEqualTo(404);
        final DesiredState.Module m = module("telemetry", "1.0.0", TELEMETRY_WASM, acme, "pk-1");
        assertThat(applier.apply(desired("h2", publishers(false), new DesiredState.Route("/wasm/fresh", m, null)))
                .complete()).isTrue();
        final HttpResponse<String> r = post("/wasm/fresh", TELEMETRY);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(post("/wasm/telemetry", TELEMETRY).body());
    }

    @Test
    void tamperedUnsignedUntrustedAndRevokedModulesAreRefusedAndTheOldModuleServes() throws Exception {
        final String before = post("/wasm/transform", TRANSFORM).body();
        final DesiredState.Module good = module("telemetry", "2.0.0", TELEMETRY_WASM, acme, "pk-1");
        final byte[] tampered = TELEMETRY_WASM.clone();
        tampered[tampered.length - 1] ^= 1;
        served.put(good.sha256(), tampered);
        final DesiredState.Module unsigned = module("telemetry", "2.0.1", TRANSFORM_WASM, null, null);
        final DesiredState.Module untrusted = module("telemetry", "2.0.2", TRANSFORM_WASM, stranger, "pk-2");
        final DesiredState.Module wrongName = new DesiredState.Module("transform", "2.0.0", untrusted.sha256(),
                manifest("telemetry", "2.0.0"), "pk-1", acme.sign(untrusted.sha256(), manifest("telemetry",
                        "2.0.0")));

        final List<String> reasons = new ArrayList<>();
        for (final DesiredState.Module m : List.of(good, unsigned, untrusted, wrongName)) {
            final DesiredStateApplier.Outcome outcome = applier.apply(desired("h", publishers(false),
                    new DesiredState.Route("/wasm/transform", m, null)));
            assertThat(outcome.complete()).isFalse();
            assertThat(outcome.refused()).singleElement().satisfies(f -> {
                assertThat(f.path()).isEqualTo("/wasm/transform");
                assertThat(f.sha256()).isEqualTo(m.sha256());
                reasons.add(f.reason());
            });
            assertThat(post("/wasm/transform", TRANSFORM).body()).isEqualTo(before);
        }
        served.put(good.sha256(), TELEMETRY_WASM);
        final DesiredStateApplier.Outcome revoked = applier.apply(desired("h", publishers(true),
                new DesiredState.Route("/wasm/transform", good, null)));
        reasons.add(revoked.refused().getFirst().reason());
        assertThat(post("/wasm/transform", TRANSFORM).body()).isEqualTo(before);

        assertThat(reasons).satisfiesExactly(
                r -> assertThat(r).startsWith("sha256: the bytes hash to ").endsWith("not " + good.sha256()
                        + " (tampered)"),
                r -> assertThat(r).startsWith("signature: unsigned"),
                r -> assertThat(r).startsWith("signature: untrusted key pk-2 of acme"),
                r -> assertThat(r).isEqualTo("manifest: it names telemetry@2.0.0, the route asks for transform@2.0.0"),
                r -> assertThat(r).isEqualTo("signature: revoked key pk-1 of acme"));
        assertThat(applier.applied()).isEmpty();
        assertThat(applier.running()).isEmpty();
        assertThat(applier.takeLoadFailures()).hasSize(5);
        assertThat(applier.takeLoadFailures()).isEmpty();
        // Refused bytes are not kept.
        assertThat(data.resolve("modules").resolve(untrusted.sha256() + ".wasm")).doesNotExist();
    }

    @Test
    void aModuleWhoseLimitsDoNotFitTheGuestMemoryBudgetIsRefused() throws Exception {
        final String before = post("/wasm/transform", TRANSFORM).body();
        final Map<String, Object> manifest = manifest("telemetry", "3.0.0");
        manifest.put("limits", Map.of("memoryPages", 32_767L, "concurrency", 1_000L));
        final String sha = ModuleSignature.sha256Hex(TELEMETRY_WASM);
        served.put(sha, TELEMETRY_WASM);
        final DesiredStateApplier.Outcome outcome = applier.apply(desired("hb", publishers(false),
                new DesiredState.Route("/wasm/transform", new DesiredState.Module("telemetry", "3.0.0", sha, manifest,
                        "pk-1", acme.sign(sha, manifest)), null)));
        assertThat(outcome.refused()).singleElement().satisfies(f -> assertThat(f.reason()).startsWith(
                "guest memory: /wasm/transform would need ").contains("concurrency 1000", "over the budget of"));
        assertThat(post("/wasm/transform", TRANSFORM).body()).isEqualTo(before);
    }

    @Test
    void aModuleThatCannotBeDownloadedLeavesTheStateIncompleteWithoutALoadFailure() {
        final DesiredState.Module m = module("telemetry", "2.0.0", TELEMETRY_WASM, acme, "pk-1");
        served.clear();
        final DesiredStateApplier.Outcome outcome = applier.apply(desired("h", publishers(false),
                new DesiredState.Route("/wasm/transform", m, null)));
        assertThat(outcome.complete()).isFalse();
        assertThat(outcome.downloadFailed()).isTrue();
        assertThat(outcome.refused()).isEmpty();
    }

    @Test
    void aShadowWithAnotherModuleCountsMismatchesAndKeepsSamplesWhileThePrimaryAnswers() throws Exception {
        final String before = post("/wasm/transform", TRANSFORM).body();
        final DesiredState.Module primary = module("transform", "1.0.0", TRANSFORM_WASM, acme, "pk-1");
        final DesiredState.Module shadow = module("telemetry", "9.0.0", TELEMETRY_WASM, acme, "pk-1");
        assertThat(applier.apply(desired("hs", publishers(false), new DesiredState.Route("/wasm/transform", primary,
                shadow))).complete()).isTrue();
        assertThat(applier.shadows()).containsKey("/wasm/transform");
        final Shadow running = node.shadow("/wasm/transform");
        assertThat(running).isNotNull();

        for (int i = 0; i < 5; i++) {
            assertThat(post("/wasm/transform", TRANSFORM).body()).isEqualTo(before);
        }
        final long[] counts = new long[3];
        final List<Shadow.Sample> samples = new ArrayList<>();
        waitFor(() -> {
            final Shadow.Interval interval = running.takeInterval();
            counts[0] += interval.compared();
            counts[1] += interval.mismatches();
            counts[2] += interval.skipped();
            assertThat(interval.samples()).hasSizeLessThanOrEqualTo(Shadow.MAX_SAMPLES);
            assertThat(interval.samples()).hasSizeLessThanOrEqualTo((int) interval.mismatches());
            samples.addAll(interval.samples());
            return counts[0] + counts[2] == 5;
        });
        assertThat(counts[0]).isPositive();
        assertThat(counts[1]).isEqualTo(counts[0]);
        assertThat(samples).isNotEmpty();
        assertThat(samples.getFirst().request()).isEqualTo(TRANSFORM);
        assertThat(samples.getFirst().served()).isEqualTo("200 " + before);
        assertThat(samples.getFirst().shadow()).doesNotContain(before);
        assertThat(running.takeInterval()).isEqualTo(new Shadow.Interval(0, 0, 0, List.of()));

        // The same module as shadow: compared, no mismatch. Then no shadow: it is removed.
        final DesiredState.Module same = module("transform", "1.0.1", TRANSFORM_WASM, acme, "pk-1");
        assertThat(applier.apply(desired("hs2", publishers(false), new DesiredState.Route("/wasm/transform", primary,
                same))).complete()).isTrue();
        final Shadow second = node.shadow("/wasm/transform");
        assertThat(second).isNotSameAs(running);
        post("/wasm/transform", TRANSFORM);
        final long[] compared = new long[2];
        waitFor(() -> {
            final Shadow.Interval interval = second.takeInterval();
            compared[0] += interval.compared() + interval.skipped();
            compared[1] += interval.mismatches();
            return compared[0] == 1;
        });
        assertThat(compared[1]).isZero();
        assertThat(applier.apply(desired("hs3", publishers(false), new DesiredState.Route("/wasm/transform", primary,
                null))).complete()).isTrue();
        assertThat(node.shadow("/wasm/transform")).isNull();
        assertThat(applier.shadows()).isEmpty();
    }

    @Test
    void routeIntervalsCountRequestsErrorsAndLatencyAndStartAgainAfterEachRead() throws Exception {
        final EdgeMetrics.Route metrics = node.routeViews().stream().filter(v -> v.path().equals("/wasm/transform"))
                .findFirst().orElseThrow().metrics();
        metrics.takeInterval();
        for (int i = 0; i < 3; i++) {
            assertThat(post("/wasm/transform", TRANSFORM).statusCode()).isEqualTo(200);
        }
        assertThat(post("/wasm/transform", "{\"user_id\":").statusCode()).isEqualTo(400);
        final EdgeMetrics.Interval first = metrics.takeInterval();
        assertThat(first.requests()).isEqualTo(4);
        assertThat(first.errors()).isZero(); // a 400 is the client's error, not the route's
        assertThat(first.p50Micros()).isPositive();
        assertThat(first.p99Micros()).isGreaterThanOrEqualTo(first.p50Micros());
        assertThat(metrics.takeInterval()).isEqualTo(new EdgeMetrics.Interval(0, 0, 0, 0));

        // A guest that traps answers 500: an error of the interval.
        final DesiredState.Module trap = module("trap", "1.0.0", Guests.read("trap.wasm"), acme, "pk-1");
        assertThat(applier.apply(desired("ht", publishers(false), new DesiredState.Route("/wasm/trap", trap, null)))
                .complete()).isTrue();
        assertThat(post("/wasm/trap", TRANSFORM).statusCode()).isGreaterThanOrEqualTo(500);
        final EdgeMetrics.Route trapMetrics = node.routeViews().stream().filter(v -> v.path().equals("/wasm/trap"))
                .findFirst().orElseThrow().metrics();
        assertThat(trapMetrics.takeInterval()).satisfies(i -> {
            assertThat(i.requests()).isEqualTo(1);
            assertThat(i.errors()).isEqualTo(1);
        });
    }

    /** Waits for {@code condition}, polling, up to 10 s. */
    static void waitFor(final BooleanSupplier condition) throws InterruptedException {
        final long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the condition did not hold within 10 s");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
        }
    }
}
