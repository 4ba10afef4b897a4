package org.edgebook.control.modules;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.edgebook.control.ControlArea;
import org.edgebook.control.ControlJson;
import org.edgebook.control.ControlRouting;
import org.edgebook.control.store.Database;
import org.edgebook.control.store.Records;

/**
 * The routes of modules, publishers and groups, and a node's download of module bytes (docs/control-plane.md section
 * 6; {@code GET /v1/node/desired} is the fleet's, which asks {@link DesiredStates}). Handlers are thin:
 * the body is read and the store is written on a worker thread, in one transaction with the audit record of the
 * operator's action ({@link Records#audit}); after a change is committed the desired states are reloaded. A refusal
 * answers {@code {"error","message"}} with its status, and changes nothing.
 * <p>
 * Threading: handlers run on the event loops and never block them; store work runs on Vert.x workers.
 */
public final class ModuleArea implements ControlArea {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final int DEFAULT_PAGE = 100;
    /** SQLSTATE of a unique constraint's violation, on H2 and PostgreSQL alike. */
    private static final String UNIQUE_VIOLATION = "23505";
    private static final int MAX_PAGE = 1000;

    private final Database db;
    private final Modules modules;
    private final LongSupplier clock;
    private final ModuleBytesCache bytes = new ModuleBytesCache(64L << 20);

    public ModuleArea(final Database db, final Modules modules, final LongSupplier clock) {
        this.db = db;
        this.modules = modules;
        this.clock = clock;
    }

    /** What a handler answers. */
    private record Answer(int status, byte[] body, String contentType) {
        static Answer json(final int status, final byte[] body) {
            return new Answer(status, body, "application/json");
        }
    }

    /** Work in one transaction that may change what nodes should run. */
    @FunctionalInterface
    private interface Change {
        Answer run(Connection c, Map<String, Object> body, long now, String operator) throws SQLException;
    }

