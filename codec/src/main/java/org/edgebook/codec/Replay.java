package org.edgebook.codec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.edgebook.engine.Engine;
import org.edgebook.engine.EventCounter;

/**
 * Streams a command file through a fresh engine and writes its events as JSON lines. A {@link CommandReader} decodes
 * ahead on a second thread; the calling thread is the engine's single writer and writes the events. Memory stays
 * bounded by a read buffer and a few batches of commands, whatever the file's size.
 */
public final class Replay {

    /** What a replay did. */
    public record Summary(long commands, long events, long rejections, long trades, long nanos) {

        public double commandsPerSecond() {
            return nanos == 0 ? 0 : commands * 1e9 / nanos;
        }

        /** One line for humans: counts, time and rate. */
        public String describe() {
            return String.format(java.util.Locale.ROOT,
                    "replay: %,d commands, %,d events, %,d rejections, %,d trades in %.3f s (%,.0f commands/s)",
                    commands, events, rejections, trades, nanos / 1e9, commandsPerSecond());
        }
    }

    private Replay() {
    }

    /** Replays every command of {@code in} and writes the events to {@code out}; flushes but does not close it. */
    public static Summary run(final InputStream in, final OutputStream out) throws IOException {
        final long startNanos = System.nanoTime();
        try (CommandReader reader = new CommandReader(in).start();
             JsonEventWriter writer = new JsonEventWriter(out)) {
            final EventCounter counts = new EventCounter(writer);
            final Engine engine = new Engine(counts);
            long commands = 0;
            CommandReader.Batch batch;
            while ((batch = reader.next()) != null) {
                for (int i = 0; i < batch.size(); i++) {
                    engine.execute(batch.line(i), batch.command(i));
                }
                commands += batch.size();
            }
            writer.flush();
            return new Summary(commands, counts.events(), counts.rejections(), counts.trades(),
                    System.nanoTime() - startNanos);
        }
    }
}
