package org.edgebook.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.edgebook.server.SettlementServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code edgebook up}: the settlement service on embedded defaults. */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = {"Starts the settlement service: the engine with its journal behind a signed HTTP API.",
                "An empty data directory gets a demo market (BTC-USD, ETH-USD; accounts alice and bob) and API keys,",
                "printed once. Stop with Ctrl-C: everything acknowledged is on disk."})
final class UpCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "8080", description = "Port to listen on (default ${DEFAULT-VALUE}).")
    private int port;

    @Option(names = "--host", defaultValue = "127.0.0.1",
            description = "Address to listen on (default ${DEFAULT-VALUE}; 0.0.0.0 for every interface).")
    private String host;

    @Option(names = "--data", defaultValue = "data", paramLabel = "DIR",
            description = "Journal, snapshots and encrypted keys (default ./${DEFAULT-VALUE}).")
    private Path data;

    @Option(names = "--key-file", paramLabel = "FILE",
            description = "The master key that encrypts API secrets, kept outside the data directory "
                    + "(default ~/.edgebook/master.key, made on first use).")
    private Path keyFile;

    @Option(names = "--no-demo", description = "Do not set up the demo market in an empty data directory.")
    private boolean noDemo;

    @Option(names = "--rate", defaultValue = "100000",
            description = "Requests per second each API key may make (default ${DEFAULT-VALUE}).")
    private double rate;

    @Option(names = "--max-connections", defaultValue = "10000",
            description = "Open HTTP connections allowed at once; more are closed at once (default ${DEFAULT-VALUE}).")
    private int maxConnections;

    @Option(names = "--idle-timeout", defaultValue = "30",
            description = "Seconds a connection may send nothing (a stalled request, an idle socket) before it is "
                    + "closed (default ${DEFAULT-VALUE}).")
    private int idleTimeout;

    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "Serve HTTPS with this PEM certificate (chain); needs --tls-key. Without both, plain HTTP "
                    + "(for loopback, or behind a TLS-terminating proxy).")
    private Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE",
            description = "The unencrypted PEM private key of --tls-cert.")
    private Path tlsKey;

    @Option(names = "--metrics-port", defaultValue = "0", paramLabel = "PORT",
            description = "Serve Prometheus metrics, unauthenticated, at /metrics on this port of --host (default "
                    + "${DEFAULT-VALUE}: not served). Keep it off the internet: firewall it or bind to a private host.")
    private int metricsPort;

    @Option(names = "--event-loops", defaultValue = "1", paramLabel = "N",
            description = "Event loops taking HTTP and WebSocket connections, each with its own share of them "
                    + "(default ${DEFAULT-VALUE}; see the README's design notes for what more did on 2 cores).")
    private int eventLoops;

    @Option(names = "--clock-window", defaultValue = "5000", paramLabel = "MS",
            description = "How far a signed request's timestamp may be from this server's clock, in milliseconds; "
                    + "within it each signature is accepted once (default ${DEFAULT-VALUE}).")
    private long clockWindowMillis;

    @Option(names = "--session-max-age", defaultValue = "3600", paramLabel = "SECONDS",
            description = "How long a WebSocket session lives before the client must open and sign a new one "
                    + "(default ${DEFAULT-VALUE}).")
    private long sessionMaxAgeSeconds;

    @Option(names = "--signed-max-age", defaultValue = "86400", paramLabel = "SECONDS",
            description = "How old a transaction signed by a client key (docs/signing.md) may be when it arrives, "
                    + "by its signedAt: a forwarding node may have been cut off for hours; transferId and "
                    + "clientOrderId stop replays (default ${DEFAULT-VALUE}, 24 h).")
    private long signedMaxAgeSeconds;

    @picocli.CommandLine.Mixin
    private JournalFlags journalFlags;

    @Option(names = "--failure-grace", defaultValue = "2000", paramLabel = "MS", hidden = false,
            description = "After the journal fails, how long to keep answering 503 with the cause (health checks see "
                    + "it) before exiting with status 75 for a supervisor to restart (default ${DEFAULT-VALUE}).")
    private long failureGraceMillis;

    @Override
    public Integer call() throws Exception {
        final Path masterKey = keyFile != null ? keyFile
                : Path.of(System.getProperty("user.home"), ".edgebook", "master.key");
        final boolean fresh = !Files.exists(data.resolve("keys.txt"));
        final SettlementServer server = SettlementServer.start(new SettlementServer.Config(host, port, data,
                masterKey, rate, maxConnections, idleTimeout, tlsCert, tlsKey).withJournal(journalFlags.options(data))
                .withMetricsPort(metricsPort).withEventLoops(eventLoops),
                new SettlementServer.Auth(clockWindowMillis, sessionMaxAgeSeconds * 1000)
                        .withSignedMaxAge(signedMaxAgeSeconds * 1000), !noDemo,
                warning -> System.err.println("edgebook: " + warning));
        final CountDownLatch stopped = new CountDownLatch(1);
        final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
        final Runnable stop = () -> {
            if (closed.compareAndSet(false, true)) {
                try {
                    server.close();
                } catch (final Exception e) {
                    System.err.println("edgebook: while stopping: " + e.getMessage());
                }
            }
            stopped.countDown();
        };
        Runtime.getRuntime().addShutdownHook(new Thread(stop));
        final String scheme = tlsCert != null ? "https" : "http";
        System.out.printf("edgebook up: %s://%s:%d  (data in %s, recovered to sequence %,d)%n", scheme, host,
                server.port(), data.toAbsolutePath(), server.engine().recovered().lastSeq());
        if (fresh) {
            System.out.println("API keys (shown this once; secrets are stored encrypted under " + masterKey + "):");
            server.describeKeys().forEach(line -> System.out.println("  " + line));
        }
        if (server.metrics().port() > 0) {
            System.out.printf("metrics: http://%s:%d/metrics  (Prometheus, unauthenticated)%n", host,
                    server.metrics().port());
        }
        System.out.println("Try: curl " + (tlsCert != null ? "--cacert " + tlsCert + " " : "") + scheme + "://"
                + host + ":" + server.port() + "/health   (API guide: README.md)");
        // A failed journal is not survivable in this process (the engine holds commands that are not on disk): say
        // so, answer 503 with the cause for a moment (health checks and clients in flight see why), then exit with
        // EX_TEMPFAIL so that a supervisor restarts it; recovery reads exactly what was acknowledged.
        while (!stopped.await(100, TimeUnit.MILLISECONDS)) {
            final java.io.IOException failure = server.engine().failure();
            if (failure != null) {
                System.err.println("edgebook: the journal failed (" + failure.getMessage() + "); nothing more is "
                        + "acknowledged. Exiting with status " + JOURNAL_FAILED + " in " + failureGraceMillis
                        + " ms; fix the disk and start again (a supervisor restarts it): every acknowledged command "
                        + "is recovered.");
                stopped.await(failureGraceMillis, TimeUnit.MILLISECONDS);
                stop.run();
                return JOURNAL_FAILED;
            }
        }
        return 0;
    }

    /** The exit status after the journal failed: EX_TEMPFAIL (sysexits.h), try again. */
    static final int JOURNAL_FAILED = 75;
}
