package org.edgebook.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.edgebook.http.RawHttp;
import org.edgebook.http.RequestSignature;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9's findings over real sockets: ambiguous framing is 400 and closes the connection, failed authentications
 * are limited, and the connection limit counts a connection from the moment it opens.
 */
class HttpHardeningTest {
    @TempDir
    Path dir;

    private SettlementServer server;

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    private SettlementServer start(final int maxConnections) throws IOException {
        server = SettlementServer.start(new SettlementServer.Config("127.0.0.1", 0, dir.resolve("data"),
                dir.resolve("secret/master.key"), 1_000, maxConnections), true, w -> {});
        return server;
    }

    private static void assertBadRequest(final RawHttp.Answer answer, final String detail) {
        assertThat(answer.status()).as(answer.text()).isEqualTo(400);
        assertThat(answer.body()).startsWith("{\"error\":\"bad request\",\"detail\":\"").contains(detail);
        assertThat(answer.text()).doesNotContain("HTTP/1.1 200", "HTTP/1.1 401");
        assertThat(answer.closed()).as("the connection is closed").isTrue();
    }

    @Test
    void aChunkSizeThatOverflowsIsABadRequestOnEveryPath() throws Exception {
        start(100);
        for (final String path : new String[] {"/v1/orders", "/v1/balances", "/v1/nothing"}) {
            assertBadRequest(RawHttp.exchange(server.port(), "POST " + path + " HTTP/1.1\r\nHost: x\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF1\r\nx\r\n0\r\n\r\n"), "Chunk size");
        }
    }

    @Test
    void anUnknownTransferEncodingIsABadRequestWithOrWithoutContentLength() throws Exception {
        start(100);
        // gzip beside Content-Length: the body would be read by one length and forwarded by the other.
        assertBadRequest(RawHttp.exchange(server.port(), "POST /v1/orders HTTP/1.1\r\nHost: x\r\n"
                + "Transfer-Encoding: gzip\r\nContent-Length: 2\r\n\r\n{}"), "Content-Length together");
        assertBadRequest(RawHttp.exchange(server.port(), "POST /v1/orders HTTP/1.1\r\nHost: x\r\n"
                + "Transfer-Encoding: gzip\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n"), "only chunked");
        assertBadRequest(RawHttp.exchange(server.port(), "POST /v1/orders HTTP/1.1\r\nHost: x\r\n"
                + "Transfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n0\r\n\r\n"), "Content-Length");
    }

    @Test
    void foldedHeadersAreABadRequest() throws Exception {
        start(100);
        assertBadRequest(RawHttp.exchange(server.port(), "GET /health HTTP/1.1\r\nHost: x\r\nX-Note: a\r\n b\r\n\r\n"),
                "obs-fold");
        assertBadRequest(RawHttp.exchange(server.port(), "GET /health HTTP/1.1\r\nHost: x\r\nX-Note: a\r\n\tb\r\n\r\n"),
                "obs-fold");
        // A fold in a later request on the same connection is caught too, after a body that has CRLF + space in it.
        final RawHttp.Answer second = RawHttp.exchange(server.port(), "POST /health HTTP/1.1\r\nHost: x\r\n"
                + "Content-Length: 4\r\n\r\n\r\n x"
                + "GET /health HTTP/1.1\r\nHost: x\r\nX-Note: a\r\n b\r\n\r\n");
        assertThat(second.text()).contains("obs-fold");
        assertThat(second.closed()).isTrue();
        // A body with CRLF + space in it is not a fold.
        final RawHttp.Answer body = RawHttp.exchange(server.port(), "GET /health HTTP/1.1\r\nHost: x\r\n"
                + "Content-Length: 4\r\nConnection: close\r\n\r\n\r\n x");
        assertThat(body.status()).isEqualTo(200);
    }

    @Test
    void overlongUtf8InThePathIsABadRequest() throws Exception {
        start(100);
        for (final String path : new String[] {"/v1%C0%AFbalances", "/%C0%AFhealth", "/v1/book/BTC%C0%AFUSD",
                "/v1/orders/%E0%80%AF", "/v1/orders/%ED%A0%80", "/v1/orders/%00", "/v1/orders/%zz"}) {
            assertBadRequest(RawHttp.exchange(server.port(), "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n"),
                    "request target");
        }
        // Proper UTF-8 is still a path like any other.
        assertThat(RawHttp.exchange(server.port(), "GET /v1/book/%E2%82%AC HTTP/1.1\r\nHost: x\r\n"
                + "Connection: close\r\n\r\n").status()).isEqualTo(401);
    }

