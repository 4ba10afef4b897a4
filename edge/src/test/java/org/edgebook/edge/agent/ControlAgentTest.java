package org.edgebook.edge.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.edgebook.codec.CanonicalJson;
import org.edgebook.codec.Ed25519Key;
import org.edgebook.codec.ModuleSignature;
import org.edgebook.codec.SignedRequest;
import org.edgebook.edge.EdgeConfig;
import org.edgebook.edge.EdgeNode;
import org.edgebook.guests.Guests;
import org.edgebook.sandbox.GuestLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent against a small control plane in the test: a real Vert.x server that speaks the contract (enrollment,
 * signed heartbeats checked with {@link SignedRequest#verify}, the desired state, modules by hash) and a real node.
 */
class ControlAgentTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final byte[] TELEMETRY_WASM = Guests.read(Guests.TELEMETRY_MEMORY);

    private final Keys acme = Keys.generate();
    private final Vertx vertx = Vertx.vertx();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(
            Duration.ofSeconds(5)).build();
    /** The fake control plane's state. */
    private final Map<String, byte[]> modules = new ConcurrentHashMap<>();
    private final Map<String, Ed25519Key.Public> nodes = new ConcurrentHashMap<>();
    private final List<JsonNode> heartbeats = new CopyOnWriteArrayList<>();
    private final AtomicInteger enrollments = new AtomicInteger();
    private final AtomicInteger badSignatures = new AtomicInteger();
    private final AtomicInteger desiredReads = new AtomicInteger();
    private volatile byte[] desired;
    private volatile String desiredHash = "";
    private volatile boolean revoked;
    private HttpServer server;
    private EdgeNode node;
    private final List<ControlAgent> agents = new ArrayList<>();

    @TempDir
    Path data;

    @BeforeEach
    void start() throws Exception {
        server = vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1").toCompletionStage()
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        node = EdgeNode.start(EdgeConfig.defaults("127.0.0.1", 0), () -> 1_795_338_000_250L, GuestLog.SYSTEM, 2);
    }

    @AfterEach
    void stop() throws Exception {
        agents.forEach(ControlAgent::close);
        if (node != null) {
            node.close();
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    // ---- The control plane of the test ----

    private void handle(final HttpServerRequest request) {
        request.body().onSuccess(body -> {
            final String path = request.path();
            if (path.equals("/v1/enroll")) {
                enroll(request, body);
                return;
            }
            final String node = request.getHeader(SignedRequest.NODE_HEADER);
            final Ed25519Key.Public key = node == null ? null : nodes.get(node);
            final String timestamp = request.getHeader(SignedRequest.TIMESTAMP_HEADER);
            if (key == null || timestamp == null || !SignedRequest.verify(key, Long.parseLong(timestamp), request
                    .method().name(), request.uri(), body.getBytes(), request.getHeader(
                            SignedRequest.SIGNATURE_HEADER))) {
                badSignatures.incrementAndGet();
                error(request, 401, "unauthenticated");
                return;
            }
            if (revoked) {
                error(request, 403, "revoked");
                return;
            }
            if (path.equals("/v1/node/heartbeat")) {
                try {
                    heartbeats.add(JSON.readTree(body.getBytes()));
                } catch (final IOException e) {
                    error(request, 400, "malformed");
                    return;
                }
                request.response().putHeader("Content-Type", "application/json").end(CanonicalJson.write(Map.of(
                        "intervalMs", 50L, "desired", desiredHash, "state", "up")));
            } else if (path.equals("/v1/node/desired")) {
                desiredReads.incrementAndGet();
                request.response().putHeader("Content-Type", "application/json").end(Buffer.buffer(desired));
            } else if (path.startsWith("/v1/node/modules/")) {
                final byte[] bytes = modules.get(path.substring("/v1/node/modules/".length()));
                if (bytes == null) {
                    error(request, 404, "not_found");
                } else {
                    request.response().putHeader("Content-Type", "application/wasm").end(Buffer.buffer(bytes));
                }
            } else {
                error(request, 404, "not_found");
            }
        });
    }

    private void enroll(final HttpServerRequest request, final Buffer body) {
        final JsonNode json;
        try {
            json = JSON.readTree(body.getBytes());
        } catch (final IOException e) {
            error(request, 400, "malformed");
            return;
        }
        if (!json.path("token").asText().equals("et_good")) {
            error(request, 401, "token_unknown");
            return;
        }
        final String id = "n-" + enrollments.incrementAndGet();
        nodes.put(id, Ed25519Key.Public.of(Base64.getDecoder().decode(json.path("publicKey").asText())));
        request.response().setStatusCode(201).putHeader("Content-Type", "application/json").end(CanonicalJson.write(
                Map.of("nodeId", id, "heartbeatIntervalMs", 50L)));
    }

    private static void error(final HttpServerRequest request, final int status, final String code) {
        request.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(CanonicalJson
                .write(Map.of("error", code, "message", code)));
    }

    /** Sets the desired state: {@code path} runs {@code bytes} as {@code name@version}, signed by acme's pk-1. */
    private void desire(final String path, final String name, final String version, final byte[] bytes,
                        final byte[] servedBytes) {
        desire(path, module(name, version, bytes, servedBytes), CanonicalJson.NULL);
    }

    /** A module of the desired state, signed by acme's pk-1, its bytes served as {@code servedBytes}. */
    private Map<String, Object> module(final String name, final String version, final byte[] bytes,
                                       final byte[] servedBytes) {
        final String sha = ModuleSignature.sha256Hex(bytes);
        modules.put(sha, servedBytes);
        final Map<String, Object> manifest = DesiredStateApplierTest.manifest(name, version);
        final Map<String, Object> module = new LinkedHashMap<>();
        module.put("module", name);
        module.put("version", version);
        module.put("sha256", sha);
        module.put("manifest", manifest);
        module.put("keyId", "pk-1");
        module.put("signature", acme.sign(sha, manifest));
        return module;
    }

    private void desire(final String path, final Map<String, Object> module, final Object shadow) {
        final Map<String, Object> route = new LinkedHashMap<>();
        route.put("path", path);
        route.putAll(module);
        route.put("shadow", shadow);
        final List<Object> routes = List.of(route);
        final String hash = ModuleSignature.sha256Hex(CanonicalJson.bytes(routes));
        final Map<String, Object> publisher = new LinkedHashMap<>();
        publisher.put("publisher", "acme");
        publisher.put("keyId", "pk-1");
        publisher.put("publicKey", acme.base64());
        publisher.put("state", "active");
        publisher.put("endorsedBy", CanonicalJson.NULL);
        publisher.put("endorsement", CanonicalJson.NULL);
        desired = CanonicalJson.bytes(Map.of("hash", hash, "routes", routes, "publishers", List.of(publisher)));
        desiredHash = hash;
    }

    // ---- The agent ----

    private ControlAgent agent(final String token) throws IOException {
        final ControlAgent agent = ControlAgent.create(new ControlAgent.Options(URI.create("http://127.0.0.1:"
                + server.actualPort()), data, token, "edge-test", "eu-west", Map.of("zone", "a"),
                ControlClient.Options.defaults().withTimeout(5_000)), NodeKeyFile.readOrCreate(data.resolve(
                        NodeKeyFile.DEFAULT_NAME)), TrustedPublishers.of(Map.of("acme", List.of(acme.publicKey()))));
        agents.add(agent);
        return agent;
    }

    private String post(final String path, final String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path)).POST(
                HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void enrollsOnceHeartbeatsSignedAndAppliesTheDesiredState() throws Exception {
        final String telemetryAnswer = post("/wasm/telemetry", DesiredStateApplierTest.TELEMETRY);
        desire("/wasm/transform", "telemetry", "2.0.0", TELEMETRY_WASM, TELEMETRY_WASM);
        final ControlAgent agent = agent("et_good");
        assertThat(agent.enroll()).isEqualTo("n-1");
        assertThat(Files.readString(data.resolve(ControlAgent.NODE_ID_FILE)).strip()).isEqualTo("n-1");
        assertThat(Files.getPosixFilePermissions(data.resolve(NodeKeyFile.DEFAULT_NAME))).isEqualTo(
                PosixFilePermissions.fromString("rw-------"));
        agent.start(node);

        DesiredStateApplierTest.waitFor(() -> heartbeats.stream().anyMatch(h -> h.path("applied").asText().equals(
                desiredHash)));
        assertThat(post("/wasm/transform", DesiredStateApplierTest.TELEMETRY)).isEqualTo(telemetryAnswer);
        assertThat(badSignatures).hasValue(0);
        assertThat(desiredReads).hasValue(1);
        assertThat(agent.lastState()).isEqualTo("up");
        final JsonNode first = heartbeats.getFirst();
        assertThat(first.path("seq").asLong()).isEqualTo(1);
        assertThat(first.path("agent").asText()).startsWith("edgebook-edge/");
        assertThat(first.path("applied").asText()).isEmpty();
        assertThat(first.path("health").asText()).isEqualTo("ok");
        assertThat(first.path("telemetry").path("heapUsedBytes").asLong()).isPositive();
        final JsonNode last = heartbeats.getLast();
        final JsonNode route = routeOf(last, "/wasm/transform");
        assertThat(route.path("module").asText()).isEqualTo("telemetry");
        assertThat(route.path("version").asText()).isEqualTo("2.0.0");
        assertThat(route.path("sha256").asText()).isEqualTo(ModuleSignature.sha256Hex(TELEMETRY_WASM));
        assertThat(routeOf(last, "/native/transform").path("module").asText()).isEqualTo("native:transform");

        // Requests are counted in the interval of the next heartbeat, and once only: three were sent to the route.
        post("/wasm/transform", DesiredStateApplierTest.TELEMETRY);
        post("/wasm/transform", DesiredStateApplierTest.TELEMETRY);
        DesiredStateApplierTest.waitFor(() -> requestsReported("/wasm/transform") == 3);
        final int seen = heartbeats.size();
        DesiredStateApplierTest.waitFor(() -> heartbeats.size() >= seen + 2);
        assertThat(requestsReported("/wasm/transform")).isEqualTo(3);

        // A restarted agent finds its id and enrolls no more.
        agent.close();
        final ControlAgent again = agent(null);
        assertThat(again.enroll()).isEqualTo("n-1");
        assertThat(enrollments).hasValue(1);
    }

    @Test
    void aTamperedModuleIsReportedAsALoadFailureAndTheRouteKeepsItsModule() throws Exception {
        final String before = post("/wasm/transform", DesiredStateApplierTest.TRANSFORM);
        final byte[] tampered = TELEMETRY_WASM.clone();
        tampered[tampered.length / 2] ^= 1;
        desire("/wasm/transform", "telemetry", "2.0.0", TELEMETRY_WASM, tampered);
        final ControlAgent agent = agent("et_good");
        agent.enroll();
        agent.start(node);
        DesiredStateApplierTest.waitFor(() -> heartbeats.stream().anyMatch(h -> h.path("loadFailures").size() > 0));
        final JsonNode reported = heartbeats.stream().filter(h -> h.path("loadFailures").size() > 0).findFirst()
                .orElseThrow();
        assertThat(reported.path("health").asText()).isEqualTo("degraded");
        final JsonNode failure = reported.path("loadFailures").get(0);
        assertThat(failure.path("path").asText()).isEqualTo("/wasm/transform");
        assertThat(failure.path("sha256").asText()).isEqualTo(ModuleSignature.sha256Hex(TELEMETRY_WASM));
        assertThat(failure.path("reason").asText()).startsWith("sha256: the bytes hash to ");
        assertThat(post("/wasm/transform", DesiredStateApplierTest.TRANSFORM)).isEqualTo(before);
        // The refused state is not fetched again at every heartbeat, and the failure is reported once.
        final int seen = heartbeats.size();
        DesiredStateApplierTest.waitFor(() -> heartbeats.size() >= seen + 3);
        assertThat(desiredReads).hasValue(1);
        assertThat(heartbeats.stream().filter(h -> h.path("loadFailures").size() > 0).count()).isEqualTo(1);
        assertThat(heartbeats.getLast().path("applied").asText()).isEmpty();
        assertThat(heartbeats.getLast().path("health").asText()).isEqualTo("ok");
    }

    @Test
    void aShadowIsReportedWithItsComparisonsAndSamples() throws Exception {
        final byte[] transform = Guests.read(Guests.TRANSFORM_MEMORY);
        final String served = post("/wasm/transform", DesiredStateApplierTest.TRANSFORM);
        desire("/wasm/transform", module("transform", "1.2.0", transform, transform), module("transform", "1.3.0",
                TELEMETRY_WASM, TELEMETRY_WASM));
        final ControlAgent agent = agent("et_good");
        agent.enroll();
        agent.start(node);
        DesiredStateApplierTest.waitFor(() -> heartbeats.stream().anyMatch(h -> h.path("applied").asText().equals(
                desiredHash)));
        for (int i = 0; i < 4; i++) {
            assertThat(post("/wasm/transform", DesiredStateApplierTest.TRANSFORM)).isEqualTo(served);
        }
        DesiredStateApplierTest.waitFor(() -> heartbeats.stream().mapToLong(h -> routeOf(h, "/wasm/transform").path(
                "shadow").path("mismatches").asLong()).sum() >= 1);
        final JsonNode shadow = heartbeats.stream().map(h -> routeOf(h, "/wasm/transform").path("shadow")).filter(
                s -> s.path("mismatches").asLong() > 0).findFirst().orElseThrow();
        assertThat(shadow.path("module").asText()).isEqualTo("transform");
        assertThat(shadow.path("version").asText()).isEqualTo("1.3.0");
        assertThat(shadow.path("sha256").asText()).isEqualTo(ModuleSignature.sha256Hex(TELEMETRY_WASM));
        assertThat(shadow.path("compared").asLong()).isGreaterThanOrEqualTo(shadow.path("mismatches").asLong());
        assertThat(shadow.path("samples").size()).isBetween(1, 3);
        assertThat(shadow.path("samples").get(0).path("served").asText()).isEqualTo("200 " + served);
        assertThat(routeOf(heartbeats.getLast(), "/wasm/transform").path("version").asText()).isEqualTo("1.2.0");
        assertThat(heartbeats.getFirst().path("routes").get(0).has("shadow")).isFalse();
    }

    @Test
    void aRevokedNodeStopsItsAgent() throws Exception {
        final ControlAgent agent = agent("et_good");
        agent.enroll();
        agent.start(node);
        DesiredStateApplierTest.waitFor(() -> heartbeats.size() >= 2);
        revoked = true;
        final String reason = agent.stopped().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(reason).startsWith("revoked: ").contains("403");
        final long answered = agent.heartbeats();
        revoked = false;
        final int seen = heartbeats.size();
        // A healthy agent beside it heartbeats three times; the revoked one sends nothing in that time.
        Files.delete(data.resolve(ControlAgent.NODE_ID_FILE));
        final ControlAgent other = agent("et_good");
        other.enroll();
        other.start(node);
        DesiredStateApplierTest.waitFor(() -> other.heartbeats() >= 3);
        assertThat(agent.heartbeats()).isEqualTo(answered);
        assertThat(heartbeats.size() - seen).isEqualTo((int) other.heartbeats());
    }

    @Test
    void aRefusedTokenIsAnErrorNamingTheCode() throws Exception {
        final ControlAgent agent = agent("et_wrong");
        assertThatThrownBy(agent::enroll).isInstanceOf(ControlClient.ControlException.class).hasMessageContaining(
                "401 token_unknown");
        assertThat(Files.exists(data.resolve(ControlAgent.NODE_ID_FILE))).isFalse();
        assertThatThrownBy(() -> agent(null).enroll()).hasMessageContaining("no enrollment token was given");
    }

    private long requestsReported(final String path) {
        return heartbeats.stream().mapToLong(h -> routeOf(h, path).path("requests").asLong()).sum();
    }

    private static JsonNode routeOf(final JsonNode heartbeat, final String path) {
        for (final JsonNode r : heartbeat.path("routes")) {
            if (r.path("path").asText().equals(path)) {
                return r;
            }
        }
        throw new AssertionError("no route " + path + " in " + heartbeat);
    }
}
