package org.edgebook.edge.outbox;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.edgebook.edge.screening.Decision;

/**
 * The edge node's durable outbox (issue 11): the transactions the node accepted, and what became of each, as an
 * append-only log of events in a directory ({@link OutboxFormat}). An event is answered (its future completes) only
 * once the batch it is in has been forced to disk; a failed write or force fails every event of its batch and of the
 * batches behind it, and the outbox then refuses every append with that cause, as the settlement journal does.
 * Reopening the directory ({@link #open}) rebuilds every transaction's state and the next forwarding sequence.
 * <p>
 * States: {@code accepted} makes a transaction {@code QUEUED}, {@code HELD} or (screening rejected it)
 * {@code REJECTED}; {@code released} takes a held one to the queue, {@code rejected} (an operator) ends a held or
 * queued one; {@code assigned} gives a queued one the next forwarding sequence (1, 2, 3, …, never reused) and makes it
 * {@code FORWARDED}; {@code settled} or {@code settlementRejected} end a forwarded one. A held transaction is not in
 * the queue, so it never blocks the ones behind it.
 * <p>
 * Quota: an {@code accepted} that would take the log, with 256 bytes held for the outcomes of each transaction not
 * yet ended, past {@link Options#quotaBytes} fails with {@link OutboxFull} and writes nothing. The outcomes of transactions already in (released, assigned, settled, …) are admitted past the
 * quota up to {@link Options#headroomBytes} more, so that a full outbox can still record the settlements that let
 * {@link #compact} free it.
 * <p>
 * Compaction ({@link #compact}): the oldest segments, while every transaction accepted in them has ended durably
 * (settled or rejected), are deleted; their transactions' final states go into the checkpoint file and stay queryable
 * for {@link Options#retentionMicros} after they ended, then are forgotten (an id may then be used again).
 * <p>
 * Memory: a transaction's bytes stay in memory until it ends (for {@link #nextToForward}), so the heap holds up to
 * about the quota's worth of unsettled transactions; an ended one keeps its state (and settlement's events) until
 * compaction moves it to the checkpoint's summaries.
 * <p>
 * Threading: every method may be called from any thread. The state is guarded by this object's monitor: one caller at
 * a time validates an event, applies it to the state, and adds its record to the open batch (a single writer at a
 * time; queries see events whose force may still be pending). One thread, {@code outbox-writer}, takes the open batch,
 * writes and forces it without the monitor (so events keep joining the next batch meanwhile: group commit), then
 * completes the batch's futures; callers must not block in their continuations. {@link #compact} runs on its
 * caller's thread, one at a time.
 */
