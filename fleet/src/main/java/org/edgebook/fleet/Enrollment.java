package org.edgebook.fleet;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Enrolls the simulated nodes (docs/control-plane.md section 2): one operator-signed enrollment token with as many uses
 * as nodes, then {@code POST /v1/enroll} for each node with its own public key, its region (round-robin) and labels,
 * with a bounded number in flight. Each node enrolled is handed on at once (its heartbeats start while the rest
 * enroll); progress is printed each second.
 * <p>
 * Threading: {@link #run} blocks the calling thread until every node is enrolled or refused; the requests run on the
 * client's event loops.
 */
final class Enrollment {
    private static final JsonFactory JSON = new JsonFactory();

    private final ControlClient client;
    private final FleetOptions options;
    private final FleetStats stats;

    Enrollment(final ControlClient client, final FleetOptions options, final FleetStats stats) {
        this.client = client;
        this.options = options;
        this.stats = stats;
    }

    /** Makes the token: {@code POST /v1/admin/enrollment-tokens}; answers the token. */
    String token() throws InterruptedException {
        final byte[] body = json(g -> {
            g.writeNumberField("ttlSeconds", 24 * 3600);
            g.writeNumberField("uses", options.nodes());
        });
        final ControlClient.Answer answer = await(client.operator(options.operator(), HttpMethod.POST,
                "/v1/admin/enrollment-tokens", body), "POST /v1/admin/enrollment-tokens");
        if (answer.status() != 201 && answer.status() != 200) {
            throw new IllegalStateException("POST /v1/admin/enrollment-tokens answered " + answer.status() + ": "
                    + answer.text());
        }
        final String token = field(answer.body(), "token");
        if (token == null) {
            throw new IllegalStateException("POST /v1/admin/enrollment-tokens: no token in " + answer.text());
        }
        return token;
    }

    /** Enrolls every node; each enrolled one goes to {@code enrolled}. Answers how many were refused. */
    long run(final SimNode[] nodes, final String token, final Consumer<SimNode> enrolled)
            throws InterruptedException {
        final ConcurrentLinkedQueue<SimNode> queue = new ConcurrentLinkedQueue<>(java.util.List.of(nodes));
        final CountDownLatch done = new CountDownLatch(nodes.length);
        final AtomicReference<String> firstError = new AtomicReference<>();
        final AtomicInteger failures = new AtomicInteger();
        final Runnable[] next = new Runnable[1];
        next[0] = () -> {
            final SimNode node = queue.poll();
            if (node == null) {
                return;
            }
            enroll(node, token).onComplete(r -> {
                if (r.succeeded() && r.result() == null) {
                    stats.enrolled.increment();
                    enrolled.accept(node);
                } else {
                    stats.enrollFailed.increment();
                    failures.incrementAndGet();
                    firstError.compareAndSet(null, r.succeeded() ? r.result() : String.valueOf(r.cause()));
                }
                done.countDown();
                next[0].run();
            });
        };
        final long start = System.nanoTime();
        for (int i = 0; i < Math.min(options.enrollConcurrency(), nodes.length); i++) {
            next[0].run();
        }
        long printed = 0;
        while (!done.await(1, TimeUnit.SECONDS)) {
            final long now = stats.enrolled.sum();
            options.out().printf("fleet: enrolled %d of %d (%d/s), refused %d%n", now, nodes.length, now - printed,
                    failures.get());
            printed = now;
            if (failures.get() > 0 && now == 0 && failures.get() >= Math.min(nodes.length, 100)) {
                break;
            }
        }
        options.out().printf("fleet: enrolled %d of %d nodes in %.1f s%s%n", stats.enrolled.sum(), nodes.length,
                (System.nanoTime() - start) / 1e9, failures.get() == 0 ? "" : "; " + failures.get() + " refused, "
                        + "the first: " + firstError.get());
        return failures.get();
    }

    /** One node's enrollment: null when enrolled, else why not. */
    private Future<String> enroll(final SimNode node, final String token) {
        final byte[] body = json(g -> {
            g.writeStringField("token", token);
            g.writeStringField("publicKey", node.key.publicBase64());
            g.writeStringField("name", "sim-" + node.index);
            g.writeStringField("region", node.region);
            if (!options.labels().isEmpty()) {
                g.writeObjectFieldStart("labels");
                for (final Map.Entry<String, String> e : new java.util.TreeMap<>(options.labels()).entrySet()) {
                    g.writeStringField(e.getKey(), e.getValue());
                }
                g.writeEndObject();
            }
        });
        return client.plain(HttpMethod.POST, "/v1/enroll", body).map(answer -> {
            if (answer.status() != 201 && answer.status() != 200) {
                return "POST /v1/enroll answered " + answer.status() + ": " + answer.text();
            }
            final String id = field(answer.body(), "nodeId");
            final String interval = field(answer.body(), "heartbeatIntervalMs");
            if (id == null) {
                return "POST /v1/enroll: no nodeId in " + answer.text();
            }
            node.id = id;
            node.intervalMillis = interval == null ? 10_000 : Long.parseLong(interval);
            return null;
        });
    }

    interface Fields {
        void write(JsonGenerator g) throws IOException;
    }

    static byte[] json(final Fields fields) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            fields.write(g);
            g.writeEndObject();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A top-level scalar field of a JSON object, as text; null when absent or the body does not parse. */
    static String field(final byte[] body, final String name) {
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                final String field = p.currentName();
                final JsonToken value = p.nextToken();
                if (name.equals(field) && value.isScalarValue()) {
                    return p.getText();
                }
                p.skipChildren();
            }
        } catch (final IOException e) {
            return null;
        }
        return null;
    }

    private <T> T await(final Future<T> future, final String what) throws InterruptedException {
        try {
            return future.toCompletionStage().toCompletableFuture().get(options.timeoutMillis() + 1000,
                    TimeUnit.MILLISECONDS);
        } catch (final java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(what + " failed: " + (e.getCause() != null ? e.getCause() : e), e);
        }
    }
}
