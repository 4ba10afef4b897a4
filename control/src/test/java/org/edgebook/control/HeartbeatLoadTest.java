package org.edgebook.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.edgebook.codec.SignedRequest;
import org.edgebook.control.store.Database;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short measurement, not a benchmark of record: heartbeats at a fixed rate from enrolled nodes against one control
 * plane on this machine (client on the same 2 cores), open loop (latency from each heartbeat's intended send time),
 * with the nodes' Ed25519 signatures verified on the event loops, then on workers. Tagged slow; run with
 * {@code -Dtest=HeartbeatLoadTest -Dtest.excludedGroups=none}. The README (control) has the figures.
 */
@Tag("slow")
class HeartbeatLoadTest {
    private static final int NODES = 2_000;
    private static final int SECONDS = 6;

    @TempDir
    Path dir;

    @Test
    void heartbeatsAtAFixedRate() throws Exception {
        run(false, 1_000); // warm-up: the JIT, on both sides
        run(true, 1_000);
        for (final int rate : new int[] {2_000, 3_000, 4_000}) {
            run(false, rate);
            run(true, rate);
        }
    }

    private void run(final boolean onWorkers, final int rate) throws Exception {
        final Path d = dir.resolve(onWorkers + "-" + rate);
        try (Control c = Control.start(Control.Store.fresh(Database.Kind.EMBEDDED, d), new AtomicLong(System
                .currentTimeMillis()), config -> config.withVerifyOnWorkers(onWorkers))) {
            final String token = c.token("{\"uses\":" + NODES + "}");
            final List<Control.Node> nodes = new ArrayList<>(NODES);
            for (int i = 0; i < NODES; i++) {
                nodes.add(c.enroll(token, "r" + (i % 3), null));
            }
            final Vertx vertx = Vertx.vertx();
            final HttpClient http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
                    .setDefaultPort(c.server.port()), new PoolOptions().setHttp1MaxSize(64));
            final Recorder recorder = new Recorder(3);
            final AtomicLong failed = new AtomicLong();
            final int total = rate * SECONDS;
            final CountDownLatch done = new CountDownLatch(total);
            final long start = System.nanoTime();
            final long gap = 1_000_000_000L / rate;
            for (int i = 0; i < total; i++) {
                final long intended = start + i * gap;
                final long wait = intended - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait); // pacing the load, not waiting for a condition
                }
                final Control.Node node = nodes.get(i % NODES);
                final byte[] body = heartbeat(i).getBytes(StandardCharsets.UTF_8);
                final long ts = System.currentTimeMillis();
                c.clock.set(ts);
                final String sig = SignedRequest.sign(node.key, ts, "POST", "/v1/node/heartbeat", body);
                http.request(new RequestOptions().setMethod(HttpMethod.POST).setURI("/v1/node/heartbeat")
                        .putHeader(SignedRequest.NODE_HEADER, node.id)
                        .putHeader(SignedRequest.TIMESTAMP_HEADER, Long.toString(ts))
                        .putHeader(SignedRequest.SIGNATURE_HEADER, sig))
                        .compose(r -> r.send(Buffer.buffer(body))).compose(r -> {
                            if (r.statusCode() != 200) {
                                failed.incrementAndGet();
                            }
                            return r.body();
                        }).onComplete(r -> {
                            if (r.failed()) {
                                failed.incrementAndGet();
                            }
                            recorder.recordValue((System.nanoTime() - intended) / 1000);
                            done.countDown();
                        });
            }
            assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
            final double seconds = (System.nanoTime() - start) / 1e9;
            final Histogram h = recorder.getIntervalHistogram();
            System.out.printf("heartbeats: verify on %-7s rate %,5d/s: %,d in %.1f s, failed %d; latency µs p50 %,d "
                    + "p99 %,d p99.9 %,d max %,d%n", onWorkers ? "workers" : "loops", rate, total, seconds,
                    failed.get(), h.getValueAtPercentile(50), h.getValueAtPercentile(99),
                    h.getValueAtPercentile(99.9), h.getMaxValue());
            http.close();
            vertx.close();
            assertThat(failed.get()).isZero();
        }
    }

    private static String heartbeat(final int seq) {
        return new JsonObject().put("seq", seq).put("agent", "load").put("health", "ok").put("routes", new JsonArray()
                .add(new JsonObject().put("path", "/wasm/transform").put("module", "transform")
                        .put("version", "1.2.0").put("sha256", "ab").put("requests", 100).put("errors", 1)
                        .put("p50Micros", 800).put("p99Micros", 4200))).put("telemetry", new JsonObject()
                                .put("transactions", 100)).encode();
    }
}
