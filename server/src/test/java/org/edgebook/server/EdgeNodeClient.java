package org.edgebook.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;
import org.edgebook.codec.CanonicalJson;
import org.edgebook.codec.Ed25519Key;
import org.edgebook.codec.SignedRequest;
import org.edgebook.codec.TransactionSignature;

/**
 * An edge node as settlement sees it, for tests: its id and Ed25519 key, registered with the admin key, and requests
 * signed with it (docs/transaction-path.md, "Signed requests") against a {@link Served} settlement service. Also the
 * clients' keys and their signed transactions.
 */
final class EdgeNodeClient {
    final String id;
    final KeyPair pair;
    final Ed25519Key.Private key;
    private Served served;

    EdgeNodeClient(final Served served, final String id) {
        this.served = served;
        this.id = id;
        this.pair = keyPair();
        this.key = Ed25519Key.Private.of(pair.getPrivate());
    }

    /** Talks to {@code served} from now on (after a restart). */
    void use(final Served served) {
        this.served = served;
    }

    static KeyPair keyPair() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String publicKey(final KeyPair pair) {
        return Base64.getEncoder().encodeToString(TransactionSignature.raw(pair.getPublic()));
    }

    /** Registers this node with the admin key; asserts 201. */
    EdgeNodeClient register() {
        final HttpResponse<String> r = served.send(served.admin, "POST", "/v1/admin/nodes", new JsonObject()
                .put("node", id).put("publicKey", publicKey(pair)).encode());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return this;
    }

    /** Registers {@code pair}'s public key as a client key of {@code account}; answers its id. */
    static String registerClientKey(final Served served, final String account, final KeyPair pair) {
        final HttpResponse<String> r = served.send(served.admin, "POST", "/v1/admin/keys", new JsonObject()
                .put("account", account).put("publicKey", publicKey(pair)).encode());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return new JsonObject(r.body()).getString("key");
    }

    /** {@code command} (JSON) signed by {@code pair} as the client key {@code keyId} at {@code at}. */
    static String signed(final String command, final KeyPair pair, final String keyId, final long at) {
        final byte[] bytes = command.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return CanonicalJson.write(TransactionSignature.sign(CanonicalJson.parseObject(bytes, 0, bytes.length),
                pair.getPrivate(), keyId, at));
    }

    /** A request signed rightly by this node, now. */
    HttpResponse<String> send(final String method, final String path, final String body) {
        final byte[] bytes = Served.bytes(body);
        final long ts = served.now();
        return send(method, path, bytes, Map.of(SignedRequest.NODE_HEADER, id, SignedRequest.TIMESTAMP_HEADER,
                Long.toString(ts), SignedRequest.SIGNATURE_HEADER, SignedRequest.sign(key, ts, method, path, bytes)));
    }

    /** A request with exactly these headers (no others of the scheme). */
    HttpResponse<String> send(final String method, final String path, final byte[] body,
                              final Map<String, String> headers) {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + served.port()
                + path)).method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body))
                .timeout(java.time.Duration.ofSeconds(20));
        headers.forEach(request::header);
        try {
            return served.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (final IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@code POST /v1/forward} with these lines; asserts nothing. */
    HttpResponse<String> forward(final String body) {
        return send("POST", "/v1/forward", body);
    }

    /** The node's mark, read with its own key. */
    long mark() {
        final HttpResponse<String> r = send("GET", "/v1/sources/node:" + id, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return new JsonObject(r.body()).getLong("mark");
    }

    /** A forward line: {@code {"sourceSeq":N,"tx":tx}}. */
    static String line(final long sourceSeq, final String tx) {
        return "{\"sourceSeq\":" + sourceSeq + ",\"tx\":" + tx + "}\n";
    }
}
