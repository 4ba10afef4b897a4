package org.edgebook.journal;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.edgebook.engine.BookChange;
import org.edgebook.engine.Command;
import org.edgebook.engine.Event;
import org.edgebook.engine.EventSink;

/**
 * The engine as a service: any thread submits a command with a reply, and the reply gets the command's sequence number
 * and events once its journal record is on disk. This is what a network service puts behind its handlers.
 * <p>
 * A front end of the {@link Sequencer}: submissions go into a bounded many-to-one ring (Agrona's), which the engine
 * thread drains as the sequencer's intake; the publisher thread answers each command, in order, after the listeners
 * have seen it. Submissions beyond {@value #QUEUE} waiting are refused at once ({@link #submit} returns {@code false})
 * so that callers can answer "busy" rather than queue without bound.
 * <p>
 * Every command is journaled, queries included, so sequence numbers have no gaps and a query's answer never shows a
 * state that a crash could take back. Every submission taken is answered exactly once: {@link Reply#done} once durable,
 * or {@link Reply#failed} if the journal failed first (and then every later one is refused, with the cause in
 * {@link #failure()}). The data directory is locked ({@link DataDirLock}) from {@link #start} to {@link #close}.
 * <p>
 * A command numbered by its source ({@link Command.FromSender}) that ran moves the source's durable mark and leaves its
 * answer in {@link #senders()}' window before its reply; a reply whose command was a repeat
 * ({@link Sequencer.Batch#duplicate}) finds the original answer there.
 * <p>
 * Threads: {@link #submit} from any thread; replies and listeners on the publisher thread (a reply for a command that
 * the journal failure caught before it was sequenced comes from the engine thread).
 */
public final class DurableEngine implements AutoCloseable {
    static final int QUEUE = 1 << 16;

    /** A command's outcome, once it is durable. Called on the publisher thread: must not block. */
    @FunctionalInterface
    public interface Reply {
        void done(long seq, List<Event> events);

        /** As {@link #done(long, List)}, with the time the command was sequenced (UTC microseconds). */
        default void done(final long seq, final long timeMicros, final List<Event> events) {
            done(seq, events);
        }

        /**
         * Command {@code i} of a durable batch: its events as JSON ({@link Sequencer.Batch#eventBytes}, in the view and
         * with the separator it was submitted with) are valid during this call only; copy what you keep.
         */
        default void done(final Sequencer.Batch batch, final int i) {
            done(batch.seq(i), batch.timeMicros(i), batch.events(i));
        }

        /**
         * The command could not be made durable (its batch's write failed): it was not acknowledged; a write cut
         * short may still have kept it.
         */
        default void failed(final IOException cause) {
        }

        /** The journal had failed before this command was sequenced: it was never journaled. */
        default void refused(final IOException cause) {
            failed(cause);
        }
    }

    /** Sees every command once it is durable, in sequence order, on the publisher thread. Must not block. */
    @FunctionalInterface
    public interface Listener {
        void durable(long seq, long timeMicros, Command command, List<Event> events);

        /** As above, with the price levels the command changed (for order book streams). */
        default void durable(final long seq, final long timeMicros, final Command command, final List<Event> events,
                             final List<BookChange> bookChanges) {
            durable(seq, timeMicros, command, events);
        }
    }

    private record Submission(Command command, String source, String viewer, char separator, Reply reply) {
    }

    private final ManyToOneConcurrentArrayQueue<Submission> submissions = new ManyToOneConcurrentArrayQueue<>(QUEUE);
    private final AtomicInteger submitting = new AtomicInteger();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Recovery.Recovered recovered;
    private final Sequencer sequencer;
    private final Senders senders;
    private final Consumer<String> warn;
    private volatile boolean closing;

    private DurableEngine(final JournalOptions options, final Sequencer.Meter meter, final Consumer<String> warn)
            throws IOException {
        this(options, meter, warn, Senders.WINDOW_ANSWERS, Senders.WINDOW_BYTES);
    }

    private DurableEngine(final JournalOptions options, final Sequencer.Meter meter, final Consumer<String> warn,
                          final int windowAnswers, final long windowBytes) throws IOException {
        this.warn = warn;
        final EventSinkSwitch sink = new EventSinkSwitch(EventSink.DISCARD);
        recovered = Recovery.recover(options.dir(), sink, warn); // holds the directory's lock until close
        // The engine's thread has not started: its marks are read here, then kept up to date by the publisher.
        senders = new Senders(options.dir(), recovered.engine().senderMarks(), windowAnswers, windowBytes);
        try {
            sequencer = new Sequencer(recovered, sink, options, true, new Publisher(warn), meter,
                    JournalWriter.Clock.SYSTEM, warn);
        } catch (final IOException | RuntimeException e) {
            senders.close();
            recovered.close();
            throw e;
        }
    }

    /** Recovers the directory and starts the pipeline. */
    public static DurableEngine start(final JournalOptions options, final Consumer<String> warn) throws IOException {
        return start(options, Sequencer.Meter.NONE, warn);
    }

    /** As {@link #start(JournalOptions, Consumer)}, reporting each force to {@code meter}. */
    public static DurableEngine start(final JournalOptions options, final Sequencer.Meter meter,
                                      final Consumer<String> warn) throws IOException {
        final DurableEngine service = new DurableEngine(options, meter, warn);
        service.sequencer.start(service.new Submissions());
        return service;
    }

