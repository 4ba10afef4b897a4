package org.edgebook.cli;

import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.edgebook.control.ControlConfig;
import org.edgebook.control.ControlPlane;
import org.edgebook.control.ControlServer;
import org.edgebook.control.store.OperatorKeys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code edgebook control}: the control plane (docs/control-plane.md). */
@Command(name = "control", mixinStandardHelpOptions = true,
        description = {"Starts the control plane: enrollment, heartbeats and the fleet, signed modules, desired state",
                "and rollouts, on an embedded store (--data) or PostgreSQL (--db). The first start makes an operator",
                "key, printed once and kept in DIR/operator-key. Stop with Ctrl-C."})
final class ControlCommand implements Callable<Integer> {
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default "
            + "${DEFAULT-VALUE}).")
    private String host;

    @Option(names = "--port", defaultValue = "8070", description = "Port to listen on (default ${DEFAULT-VALUE}; 0: "
            + "any free one).")
    private int port;

    @Option(names = "--data", paramLabel = "DIR", description = "The data directory: the embedded store and "
            + "operator-key (default ./control-data, unless --db).")
    private Path data;

    @Option(names = "--db", paramLabel = "URL", description = "A PostgreSQL store instead: jdbc:postgresql://host:"
            + "port/db?user=U&password=P.")
    private String db;

    @Option(names = "--settlement", paramLabel = "URL", description = "Keep this settlement service's node registry "
            + "in step: enrolled nodes registered, revoked ones revoked. Needs --settlement-key.")
    private URI settlement;

    @Option(names = "--settlement-key", paramLabel = "FILE", description = "Settlement's admin API key, 'ID SECRET'.")
    private Path settlementKey;

    @Option(names = "--heartbeat-interval", paramLabel = "SECONDS", defaultValue = "10", description = "The "
            + "shortest heartbeat interval nodes are told (default ${DEFAULT-VALUE}).")
    private long intervalSeconds;

    @Option(names = "--max-heartbeats-per-second", paramLabel = "N", defaultValue = "10000", description = "Past this "
            + "the interval is stretched to ceil(nodes / N) seconds (default ${DEFAULT-VALUE}).")
    private int maxPerSecond;

    @Override
    public Integer call() throws Exception {
        // With --db the store is there and --data (if given) only keeps the operator key's file.
        final Path dir = db == null ? (data == null ? Path.of("control-data") : data) : data;
        final ControlConfig config = new ControlConfig(host, port, dir, db, settlement, settlementKey,
                intervalSeconds * 1000, maxPerSecond, 2, ControlConfig.MODULE_BODY_BYTES, 30_000, true, 1_000);
        final ControlPlane plane = ControlPlane.start(config, System::currentTimeMillis);
        final ControlServer server = plane.server();
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            plane.close();
            stopped.countDown();
        }));
        System.out.println("control plane on " + server.url() + " (store: " + (db == null ? "embedded, " + dir
                : server.database().url()) + ")");
        final OperatorKeys.Key made = server.createdOperatorKey();
        if (made != null) {
            System.out.println("  operator key (shown once" + (dir == null ? "" : "; kept in "
                    + dir.resolve(OperatorKeys.FILE)) + "): " + made.id() + " " + made.secret());
        } else {
            System.out.println("  operator key " + server.operatorKey().id() + (dir == null ? ""
                    : " (in " + dir.resolve(OperatorKeys.FILE) + ")"));
        }
        if (settlement != null) {
            System.out.println("  settlement follows: " + settlement);
        }
        System.out.flush();
        stopped.await();
        return 0;
    }
}
