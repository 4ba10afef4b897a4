package org.edgebook.codec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.edgebook.engine.CancelReason;
import org.edgebook.engine.Engine;
import org.edgebook.engine.EventSink;
import org.edgebook.engine.RejectReason;
import org.edgebook.engine.Side;

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
            final Counts counts = new Counts(writer);
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
            return new Summary(commands, counts.events, counts.rejections, counts.trades,
                    System.nanoTime() - startNanos);
        }
    }

    /** Counts events on their way to the writer. */
    private static final class Counts implements EventSink {
        private final EventSink next;
        long events;
        long rejections;
        long trades;

        Counts(final EventSink next) {
            this.next = next;
        }

        @Override
        public void ok(final long cmd) {
            events++;
            next.ok(cmd);
        }

        @Override
        public void rejected(final long cmd, final RejectReason reason, final String account,
                             final String clientOrderId, final String detail) {
            events++;
            rejections++;
            next.rejected(cmd, reason, account, clientOrderId, detail);
        }

        @Override
        public void accepted(final long cmd, final String account, final String clientOrderId) {
            events++;
            next.accepted(cmd, account, clientOrderId);
        }

        @Override
        public void trade(final long cmd, final String symbol, final long price, final int priceScale,
                          final long quantity, final int quantityScale, final String makerAccount,
                          final String makerOrderId, final String takerAccount, final String takerOrderId,
                          final Side takerSide) {
            events++;
            trades++;
            next.trade(cmd, symbol, price, priceScale, quantity, quantityScale, makerAccount, makerOrderId,
                    takerAccount, takerOrderId, takerSide);
        }

        @Override
        public void cancelled(final long cmd, final String account, final String clientOrderId,
                              final long remaining, final int quantityScale, final CancelReason reason) {
            events++;
            next.cancelled(cmd, account, clientOrderId, remaining, quantityScale, reason);
        }

        @Override
        public void modified(final long cmd, final String account, final String clientOrderId, final long price,
                             final int priceScale, final long quantity, final int quantityScale) {
            events++;
            next.modified(cmd, account, clientOrderId, price, priceScale, quantity, quantityScale);
        }

        @Override
        public void book(final long cmd, final String symbol, final BookView book) {
            events++;
            next.book(cmd, symbol, book);
        }

        @Override
        public void balances(final long cmd, final String account, final BalanceView balances) {
            events++;
            next.balances(cmd, account, balances);
        }
    }
}