    @Test
    void anIdleConnectionCountsAgainstTheLimitFromTheMomentItOpens() throws Exception {
        start(3);
        final List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                final Socket socket = new Socket("127.0.0.1", server.port());
                socket.setSoTimeout(5_000);
                sockets.add(socket); // and it sends nothing
            }
            try (Socket extra = new Socket("127.0.0.1", server.port())) {
                extra.setSoTimeout(5_000);
                final long start = System.nanoTime();
                int read;
                try {
                    read = extra.getInputStream().read(); // without having sent anything
                } catch (final IOException e) {
                    read = -1;
                }
                assertThat(read).as("the connection over the limit is closed").isEqualTo(-1);
                assertThat(System.nanoTime() - start).isLessThan(4_000_000_000L);
            }
            // The idle ones were kept and still serve.
            for (final Socket socket : sockets) {
                socket.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                final byte[] buffer = new byte[64];
                final int n = socket.getInputStream().read(buffer);
                assertThat(new String(buffer, 0, Math.max(n, 0), StandardCharsets.US_ASCII))
                        .startsWith("HTTP/1.1 200");
            }
        } finally {
            for (final Socket socket : sockets) {
                socket.close();
            }
        }
    }

    private HttpResponse<String> balances(final HttpClient http, final ApiKey key, final String signature)
            throws Exception {
        final String ts = Long.toString(System.currentTimeMillis());
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/balances"))
                .header(RequestSignature.KEY_HEADER, key.id()).header(RequestSignature.TIMESTAMP_HEADER, ts)
                .header(RequestSignature.SIGNATURE_HEADER, signature != null ? signature
                        : RequestSignature.sign(key.secret(), ts, "GET", "/v1/balances", new byte[0]))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private ApiKey key(final String account) {
        return server.keys().all().stream().filter(k -> account.equals(k.account())).findFirst().orElseThrow();
    }

    @Test
    void failedAuthenticationsAreLimitedPerKeyAndPerAddress() throws Exception {
        start(100);
        final HttpClient http = HttpClient.newHttpClient();
        final ApiKey bob = key("bob");
        final ApiKey alice = key("alice");
        for (int i = 0; i < FailedAuthentications.PER_KEY; i++) {
            assertThat(balances(http, bob, "00ff").statusCode()).isEqualTo(401);
        }
        // A wrong signature for bob's key is now refused 429 and told when to come back, but bob signing right is
        // still served: key ids are not secret, and anyone could otherwise lock bob (or the admin) out.
        assertThat(balances(http, bob, null).statusCode()).isEqualTo(200);
        final HttpResponse<String> limited = balances(http, bob, "00ff");
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After").map(Long::parseLong).orElseThrow())
                .isBetween(1L, (long) FailedAuthentications.WINDOW_SECONDS);
        assertThat(limited.body()).contains("too many failed authentications", "key " + bob.id());
        // Alice's key from the same address still works: the address is under its own, higher limit.
        assertThat(balances(http, alice, null).statusCode()).isEqualTo(200);
        // Spraying other key ids hits the address limit.
        int i = 0;
        while (balances(http, new ApiKey("ek_guess" + i, new byte[] {1}, "x"), "00").statusCode() == 401) {
            i++;
            assertThat(i).isLessThanOrEqualTo(FailedAuthentications.PER_ADDRESS);
        }
        assertThat(FailedAuthentications.PER_KEY + i).isEqualTo(FailedAuthentications.PER_ADDRESS);
        final HttpResponse<String> address = balances(http, alice, null);
        assertThat(address.statusCode()).isEqualTo(429);
        assertThat(address.body()).contains("this address failed");
        // Unauthenticated routes are not affected.
        assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/health"))
                .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }

    @Test
    void aFailureWindowEndsAfterItsTime() {
        final long[] now = {0};
        final FailedAuthentications failures = new FailedAuthentications(() -> now[0]);
        for (int i = 0; i < FailedAuthentications.PER_KEY; i++) {
            failures.failed("k", "a", now[0]);
        }
        assertThat(failures.waitSeconds("k", "a", now[0])).isEqualTo(FailedAuthentications.WINDOW_SECONDS);
        now[0] = java.util.concurrent.TimeUnit.SECONDS.toNanos(FailedAuthentications.WINDOW_SECONDS) - 1;
        assertThat(failures.waitSeconds("k", "a", now[0])).isEqualTo(1);
        now[0]++;
        assertThat(failures.waitSeconds("k", "a", now[0])).isZero();
        assertThat(failures.waitSeconds("other", "b", now[0])).isZero();
    }
}
