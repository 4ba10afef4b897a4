package org.edgebook.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.edgebook.engine.Command;
import org.edgebook.engine.Engine;
import org.edgebook.engine.Event;
import org.edgebook.engine.EventCollector;

/**
 * The engine as a service: any thread submits a command with a callback, and the callback gets the command's sequence
 * number and events once its journal record is on disk. This is what a network service puts behind its handlers.
 * <p>
 * Threads: the engine thread takes everything submitted so far (up to {@value #BATCH} commands), journals and executes
 * it as one batch and hands the batch to the journaler; the journaler writes and forces it, then answers each command
 * in order, on its own thread. Group commit policy: a batch is whatever arrived while the previous one was being
 * forced; nothing waits for more company. Submissions beyond {@value #QUEUE} waiting are refused at once
 * ({@link #submit} returns {@code false}) so that callers can answer "busy" rather than queue without bound.
 * <p>
 * Every command is journaled, queries included, so sequence numbers have no gaps and a query's answer never shows
 * a state that a crash could take back. The data directory is locked ({@link DataDirLock}) from {@link #start} to
 * {@link #close}: a second writer is refused.
 */
public final class DurableEngine implements AutoCloseable {
    static final int BATCH = 4096;
    static final int QUEUE = 1 << 16;
    private static final int IN_FLIGHT = 4;

    /** Receives a command's outcome, on the journaler's thread, once it is durable. Must not block. */
    @FunctionalInterface
    public interface Reply {
        void done(long seq, List<Event> events);

        /** As {@link #done(long, List)}, with the time the command was sequenced (UTC microseconds). */
        default void done(final long seq, final long timeMicros, final List<Event> events) {
            done(seq, events);
        }

        /** The command could not be made durable (the disk failed): it was not acknowledged, and may be lost. */
        default void failed(final IOException cause) {
        }
    }

    private record Submission(Command command, String source, Reply reply) {
    }

    /** Sees every command once it is durable, in sequence order, on the journaler's thread. Must not block. */
    @FunctionalInterface
    public interface Listener {
        void durable(long seq, long timeMicros, Command command, List<Event> events);

        /** As above, with the price levels the command changed (for order book streams). */
        default void durable(final long seq, final long timeMicros, final Command command, final List<Event> events,
                             final List<org.edgebook.engine.BookChange> bookChanges) {
            durable(seq, timeMicros, command, events);
        }
    }

    /** One batch: its records, and each command's sequence number, events and reply. */
    private static final class Batch {
        ByteBuffer records = ByteBuffer.allocate(1 << 20);
        final List<Submission> submissions = new ArrayList<>(BATCH);
        final List<List<Event>> events = new ArrayList<>(BATCH);
        final List<List<org.edgebook.engine.BookChange>> bookChanges = new ArrayList<>(BATCH);
        long[] times = new long[BATCH];
        long firstSeq;
        boolean last;

        void reset() {
            records.clear();
            submissions.clear();
            events.clear();
            bookChanges.clear();
            last = false;
        }
    }

    private final BlockingQueue<Submission> submissions = new ArrayBlockingQueue<>(QUEUE);
    private final BlockingQueue<Batch> full = new ArrayBlockingQueue<>(IN_FLIGHT);
    private final BlockingQueue<Batch> free = new ArrayBlockingQueue<>(IN_FLIGHT);
    private final Engine engine;
    private final EventCollector collector;
    private final JournalWriter writer;
    private final Snapshotter snapshotter;
    private final Recovery.Recovered recovered;
    private final Thread engineThread;
    private final Thread journalerThread;
    private final List<Listener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean closing;
    private volatile IOException failure;

    private DurableEngine(final DurableReplay.Options options, final Consumer<String> warn) throws IOException {
        collector = new EventCollector(true);
        final EventSinkSwitch sink = new EventSinkSwitch(collector);
        recovered = Recovery.recover(options.dir(), sink, warn); // holds the directory's lock until close
        engine = recovered.engine();
        try {
            writer = new JournalWriter(options.dir(), engine.sequence() + 1, options.segmentBytes(),
                    JournalWriter.Clock.SYSTEM);
        } catch (final IOException e) {
            recovered.close();
            throw e;
        }
        snapshotter = options.snapshotEvery() > 0
                ? new Snapshotter(options.dir(), engine.sequence(), options.snapshotEvery(), options.keepSnapshots(),
                warn).start()
                : null;
        for (int i = 0; i < IN_FLIGHT; i++) {
            free.add(new Batch());
        }
        engineThread = Thread.ofPlatform().name("edgebook-engine").unstarted(this::runEngine);
        journalerThread = Thread.ofPlatform().name("edgebook-journaler").unstarted(this::runJournaler);
    }

    /** Recovers the directory and starts the engine and journaler threads. Snapshots always come from a replica. */
    public static DurableEngine start(final DurableReplay.Options options, final Consumer<String> warn)
            throws IOException {
        final DurableEngine service = new DurableEngine(options, warn);
        service.journalerThread.start();
        service.engineThread.start();
        return service;
    }

