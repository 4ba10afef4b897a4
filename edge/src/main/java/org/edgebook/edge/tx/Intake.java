package org.edgebook.edge.tx;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.LongSupplier;
import org.edgebook.edge.outbox.Outbox;
import org.edgebook.edge.outbox.OutboxFull;
import org.edgebook.edge.screening.Decision;
import org.edgebook.edge.screening.Screening;

/**
 * The edge node's intake of one signed transaction (docs/transaction-path.md): checked ({@link SignedTransactions}),
 * screened ({@link Screening}), appended to the {@link Outbox} and answered once the append is durable. Each step
 * that refuses answers at once and writes nothing: a bad transaction 400 or 401, a full outbox 503 (its quota), a
 * failed outbox 503. A transaction whose id the outbox already knows is answered with its state, not taken again: its
 * id is its idempotency key, as at settlement.
 * <p>
 * Answers: 202 with the outbox sequence and state {@code queued} or {@code held}; 422 {@code rejected} when screening
 * rejected it (recorded, so that {@code GET /v1/tx/{id}} says why); 200 for a repeat.
 * <p>
 * Threading: thread-safe. {@link #take} checks on the caller's thread; screening runs where its function runs (in
 * place for a native one, on the sandbox's workers for WebAssembly); the outbox answers on its writer thread. Callers
 * hop back to their own thread to answer.
 */
public final class Intake {
    /** What the client is answered: a status, and either the transaction's state or an error with its detail. */
    public record Outcome(int status, Outbox.TxState state, long outboxSeq, boolean repeat, String error,
                          String detail) {
        public static Outcome refused(final int status, final String error, final String detail) {
            return new Outcome(status, null, 0, false, error, detail);
        }

        public boolean failed() {
            return error != null;
        }
    }

    private final SignedTransactions signed;
    private final Screening screening;
    private final Outbox outbox;
    private final TxMetrics metrics;
    private final LongSupplier clockMillis;
    private final Runnable queued;
    private final Runnable full;

    /**
     * {@code queued} is told when a transaction joins the queue (the forwarder's wake-up), {@code full} when the
     * outbox refused one for its quota (compaction's).
     */
    public Intake(final SignedTransactions signed, final Screening screening, final Outbox outbox,
                  final TxMetrics metrics, final LongSupplier clockMillis, final Runnable queued,
                  final Runnable full) {
        this.queued = queued;
        this.full = full;
        this.signed = signed;
        this.screening = screening;
        this.outbox = outbox;
        this.metrics = metrics;
        this.clockMillis = clockMillis;
    }

    /** Takes the transaction {@code bytes[offset, offset + length)}. The future never completes exceptionally. */
    public CompletableFuture<Outcome> take(final byte[] bytes, final int offset, final int length,
                                           final String requestId) {
        final long started = System.nanoTime();
        final long now = clockMillis.getAsLong();
        final SignedTransactions.Checked checked = signed.check(bytes, offset, length, now);
        if (checked.refused()) {
            metrics.refused(checked.error());
            return CompletableFuture.completedFuture(Outcome.refused(checked.status(), checked.error(),
                    checked.detail()));
        }
        final SignedTransactions.Verified tx = checked.verified();
        if (outbox.state(tx.id()) != null) {
            return CompletableFuture.completedFuture(repeat(tx));
        }
        return screening.screen(tx.screening(), requestId).thenCompose(decision -> {
            metrics.screened(decision.kind().label(), decision.failed());
            if (decision.kind() == Decision.Kind.ACCEPT) {
                // counted now, not once durable: the next transaction of the account (the next of a batch) is
                // screened with this one in its activity; one that then fails to be written stays counted (more
                // holds, never fewer)
                screening.accepted(tx.screening());
            }
            return outbox.accepted(tx.id(), tx.account(), tx.tx(), decision, now * 1000).thenApply(seq -> {
                final Outbox.TxState state = outbox.state(tx.id());
                if (decision.kind() == Decision.Kind.ACCEPT) {
                    queued.run();
                }
                metrics.taken(decision.kind() == Decision.Kind.ACCEPT ? "queued" : decision.kind().label());
                metrics.answered(System.nanoTime() - started);
                return new Outcome(decision.kind() == Decision.Kind.REJECT ? 422 : 202, state, seq, false, null,
                        null);
            });
        }).exceptionally(failure -> {
            final Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure
                    .getCause() : failure;
            if (cause instanceof OutboxFull refusal) {
                metrics.refused("outbox full");
                full.run();
                return Outcome.refused(503, "outbox full", refusal.getMessage() + "; nothing was written, try again");
            }
            if (cause instanceof IllegalStateException && outbox.state(tx.id()) != null) {
                return repeat(tx); // the same id raced in on another connection
            }
            metrics.refused("outbox failed");
            return Outcome.refused(503, "outbox failed", cause instanceof IOException ? cause.getMessage() : String
                    .valueOf(cause));
        });
    }

    /**
     * A transaction whose id the outbox knows: answered with its state (200, {@code repeat}) when it is the same
     * transaction and its acceptance is durable; 503 while that write is pending (a 2xx is never given for what a
     * crash could still take back); 409 when the id holds a different transaction of the account.
     */
    private Outcome repeat(final SignedTransactions.Verified tx) {
        final byte[] kept = outbox.bytes(tx.id());
        if (kept != null && !java.util.Arrays.equals(kept, tx.tx())) {
            metrics.refused("id in use");
            return Outcome.refused(409, "id in use", "the account's transaction " + tx.id() + " at this node is "
                    + "another one; a transferId or clientOrderId names one transaction");
        }
        if (!outbox.durable(tx.id())) {
            return Outcome.refused(503, "in progress", "the first copy of " + tx.id() + " is still being written; "
                    + "ask again");
        }
        return new Outcome(200, outbox.state(tx.id()), 0, true, null, null);
    }

    /**
     * An operator releases a held transaction to the queue: answers its new state, or 404 (unknown), 409 (not held),
     * 503 (the outbox failed). The account's activity then counts it.
     */
    public CompletableFuture<Outcome> release(final String id, final String operator) {
        final byte[] bytes = outbox.bytes(id);
        return operator(id, outbox.released(id, operator), "released").thenApply(outcome -> {
            if (!outcome.failed()) {
                if (bytes != null) {
                    screening.accepted(SignedTransactions.screeningForm(bytes));
                }
                queued.run();
            }
            return outcome;
        });
    }

    /** An operator rejects a held or queued transaction, with a reason. */
    public CompletableFuture<Outcome> reject(final String id, final String operator, final String reason) {
        return operator(id, outbox.rejected(id, operator, reason), "rejected");
    }

    private CompletableFuture<Outcome> operator(final String id, final CompletableFuture<Long> event,
                                                final String action) {
        return event.handle((seq, failure) -> {
            if (failure == null) {
                metrics.operator(action);
                return new Outcome(200, outbox.state(id), seq, false, null, null);
            }
            final Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure
                    .getCause() : failure;
            if (cause instanceof IllegalStateException) {
                return outbox.state(id) == null ? Outcome.refused(404, "not found", "no transaction " + id
                        + " at this node") : Outcome.refused(409, "conflict", cause.getMessage());
            }
            return Outcome.refused(503, "outbox failed", String.valueOf(cause.getMessage()));
        });
    }

    public Outbox outbox() {
        return outbox;
    }
}
