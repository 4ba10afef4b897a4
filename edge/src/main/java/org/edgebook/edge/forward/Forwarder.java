package org.edgebook.edge.forward;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.random.RandomGenerator;
import org.edgebook.edge.outbox.Outbox;

/**
 * The edge node's forwarder (issue 11, docs/transaction-path.md "Forwarding"): sends the outbox's queued transactions
 * to settlement in forwarding-sequence order and records each one's outcome in the outbox.
 * <p>
 * The duty cycle, one episode after another:
 * <ol>
 * <li><b>Resync.</b> Ask settlement the node's mark ({@link SettlementClient#mark}); take the outbox's forwarded but
 * unrecorded transactions (sent before a failure or a restart, answer unknown), to be sent again first, in order.
 * Settlement answers a repeat (at or below its mark) with its original outcome, so each is recorded exactly once.</li>
 * <li><b>Pump.</b> Keep up to {@link Options#maxInFlight} batches of up to {@link Options#batchSize} transactions in
 * flight: the resends first (runs of consecutive sequences), then queued transactions, each first given its
 * forwarding sequence ({@link Outbox#assign}) and sent only once that assignment is durable. Take the answers
 * oldest batch first and record each outcome ({@link Outbox#settled}, {@link Outbox#settlementRejected}).</li>
 * <li><b>Trouble.</b> A failed request (no connection, reset, deadline, a status other than 200 such as 503, an
 * answer that does not parse), a gap, or an outcome this node does not know ends the episode: no more batches are
 * sent, the ones in flight are waited for and whatever they settled is recorded, then after a backoff (exponential,
 * full jitter: uniform in [0, min(cap, base * 2^(n-1))] for the n-th trouble in a row; at least a 503's
 * {@code Retry-After}, within the cap) the next episode resyncs. It goes on forever; the node keeps taking
 * transactions meanwhile.</li>
 * </ol>
 * A held transaction is not in the outbox's queue, so it never blocks the ones behind it. If settlement's mark is past
 * the last sequence this node assigned (a wiped outbox, or another node's), or the oldest unrecorded sequence is past
 * the mark + 1 (settlement lost what it answered), forwarding would record other transactions' outcomes or never
 * progress: the forwarder refuses, says why in {@link #problem()} and the log, and asks again after a backoff.
 * <p>
 * Threading: one platform thread, {@code edge-forwarder}, runs the cycle and owns all of its state; it blocks only
 * on this object's monitor, which the answers' continuations (Vert.x event loop, outbox writer) signal. {@link #wake}
 * (the intake, after appending), {@link #problem} and {@link #close} may be called from any thread. Closing abandons
 * the batches in flight: their outcomes are learned again by the next forwarder's resync. Close the forwarder before
 * the outbox and the client (neither is closed by it).
 */
public final class Forwarder implements AutoCloseable {

    /** Waits a backoff; a seam for tests (null in {@link Options}: the forwarder waits, and a close cuts it short). */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    /**
     * Settings: batch size and batches in flight (at most the client's {@link SettlementClient.Options#pipelining},
     * else the extra ones wait for the connection within their deadline); backoff base and cap; how long the pump
     * waits for work when not woken; the jitter's random source and the backoff's sleeper (seams for tests).
     */
    public record Options(int batchSize, int maxInFlight, long backoffBaseMillis, long backoffCapMillis,
                          long idleMillis, RandomGenerator random, Sleeper sleeper) {
        public static Options defaults() {
            return new Options(1024, 4, 50, 2_000, 50, RandomGenerator.getDefault(), null);
        }

        public Options withBatches(final int size, final int inFlight) {
            return new Options(size, inFlight, backoffBaseMillis, backoffCapMillis, idleMillis, random, sleeper);
        }

        public Options withBackoff(final long baseMillis, final long capMillis, final RandomGenerator r,
                                   final Sleeper s) {
            return new Options(batchSize, maxInFlight, baseMillis, capMillis, idleMillis, r, s);
        }

        public Options withIdle(final long millis) {
            return new Options(batchSize, maxInFlight, backoffBaseMillis, backoffCapMillis, millis, random, sleeper);
        }
    }

    private static final System.Logger LOG = System.getLogger("edgebook.edge.forward");

    /**
     * Why an episode ends; {@code retryAfterMillis} is a floor for the backoff (0: none). The outbox's troubles are
     * {@code sticky}: a failed outbox refuses everything until reopened, so its problem stays until an outcome is
     * recorded, where settlement's clears with the next successful resync.
     */
    private static final class Trouble extends Exception {
        final long retryAfterMillis;
        final boolean sticky;

        Trouble(final String message, final long retryAfterMillis) {
            this(message, retryAfterMillis, false);
        }

