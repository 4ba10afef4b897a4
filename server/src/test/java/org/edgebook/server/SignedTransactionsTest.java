package org.edgebook.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.Map;
import org.edgebook.codec.CanonicalJson;
import org.edgebook.codec.TransactionSignature;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions signed by an account's client key (docs/signing.md), over real HTTP, batch and WebSocket with real
 * keys: the signature is the authority, whoever's API key brings it; one that does not hold is 401 and journals
 * nothing.
 */
class SignedTransactionsTest {
    @TempDir
    Path dir;
    private Served served;

    @BeforeEach
    void start() throws Exception {
        served = Served.start(dir);
    }

    @AfterEach
    void stop() throws Exception {
        served.close();
    }

    private static KeyPair keyPair() throws Exception {
        return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }

    /** Registers {@code pair}'s public key for {@code account} over HTTP; answers its id. */
    private String register(final String account, final KeyPair pair) {
        final HttpResponse<String> r = served.send(served.admin, "POST", "/v1/admin/keys", new JsonObject()
                .put("account", account).put("publicKey", Base64.getEncoder().encodeToString(TransactionSignature.raw(
                        pair.getPublic()))).encode());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return new JsonObject(r.body()).getString("key");
    }

    private static String transfer(final String id, final String amount) {
        return "{\"type\":\"transfer\",\"transferId\":\"" + id + "\",\"from\":\"alice\",\"to\":\"bob\","
                + "\"asset\":\"USD\",\"amount\":\"" + amount + "\"}";
    }

    private static String signed(final String command, final KeyPair pair, final String keyId, final long at) {
        final byte[] bytes = command.getBytes(StandardCharsets.UTF_8);
        return CanonicalJson.write(TransactionSignature.sign(CanonicalJson.parseObject(bytes, 0, bytes.length),
                pair.getPrivate(), keyId, at));
    }

    private String usd(final ApiKey key) {
        final HttpResponse<String> r = served.send(key, "GET", "/v1/balances", (String) null);
        return r.body();
    }

    @Test
    void bobsApiKeySubmitsAlicesSignedTransferAndItRunsAsAlice() throws Exception {
        final KeyPair alice = keyPair();
        final String keyId = register("alice", alice);
        assertThat(keyId).startsWith("ck-");
        final HttpResponse<String> r = served.send(served.bob, "POST", "/v1/transfers",
                signed(transfer("t-1", "12.5"), alice, keyId, System.currentTimeMillis()));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("\"transferId\":\"t-1\"");
        assertThat(usd(served.alice)).contains("9987.5");
        assertThat(usd(served.bob)).contains("150012.5");
        // the same signed transfer again is its idempotency id's repeat: the money moved once
        served.send(served.bob, "POST", "/v1/transfers",
                signed(transfer("t-1", "12.5"), alice, keyId, System.currentTimeMillis()));
        assertThat(usd(served.alice)).contains("9987.5");
    }

    @Test
    void aSignedOrderAndASourcedTransferRunAsTheSigningAccountWhoeverBringsThem() throws Exception {
        final KeyPair alice = keyPair();
        final String keyId = register("alice", alice);
        final long now = System.currentTimeMillis();
        // the admin key acts for no account, but a signed order is the signature's: it runs as alice's
        final HttpResponse<String> order = served.send(served.admin, "POST", "/v1/orders", signed("{\"account\":"
                + "\"alice\",\"clientOrderId\":\"s-1\",\"symbol\":\"BTC-USD\",\"side\":\"SELL\",\"price\":"
                + "\"90000\",\"quantity\":\"0.5\"}", alice, keyId, now));
        assertThat(order.statusCode()).as(order.body()).isEqualTo(200);
        assertThat(served.send(served.alice, "GET", "/v1/orders", (String) null).body()).contains("s-1");
        final HttpResponse<String> unsigned = served.send(served.admin, "POST", "/v1/orders", "{\"account\":"
                + "\"alice\",\"clientOrderId\":\"s-2\",\"symbol\":\"BTC-USD\",\"side\":\"SELL\",\"price\":"
                + "\"90000\",\"quantity\":\"0.5\"}");
        assertThat(unsigned.statusCode()).isEqualTo(403); // unsigned, the rules of the API key
        // alice's own source, numbered and signed by her, forwarded with bob's key
        final String sourced = transfer("t-9", "5").replace("}", ",\"source\":\"alice:app\",\"sourceSeq\":1}");
        final HttpResponse<String> r = served.send(served.bob, "POST", "/v1/transfers", signed(sourced, alice, keyId,
                now));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(usd(served.alice)).contains("9995");
        // bob's own unsigned transfer from alice is still refused
        final HttpResponse<String> bobs = served.send(served.bob, "POST", "/v1/transfers", transfer("t-10", "5"));
        assertThat(bobs.statusCode()).isEqualTo(403);
    }

