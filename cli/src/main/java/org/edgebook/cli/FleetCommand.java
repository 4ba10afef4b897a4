package org.edgebook.cli;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import org.edgebook.fleet.Fleet;
import org.edgebook.fleet.FleetOptions;
import org.edgebook.fleet.OperatorKey;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code edgebook fleet}: the fleet simulator (docs/control-plane.md section 9) against a running control plane. A thin
 * layer over {@link Fleet}: parses the options, runs for {@code --duration} seconds (or until interrupted), writes the
 * report.
 * <p>
 * Threading: picocli's thread runs it and waits; the simulator runs on its own threads.
 */
@Command(name = "fleet", mixinStandardHelpOptions = true,
        description = "Simulates a fleet of edge nodes against a control plane: enrolls N nodes, each with its own "
                + "Ed25519 key, heartbeats on the told interval with believable telemetry, applies desired states "
                + "(modules downloaded and verified once per hash), misbehaves on --bad-version, and prints heartbeat "
                + "latency percentiles every period.")
final class FleetCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--control", required = true, description = "The control plane, http://host:port.")
    private URI control;

    @Option(names = "--operator-key", required = true, paramLabel = "FILE",
            description = "The operator key file (ID SECRET), to make the enrollment token.")
    private Path operatorKey;

    @Option(names = "--nodes", defaultValue = "1000", description = "Nodes to enroll (default ${DEFAULT-VALUE}).")
    private int nodes;

    @Option(names = "--regions", split = ",", defaultValue = "eu-west,us-east,ap-south",
            description = "Regions, given round-robin (default ${DEFAULT-VALUE}).")
    private List<String> regions;

    @Option(names = "--labels", split = ",", paramLabel = "KEY=VALUE",
            description = "Labels every node asks for (comma-separated).")
    private Map<String, String> labels = new LinkedHashMap<>();

    @Option(names = "--bad-version", paramLabel = "NAME@VERSION",
            description = "A module version that misbehaves (repeat for several).")
    private List<String> badVersions = new ArrayList<>();

    @Option(names = "--bad-error-rate", defaultValue = "0.2",
            description = "A bad version's error rate, and a bad shadow's mismatch rate (default ${DEFAULT-VALUE}).")
    private String badErrorRate;

    @Option(names = "--bad-latency-factor", defaultValue = "4",
            description = "A bad version's p99, times this (default ${DEFAULT-VALUE}).")
    private String badLatencyFactor;

    @Option(names = "--bad-fails-load", description = "A bad version refuses to load (a load failure; the node "
            + "keeps what it ran).")
    private boolean badFailsLoad;

    @Option(names = "--trust", paramLabel = "FILE",
            description = "Publisher keys trusted: lines 'publisher base64-key'. Without it every module is refused.")
    private Path trust;

    @Option(names = "--connections", defaultValue = "64",
            description = "HTTP connections to the control plane (default ${DEFAULT-VALUE}).")
    private int connections;

    @Option(names = "--pipelining", defaultValue = "1", paramLabel = "DEPTH",
            description = "Requests in flight on one connection (default ${DEFAULT-VALUE}: no pipelining).")
    private int pipelining;

    @Option(names = "--enroll-concurrency", defaultValue = "64",
            description = "Enrollments in flight (default ${DEFAULT-VALUE}).")
    private int enrollConcurrency;

    @Option(names = "--desired-concurrency", defaultValue = "32",
            description = "Desired-state fetches in flight, so a wave does not stampede (default ${DEFAULT-VALUE}).")
    private int desiredConcurrency;

    @Option(names = "--schedulers", defaultValue = "1",
            description = "Scheduler threads that write and sign heartbeats (default ${DEFAULT-VALUE}).")
    private int schedulers;

    @Option(names = "--duration", defaultValue = "0", paramLabel = "SECONDS",
            description = "Seconds to heartbeat after enrollment; 0 until interrupted (default ${DEFAULT-VALUE}).")
    private long duration;

    @Option(names = "--period", defaultValue = "10", paramLabel = "SECONDS",
            description = "Seconds between printed lines (default ${DEFAULT-VALUE}).")
    private long period;

    @Option(names = "--report", paramLabel = "FILE", description = "Writes the totals and each period's "
            + "percentiles as JSON at the end.")
    private Path report;

    @Option(names = "--seed", description = "The telemetry's seed (default: random, printed).")
    private Long seed;

    @Override
    public Integer call() throws Exception {
        if (duration < 0 || period < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--duration is 0 or more, --period 1 or "
                    + "more seconds");
        }
        final FleetOptions options;
        try {
            options = FleetOptions.of(control, OperatorKey.read(operatorKey), nodes).withRegions(regions)
                    .withLabels(labels).withBad(Set.copyOf(badVersions), FleetOptions.ppm("--bad-error-rate",
                            badErrorRate), FleetOptions.ppm("--bad-latency-factor", badLatencyFactor), badFailsLoad)
                    .withTrust(trust == null ? Map.of() : FleetOptions.readTrust(trust))
                    .withConcurrency(connections, pipelining, enrollConcurrency, desiredConcurrency, schedulers)
                    .withSeed(seed != null ? seed : ThreadLocalRandom.current().nextLong());
        } catch (final IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        for (final String bad : badVersions) {
            if (bad.indexOf('@') < 1 || bad.endsWith("@")) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--bad-version is NAME@VERSION, not "
                        + bad);
            }
        }
        try (Fleet fleet = new Fleet(options)) {
            final Thread main = Thread.currentThread();
            final Thread hook = new Thread(main::interrupt);
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                fleet.start(period * 1000);
                final long end = System.nanoTime() + duration * 1_000_000_000L;
                while (duration == 0 || System.nanoTime() < end) {
                    Thread.sleep(Math.min(1000, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
                }
            } catch (final InterruptedException e) {
                System.out.println("fleet: interrupted");
            }
            fleet.report();
            final var t = fleet.stats();
            System.out.printf("fleet: totals: enrolled %d (refused %d), heartbeats sent %d ok %d failed %d, revoked "
                    + "%d, desired fetched %d applied %d, load failures %d, modules downloaded %d%n", t.enrolled(),
                    t.enrollFailed(), t.sent(), t.ok(), t.failed(), t.revoked(), t.desiredFetched(),
                    t.desiredApplied(), t.loadFailures(), t.modulesDownloaded());
            if (report != null) {
                fleet.writeReport(report);
                System.out.println("fleet: report written to " + report);
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (final IllegalStateException shuttingDown) {
                // the JVM is exiting already
            }
        }
        return 0;
    }
}
