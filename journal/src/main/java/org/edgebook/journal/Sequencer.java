package org.edgebook.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.edgebook.codec.JsonEventWriter;
import org.edgebook.engine.BookChange;
import org.edgebook.engine.Command;
import org.edgebook.engine.Engine;
import org.edgebook.engine.Event;
import org.edgebook.engine.EventCollector;
import org.edgebook.engine.EventCounter;
import org.edgebook.engine.RejectReason;

/**
 * The one durable pipeline: every way in (a file replayed with {@code replay --journal}, the service's HTTP, batch and
 * WebSocket handlers, and every later front end) hands commands to a sequencer, and gets each one back only once its
 * journal record is on disk.
 * <p>
 * Three stages, each on its own thread, joined by Agrona single-producer single-consumer rings of reusable
 * {@link Batch}es (a fixed pool of {@value #IN_FLIGHT}: back-pressure, never unbounded memory):
 * <ol>
 *   <li><b>engine</b> ({@code edgebook-engine}, the engine's single writer): takes commands from an {@link Intake},
 *       gives each the next sequence number and time, encodes its journal record into the open batch, executes it,
 *       and writes its events once, as JSON, into the same batch (each command's events are a slice of it).</li>
 *   <li><b>journaler</b> ({@code edgebook-journaler}): writes each batch to the {@link JournalOutput} and forces it
 *       (one force per batch: group commit). It does nothing else, so readers never hold up group commit.</li>
 *   <li><b>publisher</b> ({@code edgebook-publisher}): hands each durable batch to the {@link Output} (replies, logs,
 *       streams, an output file), feeds the snapshot replica, and returns the batch to the pool.</li>
 * </ol>
 * Group commit policy: a batch closes at {@value #BATCH_COMMANDS} commands, at {@value #BATCH_BYTES} bytes of records
 * or events, at a snapshot in COPY mode, or as soon as the intake has no more commands at hand; nothing waits for
 * company. A command waits at most for the force in progress and its own.
 * <p>
 * Failure: when a write or force fails, the sequencer is failed for good ({@link #failure()}, with the cause). That
 * batch and every later one reach {@link Output#failed} instead of {@link Output#durable}, the intake is told
 * ({@link Intake#failed}) so that it refuses what is queued, and nothing more is executed. The engine's state then
 * holds commands that are not on disk: the only way on is a restart, whose recovery reads what is durable.
 * <p>
 * Snapshots, every {@link JournalOptions#snapshotEvery()} commands: REPLICA (a {@link Snapshotter} thread applies
 * each durable batch to a second engine, fed through a bounded queue) or COPY (the engine copies its state at a batch
 * boundary, and the copy is written once the journal is durable to that point).
 */
public final class Sequencer implements AutoCloseable {
    static final int BATCH_COMMANDS = 4096;
    static final int BATCH_BYTES = 1 << 20;
    static final int IN_FLIGHT = 4;

    /** Where the engine thread takes commands from. Called on the engine thread only. */
    public interface Intake {
        /**
         * Hands the commands at hand, if any, to {@code into} ({@link Into#sequence}) and answers how many; may wait
         * briefly for the first (a file reader blocks for its next lines).
         */
        int drain(Into into) throws IOException;

        /** Whether another command is at hand now; if not, the open batch is handed over at once. */
        boolean more();

        /** Whether no command will ever come again (end of file, or the service closing with nothing queued). */
        boolean ended();

        /** The journal failed: refuse what is queued and what comes, with {@code cause}. */
        void failed(IOException cause);
    }

    /** What an intake hands commands to. */
    public interface Into {
        /**
         * Sequences, journals and executes one command. {@code cmd} is the caller's number for it in its events (a
         * line number; 0 gives the sequence number), {@code viewer} the account whose view its events are written in
         * ({@code null}: everything), {@code separator} what follows each event ({@code '\n'} or {@code ','}), and
         * {@code attachment} comes back with it in its batch (a reply).
         */
        void sequence(long cmd, Command command, String source, String viewer, char separator, Object attachment);
    }

    /** Receives batches once they are durable (or once they cannot be), in order, on the publisher thread. */
    public interface Output {
        void durable(Batch batch);

        /** The batch could not be made durable: none of its commands may be acknowledged. */
        void failed(Batch batch, IOException cause);
    }

    /** Counts for metrics: called on the journaler thread after each force. Must not block. */
    public interface Meter {
        Meter NONE = (commands, bytes, nanos) -> {};

        void forced(int commands, int bytes, long nanos);
    }

