package org.edgebook.journal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.edgebook.codec.JsonEventWriter;
import org.edgebook.engine.Command;
import org.edgebook.engine.Engine;
import org.edgebook.engine.EventSink;
import org.edgebook.engine.RejectReason;

/**
 * What the service knows of the sources of numbered commands ({@link Command.FromSender}, docs/semantics.md
 * "Sources") beyond the engine: each source's durable mark, for {@code GET /v1/sources/{source}}, and the original
 * answer of a command that a source sent again, for every transport (HTTP, {@code /v1/batch}, the WebSocket).
 * <p>
 * The original answer comes from a window of the answers of recent sourced commands that ran, kept in memory, or, past
 * it, from the journal: the original's record is found by replaying from the newest snapshot before it, on a thread
 * of its own ({@code edgebook-originals}), never the engine's. When the journal before it has been pruned, the answer
 * is gone and {@link Answer#missing} says so.
 * <p>
 * The window is one for the whole service, not one per source: at most {@value #WINDOW_ANSWERS} answers and
 * {@value #WINDOW_BYTES} bytes of their events, the oldest dropped first. So a sender that resends within about the
 * last hundred thousand sourced commands of the service is answered from memory, whatever the number of sources, and
 * memory stays bounded however many there are; a quiet source's answers can be pushed out by busy ones, and are then
 * found in the journal. An answer is kept in the view it was written in (an account's own side of a trade); a repeat
 * in another view is recomputed from the journal.
 * <p>
 * The replay keeps its engine (a second copy of the state, as the statement index has) and where it stopped, so that
 * a sender resending a run of numbers costs one pass, not one replay each.
 * <p>
 * Threading: {@link #durable} and {@link #original} on the publisher thread (which alone reads and writes the window);
 * {@link #mark} from any thread (a concurrent map, written on the publisher thread once a command is durable); the
 * journal lookups on their own thread; {@link Answer}s come from either.
 */
public final class Senders implements AutoCloseable {
    /** The window: at most this many answers… */
    public static final int WINDOW_ANSWERS = 100_000;
    /** …holding at most this many bytes: their events, and an estimate of the objects around each answer. */
    public static final long WINDOW_BYTES = 32L << 20;
    /** Journal lookups waiting at most; beyond it a repeat is answered "try again". */
    static final int LOOKUPS_QUEUED = 256;
    /** The entry, its key, the original and the command it keeps (for who may see it), roughly. */
    private static final int ENTRY_OVERHEAD = 256;

    /**
     * A command's original answer: its sequence number, the time it was sequenced, the command as journaled (a
     * {@link Command.FromSender}), why it was rejected if it was (its first event), and its events as JSON in the
     * requester's view, each followed by {@code '\n'}.
     */
    public record Original(long seq, long timeMicros, Command command, RejectReason rejection, byte[] lines) {
        /** The events, each followed by {@code separator} ({@code '\n'} for JSON lines, {@code ','} in an array). */
        public byte[] events(final char separator) {
            if (separator == '\n') {
                return lines;
            }
            // A raw line break never occurs inside the JSON the event writer makes (it escapes control characters):
            // every one is a separator.
            final byte[] out = lines.clone();
            for (int i = 0; i < out.length; i++) {
                if (out[i] == '\n') {
                    out[i] = (byte) separator;
                }
            }
            return out;
        }
    }

    /** Where a repeat's original answer goes, once: on the publisher thread or the lookup thread. Must not block. */
    public interface Answer {
        void original(Original original);

        /**
         * The original answer cannot be given: {@code gone} when the journal no longer holds what it takes (pruned
         * with old snapshots; asking again will not help), otherwise for now (the lookups are busy, or reading failed).
         */
        void missing(boolean gone, String detail);
    }

    private record Key(String sender, long senderSeq) {
    }

    private record Entry(Key key, Original original, String viewer, int size) {
    }

    private final Path dir;
    private final int windowAnswers;
    private final long windowBytes;
    private final Map<String, Long> marks = new ConcurrentHashMap<>();
    // The window: the publisher thread's alone.
    private final Map<Key, Entry> window = new HashMap<>();
    private final ArrayDeque<Entry> oldestFirst = new ArrayDeque<>();
    private long bytes;
    private final ThreadPoolExecutor lookups;
    private final Replay replay;

    /**
     * The senders of a journal in {@code dir}, whose marks are {@code marks} when the pipeline starts (the recovered
     * engine's, read before its thread runs).
     */
    public Senders(final Path dir, final Map<String, Long> marks) {
        this(dir, marks, WINDOW_ANSWERS, WINDOW_BYTES);
    }