    /** As {@link #start(JournalOptions, Consumer)}, with a window of original answers of other bounds (tests). */
    static DurableEngine start(final JournalOptions options, final Consumer<String> warn, final int windowAnswers,
                               final long windowBytes) throws IOException {
        final DurableEngine service = new DurableEngine(options, Sequencer.Meter.NONE, warn, windowAnswers,
                windowBytes);
        service.sequencer.start(service.new Submissions());
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
     * The sources of numbered commands: their durable marks, and the original answers of repeats (for a reply whose
     * command was one: {@link Sequencer.Batch#duplicate}).
     */
    public Senders senders() {
        return senders;
    }

    /** The pipeline, for its figures. */
    public Sequencer sequencer() {
        return sequencer;
    }

    /** Commands waiting for the engine thread. */
    public int queued() {
        return submissions.size();
    }

    /**
     * Queues a command. Returns {@code false}, and never calls {@code reply}, when the service is full, closing or
     * failed ({@link #failure()} says which); the caller answers "busy" or "unavailable".
     */
    public boolean submit(final Command command, final Reply reply) {
        return submit(command, null, reply);
    }

    /** As {@link #submit(Command, Reply)}, journaling who sent it (an API key id) for the audit trail. */
    public boolean submit(final Command command, final String source, final Reply reply) {
        return submit(command, source, null, '\n', reply);
    }

    /**
     * As {@link #submit(Command, String, Reply)}, with its events written as {@code viewer} may see them (an account,
     * or {@code null} for everything) and each followed by {@code separator}: {@code '\n'} for JSON lines, {@code ','}
     * for the elements of an array.
     */
    public boolean submit(final Command command, final String source, final String viewer, final char separator,
                          final Reply reply) {
        submitting.incrementAndGet(); // close() waits for this before it decides the queue is drained
        try {
            return !closing && sequencer.failure() == null
                    && submissions.offer(new Submission(command, source, viewer, separator, reply));
        } finally {
            submitting.decrementAndGet();
        }
    }

    /** Why the service stopped taking commands, or {@code null} while it is healthy. */
    public IOException failure() {
        return sequencer.failure();
    }

    /** Whether {@link #close} has begun. */
    public boolean closing() {
        return closing;
    }

    /** Stops taking commands, answers everything already taken, closes the journal and unlocks the directory. */
    @Override
    public void close() throws IOException {
        closing = true;
        sequencer.close();
        senders.close(); // no journal lookups any more
        recovered.close(); // nothing writes the directory any more
        if (sequencer.failure() != null) {
            throw sequencer.failure();
        }
    }

    /** The ring as the engine thread's intake. */
    private final class Submissions implements Sequencer.Intake {
        private Sequencer.Into into;
        private final java.util.function.Consumer<Submission> sequence = s -> into.sequence(0, s.command(),
                s.source(), s.viewer(), s.separator(), s.reply());

        @Override
        public int drain(final Sequencer.Into into) {
            this.into = into;
            return submissions.drain(sequence, Sequencer.BATCH_COMMANDS);
        }

        @Override
        public boolean more() {
            return !submissions.isEmpty();
        }

        @Override
        public boolean ended() {
            // In this order: a submitter that got past the closing check has finished offering once it is counted out.
            return closing && submitting.get() == 0 && submissions.isEmpty();
        }

        @Override
        public void failed(final IOException cause) {
            submissions.drain(s -> {
                try {
                    s.reply().refused(cause);
                } catch (final RuntimeException e) { // one broken reply must not cost the others their answer
                    warn.accept("a refusal failed: " + e);
                }
            });
        }
    }

    /** Each durable batch to the listeners, then to each command's reply; a failed one to each reply. */
    private final class Publisher implements Sequencer.Output {
        private final Consumer<String> warn;

        Publisher(final Consumer<String> warn) {
            this.warn = warn;
        }

        @Override
        public void durable(final Sequencer.Batch batch) {
            for (int i = 0; i < batch.size(); i++) {
                for (final Listener listener : listeners) {
                    try {
                        listener.durable(batch.seq(i), batch.timeMicros(i), batch.command(i), batch.events(i),
                                batch.bookChanges(i));
                    } catch (final RuntimeException e) { // one broken reader must not cost anyone their answer
                        warn.accept("listener " + listener.getClass().getSimpleName() + " failed at sequence "
                                + batch.seq(i) + ": " + e);
                    }
                }
                try {
                    senders.durable(batch, i); // before the reply: its source's mark is durable once answered
                } catch (final RuntimeException e) {
                    warn.accept("senders failed at sequence " + batch.seq(i) + ": " + e);
                }
                if (batch.attachment(i) instanceof Reply reply) {
                    try {
                        reply.done(batch, i);
                    } catch (final RuntimeException e) {
                        warn.accept("a reply failed at sequence " + batch.seq(i) + ": " + e);
                    }
                }
            }
        }

        @Override
        public void failed(final Sequencer.Batch batch, final IOException cause) {
            for (int i = 0; i < batch.size(); i++) {
                if (batch.attachment(i) instanceof Reply reply) {
                    try {
                        reply.failed(cause);
                    } catch (final RuntimeException e) {
                        warn.accept("a reply failed at sequence " + batch.seq(i) + ": " + e);
                    }
                }
            }
        }
    }
}
