package org.edgebook.edge.tx;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongSupplier;
import org.edgebook.codec.Ed25519Key;
import org.edgebook.edge.forward.ForwardMetrics;
import org.edgebook.edge.forward.Forwarder;
import org.edgebook.edge.forward.KeyRefresher;
import org.edgebook.edge.forward.SettlementClient;
import org.edgebook.edge.outbox.Outbox;
import org.edgebook.edge.screening.Screening;

/**
 * An edge node's transaction path (docs/transaction-path.md), assembled: the outbox in the node's data directory,
 * the client keys (fetched from settlement and refreshed by the {@link KeyRefresher}), the intake with its screening,
 * the routes, the state stream, the operator key, and the {@link Forwarder} that sends the outbox's transactions to
 * settlement through the {@link SettlementClient}.
 * <p>
 * Threading: built once on the starting thread; its parts state their own. {@link #close} stops the forwarder and
 * the refresher, then the client, then the outbox.
 */
public final class TransactionPath implements AutoCloseable {
    /** Where and who: the node's data directory, its id and node key, and settlement's URL; and the limits. */
    public record Options(Path dataDir, URI settlement, String nodeId, Ed25519Key.Private nodeKey,
                          long signedMaxAgeMillis, long clockWindowMillis, Outbox.Options outbox) {
        public static final long DEFAULT_SIGNED_MAX_AGE_MILLIS = 86_400_000L;
        public static final long CLOCK_WINDOW_MILLIS = 5_000L;
    }

    private final Options options;
    private final Outbox outbox;
    private final ClientKeys keys;
    private final OperatorKey operator;
    private final Intake intake;
    private final TxRoutes routes;
    private final TxStream stream;
    private final SettlementClient client;
    private final KeyRefresher refresher;
    private final Forwarder forwarder;

    private TransactionPath(final Options options, final Outbox outbox, final ClientKeys keys,
                            final OperatorKey operator, final Intake intake, final TxRoutes routes,
                            final TxStream stream, final SettlementClient client, final KeyRefresher refresher,
                            final Forwarder forwarder) {
        this.options = options;
        this.client = client;
        this.refresher = refresher;
        this.forwarder = forwarder;
        this.outbox = outbox;
        this.keys = keys;
        this.operator = operator;
        this.intake = intake;
        this.routes = routes;
        this.stream = stream;
    }

    /**
     * Opens the outbox (recovering it), builds the parts and starts the forwarder and the key refresher;
     * {@code clock} is the node's, epoch milliseconds.
     */
    public static TransactionPath open(final Options options, final Screening screening, final Vertx vertx,
                                       final MeterRegistry registry, final ForwardMetrics forwardMetrics,
                                       final LongSupplier clock) throws IOException {
        Files.createDirectories(options.dataDir());
        final Outbox outbox = Outbox.open(options.dataDir().resolve("outbox"), options.outbox());
        SettlementClient client = null;
        KeyRefresher refresher = null;
        try {
            final ClientKeys keys = new ClientKeys();
            final OperatorKey operator = OperatorKey.loadOrCreate(options.dataDir(), options.clockWindowMillis());
            client = new SettlementClient(vertx, options.settlement(), options.nodeId(), options.nodeKey(),
                    SettlementClient.Options.defaults());
            final Forwarder forwarder = new Forwarder(outbox, client, forwardMetrics, Forwarder.Options.defaults());
            final Intake intake = new Intake(new SignedTransactions(keys, options.signedMaxAgeMillis(), options
                    .clockWindowMillis()), screening, outbox, new TxMetrics(registry), clock, forwarder::wake);
            final TxRoutes routes = new TxRoutes(intake, keys, operator, options.clockWindowMillis(), clock);
            final TxStream stream = new TxStream(outbox, routes);
            forwardMetrics.watch(outbox);
            forwardMetrics.watch(keys, clock);
            Gauge.builder("edge_outbox_bytes", outbox, o -> o.depth().logBytes()).description("the outbox's log "
                    + "on disk").register(registry);
            Gauge.builder("edge_tx_stream_subscribers", stream, TxStream::subscribers).register(registry);
            refresher = new KeyRefresher(vertx, client, keys, KeyRefresher.Options.defaults()).start();
            forwarder.start();
            return new TransactionPath(options, outbox, keys, operator, intake, routes, stream, client, refresher,
                    forwarder);
        } catch (IOException | RuntimeException e) {
            if (refresher != null) {
                refresher.close();
            }
            if (client != null) {
                client.close();
            }
            outbox.close();
            throw e;
        }
    }

    public Forwarder forwarder() {
        return forwarder;
    }

    public KeyRefresher refresher() {
        return refresher;
    }

    public Options options() {
        return options;
    }

    public Outbox outbox() {
        return outbox;
    }

    public ClientKeys keys() {
        return keys;
    }

    public OperatorKey operator() {
        return operator;
    }

    public Intake intake() {
        return intake;
    }

    public TxRoutes routes() {
        return routes;
    }

    public TxStream stream() {
        return stream;
    }

    @Override
    public void close() throws IOException {
        forwarder.close();
        refresher.close();
        client.close();
        outbox.close();
    }
}
