package org.edgebook.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.edgebook.guests.Guests;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every hostile guest fails with its documented status and error kind while good requests, sent at the same time
 * from several threads, all keep getting the right answer.
 */
class HostileGuestsTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;

    /** A hostile route, the status and error kind it must answer with. */
    private record Hostile(String path, int status, String kind) {
    }

    private static final List<Hostile> HOSTILE = List.of(
            new Hostile("/loop", 504, "cpu_limit"),
            new Hostile("/slow", 504, "deadline"),
            new Hostile("/membomb", 500, "memory_limit"),
            new Hostile("/trap", 500, "trap"),
            new Hostile("/stdout-bomb", 500, "output_too_large"),
            new Hostile("/wrong-export", 500, "module_rejected"),
            new Hostile("/invalid", 500, "module_rejected"));

    /** Concurrency is fixed, not one per core, so that the routes fit the guest-memory budget on any machine. */
    private EdgeNode start() throws Exception {
        for (final String guest : List.of("loop.wasm", "membomb.wasm", "trap.wasm", "stdout-bomb.wasm",
                "wrong-export.wasm", "invalid.wasm")) {
            Files.write(dir.resolve(guest), Guests.read(guest));
        }
        final Path config = dir.resolve("edge.json");
        Files.writeString(config, """
            {"routes": [
              {"path": "/wasm/transform", "module": "bundled:transform-memory.wasm", "convention": "memory",
               "limits": {"concurrency": 2}},
              {"path": "/native/transform", "native": "transform"},
              {"path": "/loop", "module": "loop.wasm", "convention": "memory",
               "limits": {"cpuMs": 100, "deadlineMs": 10000, "concurrency": 1, "queue": 64}},
              {"path": "/slow", "module": "loop.wasm", "convention": "memory",
               "limits": {"cpuMs": 10000, "deadlineMs": 150, "concurrency": 1, "queue": 64}},
              {"path": "/membomb", "module": "membomb.wasm", "convention": "memory",
               "limits": {"memoryPages": 256, "concurrency": 2}},
              {"path": "/trap", "module": "trap.wasm", "convention": "memory", "limits": {"concurrency": 2}},
              {"path": "/stdout-bomb", "module": "stdout-bomb.wasm", "convention": "wagi",
               "limits": {"outputBytes": 1048576, "concurrency": 2}},
              {"path": "/wrong-export", "module": "wrong-export.wasm", "convention": "memory",
               "limits": {"concurrency": 2}},
              {"path": "/invalid", "module": "invalid.wasm", "convention": "memory", "limits": {"concurrency": 2}},
              {"path": "/busy", "module": "loop.wasm", "convention": "memory",
               "limits": {"cpuMs": 300, "concurrency": 1, "queue": 0}}
            ]}""");
        return EdgeNode.start(EdgeConfig.read(config).withPort(0), System::currentTimeMillis, (f, s, id, t) -> {}, 2);
    }

    private static HttpResponse<String> post(final EdgeNode node, final String path, final String body)
            throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path))
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void hostileGuestsAreContainedWhileGoodRequestsAreServed() throws Exception {
        containedUnderLoad(Duration.ofSeconds(4), 3);
    }

    @Test
    @Tag("slow")
    void hostileGuestsAreContainedUnderLongerLoad() throws Exception {
        containedUnderLoad(Duration.ofSeconds(30), 20);
    }

    private void containedUnderLoad(final Duration length, final int roundsPerHostile) throws Exception {
        try (EdgeNode node = start(); ExecutorService pool = Executors.newFixedThreadPool(4 + HOSTILE.size())) {
            final String expected = post(node, "/native/transform", EdgeNodeTest.TRANSFORM).body();
            final AtomicBoolean stop = new AtomicBoolean();
            final AtomicInteger good = new AtomicInteger();
            final List<String> wrong = java.util.Collections.synchronizedList(new ArrayList<>());
            final List<Future<?>> loaders = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                loaders.add(pool.submit(() -> {
                    while (!stop.get()) {
                        final HttpResponse<String> r = post(node, "/wasm/transform", EdgeNodeTest.TRANSFORM);
                        if (r.statusCode() == 200 && r.body().equals(expected)) {
                            good.incrementAndGet();
                        } else {
                            wrong.add(r.statusCode() + " " + r.body());
                        }
                    }
                    return null;
                }));
            }
            final Map<String, List<String>> answers = new ConcurrentHashMap<>();
            final List<Future<?>> attackers = new ArrayList<>();
            for (final Hostile h : HOSTILE) {
                attackers.add(pool.submit(() -> {
                    for (int round = 0; round < roundsPerHostile; round++) {
                        final HttpResponse<String> r = post(node, h.path(), EdgeNodeTest.TRANSFORM);
                        answers.computeIfAbsent(h.path(), p -> java.util.Collections.synchronizedList(
                                new ArrayList<>()))
                                .add(r.statusCode() + " " + r.body());
                    }
                    return null;
                }));
            }
            for (final Future<?> f : attackers) {
                f.get();
            }
            Thread.sleep(length.toMillis());
            stop.set(true);
            for (final Future<?> f : loaders) {
                f.get();
            }

            assertThat(wrong).isEmpty();
            assertThat(good.get()).isGreaterThan(50);
            for (final Hostile h : HOSTILE) {
                assertThat(answers.get(h.path())).as(h.path()).hasSize(roundsPerHostile)
                        .allSatisfy(a -> assertThat(a).startsWith(h.status() + " {\"error\":\"" + h.kind() + "\""));
            }
            final String metrics = post(node, "/health", "").body() + CLIENT.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + node.port() + "/metrics")).build(), HttpResponse.BodyHandlers
                            .ofString()).body();
            assertThat(metrics)
                    .contains("edge_errors_total{error=\"cpu_limit\",route=\"/loop\"} " + roundsPerHostile + ".0")
                    .contains("edge_errors_total{error=\"memory_limit\",route=\"/membomb\"} " + roundsPerHostile + ".0")
                    .contains("edge_errors_total{error=\"trap\",route=\"/trap\"} " + roundsPerHostile + ".0")
                    .contains("edge_instances{route=\"/membomb\"} 0.0");
        }
    }

    @Test
    void callsBeyondTheConcurrencyCapAreRefusedWith503() throws Exception {
        try (EdgeNode node = start(); ExecutorService pool = Executors.newFixedThreadPool(3)) {
            final List<Future<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                calls.add(pool.submit(() -> post(node, "/busy", "{}")));
            }
            final List<Integer> statuses = new ArrayList<>();
            for (final Future<HttpResponse<String>> c : calls) {
                final HttpResponse<String> r = c.get();
                statuses.add(r.statusCode());
                if (r.statusCode() == 503) {
                    assertThat(r.body()).startsWith("{\"error\":\"queue_full\"");
                }
            }
            assertThat(statuses).contains(503, 504);
        }
    }
}
