package org.edgebook.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.List;
import java.util.Map;
import org.edgebook.codec.SignedRequest;
import org.edgebook.http.RequestSignature;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Edge nodes at settlement (docs/transaction-path.md, "Nodes at settlement"), over real HTTP: the admin key registers,
 * lists and revokes them, durably; a node authenticates with its Ed25519 key and may call its three routes only; it
 * reads the client keys changed since a version, and misses none across a restart; no API key numbers a node's source.
 */
class NodesTest {
    @TempDir
    Path dir;

    @Test
    void theAdminKeyRegistersListsAndRevokesNodesDurably() throws Exception {
        final EdgeNodeClient fra;
        try (Served s = Served.start(dir)) {
            fra = new EdgeNodeClient(s, "fra-1");
            final HttpResponse<String> created = s.send(s.admin, "POST", "/v1/admin/nodes", new JsonObject()
                    .put("node", "fra-1").put("publicKey", EdgeNodeClient.publicKey(fra.pair)).encode());
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            assertThat(new JsonObject(created.body())).isEqualTo(new JsonObject().put("node", "fra-1")
                    .put("source", "node:fra-1").put("publicKey", EdgeNodeClient.publicKey(fra.pair)));
            // the 44-byte X.509 form is taken too, as for client keys
            final KeyPair ams = EdgeNodeClient.keyPair();
            final HttpResponse<String> spki = s.send(s.admin, "POST", "/v1/admin/nodes", new JsonObject()
                    .put("node", "ams-1").put("publicKey", java.util.Base64.getEncoder().encodeToString(
                            ams.getPublic().getEncoded())).encode());
            assertThat(spki.statusCode()).as(spki.body()).isEqualTo(201);
            assertThat(new JsonObject(spki.body()).getString("publicKey")).isEqualTo(EdgeNodeClient.publicKey(ams));

            final HttpResponse<String> taken = s.send(s.admin, "POST", "/v1/admin/nodes", new JsonObject()
                    .put("node", "fra-1").put("publicKey", EdgeNodeClient.publicKey(EdgeNodeClient.keyPair()))
                    .encode());
            assertThat(taken.statusCode()).isEqualTo(409);
            final Map<String, String> bad = new java.util.LinkedHashMap<>();
            bad.put("{\"node\":\"fra:1\",\"publicKey\":\"" + EdgeNodeClient.publicKey(ams) + "\"}", "node holds ':'");
            bad.put("{\"node\":\"" + "n".repeat(60) + "\",\"publicKey\":\"" + EdgeNodeClient.publicKey(ams) + "\"}",
                    "node is 60 characters; a node id is at most 59");
            bad.put("{\"node\":\"fra 1\",\"publicKey\":\"" + EdgeNodeClient.publicKey(ams) + "\"}", "node");
            bad.put("{\"node\":7,\"publicKey\":\"" + EdgeNodeClient.publicKey(ams) + "\"}", "node is a string");
            bad.put("{\"node\":\"x-1\",\"publicKey\":\"AAAA\"}", "publicKey holds 3 bytes");
            bad.put("{\"node\":\"x-1\",\"publicKey\":\"not base64!\"}", "publicKey");
            bad.put("{\"node\":\"x-1\"}", "send {\"node\"");
            bad.put("[1]", "not a JSON object");
            for (final Map.Entry<String, String> b : bad.entrySet()) {
                final HttpResponse<String> r = s.send(s.admin, "POST", "/v1/admin/nodes", b.getKey());
                assertThat(r.statusCode()).as(b.getKey() + " " + r.body()).isEqualTo(400);
                assertThat(new JsonObject(r.body()).getString("detail")).as(b.getKey()).contains(b.getValue());
            }
            assertThat(s.send(s.alice, "POST", "/v1/admin/nodes", new JsonObject().put("node", "mine")
                    .put("publicKey", EdgeNodeClient.publicKey(ams)).encode()).statusCode()).isEqualTo(403);
            assertThat(s.send(s.alice, "GET", "/v1/admin/nodes", (String) null).statusCode()).isEqualTo(403);
            assertThat(s.send(s.alice, "DELETE", "/v1/admin/nodes/fra-1", "").statusCode()).isEqualTo(403);

            assertThat(fra.mark()).isZero(); // authenticates
            assertThat(s.send(s.admin, "DELETE", "/v1/admin/nodes/fra-1", "").statusCode()).isEqualTo(200);
            assertThat(s.send(s.admin, "DELETE", "/v1/admin/nodes/fra-1", "").statusCode()).isEqualTo(404);
            assertThat(s.send(s.admin, "DELETE", "/v1/admin/nodes/nowhere", "").statusCode()).isEqualTo(404);
            final HttpResponse<String> revoked = fra.send("GET", "/v1/sources/node:fra-1", null);
            assertThat(revoked.statusCode()).isEqualTo(401);
            assertThat(new JsonObject(revoked.body()).getString("error")).isEqualTo("revoked node");
            // a revoked id is never registered again
            final HttpResponse<String> again = s.send(s.admin, "POST", "/v1/admin/nodes", new JsonObject()
                    .put("node", "fra-1").put("publicKey", EdgeNodeClient.publicKey(fra.pair)).encode());
            assertThat(again.statusCode()).isEqualTo(409);
            assertThat(again.body()).contains("revoked");
            final Path file = s.data.resolve(KeyStore.NODE_FILE_NAME);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        }
        try (Served s = Served.start(dir)) {
            fra.use(s);
            final JsonArray nodes = new JsonObject(s.send(s.admin, "GET", "/v1/admin/nodes", (String) null).body())
                    .getJsonArray("nodes");
            assertThat(nodes.size()).isEqualTo(2);
            assertThat(nodes.getJsonObject(0).getString("node")).isEqualTo("ams-1");
            assertThat(nodes.getJsonObject(0).getString("state")).isEqualTo("active");
            assertThat(nodes.getJsonObject(1)).isEqualTo(new JsonObject().put("node", "fra-1")
                    .put("source", "node:fra-1").put("publicKey", EdgeNodeClient.publicKey(fra.pair))
                    .put("state", "revoked"));
            final HttpResponse<String> revoked = fra.send("GET", "/v1/sources/node:fra-1", null);
            assertThat(new JsonObject(revoked.body()).getString("error")).isEqualTo("revoked node");
        }
    }

