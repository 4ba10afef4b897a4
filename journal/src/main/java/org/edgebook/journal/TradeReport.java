package org.edgebook.journal;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.edgebook.codec.JsonText;
import org.edgebook.engine.Decimal;
import org.edgebook.engine.Engine;
import org.edgebook.engine.EventSinkAdapter;
import org.edgebook.engine.Side;

/**
 * Trade reports for regulators, straight from the journal: every trade with a unique id ({@code <seq>-<n>}, the n-th
 * trade of command seq), its execution time (the time the command was sequenced and journaled, so every replay gives
 * the same report), symbol, price, quantity, notional and its currency, buyer and seller, aggressor side, maker and
 * taker order ids, and the venue. The journal is replayed through a fresh engine from its first command, or from the
 * oldest snapshot when older segments were pruned; trades before that cannot be reported and the report says from
 * where it starts.
 * <p>
 * Threading: the calling thread.
 */
public final class TradeReport {
    /** The report's file format. */
    public enum Format {
        CSV,
        JSON
    }

    static final String CSV_HEADER = "trade_id,execution_time,symbol,price,quantity,notional,currency,buyer,seller,"
            + "aggressor_side,maker_order_id,taker_order_id,venue";

    private TradeReport() {
    }

    /** What was written: trades and the first sequence number the report could see. */
    public record Result(long trades, long fromSeq) {
    }

    /**
     * Writes the trades executed in {@code [fromMicros, toMicros)} (UTC microseconds since the epoch) to {@code out}.
     */
    public static Result write(final Path dir, final long fromMicros, final long toMicros, final Format format,
                               final String venue, final OutputStream out) throws IOException {
        final Rows rows = new Rows(format, venue, fromMicros, toMicros, out);
        final EventSinkSwitch sink = new EventSinkSwitch(rows);
        final JournalStart start = JournalStart.of(dir, sink);
        final Engine engine = start.engine();
        final long startSeq = start.seq();
        if (format == Format.CSV) {
            out.write((CSV_HEADER + "\n").getBytes(StandardCharsets.UTF_8));
        }
        final Engine replaying = engine;
        rows.engine(replaying);
        JournalScanner.scan(dir, startSeq, true, (seq, time, command) -> {
            rows.command(seq, time);
            replaying.execute(seq, command);
        });
        out.flush();
        return new Result(rows.count, startSeq + 1);
    }

    /** Turns trade events into report rows; ignores every other event. */
    private static final class Rows extends EventSinkAdapter {
        private final Format format;
        private final String venue;
        private final long fromMicros;
        private final long toMicros;
        private final OutputStream out;
        private final StringBuilder line = new StringBuilder(256);
        private Engine engine;
        private long seq;
        private long time;
        private int tradeInCommand;
        long count;

        Rows(final Format format, final String venue, final long fromMicros, final long toMicros,
             final OutputStream out) {
            this.format = format;
            this.venue = venue;
            this.fromMicros = fromMicros;
            this.toMicros = toMicros;
            this.out = out;
        }

        void engine(final Engine engine) {
            this.engine = engine;
        }

        void command(final long seq, final long time) {
            this.seq = seq;
            this.time = time;
            tradeInCommand = 0;
        }

        @Override
        public void trade(final long cmd, final String symbol, final long price, final int priceScale,
                          final long quantity, final int quantityScale, final String makerAccount,
                          final String makerOrderId, final String takerAccount, final String takerOrderId,
                          final Side takerSide) {
            tradeInCommand++;
            if (time < fromMicros || time >= toMicros) {
                return;
            }
            final String currency = engine.quoteAsset(symbol);
            final Decimal notional = notional(price, priceScale, quantity, quantityScale);
            final String buyer = takerSide == Side.BUY ? takerAccount : makerAccount;
            final String seller = takerSide == Side.BUY ? makerAccount : takerAccount;
            final String[] fields = {seq + "-" + tradeInCommand,
                    UtcMicros.reportText(time), symbol,
                    Decimal.toString(price, priceScale), Decimal.toString(quantity, quantityScale),
                    notional.toString(), currency, buyer, seller, takerSide.name(), makerOrderId, takerOrderId, venue};
            line.setLength(0);
            if (format == Format.CSV) {
                for (int i = 0; i < fields.length; i++) {
                    line.append(i == 0 ? "" : ",").append(csv(fields[i]));
                }
            } else {
                final String[] names = CSV_HEADER.split(",");
                line.append('{');
                for (int i = 0; i < fields.length; i++) {
                    line.append(i == 0 ? "" : ",").append('"').append(names[i]).append("\":\"")
                            .append(JsonText.escape(fields[i])).append('"');
                }
                line.append('}');
            }
            line.append('\n');
            try {
                out.write(line.toString().getBytes(StandardCharsets.UTF_8));
            } catch (final IOException e) {
                throw new UncheckedIOException(e);
            }
            count++;
        }

        /** Exact: the instrument rules make price × quantity a finite decimal; 128-bit to be safe from overflow. */
        private static Decimal notional(final long price, final int priceScale, final long quantity,
                                        final int quantityScale) {
            final java.math.BigDecimal product = java.math.BigDecimal.valueOf(price, priceScale)
                    .multiply(java.math.BigDecimal.valueOf(quantity, quantityScale)).stripTrailingZeros();
            return Decimal.parse(product.scale() < 0 ? product.setScale(0).toPlainString() : product.toPlainString());
        }

        private static String csv(final String s) {
            return s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0
                    ? '"' + s.replace("\"", "\"\"") + '"' : s;
        }

    }
}
