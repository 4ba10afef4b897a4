package org.edgebook.http;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Refuses a signed request seen before. A signature is accepted while its timestamp is within the clock window of
 * the server's clock; within that time this guard remembers every signature it accepted, so a captured request (an
 * admin deposit, a key creation, a WebSocket upgrade) cannot be sent again, not even a millisecond later. Past the
 * window the clock check refuses it anyway, and the guard forgets it.
 * <p>
 * A signature is remembered by its first 64 bits (the HMAC is 256; an accidental collision is out of reach), in a
 * bucket per second of its timestamp, so forgetting is dropping whole buckets. Memory is bounded by the requests the
 * rate limiter lets through in one window (a signature is recorded only after the limiter took the request): about
 * 60 bytes per request. It remembers nothing across a restart, so requests signed before it started are refused.
 * <p>
 * Threading: thread-safe; called from every event loop.
 */
public final class ReplayGuard {
    private final long windowMillis;
    private final Map<Long, Set<Long>> bySecond = new ConcurrentHashMap<>();
    private volatile long forgottenBelow = Long.MIN_VALUE;
    private final long startedMillis;

    /** A guard that remembers nothing from before {@code startedMillis}: refuse what was signed earlier. */
    public ReplayGuard(final long windowMillis, final long startedMillis) {
        this.windowMillis = windowMillis;
        this.startedMillis = startedMillis;
    }

    /** When this guard began remembering: a signature older than this may have been used before a restart. */
    public long startedMillis() {
        return startedMillis;
    }

    /** Whether a verified signature was accepted before (a read: see {@link #firstUse} to record one). */
    public boolean usedBefore(final long timestampMillis, final String signature) {
        final Set<Long> bucket = bySecond.get(Math.floorDiv(timestampMillis, 1000));
        return bucket != null && bucket.contains(Long.parseUnsignedLong(signature, 0, 16, 16));
    }

    /**
     * Records a verified signature; {@code false} if it was used before. Call only for a request whose signature
     * and clock window were checked, with {@code signature} in the canonical lower-case hex that verification takes.
     */
    public boolean firstUse(final long timestampMillis, final String signature, final long nowMillis) {
        forgetOld(nowMillis);
        final long second = Math.floorDiv(timestampMillis, 1000);
        final long id = Long.parseUnsignedLong(signature, 0, 16, 16);
        return bySecond.computeIfAbsent(second, s -> ConcurrentHashMap.newKeySet()).add(id);
    }

    /** Signatures remembered now: for tests and metrics. */
    public int remembered() {
        return bySecond.values().stream().mapToInt(Set::size).sum();
    }

    /** Drops the buckets whose every timestamp is now outside the window (with a second to spare). */
    private void forgetOld(final long nowMillis) {
        final long oldest = Math.floorDiv(nowMillis - windowMillis, 1000) - 1;
        if (oldest <= forgottenBelow) {
            return;
        }
        forgottenBelow = oldest;
        bySecond.keySet().removeIf(second -> second < oldest);
    }
}
