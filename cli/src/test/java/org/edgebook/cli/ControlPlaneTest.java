package org.edgebook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.edgebook.codec.CanonicalJson;
import org.edgebook.codec.Ed25519Key;
import org.edgebook.codec.ModuleSignature;
import org.edgebook.codec.SignedRequest;
import org.edgebook.control.TestStores;
import org.edgebook.control.store.Database;
import org.edgebook.edge.EdgeConfig;
import org.edgebook.edge.EdgeNode;
import org.edgebook.edge.agent.ControlAgent;
import org.edgebook.edge.agent.ControlClient;
import org.edgebook.edge.agent.TrustedPublishers;
import org.edgebook.fleet.Fleet;
import org.edgebook.fleet.FleetOptions;
import org.edgebook.fleet.OperatorKey;
import org.edgebook.guests.Guests;
import org.edgebook.http.RequestSignature;
import org.edgebook.sandbox.GuestLog;
import org.edgebook.server.SettlementServer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The control plane end to end, on each store: the control plane as its own process ({@code edgebook control}), a
 * settlement service following it, two real edge nodes with the real agent, and 300 simulated nodes
 * ({@code edgebook fleet}'s {@link Fleet}), all in group {@code edge}. Signed modules roll out to all of them through
 * the shadow stage and four waves; a version that traps is caught by the shadow stage, and again by the first wave's
 * error rate when the shadow stage is skipped; a module signed by a publisher the nodes do not trust is refused by every
 * node, and its rollout rolled back by the failed-loads gate; the control plane is killed with SIGKILL mid-rollout and,
 * started again, finishes it without assigning a node twice; a revoked node is refused by the control plane and by
 * settlement.
 */
class ControlPlaneTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern OPERATOR = Pattern.compile("operator key \\(shown once[^)]*\\): (op-\\S+) (\\S+)");
    private static final String PATH = "/wasm/transform";
    private static final String REQUEST = "{\"user_id\":\"u-42\",\"events\":[{\"event_type\":\"click\",\"timestamp\":"
            + "\"2026-11-22T10:00:00.250+01:00\",\"payload\":{\"x\":1}}],\"metadata\":{\"source\":\"web\","
            + "\"trace_id\":\"t-9\"}}";
    private static final int SIMULATED = 300;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicLong lastStamp = new AtomicLong();
    private String operatorId;
    private byte[] operatorSecret;
    private URI control;

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void modulesRollOutToRealAndSimulatedNodesAndBadOnesAreRolledBackThroughAKill(final Database.Kind kind,
                                                                                  @TempDir final Path dir)
            throws Exception {
        final String dbUrl = kind == Database.Kind.POSTGRESQL ? TestStores.freshPostgresUrl() : null;
        final int settlementPort = TxStack.freePort();
        final int controlPort = TxStack.freePort();
        control = URI.create("http://127.0.0.1:" + controlPort);
        final SettlementServer settlement = SettlementServer.start(new SettlementServer.Config("127.0.0.1",
                settlementPort, dir.resolve("settlement"), dir.resolve("master.key"), 100_000, 1000, 30, null, null),
                false, w -> {});
        final List<AutoCloseable> closing = new ArrayList<>();
        Process controlProcess = null;
        try {
            final String[] admin = settlement.describeKeys().stream().filter(l -> l.trim().startsWith("admin"))
                    .findFirst().orElseThrow().trim().split("\\s+");
            Files.writeString(dir.resolve("settlement-key"), admin[2] + " " + admin[4] + "\n");
            controlProcess = startControl(dir, controlPort, dbUrl, settlementPort);

            // The operator: a publisher, its modules, the group.
            final Ed25519Key.Private acme = newKey();
            final Ed25519Key.Private globex = newKey();
            final String acmeKey = Base64.getEncoder().encodeToString(acme.publicRaw());
            final String acmeId = ok(operator("POST", "/v1/publishers", "{\"publisher\":\"acme\",\"publicKey\":\""
                    + acmeKey + "\"}"), 201).get("keyId").asText();
            final String globexId = ok(operator("POST", "/v1/publishers", "{\"publisher\":\"globex\","
                    + "\"publicKey\":\"" + Base64.getEncoder().encodeToString(globex.publicRaw()) + "\"}"), 201)
                    .get("keyId").asText();
            upload(acme, acmeId, "1.0.0", "MEMORY", Guests.read(Guests.TRANSFORM_MEMORY), 201);
            upload(acme, acmeId, "1.1.0", "WAGI", Guests.read(Guests.TRANSFORM_WAGI), 201);
            upload(acme, acmeId, "1.2.0", "MEMORY", Guests.read("trap.wasm"), 201);
            upload(globex, globexId, "1.3.0", "MEMORY", Guests.read(Guests.TRANSFORM_MEMORY), 201);
            // A tampered upload (signed over other bytes) is refused and nothing is stored.
            upload(acme, acmeId, "1.9.0", "MEMORY", Guests.read(Guests.TRANSFORM_MEMORY), 422, Guests.read(
                    Guests.TRANSFORM_WAGI));
            ok(operator("GET", "/v1/modules/transform/1.9.0", null), 404);
            upload(acme, acmeId, "1.4.0", "WAGI", Guests.read(Guests.TRANSFORM_WAGI), 201);
            ok(operator("PUT", "/v1/groups/edge", "{\"selector\":{\"tier\":\"edge\"},\"priority\":0,\"routes\":["
                    + "{\"path\":\"" + PATH + "\",\"module\":\"transform\",\"version\":\"1.0.0\"}]}"), 200);

            // Two real edge nodes with the agent, trusting acme only.
            final Path trust = dir.resolve("trust");
            Files.writeString(trust, "acme " + acmeKey + "\n");
            final String token = ok(operator("POST", "/v1/admin/enrollment-tokens", "{\"uses\":2,\"labels\":"
                    + "{\"tier\":\"edge\"}}"), 201).get("token").asText();
            final List<Edge> edges = new ArrayList<>();
            for (int i = 1; i <= 2; i++) {
                final Edge edge = new Edge(dir.resolve("edge-" + i), token, trust);
                closing.add(edge);
                edges.add(edge);
            }
            // 300 simulated nodes: transform@1.2.0 is the bad version they know of.
            final Path operatorFile = dir.resolve("operator-key");
            Files.writeString(operatorFile, operatorId + " " + new String(operatorSecret, StandardCharsets.US_ASCII)
                    + "\n");
            final Fleet fleet = new Fleet(FleetOptions.of(control, OperatorKey.read(operatorFile), SIMULATED)
                    .withLabels(Map.of("tier", "edge")).withBad(Set.of("transform@1.2.0"), 200_000, 4_000_000, false)
                    .withTrust(Map.of("acme", Set.of(acmeKey))).withSeed(seed()).withOut(System.out));
            closing.add(fleet);
            assertThat(fleet.start(10_000)).as("simulated nodes refused enrollment").isZero();
            final AtomicBoolean traffic = new AtomicBoolean(true);
            final Thread load = trafficTo(edges, traffic);
            closing.add(() -> {
                traffic.set(false);
                load.join(10_000);
            });

            await("every node runs 1.0.0", 60, () -> count("transform@1.0.0") == SIMULATED + 2);
            for (final Edge e : edges) {
                await(e.id + " serves 1.0.0", 30, () -> e.runs("1.0.0"));
            }

            // A good version through the shadow stage and four waves.
            String id = rollout("\"to\":\"1.1.0\",\"soakSeconds\":2,\"shadow\":{\"nodes\":2,\"seconds\":2}");
            JsonNode r = awaitEnd(id, 120);
            assertThat(r.get("state").asText()).as(r.toString()).isEqualTo("completed");
            assertThat(waveNodes(r)).containsExactly(4, 31, 151, 302);
            await("every node runs 1.1.0", 30, () -> count("transform@1.1.0") == SIMULATED + 2);
            for (final Edge e : edges) {
                await(e.id + " serves 1.1.0", 30, () -> e.runs("1.1.0"));
            }

            // A version that traps: its shadow's answers differ, so no node ever serves it.
            id = rollout("\"to\":\"1.2.0\",\"soakSeconds\":2,\"shadow\":{\"nodes\":3,\"seconds\":30}");
            r = awaitEnd(id, 60);
            assertThat(r.get("state").asText()).isEqualTo("rolled_back");
            assertThat(r.get("reason").get("gate").asText()).isEqualTo("shadow_mismatch");
            assertThat(waveNodes(r)).isEmpty();

            // The same version with no shadow stage: the first wave's error rate rolls it back by itself.
            id = rollout("\"to\":\"1.2.0\",\"soakSeconds\":30,\"shadow\":null");
            r = awaitEnd(id, 60);
            assertThat(r.get("state").asText()).isEqualTo("rolled_back");
            assertThat(r.get("reason").get("gate").asText()).isIn("error_rate", "p99");
            assertThat(waveNodes(r)).containsExactly(4);
            await("every node is back on 1.1.0", 30, () -> count("transform@1.1.0") == SIMULATED + 2);
            for (final Edge e : edges) {
                assertThat(e.post().statusCode()).isEqualTo(200);
            }

            // A module signed by a publisher the nodes do not trust: refused by each node, so the rollout is too.
            id = rollout("\"to\":\"1.3.0\",\"soakSeconds\":30,\"shadow\":null,\"waves\":[50,100]");
            r = awaitEnd(id, 60);
            assertThat(r.get("state").asText()).isEqualTo("rolled_back");
            assertThat(r.get("reason").get("gate").asText()).isEqualTo("failed_loads");
            assertThat(r.get("reason").get("why").asText()).contains("signature");
            for (final Edge e : edges) {
                assertThat(e.runs("1.3.0")).isFalse();
            }

            // SIGKILL mid-rollout: started again, the control plane finishes it; no node is assigned twice.
            id = rollout("\"to\":\"1.4.0\",\"soakSeconds\":4,\"shadow\":null,\"waves\":[10,50,100]");
            final String rolloutId = id;
            // A group is not changed by hand while a rollout moves it.
            assertThat(ok(operator("PUT", "/v1/groups/edge", "{\"selector\":{\"tier\":\"edge\"},\"priority\":0,"
                    + "\"routes\":[{\"path\":\"" + PATH + "\",\"module\":\"transform\",\"version\":\"1.0.0\"}]}"),
                    409).get("error").asText()).isEqualTo("rollout_active");
            await("the second wave", 60, () -> rolloutJson(rolloutId).get("wave").asInt() >= 2);
            controlProcess.destroyForcibly();
            assertThat(controlProcess.waitFor(30, TimeUnit.SECONDS)).isTrue();
            controlProcess = startControl(dir, controlPort, dbUrl, settlementPort);
            r = awaitEnd(id, 120);
            assertThat(r.get("state").asText()).as(r.toString()).isEqualTo("completed");
            assertThat(waveNodes(r)).containsExactly(31, 151, 302);
            assertThat(auditActions(id)).filteredOn(a -> a.equals("rollout.wave")).hasSize(3);
            await("every node runs 1.4.0", 60, () -> count("transform@1.4.0") == SIMULATED + 2);

            // A revoked node is refused by the control plane and by settlement.
            final Edge revoked = edges.get(1);
            ok(operator("DELETE", "/v1/nodes/" + revoked.id, null), 200);
            assertThat(revoked.agent.stopped().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS))
                    .contains("revoked");
            final long settlementUntil = System.nanoTime() + 30_000_000_000L;
            int status;
            do {
                status = revoked.toSettlement(settlementPort).statusCode();
            } while (status != 401 && System.nanoTime() < settlementUntil && pause());
            assertThat(status).as("settlement refuses the revoked node").isEqualTo(401);
            assertThat(edges.get(0).toSettlement(settlementPort).statusCode()).isEqualTo(200);
        } finally {
            for (int i = closing.size() - 1; i >= 0; i--) {
                closing.get(i).close();
            }
            if (controlProcess != null) {
                controlProcess.destroyForcibly();
                controlProcess.waitFor(30, TimeUnit.SECONDS);
            }
            settlement.close();
        }
    }

    // ---- the control plane's process ----

    private Process startControl(final Path dir, final int port, final String dbUrl, final int settlementPort)
            throws Exception {
        final List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-XX:+UseSerialGC", "-Xmx512m", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "control", "--port", Integer.toString(port), "--data", dir.resolve("control").toString(),
                "--heartbeat-interval", "1", "--settlement", "http://127.0.0.1:" + settlementPort,
                "--settlement-key", dir.resolve("settlement-key").toString()));
        if (dbUrl != null) {
            command.addAll(List.of("--db", dbUrl));
        }
        final Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve(
                "control.err").toFile())).start();
        final BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            final Matcher m = OPERATOR.matcher(line);
            if (m.find()) {
                operatorId = m.group(1);
                operatorSecret = m.group(2).getBytes(StandardCharsets.US_ASCII);
            }
            if (line.contains("operator key")) {
                break;
            }
        }
        final Thread drain = new Thread(() -> {
            try {
                while (out.readLine() != null) {
                    // the rest of its output
                }
            } catch (final IOException e) {
                // it ended
            }
        });
        drain.setDaemon(true);
        drain.start();
        assertThat(operatorId).as("the operator key was printed; see control.err").isNotNull();
        await("the control plane answers", 30, () -> {
            try {
                return http.send(HttpRequest.newBuilder(control.resolve("/health")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
            } catch (final IOException | InterruptedException e) {
                return false;
            }
        });
        return p;
    }

    // ---- an edge node with its agent ----

    private final class Edge implements AutoCloseable {
        final EdgeNode node;
        final ControlAgent agent;
        final Ed25519Key.Private key;
        final String id;

        Edge(final Path dir, final String token, final Path trust) throws Exception {
            Files.createDirectories(dir);
            key = newKey();
            agent = ControlAgent.create(new ControlAgent.Options(control, dir, token, dir.getFileName().toString(),
                    "eu-west", Map.of("tier", "edge"), ControlClient.Options.defaults()), key, TrustedPublishers
                            .read(trust));
            id = agent.enroll();
            node = EdgeNode.start(EdgeConfig.defaults("127.0.0.1", 0), System::currentTimeMillis, GuestLog.SYSTEM,
                    1);
            agent.start(node);
        }

        boolean runs(final String version) {
            final var running = agent.applier().running().get(PATH);
            return running != null && running.version().equals(version);
        }

        HttpResponse<String> post() throws IOException, InterruptedException {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + PATH)).POST(
                    HttpRequest.BodyPublishers.ofString(REQUEST)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        /** A request signed with this node's key to settlement's node route. */
        HttpResponse<String> toSettlement(final int port) throws IOException, InterruptedException {
            final long ts = System.currentTimeMillis();
            final String path = "/v1/node/client-keys?after=0";
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .header(SignedRequest.NODE_HEADER, id).header(SignedRequest.TIMESTAMP_HEADER, Long.toString(ts))
                    .header(SignedRequest.SIGNATURE_HEADER, SignedRequest.sign(key, ts, "GET", path, new byte[0]))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
        }

        @Override
        public void close() {
            agent.close();
            node.close();
        }
    }

    private Thread trafficTo(final List<Edge> edges, final AtomicBoolean on) {
        final Thread t = new Thread(() -> {
            while (on.get()) {
                for (final Edge e : edges) {
                    try {
                        e.post();
                    } catch (final IOException ex) {
                        // a node closing; the loop ends with the test
                    } catch (final InterruptedException ex) {
                        return;
                    }
                }
                pause();
            }
        }, "traffic");
        t.setDaemon(true);
        t.start();
        return t;
    }

    // ---- the operator's signed requests ----

    private HttpResponse<String> operator(final String method, final String path, final String body)
            throws IOException, InterruptedException {
        final byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        final String ts = Long.toString(lastStamp.updateAndGet(t -> Math.max(t + 1, System.currentTimeMillis())));
        return http.send(HttpRequest.newBuilder(control.resolve(path)).header(RequestSignature.KEY_HEADER, operatorId)
                .header(RequestSignature.TIMESTAMP_HEADER, ts).header(RequestSignature.SIGNATURE_HEADER,
                        RequestSignature.sign(operatorSecret, ts, method, path, bytes)).header("Content-Type",
                                "application/json").method(method, HttpRequest.BodyPublishers.ofByteArray(bytes))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode ok(final HttpResponse<String> r, final int status) throws IOException {
        assertThat(r.statusCode()).as(r.request().method() + " " + r.uri() + ": " + r.body()).isEqualTo(status);
        return JSON.readTree(r.body());
    }

    private void upload(final Ed25519Key.Private publisher, final String keyId, final String version,
                        final String convention, final byte[] module, final int status) throws Exception {
        upload(publisher, keyId, version, convention, module, status, module);
    }

    /** Uploads {@code sent}, signed as if it were {@code signed}. */
    private void upload(final Ed25519Key.Private publisher, final String keyId, final String version,
                        final String convention, final byte[] signed, final int status, final byte[] sent)
            throws Exception {
        final String manifestText = "{\"name\":\"transform\",\"version\":\"" + version + "\",\"convention\":\""
                + convention + "\",\"limits\":{\"memoryPages\":96,\"concurrency\":1,\"outputBytes\":2097152}}";
        final byte[] manifestBytes = manifestText.getBytes(StandardCharsets.UTF_8);
        final Map<String, Object> manifest = CanonicalJson.parseObject(manifestBytes, 0, manifestBytes.length);
        final Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("manifest", manifest);
        body.put("module", Base64.getEncoder().encodeToString(sent));
        body.put("keyId", keyId);
        body.put("signature", ModuleSignature.sign(publisher, ModuleSignature.sha256Hex(signed), manifest));
        ok(operator("POST", "/v1/modules", CanonicalJson.write(body)), status);
    }

    private String rollout(final String fields) throws Exception {
        return ok(operator("POST", "/v1/rollouts", "{\"group\":\"edge\",\"path\":\"" + PATH + "\"," + fields + "}"),
                201).get("id").asText();
    }

    private JsonNode rolloutJson(final String id) {
        try {
            return ok(operator("GET", "/v1/rollouts/" + id, null), 200);
        } catch (final IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode awaitEnd(final String id, final int seconds) throws Exception {
        await("rollout " + id + " ends", seconds, () -> {
            final String state = rolloutJson(id).get("state").asText();
            return !state.equals("wave") && !state.equals("shadow") && !state.equals("paused");
        });
        return rolloutJson(id);
    }

    private static List<Integer> waveNodes(final JsonNode r) {
        final List<Integer> counts = new ArrayList<>();
        long total = 0;
        for (final JsonNode w : r.get("waveNodes")) {
            total += w.get("nodes").asLong();
            counts.add((int) total);
        }
        return counts;
    }

    private long count(final String version) {
        try {
            final JsonNode c = ok(operator("GET", "/v1/nodes/counts?by=version", null), 200);
            final JsonNode n = c.get("counts").get(version);
            return n == null ? 0 : n.asLong();
        } catch (final IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<String> auditActions(final String subject) throws Exception {
        final List<String> actions = new ArrayList<>();
        long after = 0;
        while (true) {
            final JsonNode page = ok(operator("GET", "/v1/audit?after=" + after + "&limit=1000", null), 200);
            if (page.get("audit").isEmpty()) {
                return actions;
            }
            for (final JsonNode e : page.get("audit")) {
                if (e.get("subject").asText().equals(subject)) {
                    actions.add(e.get("action").asText());
                }
            }
            after = page.get("next").asLong();
        }
    }

    private static Ed25519Key.Private newKey() throws Exception {
        return Ed25519Key.Private.of(KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPrivate());
    }

    private static long seed() {
        final long seed = System.nanoTime();
        System.out.println("ControlPlaneTest: fleet seed " + seed);
        return seed;
    }

    private static boolean pause() {
        try {
            Thread.sleep(25);
            return true;
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void await(final String what, final int seconds, final BooleanSupplier condition)
            throws InterruptedException {
        final long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + seconds + " s: " + what);
            }
            Thread.sleep(100);
        }
    }
}
