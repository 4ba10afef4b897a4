package org.edgebook.codec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.edgebook.engine.Command;

/**
 * Reads and decodes a command stream on its own thread, ahead of the engine, and hands the commands over in batches.
 * Decoding is most of the cost of a replay besides the engine itself, so on two cores the two overlap. The order of
 * commands and their line numbers are kept exactly; only the work moves.
 * <p>
 * Threading: one decoding thread, started by {@link #start()}, and one consumer calling {@link #next()}. Batches are
 * recycled, so steady state allocates only the commands themselves.
 */
public final class CommandReader implements AutoCloseable {
    private static final int BATCH = 4096;
    private static final int IN_FLIGHT = 8;

    /** A run of decoded commands with the line number of each. */
    public static final class Batch {
        final long[] lines = new long[BATCH];
        final Command[] commands = new Command[BATCH];
        int size;
        boolean last;
        Throwable failure;

        public int size() {
            return size;
        }

        public long line(final int i) {
            return lines[i];
        }

        public Command command(final int i) {
            return commands[i];
        }
    }

    private final InputStream in;
    private final BlockingQueue<Batch> full = new ArrayBlockingQueue<>(IN_FLIGHT);
    private final BlockingQueue<Batch> free = new ArrayBlockingQueue<>(IN_FLIGHT);
    private final Thread thread;
    private Batch current;
    private volatile boolean closed;

    public CommandReader(final InputStream in) {
        this.in = in;
        for (int i = 0; i < IN_FLIGHT; i++) {
            free.add(new Batch());
        }
        this.thread = Thread.ofPlatform().name("edgebook-decoder").daemon().unstarted(this::decodeAll);
    }

    public CommandReader start() {
        thread.start();
        return this;
    }

    /** The next batch, or {@code null} at the end of the stream. The previous batch is recycled. */
    public Batch next() throws IOException {
        if (current != null) {
            if (current.last) {
                return null;
            }
            recycle(current);
        }
        try {
            current = full.take();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading commands", e);
        }
        if (current.failure != null) {
            if (current.failure instanceof IOException io) {
                throw io;
            }
            throw new IOException("reading commands failed", current.failure);
        }
        return current.size == 0 && current.last ? null : current;
    }

    private void recycle(final Batch batch) {
        java.util.Arrays.fill(batch.commands, 0, batch.size, null);
        batch.size = 0;
        free.add(batch);
    }

    private void decodeAll() {
        final LineReader lines = new LineReader(in);
        final CommandDecoder decoder = new CommandDecoder();
        Batch batch = null;
        try {
            batch = free.take();
            while (!closed && lines.next()) {
                if (lines.isBlank()) {
                    continue;
                }
                batch.lines[batch.size] = lines.lineNumber();
                batch.commands[batch.size] = lines.isTooLong()
                        ? new Command.Malformed("line longer than " + LineReader.MAX_LINE_BYTES + " bytes", null, null)
                        : decoder.decode(lines.buffer(), lines.offset(), lines.length());
                // Hand over at a full batch, or as soon as nothing more is at hand (a live stream, such as a client
                // typing or a pipe from another program, must not wait for 4,096 commands).
                if (++batch.size == BATCH || !lines.hasMoreAtHand()) {
                    full.put(batch);
                    batch = free.take();
                }
            }
            batch.last = true;
            full.put(batch);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (final IOException | RuntimeException e) {
            if (batch == null) {
                batch = new Batch();
            }
            batch.failure = e instanceof IOException ? e : new UncheckedIOException(new IOException(e));
            batch.last = true;
            full.offer(batch);
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