        Trouble(final String message, final long retryAfterMillis, final boolean sticky) {
            super(message, null, false, false);
            this.retryAfterMillis = retryAfterMillis;
            this.sticky = sticky;
        }
    }

    /** A batch in flight: its transactions (consecutive sequences) and settlement's answer. */
    private record Batch(List<Outbox.ToForward> txs, CompletableFuture<List<SettlementClient.Outcome>> answer) {
    }

    private final Outbox outbox;
    private final SettlementClient client;
    private final ForwardMetrics metrics;
    private final Options options;
    private final Thread thread;

    // Guarded by this: the signal the forwarding thread waits for.
    private boolean signalled;
    private volatile boolean closed;
    private volatile String problem;

    // Owned by the forwarding thread.
    private final ArrayDeque<Batch> pipeline = new ArrayDeque<>();
    private final ArrayDeque<Outbox.ToForward> resend = new ArrayDeque<>();
    private int troubles;
    private boolean progressed;
    private boolean stickyProblem;

    /** A forwarder of {@code outbox} to settlement through {@code client}; {@link #start} starts it. */
    public Forwarder(final Outbox outbox, final SettlementClient client, final ForwardMetrics metrics,
                     final Options options) {
        if (options.batchSize() < 1 || options.maxInFlight() < 1 || options.backoffBaseMillis() < 1
                || options.backoffCapMillis() < options.backoffBaseMillis() || options.idleMillis() < 1) {
            throw new IllegalArgumentException("forwarder options out of range: " + options);
        }
        this.outbox = outbox;
        this.client = client;
        this.metrics = metrics;
        this.options = options;
        this.thread = Thread.ofPlatform().name("edge-forwarder").daemon(true).unstarted(this::run);
    }

    public Forwarder start() {
        thread.start();
        return this;
    }

    /** New transactions are queued: the forwarder looks at once instead of at its next idle poll. */
    public void wake() {
        signal();
    }

    /**
     * Why forwarding is stopped now, or null when it is going: the last trouble, until the next successful resync
     * (settlement's troubles) or the next outcome recorded (the outbox's).
     */
    public String problem() {
        return problem;
    }

