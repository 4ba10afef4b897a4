package org.edgebook.edge.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.edgebook.codec.CanonicalJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every call completes: a silent server by the deadline, a refusal with its status and code. */
class ControlClientTest {
    private final Vertx vertx = Vertx.vertx();
    private ControlClient client;

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private ControlClient clientOf(final HttpServer server, final long timeoutMillis) {
        client = new ControlClient(vertx, URI.create("http://127.0.0.1:" + server.actualPort()), Keys.generate()
                .privateKey(), ControlClient.Options.defaults().withTimeout(timeoutMillis));
        return client;
    }

    private static ControlClient.ControlException failure(final Future<?> future) throws Exception {
        try {
            future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (final ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(ControlClient.ControlException.class);
            return (ControlClient.ControlException) e.getCause();
        }
        throw new AssertionError("the call succeeded");
    }

    private HttpServer server(final io.vertx.core.Handler<io.vertx.core.http.HttpServerRequest> handler)
            throws Exception {
        return vertx.createHttpServer().requestHandler(handler).listen(0, "127.0.0.1").toCompletionStage()
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aSilentControlPlaneFailsTheCallAtItsDeadline() throws Exception {
        final ControlClient c = clientOf(server(request -> {}), 300);
        final long start = System.nanoTime();
        final ControlClient.ControlException e = failure(c.heartbeat("n-1", "{}".getBytes()));
        assertThat(e.status()).isZero();
        assertThat(e.revoked()).isFalse();
        assertThat(e.getMessage()).isEqualTo("POST /v1/node/heartbeat: no answer within 300 ms");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5_000);
    }

    @Test
    void aRevokedAnswerIsToldApartFromOtherRefusals() throws Exception {
        final ControlClient c = clientOf(server(request -> {
            final boolean revoked = request.path().endsWith("desired");
            request.response().setStatusCode(revoked ? 403 : 401).end(CanonicalJson.write(java.util.Map.of("error",
                    revoked ? "revoked" : "unauthenticated", "message", "no")));
        }), 5_000);
        final ControlClient.ControlException revoked = failure(c.desired("n-1"));
        assertThat(revoked.revoked()).isTrue();
        assertThat(revoked.status()).isEqualTo(403);
        final ControlClient.ControlException refused = failure(c.heartbeat("n-1", "{}".getBytes()));
        assertThat(refused.revoked()).isFalse();
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.error()).isEqualTo("unauthenticated");
        assertThat(failure(c.module("n-1", "not-a-hash")).getMessage()).contains("64 lower-case hex digits");
    }

    @Test
    void anUnreachableControlPlaneFailsAtOnce() throws Exception {
        final int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        client = new ControlClient(vertx, URI.create("http://127.0.0.1:" + port), Keys.generate().privateKey(),
                ControlClient.Options.defaults());
        final ControlClient.ControlException e = failure(client.enroll("et_x", null, null, null));
        assertThat(e.status()).isZero();
        assertThat(e.getMessage()).startsWith("POST /v1/enroll: ");
    }
}
