package org.edgebook.edge.agent;

import java.util.List;
import java.util.Map;
import org.edgebook.edge.Shadow;

/**
 * One heartbeat's content (docs/control-plane.md section 4): counts of the interval since the previous heartbeat, what
 * each route runs, the modules refused, the node's telemetry and health. {@link HeartbeatJson} writes it.
 * <p>
 * Threading: immutable.
 */
public record Heartbeat(long seq, String agent, Map<String, String> versions, String health, String applied,
                        List<RouteReport> routes, List<DesiredStateApplier.LoadFailure> loadFailures,
                        Telemetry telemetry) {
    /** Health values. */
    public static final String OK = "ok";
    public static final String DEGRADED = "degraded";
    public static final String FAILING = "failing";

    /** A route: what it runs, and its interval's requests, errors (5xx) and latency; its shadow or null. */
    public record RouteReport(String path, String module, String version, String sha256, long requests, long errors,
                              long p50Micros, long p99Micros, ShadowReport shadow) {
    }

    /** A route's shadow: what it runs, and its interval's comparisons, mismatches and samples (at most 3). */
    public record ShadowReport(String module, String version, String sha256, long compared, long mismatches,
                               List<Shadow.Sample> samples) {
    }

    /** The node's interval transactions, outbox depth, forward lag, heap used and resident memory (0: unknown). */
    public record Telemetry(long transactions, long outboxDepth, long forwardLagMillis, long heapUsedBytes,
                            long rssBytes) {
    }
}
