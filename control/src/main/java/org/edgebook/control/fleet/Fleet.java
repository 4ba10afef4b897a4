package org.edgebook.control.fleet;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.edgebook.codec.Ed25519Key;
import org.edgebook.control.ControlJson;
import org.edgebook.control.store.NodeStore;

/**
 * The fleet held in memory (docs/control-plane.md section 4): every node with its key, state, the interval it was last
 * told and its last heartbeat, loaded from the store at start.
 * <p>
 * Threading: one writer. Every change (a heartbeat, an enrollment, a revocation, the liveness sweep each second, the
 * batch handed to the store each second) runs on the single thread {@code control-fleet}, in the order it was
 * submitted; {@link FleetListener}s are called there. Readers (authentication, queries, other areas) read
 * {@link #member} and {@link #forEach} from any thread without a lock: each node is an immutable {@link Member}
 * replaced whole in a concurrent map, so a reader may see a node a heartbeat old. The store is written on a second
 * thread, {@code control-fleet-store}, so that a slow store never holds up heartbeats.
 */
public final class Fleet implements FleetView, AutoCloseable {
    /** A node as the fleet holds it: {@code lastSeenAt} is its last heartbeat's arrival, or its enrollment. */
    public record Member(Node node, Ed25519Key.Public key, long lastSeenAt, long intervalMs) {
        Member with(final NodeState state) {
            return new Member(new Node(node.id(), node.name(), node.region(), node.labels(), state, node.enrolledAt(),
                    node.last()), key, lastSeenAt, intervalMs);
        }
    }

    /** How many intervals of silence make a node late, and down. */
    public static final int LATE_INTERVALS = 2;
    public static final int DOWN_INTERVALS = 5;
    /**
     * How often a node's heartbeat is written when nothing that matters in it changed (its routes and versions, its
     * health, its applied desired state, its state): the store then takes a sixth of the heartbeats at 10 s intervals.
     * Measured: writing every heartbeat cost H2 most of a core at 10,000 heartbeats/s (BENCHMARKS.md, "The control
     * plane").
     */
    public static final long PERSIST_EVERY_MILLIS = 60_000;

