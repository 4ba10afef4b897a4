package org.edgebook.edge.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.edgebook.edge.Shadow;
import org.junit.jupiter.api.Test;

class HeartbeatJsonTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Heartbeat.Telemetry TELEMETRY = new Heartbeat.Telemetry(1200, 4, 35, 41_000_000, 0);

    private static Heartbeat heartbeat(final List<Heartbeat.RouteReport> routes,
                                       final List<DesiredStateApplier.LoadFailure> failures) {
        return new Heartbeat(17, "edgebook-edge/0.1.0", Map.of("edgebook", "0.1.0", "runtime", "chicory-1.7.5"),
                Heartbeat.OK, "abc", routes, failures, TELEMETRY);
    }

    @Test
    void writesTheContractsFields() throws Exception {
        final Heartbeat.ShadowReport shadow = new Heartbeat.ShadowReport("transform", "1.3.0", "b".repeat(64), 300,
                2, List.of(new Shadow.Sample("{\"a\":\"\u00e9\"}", "200 {}", "500 trap")));
        final JsonNode h = JSON.readTree(HeartbeatJson.write(heartbeat(List.of(new Heartbeat.RouteReport(
                "/wasm/transform", "transform", "1.2.0", "a".repeat(64), 1200, 3, 800, 4200, shadow),
                new Heartbeat.RouteReport("/native/x", "native:x", "", "", 0, 0, 0, 0, null)), List.of(
                        new DesiredStateApplier.LoadFailure("/wasm/transform", "c".repeat(64),
                                "signature: untrusted key pk-9")))));
        assertThat(h.path("seq").asLong()).isEqualTo(17);
        assertThat(h.path("versions").path("runtime").asText()).isEqualTo("chicory-1.7.5");
        assertThat(h.path("health").asText()).isEqualTo("ok");
        assertThat(h.path("applied").asText()).isEqualTo("abc");
        final JsonNode route = h.path("routes").get(0);
        assertThat(route.path("p99Micros").asLong()).isEqualTo(4200);
        assertThat(route.path("errors").asLong()).isEqualTo(3);
        assertThat(route.path("shadow").path("mismatches").asLong()).isEqualTo(2);
        assertThat(route.path("shadow").path("samples").get(0).path("request").asText()).isEqualTo(
                "{\"a\":\"\u00e9\"}");
        assertThat(h.path("routes").get(1).has("shadow")).isFalse();
        assertThat(h.path("loadFailures").get(0).path("reason").asText()).isEqualTo("signature: untrusted key pk-9");
        assertThat(h.path("telemetry").path("forwardLagMillis").asLong()).isEqualTo(35);
        assertThat(h.path("telemetry").path("rssBytes").isIntegralNumber()).isTrue();
    }

    @Test
    void keepsToSixtyFourRoutesAndSixtyFourKibibytes() throws Exception {
        final List<Heartbeat.RouteReport> routes = new ArrayList<>();
        final String kib = "x".repeat(1000);
        for (int i = 0; i < 100; i++) {
            routes.add(new Heartbeat.RouteReport("/wasm/r" + i, "m", "1", "a".repeat(64), 1, 0, 1, 1,
                    new Heartbeat.ShadowReport("m", "2", "b".repeat(64), 1, 1, List.of(new Shadow.Sample(kib, kib,
                            kib)))));
        }
        final List<DesiredStateApplier.LoadFailure> failures = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            failures.add(new DesiredStateApplier.LoadFailure("/wasm/r" + i, "c".repeat(64), "signature: unsigned"));
        }
        final byte[] bytes = HeartbeatJson.write(heartbeat(routes, failures));
        assertThat(bytes.length).isLessThanOrEqualTo(HeartbeatJson.MAX_BYTES);
        final JsonNode h = JSON.readTree(bytes);
        assertThat(h.path("routes")).hasSize(HeartbeatJson.MAX_ROUTES);
        assertThat(h.path("routes").get(0).path("shadow").path("samples")).isEmpty();
        assertThat(h.path("loadFailures")).hasSize(HeartbeatJson.MAX_FAILURES_WHEN_CUT);
    }
}