    @Test
    void whatDoesNotHoldIs401WithItsReasonAndJournalsNothing() throws Exception {
        final KeyPair alice = keyPair();
        final String aliceKey = register("alice", alice);
        final KeyPair bob = keyPair();
        final String bobKey = register("bob", bob);
        final long now = System.currentTimeMillis();
        final long records = served.journalRecords();
        final String good = signed(transfer("t-2", "12.5"), alice, aliceKey, now);
        final Map<String, String> refusals = new java.util.LinkedHashMap<>();
        refusals.put(good.replace("\"12.5\"", "\"12.6\""), "bad signature"); // one byte of the amount, after signing
        refusals.put(good.replace("\"sig\":\"", "\"sig\":\"A"), "bad signature");
        refusals.put(signed(transfer("t-2", "12.5"), bob, bobKey, now), "wrong account"); // bob's key, alice's transfer
        refusals.put(good.replace(aliceKey, "ck-AAAAAAAAAAAAAAAA"), "unknown key");
        refusals.put(signed(transfer("t-2", "12.5"), alice, aliceKey, now - 25 * 3_600_000L), "too old");
        refusals.put(signed(transfer("t-2", "12.5"), alice, aliceKey, now + 60_000), "signed in the future");
        for (final Map.Entry<String, String> refusal : refusals.entrySet()) {
            final HttpResponse<String> r = served.send(served.bob, "POST", "/v1/transfers", refusal.getKey());
            assertThat(r.statusCode()).as(refusal.getKey() + " " + r.body()).isEqualTo(401);
            assertThat(new JsonObject(r.body()).getString("error")).isEqualTo(refusal.getValue());
        }
        final HttpResponse<String> noTime = served.send(served.bob, "POST", "/v1/transfers", good
                .replaceAll("\"signedAt\":\\d+,", ""));
        assertThat(noTime.statusCode()).isEqualTo(400);
        assertThat(noTime.body()).contains("signedAt is required");
        final HttpResponse<String> query = served.send(served.bob, "POST", "/v1/batch", signed(
                "{\"type\":\"balances\",\"account\":\"alice\"}", alice, aliceKey, now) + "\n");
        assertThat(query.statusCode()).isEqualTo(400);
        assertThat(query.body()).contains("a signed command is a place, cancel or transfer");
        assertThat(served.journalRecords()).isEqualTo(records);
        assertThat(usd(served.alice)).contains("10000"); // a balance query is a journaled command

        final HttpResponse<String> revoked = served.send(served.admin, "DELETE", "/v1/admin/keys/" + aliceKey, "");
        assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(200);
        final long before = served.journalRecords();
        final HttpResponse<String> r = served.send(served.bob, "POST", "/v1/transfers", good);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(new JsonObject(r.body()).getString("error")).isEqualTo("revoked key");
        assertThat(served.journalRecords()).isEqualTo(before);
    }

