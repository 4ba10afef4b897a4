package org.edgebook.control;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * Where each area of the control plane ({@link ControlArea}) puts its routes, and who may call them
 * (docs/control-plane.md section 1): {@link #operator} routes sit behind the operator's HMAC signature,
 * {@link #node} routes behind an enrolled node's Ed25519 signature, {@link #open} routes behind nothing. After the
 * check, the route finds the caller in the context: {@link #OPERATOR} (the operator key's id) or {@link #NODE} (the
 * node's id). Operator routes take bodies up to the configured limit (a module's upload); node and open routes up to
 * {@link #NODE_BODY_BYTES}, refused 413 beyond, so that an unauthenticated caller cannot make the server read more.
 * <p>
 * Threading: used while the server is set up, before it listens; the handlers it installs run on the event loops.
 */
public final class ControlRouting {
    /** The context key of the operator key's id, on an operator route. */
    public static final String OPERATOR = "operator";
    /** The context key of the node's id, on a node route. */
    public static final String NODE = "node";

    /** The body limit of node and open routes: a heartbeat is at most 64 KiB (section 4); an enrollment is small. */
    public static final long NODE_BODY_BYTES = 64 * 1024;

    private final Router router;
    private final Handler<RoutingContext> body;
    private final Handler<RoutingContext> smallBody;
    private final Handler<RoutingContext> operatorAuth;
    private final Handler<RoutingContext> nodeAuth;

    public ControlRouting(final Router router, final long maxBodyBytes, final Handler<RoutingContext> operatorAuth,
                          final Handler<RoutingContext> nodeAuth) {
        this.router = router;
        this.body = BodyHandler.create(false).setBodyLimit(maxBodyBytes);
        this.smallBody = BodyHandler.create(false).setBodyLimit(Math.min(maxBodyBytes, NODE_BODY_BYTES));
        this.operatorAuth = operatorAuth;
        this.nodeAuth = nodeAuth;
    }

    /** A route an operator calls, signed with an operator key. */
    public void operator(final HttpMethod method, final String path, final Handler<RoutingContext> handler) {
        router.route(method, path).handler(body).handler(operatorAuth).handler(handler);
    }

    /** A route an enrolled node calls, signed with its node key. */
    public void node(final HttpMethod method, final String path, final Handler<RoutingContext> handler) {
        router.route(method, path).handler(smallBody).handler(nodeAuth).handler(handler);
    }

    /** A route anyone may call ({@code /health}, {@code /v1/enroll}, whose token is in the body). */
    public void open(final HttpMethod method, final String path, final Handler<RoutingContext> handler) {
        router.route(method, path).handler(smallBody).handler(handler);
    }
}
