package org.edgebook.cli;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;
import org.edgebook.journal.AuditReport;
import org.edgebook.journal.StatementReport;
import org.edgebook.journal.TradeReport;
import org.edgebook.journal.UtcMicros;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code edgebook report trades}: regulators' trade reports straight from the journal. */
@Command(name = "report", mixinStandardHelpOptions = true, description = "Reports built from the journal.",
        subcommands = {ReportCommand.Trades.class, ReportCommand.Audit.class, ReportCommand.Statement.class})
final class ReportCommand implements Runnable {
    @Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "trades", mixinStandardHelpOptions = true,
            description = {"Every trade executed in [--from, --to): trade id, execution time (UTC, microseconds), "
                    + "symbol, price,", "quantity, notional and currency, buyer, seller, aggressor side, maker and "
                            + "taker order ids, venue."})
    static final class Trades implements Callable<Integer> {
        @Spec
        private picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--data", required = true, paramLabel = "DIR", description = "The journal directory.")
        private Path data;

        @Option(names = "--from", paramLabel = "TIME", description = "Start (inclusive): 2026-11-21 or "
                + "2026-11-21T09:30:00Z. Default: the beginning.")
        private String from;

        @Option(names = "--to", paramLabel = "TIME", description = "End (exclusive), same forms. Default: now and "
                + "beyond.")
        private String to;

        @Option(names = "--format", defaultValue = "CSV", description = "CSV or JSON (JSON lines); default "
                + "${DEFAULT-VALUE}.")
        private TradeReport.Format format;

        @Option(names = "--venue", defaultValue = "EDGEBOOK", description = "Venue id in every row (default "
                + "${DEFAULT-VALUE}).")
        private String venue;

        @Override
        public Integer call() throws IOException {
            final long fromMicros = from == null ? Long.MIN_VALUE : micros(from, "--from");
            final long toMicros = to == null ? Long.MAX_VALUE : micros(to, "--to");
            try (OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16)) {
                final TradeReport.Result result = TradeReport.write(data, fromMicros, toMicros, format, venue, out);
                System.err.printf("report: %,d trades (the journal is readable from sequence %,d)%n", result.trades(),
                        result.fromSeq());
            }
            return 0;
        }

        private long micros(final String text, final String option) {
            return ReportCommand.micros(spec, text, option);
        }
    }

    @Command(name = "audit", mixinStandardHelpOptions = true,
            description = {"Every command sequenced in [--from, --to) as JSON lines: seq, time, source (the API key "
                    + "id or tool", "that sent it), the command, its outcome and how many events it caused."})
    static final class Audit implements Callable<Integer> {
        @Spec
        private picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--data", required = true, paramLabel = "DIR", description = "The journal directory.")
        private Path data;

        @Option(names = "--from", paramLabel = "TIME", description = "Start (inclusive), as for report trades.")
        private String from;

        @Option(names = "--to", paramLabel = "TIME", description = "End (exclusive), as for report trades.")
        private String to;

        @Override
        public Integer call() throws IOException {
            final long fromMicros = from == null ? Long.MIN_VALUE : micros(spec, from, "--from");
            final long toMicros = to == null ? Long.MAX_VALUE : micros(spec, to, "--to");
            try (OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16)) {
                final long written = AuditReport.write(data, fromMicros, toMicros, out);
                System.err.printf("report: %,d commands%n", written);
            }
            return 0;
        }
    }

    @Command(name = "statement", mixinStandardHelpOptions = true,
            description = {"An account's statement for one UTC day, as JSON: opening balances, every movement "
                    + "(deposits,",
                    "withdrawals, transfers, trade legs), closing balances, and whether they reconcile. "
                            + "Exit 3 if they do not."})
    static final class Statement implements Callable<Integer> {
        @Option(names = "--data", required = true, paramLabel = "DIR", description = "The journal directory.")
        private Path data;

        @Option(names = "--account", required = true, description = "The account.")
        private String account;

        @Option(names = "--date", required = true, paramLabel = "YYYY-MM-DD", description = "The UTC day.")
        private LocalDate date;

        @Override
        public Integer call() throws IOException {
            final StatementReport.Statement statement = StatementReport.build(data, account, date);
            StatementReport.writeJson(statement, System.out);
            return statement.reconciles() ? 0 : 3;
        }
    }

    /** A date (start of that day, UTC) or a UTC instant, as microseconds since the epoch. */
    static long micros(final picocli.CommandLine.Model.CommandSpec spec, final String text, final String option) {
        try {
            return UtcMicros.parse(text);
        } catch (final DateTimeParseException e) {
            throw new ParameterException(spec.commandLine(), option + " takes a date (2026-11-21) or a UTC "
                    + "time (2026-11-21T09:30:00Z), not '" + text + "'");
        }
    }
}