    /** Stops the forwarder and waits for its thread; the batches in flight are abandoned (a resync finds them). */
    @Override
    public void close() {
        closed = true;
        signal();
        try {
            thread.join();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- The cycle ----

    private void run() {
        while (!closed) {
            try {
                resync();
                pump();
            } catch (final Trouble t) {
                if (closed) {
                    return;
                }
                drain();
                troubles = progressed ? 1 : troubles + 1;
                progressed = false;
                problem = t.getMessage();
                stickyProblem = t.sticky;
                metrics.retry();
                final long delay = Math.max(backoff(troubles), Math.min(t.retryAfterMillis,
                        options.backoffCapMillis()));
                LOG.log(System.Logger.Level.WARNING, "forwarding to settlement stopped ({0}); trouble {1} in a row, "
                        + "resyncing from the mark in {2} ms", t.getMessage(), troubles, delay);
                sleep(delay);
            } catch (final RuntimeException e) { // a bug: say so, and keep the node forwarding
                drain();
                problem = "unexpected: " + e;
                LOG.log(System.Logger.Level.ERROR, "the forwarder failed unexpectedly; resyncing", e);
                sleep(options.backoffCapMillis());
            }
        }
    }

    /** The n-th backoff in a row (n from 1): uniform in [0, min(cap, base * 2^(n-1))]. */
    long backoff(final int n) {
        final long ceiling = options.backoffBaseMillis() << Math.min(n - 1, 40);
        final long bound = Math.min(options.backoffCapMillis(), ceiling < 0 ? Long.MAX_VALUE : ceiling);
        return options.random().nextLong(bound + 1);
    }

    /** Asks the mark; takes the forwarded-unrecorded transactions, to send again first, in forwarding order. */
    private void resync() throws Trouble {
        final long mark = await(client.mark().toCompletionStage().toCompletableFuture(), "GET the mark");
        final long assignedUpTo = outbox.nextForwardSeq() - 1;
        if (mark > assignedUpTo) {
            throw new Trouble("settlement's mark for node:" + client.node() + " is " + mark + " but this node's "
                    + "outbox assigned sequences only up to " + assignedUpTo + ": a wiped outbox, or another node's "
                    + "key? Forwarding would answer new transactions with other ones' outcomes; refused", 0);
        }
        resend.clear();
        final int forwarded = outbox.depth().forwarded();
        for (final Outbox.ToForward t : outbox.nextToForward(forwarded)) {
            if (t.forwardSeq() == 0) {
                break;
            }
            resend.add(t);
        }
        if (!resend.isEmpty() && resend.peekFirst().forwardSeq() > mark + 1) {
            throw new Trouble("settlement's mark for node:" + client.node() + " is " + mark + " but the node "
                    + "recorded outcomes up to " + (resend.peekFirst().forwardSeq() - 1) + " and waits for "
                    + resend.peekFirst().forwardSeq() + ": settlement lost lines it answered", 0);
        }
        if (!stickyProblem) {
            problem = null;
        }
        LOG.log(System.Logger.Level.DEBUG, "resync: mark {0}, {1} forwarded transactions to send again", mark,
                resend.size());
    }

    /** Keeps the pipeline full and records its answers, oldest first, until closed or in trouble. */
    private void pump() throws Trouble {
        while (!closed) {
            while (pipeline.size() < options.maxInFlight() && !closed) {
                final List<Outbox.ToForward> txs = nextBatch();
                if (txs.isEmpty()) {
                    break;
                }
                send(txs);
            }
            final Batch head = pipeline.peekFirst();
            if (head != null && head.answer().isDone()) {
                pipeline.removeFirst();
                record(head, true);
                continue;
            }
            awaitSignal(options.idleMillis());
        }
    }

    /** The next batch: a run of resends, or queued transactions given their sequences (durably). */
    private List<Outbox.ToForward> nextBatch() throws Trouble {
        final List<Outbox.ToForward> batch = new ArrayList<>();
        if (!resend.isEmpty()) {
            do {
                batch.add(resend.removeFirst());
            } while (batch.size() < options.batchSize() && !resend.isEmpty()
                    && resend.peekFirst().forwardSeq() == batch.getLast().forwardSeq() + 1);
            return batch;
        }
        final List<Outbox.ToForward> listed = outbox.nextToForward(outbox.depth().forwarded() + options.batchSize());
        final List<Outbox.ToForward> queued = new ArrayList<>();
        for (final Outbox.ToForward t : listed) {
            if (t.forwardSeq() == 0 && queued.size() < options.batchSize()) {
                queued.add(t);
            }
        }
        if (queued.isEmpty()) {
            return batch;
        }
        final List<CompletableFuture<Long>> assignments = new ArrayList<>(queued.size());
        for (final Outbox.ToForward t : queued) {
            assignments.add(outbox.assign(t.id()));
        }
        for (int i = 0; i < queued.size(); i++) {
            final Outbox.ToForward t = queued.get(i);
            final Long seq;
            try {
                seq = awaitRaw(assignments.get(i));
            } catch (final ExecutionException e) {
                final Outbox.TxState now = outbox.state(t.id());
                if (e.getCause() instanceof IllegalStateException && now != null
                        && now.state() != Outbox.State.QUEUED) { // an operator rejected it meanwhile
                    continue;
                }
                throw new Trouble("the outbox could not assign " + t.id() + ": " + e.getCause().getMessage(), 0,
                        true);
            }
            if (seq == null) { // closed while waiting
                return List.of();
            }
            if (!batch.isEmpty() && seq != batch.getLast().forwardSeq() + 1) {
                throw new Trouble("the outbox assigned " + seq + " after " + batch.getLast().forwardSeq(), 0);
            }
            batch.add(new Outbox.ToForward(t.id(), seq, t.tx()));
        }
        return batch;
    }

    private void send(final List<Outbox.ToForward> txs) {
        final List<SettlementClient.Line> lines = new ArrayList<>(txs.size());
        for (final Outbox.ToForward t : txs) {
            lines.add(new SettlementClient.Line(t.forwardSeq(), t.tx()));
        }
        final CompletableFuture<List<SettlementClient.Outcome>> answer = client.forward(lines).toCompletionStage()
                .toCompletableFuture();
        answer.whenComplete((r, e) -> signal());
        pipeline.addLast(new Batch(txs, answer));
        metrics.batchSent(txs.size());
    }

    /**
     * Records a batch's outcomes in the outbox. When {@code strict}, a failed batch, a gap or an unknown outcome is
     * trouble (after the outcomes before it are recorded); otherwise (draining) they are skipped.
     */
    private void record(final Batch batch, final boolean strict) throws Trouble {
        final List<SettlementClient.Outcome> outcomes;
        try {
            outcomes = batch.answer().get();
        } catch (final ExecutionException e) {
            if (!strict) {
                return;
            }
            final long retryAfter = e.getCause() instanceof SettlementClient.SettlementException s
                    && s.retryAfterSeconds() > 0 ? s.retryAfterSeconds() * 1000 : 0;
            throw new Trouble(e.getCause().getMessage(), retryAfter);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Trouble("interrupted", 0);
        }
        for (int i = 0; i < outcomes.size(); i++) {
            final Outbox.ToForward t = batch.txs().get(i);
            switch (outcomes.get(i)) {
                case SettlementClient.Settled s -> {
                    final Outbox.TxState state = outbox.state(t.id());
                    outbox.settled(t.id(), s.cmd(), s.events()).whenComplete((seq, e) -> recorded(t, e));
                    metrics.settled(state == null ? -1 : Outbox.Clock.SYSTEM.micros() - state.receivedAtMicros());
                    progressed();
                }
                case SettlementClient.Rejected r -> {
                    outbox.settlementRejected(t.id(), r.reason()).whenComplete((seq, e) -> recorded(t, e));
                    metrics.rejected();
                    progressed();
                }
                case SettlementClient.Gap g -> {
                    metrics.gap();
                    if (strict) {
                        throw new Trouble("settlement answered a gap at " + g.sourceSeq() + ", expecting "
                                + g.expected(), 0);
                    }
                    return;
                }
                case SettlementClient.Unknown u when u.outcome().equals("unknown") -> {
                    // settlement ran this number but its answer is gone (the journal before it was pruned): the end
                    // of the line for this transaction here; its id still moves money at most once
                    outbox.settlementRejected(t.id(), "OUTCOME_UNKNOWN: settlement ran it (number " + u.sourceSeq()
                            + ") but no longer has its answer; look it up at settlement").whenComplete((seq,
                                                                                                        e) -> recorded(
                                                                                                                t, e));
                    metrics.rejected();
                    progressed();
                }
                case SettlementClient.Unknown u -> {
                    if (strict) {
                        throw new Trouble("settlement answered outcome \"" + u.outcome() + "\" for " + u.sourceSeq()
                                + ", unknown to this node", 0);
                    }
                    return;
                }
            }
        }
    }

    private void progressed() {
        progressed = true;
        troubles = 0;
        problem = null;
        stickyProblem = false;
    }

    private static void recorded(final Outbox.ToForward t, final Throwable e) {
        if (e != null) {
            LOG.log(System.Logger.Level.ERROR, "the outbox could not record the outcome of {0} (forward sequence "
                    + "{1}): {2}; a resync will learn it again", t.id(), t.forwardSeq(), e.getMessage());
        }
    }

    /** Ends the episode: waits for the batches in flight (each has its deadline) and records what they settled. */
    private void drain() {
        while (!pipeline.isEmpty() && !closed) {
            final Batch b = pipeline.peekFirst();
            if (!b.answer().isDone()) {
                awaitSignal(options.idleMillis());
                continue;
            }
            pipeline.removeFirst();
            try {
                record(b, false);
            } catch (final Trouble e) {
                throw new AssertionError("record(…, false) does not throw", e);
            }
        }
        pipeline.clear();
        resend.clear();
    }

    // ---- Waiting ----

    private void signal() {
        synchronized (this) {
            signalled = true;
            notifyAll();
        }
    }

    /** Waits until signalled (an answer, a wake, a close) or {@code millis} passed. */
    private void awaitSignal(final long millis) {
        synchronized (this) {
            final long deadline = System.nanoTime() + millis * 1_000_000;
            long left = millis * 1_000_000;
            while (!signalled && !closed && left > 0) {
                try {
                    wait(left / 1_000_000, (int) (left % 1_000_000));
                } catch (final InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                left = deadline - System.nanoTime();
            }
            signalled = false;
        }
    }

    private void sleep(final long millis) {
        if (closed || millis <= 0) {
            return;
        }
        if (options.sleeper() != null) {
            try {
                options.sleeper().sleep(millis);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        final long deadline = System.nanoTime() + millis * 1_000_000;
        synchronized (this) {
            long left;
            while (!closed && (left = deadline - System.nanoTime()) > 0) {
                try {
                    wait(left / 1_000_000, (int) (left % 1_000_000));
                } catch (final InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Waits for a future (a request has its deadline, an outbox event its force); trouble when it fails. */
    private <T> T await(final CompletableFuture<T> future, final String what) throws Trouble {
        try {
            final T value = awaitRaw(future);
            if (value == null) {
                throw new Trouble("closed", 0);
            }
            return value;
        } catch (final ExecutionException e) {
            final Throwable cause = e.getCause();
            final long retryAfter = cause instanceof SettlementClient.SettlementException s
                    && s.retryAfterSeconds() > 0 ? s.retryAfterSeconds() * 1000 : 0;
            throw new Trouble(what + ": " + cause.getMessage(), retryAfter);
        }
    }

    /** The future's value once done, or null if closed first. */
    private <T> T awaitRaw(final CompletableFuture<T> future) throws ExecutionException {
        future.whenComplete((v, e) -> signal());
        while (!future.isDone()) {
            if (closed) {
                return null;
            }
            awaitSignal(options.idleMillis());
        }
        try {
            return future.get();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExecutionException(e);
        }
    }
}
