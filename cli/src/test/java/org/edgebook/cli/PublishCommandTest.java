package org.edgebook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.edgebook.control.ControlConfig;
import org.edgebook.control.ControlPlane;
import org.edgebook.control.store.OperatorKeys;
import org.edgebook.guests.Guests;
import org.edgebook.http.RequestSignature;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code edgebook publish} against a real control plane: keys made with {@code edgebook sign --new-key}, a module and
 * its manifest signed on the command line and uploaded as printed, a rotation endorsed on the command line and
 * accepted, and a module signed by the old key over other bytes refused.
 */
class PublishCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final AtomicLong stamp = new AtomicLong();

    @Test
    void aModuleSignedOnTheCommandLineIsAcceptedAndARotationEndorsedThere(@TempDir final Path dir)
            throws Exception {
        try (ControlPlane plane = ControlPlane.start(ControlConfig.of("127.0.0.1", 0, dir.resolve("control")),
                System::currentTimeMillis)) {
            final URI control = URI.create(plane.server().url());
            final OperatorKeys.Key operator = plane.server().operatorKey();
            final Path acme = dir.resolve("acme.pem");
            final Path next = dir.resolve("acme-2.pem");
            final JsonNode made = JSON.readTree(run("sign", "--new-key", acme.toString()));
            run("sign", "--new-key", next.toString());
            final String keyId = ok(send(control, operator, "POST", "/v1/publishers", "{\"publisher\":\"acme\","
                    + "\"publicKey\":\"" + made.get("publicKey").asText() + "\"}"), 201).get("keyId").asText();

            final Path wasm = dir.resolve("transform.wasm");
            Files.write(wasm, Guests.read(Guests.TRANSFORM_MEMORY));
            final Path manifest = dir.resolve("manifest.json");
            Files.writeString(manifest, "{\"name\":\"transform\",\"version\":\"1.0.0\",\"convention\":\"MEMORY\","
                    + "\"limits\":{\"memoryPages\":96}}");
            final String body = run("publish", "--key", acme.toString(), "--key-id", keyId, "--manifest", manifest
                    .toString(), wasm.toString());
            final JsonNode uploaded = ok(send(control, operator, "POST", "/v1/modules", body), 201);
            assertThat(uploaded.get("sha256").asText()).hasSize(64);

            // The same signature over other bytes: refused.
            final JsonNode tampered = JSON.readTree(body);
            ((com.fasterxml.jackson.databind.node.ObjectNode) tampered).put("module", java.util.Base64.getEncoder()
                    .encodeToString(Guests.read(Guests.TRANSFORM_WAGI)));
            ((com.fasterxml.jackson.databind.node.ObjectNode) tampered.get("manifest")).put("version", "1.0.1");
            assertThat(send(control, operator, "POST", "/v1/modules", tampered.toString()).statusCode())
                    .isEqualTo(422);

            final String rotation = run("publish", "--key", acme.toString(), "--key-id", keyId, "--endorse", next
                    .toString(), "--publisher", "acme");
            assertThat(ok(send(control, operator, "POST", "/v1/publishers/acme/keys", rotation), 201).get("keyId")
                    .asText()).isNotEqualTo(keyId);
        }
    }

    @Test
    void withoutAModuleOrWithAnEndorsementButNoPublisherItSaysWhatIsMissing(@TempDir final Path dir) {
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int exit = Main.commandLine().setErr(new PrintWriter(err, true, StandardCharsets.UTF_8)).execute(
                "publish", "--key", dir.resolve("none.pem").toString(), "--key-id", "pk-1");
        assertThat(exit).isNotZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("none.pem");
    }

    private static String run(final String... args) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int exit = Main.commandLine().setOut(new PrintWriter(out, true, StandardCharsets.UTF_8)).setErr(
                new PrintWriter(err, true, StandardCharsets.UTF_8)).execute(args);
        assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isZero();
        return out.toString(StandardCharsets.UTF_8).strip();
    }

    private HttpResponse<String> send(final URI control, final OperatorKeys.Key key, final String method,
                                      final String path, final String body) throws Exception {
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        final String ts = Long.toString(stamp.updateAndGet(t -> Math.max(t + 1, System.currentTimeMillis())));
        return http.send(HttpRequest.newBuilder(control.resolve(path)).timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.ofByteArray(bytes))
                .header(RequestSignature.KEY_HEADER, key.id()).header(RequestSignature.TIMESTAMP_HEADER, ts)
                .header(RequestSignature.SIGNATURE_HEADER, RequestSignature.sign(key.secretBytes(), ts, method, path,
                        bytes)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode ok(final HttpResponse<String> r, final int status) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return JSON.readTree(r.body());
    }
}
