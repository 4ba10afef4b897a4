package org.edgebook.server;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import org.edgebook.codec.Ed25519Key;
import org.edgebook.codec.TransactionSignature;

/**
 * The edge nodes' registry (docs/transaction-path.md, "Nodes at settlement"): the admin key registers
 * ({@code POST /v1/admin/nodes}), lists ({@code GET /v1/admin/nodes}) and revokes ({@code DELETE
 * /v1/admin/nodes/{node}}) nodes; a node ({@link NodeAuthentication}) reads the client keys changed since it last
 * asked ({@code GET /v1/node/client-keys?after=V}), to check its clients' signatures itself.
 * <p>
 * Threading: handlers on the event loops; the key store's writes run on a worker.
 */
final class NodeRoutes {
    private static final String ADMIN_ONLY = "only the admin key manages nodes";
    private static final String PUBLIC_KEY = "publicKey is a string: the base64 of the 32-byte raw Ed25519 public "
            + "key or of its 44-byte X.509 SubjectPublicKeyInfo";

    private final KeyStore keys;

    NodeRoutes(final KeyStore keys) {
        this.keys = keys;
    }

    void register(final Router router) {
        router.post("/v1/admin/nodes").handler(this::registerNode);
        router.get("/v1/admin/nodes").handler(this::listNodes);
        router.delete("/v1/admin/nodes/:node").handler(this::revokeNode);
        router.get("/v1/node/client-keys").handler(this::clientKeys);
    }

    /** {@code {"node":"fra-1","publicKey":"<base64>"}}: 201 with the node and its source; 409 if the id was taken. */
    private void registerNode(final RoutingContext ctx) {
        if (!admin(ctx)) {
            return;
        }
        final Object id;
        final Object publicKey;
        try {
            final byte[] body = HttpAnswers.body(ctx);
            final JsonObject request = new JsonObject(body.length == 0 ? "{}"
                    : new String(body, StandardCharsets.UTF_8));
            id = request.getValue("node");
            publicKey = request.getValue("publicKey");
            if (request.size() != 2 || id == null || publicKey == null) {
                HttpAnswers.json(ctx, 400, ApiResponses.error("MALFORMED", "send {\"node\":\"…\",\"publicKey\":\"…\"} "
                        + "and nothing else"));
                return;
            }
        } catch (final RuntimeException e) {
            HttpAnswers.json(ctx, 400, ApiResponses.error("MALFORMED", "not a JSON object"));
            return;
        }
        final String problem = id instanceof String text ? NodeKey.problem(text) : "node is a string: the node's id";
        if (problem != null) {
            HttpAnswers.json(ctx, 400, ApiResponses.error("MALFORMED", problem));
            return;
        }
        if (!(publicKey instanceof String text)) {
            HttpAnswers.json(ctx, 400, ApiResponses.error("MALFORMED", PUBLIC_KEY));
            return;
        }
        final byte[] raw;
        try {
            raw = rawPublicKey(text);
        } catch (final IllegalArgumentException e) {
            HttpAnswers.json(ctx, 400, ApiResponses.error("MALFORMED", e.getMessage()));
            return;
        }
        final String node = (String) id;
        ctx.vertx().executeBlocking(() -> keys.registerNode(node, raw), false).onComplete(result -> {
            if (result.failed() && result.cause() instanceof IllegalStateException e) {
                HttpAnswers.json(ctx, 409, ApiResponses.error("conflict", e.getMessage()));
            } else if (result.failed()) {
                HttpAnswers.json(ctx, 500, ApiResponses.error("node not registered", result.cause().getMessage()));
            } else {
                HttpAnswers.json(ctx, 201, ApiResponses.object(json -> {
                    json.writeStringField("node", node);
                    json.writeStringField("source", result.result().source());
                    json.writeStringField("publicKey", Base64.getEncoder().encodeToString(raw));
                }));
            }
        });
    }

