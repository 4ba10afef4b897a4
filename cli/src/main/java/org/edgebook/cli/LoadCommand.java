package org.edgebook.cli;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;
import org.HdrHistogram.Histogram;
import org.edgebook.server.RequestSignature;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code edgebook load}: drives a running service at a constant offered rate and measures every answer from the moment
 * its request was due, not from when it was sent, so a stalled server is charged for the requests that queued behind
 * the stall (coordinated omission corrected). Signed order entry: two accounts place crossing orders around a mid
 * price, and cancel some of them.
 */
@Command(name = "load", mixinStandardHelpOptions = true,
        description = {"Drives a running edgebook service at a constant rate of signed orders and cancels, and prints",
                "throughput, errors and latency percentiles (from each request's intended send time)."})
final class LoadCommand implements Callable<Integer> {
    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "The service (default ${DEFAULT-VALUE}).")
    private URI url;

    @Option(names = "--key", required = true, split = ",", paramLabel = "ID:SECRET",
            description = "Account keys to trade with, as printed by edgebook up (two or more, comma-separated).")
    private String[] keys;

    @Option(names = "--rate", defaultValue = "1000", description = "Requests per second offered (default ${DEFAULT-VALUE}).")
    private int rate;

    @Option(names = "--duration", defaultValue = "10", description = "Seconds (default ${DEFAULT-VALUE}).")
    private int duration;

    @Option(names = "--warmup", defaultValue = "5",
            description = "Seconds at the same rate before measuring, so that both sides' JIT and connections settle "
                    + "(default ${DEFAULT-VALUE}; reported separately).")
    private int warmup;

    @Option(names = "--connections", defaultValue = "64", description = "HTTP connections (default ${DEFAULT-VALUE}).")
    private int connections;

    @Option(names = "--cancel-percent", defaultValue = "20",
            description = "Share of requests that cancel an earlier order (default ${DEFAULT-VALUE}).")
    private int cancelPercent;

    @Option(names = "--websocket", description = "Send the commands over WebSocket connections, pipelined, instead "
            + "of one HTTP request each.")
    private boolean websocket;

    @Option(names = "--symbol", defaultValue = "BTC-USD", description = "Market (default ${DEFAULT-VALUE}).")
    private String symbol;

    @Option(names = "--price", defaultValue = "64000", description = "Mid price (default ${DEFAULT-VALUE}).")
    private long mid;

    // Shared with the WebSocket answer handler.
    private final java.util.concurrent.ConcurrentHashMap<Long, Long> pending = new java.util.concurrent.ConcurrentHashMap<>();
    private final Histogram warm = new Histogram(3);
    private final AtomicLong measuredDone = new AtomicLong();
    private volatile Recorder pendingRecorder;
    private volatile AtomicLong pendingDone;
    private volatile AtomicLong pendingErrors;
    private volatile AtomicLong pendingRejected;
    private volatile long measureFrom;

    /** Opens the signed WebSocket connections; each answer is matched to its request by id. */
    private io.vertx.core.http.WebSocket[] connect(final Vertx vertx) throws Exception {
        final io.vertx.core.http.WebSocketClient wsClient = vertx.createWebSocketClient();
        final io.vertx.core.http.WebSocket[] sockets = new io.vertx.core.http.WebSocket[connections];
        for (int c = 0; c < connections; c++) {
            final String[] key = keys[c % keys.length].split(":", 2);
            final String ts = Long.toString(System.currentTimeMillis());
            final io.vertx.core.http.WebSocketConnectOptions options = new io.vertx.core.http.WebSocketConnectOptions()
                    .setHost(url.getHost()).setPort(url.getPort()).setURI("/v1/ws")
                    .addHeader(RequestSignature.KEY_HEADER, key[0]).addHeader(RequestSignature.TIMESTAMP_HEADER, ts)
                    .addHeader(RequestSignature.SIGNATURE_HEADER, RequestSignature.sign(
                            key[1].getBytes(StandardCharsets.US_ASCII), ts, "GET", "/v1/ws", new byte[0]));
            sockets[c] = wsClient.connect(options).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            sockets[c].textMessageHandler(this::answered);
        }
        return sockets;
    }

    private void answered(final String text) {
        if (!text.startsWith("{\"id\":")) {
            return;
        }
        final int end = text.indexOf(',');
        final long id = Long.parseLong(text.substring(6, end));
        final Long due = pending.remove(id);
        if (due == null) {
            return;
        }
        final long latency = Math.max(0, System.nanoTime() - due);
        if (due >= measureFrom) {
            pendingRecorder.recordValue(latency);
            measuredDone.incrementAndGet();
        } else {
            synchronized (warm) {
                warm.recordValue(latency);
            }
        }
        if (text.contains("\"error\"")) {
            pendingErrors.incrementAndGet();
        } else if (text.contains("\"type\":\"rejected\"")) {
            pendingRejected.incrementAndGet();
        }
        pendingDone.incrementAndGet();
    }

    @Override
    public Integer call() throws Exception {
        final Vertx vertx = Vertx.vertx();
        final HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(url.getHost())
                .setDefaultPort(url.getPort()).setKeepAlive(true), new PoolOptions().setHttp1MaxSize(connections)
                .setMaxWaitQueueSize(Math.max(10_000, rate * 2)));
        final io.vertx.core.http.WebSocket[] sockets = websocket ? connect(vertx) : null;
        final Recorder recorder = new Recorder(3);
        final Histogram total = new Histogram(3);
        final AtomicLong done = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final AtomicLong rejected = new AtomicLong();
        final long intervalNanos = 1_000_000_000L / rate;
        pendingRecorder = recorder;
        pendingDone = done;
        pendingErrors = errors;
        pendingRejected = rejected;
        final long warmupCount = (long) rate * warmup;
        final long count = warmupCount + (long) rate * duration;
        final String run = Long.toString(System.currentTimeMillis(), 36);
        final SplittableRandom random = new SplittableRandom();
        final long start = System.nanoTime() + 50_000_000L;
        final long measureFrom = start + TimeUnit.SECONDS.toNanos(warmup);
        this.measureFrom = measureFrom;
        long nextReport = start + 1_000_000_000L;
        final Histogram warm = this.warm;
        final AtomicLong measuredDone = this.measuredDone;
        System.err.printf("load: %,d requests/s for %d s (after %d s of warm-up) over %d connections to %s%n", rate,
                duration, warmup, connections, url);
        for (long i = 0; i < count; i++) {
            final long due = start + i * intervalNanos;
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                if (wait > 100_000) {
                    java.util.concurrent.locks.LockSupport.parkNanos(wait - 50_000);
                }
            }
            final String[] key = keys[(int) (i % keys.length)].split(":", 2);
            final boolean cancel = i > keys.length * 10L && random.nextInt(100) < cancelPercent;
            final String path;
            final HttpMethod method;
            final String body;
            if (cancel) {
                method = HttpMethod.DELETE;
                path = "/v1/orders/" + run + "-" + (i - keys.length * (1 + random.nextInt(10)));
                body = "";
            } else {
                method = HttpMethod.POST;
                path = "/v1/orders";
                final boolean buy = (i / keys.length) % 2 == 0;
                final long price = buy ? mid - random.nextInt(3) + 1 : mid + random.nextInt(3) - 1;
                body = "{\"clientOrderId\":\"" + run + "-" + i + "\",\"symbol\":\"" + symbol + "\",\"side\":\""
                        + (buy ? "BUY" : "SELL") + "\",\"price\":\"" + price + "\",\"quantity\":\"0.001\"}";
            }
            if (websocket) {
                final String command = cancel
                        ? "{\"type\":\"cancel\",\"clientOrderId\":\"" + path.substring("/v1/orders/".length()) + "\"}"
                        : body.replace("{\"clientOrderId\"", "{\"type\":\"place\",\"clientOrderId\"");
                pending.put(i, due);
                sockets[(int) (i % sockets.length)].writeTextMessage("{\"op\":\"command\",\"id\":" + i
                        + ",\"command\":" + command + "}");
                if (System.nanoTime() >= nextReport) {
                    final Histogram interval = recorder.getIntervalHistogram();
                    total.add(interval);
                    System.err.printf(Locale.ROOT, "  %3d s: %,d sent, %,d answered, %,d errors; last second p99 "
                                    + "%.2f ms%n", (nextReport - start) / 1_000_000_000L, i + 1, done.get(),
                            errors.get(), interval.getValueAtPercentile(99) / 1e6);
                    nextReport += 1_000_000_000L;
                }
                continue;
            }
            final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            final String ts = Long.toString(System.currentTimeMillis());
            final RequestOptions options = new RequestOptions().setMethod(method).setURI(path)
                    .putHeader(RequestSignature.KEY_HEADER, key[0])
                    .putHeader(RequestSignature.TIMESTAMP_HEADER, ts)
                    .putHeader(RequestSignature.SIGNATURE_HEADER, RequestSignature.sign(
                            key[1].getBytes(StandardCharsets.US_ASCII), ts, method.name(), path, bytes));
            client.request(options)
                    .compose(request -> request.send(Buffer.buffer(bytes)))
                    .compose(response -> response.body().map(b -> response.statusCode()))
                    .onComplete(result -> {
                        final long latency = Math.max(0, System.nanoTime() - due);
                        if (due >= measureFrom) {
                            recorder.recordValue(latency);
                            measuredDone.incrementAndGet();
                        } else {
                            synchronized (warm) {
                                warm.recordValue(latency);
                            }
                        }
                        if (result.failed() || result.result() >= 500 || result.result() == 401
                                || result.result() == 429) {
                            errors.incrementAndGet();
                        } else if (result.result() != 200) {
                            rejected.incrementAndGet();
                        }
                        done.incrementAndGet();
                    });
            if (System.nanoTime() >= nextReport) {
                final Histogram interval = recorder.getIntervalHistogram();
                total.add(interval);
                System.err.printf(Locale.ROOT, "  %3d s: %,d sent, %,d answered, %,d errors; last second p99 %.2f ms%n",
                        (nextReport - start) / 1_000_000_000L, i + 1, done.get(), errors.get(),
                        interval.getValueAtPercentile(99) / 1e6);
                nextReport += 1_000_000_000L;
            }
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (done.get() < count && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        total.add(recorder.getIntervalHistogram());
        final double seconds = (System.nanoTime() - measureFrom) / 1e9;
        System.out.printf(Locale.ROOT, "warm-up: %,d requests, p99 %.2f ms, max %.2f ms (not counted below)%n",
                warm.getTotalCount(), warm.getValueAtPercentile(99) / 1e6, warm.getMaxValue() / 1e6);
        System.out.printf(Locale.ROOT, "load: offered %,d/s for %d s: %,d answered (%,.0f/s), %,d errors, %,d "
                        + "rejected by the engine (4xx); latency from intended send: p50 %.2f ms, p99 %.2f ms, "
                        + "p99.9 %.2f ms, max %.2f ms%n", rate, duration, measuredDone.get(),
                measuredDone.get() / seconds, errors.get() + (count - done.get()), rejected.get(),
                total.getValueAtPercentile(50) / 1e6, total.getValueAtPercentile(99) / 1e6,
                total.getValueAtPercentile(99.9) / 1e6, total.getMaxValue() / 1e6);
        vertx.close();
        return errors.get() + (count - done.get()) == 0 ? 0 : 1;
    }
}
