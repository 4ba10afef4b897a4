package org.edgebook.journal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.edgebook.codec.CommandReader;
import org.edgebook.codec.JsonEventWriter;
import org.edgebook.codec.Replay;
import org.edgebook.engine.Command;
import org.edgebook.engine.Engine;
import org.edgebook.engine.EventCounter;

/**
 * Replays a command stream with durability: every command is journaled and forced to disk before any of its events
 * is released, and a restart on the same directory carries on where the last durable command left off.
 * <p>
 * Three threads. A {@link CommandReader} decodes ahead. The calling thread is the engine's single writer: it gives
 * each command the next sequence number and time, encodes its journal record into the open batch, executes it, and
 * its events go into the same batch, unreleased. The journaler thread writes each closed batch, forces it (one force
 * for the whole batch: group commit), and only then releases the batch's events to the output.
 * <p>
 * Group commit policy: a batch closes at {@value #BATCH_COMMANDS} commands, at {@value #BATCH_BYTES} bytes of records,
 * or as soon as the engine has no more input at hand, whichever comes first. The journaler forces a batch as soon as
 * it gets it, while the engine fills the next, so a command waits at most for the force in progress and its own.
 * Up to {@value #IN_FLIGHT} batches are in flight; then the engine waits (back-pressure, not unbounded memory).
 * <p>
 * Snapshots, every {@code snapshotEvery} commands, in one of two modes. REPLICA (the default): a {@link Snapshotter}
 * thread applies each durable batch to a replica engine and snapshots that, so the engine never stops. COPY: the
 * engine thread copies its state to bytes at a batch boundary (its only pause) and a background thread writes the
 * file once the journal is durable to that point.
 * <p>
 * The directory is locked ({@link DataDirLock}, taken by {@link Recovery}) for the whole run: a second writer is
 * refused.
 */
public final class DurableReplay {
    static final int BATCH_COMMANDS = 4096;
    static final int BATCH_BYTES = 1 << 20;
    static final int IN_FLIGHT = 4;
    /** The source journaled with every replayed command. */
    static final String SOURCE = "replay";

    /** How snapshots are taken. */
    public enum SnapshotMode {
        /** A replica engine on its own thread snapshots itself: the engine never stops, at a second engine's cost. */
        REPLICA,
        /** The engine copies its state out at a batch boundary: no second engine, but it stops for the copy. */
        COPY
    }

    /** Where and how to journal. */
    public record Options(Path dir, long segmentBytes, long snapshotEvery, int keepSnapshots, SnapshotMode mode) {
        public Options(final Path dir, final long segmentBytes, final long snapshotEvery, final int keepSnapshots) {
            this(dir, segmentBytes, snapshotEvery, keepSnapshots, SnapshotMode.REPLICA);
        }

        public static Options defaults(final Path dir) {
            return new Options(dir, 64L << 20, 1_000_000, 2, SnapshotMode.REPLICA);
        }
    }

    /** One batch: its records, its events, and a snapshot to write once it is durable. */
    private static final class Batch {
        ByteBuffer records = ByteBuffer.allocate(BATCH_BYTES + 128 * 1024);
        final GrowableOutput events = new GrowableOutput(1 << 20);
        long firstSeq;
        int commands;
        byte[] snapshot;
        boolean last;

        void reset() {
            records.clear();
            events.reset();
            commands = 0;
            snapshot = null;
            last = false;
        }
    }

    private DurableReplay() {
    }

    /** As {@link #run(InputStream, OutputStream, Options, Consumer, Consumer)}, without the closing figures. */
    public static Replay.Summary run(final InputStream in, final OutputStream out, final Options options,
                                     final Consumer<String> warn) throws IOException {
        return run(in, out, options, warn, line -> { });
    }

    /**
     * Recovers {@code options.dir()}, then replays {@code in} durably to {@code out}. Warnings (repairs, fallbacks)
     * go to {@code warn}; a closing line of journal figures (recovery, batches, snapshot pauses) to {@code info}.
     */
    public static Replay.Summary run(final InputStream in, final OutputStream out, final Options options,
                                     final Consumer<String> warn, final Consumer<String> info) throws IOException {
        final long startNanos = System.nanoTime();
        final SwitchableOutput eventsOut = new SwitchableOutput();
        final JsonEventWriter json = new JsonEventWriter(eventsOut);
        final EventCounter counts = new EventCounter(json);
        final EventSinkSwitch sink = new EventSinkSwitch(counts);
        final Recovery.Recovered recovered = Recovery.recover(options.dir(), sink, warn);
        try (recovered) { // the directory stays locked until the journal is closed
            return journal(in, out, options, warn, info, startNanos, recovered, eventsOut, json, counts);
        }
    }

