package org.edgebook.server;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.edgebook.engine.Command;

/**
 * What every key may read of the market: a book (a journaled query) and recent trades (from the trade log: public
 * shaped for account keys, in full for the admin).
 * <p>
 * Threading: handlers on the event loops; the trade log is thread-safe.
 */
final class MarketRoutes {
    private final HttpCommands commands;
    private final TradeLog trades;

    MarketRoutes(final HttpCommands commands, final TradeLog trades) {
        this.commands = commands;
        this.trades = trades;
    }

    void register(final Router router) {
        router.get("/v1/book/:symbol").handler(this::book);
        router.get("/v1/trades").handler(this::trades);
    }

    private void book(final RoutingContext ctx) {
        if (HttpAnswers.validName(ctx, "symbol", ctx.pathParam("symbol"))) {
            commands.submitScoped(ctx, new Command.QueryBook(ctx.pathParam("symbol")));
        }
    }

    /** Recent trades after a sequence number, from the trade log; the journal has them all. */
    private void trades(final RoutingContext ctx) {
        final long since;
        final int limit;
        try {
            since = Long.parseLong(ctx.queryParams().get("since") == null ? "0" : ctx.queryParams().get("since"));
            limit = Integer.parseInt(ctx.queryParams().get("limit") == null ? "1000" : ctx.queryParams().get("limit"));
        } catch (final NumberFormatException e) {
            HttpAnswers.json(ctx, 400, ApiResponses.error("MALFORMED", "since and limit are whole numbers"));
            return;
        }
        if (limit < 1 || limit > 10_000 || since < 0) {
            HttpAnswers.json(ctx, 400, ApiResponses.error("MALFORMED", "limit is 1 to 10000 and since is 0 or more"));
            return;
        }
        final TradeLog.Page page = trades.page(since, limit);
        HttpAnswers.json(ctx, 200, TradeLog.json(page.completeAfter(), page.trades(),
                ((ApiKey) ctx.get("key")).admin()));
    }
}
