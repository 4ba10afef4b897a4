package org.edgebook.server;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Token buckets per API key: {@code perSecond} requests a second with bursts up to {@code burst}. A request over the
 * limit is told how long to wait. Thread-safe; one small lock per key.
 */
public final class RateLimiter {
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
        final Bucket bucket = buckets.computeIfAbsent(key, k -> {
            final Bucket b = new Bucket();
            b.tokens = burst;
            b.lastNanos = nowNanos;
            return b;
        });
        synchronized (bucket) {
            bucket.tokens = Math.min(burst, bucket.tokens + (nowNanos - bucket.lastNanos) / 1e9 * perSecond);
            bucket.lastNanos = nowNanos;
            if (bucket.tokens >= 1) {
                bucket.tokens -= 1;
                return 0;
            }
            return Math.max(1, (long) Math.ceil((1 - bucket.tokens) / perSecond));
        }
    }
}
