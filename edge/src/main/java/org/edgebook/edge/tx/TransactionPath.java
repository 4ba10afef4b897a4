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
                          long signedMaxAgeMillis, long clockWindowMillis, Outbox.Options outbox,
                          long compactEveryMillis) {
        /**
         * 23 hours: an hour less than settlement's default (24 h), so that what the node takes near the end of its
         * window still reaches settlement inside settlement's, after up to an hour of backlog.
         */
        public static final long DEFAULT_SIGNED_MAX_AGE_MILLIS = 23 * 3_600_000L;
        public static final long CLOCK_WINDOW_MILLIS = 5_000L;
        /** How often settled segments are looked for and compacted away (also at once when the outbox is full). */
        public static final long COMPACT_EVERY_MILLIS = 5_000L;

        /** Compacting every {@link #COMPACT_EVERY_MILLIS}. */
        public Options(final Path dataDir, final URI settlement, final String nodeId, final Ed25519Key.Private nodeKey,
                       final long signedMaxAgeMillis, final long clockWindowMillis, final Outbox.Options outbox) {
            this(dataDir, settlement, nodeId, nodeKey, signedMaxAgeMillis, clockWindowMillis, outbox,
                    COMPACT_EVERY_MILLIS);
        }
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
    private final OutboxCompactor compactor;

    private TransactionPath(final Options options, final Outbox outbox, final ClientKeys keys,
                            final OperatorKey operator, final Intake intake, final TxRoutes routes,
                            final TxStream stream, final SettlementClient client, final KeyRefresher refresher,
                            final Forwarder forwarder, final OutboxCompactor compactor) {
        this.options = options;
        this.client = client;
        this.refresher = refresher;
        this.forwarder = forwarder;
        this.compactor = compactor;
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
        final OutboxCompactor compactor = new OutboxCompactor(outbox, options.compactEveryMillis());
        try {
            final ClientKeys keys = new ClientKeys();
            final OperatorKey operator = OperatorKey.loadOrCreate(options.dataDir(), options.clockWindowMillis());
            client = new SettlementClient(vertx, options.settlement(), options.nodeId(), options.nodeKey(),
                    SettlementClient.Options.defaults());
            final Forwarder forwarder = new Forwarder(outbox, client, forwardMetrics, Forwarder.Options.defaults());
            final Intake intake = new Intake(new SignedTransactions(keys, options.signedMaxAgeMillis(), options
                    .clockWindowMillis()), screening, outbox, new TxMetrics(registry), clock, forwarder::wake,
                    compactor::soon);
            final TxRoutes routes = new TxRoutes(intake, keys, operator, options.clockWindowMillis(), clock);
            final TxStream stream = new TxStream(outbox, routes, keys);
            forwardMetrics.watch(outbox);
            forwardMetrics.watch(keys, clock);
            Gauge.builder("edge_outbox_bytes", outbox, o -> o.depth().logBytes()).description("the outbox's log "
                    + "on disk").register(registry);
            Gauge.builder("edge_tx_stream_subscribers", stream, TxStream::subscribers).register(registry);
            refresher = new KeyRefresher(vertx, client, keys, KeyRefresher.Options.defaults()).start();
            forwarder.start();
            return new TransactionPath(options, outbox, keys, operator, intake, routes, stream, client, refresher,
                    forwarder, compactor);
        } catch (IOException | RuntimeException e) {
            compactor.close();
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
        compactor.close();
        stream.close();
        forwarder.close();
        refresher.close();
        client.close();
        outbox.close();
    }
}
