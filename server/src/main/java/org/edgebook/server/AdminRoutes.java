package org.edgebook.server;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import org.edgebook.engine.Command;

/**
 * The admin key's routes: markets (assets, instruments), money in and out (deposits, withdrawals, each with its
 * idempotency id) and API keys (made and revoked; revoking ends the key's open WebSockets at once).
 * <p>
 * Threading: handlers on the event loops; the key store's writes run on a worker.
 */
final class AdminRoutes {
    private static final String ADMIN_ONLY = "only the admin key defines markets and moves money in or out";
    private static final String KEYS_ADMIN_ONLY = "only the admin key manages keys";

    private final HttpCommands commands;
    private final KeyStore keys;
    private final Sessions sessions;

    AdminRoutes(final HttpCommands commands, final KeyStore keys, final Sessions sessions) {
        this.commands = commands;
        this.keys = keys;
        this.sessions = sessions;
    }

    void register(final Router router) {
        router.post("/v1/admin/assets").handler(ctx -> command(ctx, "asset"));
        router.post("/v1/admin/instruments").handler(ctx -> command(ctx, "instrument"));
        router.post("/v1/admin/deposits").handler(ctx -> command(ctx, "deposit"));
        router.post("/v1/admin/withdrawals").handler(ctx -> command(ctx, "withdraw"));
        router.post("/v1/admin/keys").handler(this::createKey);
        router.get("/v1/admin/keys").handler(this::listKeys);
        router.delete("/v1/admin/keys/:id").handler(this::revokeKey);
    }

    private void command(final RoutingContext ctx, final String type) {
        if (HttpAnswers.admin(ctx, ADMIN_ONLY)) {
            final Command command = HttpAnswers.decode(ctx, type);
            if (command != null) {
                commands.submitScoped(ctx, command); // a deposit or withdrawal without its id is refused there
            }
        }
    }

    /**
     * {@code {"account":"carol"}} makes a key for carol and answers its id and secret, this once;
     * {@code {"account":"carol","publicKey":"<base64>"}} registers carol's Ed25519 client signing key and answers its
     * id ({@code ck-…}, docs/signing.md).
     */
    private void createKey(final RoutingContext ctx) {
        if (!HttpAnswers.admin(ctx, KEYS_ADMIN_ONLY)) {
            return;
        }
        final String account;
        try {
            final byte[] body = HttpAnswers.body(ctx);
            final JsonObject request = new JsonObject(body.length == 0 ? "{}"
                    : new String(body, StandardCharsets.UTF_8));
            account = request.getValue("account") instanceof String a && !a.isEmpty() ? a : null;
            if (account != null && request.size() == 2 && request.containsKey("publicKey")) {
                registerClientKey(ctx, account, request.getValue("publicKey"));
                return;
            }
            if (account == null || request.size() != 1) {
                HttpAnswers.json(ctx, 400, ApiResponses.error("MALFORMED", "send {\"account\":\"…\"} (an API key) "
                        + "or {\"account\":\"…\",\"publicKey\":\"…\"} (a client signing key) and nothing else"));
                return;
            }
        } catch (final RuntimeException e) {
            HttpAnswers.json(ctx, 400, ApiResponses.error("MALFORMED", "not a JSON object"));
            return;
        }
        if (!HttpAnswers.validName(ctx, "account", account)) {
            return;
        }
        ctx.vertx().executeBlocking(() -> keys.create(account), false).onComplete(result -> {
            if (result.failed()) {
                HttpAnswers.json(ctx, 500, ApiResponses.error("key not created", result.cause().getMessage()));
                return;
            }
            final ApiKey key = result.result();
            HttpAnswers.json(ctx, 200, new JsonObject().put("key", key.id())
                    .put("secret", new String(key.secret(), StandardCharsets.US_ASCII)).put("account", account)
                    .toBuffer());
        });
    }

