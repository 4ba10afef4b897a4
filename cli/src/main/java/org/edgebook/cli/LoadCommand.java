package org.edgebook.cli;

import io.vertx.core.AsyncResult;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.edgebook.http.RequestSignature;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code edgebook load}: drives a running service and measures every answer. Two ways to drive it:
 * <ul>
 *   <li>a constant offered rate ({@code --rate N}): each request is timed from the moment it was due, not from when it
 *   was sent, so a stalled server is charged for the requests that queued behind the stall (coordinated omission
 *   corrected);</li>
 *   <li>closed loop ({@code --rate max}): {@code connections × pipelining} requests in flight, each followed by the next
 *   as soon as it is answered, timed from its send: the throughput ceiling.</li>
 * </ul>
 * Targets: signed order entry (two or more accounts place crossing orders around a mid price and cancel some of
 * them), {@code GET /health} (no signature, no engine: the ceiling of the HTTP stack, the client included), or both
 * one after the other with the same generator, rate, duration and connections, and their ratio.
 * <p>
 * Orders are signed before the timed phase, so the client's HMAC is not what is measured. A signature is good once and
 * only within the server's clock window, so each request gets the timestamp of when it will be sent: at a fixed rate
 * its due time; in a closed loop a one-second bucket of a pool sized from the warm-up's rate. A request that would be
 * sent too far from its timestamp (the client fell behind, or outran the pool) is signed anew and counted.
 */
@Command(name = "load", mixinStandardHelpOptions = true,
        description = {"Drives a running edgebook service with signed orders and cancels, GET /health,",
                "or both (same rate, duration and connections, then the ratio orders/health),",
                "and prints throughput, errors and latency percentiles. --rate N offers a",
                "constant rate, timed from each request's intended send; --rate max is a",
                "closed loop, for the throughput ceiling."})
final class LoadCommand implements Callable<Integer> {
    enum Target { health, orders, both, tx }

