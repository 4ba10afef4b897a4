package org.edgebook.journal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.edgebook.engine.Command;
import org.edgebook.engine.Engine;
import org.edgebook.engine.EventSink;

/**
 * Brings an engine back to the state of a journal directory: the newest valid snapshot, then every journaled
 * command after it, replayed in order. The result is the state the engine had after the last durable command, so
 * following commands get the same events, byte for byte, as they would have without the restart.
 * <p>
 * A torn last frame (or record, in an older segment) is truncated, with a warning naming the file and offset; a header-only last segment is removed
 * so that writing can start afresh at the same sequence number. Any other damage stops recovery with a
 * {@link CorruptJournalException}.
 * <p>
 * Recovery is where every writer of a data directory begins, so it is where the directory's {@link DataDirLock} is
 * taken: before anything is read or repaired, and handed to the caller with the recovered engine. The caller writes
 * the journal from there and closes the {@link Recovered} when it stops; a recovery that fails releases the lock
 * itself.
 * <p>
 * The journal is read, checked and decoded by {@link JournalScanner} on a second thread, started as soon as the lock
 * is held so that it reads while the snapshot loads; it hands decoded records over a bounded ring to the calling
 * thread, which executes them. Every check is the scanner's own, and its verdict (a damaged journal, a torn tail) is
 * acted on only after every record before the damage has been executed, as a scan on one thread would.
 * <p>
 * Threading: the calling thread, before the engine takes commands, and one reader thread for the length of the call.
 */
public final class Recovery {

    /** The recovered engine, what recovery did, and the data directory's lock, released by {@link #close}. */
    public record Recovered(Engine engine, long snapshotSeq, long replayed, long lastSeq, long nanos,
                            long snapshotNanos, DataDirLock lock) implements AutoCloseable {
        /** Releases the data directory: call it once the journal is closed. */
        @Override
        public void close() throws IOException {
            lock.close();
        }
    }

    private Recovery() {
    }

