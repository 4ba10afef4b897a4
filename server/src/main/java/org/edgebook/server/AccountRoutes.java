package org.edgebook.server;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.edgebook.engine.Command;

/**
 * An account's money: its balances, and transfers from it. Account keys only; the account is the key's.
 * <p>
 * Threading: handlers on the event loops.
 */
final class AccountRoutes {
    private final HttpCommands commands;

    AccountRoutes(final HttpCommands commands) {
        this.commands = commands;
    }

    void register(final Router router) {
        router.get("/v1/balances").handler(this::balances);
        router.post("/v1/transfers").handler(this::transfer);
    }

    private void balances(final RoutingContext ctx) {
        final ApiKey key = HttpAnswers.accountKey(ctx);
        if (key != null) {
            commands.submitScoped(ctx, new Command.QueryBalances(key.account()));
        }
    }

    private void transfer(final RoutingContext ctx) {
        commands.submitBody(ctx, "transfer"); // perhaps signed by a client key; the admin's only signed
    }
}