    @Test
    void everyNodeAuthenticationThatDoesNotHoldIs401() throws Exception {
        try (Served s = Served.start(dir)) {
            final EdgeNodeClient fra = new EdgeNodeClient(s, "fra-1").register();
            final String path = "/v1/sources/node:fra-1";
            final byte[] none = new byte[0];
            final Map<String, Map<String, String>> cases = new java.util.LinkedHashMap<>();
            final long ts = s.now();
            cases.put("unknown node", headers("lon-1", ts, SignedRequest.sign(fra.key, ts, "GET", path, none)));
            final EdgeNodeClient impostor = new EdgeNodeClient(s, "fra-1"); // another key under fra-1's id
            final long ts2 = s.now();
            cases.put("bad signature", headers("fra-1", ts2, SignedRequest.sign(impostor.key, ts2, "GET", path,
                    none)));
            final long ts3 = s.now();
            cases.put("bad signature ", headers("fra-1", ts3, SignedRequest.sign(fra.key, ts3, "GET",
                    "/v1/sources/node:fra-2", none))); // signed for another path
            final long ts4 = s.now();
            cases.put("bad signature  ", headers("fra-1", ts4, "not base64!"));
            final long old = System.currentTimeMillis() - 60_000;
            cases.put("unauthenticated", headers("fra-1", old, SignedRequest.sign(fra.key, old, "GET", path, none)));
            final long ahead = System.currentTimeMillis() + 60_000;
            cases.put("unauthenticated ", headers("fra-1", ahead, SignedRequest.sign(fra.key, ahead, "GET", path,
                    none)));
            cases.put("unauthenticated  ", Map.of(SignedRequest.NODE_HEADER, "fra-1"));
            for (final Map.Entry<String, Map<String, String>> c : cases.entrySet()) {
                final HttpResponse<String> r = fra.send("GET", path, none, c.getValue());
                assertThat(r.statusCode()).as(c.getKey() + " " + r.body()).isEqualTo(401);
                assertThat(new JsonObject(r.body()).getString("error")).isEqualTo(c.getKey().strip());
            }
            // a signature seen before within the window
            final long ts5 = s.now();
            final Map<String, String> once = headers("fra-1", ts5, SignedRequest.sign(fra.key, ts5, "GET", path,
                    none));
            assertThat(fra.send("GET", path, none, once).statusCode()).isEqualTo(200);
            final HttpResponse<String> replay = fra.send("GET", path, none, once);
            assertThat(replay.statusCode()).isEqualTo(401);
            assertThat(replay.body()).contains("used before");
            // a body altered after signing
            final long ts6 = s.now();
            final byte[] body = EdgeNodeClient.line(1, "{}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            final HttpResponse<String> altered = fra.send("POST", "/v1/forward", EdgeNodeClient.line(2, "{}")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8), headers("fra-1", ts6,
                            SignedRequest.sign(fra.key, ts6, "POST", "/v1/forward", body)));
            assertThat(altered.statusCode()).isEqualTo(401);
            assertThat(fra.mark()).isZero();
        }
    }

    @Test
    void failedNodeAuthenticationsCountTowardTheLockOut() throws Exception {
        try (Served s = Served.start(dir, new SettlementServer.Auth(RequestSignature.WINDOW_MILLIS, 3_600_000, 3,
                1_000))) {
            final EdgeNodeClient fra = new EdgeNodeClient(s, "fra-1").register();
            final EdgeNodeClient impostor = new EdgeNodeClient(s, "fra-1");
            for (int i = 0; i < 3; i++) {
                assertThat(impostor.send("GET", "/v1/sources/node:fra-1", null).statusCode()).isEqualTo(401);
            }
            assertThat(impostor.send("GET", "/v1/sources/node:fra-1", null).statusCode()).isEqualTo(429);
            assertThat(fra.mark()).isZero(); // the node itself, signing rightly, is still served
        }
    }

    private static Map<String, String> headers(final String node, final long ts, final String signature) {
        return Map.of(SignedRequest.NODE_HEADER, node, SignedRequest.TIMESTAMP_HEADER, Long.toString(ts),
                SignedRequest.SIGNATURE_HEADER, signature);
    }

    @Test
    void aNodeCallsOnlyItsThreeRoutesAndAnApiKeyNoneOfTheNodes() throws Exception {
        try (Served s = Served.start(dir)) {
            final EdgeNodeClient fra = new EdgeNodeClient(s, "fra-1").register();
            new EdgeNodeClient(s, "ams-1").register();
            for (final String[] call : List.of(new String[] {"GET", "/v1/balances"}, new String[] {"POST",
                    "/v1/batch"}, new String[] {"GET", "/v1/admin/nodes"}, new String[] {"POST", "/v1/transfers"},
                    new String[] {"GET", "/v1/admin/keys"}, new String[] {"GET", "/v1/forward"})) {
                final HttpResponse<String> r = fra.send(call[0], call[1], call[0].equals("POST") ? "{}" : null);
                assertThat(r.statusCode()).as(call[1] + " " + r.body()).isEqualTo(403);
                assertThat(r.body()).contains("a node may call only POST /v1/forward");
            }
            for (final String other : List.of("node:ams-1", "alice", "bob:app")) {
                final HttpResponse<String> r = fra.send("GET", "/v1/sources/" + other, null);
                assertThat(r.statusCode()).as(other).isEqualTo(403);
                assertThat(r.body()).contains("a node reads only its own source, node:fra-1");
            }
            assertThat(fra.send("GET", "/v1/node/client-keys", null).statusCode()).isEqualTo(200);
            for (final ApiKey key : List.of(s.admin, s.alice)) {
                assertThat(s.send(key, "POST", "/v1/forward", EdgeNodeClient.line(1, "{}")).statusCode())
                        .isEqualTo(403);
                assertThat(s.send(key, "GET", "/v1/node/client-keys", (String) null).statusCode()).isEqualTo(403);
            }
            assertThat(fra.mark()).isZero();
            // the admin key reads a node's mark (it cannot number it); an account key does not
            assertThat(s.send(s.admin, "GET", "/v1/sources/node:fra-1", (String) null).statusCode()).isEqualTo(200);
            assertThat(s.send(s.alice, "GET", "/v1/sources/node:fra-1", (String) null).statusCode()).isEqualTo(403);
        }
    }

    @Test
    void noApiKeyNumbersANodesSourceTheAdminsNeither() throws Exception {
        try (Served s = Served.start(dir)) {
            final EdgeNodeClient fra = new EdgeNodeClient(s, "fra-1").register();
            final long records = s.journalRecords();
            final String transfer = "{\"type\":\"transfer\",\"transferId\":\"t-n\",\"from\":\"alice\",\"to\":\"bob\","
                    + "\"asset\":\"USD\",\"amount\":\"1\",\"source\":\"node:fra-1\",\"sourceSeq\":1}";
            final HttpResponse<String> single = s.send(s.alice, "POST", "/v1/transfers", transfer);
            assertThat(single.statusCode()).as(single.body()).isEqualTo(403);
            assertThat(single.body()).contains("source node:fra-1 is an edge node's");
            for (final ApiKey key : List.of(s.admin, s.alice)) {
                final HttpResponse<String> batch = s.send(key, "POST", "/v1/batch", transfer + "\n");
                assertThat(batch.statusCode()).as(batch.body()).isEqualTo(403);
                assertThat(batch.body()).contains("source node:fra-1 is an edge node's");
            }
            // signed by alice's own client key, it is still not hers to number
            final KeyPair alice = EdgeNodeClient.keyPair();
            final String keyId = EdgeNodeClient.registerClientKey(s, "alice", alice);
            final HttpResponse<String> signed = s.send(s.bob, "POST", "/v1/transfers", EdgeNodeClient.signed(transfer,
                    alice, keyId, System.currentTimeMillis()));
            assertThat(signed.statusCode()).as(signed.body()).isEqualTo(403);
            assertThat(signed.body()).contains("is an edge node's");
            assertThat(fra.mark()).isZero();
            assertThat(s.journalRecords()).isEqualTo(records);
            // an account's own sources are unchanged
            assertThat(s.send(s.alice, "POST", "/v1/transfers", transfer.replace("node:fra-1", "alice:app"))
                    .statusCode()).isEqualTo(200);
        }
    }

    @Test
    void clientKeyVersionsOnlyGrowAndANodeMissesNoChangeAcrossARestart() throws Exception {
        final KeyPair a = EdgeNodeClient.keyPair();
        final KeyPair b = EdgeNodeClient.keyPair();
        final EdgeNodeClient fra;
        final String aId;
        final String bId;
        try (Served s = Served.start(dir)) {
            fra = new EdgeNodeClient(s, "fra-1").register();
            assertThat(changes(fra, 0)).isEqualTo(new JsonObject().put("version", 0).put("keys", new JsonArray()));
            aId = EdgeNodeClient.registerClientKey(s, "alice", a);
            bId = EdgeNodeClient.registerClientKey(s, "bob", b);
            final JsonObject all = changes(fra, 0);
            assertThat(all.getLong("version")).isEqualTo(2);
            assertThat(all.getJsonArray("keys")).containsExactly(key(aId, "alice", a, false), key(bId, "bob", b,
                    false));
            assertThat(s.send(s.admin, "DELETE", "/v1/admin/keys/" + aId, "").statusCode()).isEqualTo(200);
            final JsonObject later = changes(fra, 2);
            assertThat(later.getLong("version")).isEqualTo(3);
            assertThat(later.getJsonArray("keys")).containsExactly(key(aId, "alice", a, true));
            assertThat(changes(fra, 3).getJsonArray("keys")).isEmpty();
            assertThat(changes(fra, 1).getJsonArray("keys")).containsExactly(key(bId, "bob", b, false),
                    key(aId, "alice", a, true));
            for (final String query : List.of("?after=-1", "?after=x", "?after=1&after=2", "?before=1")) {
                assertThat(fra.send("GET", "/v1/node/client-keys" + query, null).statusCode()).as(query)
                        .isEqualTo(400);
            }
        }
        final KeyPair c = EdgeNodeClient.keyPair();
        try (Served s = Served.start(dir)) {
            fra.use(s);
            assertThat(changes(fra, 3).getJsonArray("keys")).isEmpty();
            assertThat(changes(fra, 0).getLong("version")).isEqualTo(3);
            final String cId = EdgeNodeClient.registerClientKey(s, "bob", c);
            final JsonObject after = changes(fra, 3);
            assertThat(after.getLong("version")).isEqualTo(4);
            assertThat(after.getJsonArray("keys")).containsExactly(key(cId, "bob", c, false));
            assertThat(s.send(s.admin, "DELETE", "/v1/admin/keys/" + bId, "").statusCode()).isEqualTo(200);
            assertThat(changes(fra, 4).getJsonArray("keys")).containsExactly(key(bId, "bob", b, true));
            assertThat(changes(fra, 4).getLong("version")).isEqualTo(5);
        }
    }

    private static JsonObject changes(final EdgeNodeClient node, final long after) {
        final HttpResponse<String> r = node.send("GET", "/v1/node/client-keys?after=" + after, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return new JsonObject(r.body());
    }

    private static JsonObject key(final String id, final String account, final KeyPair pair, final boolean revoked) {
        return new JsonObject().put("keyId", id).put("account", account).put("publicKey",
                EdgeNodeClient.publicKey(pair)).put("revoked", revoked);
    }
}