    /**
     * One batch: its journal records, each command's sequence number, time, journaled command, events (as JSON bytes,
     * and as typed events when the sequencer collects them) and attachment. Read it only during {@link Output#durable}
     * or {@link Output#failed}: then it goes back to the pool.
     */
    public static final class Batch {
        private ByteBuffer records = ByteBuffer.allocate(BATCH_BYTES + (BATCH_BYTES >> 3));
        private final GrowableOutput events = new GrowableOutput(BATCH_BYTES + (BATCH_BYTES >> 3));
        private final int[] eventEnds = new int[BATCH_COMMANDS];
        private final long[] times = new long[BATCH_COMMANDS];
        private final Command[] commands = new Command[BATCH_COMMANDS];
        private final Object[] attachments = new Object[BATCH_COMMANDS];
        private final String[] viewers = new String[BATCH_COMMANDS];
        private final RejectReason[] rejections = new RejectReason[BATCH_COMMANDS];
        private final boolean[] duplicates = new boolean[BATCH_COMMANDS];
        private final List<List<Event>> typed = new ArrayList<>(BATCH_COMMANDS);
        private final List<List<BookChange>> bookChanges = new ArrayList<>(BATCH_COMMANDS);
        private long firstSeq;
        private int size;
        private byte[] snapshot;
        private boolean last;
        private IOException failure;

        void reset() {
            if (records.capacity() > 4 * BATCH_BYTES) { // grown for one huge command: back to normal
                records = ByteBuffer.allocate(BATCH_BYTES + (BATCH_BYTES >> 3));
            }
            records.clear();
            events.reset();
            java.util.Arrays.fill(commands, 0, size, null);
            java.util.Arrays.fill(attachments, 0, size, null);
            java.util.Arrays.fill(viewers, 0, size, null);
            typed.clear();
            bookChanges.clear();
            size = 0;
            snapshot = null;
            last = false;
            failure = null;
        }

        public int size() {
            return size;
        }

        public long seq(final int i) {
            return firstSeq + i;
        }

        /** When command {@code i} was sequenced, UTC microseconds (its trades' execution time). */
        public long timeMicros(final int i) {
            return times[i];
        }

        /** The command as journaled and executed (a MALFORMED one if its text could not be journaled exactly). */
        public Command command(final int i) {
            return commands[i];
        }

        public Object attachment(final int i) {
            return attachments[i];
        }

        /** Why command {@code i} was rejected (its first event), or {@code null} if it was not. */
        public RejectReason rejection(final int i) {
            return rejections[i];
        }

        /**
         * Whether command {@code i} repeated a sourced command already executed (its event is {@code duplicate}): its
         * original answer is {@link Senders#original}'s to find.
         */
        public boolean duplicate(final int i) {
            return duplicates[i];
        }

        /** The account whose view command {@code i}'s events were written in; {@code null}: everything. */
        public String viewer(final int i) {
            return viewers[i];
        }

        /** The bytes that hold every command's events; command {@code i}'s are {@link #eventsFrom}..{@link #eventsTo}. */
        public byte[] eventBytes() {
            return events.array();
        }

        public int eventsFrom(final int i) {
            return i == 0 ? 0 : eventEnds[i - 1];
        }

        /** The end of command {@code i}'s events, its last separator included. */
        public int eventsTo(final int i) {
            return eventEnds[i];
        }

        /** Every event of the batch, one after the other (JSON lines when each was written with {@code '\n'}). */
        public int eventsLength() {
            return events.size();
        }

        /** Command {@code i}'s events as typed values, when the sequencer collects them; else an empty list. */
        public List<Event> events(final int i) {
            return typed.isEmpty() ? List.of() : typed.get(i);
        }

        /** The price levels command {@code i} changed, when the sequencer collects them; else an empty list. */
        public List<BookChange> bookChanges(final int i) {
            return bookChanges.isEmpty() ? List.of() : bookChanges.get(i);
        }
    }