    @Test
    void badClientSignaturesDoNotLockOutTheKeyThatForwardsThem() throws Exception {
        served.close();
        served = Served.start(dir.resolve("limited"), SettlementServer.Auth.DEFAULTS); // 10 failures a key, 50 an address
        final KeyPair alice = keyPair();
        final String keyId = register("alice", alice);
        final String forged = signed(transfer("t-6", "1"), alice, keyId, System.currentTimeMillis())
                .replace("\"1\"", "\"2\"");
        for (int i = 0; i < 60; i++) {
            assertThat(served.send(served.bob, "POST", "/v1/transfers", forged).statusCode()).isEqualTo(401);
        }
        final HttpResponse<String> good = served.send(served.bob, "POST", "/v1/transfers",
                signed(transfer("t-6", "1"), alice, keyId, System.currentTimeMillis()));
        assertThat(good.statusCode()).as(good.body()).isEqualTo(200);
    }

    @Test
    void batchLinesAndWebSocketCommandsAreVerifiedTheSameWay() throws Exception {
        final KeyPair alice = keyPair();
        final String keyId = register("alice", alice);
        final long now = System.currentTimeMillis();
        final long records = served.journalRecords();
        final String forged = signed(transfer("t-3", "1"), alice, keyId, now).replace("\"1\"", "\"100\"");
        final HttpResponse<String> bad = served.send(served.bob, "POST", "/v1/batch", signed(transfer("t-3", "1"),
                alice, keyId, now) + "\n" + forged + "\n");
        assertThat(bad.statusCode()).isEqualTo(401);
        assertThat(bad.body()).contains("bad signature", "line 2");
        assertThat(served.journalRecords()).isEqualTo(records);
        final HttpResponse<String> ok = served.send(served.bob, "POST", "/v1/batch", signed(transfer("t-3", "1"),
                alice, keyId, now) + "\n");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(usd(served.alice)).contains("9999");

        final Served.Inbox inbox = new Served.Inbox();
        final WebSocket socket = served.connect(served.bob, inbox);
        socket.sendText("{\"op\":\"command\",\"id\":1,\"command\":" + signed(transfer("t-4", "2"), alice, keyId,
                now).replace("\"2\"", "\"3\"") + "}", true).join();
        assertThat(inbox.await("{\"id\":1,")).contains("\"error\":\"bad signature\"");
        socket.sendText("{\"op\":\"command\",\"id\":2,\"command\":" + signed(transfer("t-4", "2"), alice, keyId, now)
                + "}", true).join();
        assertThat(inbox.await("{\"id\":2,")).contains("\"seq\":", "\"transferId\":\"t-4\"");
        assertThat(usd(served.alice)).contains("9997");
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "").join();
    }

    @Test
    void clientKeysAreKeptOwnerOnlyListedAndAMalformedKeyNamesTheField() throws Exception {
        final KeyPair alice = keyPair();
        final String keyId = register("alice", alice);
        assertThat(register("alice", alice)).isEqualTo(keyId); // registering again answers the same key
        final HttpResponse<String> other = served.send(served.admin, "POST", "/v1/admin/keys", new JsonObject()
                .put("account", "bob").put("publicKey", Base64.getEncoder().encodeToString(TransactionSignature.raw(
                        alice.getPublic()))).encode());
        assertThat(other.statusCode()).isEqualTo(409);
        final HttpResponse<String> malformed = served.send(served.admin, "POST", "/v1/admin/keys",
                "{\"account\":\"alice\",\"publicKey\":\"AAAA\"}");
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(malformed.body()).contains("publicKey holds 3 bytes");
        final HttpResponse<String> list = served.send(served.admin, "GET", "/v1/admin/keys", (String) null);
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.body()).contains(keyId, "\"revoked\":false").doesNotContain("secret");
        final Path file = served.data.resolve(KeyStore.CLIENT_FILE_NAME);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        served.send(served.admin, "DELETE", "/v1/admin/keys/" + keyId, "");
        served.close();
        served = Served.start(dir); // revoked, durably
        final HttpResponse<String> r = served.send(served.bob, "POST", "/v1/transfers",
                signed(transfer("t-5", "1"), alice, keyId, System.currentTimeMillis()));
        assertThat(new JsonObject(r.body()).getString("error")).isEqualTo("revoked key");
    }
}
