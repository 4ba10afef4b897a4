package org.edgebook.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.edgebook.guests.Guests;
import org.edgebook.sandbox.Convention;
import org.edgebook.sandbox.ExecutionMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EdgeNodeTest {
    static final String TRANSFORM = """
        {"user_id":"u-1","events":[{"event_type":"click","timestamp":"2026-11-22T10:00:00.250+01:00",\
        "payload":{"x":1}}],"metadata":{"source":"web","trace_id":"t-9"}}""";
    static final String TELEMETRY = """
        [{"node_id":"a","transaction_count":10,"latency_ms":84.5,"error_rate":0.002,"timestamp":1795338000000},\
        {"node_id":"a","transaction_count":10,"latency_ms":400,"error_rate":0.2,"timestamp":1795338000000}]""";

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(
            Duration.ofSeconds(5)).build();
    private final List<String> guestLines = new CopyOnWriteArrayList<>();
    private EdgeNode node;

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    private EdgeNode start(final EdgeConfig config) throws IOException {
        node = EdgeNode.start(config.withPort(0), () -> 1_795_338_000_250L,
                (fn, sha, id, text) -> guestLines.add(id + " " + text), 2);
        return node;
    }

    HttpResponse<String> post(final String path, final String body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(final String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void bundledRoutesServeNativeAndWasmWithTheSameAnswer() throws Exception {
        start(EdgeConfig.defaults("127.0.0.1", 0));
        final HttpResponse<String> nativeAnswer = post("/native/transform", TRANSFORM);
        final HttpResponse<String> wasmAnswer = post("/wasm/transform", TRANSFORM);
        assertThat(nativeAnswer.statusCode()).isEqualTo(200);
        assertThat(nativeAnswer.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(nativeAnswer.body()).startsWith("{\"user_id\":\"u-1\",\"processed_events\":[{\"event_type\":"
                + "\"click\",\"normalized_timestamp\":1795338000250,\"hash\":\"").endsWith("\"trace_id\":\"t-9\"}");
        assertThat(wasmAnswer.statusCode()).isEqualTo(200);
        assertThat(wasmAnswer.body()).isEqualTo(nativeAnswer.body());

        final HttpResponse<String> nativeScore = post("/native/telemetry", TELEMETRY);
        assertThat(nativeScore.body()).isEqualTo(post("/wasm/telemetry", TELEMETRY).body());
        assertThat(nativeScore.body()).contains("\"should_alert\":true", "\"processed_timestamp\":1795338000250");
    }

    /** The screening function is not on a default route, but a config can route it like any other function. */
    @Test
    void theScreeningFunctionCanBeRoutedByConfig() throws Exception {
        start(new EdgeConfig("127.0.0.1", 0, EdgeConfig.DEFAULT_MAX_BODY_BYTES, List.of(
                EdgeConfig.Route.ofNative("/native/screening", "screening"),
                EdgeConfig.Route.ofWasm("/wasm/screening", "bundled:" + Guests.SCREENING_MEMORY, Convention.MEMORY)
                        .withLimits(EdgeConfig.BUNDLED_LIMITS)),
                Path.of(".")));
        final String body = "{\"tx\":{\"type\":\"transfer\",\"account\":\"alice\",\"transferId\":\"t-1\","
                + "\"asset\":\"USD\",\"to\":\"bob\",\"amount\":\"9000\"},\"activity\":{\"lastMinute\":{},"
                + "\"lastHour\":{}},\"config\":{\"holdScore\":400,\"rejectScore\":800,\"assets\":{\"USD\":"
                + "{\"decimals\":2,\"maxAmount\":\"10000\",\"maxCountMinute\":5,\"maxAmountMinute\":\"20000\","
                + "\"maxCountHour\":20,\"maxAmountHour\":\"50000\"}}}}";
        final HttpResponse<String> nativeAnswer = post("/native/screening", body);
        assertThat(nativeAnswer.statusCode()).isEqualTo(200);
        assertThat(nativeAnswer.body()).isEqualTo("{\"decision\":\"accept\",\"score\":120}");
        assertThat(post("/wasm/screening", body).body()).isEqualTo(nativeAnswer.body());
    }

    @Test
    void wrongMethodIsRefusedWithAllow() throws Exception {
        start(EdgeConfig.defaults("127.0.0.1", 0));
        for (final String path : List.of("/native/transform", "/wasm/transform")) {
            final HttpResponse<String> r = get(path);
            assertThat(r.statusCode()).isEqualTo(405);
            assertThat(r.headers().firstValue("allow")).hasValue("POST");
            assertThat(r.body()).contains("\"error\":\"method_not_allowed\"");
        }
    }

    @Test
    void bodyOverOneMebibyteIsRefused() throws Exception {
        start(EdgeConfig.defaults("127.0.0.1", 0));
        final String big = "{\"user_id\":\"" + "x".repeat(1 << 20) + "\"}";
        for (final String path : List.of("/native/transform", "/wasm/transform")) {
            final HttpResponse<String> r = post(path, big);
            assertThat(r.statusCode()).isEqualTo(413);
            assertThat(r.body()).contains("\"error\":\"body_too_large\"");
        }
        assertThat(post("/native/transform", TRANSFORM).statusCode()).isEqualTo(200);
    }

    @Test
    void badInputGetsTheDocumentedErrors() throws Exception {
        start(EdgeConfig.defaults("127.0.0.1", 0));
        for (final String path : List.of("/native/transform", "/wasm/transform")) {
            final HttpResponse<String> syntax = post(path, "{\"user_id\":\"u\",");
            assertThat(syntax.statusCode()).isEqualTo(400);
            assertThat(syntax.body()).isEqualTo(
                    "{\"error\":\"invalid_json\",\"message\":\"invalid JSON at byte 15: unexpected end of input\"}");
            final HttpResponse<String> missing = post(path, "{\"user_id\":\"u\",\"events\":[{\"event_type\":\"a\","
                    + "\"payload\":1}],\"metadata\":{\"trace_id\":\"t\"}}");
            assertThat(missing.statusCode()).isEqualTo(400);
            assertThat(missing.body()).contains("events[0].timestamp: missing");
            final HttpResponse<String> empty = post(path, "{\"user_id\":\"u\",\"events\":[{\"event_type\":\"a\","
                    + "\"timestamp\":0,\"payload\":1},{\"event_type\":\"\",\"timestamp\":0,\"payload\":1}],"
                    + "\"metadata\":{\"trace_id\":\"t\"}}");
            assertThat(empty.statusCode()).isEqualTo(422);
            assertThat(empty.body()).isEqualTo(
                    "{\"error\":\"invalid_event\",\"message\":\"events[1].event_type: must not be empty\"}");
        }
        assertThat(post("/nowhere", "{}").statusCode()).isEqualTo(404);
    }

    @Test
    void everyResponseCarriesARequestId() throws Exception {
        start(EdgeConfig.defaults("127.0.0.1", 0));
        final HttpResponse<String> generated = post("/wasm/transform", TRANSFORM);
        assertThat(generated.headers().firstValue(EdgeNode.REQUEST_ID)).hasValueSatisfying(id -> assertThat(id)
                .matches("[0-9a-f]{16}"));
        final HttpResponse<String> given = client.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + node.port() + "/wasm/transform"))
                .header(EdgeNode.REQUEST_ID, "abc-123").POST(HttpRequest.BodyPublishers.ofString("nope")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(given.headers().firstValue(EdgeNode.REQUEST_ID)).hasValue("abc-123");
        assertThat(get("/health").headers().firstValue(EdgeNode.REQUEST_ID)).isPresent();
    }

    @Test
    void healthAndMetricsReportTheRoutes() throws Exception {
        start(EdgeConfig.defaults("127.0.0.1", 0));
        post("/wasm/transform", TRANSFORM);
        post("/wasm/transform", "[");
        post("/native/transform", TRANSFORM);
        assertThat(get("/health").body()).isEqualTo("{\"status\":\"up\",\"routes\":4,\"unavailable\":[]}");
        final String metrics = get("/metrics").body();
        assertThat(metrics)
                .contains("edge_requests_total{kind=\"wasm\",route=\"/wasm/transform\",status=\"200\"} 1.0")
                .contains("edge_requests_total{kind=\"wasm\",route=\"/wasm/transform\",status=\"400\"} 1.0")
                .contains("edge_requests_total{kind=\"native\",route=\"/native/transform\",status=\"200\"} 1.0")
                .contains("edge_errors_total{error=\"invalid_request\",route=\"/wasm/transform\"} 1.0")
                .contains("edge_request_seconds_bucket{kind=\"wasm\",route=\"/wasm/transform\"")
                .contains("edge_instantiations_total{route=\"/wasm/transform\"} 2.0")
                .contains("edge_queue_depth{route=\"/wasm/transform\"} 0.0")
                .contains("edge_instances{route=\"/wasm/telemetry\"} 0.0");
    }

    @Test
    void rejectedModuleMakesOnlyItsRouteUnavailable() throws Exception {
        Files.write(dir.resolve("bad.wasm"), Guests.read("wrong-export.wasm"));
        start(new EdgeConfig("127.0.0.1", 0, 1 << 20, List.of(
                EdgeConfig.Route.ofNative("/native/transform", "transform"),
                EdgeConfig.Route.ofWasm("/bad", "bad.wasm", Convention.MEMORY)), dir));
        final HttpResponse<String> bad = post("/bad", TRANSFORM);
        assertThat(bad.statusCode()).isEqualTo(500);
        assertThat(bad.body()).contains("\"error\":\"module_rejected\"", "does not export edge_handle");
        assertThat(post("/native/transform", TRANSFORM).statusCode()).isEqualTo(200);
        assertThat(get("/health").body()).contains("\"status\":\"degraded\"", "\"/bad\"");
    }

    @Test
    void configFileMistakesAreReportedInOneLine() throws Exception {
        final Path file = dir.resolve("edge.json");
        Files.writeString(file, "{\"routes\":[{\"path\":\"/x\",\"native\":\"nope\"}]}");
        assertThatThrownBy(() -> start(EdgeConfig.read(file)))
                .hasMessageContaining("no native function named nope").hasMessageContaining("transform");
        Files.writeString(file, "{\"routes\":[{\"path\":\"/x\",\"modul\":\"a.wasm\"}]}");
        assertThatThrownBy(() -> EdgeConfig.read(file)).hasMessageContaining("modul").hasMessageContaining("edge.json");
        Files.writeString(file, "{\"routes\":[{\"path\":\"/x\",\"module\":\"a.wasm\"}]}");
        assertThatThrownBy(() -> EdgeConfig.read(file)).hasMessageContaining("needs a convention");
        Files.writeString(file, "{\"routes\":[{\"path\":\"/x\",\"native\":\"transform\"},"
                + "{\"path\":\"/x\",\"native\":\"telemetry\"}]}");
        assertThatThrownBy(() -> EdgeConfig.read(file)).hasMessageContaining("route /x appears twice");
        Files.writeString(file, "{\"routes\":[{\"path\":\"/metrics\",\"native\":\"transform\"}]}");
        assertThatThrownBy(() -> EdgeConfig.read(file)).hasMessageContaining("/metrics is the node's own");
        Files.writeString(file, "{\"routes\":[{\"path\":\"/x\",\"module\":\"a.wasm\",\"convention\":\"memory\","
                + "\"limits\":{\"memoryPages\":0}}]}");
        assertThatThrownBy(() -> EdgeConfig.read(file)).hasMessageContaining("route /x: memoryPages must be");
    }

    @Test
    void configFileSetsLimitsAndGrants() throws Exception {
        Files.write(dir.resolve("probe.wasm"), Guests.read("probe-wagi.wasm"));
        final Path file = dir.resolve("edge.json");
        Files.writeString(file, """
            {"routes": [{"path": "/probe", "module": "probe.wasm", "convention": "wagi", "mode": "interpreted",
              "limits": {"memoryPages": 64, "deadlineMs": 500}, "env": {"REGION": "fra"}}]}""");
        final EdgeConfig config = EdgeConfig.read(file);
        assertThat(config.routes().getFirst().mode()).isEqualTo(ExecutionMode.INTERPRETED);
        assertThat(config.routes().getFirst().limits().toLimits().memoryPages()).isEqualTo(64);
        start(config);
        final HttpResponse<String> r = post("/probe?q=1", "abc");
        assertThat(r.body()).contains("\"REGION\":\"fra\"", "\"QUERY_STRING\":\"q=1\"", "\"PATH_INFO\":\"/probe\"",
                "\"X_REQUEST_TIME_MS\":\"1795338000250\"", "\"stdin_length\":3", "\"etc_passwd_opened\":false");
    }

    @Test
    void routesWhoseGuestMemoryCannotFitTheBudgetAreRefused() throws Exception {
        final Path file = dir.resolve("edge.json");
        Files.writeString(file, """
            {"guestMemoryBytes": 67108864, "routes": [
              {"path": "/native/transform", "native": "transform"},
              {"path": "/big", "module": "bundled:transform-memory.wasm", "convention": "memory",
               "limits": {"memoryPages": 256, "concurrency": 4, "outputBytes": 4194304}},
              {"path": "/small", "module": "bundled:telemetry-memory.wasm", "convention": "memory",
               "limits": {"memoryPages": 16, "concurrency": 1, "outputBytes": 1048576}}]}""");
        assertThatThrownBy(() -> start(EdgeConfig.read(file))).isInstanceOf(IOException.class)
                .hasMessageContaining(
                        "/big 83886080 (concurrency 4 × (memoryPages 256 × 64 KiB + outputBytes 4194304))")
                .hasMessageContaining(
                        "/small 2097152 (concurrency 1 × (memoryPages 16 × 64 KiB + outputBytes 1048576))")
                .hasMessageContaining(
                        "total 85983232 bytes (82 MiB) > budget 67108864 bytes (64 MiB: guestMemoryBytes)")
                .hasMessageNotContaining("/native/transform")
                .hasMessageNotContaining("\n");

        // Without guestMemoryBytes the budget is half the heap: one call of the largest memory is 2 GiB.
        Files.writeString(file, """
            {"routes": [{"path": "/huge", "module": "bundled:transform-memory.wasm", "convention": "memory",
               "limits": {"memoryPages": 32767, "concurrency": 1}}]}""");
        final long heap = Runtime.getRuntime().maxMemory();
        assertThatThrownBy(() -> start(EdgeConfig.read(file))).isInstanceOf(IOException.class)
                .hasMessageContaining("/huge " + (32767 * 65536L + (4 << 20)))
                .hasMessageContaining("budget " + heap / 2 + " bytes (" + (heap / 2 >> 20) + " MiB: half the "
                        + (heap >> 20) + " MiB heap, the default)");

        Files.writeString(file, """
            {"guestMemoryBytes": 1099511627776, "routes": [{"path": "/x", "native": "transform"}]}""");
        assertThatThrownBy(() -> start(EdgeConfig.read(file))).isInstanceOf(IOException.class)
                .hasMessageStartingWith("guestMemoryBytes 1099511627776 (1048576 MiB) is more than the heap");
        Files.writeString(file, """
            {"guestMemoryBytes": 0, "routes": [{"path": "/x", "native": "transform"}]}""");
        assertThatThrownBy(() -> EdgeConfig.read(file)).hasMessageContaining("guestMemoryBytes must be at least 1");
        assertThat(node).isNull();
    }

    @Test
    void bundledRoutesFitTheLaunchersHeapOnAnyNumberOfCores() throws Exception {
        final List<EdgeConfig.Route> routes = EdgeConfig.defaults("127.0.0.1", 0).routes();
        // The launcher runs the node with -Xmx96m; SerialGC reports a little less as the maximum heap.
        final long heap = 92L << 20;
        assertThat(GuestMemoryBudget.check(routes, null, heap)).isLessThanOrEqualTo(GuestMemoryBudget.defaultBytes(
                heap));
    }

    @Test
    void wagiGuestsDoNotSeeCredentialHeadersUnlessTheRouteGrantsThem() throws Exception {
        Files.write(dir.resolve("probe.wasm"), Guests.read("probe-wagi.wasm"));
        final Path file = dir.resolve("edge.json");
        Files.writeString(file,
                """
            {"routes": [{"path": "/probe", "module": "probe.wasm", "convention": "wagi"},
              {"path": "/granted", "module": "probe.wasm", "convention": "wagi", "grantHeaders": ["authorization"]}]}""");
        start(EdgeConfig.read(file));
        for (final String path : List.of("/probe", "/granted")) {
            final HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + node.port() + path))
                    .header("Authorization", "Bearer s3cret").header("Proxy-Authorization", "Basic cHJveHk=")
                    .header("Proxy_Authorization", "Basic dW5kZXJzY29yZQ==").header("Cookie", "session=c00kie")
                    .header("Set-Cookie", "sid=set").header("X-Trace", "t-1").header("X_Under", "u")
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).as(path).contains("\"HTTP_X_TRACE\":\"t-1\"", "\"HTTP_X_UNDER\":\"u\"",
                    "\"REQUEST_METHOD\":\"POST\"")
                    .doesNotContain("HTTP_COOKIE", "c00kie", "HTTP_SET_COOKIE", "sid=set", "HTTP_PROXY_AUTHORIZATION",
                            "cHJveHk=", "dW5kZXJzY29yZQ==");
            if (path.equals("/granted")) {
                assertThat(r.body()).contains("\"HTTP_AUTHORIZATION\":\"Bearer s3cret\"");
            } else {
                assertThat(r.body()).doesNotContain("HTTP_AUTHORIZATION", "s3cret");
            }
        }
    }

    @Test
    void grantHeadersNamesOnlyWithheldHeadersOfWagiRoutes() throws Exception {
        final Path file = dir.resolve("edge.json");
        Files.writeString(file, """
            {"routes": [{"path": "/m", "module": "m.wasm", "convention": "memory", "grantHeaders": ["Cookie"]}]}""");
        assertThatThrownBy(() -> EdgeConfig.read(file)).hasMessageContaining(
                "route /m: grantHeaders is for wagi routes");
        Files.writeString(file, """
            {"routes": [{"path": "/w", "module": "w.wasm", "convention": "wagi", "grantHeaders": ["X-Trace"]}]}""");
        assertThatThrownBy(() -> EdgeConfig.read(file))
                .hasMessageContaining(
                        "route /w: grantHeaders names X-Trace, which is not withheld (only Authorization, "
                                + "Proxy-Authorization, Cookie, Set-Cookie are");
    }

    @Test
    void replacedModuleFileIsSwappedInAndABadOneIsNot() throws Exception {
        final Path module = dir.resolve("fn.wasm");
        Files.write(module, Guests.read(Guests.TRANSFORM_MEMORY));
        start(new EdgeConfig("127.0.0.1", 0, 1 << 20, List.of(
                EdgeConfig.Route.ofWasm("/fn", "fn.wasm", Convention.MEMORY)), dir));
        assertThat(post("/fn", TRANSFORM).body()).startsWith("{\"user_id\"");

        Files.write(dir.resolve("next.wasm"), Guests.read("probe-memory.wasm"));
        Files.move(dir.resolve("next.wasm"), module, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        awaitBody("/fn", "{\"request_time_ms\":1795338000250}");
        assertThat(guestLines).isNotEmpty();
        assertThat(node.metrics().moduleReloads("/fn", true)).isEqualTo(1);

        Files.write(dir.resolve("next.wasm"), Guests.read("invalid.wasm"));
        Files.move(dir.resolve("next.wasm"), module, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        // The node saw the invalid file and refused it (not merely: has not looked yet), and the old module serves.
        final long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (node.metrics().moduleReloads("/fn", false) == 0 && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        assertThat(node.metrics().moduleReloads("/fn", false)).as("refused reloads").isEqualTo(1);
        assertThat(node.metrics().moduleReloads("/fn", true)).as("swaps").isEqualTo(1);
        assertThat(post("/fn", TRANSFORM).body()).isEqualTo("{\"request_time_ms\":1795338000250}");
    }

    private void awaitBody(final String path, final String expected) throws Exception {
        final long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String body = null;
        while (System.nanoTime() < until) {
            body = post(path, TRANSFORM).body();
            if (body.equals(expected)) {
                return;
            }
            Thread.sleep(100);
        }
        assertThat(body).isEqualTo(expected);
    }

    @Test
    void throwingNativeFunctionFailsOnlyItsRequest() throws Exception {
        start(new EdgeConfig("127.0.0.1", 0, 1 << 20, List.of(
                EdgeConfig.Route.ofNative("/failing", "failing"),
                EdgeConfig.Route.ofNative("/native/transform", "transform")), dir));
        final HttpResponse<String> failed = post("/failing", "{}");
        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(failed.body()).startsWith("{\"error\":\"function_failed\"").contains("a bug in the function");
        assertThat(post("/native/transform", TRANSFORM).statusCode()).isEqualTo(200);
    }

    @Test
    void nativeFunctionsAreFoundByName() {
        assertThat(java.util.ServiceLoader.load(EdgeFunction.class).stream().map(p -> p.get().name()).toList())
                .contains("transform", "telemetry");
    }
}
