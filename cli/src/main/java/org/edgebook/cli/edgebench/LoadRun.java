package org.edgebook.cli.edgebench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Load on one server: {@code connections} HTTP/1.1 keep-alive connections, each sending the next request as soon as
 * the last was answered (closed loop), or, with a rate, requests started on a fixed schedule and timed from when
 * they were due (coordinated omission corrected). Latencies go to an HdrHistogram in microseconds; warm-up is
 * recorded apart and left out.
 */
final class LoadRun {
    /** What a phase measured. */
    record Result(Histogram latencyMicros, long answered, long errors, double seconds) {
        double throughput() {
            return answered / seconds;
        }
    }

    private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    private final HttpClient client;
    private final RequestOptions request;
    private final Buffer body;
    private final int connections;

    LoadRun(final int port, final String path, final byte[] body, final int connections) {
        this.client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port)
                .setKeepAlive(true).setTcpNoDelay(true), new PoolOptions().setHttp1MaxSize(connections));
        this.request = new RequestOptions().setMethod(HttpMethod.POST).setURI(path)
                .putHeader("content-type", "application/json");
        this.body = Buffer.buffer(body);
        this.connections = connections;
    }

    /** Sends one request and returns status and body (to check answers before loading). */
    String once() throws Exception {
        return client.request(request).compose(r -> r.send(body))
                .compose(resp -> resp.body().map(b -> resp.statusCode() + " " + b.toString()))
                .await(30, TimeUnit.SECONDS);
    }

    /** What one phase has counted so far; its requests are sent and answered on the client's event loop. */
    private final class Tally {
        final Recorder recorder = new Recorder(3_600_000_000L, 3);
        final AtomicLong answered = new AtomicLong();
        final AtomicLong errors = new AtomicLong();

        /** Sends one request, records its latency from {@code timedFrom} (nanoTime), counts it, then runs {@code then}. */
        void send(final long timedFrom, final Runnable then) {
            client.request(request).compose(r -> r.send(body)).compose(resp -> resp.body().map(b -> resp.statusCode()))
                    .onComplete(ar -> {
                        recorder.recordValue(Math.max(1, (System.nanoTime() - timedFrom) / 1000));
                        if (ar.succeeded() && ar.result() == 200) {
                            answered.incrementAndGet();
                        } else {
                            errors.incrementAndGet();
                        }
                        then.run();
                    });
        }

        Result result(final long start, final long unanswered) {
            return new Result(recorder.getIntervalHistogram(), answered.get(), errors.get() + unanswered,
                    (System.nanoTime() - start) / 1e9);
        }
    }

    /** Closed loop for {@code seconds}; {@code progress} gets the answers so far about once a second. */
    Result closedLoop(final double seconds, final LongConsumer progress) throws InterruptedException {
        final Tally tally = new Tally();
        final long start = System.nanoTime();
        final long end = start + (long) (seconds * 1e9);
        final CountDownLatch done = new CountDownLatch(connections);
        for (int i = 0; i < connections; i++) {
            vertx.runOnContext(v -> next(end, tally, done));
        }
        while (!done.await(1, TimeUnit.SECONDS)) {
            progress.accept(tally.answered.get());
        }
        return tally.result(start, 0);
    }

    private void next(final long end, final Tally tally, final CountDownLatch done) {
        final long sent = System.nanoTime();
        if (sent >= end) {
            done.countDown();
            return;
        }
        tally.send(sent, () -> next(end, tally, done));
    }

    /**
     * Requests due every {@code 1/rate} seconds for {@code seconds}, at most {@code connections} in flight; latency is
     * measured from when each was due, so a stall counts against every request it delayed.
     */
    Result fixedRate(final double rate, final double seconds, final LongConsumer progress) throws InterruptedException {
        final Tally tally = new Tally();
        final long start = System.nanoTime();
        final long total = (long) (rate * seconds);
        final double intervalNanos = 1e9 / rate;
        final AtomicLong issued = new AtomicLong();
        final AtomicLong finished = new AtomicLong();
        final long timer = vertx.setPeriodic(1, id -> {
            final long due = (long) ((System.nanoTime() - start) / intervalNanos) + 1;
            while (issued.get() < Math.min(due, total) && issued.get() - finished.get() < connections) {
                tally.send(start + (long) (issued.getAndIncrement() * intervalNanos), finished::incrementAndGet);
            }
        });
        while (finished.get() < total) {
            Thread.sleep(1000);
            progress.accept(tally.answered.get());
            if (System.nanoTime() - start > (long) ((seconds + 30) * 1e9)) {
                break;
            }
        }
        vertx.cancelTimer(timer);
        return tally.result(start, total - finished.get());
    }

    void close() {
        vertx.close().await();
    }
}
