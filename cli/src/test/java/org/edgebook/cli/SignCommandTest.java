package org.edgebook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.edgebook.http.RequestSignature;
import org.edgebook.server.ApiKey;
import org.edgebook.server.SettlementServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code edgebook sign} end to end: make a key pair, register its public key over HTTP, sign a transfer with the
 * command line, send it with bob's API key, and see it settle as alice's; a forged copy is refused.
 */
class SignCommandTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private record Run(int exit, String out, String err) {
    }

    private static Run run(final String... args) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int exit = Main.commandLine().setOut(new PrintWriter(out, true, StandardCharsets.UTF_8))
                .setErr(new PrintWriter(err, true, StandardCharsets.UTF_8)).execute(args);
        return new Run(exit, out.toString(StandardCharsets.UTF_8).strip(), err.toString(StandardCharsets.UTF_8));
    }

    /** A request signed with an API key (EB-KEY, EB-TIMESTAMP, EB-SIGNATURE), as every /v1 request is. */
    private HttpResponse<String> send(final int port, final ApiKey key, final String method, final String path,
                                      final String body) throws Exception {
        final String ts = Long.toString(System.currentTimeMillis());
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5))
                .method(method, bytes.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(bytes))
                .header(RequestSignature.KEY_HEADER, key.id())
                .header(RequestSignature.TIMESTAMP_HEADER, ts)
                .header(RequestSignature.SIGNATURE_HEADER, RequestSignature.sign(key.secret(), ts, method, path, bytes))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aTransferSignedOnTheCommandLineSettles(@TempDir final Path dir) throws Exception {
        final Path keyFile = dir.resolve("alice.pem");
        final Run made = run("sign", "--new-key", keyFile.toString(), "--account", "alice");
        assertThat(made.exit()).as(made.err()).isZero();
        assertThat(made.out()).startsWith("{\"account\":\"alice\",\"publicKey\":\"");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");
        assertThat(run("sign", "--new-key", keyFile.toString()).exit()).isNotZero(); // never overwritten

        final Path data = dir.resolve("data");
        try (SettlementServer server = SettlementServer.start(new SettlementServer.Config("127.0.0.1", 0, data,
                dir.resolve("master.key"), 1_000), true, w -> {})) {
            final ApiKey admin = server.keys().create(null);
            final ApiKey bob = server.keys().create("bob");
            final ApiKey alice = server.keys().create("alice");
            final HttpResponse<String> registered = send(server.port(), admin, "POST", "/v1/admin/keys", made.out());
            assertThat(registered.statusCode()).as(registered.body()).isEqualTo(200);
            final String keyId = registered.body().replaceAll(".*\"key\":\"([^\"]+)\".*", "$1");
            assertThat(made.err()).contains(keyId);

            final Path transfer = dir.resolve("transfer.json");
            Files.writeString(transfer, "{\"type\":\"transfer\",\"transferId\":\"cli-1\",\"from\":\"alice\","
                    + "\"to\":\"bob\",\"asset\":\"USD\",\"amount\":\"25\"}\n");
            final Run signed = run("sign", "--key", keyFile.toString(), transfer.toString());
            assertThat(signed.exit()).as(signed.err()).isZero();
            assertThat(signed.out()).contains("\"signature\":{\"keyId\":\"" + keyId + "\",\"sig\":\"", "\"signedAt\":");

            final HttpResponse<String> forged = send(server.port(), bob, "POST", "/v1/transfers",
                    signed.out().replace("\"25\"", "\"250\""));
            assertThat(forged.statusCode()).isEqualTo(401);
            assertThat(forged.body()).contains("bad signature");

            final HttpResponse<String> settled = send(server.port(), bob, "POST", "/v1/transfers", signed.out());
            assertThat(settled.statusCode()).as(settled.body()).isEqualTo(200);
            final HttpResponse<String> balances = send(server.port(), alice, "GET", "/v1/balances", "");
            assertThat(balances.body()).contains("9975");

            final Run old = run("sign", "--key", keyFile.toString(), "--at", "1000", transfer.toString());
            final HttpResponse<String> tooOld = send(server.port(), bob, "POST", "/v1/transfers", old.out());
            assertThat(tooOld.statusCode()).isEqualTo(401);
            assertThat(tooOld.body()).contains("too old");
        }
    }
}
