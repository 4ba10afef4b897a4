package org.edgebook.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.edgebook.control.store.Database;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAPI document ({@code control-openapi.json}, served at {@code /openapi.json}) documents every route the
 * whole control plane installs (and no other) and every path docs/control-plane.md names (sections 2 to 8, the other areas' included);
 * every signed path says how it is signed and what a refusal answers; every schema reference resolves.
 */
class ControlOpenApiTest {
    @TempDir
    Path dir;

    @Test
    void everyInstalledRouteAndEveryPathOfTheContractIsDocumented() throws Exception {
        try (Control c = Control.startPlane(Control.Store.fresh(Database.Kind.EMBEDDED, dir), new AtomicLong(System
                .currentTimeMillis()))) {
            final JsonObject doc = new JsonObject(c.send(HttpRequest.newBuilder(c.uri("/openapi.json")).GET())
                    .body());
            final List<String> documented = new ArrayList<>();
            final JsonObject paths = doc.getJsonObject("paths");
            for (final String path : paths.fieldNames()) {
                for (final String method : paths.getJsonObject(path).fieldNames()) {
                    documented.add(method.toUpperCase(Locale.ROOT) + " " + path);
                    final JsonObject operation = paths.getJsonObject(path).getJsonObject(method);
                    assertThat(operation.getJsonObject("responses").fieldNames()).as(method + " " + path)
                            .containsAnyOf("200", "201");
                    if (path.startsWith("/v1/") && !path.equals("/v1/enroll")) {
                        assertThat(operation.getJsonArray("security")).as("signed: " + path).isNotEmpty();
                        assertThat(operation.getJsonObject("responses").fieldNames()).as(path).contains("401");
                    }
                    if (path.startsWith("/v1/node/")) {
                        assertThat(operation.getJsonObject("responses").fieldNames()).as(path).contains("403");
                    }
                }
            }
            // The whole control plane: every route it installs is documented, and nothing else is.
            assertThat(documented).containsExactlyInAnyOrderElementsOf(new LinkedHashSet<>(c.server.routes()));
            assertThat(documented).containsAll(contractPaths());
        }
    }

    @Test
    void everySchemaReferenceResolves() throws Exception {
        final String text = new String(ControlServer.class.getResourceAsStream("/control-openapi.json")
                .readAllBytes());
        final JsonObject doc = new JsonObject(text);
        final Matcher refs = Pattern.compile("\"\\$ref\"\\s*:\\s*\"#/components/(\\w+)/(\\w+)\"").matcher(text);
        int count = 0;
        while (refs.find()) {
            count++;
            assertThat(doc.getJsonObject("components").getJsonObject(refs.group(1)).containsKey(refs.group(2)))
                    .as(refs.group()).isTrue();
        }
        assertThat(count).isGreaterThan(40);
    }

    /** Every {@code METHOD /path} docs/control-plane.md names, {@code a|b} spelled out and queries dropped. */
    private static Set<String> contractPaths() throws Exception {
        Path p = Path.of("").toAbsolutePath();
        while (!Files.exists(p.resolve("docs/control-plane.md"))) {
            p = p.getParent();
        }
        final String contract = Files.readString(p.resolve("docs/control-plane.md"));
        final Matcher m = Pattern.compile("`(GET|POST|PUT|DELETE) (/[^`\\s?]*)").matcher(contract);
        final Set<String> found = new LinkedHashSet<>();
        while (m.find()) {
            final String path = m.group(2);
            final int bar = path.indexOf('|');
            if (bar < 0) {
                found.add(m.group(1) + " " + path);
                continue;
            }
            final int slash = path.lastIndexOf('/', bar);
            for (final String action : path.substring(slash + 1).split("\\|")) {
                found.add(m.group(1) + " " + path.substring(0, slash + 1) + action);
            }
        }
        found.remove("POST /v1/admin/nodes"); // settlement's, which the control plane calls (section 3)
        found.removeIf(s -> s.startsWith("DELETE /v1/admin/nodes/"));
        assertThat(found).hasSizeGreaterThan(25);
        return found;
    }
}
