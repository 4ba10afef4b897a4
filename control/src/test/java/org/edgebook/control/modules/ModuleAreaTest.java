package org.edgebook.control.modules;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.edgebook.codec.CanonicalJson;
import org.edgebook.codec.ModuleSignature;
import org.edgebook.control.ControlRouting;
import org.edgebook.control.TestStores;
import org.edgebook.control.fleet.NodeState;
import org.edgebook.control.store.Database;
import org.edgebook.guests.Guests;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The area's routes over real HTTP, mounted through {@link ControlRouting} on a plain router with stand-in checks
 * that put a fixed operator id and the {@code EB-NODE} header's node id into the context (the real signature checks
 * are the server's, tested there).
 */
class ModuleAreaTest {
    private static final byte[] TRANSFORM = Guests.read(Guests.TRANSFORM_MEMORY);
    private static final byte[] TELEMETRY = Guests.read(Guests.TELEMETRY_MEMORY);
    private final HttpClient http = HttpClient.newHttpClient();

    record Reply(int status, String type, byte[] body) {
        Map<String, Object> json() {
            return CanonicalJson.parseObject(body, 0, body.length);
        }
    }

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void anOperatorPublishesAModuleToAGroupAndANodeFetchesItsDesiredStateAndBytes(final Database.Kind kind,
                                                                                  @TempDir final Path dir)
            throws Exception {
        final Vertx vertx = Vertx.vertx();
        try (Database db = TestStores.open(kind, dir)) {
            final TestFleet fleet = new TestFleet();
            fleet.node("n-1", Map.of("tier", "edge"), NodeState.UP, "/wasm/transform=transform@1.1.0");
            final Modules modules = new Modules(db, fleet, System::currentTimeMillis);
            final Router router = Router.router(vertx);
            final ControlRouting routing = new ControlRouting(router, 32 << 20, ctx -> {
                ctx.put(ControlRouting.OPERATOR, "op-test");
                ctx.next();
            }, ctx -> {
                ctx.put(ControlRouting.NODE, ctx.request().getHeader("EB-NODE"));
                ctx.next();
            });
            modules.area().install(routing);
            final HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0).toCompletionStage()
                    .toCompletableFuture().get();
            final String base = "http://127.0.0.1:" + server.actualPort();

            final Publisher acme = Publisher.generate();
            Reply r = call(base, "POST", "/v1/publishers", Map.of("publisher", "acme", "publicKey", acme.publicKey));
            assertThat(r.status()).isEqualTo(201);
            final String keyId = (String) r.json().get("keyId");
            assertThat(keyId).isEqualTo("pk-1");
            final Publisher next = Publisher.generate();
            r = call(base, "POST", "/v1/publishers/acme/keys", Map.of("publicKey", next.publicKey, "endorsedBy",
                    keyId, "endorsement", acme.endorse("acme", Publisher.generate())));
            assertError(r, 422, "endorsement_invalid");
            r = call(base, "POST", "/v1/publishers/acme/keys", Map.of("publicKey", next.publicKey, "endorsedBy",
                    keyId, "endorsement", acme.endorse("acme", next)));
            assertThat(r.status()).isEqualTo(201);
            assertThat(r.json().get("endorsedBy")).isEqualTo("pk-1");

            final Map<String, Object> upload = acme.upload(Publisher.manifest("transform", "1.2.0"), TRANSFORM,
                    keyId);
            r = call(base, "POST", "/v1/modules", upload);
            assertThat(r.status()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(201);
            final String sha256 = ModuleSignature.sha256Hex(TRANSFORM);
            assertThat(r.json()).containsEntry("name", "transform").containsEntry("version", "1.2.0")
                    .containsEntry("sha256", sha256);
            assertThat(call(base, "POST", "/v1/modules", upload).status()).isEqualTo(200);
            assertError(call(base, "POST", "/v1/modules", acme.upload(Publisher.manifest("transform", "1.2.0"),
                    TELEMETRY, keyId)), 409, "version_exists");
            final Map<String, Object> tampered = new java.util.LinkedHashMap<>(upload);
            tampered.put("module", java.util.Base64.getEncoder().encodeToString(TELEMETRY));
            assertError(call(base, "POST", "/v1/modules", tampered), 422, "signature_invalid");
            assertError(call(base, "POST", "/v1/modules", Map.of("manifest", Map.of())), 400, "malformed");
            assertError(call(base, "POST", "/v1/modules", "{not json"), 400, "malformed");

            r = call(base, "GET", "/v1/modules/transform/1.2.0", null);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.json()).containsEntry("keyId", keyId).containsEntry("size", (long) TRANSFORM.length);
            assertThat((List<?>) call(base, "GET", "/v1/modules", null).json().get("modules")).hasSize(1);
            assertError(call(base, "GET", "/v1/modules/transform/9.9.9", null), 404, "module_unknown");

            assertError(call(base, "PUT", "/v1/groups/edge", Publisher.group(Map.of("tier", "edge"), 5, List.of(
                    Publisher.route("/wasm/transform", "transform", "2.0.0")))), 422, "module_unknown");
            r = call(base, "PUT", "/v1/groups/edge", Publisher.group(Map.of("tier", "edge"), 5, List.of(Publisher
                    .route("/wasm/transform", "transform", "1.2.0"))));
            assertThat(r.status()).isEqualTo(200);
            r = call(base, "GET", "/v1/groups/edge", null);
            assertThat(r.json()).containsEntry("nodes", 1L).containsEntry("inSync", 0L).containsEntry("drifted",
                    1L);
            assertThat(r.json().get("driftedNodes").toString()).contains("n-1", "1.1.0");
            assertThat(call(base, "GET", "/v1/groups", null).json().get("groups").toString()).contains("edge");
            assertError(call(base, "GET", "/v1/groups/none", null), 404, "group_unknown");

            // The fleet's GET /v1/node/desired answers this body (the area reloaded it after the group changed).
            final DesiredStateSource.Desired answer = modules.desired().forNode("n-1", Map.of("tier", "edge"));
            final Map<String, Object> desired = CanonicalJson.parseObject(answer.json(), 0, answer.json().length);
            assertThat(desired.get("hash")).isEqualTo(answer.hash());
            assertThat(desired.get("routes").toString()).contains(sha256);
            assertThat((List<?>) desired.get("publishers")).hasSize(2);

            r = node(base, "/v1/node/modules/" + sha256, "n-1");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.type()).isEqualTo("application/wasm");
            assertThat(r.body()).isEqualTo(TRANSFORM);
            assertThat(node(base, "/v1/node/modules/" + sha256, "n-1").body()).isEqualTo(TRANSFORM); // cached
            assertError(node(base, "/v1/node/modules/" + "0".repeat(64), "n-1"), 404, "module_unknown");
            assertError(node(base, "/v1/node/modules/xyz", "n-1"), 400, "malformed");

