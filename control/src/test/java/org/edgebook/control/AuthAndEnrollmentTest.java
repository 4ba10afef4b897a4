package org.edgebook.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.edgebook.codec.SignedRequest;
import org.edgebook.control.store.Database;
import org.edgebook.control.store.OperatorKeys;
import org.edgebook.http.RequestSignature;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Operator keys, enrollment and node authentication (docs/control-plane.md sections 1 and 2), over real HTTP on both
 * stores.
 */
class AuthAndEnrollmentTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void theOperatorKeyIsMadeOnceAndEveryBadlySignedRequestIsRefused(final Database.Kind kind) throws Exception {
        try (Control c = Control.start(Control.Store.fresh(kind, dir))) {
            final Path file = dir.resolve(OperatorKeys.FILE);
            assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            assertThat(OperatorKeys.read(file)).isEqualTo(c.operator);
            assertThat(c.operator.id()).startsWith("op-");
            assertThat(c.operator.secret()).hasSize(64);
            assertThat(c.server.createdOperatorKey()).isEqualTo(c.operator);
            assertThat(c.operator("GET", "/v1/nodes", null).statusCode()).isEqualTo(200);

            // missing headers
            assertRefused(c.send(HttpRequest.newBuilder(c.uri("/v1/nodes")).GET()), 401, "unauthenticated");
            // a bad signature
            final String ts = Long.toString(c.clock.incrementAndGet());
            assertRefused(c.send(HttpRequest.newBuilder(c.uri("/v1/nodes"))
                    .header(RequestSignature.KEY_HEADER, c.operator.id())
                    .header(RequestSignature.TIMESTAMP_HEADER, ts)
                    .header(RequestSignature.SIGNATURE_HEADER, RequestSignature.sign("wrong".getBytes(), ts, "GET",
                            "/v1/nodes", new byte[0])).GET()), 401, "unauthenticated");
            // stale: 6 s behind the control plane's clock
            final String stale = Long.toString(c.clock.get() - 6_000);
            final HttpResponse<String> old = c.send(signed(c, stale, "GET", "/v1/nodes"));
            assertRefused(old, 401, "unauthenticated");
            assertThat(new JsonObject(old.body()).getString("message")).contains("5000 ms");
            // replayed: the same signed request twice
            final String now = Long.toString(c.clock.incrementAndGet());
            assertThat(c.send(signed(c, now, "GET", "/v1/nodes")).statusCode()).isEqualTo(200);
            final HttpResponse<String> replay = c.send(signed(c, now, "GET", "/v1/nodes"));
            assertRefused(replay, 401, "unauthenticated");
            assertThat(new JsonObject(replay.body()).getString("message")).contains("used before");
            // open routes
            assertThat(c.send(HttpRequest.newBuilder(c.uri("/health")).GET()).statusCode()).isEqualTo(200);
            assertThat(c.send(HttpRequest.newBuilder(c.uri("/openapi.json")).GET()).statusCode()).isEqualTo(200);
        }
        // a second start keeps the key and makes none
        final OperatorKeys.Key first = OperatorKeys.read(dir.resolve(OperatorKeys.FILE));
        try (Control c = Control.start(new Control.Store(kind, dir, null).kind() == Database.Kind.EMBEDDED
                ? new Control.Store(kind, dir, null) : null)) {
            assertThat(c.server.createdOperatorKey()).isNull();
            assertThat(c.operator).isEqualTo(first);
        } catch (final NullPointerException postgresHasItsOwnRestartTest) {
            // RestartTest reopens PostgreSQL
        }
    }

    private static HttpRequest.Builder signed(final Control c, final String ts, final String method,
                                              final String path) {
        return HttpRequest.newBuilder(c.uri(path)).header(RequestSignature.KEY_HEADER, c.operator.id())
                .header(RequestSignature.TIMESTAMP_HEADER, ts)
                .header(RequestSignature.SIGNATURE_HEADER, RequestSignature.sign(c.operator.secretBytes(), ts, method,
                        path, new byte[0])).method(method, HttpRequest.BodyPublishers.noBody());
    }

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void enrollmentTakesOneUseAndRefusesEachBadRequestByName(final Database.Kind kind) throws Exception {
        try (Control c = Control.start(Control.Store.fresh(kind, dir))) {
            final JsonObject made = c.json(c.operator("POST", "/v1/admin/enrollment-tokens",
                    "{\"ttlSeconds\":60,\"uses\":1,\"region\":\"eu-west\",\"labels\":{\"tier\":\"edge\"}}"), 201);
            final String token = made.getString("token");
            assertThat(token).matches("et_[A-Za-z0-9_-]{43}");
            assertThat(made.getLong("expiresAt")).isEqualTo(c.clock.get() + 60_000);
            assertThat(made.getInteger("uses")).isEqualTo(1);

            final Control.Node node = c.enroll(token, "us-east", "{\"zone\":\"a\",\"tier\":\"core\"}");
            assertThat(node.id).isEqualTo("n-1");
            final JsonObject detail = c.json(c.operator("GET", "/v1/nodes/n-1", null), 200);
            assertThat(detail.getString("region")).isEqualTo("eu-west"); // the token's win
            assertThat(detail.getJsonObject("labels").getMap()).isEqualTo(Map.of("tier", "edge", "zone", "a"));
            assertThat(detail.getString("state")).isEqualTo("up");

            // one-time
            assertRefused(enroll(c, token, Control.newKey().publicRaw()), 401, "token_used");
            // unknown
            assertRefused(enroll(c, "et_" + "A".repeat(43), Control.newKey().publicRaw()), 401, "token_unknown");
            // expired
            final String shortLived = c.token("{\"ttlSeconds\":1,\"uses\":5}");
            c.clock.addAndGet(1_001);
            assertRefused(enroll(c, shortLived, Control.newKey().publicRaw()), 401, "token_expired");
            // a key enrolls once, and the refusal takes no use
            final String two = c.token("{\"uses\":2}");
            assertRefused(enroll(c, two, node.key.publicRaw()), 409, "key_enrolled");
            c.enroll(two, null, null);
            c.enroll(two, null, null);
            assertRefused(enroll(c, two, Control.newKey().publicRaw()), 401, "token_used");

            // malformed, each naming its field
            final String good = Base64.getEncoder().encodeToString(Control.newKey().publicRaw());
            final String fresh = c.token(null);
            final Map<String, String> bad = new LinkedHashMap<>();
            bad.put(new JsonObject().put("publicKey", good).encode(), "token");
            bad.put(new JsonObject().put("token", fresh).encode(), "publicKey");
            bad.put(new JsonObject().put("token", fresh).put("publicKey", "AAAA").encode(), "publicKey");
            bad.put(new JsonObject().put("token", fresh).put("publicKey", good).put("labels", new JsonObject()
                    .put("a b", "c")).encode(), "labels key");
            bad.put(new JsonObject().put("token", fresh).put("publicKey", good).put("region", 7).encode(), "region");
            bad.put(new JsonObject().put("token", fresh).put("publicKey", good).put("extra", 1).encode(), "extra");
            bad.put("[1]", "JSON object");
            for (final Map.Entry<String, String> b : bad.entrySet()) {
                final HttpResponse<String> r = c.send(HttpRequest.newBuilder(c.uri("/v1/enroll"))
                        .POST(HttpRequest.BodyPublishers.ofString(b.getKey())));
                assertRefused(r, 400, "malformed");
                assertThat(new JsonObject(r.body()).getString("message")).as(b.getKey()).contains(b.getValue());
            }
            final HttpResponse<String> ttl = c.operator("POST", "/v1/admin/enrollment-tokens",
                    "{\"ttlSeconds\":2592001}");
            assertRefused(ttl, 400, "malformed");
            assertThat(new JsonObject(ttl.body()).getString("message")).contains("ttlSeconds", "2592000");
            // an unauthenticated body is read up to 64 KiB only
            assertThat(c.send(HttpRequest.newBuilder(c.uri("/v1/enroll")).POST(HttpRequest.BodyPublishers.ofString(
                    "{\"token\":\"" + "x".repeat(70_000) + "\"}"))).statusCode()).isEqualTo(413);
            // the token still has its use after all of that
            assertThat(c.enroll(fresh, null, null).id).isEqualTo("n-4");

            // audited: who made which token
            final JsonArray audit = c.json(c.operator("GET", "/v1/audit", null), 200).getJsonArray("audit");
            assertThat(audit.stream().map(o -> ((JsonObject) o).getString("action")))
                    .contains("operator-key.create", "enrollment-token.create");
            assertThat(audit.stream().filter(o -> ((JsonObject) o).getString("action").equals(
                    "enrollment-token.create")).map(o -> ((JsonObject) o).getString("actor")))
                    .containsOnly(c.operator.id());
            final JsonArray events = c.json(c.operator("GET", "/v1/events", null), 200).getJsonArray("events");
            assertThat(events.stream().filter(o -> ((JsonObject) o).getString("kind").equals("node.enrolled")))
                    .hasSize(4);
        }
    }

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void nodeRequestsAreRefusedUnlessSignedByAnEnrolledUnrevokedNode(final Database.Kind kind) throws Exception {
        try (Control c = Control.start(Control.Store.fresh(kind, dir))) {
            nodeRequests(c);
        }
    }

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void nodeSignaturesVerifiedOnTheEventLoopsAreRefusedAndTakenAlike(final Database.Kind kind) throws Exception {
        try (Control c = Control.start(Control.Store.fresh(kind, dir), new java.util.concurrent.atomic.AtomicLong(
                System.currentTimeMillis()), config -> config.withVerifyOnWorkers(false))) {
            nodeRequests(c);
        }
    }

    private static void nodeRequests(final Control c) throws Exception {
        {
            final Control.Node node = c.enroll(c.token(null), null, null);
            assertThat(node.heartbeat("transform", "1.0.0").getString("state")).isEqualTo("up");
            // unknown node
            final Control.Node stranger = c.new Node("n-99", Control.newKey());
            assertRefused(stranger.send("GET", "/v1/node/desired", null), 401, "unauthenticated");
            // bad signature: another key signs as this node
            final Control.Node impostor = c.new Node(node.id, Control.newKey());
            assertRefused(impostor.send("GET", "/v1/node/desired", null), 401, "unauthenticated");
            // replayed
            final long ts = c.clock.incrementAndGet();
            assertThat(node.sendAt(ts, "GET", "/v1/node/desired", null).statusCode()).isEqualTo(200);
            assertRefused(node.sendAt(ts, "GET", "/v1/node/desired", null), 401, "unauthenticated");
            // stale
            assertRefused(node.sendAt(c.clock.get() - 5_001, "GET", "/v1/node/desired", null), 401,
                    "unauthenticated");
            // no signature at all
            assertRefused(c.send(HttpRequest.newBuilder(c.uri("/v1/node/desired")).header(SignedRequest.NODE_HEADER,
                    node.id).GET()), 401, "unauthenticated");
            // the desired state, with no source set, is empty
            assertThat(c.json(node.send("GET", "/v1/node/desired", null), 200).getString("hash")).isEmpty();

            // revoked: 403 on every node route
            assertThat(c.json(c.operator("DELETE", "/v1/nodes/" + node.id, null), 200).getString("state"))
                    .isEqualTo("revoked");
            assertRefused(node.send("GET", "/v1/node/desired", null), 403, "revoked");
            assertRefused(node.send("POST", "/v1/node/heartbeat", "{}"), 403, "revoked");
            assertRefused(c.operator("DELETE", "/v1/nodes/" + node.id, null), 404, "not_found");
            assertThat(c.json(c.operator("GET", "/v1/nodes/" + node.id, null), 200).getString("state"))
                    .isEqualTo("revoked");
            final JsonArray audit = c.json(c.operator("GET", "/v1/audit", null), 200).getJsonArray("audit");
            final JsonObject revoke = (JsonObject) audit.stream().filter(o -> ((JsonObject) o).getString("action")
                    .equals("node.revoke")).findFirst().orElseThrow();
            assertThat(revoke.getString("subject")).isEqualTo(node.id);
            assertThat(revoke.getString("actor")).isEqualTo(c.operator.id());
        }
    }

    static HttpResponse<String> enroll(final Control c, final String token, final byte[] key) throws Exception {
        return c.send(HttpRequest.newBuilder(c.uri("/v1/enroll")).POST(HttpRequest.BodyPublishers.ofString(
                new JsonObject().put("token", token).put("publicKey", Base64.getEncoder().encodeToString(key))
                        .encode())));
    }

    static void assertRefused(final HttpResponse<String> r, final int status, final String code) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(new JsonObject(r.body()).getString("error")).as(r.body()).isEqualTo(code);
        assertThat(new JsonObject(r.body()).getString("message")).isNotBlank();
    }
}