    @Spec
    private CommandSpec spec;

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080",
            description = "The service (default ${DEFAULT-VALUE}).")
    private URI url;

    @Option(names = "--key", split = ",", paramLabel = "ID:SECRET", converter = ClientKey.Converter.class,
            description = "Account keys to trade with, as printed by edgebook up (two or more, comma-separated; "
                    + "needed for orders).")
    private ClientKey[] keys;

    @Option(names = "--target", defaultValue = "orders", paramLabel = "orders|health|both",
            description = "What to load: signed orders (POST and DELETE /v1/orders), GET /health, or both one after "
                    + "the other with the same settings, then their ratio (default ${DEFAULT-VALUE}).")
    private Target target;

    @Option(names = "--rate", defaultValue = "1000", paramLabel = "N|max",
            description = "Requests per second offered, or max for a closed loop: connections × pipelining requests "
                    + "in flight, each sent as soon as the one before is answered (default ${DEFAULT-VALUE}).")
    private String rateText;

    @Option(names = "--duration", defaultValue = "10",
            description = "Seconds measured, per target (default ${DEFAULT-VALUE}).")
    private int duration;

    @Option(names = "--warmup", defaultValue = "5",
            description = "Seconds at the same rate before measuring, so that both sides' JIT and connections settle "
                    + "(default ${DEFAULT-VALUE}; reported separately).")
    private int warmup;

    @Option(names = "--connections", defaultValue = "64", description = "HTTP connections (default ${DEFAULT-VALUE}).")
    private int connections;

    @Option(names = "--pipelining", defaultValue = "1", paramLabel = "DEPTH",
            description = "Requests in flight on one connection (HTTP/1.1 pipelining when above 1; default "
                    + "${DEFAULT-VALUE}).")
    private int pipelining;

    @Option(names = "--cancel-percent", defaultValue = "20",
            description = "Share of order requests that cancel an earlier order (default ${DEFAULT-VALUE}).")
    private int cancelPercent;

    @Option(names = "--clock-window", defaultValue = "5000", paramLabel = "MS",
            description = "The service's --clock-window: a signed request is re-signed when it would be sent within a "
                    + "second of leaving it (default ${DEFAULT-VALUE}).")
    private long clockWindowMillis;

    @Option(names = "--websocket", description = "Send the commands over WebSocket connections, pipelined, instead "
            + "of one HTTP request each (orders at a fixed rate only).")
    private boolean websocket;

    @Option(names = "--edge", paramLabel = "URL", description = "With --target tx: an edge node to send to (repeat "
            + "for several; requests go to each in turn). Default: --url.")
    private List<URI> edges;

    @Option(names = "--client-key", paramLabel = "ACCOUNT=PEMFILE", description = "With --target tx: an account and "
            + "its Ed25519 client key (edgebook sign --new-key), registered at settlement; two or more. Each "
            + "transaction is a transfer of --amount from one account to the next, signed before the run.")
    private java.util.Map<String, java.nio.file.Path> clientKeys;

    @Option(names = "--tx-batch", defaultValue = "1", paramLabel = "N", description = "With --target tx: "
            + "transactions per request (a JSON array when above 1; --rate counts requests; default "
            + "${DEFAULT-VALUE}).")
    private int txBatch;

    @Option(names = "--asset", defaultValue = "USD", description = "With --target tx: the asset transferred "
            + "(default ${DEFAULT-VALUE}).")
    private String asset;

    @Option(names = "--amount", defaultValue = "0.01", description = "With --target tx: each transfer's amount "
            + "(default ${DEFAULT-VALUE}).")
    private String amount;

    @Option(names = "--symbol", defaultValue = "BTC-USD", description = "Market (default ${DEFAULT-VALUE}).")
    private String symbol;

    @Option(names = "--price", defaultValue = "64000", description = "Mid price (default ${DEFAULT-VALUE}).")
    private long mid;

    /**
     * Answers: 200; rejected, any other 4xx but 401 and 429 (the engine refused the command, or a cancel found its
     * order filled); errors, no answer, 5xx, 401 or 429.
     */
    record Counts(long answered, long ok, long rejected, long errors) {
    }

    /**
     * What one target's run measured: {@code all} its requests, warm-up included, and those of the {@code measured}
     * phase, which lasted {@code seconds} and whose latencies are in {@code latency} (nanoseconds).
     */
    record Result(String target, String mode, long sent, Counts all, Counts measured, double seconds,
                  Histogram latency, Histogram warm, String signing, String errorKinds) {
        /** Requests the service did (answered, not an error) per second of the measured phase. */
        double throughput() {
            return (measured.answered() - measured.errors()) / seconds;
        }

        long unanswered() {
            return sent - all.answered();
        }
    }

    private final List<Result> results = new ArrayList<>();

    /** The runs of the last call, in order (health first with {@code both}). */
    List<Result> results() {
        return results;
    }

    @Override
    public Integer call() throws Exception {
        final boolean closedLoop = rateText.equalsIgnoreCase("max");
        final int rate;
        try {
            rate = closedLoop ? 0 : Integer.parseInt(rateText);
        } catch (final NumberFormatException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--rate is a number of requests per second "
                    + "or max, not " + rateText);
        }
        if (!closedLoop && rate < 1 || duration < 1 || warmup < 0 || connections < 1 || pipelining < 1
                || clockWindowMillis < 2000) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--rate, --duration, --connections and "
                    + "--pipelining must be positive, --warmup not negative, --clock-window at least 2000");
        }
        if (target == Target.tx) {
            if (closedLoop || websocket || clientKeys == null || clientKeys.size() < 2 || txBatch < 1
                    || txBatch > 4096) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--target tx takes a fixed --rate, two "
                        + "or more --client-key ACCOUNT=PEMFILE, and a --tx-batch of 1 to 4096");
            }
            txKeys = new java.util.ArrayList<>();
            for (final java.util.Map.Entry<String, java.nio.file.Path> e : clientKeys.entrySet()) {
                final java.security.PrivateKey key = org.edgebook.codec.TransactionSignature.privateKey(
                        java.nio.file.Files.readString(e.getValue(), StandardCharsets.US_ASCII));
                final org.edgebook.codec.Ed25519Key.Private fast = org.edgebook.codec.Ed25519Key.Private.of(key);
                txKeys.add(new TxKey(e.getKey(), fast, org.edgebook.codec.TransactionSignature.keyId(fast
                        .publicRaw())));
            }
        } else if (target != Target.health && (keys == null || keys.length == 0)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "orders need --key ID:SECRET[,ID:SECRET...]");
        }
        if (websocket && (target != Target.orders || closedLoop)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--websocket is for --target orders at a "
                    + "fixed --rate");
        }
        if (keys != null) {
            keyIds = new String[keys.length];
            secrets = new byte[keys.length][];
            for (int k = 0; k < keys.length; k++) {
                keyIds[k] = keys[k].id();
                secrets[k] = keys[k].secret();
            }
        }
        results.clear();
        final Vertx vertx = Vertx.vertx();
        try {
            if (websocket) {
                results.add(new WebSocketLoad(vertx, rate).run());
            } else if (target == Target.tx) {
                results.add(run(vertx, "tx", false, rate, 0));
            } else {
                if (target != Target.orders) {
                    results.add(run(vertx, "health", closedLoop, rate, 0));
                }
                if (target != Target.health) {
                    // in a closed loop, the health ceiling just measured bounds the orders' pool from below
                    results.add(run(vertx, "orders", closedLoop, rate,
                            results.isEmpty() ? 0 : results.getFirst().throughput()));
                }
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        for (final Result r : results) {
            print(r);
        }
        if (results.size() == 2) {
            final Result health = results.get(0);
            final Result orders = results.get(1);
            System.out.printf(Locale.ROOT, "orders/health: throughput %.2f (%,.0f/s against %,.0f/s), p99 %.2f ms "
                    + "against %.2f ms%s%n", orders.throughput() / health.throughput(), orders.throughput(),
                    health.throughput(), orders.latency().getValueAtPercentile(99) / 1e6,
                    health.latency().getValueAtPercentile(99) / 1e6,
                    closedLoop ? " (closed loop: the ceilings)" : " (the same offered rate)");
        }
        return results.stream().allMatch(r -> r.all().errors() == 0 && r.unanswered() == 0) ? 0 : 1;
    }

    private static void print(final Result r) {
        System.out.printf(Locale.ROOT, "%s warm-up: %,d requests, p99 %.2f ms, max %.2f ms (not counted below)%n",
                r.target(), r.warm().getTotalCount(), r.warm().getValueAtPercentile(99) / 1e6,
                r.warm().getMaxValue() / 1e6);
        final Histogram h = r.latency();
        final Counts m = r.measured();
        System.out.printf(Locale.ROOT,
                "%s: %s: %,d answered (%,.0f/s; %,.0f/s without errors), %,d accepted (200/202), %,d "
                        + "rejected by the engine (4xx), %,d errors; latency from %s: p50 %.2f ms, p99 %.2f ms, "
                        + "p99.9 %.2f ms, max %.2f ms%n", r.target(), r.mode(), m.answered(), m.answered() / r
                                .seconds(),
                r.throughput(), m.ok(), m.rejected(), m.errors(), r.mode().startsWith("closed") ? "send"
                        : "intended send", h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6,
                h.getValueAtPercentile(99.9) / 1e6, h.getMaxValue() / 1e6);
        System.out.printf(Locale.ROOT, "%s: with the warm-up %,d sent, %,d answered (%,d accepted, %,d rejected, %,d "
                + "errors), %,d unanswered%s%n", r.target(), r.sent(), r.all().answered(), r.all().ok(),
                r.all().rejected(), r.all().errors(), r.unanswered(), r.signing().isEmpty() ? "" : "; "
                        + r.signing());
        if (!r.errorKinds().isEmpty()) {
            System.out.printf("%s: errors: %s%n", r.target(), r.errorKinds());
        }
    }

    // ------------------------------------------------------------------------------------------ requests

    /** One request's content, not yet signed; {@code key} is -1 for an unsigned request. */
    record Content(int key, HttpMethod method, String path, byte[] body) {
    }

    /** A request ready to send: its content and, when signed, its timestamp and signature. */
    record Prepared(Content content, String timestamp, String signature, long timestampMillis) {
    }

    private static final Prepared HEALTH = new Prepared(new Content(-1, HttpMethod.GET, "/health", new byte[0]),
            null, null, 0);

    /** Where a run's requests come from; called from the sending thread and the client's event loops. */
    private interface Source {
        /** The request for send number {@code index}, to be sent now. */
        Prepared next(long index);
    }

    private String[] keyIds;
    private byte[][] secrets;

    /** An account's client key, for signed transactions to edge nodes. */
    private record TxKey(String account, org.edgebook.codec.Ed25519Key.Private key, String keyId) {
    }

    private List<TxKey> txKeys;

    /**
     * {@code count} requests to {@code POST /v1/tx}, each of {@code --tx-batch} transfers (a JSON array when more
     * than one) from one account to the next in turn, signed now on every core: the signature is the client's, in
     * the body, so nothing in the request ages but {@code signedAt}, which edge nodes take for a day.
     */
    private Prepared[] presignTx(final int count) {
        final String run = Long.toString(System.currentTimeMillis(), 36);
        final long signedAt = System.currentTimeMillis();
        final Prepared[] pool = new Prepared[count];
        java.util.stream.IntStream.range(0, count).parallel().forEach(r -> {
            final StringBuilder body = new StringBuilder(txBatch * 400);
            if (txBatch > 1) {
                body.append('[');
            }
            for (int b = 0; b < txBatch; b++) {
                final long i = (long) r * txBatch + b;
                final TxKey from = txKeys.get((int) (i % txKeys.size()));
                final TxKey to = txKeys.get((int) ((i + 1) % txKeys.size()));
                final java.util.Map<String, Object> tx = new java.util.LinkedHashMap<>();
                tx.put("type", "transfer");
                tx.put("transferId", run + "-" + i);
                tx.put("from", from.account());
                tx.put("to", to.account());
                tx.put("asset", asset);
                tx.put("amount", amount);
                if (b > 0) {
                    body.append(',');
                }
                body.append(org.edgebook.codec.CanonicalJson.write(org.edgebook.codec.TransactionSignature.sign(tx,
                        from.key(), from.keyId(), signedAt)));
            }
            if (txBatch > 1) {
                body.append(']');
            }
            pool[r] = new Prepared(new Content(-1, HttpMethod.POST, "/v1/tx", body.toString().getBytes(
                    StandardCharsets.UTF_8)), null, null, 0);
        });
        return pool;
    }

    private Prepared sign(final Content c, final long timestampMillis) {
        final String ts = Long.toString(timestampMillis);
        return new Prepared(c, ts, RequestSignature.sign(secrets[c.key()], ts, c.method().name(), c.path(),
                c.body()), timestampMillis);
    }

    /** Whether a request stamped at {@code timestampMillis} may be sent at {@code nowMillis} without going stale. */
    private boolean fresh(final long timestampMillis, final long nowMillis) {
        return Math.abs(nowMillis - timestampMillis) <= clockWindowMillis - 1000;
    }

    /**
     * The order flow, one request after another: two or more accounts in turn, each alternately buying just above
     * and selling just below the mid (so they trade), and with {@code --cancel-percent} a cancel of one of the same
     * account's ten latest orders that is still thought open (never the same order twice: a second cancel of an order
     * would repeat a request's signature within the same millisecond).
     */
    private final class OrderFlow {
        private final String run = Long.toString(System.currentTimeMillis(), 36);
        private final SplittableRandom random = new SplittableRandom();
        private final int accounts = keyIds.length;
        private final boolean[] open = new boolean[accounts * 11];
        private long n;

        synchronized Content next() {
            final long i = n++;
            final int key = (int) (i % accounts);
            final int slot = (int) (i % open.length);
            if (i > accounts * 10L && random.nextInt(100) < cancelPercent) {
                final long target = i - (long) accounts * (1 + random.nextInt(10));
                final int targetSlot = (int) (target % open.length);
                if (open[targetSlot]) {
                    open[targetSlot] = false;
                    open[slot] = false;
                    return new Content(key, HttpMethod.DELETE, "/v1/orders/" + run + "-" + target, new byte[0]);
                }
            }
            open[slot] = true;
            final boolean buy = (i / accounts) % 2 == 0;
            final long price = buy ? mid - random.nextInt(3) + 1 : mid + random.nextInt(3) - 1;
            final String body = "{\"clientOrderId\":\"" + run + "-" + i + "\",\"symbol\":\"" + symbol
                    + "\",\"side\":\"" + (buy ? "BUY" : "SELL") + "\",\"price\":\"" + price
                    + "\",\"quantity\":\"0.001\"}";
            return new Content(key, HttpMethod.POST, "/v1/orders", body.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Requests signed ahead: the i-th stamped {@code stamp(first, i)}, {@code first} being when they are ready. */
    private record Pool(Prepared[] requests, long firstMillis, double seconds) {
    }

    /**
     * Signs the next {@code count} requests of {@code flow} on every core. Their stamps are relative to the moment
     * the signing will be done, estimated from a sample of them signed first (with a margin).
     */
    private Pool presign(final OrderFlow flow, final int count, final java.util.function.LongBinaryOperator stamp) {
        final long t0 = System.nanoTime();
        final Content[] contents = new Content[count];
        for (int i = 0; i < count; i++) {
            contents[i] = flow.next();
        }
        final int sample = Math.min(count, 2_000);
        final long s0 = System.nanoTime();
        java.util.stream.IntStream.range(0, sample).parallel().forEach(i -> sign(contents[i], 0));
        final double perRequest = (System.nanoTime() - s0) / (double) sample;
        final long first = System.currentTimeMillis() + 200 + (long) (1.5 * perRequest * count / 1e6);
        final Prepared[] pool = new Prepared[count];
        java.util.stream.IntStream.range(0, count).parallel()
                .forEach(i -> pool[i] = sign(contents[i], stamp.applyAsLong(first, i)));
        return new Pool(pool, first, (System.nanoTime() - t0) / 1e9);
    }

    /** The most a closed loop's pool is signed for per second (16 s of it is about 1 GB); beyond, sign as they go. */
    private static final int MAX_POOL_RATE = 200_000;

    // ------------------------------------------------------------------------------------------ a run

    /** What a run has counted so far; requests are answered on the client's event loops. */
    private static final class Tally {
        final Recorder recorder = new Recorder(3);
        final Histogram total = new Histogram(3);
        final Histogram warm = new Histogram(3);
        final AtomicLong sent = new AtomicLong();
        final AtomicLong resigned = new AtomicLong();
        /** Errors by status, or by the failure of a request that got no answer. */
        final ConcurrentHashMap<String, java.util.concurrent.atomic.LongAdder> errorKinds = new ConcurrentHashMap<>();
        /** The most answers in one second of the closed loop so far (read by the thread that runs it). */
        double peakPerSecond;
        /** answered, 200, rejected, errors: of all requests [0..3], of the measured phase [4..7]. */
        final java.util.concurrent.atomic.AtomicLongArray counts = new java.util.concurrent.atomic.AtomicLongArray(8);

        void answer(final AsyncResult<Integer> result, final long timedFrom, final boolean measured) {
            final long latency = Math.max(0, System.nanoTime() - timedFrom);
            final int kind = result.failed() || result.result() >= 500 || result.result() == 401
                    || result.result() == 429 ? 3 : result.result() == 200 || result.result() == 202 ? 1 : 2;
            if (kind == 3) {
                final String what = result.failed() ? "no answer (" + result.cause().getClass().getSimpleName()
                        + ": " + result.cause().getMessage() + ")" : Integer.toString(result.result());
                errorKinds.computeIfAbsent(what.length() > 120 ? what.substring(0, 120) : what,
                        k -> new java.util.concurrent.atomic.LongAdder()).increment();
            }
            if (measured) {
                recorder.recordValue(latency);
                counts.incrementAndGet(4 + kind);
                counts.incrementAndGet(4);
            } else {
                synchronized (warm) {
                    warm.recordValue(latency);
                }
            }
            counts.incrementAndGet(kind);
            counts.incrementAndGet(0); // last, so that a reader who sees it answered sees the rest
        }

        long answered() {
            return counts.get(0);
        }

        long errors() {
            return counts.get(3);
        }

        private Counts counts(final int from) {
            return new Counts(counts.get(from), counts.get(from + 1), counts.get(from + 2), counts.get(from + 3));
        }

        /** Folds what was recorded since the last call into the total; returns that interval's p99 in ms. */
        double roll() {
            final Histogram interval = recorder.getIntervalHistogram();
            total.add(interval);
            return interval.getValueAtPercentile(99) / 1e6;
        }

        Result result(final String target, final String mode, final double seconds, final String signing) {
            roll();
            final StringBuilder errors = new StringBuilder();
            errorKinds.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue().sum(), a.getValue().sum()))
                    .limit(5).forEach(e -> errors.append(errors.isEmpty() ? "" : ", ").append(e.getValue().sum())
                            .append(" × ").append(e.getKey()));
            return new Result(target, mode, sent.get(), counts(0), counts(4), seconds, total, warm, signing,
                    errors.toString());
        }
    }

    private void send(final HttpClient client, final Prepared p, final Tally tally, final long timedFrom,
                      final boolean measured, final Runnable then) {
        final Content c = p.content();
        tally.sent.incrementAndGet();
        client.request(new RequestOptions().setMethod(c.method()).setURI(c.path()))
                .compose(request -> {
                    // signed headers go on once a connection is free: a request that waited in the client's queue
                    // past its stamp's window is signed anew (counted), rather than sent to be refused 401
                    if (p.signature() != null) {
                        final long now = System.currentTimeMillis();
                        Prepared q = p;
                        if (!fresh(p.timestampMillis(), now)) {
                            tally.resigned.incrementAndGet();
                            q = sign(c, now);
                        }
                        request.putHeader(RequestSignature.KEY_HEADER, keyIds[c.key()])
                                .putHeader(RequestSignature.TIMESTAMP_HEADER, q.timestamp())
                                .putHeader(RequestSignature.SIGNATURE_HEADER, q.signature());
                    }
                    return request.send(Buffer.buffer(c.body()));
                })
                .compose(response -> response.body().map(b -> response.statusCode()))
                .onComplete(result -> {
                    tally.answer(result, timedFrom, measured);
                    if (then != null) {
                        then.run();
                    }
                });
    }

    private static int port(final URI target) {
        return target.getPort() > 0 ? target.getPort() : "https".equals(target.getScheme()) ? 443 : 80;
    }

    private HttpClient client(final Vertx vertx, final int rate, final URI target) {
        return vertx.createHttpClient(new HttpClientOptions().setDefaultHost(target.getHost())
                .setDefaultPort(port(target)).setKeepAlive(true).setPipelining(pipelining > 1)
                .setPipeliningLimit(pipelining),
                new PoolOptions().setHttp1MaxSize(connections)
                        // ten seconds of a fixed rate may wait for a connection: a stall is measured, not refused
                        .setMaxWaitQueueSize(Math.max(10_000, Math.max(rate * 10, connections * pipelining))));
    }

    private Result run(final Vertx vertx, final String name, final boolean closedLoop, final int rate,
                       final double poolRate) throws Exception {
        final List<URI> targets = name.equals("tx") && edges != null && !edges.isEmpty() ? edges : List.of(url);
        final HttpClient[] clients = new HttpClient[targets.size()];
        for (int i = 0; i < clients.length; i++) {
            clients[i] = client(vertx, rate, targets.get(i));
        }
        try {
            return closedLoop ? closedLoop(clients[0], name, poolRate) : fixedRate(clients, name, rate);
        } finally {
            for (final HttpClient client : clients) {
                client.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Requests due every 1/rate s, warm-up first; each timed from when it was due. */
    private Result fixedRate(final HttpClient[] clients, final String name, final int rate) throws Exception {
        final Tally tally = new Tally();
        final long intervalNanos = 1_000_000_000L / rate;
        final long warmupCount = (long) rate * warmup;
        final long count = warmupCount + (long) rate * duration;
        if (count > Integer.MAX_VALUE - 8) {
            throw new CommandLine.ParameterException(spec.commandLine(), "rate × (warm-up + duration) is too many "
                    + "requests to sign ahead");
        }
        final Source source;
        String signing = "";
        long startMillis = System.currentTimeMillis() + 50;
        if (name.equals("health")) {
            source = i -> HEALTH;
        } else if (name.equals("tx")) {
            final long t0 = System.nanoTime();
            final Prepared[] pool = presignTx((int) count);
            signing = String.format(Locale.ROOT, "%,d requests of %d transaction%s signed before the run in %.1f s",
                    count, txBatch, txBatch == 1 ? "" : "s", (System.nanoTime() - t0) / 1e9);
            source = i -> {
                final Prepared p = pool[(int) i];
                pool[(int) i] = null;
                return p;
            };
        } else {
            // Each request stamped with its due time; the first is due once signing is done.
            final Pool signed = presign(new OrderFlow(), (int) count,
                    (first, i) -> first + i * intervalNanos / 1_000_000L);
            final Prepared[] pool = signed.requests();
            startMillis = Math.max(signed.firstMillis(), System.currentTimeMillis() + 50);
            signing = String.format(Locale.ROOT, "%,d requests signed before the run in %.1f s", count,
                    signed.seconds());
            source = i -> {
                final Prepared p = pool[(int) i];
                pool[(int) i] = null; // let the sent ones go
                return p;
            };
        }
        final long start = System.nanoTime() + (startMillis - System.currentTimeMillis()) * 1_000_000L;
        final long measureFrom = start + TimeUnit.SECONDS.toNanos(warmup);
        long nextReport = start + 1_000_000_000L;
        System.err.printf(Locale.ROOT, "load %s: %,d requests/s for %d s (after %d s of warm-up) over %d "
                + "connections to %s%n", name, rate, duration, warmup, connections, name.equals("tx") && edges != null
                        ? edges : url);
        for (long i = 0; i < count; i++) {
            final long due = start + i * intervalNanos;
            awaitDue(due);
            send(clients[(int) (i % clients.length)], source.next(i), tally, due, due >= measureFrom, null);
            if (System.nanoTime() >= nextReport) {
                progress(tally, (nextReport - start) / 1_000_000_000L);
                nextReport += 1_000_000_000L;
            }
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (tally.answered() < count && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        final double seconds = (System.nanoTime() - measureFrom) / 1e9;
        if (tally.resigned.get() > 0) {
            signing += String.format(Locale.ROOT, ", %,d signed again when sent (they waited for a connection past "
                    + "their stamp's window)", tally.resigned.get());
        }
        return tally.result(name, String.format(Locale.ROOT, "offered %,d/s for %d s over %d connections%s", rate,
                duration, connections, pipelining > 1 ? " pipelining " + pipelining : ""), seconds, signing);
    }

    /**
     * Parks until {@code due}, without spinning: on two cores a sender that spins for the last 50 µs of every wait
     * takes most of a core from the service and the client's event loops at a few thousand requests a second (8,000/s
     * of /health got a p99 of a second that way). The timer's slack, tens of microseconds, counts against the request
     * (it is timed from {@code due}); the requests that fell due meanwhile go out at once, one after another.
     */
    private static void awaitDue(final long due) {
        long wait;
        while ((wait = due - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
    }

    private static void progress(final Tally tally, final long second) {
        System.err.printf(Locale.ROOT, "  %3d s: %,d sent, %,d answered, %,d errors; last second p99 %.2f ms%n",
                second, tally.sent.get(), tally.answered(), tally.errors(), tally.roll());
    }

    /**
     * Closed loop: a warm-up, then the measured phase, each {@code connections × pipelining} chains of one request
     * after another. Orders in the warm-up are signed as they go; the measured phase draws on a pool signed in
     * between, stamped by the second: for every second twice the warm-up's best second, or {@code poolRate} if more
     * (with {@code both}, the health ceiling).
     */
    private Result closedLoop(final HttpClient client, final String name, final double poolRate) throws Exception {
        final Tally tally = new Tally();
        final int chains = connections * pipelining;
        System.err.printf(Locale.ROOT, "load %s: closed loop, %d connections × %d in flight, %d s (after %d s of "
                + "warm-up) to %s%n", name, connections, pipelining, duration, warmup, url);
        final OrderFlow flow = name.equals("orders") ? new OrderFlow() : null;
        final long warmStart = System.nanoTime();
        if (warmup > 0) {
            chains(client, tally, chains, warmStart + TimeUnit.SECONDS.toNanos(warmup), false, flow == null
                    ? i -> HEALTH : i -> sign(flow.next(), System.currentTimeMillis()), warmStart);
        }
        final double warmRate = tally.peakPerSecond;
        Source source = i -> HEALTH;
        String signing = "";
        long startMillis = System.currentTimeMillis();
        final AtomicLong unused = new AtomicLong();
        final AtomicLong phaseStart = new AtomicLong();
        if (flow != null) {
            final int perSecond = (int) Math.min(MAX_POOL_RATE, Math.max(1_000, Math.ceil(Math.max(2 * warmRate,
                    poolRate))));
            final int count = perSecond * (duration + 1);
            // bucket b (the b-th second of the phase) is stamped with its middle
            final Pool signed = presign(flow, count, (first, i) -> first + (i / perSecond) * 1000 + 500);
            final Prepared[] pool = signed.requests();
            startMillis = Math.max(signed.firstMillis(), System.currentTimeMillis());
            final AtomicLong cursor = new AtomicLong();
            source = ignored -> {
                final long now = System.currentTimeMillis();
                // buckets follow the phase's real start; a stamp a little off it is still well inside the window
                final long bucketStart = Math.max(0, Math.floorDiv(now - phaseStart.get(), 1000)) * perSecond;
                final long taken = cursor.getAndAccumulate(bucketStart, (c, b) -> Math.max(c, b) + 1);
                if (taken < bucketStart) {
                    unused.addAndGet(bucketStart - taken); // left behind by the clock: never sent
                }
                final long k = Math.max(taken, bucketStart);
                if (k < pool.length) {
                    final Prepared p = pool[(int) k];
                    pool[(int) k] = null;
                    if (fresh(p.timestampMillis(), now)) {
                        return p;
                    }
                }
                tally.resigned.incrementAndGet(); // faster than the pool was made for
                return sign(flow.next(), now);
            };
            signing = String.format(Locale.ROOT, "%,d requests signed before the measured phase in %.1f s (%,d a "
                    + "second: the warm-up's best second was %,.0f/s%s)", count, signed.seconds(),
                    perSecond, warmRate, poolRate > 0 ? String.format(Locale.ROOT, ", health's ceiling %,.0f/s",
                            poolRate) : "");
        }
        final long wait = startMillis - System.currentTimeMillis();
        if (wait > 0) {
            Thread.sleep(wait);
        }
        phaseStart.set(System.currentTimeMillis());
        final long start = System.nanoTime();
        final long end = chains(client, tally, chains, start + TimeUnit.SECONDS.toNanos(duration), true, source,
                start);
        if (flow != null) {
            signing += String.format(Locale.ROOT, ", %,d of them unused (their second had passed), %,d signed "
                    + "during the phase", unused.get(), tally.resigned.get());
        }
        return tally.result(name, String.format(Locale.ROOT, "closed loop, %d connections × %d in flight, %d s",
                connections, pipelining, duration), (end - start) / 1e9, signing);
    }

    /** Runs {@code chains} request chains until {@code endNanos}; returns when the last answer came. */
    private long chains(final HttpClient client, final Tally tally, final int chains, final long endNanos,
                        final boolean measured, final Source source, final long reportFrom) throws Exception {
        final CountDownLatch done = new CountDownLatch(chains);
        final AtomicLong index = new AtomicLong();
        final AtomicLong last = new AtomicLong();
        for (int c = 0; c < chains; c++) {
            chain(client, tally, endNanos, measured, source, index, last, done);
        }
        long second = Math.max(1, (System.nanoTime() - reportFrom) / 1_000_000_000L + 1);
        long before = tally.answered();
        long beforeNanos = System.nanoTime();
        while (!done.await(Math.max(1, reportFrom + second * 1_000_000_000L - System.nanoTime()),
                TimeUnit.NANOSECONDS)) {
            final long answered = tally.answered();
            final long now = System.nanoTime();
            tally.peakPerSecond = Math.max(tally.peakPerSecond, (answered - before) * 1e9 / (now - beforeNanos));
            before = answered;
            beforeNanos = now;
            if (measured) {
                progress(tally, second);
            } else {
                System.err.printf(Locale.ROOT, "  warm-up %d s: %,d answered, %,d errors%n", second,
                        tally.answered(), tally.errors());
            }
            second++;
            if (System.nanoTime() > endNanos + TimeUnit.SECONDS.toNanos(30)) {
                break; // answers that never came count as unanswered
            }
        }
        final long now = System.nanoTime();
        if (now - beforeNanos >= 500_000_000L || tally.peakPerSecond == 0) { // the last part of a second, if long
            tally.peakPerSecond = Math.max(tally.peakPerSecond, (tally.answered() - before) * 1e9 / (now
                    - beforeNanos));
        }
        return Math.max(last.get(), endNanos);
    }

    private void chain(final HttpClient client, final Tally tally, final long endNanos, final boolean measured,
                       final Source source, final AtomicLong index, final AtomicLong last, final CountDownLatch done) {
        final long now = System.nanoTime();
        if (now >= endNanos) {
            last.accumulateAndGet(now, Math::max);
            done.countDown();
            return;
        }
        send(client, source.next(index.getAndIncrement()), tally, now, measured,
                () -> chain(client, tally, endNanos, measured, source, index, last, done));
    }

    // ------------------------------------------------------------------------------------------ WebSocket

    /** Orders pipelined over signed WebSocket connections at a fixed rate; each answer is matched by id. */
    private final class WebSocketLoad {
        private final Vertx vertx;
        private final int rate;
        private final ConcurrentHashMap<Long, Long> pending = new ConcurrentHashMap<>();
        private final Tally tally = new Tally();
        private volatile long measureFrom;

        WebSocketLoad(final Vertx vertx, final int rate) {
            this.vertx = vertx;
            this.rate = rate;
        }

        private io.vertx.core.http.WebSocket[] connect() throws Exception {
            final io.vertx.core.http.WebSocketClient wsClient = vertx.createWebSocketClient();
            final io.vertx.core.http.WebSocket[] sockets = new io.vertx.core.http.WebSocket[connections];
            for (int c = 0; c < connections; c++) {
                final int key = c % keyIds.length;
                final Prepared upgrade = sign(new Content(key, HttpMethod.GET, "/v1/ws", new byte[0]),
                        System.currentTimeMillis());
                final io.vertx.core.http.WebSocketConnectOptions options =
                        new io.vertx.core.http.WebSocketConnectOptions()
                                .setHost(url.getHost()).setPort(port(url)).setURI("/v1/ws")
                                .addHeader(RequestSignature.KEY_HEADER, keyIds[key])
                                .addHeader(RequestSignature.TIMESTAMP_HEADER, upgrade.timestamp())
                                .addHeader(RequestSignature.SIGNATURE_HEADER, upgrade.signature());
                sockets[c] = wsClient.connect(options).toCompletionStage().toCompletableFuture()
                        .get(10, TimeUnit.SECONDS);
                sockets[c].textMessageHandler(this::answered);
            }
            return sockets;
        }

        private void answered(final String text) {
            if (!text.startsWith("{\"id\":")) {
                return;
            }
            final long id = Long.parseLong(text.substring(6, text.indexOf(',')));
            final Long due = pending.remove(id);
            if (due == null) {
                return;
            }
            final int status = text.contains("\"error\"") ? 503 : text.contains("\"type\":\"rejected\"") ? 422 : 200;
            tally.answer(io.vertx.core.Future.succeededFuture(status), due, due >= measureFrom);
        }

        Result run() throws Exception {
            final io.vertx.core.http.WebSocket[] sockets = connect();
            final OrderFlow flow = new OrderFlow();
            final long intervalNanos = 1_000_000_000L / rate;
            final long count = (long) rate * (warmup + duration);
            final long start = System.nanoTime() + 50_000_000L;
            measureFrom = start + TimeUnit.SECONDS.toNanos(warmup);
            long nextReport = start + 1_000_000_000L;
            System.err.printf(Locale.ROOT, "load orders: %,d commands/s for %d s (after %d s of warm-up) over %d "
                    + "WebSocket connections to %s%n", rate, duration, warmup, connections, url);
            for (long i = 0; i < count; i++) {
                final long due = start + i * intervalNanos;
                awaitDue(due);
                final Content c = flow.next();
                final String command = c.method() == HttpMethod.DELETE
                        ? "{\"type\":\"cancel\",\"clientOrderId\":\"" + c.path().substring("/v1/orders/".length())
                                + "\"}"
                        : new String(c.body(), StandardCharsets.UTF_8)
                                .replace("{\"clientOrderId\"", "{\"type\":\"place\",\"clientOrderId\"");
                pending.put(i, due);
                tally.sent.incrementAndGet();
                // the command is for key i % accounts, socket i % connections signed with key (i % connections) %
                // accounts: the same when connections is a multiple of the number of keys (64 and 2 by default)
                sockets[(int) (i % sockets.length)]
                        .writeTextMessage("{\"op\":\"command\",\"id\":" + i + ",\"command\":" + command + "}");
                if (System.nanoTime() >= nextReport) {
                    progress(tally, (nextReport - start) / 1_000_000_000L);
                    nextReport += 1_000_000_000L;
                }
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (tally.answered() < count && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            return tally.result("orders", String.format(Locale.ROOT, "offered %,d/s for %d s over %d WebSocket "
                    + "connections", rate, duration, connections), (System.nanoTime() - measureFrom) / 1e9, "");
        }
    }
}
