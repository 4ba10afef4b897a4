package org.edgebook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.edgebook.codec.CanonicalJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code edgebook fleet} end to end against a small Vert.x server that enrolls anyone and answers heartbeats: the
 * command enrolls, heartbeats for its duration and writes its report; bad options are refused, naming the option.
 */
class FleetCommandTest {
    private record Run(int exit, String err) {
    }

    private static Run run(final String... args) {
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int exit = Main.commandLine().setErr(new PrintWriter(err, true, StandardCharsets.UTF_8)).execute(args);
        return new Run(exit, err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void enrollsHeartbeatsAndWritesItsReport(@TempDir final Path dir) throws Exception {
        final Vertx vertx = Vertx.vertx();
        final AtomicInteger ids = new AtomicInteger();
        final Map<String, AtomicInteger> beats = new ConcurrentHashMap<>();
        try {
            final HttpServer server = vertx.createHttpServer().requestHandler(r -> r.body().onSuccess(b -> {
                switch (r.path()) {
                    case "/v1/admin/enrollment-tokens" -> r.response().setStatusCode(201)
                            .end("{\"token\":\"et_t\",\"expiresAt\":0,\"uses\":20}");
                    case "/v1/enroll" -> r.response().setStatusCode(201).end("{\"nodeId\":\"n-"
                            + ids.incrementAndGet() + "\",\"heartbeatIntervalMs\":250}");
                    case "/v1/node/heartbeat" -> {
                        beats.computeIfAbsent(r.getHeader("EB-NODE"), k -> new AtomicInteger()).incrementAndGet();
                        r.response().end("{\"intervalMs\":250,\"desired\":\"\",\"state\":\"up\"}");
                    }
                    default -> r.response().setStatusCode(404).end("{}");
                }
            })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            final Path key = dir.resolve("operator-key");
            Files.writeString(key, "op-1 secret\n");
            final Path report = dir.resolve("report.json");
            final Run run = run("fleet", "--control", "http://127.0.0.1:" + server.actualPort(), "--operator-key",
                    key.toString(), "--nodes", "20", "--duration", "2", "--period", "1", "--report",
                    report.toString(), "--seed", "42", "--labels", "tier=edge");
            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(beats).hasSize(20);
            final byte[] json = Files.readAllBytes(report);
            final Map<String, Object> parsed = CanonicalJson.parseObject(json, 0, json.length);
            assertThat(parsed).containsEntry("seed", 42L).containsEntry("nodes", 20L);
            @SuppressWarnings("unchecked")
            final Map<String, Object> totals = (Map<String, Object>) parsed.get("totals");
            assertThat((Long) totals.get("ok")).isGreaterThanOrEqualTo(20L);
            assertThat(totals).containsEntry("failed", 0L);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void badOptionsAreRefusedNamingTheOption(@TempDir final Path dir) throws Exception {
        final Path key = dir.resolve("operator-key");
        Files.writeString(key, "op-1 secret\n");
        final Run rate = run("fleet", "--control", "http://127.0.0.1:1", "--operator-key", key.toString(),
                "--bad-error-rate", "lots");
        assertThat(rate.exit()).isEqualTo(2);
        assertThat(rate.err()).contains("--bad-error-rate");
        final Run version = run("fleet", "--control", "http://127.0.0.1:1", "--operator-key", key.toString(),
                "--bad-version", "transform");
        assertThat(version.exit()).isEqualTo(2);
        assertThat(version.err()).contains("NAME@VERSION");
        Files.writeString(key, "just-one-field\n");
        final Run file = run("fleet", "--control", "http://127.0.0.1:1", "--operator-key", key.toString());
        assertThat(file.exit()).isNotZero();
        assertThat(file.err()).contains("operator key file");
    }
}
