package org.edgebook.journal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.function.Consumer;
import org.edgebook.engine.Engine;
import org.edgebook.engine.EventSink;

/**
 * Brings an engine back to the state of a journal directory: the newest valid snapshot, then every journaled
 * command after it, replayed in order. The result is the state the engine had after the last durable command, so
 * following commands get the same events, byte for byte, as they would have without the restart.
 * <p>
 * A torn last record is truncated, with a warning naming the file and offset; a header-only last segment is removed
 * so that writing can start afresh at the same sequence number. Any other damage stops recovery with a
 * {@link CorruptJournalException}.
 * <p>
 * Recovery is where every writer of a data directory begins, so it is where the directory's {@link DataDirLock} is
 * taken: before anything is read or repaired, and handed to the caller with the recovered engine. The caller writes
 * the journal from there and closes the {@link Recovered} when it stops; a recovery that fails releases the lock
 * itself.
 * <p>
 * Threading: the calling thread, before the engine takes commands.
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
        try {
            final SnapshotStore.Loaded loaded = snapshots.loadNewest(sink, warn);
            final Engine engine = loaded == null ? new Engine(sink) : loaded.engine();
            final long snapshotSeq = loaded == null ? 0 : loaded.seq();
            final long snapshotNanos = System.nanoTime() - start;
            final List<Path> segments = JournalScanner.segments(dir);
            if (!segments.isEmpty() && JournalFormat.segmentFirstSeq(segments.getFirst()) > snapshotSeq + 1) {
                throw new CorruptJournalException(segments.getFirst(), 0, "the journal starts at sequence "
                        + JournalFormat.segmentFirstSeq(segments.getFirst()) + " but the newest usable snapshot "
                        + "ends at " + snapshotSeq + ": the commands between are missing");
            }
            final long[] replayed = {0};
            final JournalScanner.Result scan = JournalScanner.scan(dir, snapshotSeq, true, (seq, time, command) -> {
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
        warn.accept("journal: truncated a torn record at the end of " + torn.file() + " at offset " + torn.offset()
                + " (" + torn.droppedBytes() + " bytes dropped; they were never acknowledged)");
    }
}
