package org.edgebook.server;

import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import org.edgebook.journal.DurableEngine;

/**
 * Why the engine did not accept a command, said the same way on every transport: the journal failed (for good, until a
 * restart), the service is closing, or the engine's queue is full. Each is a 503 with a {@code Retry-After}.
 * <p>
 * {@code reason} is the cause alone ("the journal failed: …"), {@code detail} what a client is told of one command.
 * <p>
 * Threading: immutable.
 */
record Refusal(String error, String reason, String detail, long retryAfterSeconds) {
    /** A failed journal takes a restart, which takes a while. */
    static final long AFTER_JOURNAL_FAILURE = 30;

    /** The command's journal write failed, or the journal had failed before it: the command was not accepted. */
    static Refusal journalFailed(final IOException cause) {
        final String reason = journalFailure(cause);
        return new Refusal("unavailable", reason, reason + "; the command was not accepted. Nothing is accepted "
                + "until the service is restarted; a restart recovers every acknowledged command",
                AFTER_JOURNAL_FAILURE);
    }

    /**
     * The command's own journal write failed: it was not acknowledged, but a write cut short (a disk filling up) may
     * have kept its record, so after a restart it may or may not be there; its id tells which.
     */
    static Refusal inFlight(final IOException cause) {
        final String reason = journalFailure(cause);
        return new Refusal("unavailable", reason, reason + "; the command was not acknowledged. Its write failed, so "
                + "after a restart it may or may not be in the journal: a retry with the same id is then refused as a "
                + "duplicate if it is. Nothing is accepted until the service is restarted; a restart recovers every "
                + "acknowledged command", AFTER_JOURNAL_FAILURE);
    }

    /** Why {@code engine} refused a submission just now: its journal failed, it is closing, or it is full. */
    static Refusal of(final DurableEngine engine) {
        final IOException failure = engine.failure();
        if (failure != null) {
            return journalFailed(failure);
        }
        if (engine.closing()) {
            return new Refusal("unavailable", "the service is shutting down",
                    "the service is shutting down; the command was not accepted", 5);
        }
        return new Refusal("busy", "the engine's queue is full", "the engine is not taking commands right now", 1);
    }

    /** {@code "the journal failed: <cause>"}, for details and health. */
    static String journalFailure(final IOException cause) {
        final String text = cause.getMessage() != null ? cause.getMessage() : cause.toString();
        return text.startsWith("the journal failed") ? text : "the journal failed: " + text;
    }

    /** {@code {"error":…,"detail":…}}. */
    byte[] json() {
        return ApiResponses.error(error, detail);
    }

    /** Answers the request 503 with {@code Retry-After}, unless it was answered already. */
    void answer(final RoutingContext ctx) {
        if (!ctx.response().ended() && !ctx.response().closed()) {
            ctx.response().putHeader("Retry-After", Long.toString(retryAfterSeconds));
        }
        HttpAnswers.json(ctx, 503, json());
    }

    /** The WebSocket's answer to the command {@code id}: {@code {"id":…,"error":…,"detail":…,"retryAfter":…}}. */
    byte[] toWebSocket(final String id) {
        return ApiResponses.object(json -> {
            json.writeFieldName("id");
            json.writeRawValue(id);
            json.writeStringField("error", error);
            json.writeStringField("detail", detail);
            json.writeNumberField("retryAfter", retryAfterSeconds);
        });
    }
}
