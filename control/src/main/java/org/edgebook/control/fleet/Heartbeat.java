package org.edgebook.control.fleet;

import java.util.List;
import java.util.Map;

/**
 * One heartbeat as the control plane read it (docs/control-plane.md section 4): counts are for the interval since the
 * node's previous heartbeat. Immutable.
 *
 * @param nodeId     the node that sent it (its signature was checked)
 * @param receivedAt when it arrived, control plane's clock, epoch ms
 * @param seq        the node's own counter
 */
public record Heartbeat(String nodeId, long receivedAt, long seq, String agent, Map<String, String> versions,
                        String health, String applied, List<Route> routes, List<LoadFailure> loadFailures,
                        Telemetry telemetry) {

    /** What a route runs and how it did in the interval. {@code shadow} is null when the route runs none. */
    public record Route(String path, String module, String version, String sha256, long requests, long errors,
                        long p50Micros, long p99Micros, Shadow shadow) {
    }

    /** A shadow's comparison in the interval (docs/control-plane.md section 7). */
    public record Shadow(String module, String version, String sha256, long compared, long mismatches,
                         List<Sample> samples) {
    }

    /** One mismatch: the request, the answer served and the shadow's answer, each at most 1 KiB. */
    public record Sample(String request, String served, String shadow) {
    }

    /** A module the node refused to load since its previous heartbeat, and why. */
    public record LoadFailure(String path, String sha256, String reason) {
    }

    /** The node's own figures for the interval. */
    public record Telemetry(long transactions, long outboxDepth, long forwardLagMillis, long heapUsedBytes,
                            long rssBytes) {
    }
}
