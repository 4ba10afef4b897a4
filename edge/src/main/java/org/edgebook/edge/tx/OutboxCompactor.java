package org.edgebook.edge.tx;

import java.io.IOException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.edgebook.edge.outbox.Outbox;

/**
 * Compacts the node's outbox ({@link Outbox#compact}) on a timer, and at once when asked ({@link #soon}: the intake
 * found the outbox full), so that settled segments go and the room comes back.
 * <p>
 * Threading: one thread of its own, {@code outbox-compactor}; {@link #soon} and {@link #close} from any thread.
 */
final class OutboxCompactor implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("edgebook.edge");

    private final Outbox outbox;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> Thread
            .ofPlatform().name("outbox-compactor").daemon(true).unstarted(r));

    OutboxCompactor(final Outbox outbox, final long everyMillis) {
        this.outbox = outbox;
        thread.scheduleWithFixedDelay(this::compact, everyMillis, everyMillis, TimeUnit.MILLISECONDS);
    }

    /** Compacts now rather than at the next tick. */
    void soon() {
        try {
            thread.execute(this::compact);
        } catch (final RejectedExecutionException e) {
            // closed
        }
    }

    private void compact() {
        try {
            final long freed = outbox.compact();
            if (freed > 0) {
                LOG.log(System.Logger.Level.DEBUG, "outbox: {0} bytes of settled segments compacted away", freed);
            }
        } catch (final IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "outbox compaction failed; the outbox keeps its segments", e);
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
