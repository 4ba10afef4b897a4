package org.edgebook.server;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import org.edgebook.journal.AuditReport;
import org.edgebook.journal.StatementIndex;
import org.edgebook.journal.StatementReport;
import org.edgebook.journal.TradeReport;
import org.edgebook.journal.UtcMicros;

/**
 * Reports read from the journal: trades and the audit trail (admin only) and an account's statement for a day (its
 * own for an account key; any account's for the admin), which costs more of the key's rate.
 * <p>
 * Threading: handlers on the event loops; the journal is read on a worker thread, never on an event loop.
 */
final class ReportRoutes {
    private final Path dataDir;
    private final RateLimiter limiter;
    /** Statements from an index of the journal, built on the first and extended by each later one. */
    private final StatementIndex statements;

    ReportRoutes(final Path dataDir, final RateLimiter limiter) {
        this.dataDir = dataDir;
        this.limiter = limiter;
        this.statements = new StatementIndex(dataDir);
    }

    void register(final Router router) {
        router.get("/v1/reports/trades").handler(ctx -> report(ctx, true, out -> {
            final boolean json = "json".equalsIgnoreCase(ctx.queryParams().get("format"));
            TradeReport.write(dataDir, time(ctx, "from", Long.MIN_VALUE), time(ctx, "to", Long.MAX_VALUE),
                    json ? TradeReport.Format.JSON : TradeReport.Format.CSV, "EDGEBOOK", out);
            return json ? "application/x-ndjson" : "text/csv";
        }));
        router.get("/v1/reports/audit").handler(ctx -> report(ctx, true, out -> {
            AuditReport.write(dataDir, time(ctx, "from", Long.MIN_VALUE), time(ctx, "to", Long.MAX_VALUE), out);
            return "application/x-ndjson";
        }));
        router.get("/v1/reports/statement").handler(this::statement);
    }

    private void statement(final RoutingContext ctx) {
        final ApiKey key = ctx.get("key");
        final String asked = ctx.queryParams().get("account");
        final String account = key.admin() ? asked : key.account();
        if (account == null || !key.admin() && asked != null && !asked.equals(key.account())) {
            HttpAnswers.json(ctx, key.admin() ? 400 : 403, ApiResponses.error(key.admin() ? "MALFORMED" : "forbidden",
                    key.admin() ? "account is required" : "this key sees only account " + key.account()));
            return;
        }
        // The request paid one unit of the key's rate; a statement costs more (RateLimiter.STATEMENT_COST).
        final double more = Math.min(RateLimiter.STATEMENT_COST, limiter.burst()) - 1;
        final long wait = limiter.acquire(key.id(), System.nanoTime(), more);
        if (wait > 0) {
            ctx.response().putHeader("Retry-After", Long.toString(wait));
            HttpAnswers.json(ctx, 429, ApiResponses.error("too many requests", "a statement costs " + (long) (more + 1)
                    + " requests of the key's rate; retry after " + wait + " s"));
            return;
        }
        report(ctx, false, out -> {
            StatementReport.writeJson(statements.statement(account,
                    java.time.LocalDate.parse(ctx.queryParams().get("date"))), out);
            return "application/json";
        });
    }

    /** Writes a report's bytes and says their content type; runs off the event loop. */
    @FunctionalInterface
    private interface ReportWriter {
        String write(OutputStream out) throws IOException;
    }

    /** Reports read the journal: on a worker thread, admin only where {@code adminOnly}. */
    private static void report(final RoutingContext ctx, final boolean adminOnly, final ReportWriter writer) {
        if (adminOnly && !HttpAnswers.admin(ctx, "reports are for the admin key")) {
            return;
        }
        ctx.vertx().executeBlocking(() -> {
            final ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 16);
            final String type = writer.write(out);
            return new Object[] {type, out.toByteArray()};
        }, false).onComplete(result -> {
            if (result.failed()) {
                final Throwable cause = result.cause();
                final boolean bad = cause instanceof java.time.DateTimeException
                        || cause instanceof NullPointerException || cause instanceof IllegalArgumentException;
                HttpAnswers.json(ctx, bad ? 400 : 500, ApiResponses.error(bad ? "MALFORMED" : "report failed", bad
                        ? "from and to are dates (2026-11-21) or UTC times (2026-11-21T09:30:00Z); a statement "
                                + "needs date=YYYY-MM-DD" : cause.getMessage()));
                return;
            }
            ctx.response().setStatusCode(200).putHeader("Content-Type", (String) result.result()[0])
                    .end(Buffer.buffer((byte[]) result.result()[1]));
        });
    }

    /** A query parameter as UTC microseconds: a date (its start) or an instant; {@code absent} if missing. */
    private static long time(final RoutingContext ctx, final String name, final long absent) {
        final String text = ctx.queryParams().get(name);
        return text == null ? absent : UtcMicros.parse(text);
    }
}
