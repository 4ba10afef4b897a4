package org.edgebook.server;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.edgebook.engine.Command;

/**
 * An account's orders: place, list, look up, cancel, modify. Account keys only; the account is the key's.
 * <p>
 * Threading: handlers on the event loops; the order log is thread-safe.
 */
final class OrderRoutes {
    private final HttpCommands commands;
    private final OrderLog orders;

    OrderRoutes(final HttpCommands commands, final OrderLog orders) {
        this.commands = commands;
        this.orders = orders;
    }

    void register(final Router router) {
        router.post("/v1/orders").handler(this::place);
        router.get("/v1/orders").handler(this::list);
        router.get("/v1/orders/:clientOrderId").handler(this::find);
        router.delete("/v1/orders/:clientOrderId").handler(this::cancel);
        router.patch("/v1/orders/:clientOrderId").handler(this::modify);
    }

    private void place(final RoutingContext ctx) {
        commands.submitBody(ctx, "place"); // perhaps signed by a client key; the admin's only signed
    }

    private void list(final RoutingContext ctx) {
        final ApiKey key = HttpAnswers.accountKey(ctx);
        if (key != null) {
            commands.submitScoped(ctx, new Command.QueryOrders(key.account()));
        }
    }

    /** From the order log (orders since the service started), without a journal record. */
    private void find(final RoutingContext ctx) {
        final ApiKey key = HttpAnswers.accountKey(ctx);
        if (key == null) {
            return;
        }
        final byte[] order = orders.json(key.account(), ctx.pathParam("clientOrderId"));
        if (order == null) {
            HttpAnswers.json(ctx, 404, ApiResponses.error("not found", "no order " + ctx.pathParam("clientOrderId")
                    + " since the service started (the journal has every order: edgebook report trades)"));
        } else {
            HttpAnswers.json(ctx, 200, order);
        }
    }

    private void cancel(final RoutingContext ctx) {
        final ApiKey key = HttpAnswers.accountKey(ctx);
        if (key != null && HttpAnswers.validName(ctx, "clientOrderId", ctx.pathParam("clientOrderId"))) {
            commands.submitScoped(ctx, new Command.Cancel(key.account(), ctx.pathParam("clientOrderId")));
        }
    }

    /** The order is the path's; a body naming another order id is refused like another account's. */
    private void modify(final RoutingContext ctx) {
        final ApiKey key = HttpAnswers.accountKey(ctx);
        if (key == null) {
            return;
        }
        final Command decoded = HttpAnswers.decode(ctx, "modify");
        if (decoded == null) {
            return;
        }
        if (Command.unwrap(decoded) instanceof Command.Malformed) {
            commands.submitScoped(ctx, decoded); // a well-numbered malformed modify has its turn: MALFORMED, 400
            return;
        }
        final String path = ctx.pathParam("clientOrderId");
        if (!(Command.unwrap(decoded) instanceof Command.Modify c)
                || c.clientOrderId() != null && !c.clientOrderId().equals(path)) {
            HttpAnswers.json(ctx, 403, ApiResponses.error("forbidden", AccountScope.forbidden(key)));
            return;
        }
        final Command modify = new Command.Modify(c.account(), path, c.price(), c.quantity());
        commands.submitScoped(ctx, decoded instanceof Command.FromSender f
                ? new Command.FromSender(f.sender(), f.senderSeq(), modify) : modify);
    }
}
