package org.edgebook.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.edgebook.control.fleet.Heartbeat;
import org.edgebook.control.store.Database;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The heartbeat's limits (docs/control-plane.md section 4), over HTTP on both stores: 64 routes, 3 samples per shadow
 * of at most 1 KiB each, 64 KiB in all; a refusal names the field and changes nothing. A heartbeat at the limits is
 * kept whole through a restart (the store's text of it may be longer than the body was).
 */
class HeartbeatLimitsTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void aHeartbeatAtTheLimitsIsTakenAndKeptAndOneOverIsRefusedByName(final Database.Kind kind) throws Exception {
        final Control.Store store = Control.Store.fresh(kind, dir);
        final AtomicLong clock = new AtomicLong(System.currentTimeMillis());
        final String id;
        final JsonObject full = heartbeat(64, 3, 1024);
        assertThat(full.encode().length()).isLessThan(64 * 1024);
        try (Control c = Control.start(store, clock, x -> x)) {
            final Control.Node node = c.enroll(c.token(null), null, null);
            id = node.id;
            final Map<String, String> over = new LinkedHashMap<>();
            over.put(heartbeat(65, 0, 0).encode(), "routes holds more than 64");
            over.put(heartbeat(1, 4, 10).encode(), "routes[0].shadow.samples holds more than 3");
            over.put(heartbeat(1, 1, 1025).encode(), "routes[0].shadow.samples[0].request is 1025 characters");
            over.put(new JsonObject().put("health", "sleepy").encode(), "health");
            over.put(new JsonObject().put("seq", "7").encode(), "seq is a whole number");
            over.put("[]", "JSON object");
            for (final Map.Entry<String, String> o : over.entrySet()) {
                final HttpResponse<String> r = node.send("POST", "/v1/node/heartbeat", o.getKey());
                assertThat(r.statusCode()).as(o.getValue()).isEqualTo(400);
                assertThat(new JsonObject(r.body()).getString("message")).contains(o.getValue());
            }
            assertThat(node.send("POST", "/v1/node/heartbeat", "{\"pad\":\"" + "x".repeat(64 * 1024) + "\"}")
                    .statusCode()).isEqualTo(413);
            assertThat(c.server.fleet().node(id).last()).isNull(); // nothing taken
            assertThat(node.send("POST", "/v1/node/heartbeat", full.encode()).statusCode()).isEqualTo(200);
            Control.await("the heartbeat", () -> c.server.fleet().node(id).last() != null);
        }
        try (Control c = Control.start(store, clock, x -> x)) {
            final Heartbeat kept = c.server.fleet().node(id).last();
            assertThat(kept.routes()).hasSize(64);
            assertThat(kept.routes().getFirst().shadow().samples()).hasSize(3);
            assertThat(kept.routes().getFirst().shadow().samples().getFirst().request()).hasSize(1024);
            assertThat(kept.seq()).isEqualTo(9);
        }
    }

    /** A heartbeat of {@code routes} routes, the first with a shadow of {@code samples} samples of {@code chars}. */
    private static JsonObject heartbeat(final int routes, final int samples, final int chars) {
        final JsonArray list = new JsonArray();
        for (int i = 0; i < routes; i++) {
            final JsonObject route = new JsonObject().put("path", "/r" + i).put("module", "m").put("version", "1")
                    .put("sha256", "ab").put("requests", 1).put("errors", 0).put("p50Micros", 1)
                    .put("p99Micros", 2);
            if (i == 0 && samples > 0) {
                final JsonArray s = new JsonArray();
                for (int k = 0; k < samples; k++) {
                    s.add(new JsonObject().put("request", "q".repeat(chars)).put("served", "a".repeat(Math.min(chars,
                            1024))).put("shadow", "b".repeat(Math.min(chars, 1024))));
                }
                route.put("shadow", new JsonObject().put("module", "m").put("version", "2").put("sha256", "cd")
                        .put("compared", 10).put("mismatches", 3).put("samples", s));
            }
            list.add(route);
        }
        return new JsonObject().put("seq", 9).put("health", "degraded").put("routes", list);
    }
}
