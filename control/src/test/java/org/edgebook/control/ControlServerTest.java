package org.edgebook.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.edgebook.control.modules.DesiredStateSource;
import org.edgebook.control.store.Database;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The seams other areas use: an area installed before the server listens gets its routes behind the right
 * authentication and the context; the desired state's source answers heartbeats, {@code GET /v1/node/desired} and the
 * node's detail (desired routes and drift).
 */
class ControlServerTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void areasAndTheDesiredStateSourcePlugIn(final Database.Kind kind) throws Exception {
        final Control.Store store = Control.Store.fresh(kind, dir);
        final AtomicLong clock = new AtomicLong(System.currentTimeMillis());
        final ControlServer server = ControlServer.open(store.config(), clock::get);
        final ControlContext context = server.context();
        assertThat(context.database().kind()).isEqualTo(kind);
        assertThat(context.fleet()).isSameAs(server.fleetView());
        server.install(routing -> {
            routing.operator(HttpMethod.GET, "/v1/groups", ctx -> ControlJson.answer(ctx, 200, ControlJson.object(
                    json -> json.writeStringField("operator", ctx.get(ControlRouting.OPERATOR)))));
            routing.node(HttpMethod.GET, "/v1/node/modules/:sha256", ctx -> ControlJson.answer(ctx, 200, ControlJson
                    .object(json -> json.writeStringField("node", ctx.get(ControlRouting.NODE)))));
        });
        final byte[] desired = ("{\"hash\":\"h1\",\"routes\":[{\"path\":\"/wasm/transform\",\"module\":\"transform\","
                + "\"version\":\"1.3.0\"},{\"path\":\"/wasm/other\",\"module\":\"other\",\"version\":\"2.0.0\"}],"
                + "\"publishers\":[]}").getBytes(StandardCharsets.UTF_8);
        server.desiredState((id, labels) -> "edge".equals(labels.get("tier")) ? new DesiredStateSource.Desired("h1",
                desired) : DesiredStateSource.NONE);
        server.start();
        try (Control c = Control.attach(store, clock, server)) {
            assertThatThrownBy(() -> server.install(routing -> {})).isInstanceOf(IllegalStateException.class);
            assertThat(c.json(c.operator("GET", "/v1/groups", null), 200).getString("operator"))
                    .isEqualTo(c.operator.id());
            final Control.Node edge = c.enroll(c.token("{\"labels\":{\"tier\":\"edge\"}}"), null, null);
            final Control.Node core = c.enroll(c.token(null), null, null);
            assertThat(c.json(edge.send("GET", "/v1/node/modules/ab", null), 200).getString("node"))
                    .isEqualTo(edge.id);
            assertThat(c.operator("GET", "/v1/node/modules/ab", null).statusCode()).isEqualTo(401);

            assertThat(edge.heartbeat("transform", "1.2.0").getString("desired")).isEqualTo("h1");
            assertThat(core.heartbeat("transform", "1.2.0").getString("desired")).isEmpty();
            assertThat(edge.send("GET", "/v1/node/desired", null).body()).isEqualTo(new String(desired,
                    StandardCharsets.UTF_8));
            Control.await("the heartbeat reached the fleet", () -> c.server.fleet().node(edge.id).last() != null);
            final JsonObject detail = c.json(c.operator("GET", "/v1/nodes/" + edge.id, null), 200);
            assertThat(detail.getJsonArray("desired")).hasSize(2);
            assertThat(detail.getJsonArray("drift").stream().map(o -> ((JsonObject) o).getString("path")))
                    .containsExactly("/wasm/transform", "/wasm/other");
            edge.heartbeat("transform", "1.3.0");
            Control.await("the second heartbeat", () -> c.server.fleet().node(edge.id).last().seq() == 2);
            final JsonObject after = c.json(c.operator("GET", "/v1/nodes/" + edge.id, null), 200);
            assertThat(after.getJsonArray("drift").stream().map(o -> ((JsonObject) o).getString("path")))
                    .containsExactly("/wasm/other");
        }
    }
}