    private final Engine engine;
    private final EventSinkSwitch sink;
    private final JsonEventWriter json;
    private final SwitchableOutput eventsOut;
    private final EventCounter counter;
    private final EventCollector collector;
    private final BatchSink batchSink;
    private final JournalOutput journal;
    private final JournalOptions options;
    private final Output output;
    private final Meter meter;
    private final Consumer<String> warn;
    private final JournalWriter.Clock clock;
    private final Snapshotter replica;
    private final SnapshotStore snapshots;
    private final OneToOneConcurrentArrayQueue<Batch> toJournal = new OneToOneConcurrentArrayQueue<>(IN_FLIGHT);
    private final OneToOneConcurrentArrayQueue<Batch> toPublish = new OneToOneConcurrentArrayQueue<>(IN_FLIGHT);
    private final OneToOneConcurrentArrayQueue<Batch> free = new OneToOneConcurrentArrayQueue<>(IN_FLIGHT);
    private final Thread journalerThread;
    private final Thread publisherThread;
    private final Into into = this::sequence;
    private Intake intake;
    private Thread engineThread;
    private Batch batch;
    private long lastTime;
    private volatile IOException failure;
    /** The intake could not be read (a file's read error): the pipeline ends, the journal is unharmed. */
    private volatile IOException inputFailure;
    private volatile long durableSeq;
    private volatile long batchesForced;
    private volatile long journalBytes;
    private volatile long snapshotsCopied;
    private volatile long copyPauseNanosMax;
    private volatile long copyPauseNanosTotal;
    private volatile long snapshotWriteNanos;
    private final List<Thread> snapshotWriters = new ArrayList<>();

    /**
     * A sequencer over a recovered engine, whose sink must be {@code sink} (the switch recovery replayed through).
     * With {@code collect}, each command's events are also kept as typed values and book changes for the output.
     */
    public Sequencer(final Recovery.Recovered recovered, final EventSinkSwitch sink, final JournalOptions options,
                     final boolean collect, final Output output, final Meter meter, final JournalWriter.Clock clock,
                     final Consumer<String> warn) throws IOException {
        this.engine = recovered.engine();
        this.sink = sink;
        this.options = options;
        this.output = output;
        this.meter = meter;
        this.clock = clock;
        this.warn = warn;
        this.eventsOut = new SwitchableOutput();
        this.json = new JsonEventWriter(eventsOut);
        this.collector = collect ? new EventCollector(true) : null;
        this.batchSink = new BatchSink(json, collector);
        this.counter = new EventCounter(batchSink);
        this.snapshots = new SnapshotStore(options.dir());
        this.durableSeq = engine.sequence();
        this.journal = options.output().open(options.dir(), engine.sequence() + 1, options.segmentBytes());
        this.replica = options.snapshotEvery() > 0 && options.mode() == SnapshotMode.REPLICA
                ? new Snapshotter(options.dir(), engine.sequence(), options.snapshotEvery(), options.keepSnapshots(),
                        warn).start()
                : null;
        for (int i = 0; i < IN_FLIGHT; i++) {
            free.offer(new Batch());
        }
        journalerThread = Thread.ofPlatform().name("edgebook-journaler").unstarted(this::runJournaler);
        publisherThread = Thread.ofPlatform().name("edgebook-publisher").unstarted(this::runPublisher);
    }

    /** Starts the engine thread on {@code intake}, with the journaler and publisher. */
    public Sequencer start(final Intake intake) {
        startStages(intake);
        engineThread = Thread.ofPlatform().name("edgebook-engine").start(this::runEngine);
        return this;
    }

    /** Runs the engine stage on the calling thread until the intake ends, then waits for the rest to be published. */
    public void run(final Intake intake) throws IOException {
        startStages(intake);
        engineThread = Thread.currentThread();
        runEngine();
        awaitStages();
        if (failure != null) {
            throw failure;
        }
        if (inputFailure != null) {
            throw inputFailure;
        }
    }

    private void startStages(final Intake intake) {
        this.intake = intake;
        sink.target(counter);
        journalerThread.start();
        publisherThread.start();
    }

    /** Why the journal stopped taking writes, or {@code null} while it is healthy. */
    public IOException failure() {
        return failure;
    }

    /** The newest sequence number that is durable and published. */
    public long durableSeq() {
        return durableSeq;
    }

    public long batchesForced() {
        return batchesForced;
    }

    /** Journal bytes written since start (frames; segment headers not counted). */
    public long journalBytes() {
        return journalBytes;
    }

    public EventCounter counts() {
        return counter;
    }

    /** Snapshots written since start (by the replica, or copied by the engine). */
    public long snapshotsTaken() {
        return replica != null ? replica.taken() : snapshotsCopied;
    }

    /** The longest and the total pause of the engine for COPY snapshots, in nanoseconds. */
    public long copyPauseNanosMax() {
        return copyPauseNanosMax;
    }

    public long copyPauseNanosTotal() {
        return copyPauseNanosTotal;
    }

