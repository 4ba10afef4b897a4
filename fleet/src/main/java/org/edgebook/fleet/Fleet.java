package org.edgebook.fleet;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Timer;
import java.util.TimerTask;

/**
 * The fleet simulator (docs/control-plane.md section 9): {@code nodes} simulated agents in one process, each with its
 * own Ed25519 key, enrolled with one token, heartbeating with believable telemetry on the interval the control plane
 * tells, applying desired states, and misbehaving on the versions marked bad. {@link #start} generates the keys and
 * enrolls (heartbeats start as each node enrolls); a reporter prints the heartbeat figures every period;
 * {@link #close} stops everything.
 * <p>
 * Threading: {@link #start}, {@link #writeReport} and {@link #close} from one thread; {@link #stats} from any.
 */
public final class Fleet implements AutoCloseable {
    private final FleetOptions options;
    private final FleetStats stats = new FleetStats();
    private final Vertx vertx;
    private final ControlClient client;
    private final ControlClient heartbeatClient;
    private final DesiredStates desired;
    private final Heartbeats heartbeats;
    private final Reporter reporter;
    private final Timer timer = new Timer("fleet-reporter", true);
    private SimNode[] nodes = new SimNode[0];

    public Fleet(final FleetOptions options) {
        this.options = options;
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Math.min(2, Runtime.getRuntime()
                .availableProcessors())));
        // heartbeats have their own pool, so that enrollment and desired-state fetches never queue behind them
        this.heartbeatClient = new ControlClient(vertx, options.control(), options.connections(),
                options.pipelining(), options.timeoutMillis(), 2);
        this.client = new ControlClient(vertx, options.control(), Math.max(options.enrollConcurrency(),
                options.desiredConcurrency()), 1, options.timeoutMillis(), 2);
        this.desired = new DesiredStates(client, stats, options);
        this.heartbeats = new Heartbeats(heartbeatClient, stats, desired, options);
        desired.onRevoked(heartbeats::revoked);
        this.reporter = new Reporter(stats, options.out());
    }

    /**
     * Generates the keys, makes the token and enrolls every node; heartbeats start as nodes enroll, and a line is
     * printed every {@code periodMillis}. Answers how many nodes were refused.
     */
    public long start(final long periodMillis) throws InterruptedException {
        options.out().println("fleet: seed " + options.seed() + " (--seed " + options.seed() + " repeats the "
                + "telemetry)");
        final long t0 = System.nanoTime();
        final NodeKey[] keys = NodeKey.generate(options.nodes());
        options.out().printf("fleet: %d Ed25519 keys in %.1f s%n", keys.length, (System.nanoTime() - t0) / 1e9);
        nodes = new SimNode[keys.length];
        for (int i = 0; i < keys.length; i++) {
            nodes[i] = new SimNode(i, keys[i], options.regions().get(i % options.regions().size()), options.seed());
        }
        timer.scheduleAtFixedRate(new TimerTask() {
            @Override
            public void run() {
                reporter.period(heartbeats.active());
            }
        }, periodMillis, periodMillis);
        final Enrollment enrollment = new Enrollment(client, options, stats);
        return enrollment.run(nodes, enrollment.token(), heartbeats::add);
    }

    /** The counters so far. */
    public FleetStats.Totals stats() {
        return stats.totals();
    }

    /** Nodes heartbeating now (enrolled, not revoked). */
    public long active() {
        return heartbeats.active();
    }

    /** The ids of the enrolled nodes, by index (null: not enrolled). */
    public String[] nodeIds() {
        final String[] ids = new String[nodes.length];
        for (int i = 0; i < nodes.length; i++) {
            ids[i] = nodes[i].id;
        }
        return ids;
    }

    /** Writes the JSON report (totals and each period's percentiles). */
    public void writeReport(final Path file) throws IOException {
        reporter.write(file, options, heartbeats.active());
    }

    /** Closes the current period: prints its line. */
    public void report() {
        reporter.period(heartbeats.active());
    }

    @Override
    public void close() {
        timer.cancel();
        heartbeats.close();
        heartbeatClient.close();
        client.close();
        vertx.close().toCompletionStage().toCompletableFuture().orTimeout(5, java.util.concurrent.TimeUnit.SECONDS)
                .exceptionally(e -> null).join();
    }
}
