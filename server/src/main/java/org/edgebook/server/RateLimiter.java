package org.edgebook.server;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Token buckets per API key: {@code perSecond} requests a second with bursts up to {@code burst}. A request over the
 * limit is told how long to wait. Most requests cost one unit; an expensive one costs more ({@link #STATEMENT_COST}),
 * so a key cannot spend the service's CPU faster by choosing what it asks. Thread-safe; one small lock per key.
 */
public final class RateLimiter {
    /**
     * What a statement ({@code GET /v1/reports/statement}) costs, in requests of the key's rate: its first request
     * replays the whole journal and each catches up with what was journaled since. Capped at the burst, so a
     * statement is always possible.
     */
    public static final double STATEMENT_COST = 100;

    private final double perSecond;
    private final double burst;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    public RateLimiter(final double perSecond, final double burst) {
        this.perSecond = perSecond;
        this.burst = burst;
    }

    private static final class Bucket {
        double tokens;
        long lastNanos;
    }

    /** 0 if the request may go ahead, else the seconds to wait before trying again (at least 1). */
    public long acquire(final String key, final long nowNanos) {
        return acquire(key, nowNanos, 1);
    }

    /** The burst: the most units a key can spend at once. */
    public double burst() {
        return burst;
    }

    /**
     * As {@link #acquire(String, long)} for a request that costs {@code cost} units (0 costs nothing); nothing is
     * taken when it may not go ahead.
     */
    public long acquire(final String key, final long nowNanos, final double cost) {
        if (cost > burst) {
            throw new IllegalArgumentException("cost " + cost + " is more than the burst of " + burst);
        }
        if (cost <= 0) {
            return 0;
        }
        final Bucket bucket = buckets.computeIfAbsent(key, k -> {
            final Bucket b = new Bucket();
            b.tokens = burst;
            b.lastNanos = nowNanos;
            return b;
        });
        synchronized (bucket) {
            bucket.tokens = Math.min(burst, bucket.tokens + (nowNanos - bucket.lastNanos) / 1e9 * perSecond);
            bucket.lastNanos = nowNanos;
            if (bucket.tokens >= cost) {
                bucket.tokens -= cost;
                return 0;
            }
            return Math.max(1, (long) Math.ceil((cost - bucket.tokens) / perSecond));
        }
    }
}