    private static Replay.Summary journal(final InputStream in, final OutputStream out, final Options options,
                                          final Consumer<String> warn, final Consumer<String> info,
                                          final long startNanos, final Recovery.Recovered recovered,
                                          final SwitchableOutput eventsOut, final JsonEventWriter json,
                                          final EventCounter counts) throws IOException {
        final Engine engine = recovered.engine();
        final SnapshotStore snapshots = new SnapshotStore(options.dir());

        final BlockingQueue<Batch> full = new ArrayBlockingQueue<>(IN_FLIGHT);
        final BlockingQueue<Batch> free = new ArrayBlockingQueue<>(IN_FLIGHT);
        for (int i = 0; i < IN_FLIGHT; i++) {
            free.add(new Batch());
        }
        final boolean copySnapshots = options.snapshotEvery() > 0 && options.mode() == SnapshotMode.COPY;
        final Snapshotter replica = options.snapshotEvery() > 0 && options.mode() == SnapshotMode.REPLICA
                ? new Snapshotter(options.dir(), engine.sequence(), options.snapshotEvery(), options.keepSnapshots(),
                warn).start()
                : null;
        final Journaler journaler = new Journaler(new JournalWriter(options.dir(), engine.sequence() + 1,
                options.segmentBytes(), JournalWriter.Clock.SYSTEM), snapshots, options.keepSnapshots(), full, free,
                out, warn, replica);
        final Thread journalerThread = Thread.ofPlatform().name("edgebook-journaler").start(journaler);
        final CRC32C crc = new CRC32C();
        long commands = 0;
        long lastTime = 0;
        long snapshotsTaken = 0;
        long pauseNanosMax = 0;
        long pauseNanosTotal = 0;
        try (CommandReader reader = new CommandReader(in).start()) {
            Batch batch = take(free, journaler);
            eventsOut.target(batch.events);
            CommandReader.Batch input;
            while ((input = reader.next()) != null) {
                for (int i = 0; i < input.size(); i++) {
                    final Command command = input.command(i);
                    if (batch.records.remaining() < JournalWriter.maxRecordLength(command, SOURCE)) {
                        batch = handOver(batch, json, full, free, journaler, eventsOut);
                        ensureRoom(batch, command);
                    }
                    final long seq = engine.sequence() + 1;
                    lastTime = Math.max(lastTime, JournalWriter.Clock.SYSTEM.micros());
                    if (batch.commands == 0) {
                        batch.firstSeq = seq;
                    }
                    engine.execute(input.line(i),
                            JournalWriter.encode(seq, lastTime, SOURCE, command, batch.records, crc));
                    batch.commands++;
                    commands++;
                    final boolean snapshotDue = copySnapshots && seq % options.snapshotEvery() == 0;
                    if (snapshotDue) {
                        final long pauseStart = System.nanoTime();
                        batch.snapshot = SnapshotStore.capture(engine);
                        final long pause = System.nanoTime() - pauseStart;
                        snapshotsTaken++;
                        pauseNanosMax = Math.max(pauseNanosMax, pause);
                        pauseNanosTotal += pause;
                    }
                    if (snapshotDue || batch.commands == BATCH_COMMANDS || batch.records.position() >= BATCH_BYTES) {
                        batch = handOver(batch, json, full, free, journaler, eventsOut);
                    }
                }
                if (batch.commands > 0) { // nothing more at hand: do not make these commands wait
                    batch = handOver(batch, json, full, free, journaler, eventsOut);
                }
            }
            batch.last = true;
            handOver(batch, json, full, free, journaler, eventsOut);
            journalerThread.join();
            if (replica != null) {
                replica.finish();
                snapshotsTaken = replica.taken();
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            stopWriting(journalerThread);
        }
        if (journaler.failure != null) {
            throw journaler.failure;
        }
        info.accept(String.format(java.util.Locale.ROOT, "journal: recovered to sequence %,d (snapshot %,d + %,d "
                        + "journaled commands) in %.1f ms; %,d batches forced (%.0f commands each on average); %d "
                        + "snapshots, engine paused %.1f ms at most, %.1f ms in all", recovered.lastSeq(),
                recovered.snapshotSeq(), recovered.replayed(), recovered.nanos() / 1e6, journaler.batches,
                journaler.batches == 0 ? 0.0 : (double) commands / journaler.batches, snapshotsTaken,
                pauseNanosMax / 1e6, pauseNanosTotal / 1e6));
        return new Replay.Summary(commands, counts.events(), counts.rejections(), counts.trades(),
                System.nanoTime() - startNanos);
    }

    /**
     * After a failure on the engine's side the journaler may still be writing: stop it (an interrupt closes its
     * channel) before the directory is unlocked. After a normal end it has already ended.
     */
    private static void stopWriting(final Thread journalerThread) {
        if (!journalerThread.isAlive()) {
            return;
        }
        journalerThread.interrupt();
        boolean interrupted = false;
        while (journalerThread.isAlive()) {
            try {
                journalerThread.join();
            } catch (final InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void ensureRoom(final Batch batch, final Command command) {
        final int needed = JournalWriter.maxRecordLength(command, SOURCE);
        if (batch.records.remaining() < needed) {
            batch.records = ByteBuffer.allocate(needed + BATCH_BYTES);
        }
    }

    private static Batch handOver(final Batch batch, final JsonEventWriter json, final BlockingQueue<Batch> full,
                                  final BlockingQueue<Batch> free, final Journaler journaler,
                                  final SwitchableOutput eventsOut) throws IOException {
        json.flush(); // the generator's buffer into this batch's events
        batch.records.flip();
        try {
            while (!full.offer(batch, 100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                if (journaler.failure != null) {
                    throw journaler.failure;
                }
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (batch.last) {
            return null;
        }
        final Batch next = take(free, journaler);
        eventsOut.target(next.events);
        return next;
    }

    private static Batch take(final BlockingQueue<Batch> free, final Journaler journaler) throws IOException {
        try {
            Batch batch;
            while ((batch = free.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS)) == null) {
                if (journaler.failure != null) {
                    throw journaler.failure;
                }
            }
            if (journaler.failure != null) {
                throw journaler.failure;
            }
            batch.reset();
            return batch;
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** Writes and forces batches, then releases their events; writes snapshots once they are durable. */
    private static final class Journaler implements Runnable {
        private final JournalWriter writer;
        private final SnapshotStore snapshots;
        private final int keepSnapshots;
        private final BlockingQueue<Batch> full;
        private final BlockingQueue<Batch> free;
        private final OutputStream out;
        private final Consumer<String> warn;
        private final Snapshotter replica;
        private final java.util.List<Thread> snapshotWriters = new java.util.ArrayList<>();
        long batches; // read after the journaler thread has ended
        volatile IOException failure;

        Journaler(final JournalWriter writer, final SnapshotStore snapshots, final int keepSnapshots,
                  final BlockingQueue<Batch> full, final BlockingQueue<Batch> free, final OutputStream out,
                  final Consumer<String> warn, final Snapshotter replica) {
            this.writer = writer;
            this.snapshots = snapshots;
            this.keepSnapshots = keepSnapshots;
            this.full = full;
            this.free = free;
            this.out = out;
            this.warn = warn;
            this.replica = replica;
        }

        @Override
        public void run() {
            try (writer) {
                while (true) {
                    final Batch batch = full.take();
                    if (batch.commands > 0) {
                        batches++;
                        writer.write(batch.records, batch.firstSeq); // durable when this returns
                        batch.events.writeTo(out);
                        out.flush();
                        if (replica != null) {
                            replica.offer(batch.records.duplicate().rewind());
                        }
                    }
                    if (batch.snapshot != null) {
                        // Durable through the snapshot's sequence: write it off this thread's critical path.
                        final byte[] snapshot = batch.snapshot;
                        snapshotWriters.removeIf(t -> !t.isAlive());
                        snapshotWriters.add(Thread.ofVirtual().name("edgebook-snapshot")
                                .start(() -> writeSnapshot(snapshot)));
                    }
                    if (batch.last) {
                        for (final Thread t : snapshotWriters) {
                            t.join();
                        }
                        return;
                    }
                    free.put(batch);
                }
            } catch (final IOException e) {
                failure = e;
            } catch (final InterruptedException e) {
                failure = new IOException("journaler interrupted", e);
            }
        }

        private synchronized void writeSnapshot(final byte[] snapshot) {
            try {
                snapshots.write(snapshot);
                snapshots.prune(keepSnapshots);
            } catch (final IOException e) {
                warn.accept("snapshot not written (the journal is unaffected): " + e.getMessage());
            }
        }
    }
}