    /**
     * Locks and recovers {@code dir} (created, owner-only, if missing). The recovered engine reports to {@code sink},
     * which points at {@link EventSink#DISCARD} while the journal is replayed and at its original target afterwards.
     * Refused with an {@link IOException} naming the holder when another writer has the directory.
     */
    public static Recovered recover(final Path dir, final EventSinkSwitch sink, final Consumer<String> warn)
            throws IOException {
        final long start = System.nanoTime();
        final DataDirLock lock = DataDirLock.acquire(dir);
        try {
            return recover(dir, sink, warn, start, lock);
        } catch (final IOException | RuntimeException | Error e) {
            try {
                lock.close();
            } catch (final IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private static Recovered recover(final Path dir, final EventSinkSwitch sink, final Consumer<String> warn,
                                     final long start, final DataDirLock lock) throws IOException {
        final SnapshotStore snapshots = new SnapshotStore(dir);
        final EventSink target = sink.target();
        sink.target(EventSink.DISCARD);
        // Start reading the journal after the newest snapshot now, while that snapshot loads; should it not load
        // (damaged: an older one is used), the reader is stopped and started again from the one that did.
        final List<Path> candidates = snapshots.list();
        final long expectedSnapshotSeq = candidates.isEmpty() ? 0 : SnapshotStore.seqOf(candidates.getFirst());
        TailReader reader = TailReader.start(dir, expectedSnapshotSeq);
        try {
            final SnapshotStore.Loaded loaded = snapshots.loadNewest(sink, warn);
            final Engine engine = loaded == null ? new Engine(sink) : loaded.engine();
            final long snapshotSeq = loaded == null ? 0 : loaded.seq();
            final long snapshotNanos = System.nanoTime() - start;
            if (snapshotSeq != expectedSnapshotSeq) {
                reader.stop();
                reader = TailReader.start(dir, snapshotSeq);
            }
            final List<Path> segments = JournalScanner.segments(dir);
            if (!segments.isEmpty() && JournalFormat.segmentFirstSeq(segments.getFirst()) > snapshotSeq + 1) {
                throw new CorruptJournalException(segments.getFirst(), 0, "the journal starts at sequence "
                        + JournalFormat.segmentFirstSeq(segments.getFirst()) + " but the newest usable snapshot "
                        + "ends at " + snapshotSeq + ": the commands between are missing");
            }
            final long[] replayed = {0};
            final JournalScanner.Result scan = reader.drain((seq, command) -> {
                engine.execute(seq, command);
                if (engine.sequence() != seq) {
                    throw new IllegalStateException("engine at " + engine.sequence() + " replaying record " + seq);
                }
                replayed[0]++;
            });
            if (scan.tornTail() != null) {
                repairTornTail(scan.tornTail(), warn);
            }
            if (!segments.isEmpty()) {
                final Path last = segments.getLast();
                if (scan.emptySegments().contains(last) && Files.exists(last)) {
                    Files.delete(last); // a header with no records: writing restarts at the same sequence
                    JournalWriter.forceDirectory(dir);
                    warn.accept("journal: removed " + last + ", a segment with no records");
                }
            }
            if (scan.segments() > 0 && scan.lastSeq() < snapshotSeq) {
                throw new CorruptJournalException(segments.getLast(), 0, "the journal ends at sequence "
                        + scan.lastSeq() + ", before the snapshot at " + snapshotSeq);
            }
            return new Recovered(engine, snapshotSeq, replayed[0], engine.sequence(), System.nanoTime() - start,
                    snapshotNanos, lock);
        } finally {
            reader.stop(); // at once if it is done; otherwise (recovery failed) it stops reading and is waited for
            sink.target(target);
        }
    }

    private static void repairTornTail(final JournalScanner.TornTail torn, final Consumer<String> warn)
            throws IOException {
        if (torn.offset() < JournalFormat.HEADER_LENGTH) {
            Files.delete(torn.file());
            JournalWriter.forceDirectory(torn.file().getParent());
            warn.accept("journal: removed " + torn.file() + ", whose header was cut short by a crash ("
                    + torn.droppedBytes() + " bytes)");
            return;
        }
        try (FileChannel channel = FileChannel.open(torn.file(), StandardOpenOption.WRITE)) {
            channel.truncate(torn.offset());
            channel.force(true);
        }
        warn.accept("journal: truncated a torn write at the end of " + torn.file() + " at offset " + torn.offset()
                + " (" + torn.droppedBytes() + " bytes dropped; they were never acknowledged)");
    }

    /** Receives the records a {@link TailReader} decoded, in sequence order, on the recovering thread. */
    @FunctionalInterface
    private interface Executor {
        void execute(long seq, Command command);
    }

    /**
     * {@link JournalScanner#scan} on its own thread: it hands the records after {@code fromSeq}, decoded, to the
     * recovering thread in batches over a bounded ring, and the scan's result or failure once it is over.
     */
    private static final class TailReader {
        private static final int BATCH = 1024;
        private static final int IN_FLIGHT = 16; // batches decoded ahead of the engine, at most

        private static final class Batch {
            final long[] seqs = new long[BATCH];
            final Command[] commands = new Command[BATCH];
            int size;
        }

        /** Thrown inside the scan to end it when the recovering thread no longer wants records. */
        private static final class Stopped extends RuntimeException {
            Stopped() {
                super(null, null, false, false);
            }
        }

        private final OneToOneConcurrentArrayQueue<Batch> full = new OneToOneConcurrentArrayQueue<>(IN_FLIGHT);
        private final OneToOneConcurrentArrayQueue<Batch> free = new OneToOneConcurrentArrayQueue<>(IN_FLIGHT + 2);
        private final Thread thread;
        private volatile boolean stopped;
        private volatile boolean done; // written last, after result or failure
        private JournalScanner.Result result;
        private Throwable failure;
        private Batch filling = new Batch();

        private TailReader(final Path dir, final long fromSeq) {
            thread = Thread.ofPlatform().name("edgebook-recovery-reader").daemon().unstarted(() -> read(dir, fromSeq));
        }

        static TailReader start(final Path dir, final long fromSeq) {
            final TailReader reader = new TailReader(dir, fromSeq);
            reader.thread.start();
            return reader;
        }

        private void read(final Path dir, final long fromSeq) {
            try {
                final IdleStrategy idle = idle();
                final JournalScanner.Result scanned = JournalScanner.scan(dir, fromSeq, true, (seq, time, command) -> {
                    final Batch batch = filling;
                    batch.seqs[batch.size] = seq;
                    batch.commands[batch.size] = command;
                    if (++batch.size == BATCH) {
                        handOver(batch, idle);
                    }
                });
                if (filling.size > 0) {
                    handOver(filling, idle);
                }
                result = scanned;
            } catch (final Stopped e) {
                // the recovering thread has stopped listening
            } catch (final Throwable e) {
                failure = e;
            } finally {
                done = true;
            }
        }

        private void handOver(final Batch batch, final IdleStrategy idle) {
            idle.reset();
            if (stopped) {
                throw new Stopped();
            }
            while (!full.offer(batch)) {
                if (stopped) {
                    throw new Stopped();
                }
                idle.idle();
            }
            final Batch next = free.poll();
            filling = next != null ? next : new Batch();
        }

        /** Executes every record read, in order, then returns the scan's result or throws its failure. */
        JournalScanner.Result drain(final Executor executor) throws IOException {
            final IdleStrategy idle = idle();
            while (true) {
                Batch batch = full.poll();
                if (batch == null) {
                    if (!done) {
                        idle.idle();
                        continue;
                    }
                    batch = full.poll(); // handed over before done was set
                    if (batch == null) {
                        break;
                    }
                }
                idle.reset();
                for (int i = 0; i < batch.size; i++) {
                    executor.execute(batch.seqs[i], batch.commands[i]);
                }
                batch.size = 0;
                free.offer(batch);
            }
            join();
            if (failure instanceof IOException e) {
                throw e;
            }
            if (failure instanceof RuntimeException e) {
                throw e;
            }
            if (failure instanceof Error e) {
                throw e;
            }
            return result;
        }

        /** Ends the reading, if it is not over, and waits for the thread. */
        void stop() {
            stopped = true;
            join();
        }

        private void join() {
            boolean interrupted = false;
            while (true) {
                try {
                    thread.join();
                    break;
                } catch (final InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }

        /** Spin a little, then yield, then park: on two cores a spinning waiter takes the other thread's core. */
        private static IdleStrategy idle() {
            return new BackoffIdleStrategy(20, 10, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MICROSECONDS.toNanos(
                    100));
        }
    }
}