    private void registerClientKey(final RoutingContext ctx, final String account, final Object publicKey) {
        if (!HttpAnswers.validName(ctx, "account", account)) {
            return;
        }
        if (!(publicKey instanceof String text)) {
            HttpAnswers.json(ctx, 400, ApiResponses.error("MALFORMED", "publicKey is a string: the base64 of the "
                    + "32-byte raw Ed25519 public key or of its 44-byte X.509 SubjectPublicKeyInfo"));
            return;
        }
        final byte[] raw;
        try {
            raw = NodeRoutes.rawPublicKey(text);
        } catch (final IllegalArgumentException e) {
            HttpAnswers.json(ctx, 400, ApiResponses.error("MALFORMED", e.getMessage()));
            return;
        }
        ctx.vertx().executeBlocking(() -> keys.registerClientKey(account, raw), false).onComplete(result -> {
            if (result.failed() && result.cause() instanceof IllegalStateException e) {
                HttpAnswers.json(ctx, 409, ApiResponses.error("conflict", e.getMessage()));
            } else if (result.failed()) {
                HttpAnswers.json(ctx, 500, ApiResponses.error("key not registered", result.cause().getMessage()));
            } else {
                HttpAnswers.json(ctx, 200, ApiResponses.object(json -> {
                    json.writeStringField("key", result.result().id());
                    json.writeStringField("account", account);
                    json.writeStringField("publicKey", Base64.getEncoder().encodeToString(raw));
                }));
            }
        });
    }

    /** The keys, without secrets: API keys (id, account or admin) and client signing keys (id, account, key, state). */
    private void listKeys(final RoutingContext ctx) {
        if (!HttpAnswers.admin(ctx, KEYS_ADMIN_ONLY)) {
            return;
        }
        final List<ApiKey> apiKeys = keys.all();
        apiKeys.sort(Comparator.comparing(ApiKey::id));
        final List<ClientSigningKey> clientKeys = keys.clientKeys();
        clientKeys.sort(Comparator.comparing(ClientSigningKey::id));
        HttpAnswers.json(ctx, 200, ApiResponses.object(json -> {
            json.writeArrayFieldStart("apiKeys");
            for (final ApiKey key : apiKeys) {
                json.writeStartObject();
                json.writeStringField("key", key.id());
                if (key.admin()) {
                    json.writeBooleanField("admin", true);
                } else {
                    json.writeStringField("account", key.account());
                }
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeArrayFieldStart("clientKeys");
            for (final ClientSigningKey key : clientKeys) {
                json.writeStartObject();
                json.writeStringField("key", key.id());
                json.writeStringField("account", key.account());
                json.writeStringField("publicKey", Base64.getEncoder().encodeToString(key.raw()));
                json.writeBooleanField("revoked", key.revoked());
                json.writeEndObject();
            }
            json.writeEndArray();
        }));
    }

    private void revokeKey(final RoutingContext ctx) {
        if (!HttpAnswers.admin(ctx, KEYS_ADMIN_ONLY)) {
            return;
        }
        final String id = ctx.pathParam("id");
        if (id.equals(((ApiKey) ctx.get("key")).id())) {
            HttpAnswers.json(ctx, 409, ApiResponses.error("conflict", "the admin key cannot revoke itself"));
            return;
        }
        if (id.startsWith("ck-")) {
            ctx.vertx().executeBlocking(() -> keys.revokeClientKey(id), false).onComplete(result -> {
                if (result.failed()) {
                    HttpAnswers.json(ctx, 500, ApiResponses.error("key not revoked", result.cause().getMessage()));
                } else if (!result.result()) {
                    HttpAnswers.json(ctx, 404, ApiResponses.error("not found", "no client key " + id
                            + " that is not revoked"));
                } else {
                    HttpAnswers.json(ctx, 200, new JsonObject().put("revoked", true).toBuffer());
                }
            });
            return;
        }
        ctx.vertx().executeBlocking(() -> keys.revoke(id), false).onComplete(result -> {
            if (result.failed()) {
                HttpAnswers.json(ctx, 500, ApiResponses.error("key not revoked", result.cause().getMessage()));
            } else if (!result.result()) {
                HttpAnswers.json(ctx, 404, ApiResponses.error("not found", "no key " + id));
            } else {
                sessions.revoked(id); // its open WebSockets end now, not at their next message
                HttpAnswers.json(ctx, 200, new JsonObject().put("revoked", true).toBuffer());
            }
        });
    }
}
