package org.edgebook.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.edgebook.codec.CanonicalJson;
import org.edgebook.codec.Ed25519Key;
import org.edgebook.codec.TransactionSignature;
import org.edgebook.edge.EdgeConfig;
import org.edgebook.edge.EdgeNode;
import org.edgebook.edge.outbox.Outbox;
import org.edgebook.edge.tx.TransactionPath;
import org.edgebook.http.RequestSignature;
import org.edgebook.server.SettlementServer;

/**
 * The transaction path's two programs in one JVM, over real HTTP and real files, for tests: a settlement service (with
 * the demo market: alice and bob have money) on a fixed port so that it can be stopped and started again on the same
 * data, and edge nodes joined to it. Settlement's admin key signs the setup (node and client keys).
 */
final class TxStack implements AutoCloseable {
    static final JsonMapper JSON = JsonMapper.builder().build();
    final Path dir;
    final int settlementPort;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration
            .ofSeconds(5)).build();
    SettlementServer settlement;
    String adminId;
    byte[] adminSecret;
    /** The demo accounts' API keys: account to {id, secret}. */
    final Map<String, String[]> accountKeys = new java.util.HashMap<>();

    TxStack(final Path dir) throws IOException {
        this.dir = dir;
        this.settlementPort = freePort();
        startSettlement();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    URI settlementUri() {
        return URI.create("http://127.0.0.1:" + settlementPort);
    }

    void startSettlement() throws IOException {
        settlement = SettlementServer.start(new SettlementServer.Config("127.0.0.1", settlementPort, dir.resolve(
                "settlement"), dir.resolve("master.key"), 100_000, 1000, 30, null, null), true, w -> {});
        for (final String line : settlement.describeKeys()) {
            final String[] parts = line.trim().split("\\s+");
            if (parts[0].equals("admin")) {
                adminId = parts[2];
                adminSecret = parts[4].getBytes(StandardCharsets.US_ASCII);
            } else {
                accountKeys.put(parts[0], new String[] {parts[2], parts[4]});
            }
        }
    }

    void stopSettlement() throws IOException {
        settlement.close();
        settlement = null;
    }

    /** A request to settlement signed with the admin key. */
    HttpResponse<String> admin(final String method, final String path, final String body) throws Exception {
        return signed(adminId, adminSecret, method, path, body);
    }

    /** A request to settlement signed with an API key. */
    HttpResponse<String> signed(final String id, final byte[] secret, final String method, final String path,
                                final String body) throws Exception {
        final String ts = Long.toString(System.currentTimeMillis());
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return http.send(HttpRequest.newBuilder(settlementUri().resolve(path)).method(method, HttpRequest.BodyPublishers
                .ofByteArray(bytes)).header(RequestSignature.KEY_HEADER, id).header(
                        RequestSignature.TIMESTAMP_HEADER, ts).header(RequestSignature.SIGNATURE_HEADER,
                                RequestSignature.sign(secret, ts, method, path, bytes)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static KeyPair newKey() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String publicKey(final KeyPair key) {
        return Base64.getEncoder().encodeToString(TransactionSignature.raw(key.getPublic()));
    }

    static String keyId(final KeyPair key) {
        return TransactionSignature.keyId(TransactionSignature.raw(key.getPublic()));
    }

    /** Registers a client key for {@code account} at settlement. */
    void clientKey(final String account, final KeyPair key) throws Exception {
        expect(admin("POST", "/v1/admin/keys", "{\"account\":\"" + account + "\",\"publicKey\":\"" + publicKey(key)
                + "\"}"), 200);
    }

    /** Registers node {@code id} with {@code key} at settlement. */
    void node(final String id, final KeyPair key) throws Exception {
        expect(admin("POST", "/v1/admin/nodes", "{\"node\":\"" + id + "\",\"publicKey\":\"" + publicKey(key)
                + "\"}"), 201);
    }

    static HttpResponse<String> expect(final HttpResponse<String> r, final int status) {
        if (r.statusCode() != status) {
            throw new AssertionError("expected " + status + ", got " + r.statusCode() + ": " + r.body());
        }
        return r;
    }

    /** An edge node joined to {@code settlement} (settlement itself, or a proxy in front of it). */
    EdgeNode edge(final String nodeId, final KeyPair nodeKey, final URI settlementUri, final EdgeConfig config)
            throws IOException {
        return edge(nodeId, nodeKey, settlementUri, config, Outbox.Options.defaults(),
                TransactionPath.Options.COMPACT_EVERY_MILLIS);
    }

    /** An edge node with its outbox's options and how often it compacts. */
    EdgeNode edge(final String nodeId, final KeyPair nodeKey, final URI settlementUri, final EdgeConfig config,
                  final Outbox.Options outbox, final long compactEveryMillis) throws IOException {
        return EdgeNode.start(config.withPort(0), System::currentTimeMillis, (fn, sha, id, text) -> {}, 1,
                new TransactionPath.Options(dir.resolve("edge-" + nodeId), settlementUri, nodeId, Ed25519Key.Private
                        .of(nodeKey.getPrivate()), TransactionPath.Options.DEFAULT_SIGNED_MAX_AGE_MILLIS,
                        TransactionPath.Options.CLOCK_WINDOW_MILLIS, outbox, compactEveryMillis));
    }

    static String transfer(final KeyPair key, final String id, final String from, final String to,
                           final String asset, final String amount) {
        final Map<String, Object> tx = new java.util.LinkedHashMap<>();
        tx.put("type", "transfer");
        tx.put("transferId", id);
        tx.put("from", from);
        tx.put("to", to);
        tx.put("asset", asset);
        tx.put("amount", amount);
        return CanonicalJson.write(TransactionSignature.sign(tx, key.getPrivate(), keyId(key), System
                .currentTimeMillis()));
    }

    HttpResponse<String> post(final EdgeNode node, final String path, final String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path)).POST(
                HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The account's balance of {@code asset} at settlement, as a decimal string ("0" when it has none). */
    String balance(final String account, final String asset) throws Exception {
        final String[] key = accountKeys.get(account);
        final HttpResponse<String> r = expect(signed(key[0], key[1].getBytes(StandardCharsets.US_ASCII), "GET",
                "/v1/balances", ""), 200);
        final JsonNode balance = JSON.readTree(r.body()).findValue("balances").path(asset);
        return balance.isMissingNode() ? "0" : balance.path("available").asText();
    }

    /** Waits for {@code condition}, checking every 10 ms, until {@code seconds} have passed. */
    static void await(final String what, final int seconds, final BooleanSupplier condition)
            throws InterruptedException {
        final long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + seconds + " s: " + what);
            }
            Thread.sleep(10);
        }
    }

    @Override
    public void close() throws IOException {
        if (settlement != null) {
            settlement.close();
        }
    }
}