    /**
     * How long the newest snapshot took, in nanoseconds (0 before the first): REPLICA, the replica's capture and
     * write; COPY, the write of the copy (its pause of the engine is {@link #copyPauseNanosMax}).
     */
    public long lastSnapshotNanos() {
        return replica != null ? replica.lastNanos() : snapshotWriteNanos;
    }

    // ------------------------------------------------------------------------------------------------- engine stage

    private void runEngine() {
        final IdleStrategy idle = idle();
        try {
            batch = takeFree(idle);
            eventsOut.target(batch.events);
            while (true) {
                int taken = 0;
                try {
                    if (failure != null) {
                        intake.failed(failure); // refuses what is queued, now and until the intake ends
                    } else {
                        taken = intake.drain(into);
                    }
                } catch (final IOException e) {
                    inputFailure = e; // what was sequenced before it is still journaled and published below
                    break;
                } catch (final RuntimeException | Error e) {
                    // A bug in the engine or an intake: the engine's state can no longer be trusted. The command it
                    // was running is already in the batch, which the journaler will now fail with everything after.
                    fail(new IOException("the engine stage failed: " + e, e));
                    continue;
                }
                if (batch.size > 0 && (taken == 0 || !intake.more())) {
                    handOver(false); // nothing more at hand: these commands do not wait for company
                }
                if (taken == 0) {
                    if (intake.ended()) {
                        break;
                    }
                    idle.idle();
                } else {
                    idle.reset();
                }
            }
        } finally {
            handOver(true);
        }
    }

    private void sequence(final long cmd, final Command command, final String source, final String viewer,
                          final char separator, final Object attachment) {
        final int needed = JournalWriter.maxRecordLength(command, source);
        if (batch.records.remaining() < needed) {
            if (batch.size > 0) {
                handOver(false);
            }
            if (batch.records.remaining() < needed) { // one command larger than a batch
                batch.records = ByteBuffer.allocate(needed + BATCH_BYTES);
            }
        }
        final int i = batch.size;
        final long seq = engine.sequence() + 1;
        if (i == 0) {
            batch.firstSeq = seq;
        }
        lastTime = Math.max(lastTime, clock.micros());
        final Command journaled = JournalWriter.encode(seq, lastTime, source, command, batch.records);
        batch.times[i] = lastTime;
        batch.commands[i] = journaled;
        batch.attachments[i] = attachment;
        batch.viewers[i] = viewer;
        batch.size = i + 1; // in the batch before it runs: should the engine throw, its reply fails with the batch
        json.view(viewer, separator);
        batchSink.next();
        engine.execute(cmd == 0 ? seq : cmd, journaled);
        if (collector != null) { // replies need each command's slice; a stream of lines needs only the batch's end
            json.flush();
            batch.eventEnds[i] = batch.events.size();
        }
        batch.rejections[i] = batchSink.rejection();
        batch.duplicates[i] = batchSink.duplicate();
        if (collector != null) {
            batch.typed.add(collector.drain());
            batch.bookChanges.add(collector.drainBookChanges());
        }
        final boolean copySnapshot = options.snapshotEvery() > 0 && options.mode() == SnapshotMode.COPY
                && seq % options.snapshotEvery() == 0;
        if (copySnapshot) {
            final long start = System.nanoTime();
            batch.snapshot = SnapshotStore.capture(engine);
            final long pause = System.nanoTime() - start;
            snapshotsCopied++;
            copyPauseNanosMax = Math.max(copyPauseNanosMax, pause);
            copyPauseNanosTotal += pause;
        }
        if (copySnapshot || batch.size == BATCH_COMMANDS || batch.records.position() >= BATCH_BYTES
                || batch.events.size() >= BATCH_BYTES) {
            handOver(false);
        }
    }

    /** Closes the open batch and passes it to the journaler; with {@code last}, the pipeline ends after it. */
    /** The engine thread's wait for room in the journaler's ring or a free batch: one, reset at each hand-over. */
    private final IdleStrategy handOverIdle = idle();

    private void handOver(final boolean last) {
        if (batch == null) {
            return;
        }
        json.flush(); // the generator's buffer into this batch's events
        batch.records.flip();
        batch.last = last;
        final IdleStrategy idle = handOverIdle;
        idle.reset();
        while (!toJournal.offer(batch)) {
            idle.idle();
        }
        batch = null;
        if (!last) {
            batch = takeFree(idle);
            eventsOut.target(batch.events);
        }
    }

