package org.edgebook.fleet;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One simulated agent: its key, its id once enrolled, the interval it was told, the routes it runs, the desired state
 * it applied, the load failures to report, and the traits drawn once from the seed (request rate, latencies, heap).
 * <p>
 * Threading: the scheduler thread reads it to write a heartbeat; answers (the event loop) write the interval and the
 * state; a desired-state application replaces {@link #routes} whole. Fields shared are volatile; the load failures
 * are guarded by the node's monitor.
 */
final class SimNode {
    /** A module refused: the route, the module's hash and why. */
    record LoadFailure(String path, String sha256, String reason) {
    }

    final int index;
    final NodeKey key;
    final String region;
    /** Requests per second, drawn once (10 to 400). */
    final long ratePerSecond;
    final long p50Micros;
    final long p99Micros;
    final long heapBytes;
    final AtomicBoolean fetching = new AtomicBoolean();

    volatile String id;
    volatile long intervalMillis;
    volatile boolean revoked;
    volatile Route[] routes = new Route[0];
    /** The hash of the desired state the node runs fully (empty: none). */
    volatile String applied = "";
    /** The hash of the last desired state the node tried, applied or not: it does not try one again. */
    volatile String attempted = "";
    long seq;
    private final List<LoadFailure> loadFailures = new ArrayList<>();

    SimNode(final int index, final NodeKey key, final String region, final long seed) {
        this.index = index;
        this.key = key;
        this.region = region;
        // a long tail of busy nodes: most serve tens of requests a second, a few hundreds
        final long u = Mix.below(seed, index, 0, 1, 1000);
        this.ratePerSecond = 10 + u * u * 390 / 1_000_000;
        this.p50Micros = 400 + Mix.below(seed, index, 0, 2, 800);
        this.p99Micros = p50Micros * (3 + Mix.below(seed, index, 0, 3, 4));
        this.heapBytes = 32_000_000 + Mix.below(seed, index, 0, 4, 48_000_000);
    }

    void addLoadFailure(final LoadFailure failure) {
        synchronized (this) {
            if (loadFailures.size() < 64) {
                loadFailures.add(failure);
            }
        }
    }

    /** The load failures since the previous heartbeat; they are reported once. */
    List<LoadFailure> takeLoadFailures() {
        synchronized (this) {
            if (loadFailures.isEmpty()) {
                return List.of();
            }
            final List<LoadFailure> taken = List.copyOf(loadFailures);
            loadFailures.clear();
            return taken;
        }
    }
}
