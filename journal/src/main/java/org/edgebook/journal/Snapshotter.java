package org.edgebook.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.function.Consumer;
import org.edgebook.engine.Command;
import org.edgebook.engine.Engine;
import org.edgebook.engine.EventSink;

/**
 * Takes snapshots without stopping the engine: a replica engine on its own thread applies every batch of records once
 * it is durable, and snapshots itself every {@code every} commands. The replica starts from the same state as the
 * engine (the newest snapshot and the journal up to where the engine recovered to, read from segments the writer no
 * longer touches), so it is always an exact, slightly behind, copy.
 * <p>
 * The cost is a second engine's memory and CPU: on two cores the replica competes with the engine and the journaler
 * (see BENCHMARKS.md). Threading: {@link #offer} from the journaler; everything else on the snapshotter's thread.
 */
final class Snapshotter implements Runnable {
    private static final ByteBuffer END = ByteBuffer.allocate(0);

    private final Path dir;
    private final long recoveredTo;
    private final long every;
    private final int keep;
    private final Consumer<String> warn;
    /** Bounded: a replica that falls behind holds the publisher back rather than growing memory without end. */
    private final BlockingQueue<ByteBuffer> batches = new java.util.concurrent.ArrayBlockingQueue<>(64);
    private final Thread thread;
    private volatile long taken;
    private volatile long lastNanos;
    private boolean abandoned;

    Snapshotter(final Path dir, final long recoveredTo, final long every, final int keep,
                final Consumer<String> warn) {
        this.dir = dir;
        this.recoveredTo = recoveredTo;
        this.every = every;
        this.keep = keep;
        this.warn = warn;
        this.thread = Thread.ofPlatform().name("edgebook-snapshotter").daemon().unstarted(this);
    }

    Snapshotter start() {
        thread.start();
        return this;
    }

    /**
     * A copy of a durable batch's records; waits while the replica is {@code 64} batches behind. Once the replica's
     * thread has ended (it failed, and said why), batches are dropped: snapshots stop, the journal goes on.
     */
    void offer(final ByteBuffer records) {
        if (abandoned) {
            return;
        }
        final ByteBuffer copy = ByteBuffer.allocate(records.remaining());
        copy.put(records.duplicate()).flip();
        put(copy);
    }

    private void put(final ByteBuffer item) {
        try {
            while (!batches.offer(item, 50, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                if (!thread.isAlive()) {
                    abandoned = true;
                    batches.clear();
                    return;
                }
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Ends after the batches offered so far are applied. */
    void finish() throws InterruptedException {
        if (!abandoned) {
            put(END);
        }
        thread.join();
    }

    long taken() {
        return taken;
    }

    /** How long the newest snapshot took to capture and write, in nanoseconds; 0 before the first. */
    long lastNanos() {
        return lastNanos;
    }

    @Override
    public void run() {
        try {
            final SnapshotStore store = new SnapshotStore(dir);
            final SnapshotStore.Loaded loaded = store.loadNewest(EventSink.DISCARD, warn);
            final Engine replica = loaded == null ? new Engine(EventSink.DISCARD) : loaded.engine();
            JournalScanner.scan(dir, replica.sequence(), recoveredTo, true, (seq, time, command) -> apply(replica, seq,
                    command, store));
            ByteBuffer batch;
            while ((batch = batches.take()) != END) {
                while (batch.hasRemaining()) {
                    final int length = batch.getInt(); // the in-memory form: no checksum, never left memory
                    final long seq = batch.getLong();
                    batch.getLong(); // time
                    final ByteBuffer payload = batch.slice(batch.position(), length);
                    CommandCodec.decodeString(payload); // the source: not part of the state
                    final Command command = CommandCodec.decode(payload);
                    batch.position(batch.position() + length);
                    apply(replica, seq, command, store);
                }
            }
        } catch (final IOException | RuntimeException e) {
            warn.accept("snapshots stopped (the journal is unaffected): " + e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void apply(final Engine replica, final long seq, final Command command, final SnapshotStore store)
            throws IOException {
        replica.execute(seq, command);
        if (replica.sequence() != seq) {
            throw new IllegalStateException("replica at " + replica.sequence() + " applying " + seq);
        }
        if (seq % every == 0 && seq > recoveredTo) {
            final long start = System.nanoTime();
            store.write(SnapshotStore.capture(replica));
            lastNanos = System.nanoTime() - start;
            store.prune(keep);
            taken++;
        }
    }
}