    private Batch takeFree(final IdleStrategy idle) {
        Batch next;
        while ((next = free.poll()) == null) {
            idle.idle();
        }
        idle.reset();
        next.reset();
        return next;
    }

    // ---------------------------------------------------------------------------------------------- journaler stage

    private void runJournaler() {
        final IdleStrategy idle = idle();
        try {
            while (true) {
                final Batch next = toJournal.poll();
                if (next == null) {
                    idle.idle();
                    continue;
                }
                idle.reset();
                if (next.size > 0) {
                    if (failure != null) {
                        next.failure = failure;
                    } else {
                        final long start = System.nanoTime();
                        try {
                            final int bytes = (int) journal.write(next.records, next.firstSeq); // durable now
                            final long nanos = System.nanoTime() - start;
                            batchesForced++;
                            journalBytes += bytes;
                            meter.forced(next.size, bytes, nanos);
                        } catch (final IOException | RuntimeException | Error e) {
                            final IOException cause = e instanceof IOException io ? io
                                    : new IOException("the journal failed: " + e, e);
                            fail(cause);
                            next.failure = cause;
                        }
                    }
                }
                while (!toPublish.offer(next)) {
                    idle.idle();
                }
                if (next.last) {
                    return;
                }
            }
        } finally {
            try {
                journal.close();
            } catch (final IOException e) {
                if (failure == null) {
                    warn.accept("journal: closing the last segment failed: " + e.getMessage());
                }
            }
        }
    }

    private void fail(final IOException cause) {
        if (failure == null) {
            failure = cause;
            warn.accept("JOURNAL FAILED: nothing more is acknowledged; a restart recovers every acknowledged "
                    + "command. Cause: " + cause);
        }
    }

    // ---------------------------------------------------------------------------------------------- publisher stage

    private void runPublisher() {
        final IdleStrategy idle = idle();
        while (true) {
            final Batch next = toPublish.poll();
            if (next == null) {
                idle.idle();
                continue;
            }
            idle.reset();
            if (next.size > 0) {
                try {
                    if (next.failure != null) {
                        output.failed(next, next.failure);
                    } else {
                        try {
                            output.durable(next);
                        } finally { // durable whatever its readers did
                            durableSeq = next.firstSeq + next.size - 1;
                            if (replica != null) {
                                replica.offer(next.records.duplicate().rewind());
                            }
                        }
                    }
                } catch (final RuntimeException | Error e) {
                    warn.accept("publisher: an output failed on batch from " + next.firstSeq + ": " + e);
                }
            }
            if (next.snapshot != null && next.failure == null) {
                final byte[] copy = next.snapshot; // durable through its sequence: written off this thread
                snapshotWriters.removeIf(t -> !t.isAlive());
                snapshotWriters.add(Thread.ofVirtual().name("edgebook-snapshot").start(() -> writeSnapshot(copy)));
            }
            if (next.last) {
                return;
            }
            while (!free.offer(next)) {
                idle.idle();
            }
        }
    }

    private synchronized void writeSnapshot(final byte[] snapshot) {
        try {
            final long start = System.nanoTime();
            snapshots.write(snapshot);
            snapshotWriteNanos = System.nanoTime() - start;
            snapshots.prune(options.keepSnapshots());
        } catch (final IOException e) {
            warn.accept("snapshot not written (the journal is unaffected): " + e.getMessage());
        }
    }

    private void awaitStages() {
        boolean interrupted = false;
        for (final Thread t : List.of(journalerThread, publisherThread)) {
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (final InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        try {
            for (final Thread t : snapshotWriters) {
                t.join();
            }
            if (replica != null) {
                replica.finish();
            }
        } catch (final InterruptedException e) {
            interrupted = true;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** After the intake has ended: waits for the engine thread and everything it handed over to be published. */
    @Override
    public void close() throws IOException {
        if (engineThread != null && engineThread != Thread.currentThread()) {
            boolean interrupted = false;
            while (engineThread.isAlive()) {
                try {
                    engineThread.join();
                } catch (final InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        awaitStages();
    }

    /**
     * Waits that cost little on two cores: a few spins and yields while work is flowing, then parks of 1 µs growing
     * to 200 µs, so an idle pipeline sleeps and a busy one never blocks on a lock. Measured against no spins or yields
     * at all and against 5 spins and 2 yields (replay --journal of 1M commands, alternated, BENCHMARKS.md): no
     * better, within the machine's noise.
     */
    private static IdleStrategy idle() {
        return new BackoffIdleStrategy(20, 10, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MICROSECONDS.toNanos(200));
    }
}
