package org.edgebook.edge.tx;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongSupplier;
import org.edgebook.codec.Ed25519Key;
import org.edgebook.edge.outbox.Outbox;
import org.edgebook.edge.screening.Screening;

/**
 * An edge node's transaction path (docs/transaction-path.md), assembled: the outbox in the node's data directory,
 * the client keys from settlement, the intake with its screening, the routes, the state stream, and the operator key.
 * The forwarder and the key refresher, which talk to settlement, are started beside it by the node.
 * <p>
 * Threading: built once on the starting thread; its parts state their own.
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

    private TransactionPath(final Options options, final Outbox outbox, final ClientKeys keys,
                            final OperatorKey operator, final Intake intake, final TxRoutes routes,
                            final TxStream stream) {
        this.options = options;
        this.outbox = outbox;
        this.keys = keys;
        this.operator = operator;
        this.intake = intake;
        this.routes = routes;
        this.stream = stream;
    }

    /** Opens the outbox (recovering it) and builds the parts; {@code clock} is the node's, epoch milliseconds. */
    public static TransactionPath open(final Options options, final Screening screening, final MeterRegistry registry,
                                       final LongSupplier clock) throws IOException {
        Files.createDirectories(options.dataDir());
        final Outbox outbox = Outbox.open(options.dataDir().resolve("outbox"), options.outbox());
        try {
            final ClientKeys keys = new ClientKeys();
            final OperatorKey operator = OperatorKey.loadOrCreate(options.dataDir(), options.clockWindowMillis());
            final TxMetrics metrics = new TxMetrics(registry);
            final Intake intake = new Intake(new SignedTransactions(keys, options.signedMaxAgeMillis(), options
                    .clockWindowMillis()), screening, outbox, metrics, clock);
            final TxRoutes routes = new TxRoutes(intake, keys, operator, options.clockWindowMillis(), clock);
            final TxStream stream = new TxStream(outbox, routes);
            Gauge.builder("edgebook_edge_outbox_transactions", outbox, o -> o.depth().held()).tag("state", "held")
                    .register(registry);
            Gauge.builder("edgebook_edge_outbox_transactions", outbox, o -> o.depth().queued()).tag("state",
                    "queued").register(registry);
            Gauge.builder("edgebook_edge_outbox_transactions", outbox, o -> o.depth().forwarded()).tag("state",
                    "forwarded").register(registry);
            Gauge.builder("edgebook_edge_outbox_bytes", outbox, o -> o.depth().logBytes()).register(registry);
            Gauge.builder("edgebook_edge_forward_lag_seconds", outbox, o -> o.oldestUnsettledAgeMicros() / 1e6)
                    .description("age of the oldest transaction not yet settled or rejected").register(registry);
            Gauge.builder("edgebook_edge_tx_stream_subscribers", stream, TxStream::subscribers).register(registry);
            return new TransactionPath(options, outbox, keys, operator, intake, routes, stream);
        } catch (IOException | RuntimeException e) {
            outbox.close();
            throw e;
        }
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
        outbox.close();
    }
}
