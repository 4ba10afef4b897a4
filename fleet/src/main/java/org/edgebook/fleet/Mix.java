package org.edgebook.fleet;

/**
 * Deterministic pseudo-random numbers from a seed and a few coordinates (a node, a heartbeat's sequence, a purpose),
 * with SplitMix64's finaliser: the same {@code --seed} gives every node the same telemetry whatever the timing, and no
 * node keeps a generator.
 * <p>
 * Threading: stateless; any thread.
 */
final class Mix {
    private Mix() {
    }

    static long of(final long seed, final long a, final long b, final long c) {
        return fin(fin(fin(seed ^ 0x9E3779B97F4A7C15L * (a + 1)) ^ 0xBF58476D1CE4E5B9L * (b + 1)) + c);
    }

    /** A value in {@code [0, bound)}. */
    static long below(final long seed, final long a, final long b, final long c, final long bound) {
        return Long.remainderUnsigned(of(seed, a, b, c), bound);
    }

    private static long fin(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
