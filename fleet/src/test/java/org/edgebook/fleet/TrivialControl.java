package org.edgebook.fleet;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A trivial control plane for measuring the simulator's own cost: it makes a token, enrolls anyone, and answers every
 * heartbeat 200 {@code {"intervalMs":I,"desired":"","state":"up"}} without checking anything. Run in its own JVM
 * ({@code main(port, intervalMs)}), it prints its port on the first line.
 * <p>
 * Threading: one Vert.x event loop.
 */
final class TrivialControl {
    private TrivialControl() {
    }

    public static void main(final String[] args) throws Exception {
        final long interval = Long.parseLong(args[1]);
        final AtomicLong ids = new AtomicLong();
        final String answer = "{\"intervalMs\":" + interval + ",\"desired\":\"\",\"state\":\"up\"}";
        final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        final var server = vertx.createHttpServer().requestHandler(r -> r.body().onSuccess(b -> {
            final String path = r.path();
            if (path.equals("/v1/node/heartbeat")) {
                r.response().putHeader("Content-Type", "application/json").end(answer);
            } else if (path.equals("/v1/enroll")) {
                r.response().setStatusCode(201).end("{\"nodeId\":\"n-" + ids.incrementAndGet()
                        + "\",\"heartbeatIntervalMs\":" + interval + "}");
            } else if (path.equals("/v1/admin/enrollment-tokens")) {
                r.response().setStatusCode(201).end("{\"token\":\"et_trivial\",\"expiresAt\":0,\"uses\":1}");
            } else {
                r.response().setStatusCode(404).end("{\"error\":\"not_found\",\"message\":\"" + path + "\"}");
            }
        })).listen(Integer.parseInt(args[0]), "127.0.0.1").toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        System.out.println(server.actualPort());
        System.out.flush();
        Thread.currentThread().join();
    }
}