    /** With a window of other bounds (tests). */
    public Senders(final Path dir, final Map<String, Long> marks, final int windowAnswers, final long windowBytes) {
        this.dir = dir;
        this.windowAnswers = windowAnswers;
        this.windowBytes = windowBytes;
        this.marks.putAll(marks);
        this.replay = new Replay(dir);
        this.lookups = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(LOOKUPS_QUEUED),
                r -> Thread.ofPlatform().name("edgebook-originals").daemon().unstarted(r));
    }

    /** A source's durable mark: every number up to it has run and is on disk; 0 for a source never seen. */
    public long mark(final String sender) {
        return marks.getOrDefault(sender, 0L);
    }

    /** How many answers the window holds now (publisher thread; for tests). */
    int windowSize() {
        return window.size();
    }

    /**
     * Command {@code i} of a durable batch: if it is a sourced command that ran (its number was its source's mark + 1),
     * its source's mark moves and its answer goes into the window. Publisher thread, in sequence order, before the
     * command's reply.
     */
    public void durable(final Sequencer.Batch batch, final int i) {
        if (!(batch.command(i) instanceof Command.FromSender f) || f.problem() != null || batch.duplicate(i)
                || batch.rejection(i) == RejectReason.SEQUENCE_GAP) {
            return;
        }
        marks.put(f.sender(), f.senderSeq());
        final byte[] lines = lines(batch.eventBytes(), batch.eventsFrom(i), batch.eventsTo(i));
        final Entry entry = new Entry(new Key(f.sender(), f.senderSeq()), new Original(batch.seq(i),
                batch.timeMicros(i), f, batch.rejection(i), lines), batch.viewer(i), lines.length + ENTRY_OVERHEAD
                        + f.sender().length());
        final Entry replaced = window.put(entry.key(), entry);
        if (replaced != null) { // never: a number runs once; kept exact all the same
            oldestFirst.remove(replaced);
            bytes -= replaced.size();
        }
        oldestFirst.addLast(entry);
        bytes += entry.size();
        while (!oldestFirst.isEmpty() && (window.size() > windowAnswers || bytes > windowBytes)) {
            final Entry dropped = oldestFirst.removeFirst();
            window.remove(dropped.key());
            bytes -= dropped.size();
        }
    }

    /**
     * The original answer of command {@code i} of a durable batch, a repeat ({@link Sequencer.Batch#duplicate}), in the
     * view it was submitted in: at once from the window, else later from the journal. Publisher thread.
     */
    public void original(final Sequencer.Batch batch, final int i, final Answer answer) {
        final Command.FromSender repeat = (Command.FromSender) batch.command(i);
        final String viewer = batch.viewer(i);
        final Entry entry = window.get(new Key(repeat.sender(), repeat.senderSeq()));
        if (entry != null && java.util.Objects.equals(entry.viewer(), viewer)) {
            answer.original(entry.original());
            return;
        }
        final long before = batch.seq(i);
        final long mark = mark(repeat.sender());
        try {
            lookups.execute(() -> {
                try {
                    answer.original(replay.find(repeat.sender(), repeat.senderSeq(), viewer, before));
                } catch (final Gone e) {
                    answer.missing(true, e.getMessage() + "; it ran once, and the mark of " + repeat.sender() + " is "
                            + mark);
                } catch (final IOException | RuntimeException e) {
                    answer.missing(false, "the original answer of " + repeat.sender() + "'s sourceSeq "
                            + repeat.senderSeq() + " could not be read from the journal (" + e.getMessage()
                            + "); it ran once. Ask again");
                }
            });
        } catch (final RejectedExecutionException e) {
            answer.missing(false, "too many repeats are being looked up in the journal now; it ran once. Ask again "
                    + "later");
        }
    }

    /** The events {@code bytes[from, to)}, each followed by a separator, as JSON lines. */
    static byte[] lines(final byte[] bytes, final int from, final int to) {
        final byte[] out = java.util.Arrays.copyOfRange(bytes, from, to);
        int depth = 0;
        boolean inString = false;
        for (int i = 0; i < out.length; i++) {
            final byte b = out[i];
            if (inString) {
                if (b == '\\') {
                    i++;
                } else if (b == '"') {
                    inString = false;
                }
            } else if (b == '"') {
                inString = true;
            } else if (b == '{' || b == '[') {
                depth++;
            } else if (b == '}' || b == ']') {
                depth--;
            } else if (depth == 0) {
                out[i] = '\n'; // the separator after an event
            }
        }
        return out;
    }

    /**
     * Stops the lookups: those taken get up to five seconds to finish, then the rest are dropped unanswered (the
     * service is closing; their connections close with it).
     */
    @Override
    public void close() {
        lookups.shutdown();
        try {
            if (!lookups.awaitTermination(5, TimeUnit.SECONDS)) {
                lookups.shutdownNow();
                lookups.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (final InterruptedException e) {
            lookups.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** The journal no longer holds what an original answer takes. */
    static final class Gone extends IOException {
        Gone(final String message) {
            super(message);
        }
    }

    /**
     * Finds originals in the journal by replaying it into an engine of its own: from the newest snapshot (or the
     * journal's start) before the original, or from where the last lookup stopped when that is still before it.
     * Lookup thread only.
     */
    static final class Replay {
        private final Path dir;
        private final JournalTail tail = new JournalTail();
        private final EventSinkSwitch sink = new EventSinkSwitch(EventSink.DISCARD);
        private Engine engine;
        private JournalTail.Position position;

        Replay(final Path dir) {
            this.dir = dir;
        }

        /**
         * The answer of the command that moved {@code sender}'s mark to {@code senderSeq}, which ran before sequence
         * {@code before}, written in {@code viewer}'s view.
         */
        Original find(final String sender, final long senderSeq, final String viewer, final long before)
                throws IOException {
            final boolean reused = engine != null && engine.senderMark(sender) < senderSeq
                    && engine.sequence() < before;
            try {
                return find(sender, senderSeq, viewer, before, reused);
            } catch (final Gone e) {
                throw e;
            } catch (final IOException | RuntimeException e) {
                engine = null; // whatever state it was in, the next lookup starts afresh
                if (!reused) {
                    throw e;
                }
                return find(sender, senderSeq, viewer, before, false); // from a snapshot: the segment may be pruned
            }
        }

        private Original find(final String sender, final long senderSeq, final String viewer, final long before,
                              final boolean reuse) throws IOException {
            if (!reuse) {
                start(sender, senderSeq, before);
            }
            final ByteArrayOutputStream out = new ByteArrayOutputStream(512);
            final JsonEventWriter json = new JsonEventWriter(out);
            json.view(viewer, '\n');
            final BatchSink capture = new BatchSink(json, null);
            final Original[] found = new Original[1];
            position = tail.readUntil(dir, position, engine.sequence(), (seq, time, command) -> {
                if (seq >= before) {
                    return false; // the repeat itself: the original was not found before it
                }
                final boolean original = command instanceof Command.FromSender f && f.problem() == null
                        && f.senderSeq() == senderSeq && sender.equals(f.sender())
                        && engine.senderMark(sender) == senderSeq - 1;
                if (!original) {
                    engine.execute(seq, command);
                    return true;
                }
                sink.target(capture);
                capture.next();
                try {
                    engine.execute(seq, command); // cmd = seq, as the service numbers its commands
                } finally {
                    sink.target(EventSink.DISCARD);
                }
                json.flush();
                found[0] = new Original(seq, time, command, capture.rejection(), out.toByteArray());
                return false;
            });
            if (found[0] == null) {
                engine = null;
                throw new IOException("no command of " + sender + " with sourceSeq " + senderSeq + " ran before "
                        + "sequence " + before);
            }
            return found[0];
        }

        /** The engine to replay from: the newest snapshot before the original, or an empty one at the start. */
        private void start(final String sender, final long senderSeq, final long before) throws IOException {
            engine = null;
            final SnapshotStore store = new SnapshotStore(dir);
            long oldest = -1;
            for (final Path file : store.list()) {
                final long seq = SnapshotStore.seqOf(file);
                if (seq >= before) {
                    continue;
                }
                final SnapshotStore.Loaded loaded;
                try {
                    loaded = SnapshotStore.load(file, sink);
                } catch (final IOException e) {
                    continue; // damaged or pruned meanwhile: an older one may do
                }
                oldest = seq;
                if (loaded.engine().senderMark(sender) < senderSeq) {
                    use(loaded.engine());
                    return;
                }
            }
            final List<Path> segments = JournalScanner.segments(dir);
            if (segments.isEmpty() || JournalFormat.segmentFirstSeq(segments.getFirst()) <= 1) {
                use(new Engine(sink));
                return;
            }
            final long bound = oldest >= 0 ? oldest : JournalFormat.segmentFirstSeq(segments.getFirst()) - 1;
            throw new Gone("the original answer of " + sender + "'s sourceSeq " + senderSeq + " is no longer kept: "
                    + "that command ran at or before sequence " + bound + ", and the journal before sequence "
                    + (bound + 1) + " has been pruned with old snapshots (--keep-snapshots)");
        }

        private void use(final Engine start) {
            engine = start;
            position = new JournalTail.Position(null, 0, start.sequence() + 1);
        }
    }
}
