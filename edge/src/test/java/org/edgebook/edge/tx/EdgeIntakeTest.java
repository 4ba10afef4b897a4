package org.edgebook.edge.tx;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.edgebook.codec.CanonicalJson;
import org.edgebook.codec.Ed25519Key;
import org.edgebook.codec.SignedRequest;
import org.edgebook.codec.TransactionSignature;
import org.edgebook.edge.EdgeConfig;
import org.edgebook.edge.EdgeNode;
import org.edgebook.edge.outbox.Outbox;
import org.edgebook.http.RequestSignature;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The edge node's intake over real HTTP, with the bundled WebAssembly screening function and a real outbox: what is
 * taken (202, durable, queryable), what is refused (4xx, nothing written), holds and the operator's release and
 * reject, repeats, batches, a full outbox (503), and the WebSocket of state changes. The client keys are given to the
 * node directly here (settlement's side is tested in the cli module's end-to-end tests).
 */
class EdgeIntakeTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long NOW = 1_795_338_000_000L;

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicLong clock = new AtomicLong(NOW);
    private EdgeNode node;
    private EdgeConfig config = EdgeConfig.defaults("127.0.0.1", 0);
    private KeyPair alice;
    private String aliceKey;
    private KeyPair bob;
    private String bobKey;

    @TempDir
    Path dir;

    @BeforeEach
    void start() throws Exception {
        start(Outbox.Options.defaults());
    }

    private void start(final Outbox.Options outbox) throws Exception {
        if (node != null) {
            node.close();
        }
        node = EdgeNode.start(config, clock::get, (fn, sha, id, text) -> {}, 1,
                new TransactionPath.Options(dir, URI.create("http://127.0.0.1:1"), "test-1", Ed25519Key.Private.of(
                        KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPrivate()),
                        TransactionPath.Options.DEFAULT_SIGNED_MAX_AGE_MILLIS, 5_000, outbox.withRetention(
                                86_400_000_000L, () -> clock.get() * 1000)));
        alice = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        bob = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        aliceKey = TransactionSignature.keyId(TransactionSignature.raw(alice.getPublic()));
        bobKey = TransactionSignature.keyId(TransactionSignature.raw(bob.getPublic()));
        node.transactions().keys().apply(2, List.of(
                new ClientKeys.Entry(aliceKey, "alice", Ed25519Key.Public.of(TransactionSignature.raw(alice
                        .getPublic())), false),
                new ClientKeys.Entry(bobKey, "bob", Ed25519Key.Public.of(TransactionSignature.raw(bob.getPublic())),
                        false)), NOW);
    }

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    private static Map<String, Object> transfer(final String id, final String from, final String to,
                                                final String amount) {
        final Map<String, Object> tx = new LinkedHashMap<>();
        tx.put("type", "transfer");
        tx.put("transferId", id);
        tx.put("from", from);
        tx.put("to", to);
        tx.put("asset", "USD");
        tx.put("amount", amount);
        return tx;
    }

    private String signed(final Map<String, Object> tx, final KeyPair key) {
        final String keyId = TransactionSignature.keyId(TransactionSignature.raw(key.getPublic()));
        return CanonicalJson.write(TransactionSignature.sign(tx, key.getPrivate(), keyId, clock.get() - 1000));
    }

    private HttpResponse<String> post(final String path, final String body) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(final String path) {
        return URI.create("http://127.0.0.1:" + node.port() + path);
    }

    /** A request signed with the node's operator key, as settlement's API requests are. */
    private HttpResponse<String> operator(final String method, final String path, final String body)
            throws Exception {
        final OperatorKey op = node.transactions().operator();
        final String ts = Long.toString(clock.get());
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return client.send(HttpRequest.newBuilder(uri(path)).method(method, HttpRequest.BodyPublishers.ofByteArray(
                bytes)).header(RequestSignature.KEY_HEADER, op.id()).header(RequestSignature.TIMESTAMP_HEADER, ts)
                .header(RequestSignature.SIGNATURE_HEADER, RequestSignature.sign(op.secretText().getBytes(
                        StandardCharsets.US_ASCII), ts, method, path, bytes)).build(), HttpResponse.BodyHandlers
                                .ofString());
    }

    /** {@code GET path} signed with a client key. */
    private HttpResponse<String> asClient(final KeyPair key, final String path) throws Exception {
        final String keyId = TransactionSignature.keyId(TransactionSignature.raw(key.getPublic()));
        return client.send(HttpRequest.newBuilder(uri(path)).GET().header(SignedRequest.CLIENT_KEY_HEADER, keyId)
                .header(SignedRequest.TIMESTAMP_HEADER, Long.toString(clock.get())).header(
                        SignedRequest.SIGNATURE_HEADER, SignedRequest.sign(Ed25519Key.Private.of(key.getPrivate()),
                                clock.get(), "GET", path, new byte[0])).build(), HttpResponse.BodyHandlers
                                        .ofString());
    }

    private static JsonNode json(final HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    @Test
    void aSignedTransferIsTakenDurablyAndItsAccountCanReadIt() throws Exception {
        final HttpResponse<String> r = post("/v1/tx", signed(transfer("t-1", "alice", "bob", "10.50"), alice));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        assertThat(json(r).get("id").asText()).isEqualTo("transfer:t-1@alice");
        assertThat(json(r).get("state").asText()).isEqualTo("queued");
        assertThat(json(r).get("outboxSeq").asLong()).isPositive();
        assertThat(node.transactions().outbox().state("transfer:t-1@alice").account()).isEqualTo("alice");

        final HttpResponse<String> mine = asClient(alice, "/v1/tx/transfer:t-1@alice");
        assertThat(mine.statusCode()).as(mine.body()).isEqualTo(200);
        // no settlement answers here: the forwarder may have taken it (forwarded) and be retrying
        assertThat(json(mine).get("state").asText()).isIn("queued", "forwarded");
        assertThat(asClient(bob, "/v1/tx/transfer:t-1@alice").statusCode()).as("bob may not read alice's").isEqualTo(
                404);
        assertThat(operator("GET", "/v1/tx/transfer:t-1@alice", "").statusCode()).isEqualTo(200);
        assertThat(client.send(HttpRequest.newBuilder(uri("/v1/tx/transfer:t-1@alice")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).as("unsigned read").isEqualTo(401);

        // the same transaction again is a repeat: answered with its state, not taken twice
        final HttpResponse<String> again = post("/v1/tx", signed(transfer("t-1", "alice", "bob", "10.50"), alice));
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(json(again).get("repeat").asBoolean()).isTrue();
        assertThat(node.transactions().outbox().depth().queued() + node.transactions().outbox().depth().forwarded())
                .isEqualTo(1);
    }

    @Test
    void forgeriesAndBadInputAreRefusedAndWriteNothing() throws Exception {
        final Map<String, Object> tx = transfer("t-2", "alice", "bob", "10");
        final Map<String, Object> altered = CanonicalJson.parseObject(signed(tx, alice).getBytes(
                StandardCharsets.UTF_8), 0, signed(tx, alice).length());
        altered.put("amount", "1000");
        final Map<String, Object> withSource = new LinkedHashMap<>(tx);
        withSource.put("source", "alice");
        withSource.put("sourceSeq", 1L);
        final Map<String, Object> market = new LinkedHashMap<>();
        market.put("type", "place");
        market.put("account", "alice");
        market.put("clientOrderId", "c-1");
        market.put("symbol", "BTC-USD");
        market.put("side", "BUY");
        market.put("orderType", "MARKET");
        market.put("quantity", "1");
        final long before = node.transactions().outbox().nextSeq();

        expect(post("/v1/tx", CanonicalJson.write(altered)), 401, "bad signature");
        expect(post("/v1/tx", CanonicalJson.write(tx)), 401, "unsigned");
        expect(post("/v1/tx", signed(tx, bob)), 401, "wrong account");
        expect(post("/v1/tx", signed(withSource, alice)), 400, "MALFORMED");
        expect(post("/v1/tx", signed(market, alice)), 400, "MALFORMED");
        expect(post("/v1/tx", signed(transfer("t-3", "alice", "bob", "ten"), alice)), 400, "MALFORMED");
        expect(post("/v1/tx", "{\"type\":\"transfer\""), 400, "MALFORMED");
        clock.addAndGet(TransactionPath.Options.DEFAULT_SIGNED_MAX_AGE_MILLIS + 2000);
        expect(post("/v1/tx", CanonicalJson.write(TransactionSignature.sign(tx, alice.getPrivate(), aliceKey, NOW))),
                401, "too old");
        clock.set(NOW);
        expect(post("/v1/tx", CanonicalJson.write(TransactionSignature.sign(tx, alice.getPrivate(), aliceKey, NOW
                + 60_000))), 401, "signed in the future");
        node.transactions().keys().apply(3, List.of(new ClientKeys.Entry(aliceKey, "alice", Ed25519Key.Public.of(
                TransactionSignature.raw(alice.getPublic())), true)), NOW);
        expect(post("/v1/tx", signed(tx, alice)), 401, "revoked key");

        assertThat(node.transactions().outbox().nextSeq()).as("nothing written").isEqualTo(before);
        assertThat(node.transactions().outbox().state("transfer:t-2@alice")).isNull();
    }

    private static void expect(final HttpResponse<String> r, final int status, final String error) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(json(r).get("error").asText()).as(r.body()).isEqualTo(error);
        assertThat(json(r).get("detail").asText()).isNotBlank();
    }

    /** A screening config that rejects over 1,000 USD and holds the fourth transfer of a minute. */
    private static final String TIGHT = """
        {"holdScore": 1001, "rejectScore": 1001,
         "assets": {"USD": {"decimals": 6, "maxAmount": "1000", "maxCountMinute": 3, "maxAmountMinute": "100000",
                            "maxCountHour": 1000, "maxAmountHour": "1000000"}}}""";

    @Test
    void screeningHoldsAndRejectsAndTheOperatorEndsHolds() throws Exception {
        config = new EdgeConfig("127.0.0.1", 0, EdgeConfig.DEFAULT_MAX_BODY_BYTES, EdgeConfig.defaults("127.0.0.1",
                0).routes(), dir, null, new EdgeConfig.Transactions(EdgeConfig.Transactions.DEFAULT.screening(), JSON
                        .readTree(TIGHT), "hold", null));
        start(Outbox.Options.defaults());
        final HttpResponse<String> big = post("/v1/tx", signed(transfer("t-big", "alice", "bob", "5000"), alice));
        assertThat(big.statusCode()).as(big.body()).isEqualTo(422);
        assertThat(json(big).get("state").asText()).isEqualTo("rejected");
        assertThat(json(big).get("rejectedBy").asText()).isEqualTo("screening");
        assertThat(json(big).get("reason").asText()).isEqualTo("AMOUNT_LIMIT");
        assertThat(asClient(alice, "/v1/tx/transfer:t-big@alice").body()).contains("\"state\":\"rejected\"",
                "\"reason\":\"AMOUNT_LIMIT\"");
        for (int i = 1; i <= 3; i++) {
            assertThat(post("/v1/tx", signed(transfer("t-" + i, "alice", "bob", "5"), alice)).statusCode())
                    .isEqualTo(202);
        }
        // the fourth and fifth of the minute are held: they wait for the operator, in the outbox
        for (final String id : new String[] {"t-4", "t-5"}) {
            final HttpResponse<String> held = post("/v1/tx", signed(transfer(id, "alice", "bob", "5"), alice));
            assertThat(held.statusCode()).as(held.body()).isEqualTo(202);
            assertThat(json(held).get("state").asText()).isEqualTo("held");
            assertThat(json(held).get("reason").asText()).isEqualTo("VELOCITY_COUNT_MINUTE");
        }
        final HttpResponse<String> list = operator("GET", "/v1/tx/held", "");
        assertThat(json(list)).hasSize(2);
        assertThat(json(list).get(0).get("id").asText()).isEqualTo("transfer:t-4@alice");
        assertThat(post("/v1/tx/transfer:t-4@alice/release", "").statusCode()).as("not the operator").isEqualTo(401);
        final HttpResponse<String> released = operator("POST", "/v1/tx/transfer:t-4@alice/release", "");
        assertThat(released.statusCode()).as(released.body()).isEqualTo(200);
        assertThat(json(released).get("state").asText()).isIn("queued", "forwarded");
        assertThat(operator("POST", "/v1/tx/transfer:t-4@alice/release", "").statusCode()).as("twice").isEqualTo(409);

        expect(operator("POST", "/v1/tx/transfer:t-5@alice/reject", "{}"), 400, "MALFORMED");
        final HttpResponse<String> rejected = operator("POST", "/v1/tx/transfer:t-5@alice/reject",
                "{\"reason\":\"customer called\"}");
        assertThat(rejected.statusCode()).as(rejected.body()).isEqualTo(200);
        assertThat(json(rejected).get("state").asText()).isEqualTo("rejected");
        assertThat(json(rejected).get("reason").asText()).isEqualTo("customer called");
        assertThat(json(rejected).get("rejectedBy").asText()).startsWith("operator op_");
        assertThat(json(operator("GET", "/v1/tx/held", ""))).isEmpty();
        expect(operator("POST", "/v1/tx/transfer:nope@alice/release", ""), 404, "not found");
    }

    @Test
    void aBatchIsTakenOneByOneAndAnsweredInOrder() throws Exception {
        final String batch = "[" + signed(transfer("b-1", "alice", "bob", "1"), alice) + ","
                + signed(transfer("b-2", "alice", "bob", "1"), bob) + ","
                + signed(transfer("b-3", "bob", "alice", "2"), bob) + "]";
        final HttpResponse<String> r = post("/v1/tx", batch);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        final JsonNode answers = json(r);
        assertThat(answers).hasSize(3);
        assertThat(answers.get(0).get("status").asInt()).isEqualTo(202);
        assertThat(answers.get(1).get("status").asInt()).isEqualTo(401);
        assertThat(answers.get(1).get("error").asText()).isEqualTo("wrong account");
        assertThat(answers.get(2).get("id").asText()).isEqualTo("transfer:b-3@bob");
        assertThat(node.transactions().outbox().state("transfer:b-2@alice")).isNull();
        expect(post("/v1/tx", "[1,2]"), 400, "MALFORMED");
        expect(post("/v1/tx", "[]"), 400, "MALFORMED");
    }

    @Test
    void aFullOutboxAnswers503AndLosesNothing() throws Exception {
        start(Outbox.Options.defaults().withQuota(16 << 10, 1 << 20).withSegmentBytes(64 << 10));
        int taken = 0;
        HttpResponse<String> r;
        do {
            r = post("/v1/tx", signed(transfer("q-" + taken, "alice", "bob", "1"), alice));
            if (r.statusCode() == 202) {
                taken++;
            }
        } while (r.statusCode() == 202 && taken < 1000);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(json(r).get("error").asText()).isEqualTo("outbox full");
        assertThat(taken).isBetween(10, 999);
        node.close();
        node = null;
        start(Outbox.Options.defaults().withQuota(16 << 10, 1 << 20).withSegmentBytes(64 << 10));
        for (int i = 0; i < taken; i++) {
            assertThat(node.transactions().outbox().state("transfer:q-" + i + "@alice")).as("q-" + i).isNotNull();
        }
        assertThat(node.transactions().outbox().state("transfer:q-" + taken + "@alice")).isNull();
    }

    @Test
    void theStreamTellsAnAccountOfItsOwnTransactionsOnly() throws Exception {
        final List<String> frames = new CopyOnWriteArrayList<>();
        final List<String> closed = new CopyOnWriteArrayList<>();
        final String path = "/v1/tx/stream";
        final WebSocket ws = client.newWebSocketBuilder().header(SignedRequest.CLIENT_KEY_HEADER, bobKey).header(
                SignedRequest.TIMESTAMP_HEADER, Long.toString(clock.get())).header(SignedRequest.SIGNATURE_HEADER,
                        SignedRequest.sign(Ed25519Key.Private.of(bob.getPrivate()), clock.get(), "GET", path,
                                new byte[0])).buildAsync(URI.create("ws://127.0.0.1:" + node.port() + path),
                                        new WebSocket.Listener() {
                                            @Override
                                            public CompletionStage<?> onText(final WebSocket socket,
                                                                             final CharSequence data,
                                                                             final boolean last) {
                                                frames.add(data.toString());
                                                socket.request(1);
                                                return null;
                                            }

                                            @Override
                                            public CompletionStage<?> onClose(final WebSocket socket,
                                                                              final int status,
                                                                              final String reason) {
                                                closed.add(status + " " + reason);
                                                return null;
                                            }
                                        }).get(5, java.util.concurrent.TimeUnit.SECONDS);
        post("/v1/tx", signed(transfer("s-1", "alice", "bob", "1"), alice));
        post("/v1/tx", signed(transfer("s-2", "bob", "alice", "1"), bob));

        final long deadline = System.nanoTime() + 10_000_000_000L;
        while (frames.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(frames).hasSize(1);
        assertThat(frames.getFirst()).contains("\"id\":\"transfer:s-2@bob\"", "\"state\":\"queued\"");

        // bob's key is revoked at settlement (the node learns it): his stream ends at the next change
        node.transactions().keys().apply(3, List.of(new ClientKeys.Entry(bobKey, "bob", Ed25519Key.Public.of(
                TransactionSignature.raw(bob.getPublic())), true)), NOW);
        node.transactions().outbox().rejected("transfer:s-2@bob", "operator test", "to make a change").get(5,
                java.util.concurrent.TimeUnit.SECONDS);
        final long closeDeadline = System.nanoTime() + 10_000_000_000L;
        while (closed.isEmpty() && System.nanoTime() < closeDeadline) {
            Thread.sleep(5);
        }
        assertThat(closed).containsExactly("1008 client key " + bobKey + " was revoked");
        assertThat(frames).hasSize(1);
        ws.abort();
    }
}
