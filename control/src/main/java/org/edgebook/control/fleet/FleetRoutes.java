package org.edgebook.control.fleet;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.edgebook.control.Answers;
import org.edgebook.control.ControlArea;
import org.edgebook.control.ControlJson;
import org.edgebook.control.ControlMetrics;
import org.edgebook.control.ControlRouting;
import org.edgebook.control.Refusal;
import org.edgebook.control.modules.DesiredStateSource;

/**
 * The fleet's routes (docs/control-plane.md sections 2, 4 and 5): enrollment tokens, enrollment, revocation,
 * heartbeats, the node's desired state, and the operator's queries. Handlers are thin: {@link Enrollment},
 * {@link Fleet} and {@link FleetQuery} do the work.
 * <p>
 * Threading: handlers on the event loops; store work on workers; heartbeats go to the fleet's writer.
 */
public final class FleetRoutes implements ControlArea {
    private final Fleet fleet;
    private final Enrollment enrollment;
    private final FleetQuery query;
    private final Supplier<DesiredStateSource> desired;
    private final LongSupplier clock;
    private final ControlMetrics metrics;

    public FleetRoutes(final Fleet fleet, final Enrollment enrollment, final Supplier<DesiredStateSource> desired,
                       final LongSupplier clock, final ControlMetrics metrics) {
        this.fleet = fleet;
        this.enrollment = enrollment;
        this.query = new FleetQuery(fleet);
        this.desired = desired;
        this.clock = clock;
        this.metrics = metrics;
    }

    @Override
    public void install(final ControlRouting routing) {
        routing.operator(HttpMethod.POST, "/v1/admin/enrollment-tokens", ctx -> {
            final String operator = ctx.get(ControlRouting.OPERATOR);
            final byte[] body = ControlJson.body(ctx);
            Answers.blocking(ctx, 201, () -> {
                final Enrollment.Token t = enrollment.createToken(operator, body, clock.getAsLong());
                return ControlJson.object(json -> {
                    json.writeStringField("token", t.token());
                    json.writeNumberField("expiresAt", t.expiresAt());
                    json.writeNumberField("uses", t.uses());
                });
            });
        });
        routing.open(HttpMethod.POST, "/v1/enroll", ctx -> {
            final byte[] body = ControlJson.body(ctx);
            Answers.blocking(ctx, 201, () -> {
                final Fleet.Member m = enrollment.enroll(body, clock.getAsLong());
                return ControlJson.object(json -> {
                    json.writeStringField("nodeId", m.node().id());
                    json.writeNumberField("heartbeatIntervalMs", m.intervalMs());
                });
            });
        });
        routing.operator(HttpMethod.DELETE, "/v1/nodes/:id", ctx -> {
            final String operator = ctx.get(ControlRouting.OPERATOR);
            final String id = ctx.pathParam("id");
            Answers.blocking(ctx, 200, () -> enrollment.revoke(operator, id, clock.getAsLong())
                    ? ControlJson.object(json -> {
                        json.writeStringField("id", id);
                        json.writeStringField("state", "revoked");
                    }) : null);
        });
        routing.node(HttpMethod.POST, "/v1/node/heartbeat", this::heartbeat);
        routing.node(HttpMethod.GET, "/v1/node/desired", ctx -> {
            final String id = ctx.get(ControlRouting.NODE);
            final Fleet.Member m = fleet.member(id);
            ControlJson.answer(ctx, 200, desired.get().forNode(id, m.node().labels()).json());
        });
        routing.operator(HttpMethod.GET, "/v1/nodes", ctx -> Answers.now(ctx, 200, () -> query.page(filter(ctx),
                ctx.queryParams().get("after"), limit(ctx))));
        routing.operator(HttpMethod.GET, "/v1/nodes/counts", ctx -> Answers.now(ctx, 200, () -> query.counts(
                filter(ctx), ctx.queryParams().get("by"))));
        routing.operator(HttpMethod.GET, "/v1/nodes/:id", ctx -> Answers.now(ctx, 200, () -> query.detail(
                ctx.pathParam("id"), desired.get())));
    }

    private void heartbeat(final RoutingContext ctx) {
        final String id = ctx.get(ControlRouting.NODE);
        final Heartbeat h;
        try {
            h = HeartbeatParser.parse(ControlJson.body(ctx), id, clock.getAsLong());
        } catch (final IllegalArgumentException e) {
            ControlJson.refuse(ctx, 400, "malformed", e.getMessage());
            return;
        }
        final long told = fleet.intervalMs();
        fleet.heartbeat(h, told);
        final Fleet.Member m = fleet.member(id);
        final String hash = desired.get().forNode(id, m.node().labels()).hash();
        ControlJson.answer(ctx, 200, ControlJson.object(json -> {
            json.writeNumberField("intervalMs", told);
            json.writeStringField("desired", hash);
            json.writeStringField("state", "up");
        }));
        final Long start = ctx.get("startNanos");
        metrics.heartbeat(start == null ? 0 : System.nanoTime() - start);
    }

    private static FleetQuery.Filter filter(final RoutingContext ctx) {
        return FleetQuery.Filter.of(ctx.queryParams().get("region"), ctx.queryParams().getAll("label"),
                ctx.queryParams().get("state"), ctx.queryParams().get("module"));
    }

    private static int limit(final RoutingContext ctx) {
        final String limit = ctx.queryParams().get("limit");
        if (limit == null) {
            return 100;
        }
        try {
            return Integer.parseInt(limit);
        } catch (final NumberFormatException e) {
            throw Refusal.malformed("limit is a whole number from 1 to " + FleetQuery.MAX_LIMIT + ", not " + limit);
        }
    }
}