    private final ConcurrentSkipListMap<String, Member> members = new ConcurrentSkipListMap<>(NodeIds.ORDER);
    /**
     * The same members by id, for lookups: every signed request and heartbeat finds its node, and the ordered map's
     * string comparisons were 3% of the control plane's CPU at 60,000 nodes (a JFR profile).
     */
    private final java.util.concurrent.ConcurrentHashMap<String, Member> byId =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final List<FleetListener> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("control-fleet").daemon().unstarted(r));
    private final ExecutorService storeThread = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().name("control-fleet-store").daemon().unstarted(r));
    private final NodeStore store;
    private final LongSupplier clock;
    private final long baseIntervalMs;
    private final int maxPerSecond;
    private final AtomicLongArray byState = new AtomicLongArray(NodeState.values().length);
    private volatile long intervalMs;
    private volatile long flushedAt;
    /** A batch is being written: the next waits, and the changes meanwhile coalesce (the last of each node). */
    private final java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean();
    // Only on the writer thread:
    private final Map<String, Member> dirty = new LinkedHashMap<>();
    /** Per node, when its heartbeat was last handed to the store and the shape of it then ({@link #shape}). */
    private final Map<String, long[]> persisted = new HashMap<>();
    private List<NodeStore.Event> events = new ArrayList<>();
    private int live;
    private long beats;
    private long beatsSince = System.nanoTime();
    private volatile long heartbeatsPerSecond;

    private Fleet(final NodeStore store, final LongSupplier clock, final long baseIntervalMs, final int maxPerSecond) {
        this.store = store;
        this.clock = clock;
        this.baseIntervalMs = baseIntervalMs;
        this.maxPerSecond = maxPerSecond;
    }

    /** The fleet as the store holds it; call {@link #start} to begin the sweeps and the writes behind. */
    public static Fleet load(final NodeStore store, final LongSupplier clock, final long baseIntervalMs,
                             final int maxPerSecond) throws SQLException {
        final Fleet fleet = new Fleet(store, clock, baseIntervalMs, maxPerSecond);
        final long loadedAt = clock.getAsLong();
        for (final NodeStore.Row row : store.loadAll()) {
            final Heartbeat last;
            try {
                last = row.heartbeat() == null ? null : HeartbeatParser.parseStored(row.heartbeat().getBytes(
                        java.nio.charset.StandardCharsets.UTF_8), row.id(), row.lastHeartbeatAt());
            } catch (final IllegalArgumentException e) {
                throw new SQLException("node " + row.id() + ": its stored heartbeat cannot be read: " + e.getMessage(),
                        e);
            }
            final NodeState state = NodeState.valueOf(row.state().toUpperCase(java.util.Locale.ROOT));
            final Node node = new Node(row.id(), row.name(), row.region(), Labels.parse(row.labels()), state,
                    row.enrolledAt(), last);
            // A heartbeat is written at least every PERSIST_EVERY_MILLIS, so the stored one may be that old: a node
            // that is not down counts as seen one interval before the restart at the latest, so the living ones do not
            // all turn late (and rollouts' down gates fail) before they can heartbeat, and the silent ones still go
            // late, then down.
            final long stored = row.lastHeartbeatAt() == null ? row.enrolledAt() : row.lastHeartbeatAt();
            final long seen = state == NodeState.UP || state == NodeState.LATE ? Math.max(stored, loadedAt - row
                    .intervalMs()) : stored;
            fleet.put(row.id(), new Member(node, Ed25519Key.Public.of(Base64.getDecoder().decode(
                    row.publicKey())), seen, row.intervalMs()));
            if (last != null) {
                fleet.persisted.put(row.id(), new long[] {last.receivedAt(), shape(last)});
            }
            if (state != NodeState.REVOKED) {
                fleet.live++;
            }
        }
        fleet.intervalMs = fleet.interval(fleet.live);
        fleet.count();
        return fleet;
    }

    /** Sweeps liveness and writes behind each {@code tickMillis} (a second) from now on. */
    public void start(final long tickMillis) {
        writer.scheduleWithFixedDelay(() -> {
            try {
                final long now = System.nanoTime();
                heartbeatsPerSecond = beats * 1_000_000_000L / Math.max(1, now - beatsSince);
                beats = 0;
                beatsSince = now;
                sweep();
                flush();
            } catch (final RuntimeException e) {
                System.err.println("control: fleet sweep failed: " + e);
            }
        }, tickMillis, tickMillis, TimeUnit.MILLISECONDS);
    }

    /** The interval nodes are told now: {@code max(base, ceil(nodes / maxHeartbeatsPerSecond) s)}. */
    public long intervalMs() {
        return intervalMs;
    }

    private long interval(final int nodes) {
        return Math.max(baseIntervalMs, Math.ceilDiv(nodes, maxPerSecond) * 1000L);
    }

    /** The node, with its key, or null. */
    public Member member(final String id) {
        return byId.get(id);
    }

    /** Nodes after {@code afterId} (null: from the first), in id order. */
    public Iterable<Member> membersAfter(final String afterId) {
        return afterId == null ? members.values() : members.tailMap(afterId, false).values();
    }

    /** How many nodes are in {@code state} (as of the last sweep, at most a second old). */
    public long count(final NodeState state) {
        return byState.get(state.ordinal());
    }

    /** Heartbeats the writer took in the last second or so (real time). */
    public long heartbeatsPerSecond() {
        return heartbeatsPerSecond;
    }

    /** When the writes behind last reached the store (epoch ms of the fleet's clock), for tests. */
    public long flushedAt() {
        return flushedAt;
    }

    @Override
    public Node node(final String id) {
        final Member m = byId.get(id);
        return m == null ? null : m.node();
    }

    @Override
    public void forEach(final Consumer<Node> action) {
        for (final Member m : members.values()) {
            action.accept(m.node());
        }
    }

    @Override
    public void listen(final FleetListener listener) {
        listeners.add(listener);
    }

    /** Takes a heartbeat whose sender was told {@code toldIntervalMs} in the answer. */
    public void heartbeat(final Heartbeat heartbeat, final long toldIntervalMs) {
        writer.execute(() -> onHeartbeat(heartbeat, toldIntervalMs));
    }

    /** Adds a node whose enrollment was committed (its {@code node.enrolled} event with it). */
    public CompletableFuture<Void> enrolled(final Member member) {
        return CompletableFuture.runAsync(() -> {
            put(member.node().id(), member);
            live++;
            intervalMs = interval(live);
        }, writer);
    }

    /** Marks a node revoked whose revocation was committed (its event with it). */
    public CompletableFuture<Void> revoked(final String id, final long at) {
        return CompletableFuture.runAsync(() -> {
            final Member m = byId.get(id);
            if (m == null || m.node().state() == NodeState.REVOKED) {
                return;
            }
            put(id, m.with(NodeState.REVOKED));
            dirty.remove(id);
            live--;
            intervalMs = interval(live);
            for (final FleetListener l : listeners) {
                l.onStateChange(id, m.node().state(), NodeState.REVOKED, at);
            }
        }, writer);
    }

    /** Runs one tick's sweep and write behind now, and waits until its batch is in the store (tests). */
    public void tickNow() {
        CompletableFuture.runAsync(() -> {
            sweep();
            flush();
        }, writer).join();
        CompletableFuture.runAsync(() -> {}, storeThread).join();
        CompletableFuture.runAsync(() -> {}, writer).join();
    }

    /** Runs a sweep and a write behind now, and waits until what it wrote is in the store (tests). */
    public void sweepAndFlushNow() {
        CompletableFuture.runAsync(this::sweep, writer).join();
        drain();
    }

    /**
     * Writes behind until what the fleet held when called is in the store (a batch in flight first finishes),
     * including the heartbeats that were not written because nothing in them mattered.
     */
    private void drain() {
        CompletableFuture.runAsync(() -> {
            for (final Member m : members.values()) {
                final long[] written = persisted.get(m.node().id());
                if (m.node().last() != null && (written == null || written[0] < m.node().last().receivedAt())) {
                    dirty.put(m.node().id(), m);
                    persisted.put(m.node().id(), new long[] {m.node().last().receivedAt(), shape(m.node().last())});
                }
            }
        }, writer).join();
        for (int i = 0; i < 2; i++) {
            CompletableFuture.runAsync(this::flush, writer).join();
            CompletableFuture.runAsync(() -> {}, storeThread).join();
            CompletableFuture.runAsync(() -> {}, writer).join(); // a failed batch is merged back on the writer
        }
    }

    private void onHeartbeat(final Heartbeat h, final long toldIntervalMs) {
        final Member m = byId.get(h.nodeId());
        if (m == null || m.node().state() == NodeState.REVOKED) {
            return;
        }
        final Node old = m.node();
        final Member updated = new Member(new Node(old.id(), old.name(), old.region(), old.labels(), NodeState.UP,
                old.enrolledAt(), h), m.key(), h.receivedAt(), toldIntervalMs);
        put(old.id(), updated);
        final long shape = shape(h);
        final long[] written = persisted.get(old.id());
        if (old.state() != NodeState.UP || written == null || written[1] != shape || h.receivedAt()
                - written[0] >= PERSIST_EVERY_MILLIS || dirty.containsKey(old.id())) {
            dirty.put(old.id(), updated);
            persisted.put(old.id(), new long[] {h.receivedAt(), shape});
        }
        beats++;
        if (old.state() != NodeState.UP) {
            changed(old.id(), old.state(), NodeState.UP, h.receivedAt(), "heartbeat " + h.seq());
        }
        for (final Heartbeat.LoadFailure f : h.loadFailures()) {
            events.add(new NodeStore.Event(h.receivedAt(), "node.load_failed", old.id(), ControlJson.text(json -> {
                json.writeStringField("path", f.path());
                json.writeStringField("sha256", f.sha256());
                json.writeStringField("reason", f.reason());
            })));
        }
        for (final FleetListener l : listeners) {
            l.onHeartbeat(h);
        }
    }

    /** What in a heartbeat makes it worth writing at once: its routes, versions, shadows, health, applied state. */
    private static long shape(final Heartbeat h) {
        long shape = java.util.Objects.hash(h.health(), h.applied(), h.agent(), h.versions());
        for (final Heartbeat.Route r : h.routes()) {
            shape = shape * 31 + java.util.Objects.hash(r.path(), r.module(), r.version(), r.sha256(), r
                    .shadow() == null ? null : r.shadow().sha256());
        }
        return shape;
    }

    /** Keeps {@code member} in both maps (the writer thread, or loading before it starts). */
    private void put(final String id, final Member member) {
        members.put(id, member);
        byId.put(id, member);
    }

    /** Late after 2 told intervals of silence, down after 5; never back up but by a heartbeat. */
    private void sweep() {
        final long now = clock.getAsLong();
        for (final Member m : members.values()) {
            final NodeState state = m.node().state();
            if (state == NodeState.REVOKED || state == NodeState.DOWN) {
                continue;
            }
            final long silent = now - m.lastSeenAt();
            final NodeState target = silent > DOWN_INTERVALS * m.intervalMs() ? NodeState.DOWN
                    : silent > LATE_INTERVALS * m.intervalMs() ? NodeState.LATE : NodeState.UP;
            if (target.ordinal() > state.ordinal()) {
                final Member updated = m.with(target);
                put(m.node().id(), updated);
                dirty.put(m.node().id(), updated);
                changed(m.node().id(), state, target, now, "silent " + silent + " ms, interval " + m.intervalMs()
                        + " ms");
            }
        }
        count();
    }

    private void changed(final String id, final NodeState from, final NodeState to, final long at,
                         final String why) {
        events.add(new NodeStore.Event(at, "node." + to.wire(), id, ControlJson.text(json -> {
            json.writeStringField("from", from.wire());
            json.writeStringField("to", to.wire());
            json.writeStringField("reason", why);
        })));
        for (final FleetListener l : listeners) {
            l.onStateChange(id, from, to, at);
        }
    }

    private void count() {
        final long[] counts = new long[NodeState.values().length];
        for (final Member m : members.values()) {
            counts[m.node().state().ordinal()]++;
        }
        for (int i = 0; i < counts.length; i++) {
            byState.set(i, counts[i]);
        }
    }

    /**
     * Hands this second's changes to the store thread, unless it is still writing the last batch: then they wait and
     * coalesce, so a slow store makes batches later, never a queue of them. A batch that fails is merged into the next.
     */
    private void flush() {
        if (dirty.isEmpty() && events.isEmpty() || !writing.compareAndSet(false, true)) {
            return;
        }
        final List<Member> changed = new ArrayList<>(dirty.values());
        final List<NodeStore.Event> batch = events;
        dirty.clear();
        events = new ArrayList<>();
        final long now = clock.getAsLong();
        storeThread.execute(() -> {
            final List<NodeStore.Change> changes = new ArrayList<>(changed.size());
            for (final Member m : changed) {
                final Heartbeat last = m.node().last();
                changes.add(new NodeStore.Change(m.node().id(), m.node().state().wire(), m.intervalMs(),
                        last == null ? null : last.receivedAt(), last == null ? null : HeartbeatJson.text(last)));
            }
            try {
                store.write(changes, batch);
                flushedAt = now;
                writing.set(false);
            } catch (final SQLException | RuntimeException e) {
                System.err.println("control: writing " + changes.size() + " nodes and " + batch.size()
                        + " events failed, retried with the next batch: " + e.getMessage());
                writer.execute(() -> {
                    writing.set(false);
                    for (final Member m : changed) {
                        dirty.putIfAbsent(m.node().id(), byId.get(m.node().id()));
                    }
                    final List<NodeStore.Event> merged = new ArrayList<>(batch);
                    merged.addAll(events);
                    events = merged;
                });
            }
        });
    }

    /** Stops the sweeps and writes what is still in memory. */
    @Override
    public void close() {
        try {
            drain();
        } catch (final RuntimeException e) {
            System.err.println("control: last write behind failed: " + e);
        }
        writer.shutdown();
        storeThread.shutdown();
        try {
            storeThread.awaitTermination(30, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