    /** {@code {"nodes":[{"node","source","publicKey","state":"active"|"revoked"},…]}}, by id. */
    private void listNodes(final RoutingContext ctx) {
        if (!admin(ctx)) {
            return;
        }
        final List<NodeKey> nodes = keys.nodes();
        nodes.sort(Comparator.comparing(NodeKey::id));
        HttpAnswers.json(ctx, 200, ApiResponses.object(json -> {
            json.writeArrayFieldStart("nodes");
            for (final NodeKey node : nodes) {
                json.writeStartObject();
                json.writeStringField("node", node.id());
                json.writeStringField("source", node.source());
                json.writeStringField("publicKey", Base64.getEncoder().encodeToString(node.raw()));
                json.writeStringField("state", node.revoked() ? "revoked" : "active");
                json.writeEndObject();
            }
            json.writeEndArray();
        }));
    }

    private void revokeNode(final RoutingContext ctx) {
        if (!admin(ctx)) {
            return;
        }
        final String id = ctx.pathParam("node");
        ctx.vertx().executeBlocking(() -> keys.revokeNode(id), false).onComplete(result -> {
            if (result.failed()) {
                HttpAnswers.json(ctx, 500, ApiResponses.error("node not revoked", result.cause().getMessage()));
            } else if (!result.result()) {
                HttpAnswers.json(ctx, 404, ApiResponses.error("not found", "no node " + id + " that is not revoked"));
            } else {
                HttpAnswers.json(ctx, 200, ApiResponses.object(json -> {
                    json.writeStringField("node", id);
                    json.writeStringField("state", "revoked");
                }));
            }
        });
    }

    /**
     * {@code {"version":W,"keys":[{"keyId","account","publicKey","revoked"},…]}}: the client keys changed after
     * {@code after} (0, or absent: all), oldest change first; {@code W} is the newest version, to ask after next.
     */
    private void clientKeys(final RoutingContext ctx) {
        if (ctx.get(NodeAuthentication.NODE) == null) {
            HttpAnswers.json(ctx, 403, ApiResponses.error("forbidden", "only an edge node (EB-NODE) reads the client "
                    + "keys this way; the admin key lists them at GET /v1/admin/keys"));
            return;
        }
        final List<String> afters = ctx.queryParam("after");
        long after = 0;
        if (afters.size() > 1 || ctx.queryParams().size() > afters.size()) {
            HttpAnswers.json(ctx, 400, ApiResponses.error("MALFORMED", "the only query parameter is after, once"));
            return;
        }
        if (afters.size() == 1) {
            try {
                after = Long.parseLong(afters.getFirst());
            } catch (final NumberFormatException e) {
                after = -1;
            }
            if (after < 0) {
                HttpAnswers.json(ctx, 400, ApiResponses.error("MALFORMED", "after is a version: an integer from 0 to "
                        + Long.MAX_VALUE));
                return;
            }
        }
        final KeyStore.ClientKeyChanges changes = keys.clientKeysAfter(after);
        HttpAnswers.json(ctx, 200, ApiResponses.object(json -> {
            json.writeNumberField("version", changes.version());
            json.writeArrayFieldStart("keys");
            for (final ClientSigningKey key : changes.keys()) {
                json.writeStartObject();
                json.writeStringField("keyId", key.id());
                json.writeStringField("account", key.account());
                json.writeStringField("publicKey", Base64.getEncoder().encodeToString(key.raw()));
                json.writeBooleanField("revoked", key.revoked());
                json.writeEndObject();
            }
            json.writeEndArray();
        }));
    }

    /**
     * The 32 raw bytes of the Ed25519 public key in {@code text} (base64 of the raw bytes or of the X.509 form), a
     * point BouncyCastle verifies with, as the key store will decode it; refused naming {@code publicKey}.
     */
    static byte[] rawPublicKey(final String text) {
        final byte[] raw = TransactionSignature.rawPublicKey("publicKey", text);
        try {
            Ed25519Key.Public.of(raw);
        } catch (final IllegalArgumentException e) {
            throw new IllegalArgumentException("publicKey is not an Ed25519 public key: " + e.getMessage());
        }
        return raw;
    }

    /** Whether the request is the admin key's (a node's or an account's is answered 403). */
    private static boolean admin(final RoutingContext ctx) {
        return HttpAnswers.admin(ctx, ADMIN_ONLY);
    }
}
