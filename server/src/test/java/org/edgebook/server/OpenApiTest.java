package org.edgebook.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The OpenAPI document says exactly what the router serves, and is served without a signature. */
class OpenApiTest {

    @Test
    void theDocumentListsEveryRouteAndNoOther(@TempDir final Path dir) throws Exception {
        try (SettlementServer server = SettlementServer.start(new SettlementServer.Config("127.0.0.1", 0,
                dir.resolve("data"), dir.resolve("master.key"), 100), false, w -> {})) {
            final HttpResponse<String> served = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/v1/openapi.json")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(served.statusCode()).isEqualTo(200);
            final JsonObject doc = new JsonObject(served.body());
            final List<String> documented = new ArrayList<>();
            final JsonObject paths = doc.getJsonObject("paths");
            for (final String path : paths.fieldNames()) {
                for (final String method : paths.getJsonObject(path).fieldNames()) {
                    documented.add(method.toUpperCase(Locale.ROOT) + " " + path);
                    final JsonObject operation = paths.getJsonObject(path).getJsonObject(method);
                    assertThat(operation.getJsonObject("responses").fieldNames()).as(method + " " + path)
                            .containsAnyOf("200", "201"); // 201: a node registered
                    if (path.startsWith("/v1/") && !path.equals("/v1/openapi.json")) {
                        assertThat(operation.getJsonArray("security")).as("signed: " + path).isNotEmpty();
                        assertThat(operation.getJsonObject("responses").fieldNames()).contains("401", "429");
                    }
                }
            }
            assertThat(documented).containsExactlyInAnyOrderElementsOf(server.routes());
        }
    }

    @Test
    void everySchemaReferenceResolves() throws IOException {
        final JsonObject doc = new JsonObject(new String(SettlementServer.OPENAPI));
        final String text = doc.encode();
        final java.util.regex.Matcher refs = java.util.regex.Pattern.compile(
                "\"\\$ref\":\"#/components/(\\w+)/(\\w+)\"")
                .matcher(text);
        int count = 0;
        while (refs.find()) {
            count++;
            assertThat(doc.getJsonObject("components").getJsonObject(refs.group(1)).containsKey(refs.group(2)))
                    .as(refs.group()).isTrue();
        }
        assertThat(count).isGreaterThan(20);
    }
}