            r = call(base, "DELETE", "/v1/publishers/acme/keys/" + keyId, null);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.json()).containsEntry("state", "revoked");
            assertThat(call(base, "GET", "/v1/publishers", null).json().get("publishers").toString()).contains(
                    "revoked", "active");
            assertError(call(base, "POST", "/v1/modules", acme.upload(Publisher.manifest("transform", "1.3.0"),
                    TRANSFORM, keyId)), 422, "key_revoked");

            final List<String> audit = new ArrayList<>();
            db.inTransaction(c -> {
                try (ResultSet rs = c.createStatement().executeQuery(
                        "SELECT actor, action, subject FROM audit ORDER BY seq")) {
                    while (rs.next()) {
                        audit.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3));
                    }
                }
                return null;
            });
            assertThat(audit).containsExactly("op-test publisher.create acme", "op-test publisher.key.add acme",
                    "op-test module.upload transform@1.2.0", "op-test module.upload transform@1.2.0",
                    "op-test group.put edge", "op-test publisher.key.revoke acme");
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get();
        }
    }

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void theLargestModuleGoesUpAndComesDownOverHttp(final Database.Kind kind, @TempDir final Path dir)
            throws Exception {
        final Vertx vertx = Vertx.vertx();
        try (Database db = TestStores.open(kind, dir)) {
            final Modules modules = new Modules(db, new TestFleet(), System::currentTimeMillis);
            final Router router = Router.router(vertx);
            modules.area().install(new ControlRouting(router, 24 << 20, ctx -> {
                ctx.put(ControlRouting.OPERATOR, "op-test");
                ctx.next();
            }, ctx -> {
                ctx.put(ControlRouting.NODE, "n-1");
                ctx.next();
            }));
            final HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0).toCompletionStage()
                    .toCompletableFuture().get();
            final String base = "http://127.0.0.1:" + server.actualPort();
            final Publisher acme = Publisher.generate();
            final String keyId = (String) call(base, "POST", "/v1/publishers", Map.of("publisher", "acme",
                    "publicKey", acme.publicKey)).json().get("keyId");
            final byte[] largest = java.util.Arrays.copyOf(TRANSFORM, ModuleRegistry.MAX_MODULE_BYTES);
            new java.util.Random(7).nextBytes(largest); // seed 7
            System.arraycopy(TRANSFORM, 0, largest, 0, 8);

            final Reply up = call(base, "POST", "/v1/modules", acme.upload(Publisher.manifest("big", "1.0.0"),
                    largest, keyId));
            assertThat(up.status()).as(new String(up.body(), StandardCharsets.UTF_8)).isEqualTo(201);
            final Reply down = node(base, "/v1/node/modules/" + up.json().get("sha256"), "n-1");
            assertThat(down.status()).isEqualTo(200);
            assertThat(down.body()).isEqualTo(largest);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get();
        }
    }

    private static void assertError(final Reply r, final int status, final String code) {
        assertThat(r.status()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(status);
        assertThat(r.json().keySet()).containsExactly("error", "message");
        assertThat(r.json().get("error")).isEqualTo(code);
    }

    private Reply call(final String base, final String method, final String path, final Object body)
            throws Exception {
        final String text = body == null ? "" : body instanceof String s ? s : CanonicalJson.write(body);
        final HttpRequest request = HttpRequest.newBuilder(URI.create(base + path)).method(method, body == null
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(text)).build();
        return send(request);
    }

    private Reply node(final String base, final String path, final String nodeId) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("EB-NODE", nodeId).GET().build());
    }

    private Reply send(final HttpRequest request) throws Exception {
        final HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        return new Reply(response.statusCode(), response.headers().firstValue("content-type").orElse(""), response
                .body());
    }
}
