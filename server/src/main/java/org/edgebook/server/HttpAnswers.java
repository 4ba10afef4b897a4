package org.edgebook.server;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import org.edgebook.codec.CommandDecoder;
import org.edgebook.engine.Command;
import org.edgebook.engine.Names;

/**
 * What every HTTP handler does the same way: answer JSON, read the body, check a name from the path, decode a command.
 * <p>
 * Threading: stateless but for a decoder per thread; call on the request's event loop.
 */
final class HttpAnswers {
    private static final ThreadLocal<CommandDecoder> DECODERS = ThreadLocal.withInitial(CommandDecoder::new);

    private HttpAnswers() {
    }

    /** This thread's command decoder (decoders keep state between calls, so one each). */
    static CommandDecoder decoder() {
        return DECODERS.get();
    }

    static void json(final RoutingContext ctx, final int status, final byte[] body) {
        json(ctx, status, Buffer.buffer(body));
    }

    /** Answers once: a request already answered (a late reply after a timeout or a refusal) is left alone. */
    static void json(final RoutingContext ctx, final int status, final Buffer body) {
        if (ctx.response().ended() || ctx.response().closed()) {
            return;
        }
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body);
    }

    /** The request's body, empty if it has none. */
    static byte[] body(final RoutingContext ctx) {
        final Buffer body = ctx.body().buffer();
        return body == null ? new byte[0] : body.getBytes();
    }

    /** Whether a name from the path follows the rule for names; answers 400 naming the field if not. */
    static boolean validName(final RoutingContext ctx, final String field, final String value) {
        final String problem = Names.problem(field, value);
        if (problem != null) {
            json(ctx, 400, ApiResponses.error("MALFORMED", problem));
        }
        return problem == null;
    }

    /** The key of an account, or {@code null} after answering 403 to the admin key (which acts for no account). */
    static ApiKey accountKey(final RoutingContext ctx) {
        final ApiKey key = ctx.get("key");
        if (key.admin()) {
            json(ctx, 403, ApiResponses.error("forbidden", "an admin key acts for no account"));
            return null;
        }
        return key;
    }

    /** Whether the request's key is the admin's; answers 403 with {@code refusal} if not. */
    static boolean admin(final RoutingContext ctx, final String refusal) {
        final ApiKey key = ctx.get("key");
        if (!key.admin()) {
            json(ctx, 403, ApiResponses.error("forbidden", refusal));
        }
        return key.admin();
    }

    /** The body as a command of {@code type}, or {@code null} after answering 400. */
    static Command decode(final RoutingContext ctx, final String type) {
        final byte[] bytes = body(ctx);
        final Command command = decoder().decode(bytes, 0, bytes.length, type);
        if (command instanceof Command.Malformed m) {
            json(ctx, 400, ApiResponses.error("MALFORMED", m.detail()));
            return null;
        }
        return command;
    }
}
