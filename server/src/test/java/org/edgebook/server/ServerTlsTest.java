package org.edgebook.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.edgebook.http.RawHttp;
import org.edgebook.http.RequestSignature;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS with a self-signed certificate made by openssl for this test, through a real TLS client. */
class ServerTlsTest {
    @TempDir
    Path dir;

    private SettlementServer server;

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    /** A fresh self-signed certificate for 127.0.0.1 and its key, as PEM files named {@code name}-cert/key.pem. */
    private Path[] selfSigned(final String name) throws Exception {
        final Path cert = dir.resolve(name + "-cert.pem");
        final Path key = dir.resolve(name + "-key.pem");
        final Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-keyout", key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost").redirectErrorStream(true).start();
        final String output = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(openssl.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(openssl.exitValue()).as(output).isZero();
        return new Path[] {cert, key};
    }

    private SettlementServer start(final Path cert, final Path key) throws IOException {
        return SettlementServer.start(new SettlementServer.Config("127.0.0.1", 0, dir.resolve("data"),
                dir.resolve("secret/master.key"), 1_000, 100, 30, cert, key), true, w -> {});
    }

    private static HttpClient trusting(final Path cert) throws Exception {
        return HttpClient.newBuilder().sslContext(context(cert)).build();
    }

    private static SSLContext context(final Path cert) throws Exception {
        final KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(cert)) {
            trust.setCertificateEntry("edgebook", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        final TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        final SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }

    @Test
    void servesHttpsWithTheGivenCertificateAndRefusesPlainHttp() throws Exception {
        final Path[] pair = selfSigned("server");
        server = start(pair[0], pair[1]);
        final HttpClient https = trusting(pair[0]);
        final String base = "https://127.0.0.1:" + server.port();
        final HttpResponse<String> health = https.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.sslSession()).isPresent();

        final ApiKey bob = server.keys().all().stream().filter(k -> "bob".equals(k.account())).findFirst()
                .orElseThrow();
        final String ts = Long.toString(System.currentTimeMillis());
        final HttpResponse<String> balances = https.send(HttpRequest.newBuilder(URI.create(base + "/v1/balances"))
                .header(RequestSignature.KEY_HEADER, bob.id()).header(RequestSignature.TIMESTAMP_HEADER, ts)
                .header(RequestSignature.SIGNATURE_HEADER, RequestSignature.sign(bob.secret(), ts, "GET",
                        "/v1/balances", new byte[0])).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(balances.statusCode()).isEqualTo(200);
        assertThat(balances.body()).contains("\"account\":\"bob\"");

        // The strict framing holds over TLS too: a folded header is 400 and closes the connection.
        final RawHttp.Answer folded = RawHttp.exchange(context(pair[0]).getSocketFactory().createSocket("127.0.0.1",
                server.port()), "GET /health HTTP/1.1\r\nHost: x\r\nX-Note: a\r\n b\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
        assertThat(folded.status()).isEqualTo(400);
        assertThat(folded.body()).contains("obs-fold");
        assertThat(folded.closed()).isTrue();

        // Plain HTTP to the TLS port gets no HTTP answer, and the connection is closed.
        final RawHttp.Answer plain = RawHttp.exchange(server.port(), "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(plain.status()).isZero();
        assertThat(plain.text()).doesNotContain("status");
        assertThat(plain.closed()).isTrue();

        // A client that does not trust the certificate is refused.
        assertThatThrownBy(() -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/health"))
                .build(), HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
    }

    @Test
    void aBadCertificateOrKeyStopsTheStartNamingTheFile() throws Exception {
        final Path[] pair = selfSigned("good");
        final Path[] other = selfSigned("other");
        final Path missing = dir.resolve("missing.pem");
        assertThatThrownBy(() -> start(missing, pair[1])).isInstanceOf(IOException.class)
                .hasMessageContaining("TLS certificate " + missing).hasMessageContaining("no such file");
        final Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a key\n");
        assertThatThrownBy(() -> start(pair[0], garbage)).isInstanceOf(IOException.class)
                .hasMessageContaining("TLS key " + garbage);
        assertThatThrownBy(() -> start(garbage, pair[1])).isInstanceOf(IOException.class)
                .hasMessageContaining("TLS certificate " + garbage);
        assertThatThrownBy(() -> start(pair[0], other[1])).isInstanceOf(IOException.class)
                .hasMessageContaining("TLS key " + other[1] + " does not belong to the certificate " + pair[0]);
        assertThatThrownBy(() -> start(pair[0], null)).isInstanceOf(IOException.class)
                .hasMessageContaining("without --tls-key");
        // Nothing was written: the checks ran before the data directory was touched.
        assertThat(dir.resolve("data")).doesNotExist();
    }
}
