package org.edgebook.control;

import java.net.URI;
import java.nio.file.Path;

/**
 * How to run the control plane ({@code ./edgebook control}). Threading: immutable.
 *
 * @param host                    where to listen
 * @param port                    the port; 0 for any free one ({@link ControlServer#port()})
 * @param dataDir                 the data directory: the embedded store (unless {@code dbUrl}) and {@code operator-key};
 *                                may be null with {@code dbUrl}
 * @param dbUrl                   a {@code jdbc:postgresql:} URL, or null for the embedded store in {@code dataDir}
 * @param settlement              the settlement service to keep in step (section 3), or null
 * @param settlementKeyFile       its admin API key ({@code ID SECRET}), with {@code settlement}
 * @param heartbeatIntervalMillis the shortest interval nodes are told (default 10 s)
 * @param maxHeartbeatsPerSecond  past this the interval is stretched: {@code max(base, ceil(nodes / this))} seconds
 * @param eventLoops              how many event loops take connections
 * @param maxBodyBytes            the largest request body of any route (a heartbeat has its own 64 KiB limit)
 * @param settlementRetryMaxMillis the longest wait between two tries to tell settlement a change
 * @param verifyOnWorkers         verify nodes' Ed25519 signatures on Vert.x workers rather than on the event loops
 *                                (README, control: measured better, and on by default)
 * @param fleetTickMillis         how often the fleet sweeps liveness and writes behind (1 s; tests make it long and
 *                                call {@code Fleet.sweepAndFlushNow} themselves)
 */
public record ControlConfig(String host, int port, Path dataDir, String dbUrl, URI settlement, Path settlementKeyFile,
                            long heartbeatIntervalMillis, int maxHeartbeatsPerSecond, int eventLoops,
                            long maxBodyBytes, long settlementRetryMaxMillis, boolean verifyOnWorkers,
                            long fleetTickMillis) {
    public static final long DEFAULT_INTERVAL_MILLIS = 10_000;
    public static final int DEFAULT_MAX_HEARTBEATS_PER_SECOND = 10_000;
    /** The body limit of operator routes: a 16 MiB module is 22.4 MB in base64, with its manifest and signature. */
    public static final long MODULE_BODY_BYTES = 24L * 1024 * 1024;

    public ControlConfig {
        if (dataDir == null && dbUrl == null) {
            throw new IllegalArgumentException("give a data directory (--data) or a database URL (--db)");
        }
        if (heartbeatIntervalMillis < 1_000) {
            throw new IllegalArgumentException("--heartbeat-interval is at least 1 s, not " + heartbeatIntervalMillis
                    + " ms");
        }
        if (maxHeartbeatsPerSecond < 1) {
            throw new IllegalArgumentException("--max-heartbeats-per-second is at least 1, not "
                    + maxHeartbeatsPerSecond);
        }
        if ((settlement == null) != (settlementKeyFile == null)) {
            throw new IllegalArgumentException("--settlement and --settlement-key go together");
        }
        if (fleetTickMillis < 1) {
            throw new IllegalArgumentException("fleetTickMillis is at least 1, not " + fleetTickMillis);
        }
        if (eventLoops < 1) {
            throw new IllegalArgumentException("eventLoops is at least 1, not " + eventLoops);
        }
    }

    /** The defaults: an embedded store in {@code dataDir}, no settlement, signatures verified on workers. */
    public static ControlConfig of(final String host, final int port, final Path dataDir) {
        return new ControlConfig(host, port, dataDir, null, null, null, DEFAULT_INTERVAL_MILLIS,
                DEFAULT_MAX_HEARTBEATS_PER_SECOND, 2, MODULE_BODY_BYTES, 30_000, true, 1_000);
    }

    public ControlConfig withDb(final String url) {
        return new ControlConfig(host, port, dataDir, url, settlement, settlementKeyFile, heartbeatIntervalMillis,
                maxHeartbeatsPerSecond, eventLoops, maxBodyBytes, settlementRetryMaxMillis, verifyOnWorkers,
                fleetTickMillis);
    }

    public ControlConfig withSettlement(final URI url, final Path keyFile) {
        return new ControlConfig(host, port, dataDir, dbUrl, url, keyFile, heartbeatIntervalMillis,
                maxHeartbeatsPerSecond, eventLoops, maxBodyBytes, settlementRetryMaxMillis, verifyOnWorkers,
                fleetTickMillis);
    }

    public ControlConfig withHeartbeats(final long intervalMillis, final int maxPerSecond) {
        return new ControlConfig(host, port, dataDir, dbUrl, settlement, settlementKeyFile, intervalMillis,
                maxPerSecond, eventLoops, maxBodyBytes, settlementRetryMaxMillis, verifyOnWorkers, fleetTickMillis);
    }

    public ControlConfig withSettlementRetryMax(final long millis) {
        return new ControlConfig(host, port, dataDir, dbUrl, settlement, settlementKeyFile, heartbeatIntervalMillis,
                maxHeartbeatsPerSecond, eventLoops, maxBodyBytes, millis, verifyOnWorkers, fleetTickMillis);
    }

    public ControlConfig withVerifyOnWorkers(final boolean onWorkers) {
        return new ControlConfig(host, port, dataDir, dbUrl, settlement, settlementKeyFile, heartbeatIntervalMillis,
                maxHeartbeatsPerSecond, eventLoops, maxBodyBytes, settlementRetryMaxMillis, onWorkers, fleetTickMillis);
    }

    public ControlConfig withFleetTick(final long millis) {
        return new ControlConfig(host, port, dataDir, dbUrl, settlement, settlementKeyFile, heartbeatIntervalMillis,
                maxHeartbeatsPerSecond, eventLoops, maxBodyBytes, settlementRetryMaxMillis, verifyOnWorkers, millis);
    }
}