public final class Outbox implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("edgebook.outbox");

    /** A transaction's state. */
    public enum State {
        HELD, QUEUED, FORWARDED, SETTLED, REJECTED
    }

    /**
     * What the outbox knows of a transaction: its state, its forwarding sequence (0 until assigned), settlement's
     * sequence and events (when settled), who rejected it ({@code screening}, an operator, {@code settlement}) and
     * why, when the node received it, and the account whose transaction it is (null when the caller gave none).
     */
    public record TxState(String id, State state, long forwardSeq, long settlementSeq, byte[] events,
                          String rejectedBy, String reason, long receivedAtMicros, long endedAtMicros,
                          String account) {
    }

    /** A transaction to send: its forwarding sequence (0: not yet assigned) and its bytes. */
    public record ToForward(String id, long forwardSeq, byte[] tx) {
    }

    /** The outbox's depth. */
    public record Depth(int held, int queued, int forwarded, int ended, int remembered, long logBytes,
                        int segments) {
    }

    /** Microseconds since the epoch; a seam for tests. */
    @FunctionalInterface
    public interface Clock {
        long micros();

        Clock SYSTEM = () -> {
            final java.time.Instant now = java.time.Instant.now();
            return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
        };
    }

    /** The outbox's settings; {@link #defaults} are 1 GiB of log in 64 MiB segments, one day of retention. */
    public record Options(long quotaBytes, long headroomBytes, long segmentBytes, long retentionMicros, Clock clock,
                          OutboxOutput.Opener output) {
        public static Options defaults() {
            return new Options(1L << 30, 1L << 27, 64L << 20, 86_400_000_000L, Clock.SYSTEM,
                    OutboxOutput.Opener.SEGMENTS);
        }

        public Options withQuota(final long quota, final long headroom) {
            return new Options(quota, headroom, segmentBytes, retentionMicros, clock, output);
        }

        public Options withSegmentBytes(final long bytes) {
            return new Options(quotaBytes, headroomBytes, bytes, retentionMicros, clock, output);
        }

        public Options withRetention(final long micros, final Clock c) {
            return new Options(quotaBytes, headroomBytes, segmentBytes, micros, c, output);
        }

        public Options withOutput(final OutboxOutput.Opener opener) {
            return new Options(quotaBytes, headroomBytes, segmentBytes, retentionMicros, clock, opener);
        }
    }

    /**
     * The room an unended transaction holds for its outcomes: an assignment and a settlement with a transfer's events
     * take about 200 bytes; an order's trades may take more, which the headroom covers.
     */
    static final long OUTCOME_RESERVE = 256;

    static final byte ACCEPTED = 1;
    static final byte RELEASED = 2;
    static final byte REJECTED = 3;
    static final byte ASSIGNED = 4;
    static final byte SETTLED = 5;
    static final byte SETTLEMENT_REJECTED = 6;

    /** A transaction in the log. Guarded by the outbox's monitor. */
    private static final class Tx {
        final String id;
        final long acceptSeq;
        final long receivedAt;
        final Segment segment;
        final String account;
        byte[] tx;
        State state;
        long forwardSeq;
        /** The log sequence of its assignment: the forwarder may send it only once that is durable. */
        long assignSeq;
        long settlementSeq;
        byte[] events;
        String by;
        String reason;
        long endedAt;

        Tx(final String id, final long acceptSeq, final long receivedAt, final Segment segment, final byte[] tx,
           final String account) {
            this.id = id;
            this.account = account;
            this.acceptSeq = acceptSeq;
            this.receivedAt = receivedAt;
            this.segment = segment;
            this.tx = tx;
        }

        TxState view() {
            return new TxState(id, state, forwardSeq, settlementSeq, events, by, reason, receivedAt, endedAt,
                    account);
        }
    }

    /** A segment: its bytes, how many of the transactions accepted in it have not ended, and the last end's seq. */
    private static final class Segment {
        final long firstSeq;
        long bytes;
        int open;
        long lastEndSeq;
        final List<Tx> accepted = new ArrayList<>();

        Segment(final long firstSeq, final long bytes) {
            this.firstSeq = firstSeq;
            this.bytes = bytes;
        }
    }

    /** A batch: records, where new segments start in it, and the futures it answers. */
    private static final class Batch {
        ByteBuffer records = ByteBuffer.allocate(1 << 16);
        final List<long[]> rolls = new ArrayList<>(); // {offset, firstSeq}
        final List<CompletableFuture<Long>> futures = new ArrayList<>();
        final List<Long> answers = new ArrayList<>();
        final List<String> ids = new ArrayList<>();
        long lastSeq;
        long maxForwardSeq;

        boolean isEmpty() {
            return futures.isEmpty();
        }

        void clear() {
            records.clear();
            rolls.clear();
            futures.clear();
            answers.clear();
            ids.clear();
            maxForwardSeq = 0;
        }

        void ensure(final int n) {
            if (records.remaining() < n) {
                final ByteBuffer bigger = ByteBuffer.allocate(Math.max(records.capacity() * 2,
                        records.position() + n));
                records.flip();
                bigger.put(records);
                records = bigger;
            }
        }
    }

    private final Path dir;
    private final Options options;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final OutboxOutput output;
    private final Thread writer;
    private final Object compaction = new Object();
    private volatile Consumer<List<String>> listener;

    // Guarded by this.
    private final Map<String, Tx> live = new HashMap<>();
    private final Map<String, TxState> remembered = new LinkedHashMap<>();
    private final LinkedHashMap<String, Tx> held = new LinkedHashMap<>();
    private final LinkedHashMap<String, Tx> queue = new LinkedHashMap<>();
    private final TreeMap<Long, Tx> inFlight = new TreeMap<>();
    private final TreeMap<Long, Tx> unsettled = new TreeMap<>(); // queued or forwarded, by acceptance
    private final TreeMap<Long, Segment> segments = new TreeMap<>();
    private long logBytes;
    private long nextSeq;
    private long nextForwardSeq;
    private long durableSeq;
    private long durableNextForwardSeq;
    private Batch open = new Batch();
    private Batch spare = new Batch();
    private Throwable failure;
    private boolean closing;
    private final long recoveredEntries;
    private final long recoveryNanos;

    private Outbox(final Path dir, final Options options) throws IOException {
        final long started = System.nanoTime();
        this.dir = dir;
        this.options = options;
        OutboxFormat.createDirectory(dir);
        final Path lockFile = dir.resolve("lock");
        lockChannel = FileChannel.open(lockFile, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                OutboxFormat.ownerOnlyFile(lockFile));
        final FileLock l;
        try {
            l = lockChannel.tryLock();
        } catch (final IOException e) {
            lockChannel.close();
            throw e;
        }
        if (l == null) {
            lockChannel.close();
            throw new IOException(dir + " is in use by another outbox (its lock file is held)");
        }
        lock = l;
        try {
            recoveredEntries = recover();
            output = options.output().open(dir, options.clock().micros());
            output.roll(nextSeq);
            final Segment current = segments.get(nextSeq);
            if (current == null) {
                segments.put(nextSeq, new Segment(nextSeq, OutboxFormat.HEADER_LENGTH));
                logBytes += OutboxFormat.HEADER_LENGTH;
            }
        } catch (final IOException | RuntimeException e) {
            lock.release();
            lockChannel.close();
            throw e;
        }
        recoveryNanos = System.nanoTime() - started;
        writer = Thread.ofPlatform().name("outbox-writer").daemon(true).start(this::writeLoop);
    }

    /** Opens (or creates) the outbox in {@code dir}: truncates a torn end, rebuilds the states. */
    public static Outbox open(final Path dir, final Options options) throws IOException {
        return new Outbox(dir, options);
    }

    /** How many log entries the opening replayed, and how long it took. */
    public long recoveredEntries() {
        return recoveredEntries;
    }

    public long recoveryNanos() {
        return recoveryNanos;
    }

    // ---- Events ----

    /**
     * Records a transaction the node received: queued, held or rejected by the screening {@code decision}. Answers
     * its outbox sequence once durable; {@link OutboxFull} when the quota has no room, {@link IllegalStateException}
     * for an id the outbox knows.
     */
    public CompletableFuture<Long> accepted(final String id, final byte[] tx, final Decision decision,
                                            final long receivedAtMicros) {
        return accepted(id, null, tx, decision, receivedAtMicros);
    }

    /** {@link #accepted(String, byte[], Decision, long)}, recording whose transaction it is ({@link TxState#account}). */
    public CompletableFuture<Long> accepted(final String id, final String account, final byte[] tx,
                                            final Decision decision, final long receivedAtMicros) {
        final ByteBuffer b = ByteBuffer.allocate(OutboxFormat.stringLength(id) + 8 + 1 + 4
                + OutboxFormat.stringLength(decision.reason()) + 4 + tx.length + OutboxFormat.stringLength(account));
        OutboxFormat.putString(b, id);
        b.putLong(receivedAtMicros).put((byte) decision.kind().ordinal());
        OutboxFormat.putString(b, decision.reason());
        OutboxFormat.putBytes(b, tx);
        OutboxFormat.putString(b, account);
        return submit(ACCEPTED, id, b.array(), true);
    }

    /** An operator released a held transaction to the queue. */
    public CompletableFuture<Long> released(final String id, final String by) {
        return submit(RELEASED, id, idAnd(id, by, null), false);
    }

    /** An operator rejected a held or queued transaction. */
    public CompletableFuture<Long> rejected(final String id, final String by, final String reason) {
        return submit(REJECTED, id, idAnd(id, by, reason), false);
    }

    /**
     * The forwarder takes a queued transaction: answers its forwarding sequence, the next one, once durable. The
     * forwarder sends the transaction only after this future completes: batches are forced in order, so the
     * transaction's acceptance is then durable too, and settlement never sees a transaction the node could lose.
     */
    public CompletableFuture<Long> assign(final String id) {
        return submit(ASSIGNED, id, null, false);
    }

    /** Settlement accepted a forwarded transaction at {@code settlementSeq} with these events. */
    public CompletableFuture<Long> settled(final String id, final long settlementSeq, final byte[] events) {
        final ByteBuffer b = ByteBuffer.allocate(OutboxFormat.stringLength(id) + 8 + 4 + events.length);
        OutboxFormat.putString(b, id);
        b.putLong(settlementSeq);
        OutboxFormat.putBytes(b, events);
        return submit(SETTLED, id, b.array(), false);
    }

    /** Settlement rejected a forwarded transaction. */
    public CompletableFuture<Long> settlementRejected(final String id, final String reason) {
        return submit(SETTLEMENT_REJECTED, id, idAnd(id, reason, null), false);
    }

    private static byte[] idAnd(final String id, final String a, final String b) {
        final ByteBuffer out = ByteBuffer.allocate(OutboxFormat.stringLength(id) + OutboxFormat.stringLength(a)
                + OutboxFormat.stringLength(b));
        OutboxFormat.putString(out, id);
        OutboxFormat.putString(out, a);
        OutboxFormat.putString(out, b);
        return out.array();
    }

    private synchronized CompletableFuture<Long> submit(final byte type, final String id, byte[] body,
                                                        final boolean intake) {
        if (failure != null) {
            return CompletableFuture.failedFuture(new IOException("the outbox failed: " + failure.getMessage()
                    + "; nothing more is accepted until it is reopened", failure));
        }
        if (closing) {
            return CompletableFuture.failedFuture(new IllegalStateException("the outbox is closed"));
        }
        final String problem = check(type, id);
        if (problem != null) {
            return CompletableFuture.failedFuture(new IllegalStateException(problem));
        }
        if (type == ASSIGNED) {
            final ByteBuffer b = ByteBuffer.allocate(OutboxFormat.stringLength(id) + 8);
            OutboxFormat.putString(b, id);
            b.putLong(nextForwardSeq);
            body = b.array();
        }
        if (body.length > OutboxFormat.MAX_BODY) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("the entry for " + id + " has "
                    + body.length + " bytes, the limit is " + OutboxFormat.MAX_BODY));
        }
        Segment current = segments.lastEntry().getValue();
        final boolean roll = current.bytes >= options.segmentBytes();
        final long needed = OutboxFormat.RECORD_HEADER + body.length + (roll ? OutboxFormat.HEADER_LENGTH : 0);
        // A transaction not yet ended holds room inside the quota for its outcomes (its assignment and settlement),
        // so that a full outbox can always record the settlements that let compaction free it: without it, a queue
        // longer than the headroom's worth of outcomes would stop the forwarder and the outbox for good.
        final int unended = held.size() + queue.size() + inFlight.size();
        final long reserved = intake ? OUTCOME_RESERVE * (unended + 1) : 0;
        final long limit = intake ? options.quotaBytes() : options.quotaBytes() + options.headroomBytes();
        if (logBytes + reserved + needed > limit) {
            return CompletableFuture.failedFuture(new OutboxFull(logBytes, reserved, unended, needed, limit));
        }
        final long seq = nextSeq++;
        if (roll) {
            current = new Segment(seq, OutboxFormat.HEADER_LENGTH);
            segments.put(seq, current);
            open.rolls.add(new long[] {open.records.position(), seq});
        }
        current.bytes += OutboxFormat.RECORD_HEADER + body.length;
        logBytes += needed;
        open.ensure(OutboxFormat.RECORD_HEADER + body.length);
        final long now = options.clock().micros();
        OutboxFormat.putRecord(open.records, seq, now, type, body);
        final long answer = apply(type, ByteBuffer.wrap(body), seq, now, current);
        if (type == ASSIGNED) {
            open.maxForwardSeq = answer;
        }
        final CompletableFuture<Long> future = new CompletableFuture<>();
        open.futures.add(future);
        open.answers.add(answer);
        open.ids.add(id);
        open.lastSeq = seq;
        notifyAll();
        return future;
    }

    /** Why {@code type} cannot happen to {@code id} now, or null. */
    private String check(final byte type, final String id) {
        final Tx t = live.get(id);
        if (type == ACCEPTED) {
            return t != null || remembered.containsKey(id) ? "transaction " + id + " is already in the outbox" : null;
        }
        if (t == null) {
            return "transaction " + id + " is not in the outbox";
        }
        final boolean ok = switch (type) {
            case RELEASED -> t.state == State.HELD;
            case REJECTED -> t.state == State.HELD || t.state == State.QUEUED;
            case ASSIGNED -> t.state == State.QUEUED;
            default -> t.state == State.FORWARDED;
        };
        return ok ? null : "transaction " + id + " is " + t.state.name().toLowerCase(java.util.Locale.ROOT)
                + ": it cannot be " + name(type);
    }

    private static String name(final byte type) {
        return switch (type) {
            case ACCEPTED -> "accepted";
            case RELEASED -> "released";
            case REJECTED -> "rejected";
            case ASSIGNED -> "assigned";
            case SETTLED -> "settled";
            default -> "rejected by settlement";
        };
    }

    /**
     * Applies an event to the state (new or replayed); answers the event's answer: its seq, or the forwarding
     * sequence of an assignment. A replayed event for a transaction compacted away is skipped.
     */
    private long apply(final byte type, final ByteBuffer body, final long seq, final long time,
                       final Segment segment) {
        final String id = OutboxFormat.getString(body);
        if (type == ACCEPTED) {
            final long receivedAt = body.getLong();
            final Decision.Kind kind = Decision.Kind.values()[body.get()];
            final String reason = OutboxFormat.getString(body);
            final byte[] bytes = OutboxFormat.getBytes(body);
            final Tx t = new Tx(id, seq, receivedAt, segment, bytes, body.hasRemaining() ? OutboxFormat.getString(body)
                    : null);
            live.put(id, t);
            segment.accepted.add(t);
            switch (kind) {
                case ACCEPT -> enqueue(t);
                case HOLD -> {
                    t.state = State.HELD;
                    t.by = "screening";
                    t.reason = reason;
                    held.put(id, t);
                    segment.open++;
                }
                case REJECT -> {
                    segment.open++;
                    end(t, State.REJECTED, "screening", reason, seq, time);
                }
            }
            return seq;
        }
        final Tx t = live.get(id);
        if (type == ASSIGNED) {
            final long forwardSeq = body.getLong();
            nextForwardSeq = Math.max(nextForwardSeq, forwardSeq + 1);
            if (t == null) {
                return forwardSeq;
            }
            queue.remove(id);
            t.state = State.FORWARDED;
            t.forwardSeq = forwardSeq;
            t.assignSeq = seq;
            inFlight.put(forwardSeq, t);
            return forwardSeq;
        }
        if (t == null) {
            return seq;
        }
        switch (type) {
            case RELEASED -> {
                held.remove(id);
                t.by = null;
                t.reason = null;
                enqueue(t);
                t.segment.open--; // enqueue counted it again
            }
            case REJECTED -> {
                final String by = OutboxFormat.getString(body);
                final String reason = OutboxFormat.getString(body);
                held.remove(id);
                queue.remove(id);
                unsettled.remove(t.acceptSeq);
                end(t, State.REJECTED, by, reason, seq, time);
            }
            case SETTLED -> {
                t.settlementSeq = body.getLong();
                t.events = OutboxFormat.getBytes(body);
                inFlight.remove(t.forwardSeq);
                unsettled.remove(t.acceptSeq);
                end(t, State.SETTLED, null, null, seq, time);
            }
            case SETTLEMENT_REJECTED -> {
                final String reason = OutboxFormat.getString(body);
                inFlight.remove(t.forwardSeq);
                unsettled.remove(t.acceptSeq);
                end(t, State.REJECTED, "settlement", reason, seq, time);
            }
            default -> throw new IllegalArgumentException("entry type " + type);
        }
        return seq;
    }

    private void enqueue(final Tx t) {
        t.state = State.QUEUED;
        queue.put(t.id, t);
        unsettled.put(t.acceptSeq, t);
        t.segment.open++;
    }

    private void end(final Tx t, final State state, final String by, final String reason, final long seq,
                     final long time) {
        t.state = state;
        t.by = by;
        t.reason = reason;
        t.endedAt = time;
        t.tx = null; // sent or never to be: its bytes are no longer needed in memory
        t.segment.open--;
        t.segment.lastEndSeq = Math.max(t.segment.lastEndSeq, seq);
    }

    // ---- The writer ----

    private void writeLoop() {
        while (true) {
            final Batch batch;
            synchronized (this) {
                while (open.isEmpty() && !closing) {
                    try {
                        wait();
                    } catch (final InterruptedException e) {
                        return;
                    }
                }
                if (open.isEmpty() || failure != null) {
                    return;
                }
                batch = open;
                open = spare;
                spare = batch;
            }
            Throwable failed = null;
            try {
                final ByteBuffer records = batch.records.flip();
                for (final long[] roll : batch.rolls) {
                    final ByteBuffer part = records.duplicate().limit((int) roll[0]);
                    output.write(part);
                    records.position((int) roll[0]);
                    output.force();
                    output.roll(roll[1]);
                }
                output.write(records);
                output.force();
            } catch (final IOException | RuntimeException e) {
                failed = e;
            }
            final List<CompletableFuture<Long>> futures = new ArrayList<>(batch.futures);
            final List<Long> answers = new ArrayList<>(batch.answers);
            final List<String> ids = new ArrayList<>(batch.ids);
            final List<CompletableFuture<Long>> behind = new ArrayList<>();
            synchronized (this) {
                if (failed == null) {
                    durableSeq = batch.lastSeq;
                    durableNextForwardSeq = Math.max(durableNextForwardSeq, batch.maxForwardSeq + 1);
                } else {
                    failure = failed;
                    behind.addAll(open.futures);
                    open.clear();
                }
                batch.clear();
                notifyAll();
            }
            if (failed == null) {
                for (int i = 0; i < futures.size(); i++) {
                    futures.get(i).complete(answers.get(i));
                }
                final Consumer<List<String>> listener = this.listener;
                if (listener != null) {
                    try {
                        listener.accept(ids);
                    } catch (final RuntimeException e) {
                        LOG.log(System.Logger.Level.ERROR, "an outbox listener failed", e);
                    }
                }
            } else {
                final IOException cause = new IOException("the outbox's write or force failed in " + dir + ": "
                        + failed.getMessage() + "; the entry was not acknowledged", failed);
                futures.forEach(f -> f.completeExceptionally(cause));
                behind.forEach(f -> f.completeExceptionally(cause));
                return;
            }
        }
    }

    /**
     * Calls {@code listener} on the writer thread, after each forced batch's futures completed, with the ids of the
     * transactions its events changed, in log order (an id once per event). It must not block; what it wants of a
     * transaction's state it asks {@link #state} (which may by then show a later event).
     */
    public void onDurable(final Consumer<List<String>> newListener) {
        this.listener = newListener;
    }

    // ---- Queries ----

    /** Whether the acceptance of this transaction (known to the outbox) has been forced to disk. */
    public synchronized boolean durable(final String id) {
        final Tx t = live.get(id);
        return t == null ? remembered.containsKey(id) : t.acceptSeq <= durableSeq;
    }

    /** A transaction's bytes while it has not ended (held, queued or forwarded), else null. */
    public synchronized byte[] bytes(final String id) {
        final Tx t = live.get(id);
        return t == null ? null : t.tx;
    }

    /** A transaction's state, or null when the outbox does not know it (never, or forgotten after retention). */
    public synchronized TxState state(final String id) {
        final Tx t = live.get(id);
        if (t != null) {
            return t.view();
        }
        return remembered.get(id);
    }

    /**
     * What the forwarder should send, at most {@code limit}: first the transactions assigned a forwarding sequence
     * but not settled (after a restart, to be resent with the same sequence), in forwarding order, then the queued
     * ones in queue order (acceptance, or release for a held one). An assigned one is listed only once its
     * assignment is forced (none after the first that is not). A queued one may be listed before its acceptance is
     * forced; {@link #assign} waits for that.
     */
    public synchronized List<ToForward> nextToForward(final int limit) {
        final List<ToForward> out = new ArrayList<>(Math.min(limit, inFlight.size() + queue.size()));
        for (final Tx t : inFlight.values()) {
            if (out.size() >= limit) {
                return out;
            }
            if (t.assignSeq > durableSeq) {
                // Its sequence is not on disk yet (or its batch failed): after a crash it could be given to another
                // transaction, so it is not sent, and nothing behind it either, keeping the forwarding order.
                return out;
            }
            out.add(new ToForward(t.id, t.forwardSeq, t.tx));
        }
        for (final Tx t : queue.values()) {
            if (out.size() >= limit) {
                return out;
            }
            out.add(new ToForward(t.id, 0, t.tx));
        }
        return out;
    }

    /** The held transactions, in the order they were accepted. */
    public synchronized List<TxState> held() {
        return held.values().stream().map(Tx::view).toList();
    }

    public synchronized Depth depth() {
        return new Depth(held.size(), queue.size(), inFlight.size(),
                live.size() - held.size() - queue.size() - inFlight.size(), remembered.size(), logBytes,
                segments.size());
    }

    /** The forward lag: how long ago the oldest queued or forwarded transaction was received (0: none). */
    public synchronized long oldestUnsettledAgeMicros() {
        if (unsettled.isEmpty()) {
            return 0;
        }
        return Math.max(0, options.clock().micros() - unsettled.firstEntry().getValue().receivedAt);
    }

    /** The sequence the next entry will have (entries are numbered from 1). */
    public synchronized long nextSeq() {
        return nextSeq;
    }

    /** The next forwarding sequence {@link #assign} will give. */
    public synchronized long nextForwardSeq() {
        return nextForwardSeq;
    }

    // ---- Compaction ----

    /**
     * Deletes the oldest segments whose transactions have all ended durably, keeping their final states in the
     * checkpoint, and forgets the summaries past their retention. Answers the log bytes freed.
     */
    public long compact() throws IOException {
        synchronized (compaction) {
            final List<Segment> doomed = new ArrayList<>();
            final Map<String, TxState> keep = new LinkedHashMap<>();
            final long startsAt;
            final long forward;
            synchronized (this) {
                if (failure != null) {
                    throw new IOException("the outbox failed: " + failure.getMessage(), failure);
                }
                final long now = options.clock().micros();
                for (final TxState s : remembered.values()) {
                    if (s.endedAtMicros() + options.retentionMicros() > now) {
                        keep.put(s.id(), s);
                    }
                }
                for (final Segment s : segments.values()) {
                    if (s == segments.lastEntry().getValue() || s.open > 0 || s.lastEndSeq > durableSeq) {
                        break;
                    }
                    doomed.add(s);
                    for (final Tx t : s.accepted) {
                        if (t.endedAt + options.retentionMicros() > now) {
                            keep.put(t.id, t.view());
                        }
                    }
                }
                if (doomed.isEmpty() && keep.size() == remembered.size()) {
                    return 0;
                }
                startsAt = segments.higherKey(doomed.isEmpty() ? segments.firstKey() - 1
                        : doomed.getLast().firstSeq);
                forward = durableNextForwardSeq;
            }
            writeCheckpoint(startsAt, forward, keep.values());
            long freed = 0;
            synchronized (this) {
                for (final Segment s : doomed) {
                    segments.remove(s.firstSeq);
                    for (final Tx t : s.accepted) {
                        live.remove(t.id);
                    }
                    freed += s.bytes;
                }
                logBytes -= freed;
                remembered.clear();
                remembered.putAll(keep);
            }
            for (final Segment s : doomed) {
                Files.deleteIfExists(OutboxFormat.segmentPath(dir, s.firstSeq));
            }
            if (!doomed.isEmpty()) {
                OutboxFormat.forceDirectory(dir);
            }
            return freed;
        }
    }

    private void writeCheckpoint(final long startsAt, final long forward, final java.util.Collection<TxState> keep)
            throws IOException {
        int size = 8 + 8 + 8 + 4;
        for (final TxState s : keep) {
            size += OutboxFormat.stringLength(s.id()) + 1 + 8 + 8 + 4 + (s.events() == null ? 0 : s.events().length)
                    + OutboxFormat.stringLength(s.rejectedBy()) + OutboxFormat.stringLength(s.reason()) + 8 + 8
                    + OutboxFormat.stringLength(s.account());
        }
        final ByteBuffer b = ByteBuffer.allocate(size + 4);
        b.putLong(OutboxFormat.CHECKPOINT_MAGIC).putLong(startsAt).putLong(forward).putInt(keep.size());
        for (final TxState s : keep) {
            OutboxFormat.putString(b, s.id());
            b.put((byte) s.state().ordinal()).putLong(s.forwardSeq()).putLong(s.settlementSeq());
            OutboxFormat.putBytes(b, s.events() == null ? new byte[0] : s.events());
            OutboxFormat.putString(b, s.rejectedBy());
            OutboxFormat.putString(b, s.reason());
            b.putLong(s.receivedAtMicros()).putLong(s.endedAtMicros());
            OutboxFormat.putString(b, s.account());
        }
        final CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue()).flip();
        final Path tmp = dir.resolve(OutboxFormat.CHECKPOINT + ".tmp");
        Files.deleteIfExists(tmp);
        try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                OutboxFormat.ownerOnlyFile(tmp))) {
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        Files.move(tmp, dir.resolve(OutboxFormat.CHECKPOINT), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        OutboxFormat.forceDirectory(dir);
    }

    // ---- Recovery ----

    /** Reads the checkpoint and replays the log; answers the entries replayed. Runs before the writer starts. */
    private synchronized long recover() throws IOException {
        long startsAt = 1;
        final Path checkpoint = dir.resolve(OutboxFormat.CHECKPOINT);
        if (Files.exists(checkpoint)) {
            final byte[] bytes = Files.readAllBytes(checkpoint);
            if (bytes.length < 32) {
                throw new CorruptOutboxException(checkpoint, 0, "the checkpoint has " + bytes.length
                        + " bytes, at least 32 are needed");
            }
            final CRC32C crc = new CRC32C();
            crc.update(bytes, 0, bytes.length - 4);
            final ByteBuffer b = ByteBuffer.wrap(bytes);
            if (b.getInt(bytes.length - 4) != (int) crc.getValue()) {
                throw new CorruptOutboxException(checkpoint, bytes.length - 4,
                        "the checksum field does not match the checkpoint's " + (bytes.length - 4) + " bytes");
            }
            final long magic = b.getLong();
            if (magic != OutboxFormat.CHECKPOINT_MAGIC && magic != OutboxFormat.CHECKPOINT_MAGIC_1) {
                throw new CorruptOutboxException(checkpoint, 0, "the magic is not EBOUTCK2 (nor EBOUTCKP, before "
                        + "accounts)");
            }
            final boolean withAccounts = magic == OutboxFormat.CHECKPOINT_MAGIC;
            startsAt = b.getLong();
            nextForwardSeq = b.getLong();
            final int n = b.getInt();
            for (int i = 0; i < n; i++) {
                final String id = OutboxFormat.getString(b);
                final State state = State.values()[b.get()];
                final long fwd = b.getLong();
                final long sseq = b.getLong();
                final byte[] events = OutboxFormat.getBytes(b);
                final String by = OutboxFormat.getString(b);
                final String reason = OutboxFormat.getString(b);
                final long received = b.getLong();
                final long ended = b.getLong();
                final String account = withAccounts ? OutboxFormat.getString(b) : null;
                remembered.put(id, new TxState(id, state, fwd, sseq, state == State.SETTLED ? events : null, by,
                        reason, received, ended, account));
            }
        }
        nextForwardSeq = Math.max(nextForwardSeq, 1);
        final List<Path> files = OutboxFormat.segments(dir);
        final List<Path> kept = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            final boolean below = i + 1 < files.size() && OutboxFormat.firstSeqOf(files.get(i + 1)) <= startsAt;
            if (below) { // compacted, but the crash came before its deletion
                Files.delete(files.get(i));
            } else {
                kept.add(files.get(i));
            }
        }
        long expected = kept.isEmpty() ? startsAt : OutboxFormat.firstSeqOf(kept.getFirst());
        if (!kept.isEmpty() && expected > startsAt) {
            throw new CorruptOutboxException(kept.getFirst(), 12, "the log starts at sequence " + expected
                    + " but the checkpoint says " + startsAt);
        }
        final long[] replayed = {0};
        for (int i = 0; i < kept.size(); i++) {
            final Path file = kept.get(i);
            final boolean last = i == kept.size() - 1;
            final long first = OutboxFormat.firstSeqOf(file);
            if (first != expected) {
                throw new CorruptOutboxException(file, 12, "the segment starts at sequence " + first + ", expected "
                        + expected + " (the previous segment's end)");
            }
            final Segment segment = new Segment(first, 0);
            segments.put(first, segment);
            final long from = startsAt;
            final OutboxFormat.Scanned scanned = OutboxFormat.scan(file, first, last, (seq, time, type, body) -> {
                if (seq >= from) {
                    apply(type, body, seq, time, segment);
                    replayed[0]++;
                }
            });
            if (scanned.validLength() < 0 || scanned.validLength() == OutboxFormat.HEADER_LENGTH && last) {
                Files.delete(file); // a torn header or no entries: a new segment takes its name
                OutboxFormat.forceDirectory(dir);
                segments.remove(first);
            } else {
                if (scanned.tornBytes() > 0) {
                    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                        ch.truncate(scanned.validLength());
                        ch.force(true);
                    }
                }
                segment.bytes = scanned.validLength();
                logBytes += segment.bytes;
            }
            expected = scanned.nextSeq();
        }
        nextSeq = expected;
        durableSeq = nextSeq - 1;
        durableNextForwardSeq = nextForwardSeq;
        return replayed[0];
    }

    /** Waits for the open batch to be forced, then stops the writer and closes the files. */
    @Override
    public void close() throws IOException {
        synchronized (this) {
            closing = true;
            notifyAll();
        }
        try {
            writer.join();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            output.close();
        } finally {
            lock.release();
            lockChannel.close();
        }
    }

    /** For crash tests: stops the writer and releases the lock without forcing or closing anything. */
    void abandon() throws IOException {
        synchronized (this) {
            closing = true;
            failure = new IOException("abandoned");
            notifyAll();
        }
        try {
            writer.join();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        output.close();
        lock.release();
        lockChannel.close();
    }
}