    /** Adds a listener that sees every command from now on once it is durable. */
    public void listen(final Listener listener) {
        listeners.add(listener);
    }

    /** What recovery did at start. */
    public Recovery.Recovered recovered() {
        return recovered;
    }

    /**
     * Queues a command. Returns {@code false}, and never calls {@code reply}, when the service is full, closing or
     * failed; the caller answers "busy" or "unavailable".
     */
    public boolean submit(final Command command, final Reply reply) {
        return submit(command, null, reply);
    }

    /** As {@link #submit(Command, Reply)}, journaling who sent it (an API key id) for the audit trail. */
    public boolean submit(final Command command, final String source, final Reply reply) {
        synchronized (submissions) { // so that nothing slips in after close() has begun draining
            return !closing && failure == null && submissions.offer(new Submission(command, source, reply));
        }
    }

    /** Why the service stopped taking commands, or {@code null} while it is healthy. */
    public IOException failure() {
        return failure;
    }

    private void runEngine() {
        final CRC32C crc = new CRC32C();
        final List<Submission> taken = new ArrayList<>(BATCH);
        long lastTime = 0;
        try {
            while (true) {
                final Submission first = submissions.poll(50, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (closing) {
                        break;
                    }
                    continue;
                }
                taken.add(first);
                submissions.drainTo(taken, BATCH - 1);
                Batch batch;
                while ((batch = free.poll(50, TimeUnit.MILLISECONDS)) == null) {
                    if (failure != null) {
                        taken.forEach(t -> t.reply().failed(failure));
                        return;
                    }
                }
                batch.reset();
                batch.firstSeq = engine.sequence() + 1;
                for (final Submission s : taken) {
                    final int needed = JournalWriter.maxRecordLength(s.command(), s.source());
                    if (batch.records.remaining() < needed) {
                        final ByteBuffer bigger = ByteBuffer.allocate(batch.records.capacity() * 2 + needed);
                        batch.records.flip();
                        bigger.put(batch.records);
                        batch.records = bigger;
                    }
                    final long seq = engine.sequence() + 1;
                    lastTime = Math.max(lastTime, JournalWriter.Clock.SYSTEM.micros());
                    final Command journaled = JournalWriter.encode(seq, lastTime, s.source(), s.command(),
                            batch.records, crc);
                    batch.times[batch.submissions.size()] = lastTime;
                    engine.execute(seq, journaled);
                    // Listeners see what was journaled and executed, which is what recovery will replay.
                    batch.submissions.add(journaled == s.command() ? s
                            : new Submission(journaled, s.source(), s.reply()));
                    batch.events.add(collector.drain());
                    batch.bookChanges.add(collector.drainBookChanges());
                }
                taken.clear();
                batch.records.flip();
                full.put(batch);
            }
            final Batch last = free.take();
            last.reset();
            last.last = true;
            full.put(last);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void runJournaler() {
        try (writer) {
            while (true) {
                final Batch batch = full.take();
                if (!batch.submissions.isEmpty()) {
                    try {
                        writer.write(batch.records, batch.firstSeq); // durable when this returns
                    } catch (final IOException e) {
                        batch.submissions.forEach(s -> s.reply().failed(e));
                        throw e;
                    }
                    for (int i = 0; i < batch.submissions.size(); i++) {
                        final long seq = batch.firstSeq + i;
                        for (final Listener listener : listeners) {
                            listener.durable(seq, batch.times[i], batch.submissions.get(i).command(),
                                    batch.events.get(i), batch.bookChanges.get(i));
                        }
                        batch.submissions.get(i).reply().done(seq, batch.times[i], batch.events.get(i));
                    }
                    if (snapshotter != null) {
                        snapshotter.offer(batch.records.rewind());
                    }
                }
                if (batch.last) {
                    return;
                }
                free.put(batch);
            }
        } catch (final IOException e) {
            failure = e; // nothing more is acknowledged: callers see submit() refused
            failEverythingPending(e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** After a failed force: no command in flight or still queued will ever be acknowledged; say so to each. */
    private void failEverythingPending(final IOException cause) {
        final List<Batch> batches = new ArrayList<>();
        full.drainTo(batches);
        for (final Batch batch : batches) {
            batch.submissions.forEach(s -> s.reply().failed(cause));
        }
        final List<Submission> queued = new ArrayList<>();
        submissions.drainTo(queued);
        queued.forEach(s -> s.reply().failed(cause));
    }

    /** Stops taking commands, answers everything already taken, closes the journal and unlocks the directory. */
    @Override
    public void close() throws IOException {
        synchronized (submissions) {
            closing = true;
        }
        try {
            engineThread.join();
            journalerThread.join();
            if (snapshotter != null) {
                snapshotter.finish();
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while closing", e);
        }
        recovered.close(); // nothing writes the directory any more
        if (failure != null) {
            throw failure;
        }
    }
}