    @Override
    public void install(final ControlRouting routing) {
        routing.operator(HttpMethod.POST, "/v1/publishers", ctx -> change(ctx, (c, body, now, op) -> {
            JsonBody.only(body, "", Set.of("publisher", "publicKey"));
            final PublisherKey k = modules.keys().create(c, JsonBody.string(body, "publisher", "publisher", true),
                    JsonBody.string(body, "publicKey", "publicKey", true), now);
            Records.audit(c, now, op, "publisher.create", k.publisher(), keyDetail(k));
            return Answer.json(201, ControlJson.object(json -> ModuleJson.key(json, k)));
        }));
        routing.operator(HttpMethod.GET, "/v1/publishers", ctx -> read(ctx, () -> {
            final List<PublisherKey> keys = db.inTransaction(c -> modules.keys().list(c));
            return Answer.json(200, ControlJson.object(json -> {
                json.writeArrayFieldStart("publishers");
                for (final PublisherKey k : keys) {
                    json.writeStartObject();
                    ModuleJson.key(json, k);
                    json.writeEndObject();
                }
                json.writeEndArray();
            }));
        }));
        routing.operator(HttpMethod.POST, "/v1/publishers/:publisher/keys", ctx -> change(ctx, (c, body, now,
                                                                                                op) -> {
            JsonBody.only(body, "", Set.of("publicKey", "endorsedBy", "endorsement"));
            final PublisherKey k = modules.keys().rotate(c, ctx.pathParam("publisher"), JsonBody.string(body,
                    "publicKey", "publicKey", true), JsonBody.string(body, "endorsedBy", "endorsedBy", false),
                    JsonBody.string(body, "endorsement", "endorsement", false), now);
            Records.audit(c, now, op, "publisher.key.add", k.publisher(), keyDetail(k));
            return Answer.json(201, ControlJson.object(json -> ModuleJson.key(json, k)));
        }));
        routing.operator(HttpMethod.DELETE, "/v1/publishers/:publisher/keys/:keyId", ctx -> change(ctx, (c, body,
                                                                                                         now, op) -> {
            final PublisherKey k = modules.keys().revoke(c, ctx.pathParam("publisher"), ctx.pathParam("keyId"), now);
            Records.audit(c, now, op, "publisher.key.revoke", k.publisher(), keyDetail(k));
            return Answer.json(200, ControlJson.object(json -> ModuleJson.key(json, k)));
        }));
        routing.operator(HttpMethod.POST, "/v1/modules", ctx -> change(ctx, (c, body, now, op) -> {
            final ModuleRegistry.Uploaded up = modules.registry().upload(c, body, now);
            final ModuleVersion m = up.module();
            Records.audit(c, now, op, "module.upload", m.manifest().ref(), ControlJson.text(json -> {
                json.writeStringField("sha256", m.sha256());
                json.writeStringField("keyId", m.keyId());
                json.writeNumberField("size", m.size());
                json.writeBooleanField("created", up.created());
            }));
            return Answer.json(up.created() ? 201 : 200, ControlJson.object(json -> {
                json.writeStringField("name", m.name());
                json.writeStringField("version", m.version());
                json.writeStringField("sha256", m.sha256());
                json.writeNumberField("size", m.size());
                json.writeStringField("keyId", m.keyId());
            }));
        }));
        routing.operator(HttpMethod.GET, "/v1/modules", ctx -> read(ctx, () -> {
            final List<ModuleVersion> all = db.inTransaction(c -> modules.registry().list(c));
            return Answer.json(200, ControlJson.object(json -> {
                json.writeArrayFieldStart("modules");
                for (final ModuleVersion m : all) {
                    json.writeStartObject();
                    ModuleJson.module(json, m);
                    json.writeEndObject();
                }
                json.writeEndArray();
            }));
        }));
        routing.operator(HttpMethod.GET, "/v1/modules/:name/:version", ctx -> read(ctx, () -> {
            final String name = ctx.pathParam("name");
            final String version = ctx.pathParam("version");
            final ModuleVersion m = db.inTransaction(c -> modules.registry().find(c, name, version));
            if (m == null) {
                throw new Refusal(404, "module_unknown", "no module " + Manifest.clip(name) + "@" + Manifest.clip(
                        version));
            }
            return Answer.json(200, ControlJson.object(json -> ModuleJson.module(json, m)));
        }));
        routing.operator(HttpMethod.PUT, "/v1/groups/:name", ctx -> change(ctx, (c, body, now, op) -> {
            final String moving = modules.desired().overrides().movingGroup(ctx.pathParam("name"));
            if (moving != null) {
                throw new Refusal(409, "rollout_active", "rollout " + moving + " is moving group " + ctx.pathParam(
                        "name") + "; pause and roll it back or abort it, or let it complete, before changing the "
                        + "group");
            }
            final Group g = modules.groups().put(c, ctx.pathParam("name"), body, now);
            final byte[] answer = ControlJson.object(json -> ModuleJson.group(json, g));
            Records.audit(c, now, op, "group.put", g.name(), new String(answer,
                    java.nio.charset.StandardCharsets.UTF_8));
            return Answer.json(200, answer);
        }));
        routing.operator(HttpMethod.GET, "/v1/groups", ctx -> read(ctx, () -> {
            final List<Group> groups = modules.desired().groups();
            final Map<String, int[]> counts = modules.drift().counts();
            return Answer.json(200, ControlJson.object(json -> {
                json.writeArrayFieldStart("groups");
                for (final Group g : groups) {
                    final int[] n = counts.getOrDefault(g.name(), new int[3]);
                    json.writeStartObject();
                    ModuleJson.group(json, g);
                    json.writeNumberField("nodes", n[0]);
                    json.writeNumberField("inSync", n[1]);
                    json.writeNumberField("drifted", n[2]);
                    json.writeEndObject();
                }
                json.writeEndArray();
            }));
        }));
        routing.operator(HttpMethod.GET, "/v1/groups/:name", ctx -> read(ctx, () -> {
            final String name = ctx.pathParam("name");
            final Group g = modules.desired().group(name);
            if (g == null) {
                throw new Refusal(404, "group_unknown", "no group " + Manifest.clip(name));
            }
            final int limit = limit(ctx);
            final Drift.GroupDrift d = modules.drift().group(name, limit, ctx.queryParams().get("after"));
            return Answer.json(200, ControlJson.object(json -> {
                ModuleJson.group(json, g);
                json.writeNumberField("nodes", d.nodes());
                json.writeNumberField("inSync", d.inSync());
                json.writeNumberField("drifted", d.drifted());
                json.writeArrayFieldStart("driftedNodes");
                for (final Drift.NodeDrift n : d.page()) {
                    json.writeStartObject();
                    json.writeStringField("id", n.nodeId());
                    ModuleJson.nodeDrift(json, n);
                    json.writeEndObject();
                }
                json.writeEndArray();
                json.writeStringField("next", d.next());
            }));
        }));
        routing.node(HttpMethod.GET, "/v1/node/modules/:sha256", ctx -> read(ctx, () -> {
            final String sha256 = ctx.pathParam("sha256");
            if (!SHA256.matcher(sha256).matches()) {
                throw Refusal.malformed("sha256", "64 lower-case hex digits");
            }
            byte[] module = bytes.get(sha256);
            if (module == null) {
                module = db.inTransaction(c -> modules.registry().bytes(c, sha256));
                if (module == null) {
                    throw new Refusal(404, "module_unknown", "no module with SHA-256 " + sha256);
                }
                bytes.put(sha256, module);
            }
            return new Answer(200, module, "application/wasm");
        }));
    }

