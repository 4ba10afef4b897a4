package org.edgebook.journal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.function.Consumer;
import org.edgebook.codec.CommandReader;
import org.edgebook.codec.Replay;

/**
 * Replays a command stream with durability ({@code replay --journal}): every command is journaled and forced to disk
 * before any of its events is released, and a restart on the same directory carries on where the last durable command
 * left off.
 * <p>
 * The {@link Sequencer} does the work; this class only feeds it. A {@link CommandReader} decodes ahead on its own
 * thread; the calling thread is the engine's single writer, taking each decoded batch of lines as the sequencer's
 * intake; the publisher writes each durable batch's events (JSON lines, encoded once on the engine thread) to the
 * output. See {@link Sequencer} for the group commit policy, the snapshot modes and the threads.
 * <p>
 * The directory is locked ({@link DataDirLock}, taken by {@link Recovery}) for the whole run: a second writer is
 * refused.
 */
public final class DurableReplay {
    /** The source journaled with every replayed command. */
    static final String SOURCE = "replay";

    private DurableReplay() {
    }

    /** As {@link #run(InputStream, OutputStream, JournalOptions, Consumer, Consumer)}, without the closing figures. */
    public static Replay.Summary run(final InputStream in, final OutputStream out, final JournalOptions options,
                                     final Consumer<String> warn) throws IOException {
        return run(in, out, options, warn, line -> {});
    }

    /**
     * Recovers {@code options.dir()}, then replays {@code in} durably to {@code out}. Warnings (repairs, fallbacks)
     * go to {@code warn}; a closing line of journal figures (recovery, batches, snapshot pauses) to {@code info}.
     */
    public static Replay.Summary run(final InputStream in, final OutputStream out, final JournalOptions options,
                                     final Consumer<String> warn, final Consumer<String> info) throws IOException {
        final long startNanos = System.nanoTime();
        final EventSinkSwitch sink = new EventSinkSwitch(org.edgebook.engine.EventSink.DISCARD);
        final Recovery.Recovered recovered = Recovery.recover(options.dir(), sink, warn);
        try (recovered; CommandReader reader = new CommandReader(in).start()) { // the directory stays locked
            final Lines lines = new Lines(reader, out);
            final Sequencer sequencer = new Sequencer(recovered, sink, options, false, lines, Sequencer.Meter.NONE,
                    JournalWriter.Clock.SYSTEM, warn);
            sequencer.run(lines);
            if (lines.outputFailure != null) {
                throw lines.outputFailure;
            }
            final long commands = sequencer.durableSeq() - recovered.lastSeq();
            final long batches = sequencer.batchesForced();
            info.accept(String.format(java.util.Locale.ROOT, "journal: recovered to sequence %,d (snapshot %,d + %,d "
                    + "journaled commands) in %.1f ms; %,d batches forced (%.0f commands each on average); %d "
                    + "snapshots, engine paused %.1f ms at most, %.1f ms in all", recovered.lastSeq(),
                    recovered.snapshotSeq(), recovered.replayed(), recovered.nanos() / 1e6, batches,
                    batches == 0 ? 0.0 : (double) commands / batches, sequencer.snapshotsTaken(),
                    sequencer.copyPauseNanosMax() / 1e6, sequencer.copyPauseNanosTotal() / 1e6));
            final org.edgebook.engine.EventCounter counts = sequencer.counts();
            return new Replay.Summary(commands, counts.events(), counts.rejections(), counts.trades(),
                    System.nanoTime() - startNanos);
        }
    }

    /** The reader's batches in, each durable batch's JSON lines out. */
    private static final class Lines implements Sequencer.Intake, Sequencer.Output {
        private final CommandReader reader;
        private final OutputStream out;
        private boolean ended;
        private volatile IOException outputFailure;

        Lines(final CommandReader reader, final OutputStream out) {
            this.reader = reader;
            this.out = out;
        }

        @Override
        public int drain(final Sequencer.Into into) throws IOException {
            final CommandReader.Batch input = outputFailure == null ? reader.next() : null;
            if (input == null) {
                ended = true;
                return 0;
            }
            for (int i = 0; i < input.size(); i++) {
                into.sequence(input.line(i), input.command(i), SOURCE, null, '\n', null);
            }
            return input.size();
        }

        @Override
        public boolean more() {
            return false; // the reader's batch is what is at hand: do not make it wait for the next
        }

        @Override
        public boolean ended() {
            return ended;
        }

        @Override
        public void failed(final IOException cause) {
            ended = true;
        }

        @Override
        public void durable(final Sequencer.Batch batch) {
            if (outputFailure != null) {
                return;
            }
            try {
                out.write(batch.eventBytes(), 0, batch.eventsLength());
                out.flush();
            } catch (final IOException e) {
                outputFailure = e;
            }
        }

        @Override
        public void failed(final Sequencer.Batch batch, final IOException cause) {
            // nothing of it is written: the run ends with the journal's failure
        }
    }
}
