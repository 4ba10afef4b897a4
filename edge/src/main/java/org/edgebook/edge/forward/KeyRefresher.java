package org.edgebook.edge.forward;

import io.vertx.core.Vertx;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.edgebook.edge.tx.ClientKeys;

/**
 * Keeps the node's {@link ClientKeys} in step with settlement's: every {@link Options#intervalMillis} it asks for the
 * keys changed after the version it holds ({@link SettlementClient#clientKeys}) and applies them (new keys,
 * revocations). A failed refresh keeps the keys held and tries again after a backoff (exponential with full jitter,
 * as the forwarder's), until one succeeds; {@link #lastSuccessMillis} says when that was.
 * <p>
 * Threading: a chain of Vert.x timers, one refresh at a time (a refresh's answer schedules the next), so the keys have
 * a single writer; the fields read by other threads are volatile. {@link #start} and
 * {@link #close} may be called from any thread.
 */
public final class KeyRefresher implements AutoCloseable {

    /** Settings: the polling interval, the backoff after failures, the jitter's random source, the clock. */
    public record Options(long intervalMillis, long backoffBaseMillis, long backoffCapMillis, RandomGenerator random,
                          LongSupplier clockMillis) {
        public static Options defaults() {
            return new Options(1_000, 50, 5_000, RandomGenerator.getDefault(), System::currentTimeMillis);
        }

        public Options withInterval(final long millis) {
            return new Options(millis, backoffBaseMillis, backoffCapMillis, random, clockMillis);
        }

        public Options withBackoff(final long baseMillis, final long capMillis, final RandomGenerator r) {
            return new Options(intervalMillis, baseMillis, capMillis, r, clockMillis);
        }
    }

    private static final System.Logger LOG = System.getLogger("edgebook.edge.forward");

    private final Vertx vertx;
    private final SettlementClient client;
    private final ClientKeys keys;
    private final Options options;

    private volatile boolean closed;
    private volatile boolean started;
    private volatile long timer = -1;
    private volatile int failures;
    private volatile String lastError;
    private volatile long lastSuccessMillis;

    public KeyRefresher(final Vertx vertx, final SettlementClient client, final ClientKeys keys,
                        final Options options) {
        if (options.intervalMillis() < 1 || options.backoffBaseMillis() < 1
                || options.backoffCapMillis() < options.backoffBaseMillis()) {
            throw new IllegalArgumentException("key refresher options out of range: " + options);
        }
        this.vertx = vertx;
        this.client = client;
        this.keys = keys;
        this.options = options;
    }

    /** Starts the polling with a refresh now. */
    public synchronized KeyRefresher start() {
        if (!started) {
            started = true;
            vertx.runOnContext(v -> refresh());
        }
        return this;
    }

    /** Epoch milliseconds of the last successful refresh (0: none yet). */
    public long lastSuccessMillis() {
        return lastSuccessMillis;
    }

    /** Failed refreshes since the last success. */
    public int failures() {
        return failures;
    }

    /** Why the last refresh failed, or null if it succeeded. */
    public String lastError() {
        return lastError;
    }

    public ClientKeys keys() {
        return keys;
    }

    @Override
    public void close() {
        closed = true;
        final long t = timer;
        if (t >= 0) {
            vertx.cancelTimer(t);
        }
    }

    /** One refresh; its answer schedules the next (the interval after a success, a backoff after a failure). */
    private void refresh() {
        if (closed) {
            return;
        }
        client.clientKeys(keys.version()).onComplete(done -> {
            if (done.succeeded()) {
                final long now = options.clockMillis().getAsLong();
                keys.apply(done.result().version(), done.result().keys(), now);
                lastSuccessMillis = now;
                lastError = null;
                failures = 0;
                schedule(options.intervalMillis());
            } else {
                final int n = failures + 1;
                failures = n;
                lastError = done.cause().getMessage();
                final long delay = backoff(n);
                LOG.log(System.Logger.Level.WARNING, "client keys not refreshed ({0}); {1} failures in a row, the "
                        + "keys of version {2} stay; trying again in {3} ms", lastError, n, keys.version(), delay);
                schedule(delay);
            }
        });
    }

    /** The n-th backoff in a row (n from 1): uniform in [1, min(cap, base * 2^(n-1))]. */
    long backoff(final int n) {
        final long ceiling = options.backoffBaseMillis() << Math.min(n - 1, 40);
        final long bound = Math.min(options.backoffCapMillis(), ceiling < 0 ? Long.MAX_VALUE : ceiling);
        return 1 + options.random().nextLong(bound);
    }

    private void schedule(final long millis) {
        if (!closed) {
            timer = vertx.setTimer(Math.max(1, millis), id -> refresh());
        }
    }
}