    private void change(final RoutingContext ctx, final Change change) {
        final String operator = ctx.get(ControlRouting.OPERATOR);
        final byte[] raw = ctx.body() == null || ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer()
                .getBytes();
        read(ctx, () -> {
            final Map<String, Object> body = raw.length == 0 ? new LinkedHashMap<>() : JsonBody.object(raw);
            final Answer answer = db.inTransaction(c -> change.run(c, body, clock.getAsLong(), operator));
            modules.desired().reload();
            return answer;
        });
    }

    private void read(final RoutingContext ctx, final Callable<Answer> work) {
        ctx.vertx().executeBlocking(work, false).onComplete(result -> {
            if (result.succeeded()) {
                respond(ctx, result.result());
            } else if (result.cause() instanceof Refusal r) {
                respond(ctx, Answer.json(r.status(), ControlJson.error(r.code(), r.getMessage())));
            } else if (result.cause() instanceof SQLException e && UNIQUE_VIOLATION.equals(e.getSQLState())) {
                respond(ctx, Answer.json(409, ControlJson.error("conflict", "a concurrent request added the same "
                        + "publisher, key or module version; nothing of this one was kept: send it again")));
            } else {
                respond(ctx, Answer.json(500, ControlJson.error("internal", String.valueOf(result.cause()
                        .getMessage()))));
            }
        });
    }

    private static void respond(final RoutingContext ctx, final Answer a) {
        if (!ctx.response().ended()) {
            ctx.response().setStatusCode(a.status()).putHeader("content-type", a.contentType()).end(Buffer.buffer(
                    a.body()));
        }
    }

    private static int limit(final RoutingContext ctx) {
        final String given = ctx.queryParams().get("limit");
        if (given == null) {
            return DEFAULT_PAGE;
        }
        try {
            final int n = Integer.parseInt(given);
            if (n >= 1 && n <= MAX_PAGE) {
                return n;
            }
        } catch (final NumberFormatException e) {
            // refused below
        }
        throw Refusal.malformed("limit", "an integer from 1 to " + MAX_PAGE + ", not '" + Manifest.clip(given) + "'");
    }

    private static String keyDetail(final PublisherKey k) {
        return ControlJson.text(json -> {
            json.writeStringField("keyId", k.keyId());
            json.writeStringField("publicKey", k.publicKey());
            json.writeStringField("state", k.state());
            json.writeStringField("endorsedBy", k.endorsedBy());
        });
    }
}
