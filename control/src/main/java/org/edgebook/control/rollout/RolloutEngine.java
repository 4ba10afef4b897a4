package org.edgebook.control.rollout;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.edgebook.control.ControlJson;
import org.edgebook.control.fleet.FleetListener;
import org.edgebook.control.fleet.FleetView;
import org.edgebook.control.fleet.Heartbeat;
import org.edgebook.control.fleet.NodeState;
import org.edgebook.control.modules.RouteOverrides;
import org.edgebook.control.store.Database;
import org.edgebook.control.store.Records;

/**
 * Rollouts in waves with health gates and automatic rollback (docs/control-plane.md section 7): a durable state
 * machine per rollout, driven by operator commands, heartbeats and a tick each second.
 * <p>
 * Data flow: an operator's {@link #create} checks the spec, writes the rollout and its first phase's nodes to the store
 * in one transaction (with the audit record), and only then publishes the nodes' overrides ({@link RouteOverrides}), which the desired
 * state reads ({@link #override}); the nodes learn of them at their next heartbeat. Heartbeats ({@link #onHeartbeat})
 * feed each active rollout's figures; each tick computes the gates ({@link GateFigures}): a failed gate rolls every
 * updated node back at once, with the figures and the reason kept; a phase whose soak has passed, whose nodes all
 * reported the new version and whose gates held for at least one heartbeat interval of fresh data moves on to the next
 * wave, and the last wave moves the group itself to the new version.
 * <p>
 * Durable: every change of a rollout is written (with its audit and event records) before it takes effect, and a node
 * is assigned once per rollout (the store's primary key). A control plane killed mid-rollout reloads the rollouts and
 * their nodes, and soaks the current phase again on fresh heartbeats for at least one interval, so no gate is passed
 * on figures it did not see and no node is updated twice.
 * <p>
 * Threading: a single writer, the engine's own thread; public methods hand their work to it and answer with a
 * future, except {@link #override}, which reads a concurrent map, from any thread.
 */
public final class RolloutEngine implements FleetListener, RouteOverrides, AutoCloseable {
    private static final System.Logger LOG = System.getLogger("edgebook.control.rollout");
    private static final int MAX_SAMPLES = 10;
    /** The most a count may reach (per heartbeat, and summed): far past any fleet's, far below overflow. */
    private static final long MAX_COUNT = 1L << 40;
    /** Intervals an updated node has to report the new version (it learns it in one, reports it in the next). */
    private static final int STALL_INTERVALS = 5;

    /** What an operator can do to a rollout. */
    public enum Action {
        PAUSE, RESUME, ABORT, ROLLBACK
    }

    /** An answer for the HTTP layer: a status and a JSON body. */
    public record Answer(int status, byte[] json) {
    }

    /**
     * @param tickMillis  how often gates are computed and phases moved on
     * @param minRequests the requests the updated nodes must have served before the error-rate and latency gates
     *                    judge (below it they wait: there is nothing to judge)
     */
    public record Options(long tickMillis, long minRequests) {
        public static final Options DEFAULT = new Options(1000, 100);
    }

    private final Database db;
    private final FleetView fleet;
    private final RolloutTargets targets;
    private final LongSupplier clock;
    private final LongSupplier intervalMillis;
    private final Options options;
    private final ScheduledExecutorService thread;
    private final Map<String, Rollout> rollouts = new LinkedHashMap<>();
    /** node id -> path -> override, for the nodes of rollouts that hold nodes. Copy-on-write inner maps. */
    private volatile ConcurrentHashMap<String, Map<String, RouteOverrides.Override>> overrides =
            new ConcurrentHashMap<>();
    private volatile boolean anyActive;
    /** Group -> the active rollout moving it; replaced whole by the engine's thread, read from any. */
    private volatile Map<String, String> movingGroups = Map.of();

    /**
     * @param intervalMillis the heartbeat interval nodes are told now: a phase needs at least one of fresh data
     */
    public RolloutEngine(final Database db, final FleetView fleet, final RolloutTargets targets,
                         final LongSupplier clock, final LongSupplier intervalMillis, final Options options) {
        this.db = db;
        this.fleet = fleet;
        this.targets = targets;
        this.clock = clock;
        this.intervalMillis = intervalMillis;
        this.options = options;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, "rollouts");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Loads the rollouts from the store and starts ticking.
     *
     * @throws SQLException if the store cannot be read
     */
    public void start() throws SQLException {
        run(() -> {
            reload();
            return null;
        }).join();
        thread.scheduleWithFixedDelay(this::tickQuietly, options.tickMillis(), options.tickMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** The override of {@code nodeId}'s route on {@code path}, or null. */
    public RouteOverrides.Override override(final String nodeId, final String path) {
        final Map<String, RouteOverrides.Override> byPath = overrides.get(nodeId);
        return byPath == null ? null : byPath.get(path);
    }

    /**
     * What the desired state asks of rollouts: the node's overrides by path, or null. One map lookup; the maps are
     * immutable (replaced whole when they change). {@code group} is not needed: a node is assigned within its group.
     */
    @java.lang.Override
    public Map<String, RouteOverrides.Override> forNode(final String nodeId, final String group) {
        return overrides.get(nodeId);
    }

    /** Starts a rollout: 201 with it, or 4xx naming what is wrong. */
    public CompletableFuture<Answer> create(final RolloutSpec spec, final String actor) {
        return run(() -> {
            final RolloutTargets.Route route = targets.route(spec.group(), spec.path());
            if (route == null) {
                return error(404, "not_found", "group " + spec.group() + " has no route " + spec.path());
            }
            if (route.version().equals(spec.toVersion())) {
                return error(409, "already_there", "group " + spec.group() + " already runs " + route.module() + "@"
                        + spec.toVersion() + " on " + spec.path());
            }
            final String sha = targets.sha256(route.module(), spec.toVersion());
            if (sha == null) {
                return error(422, "version_unknown", "module " + route.module() + " has no version "
                        + spec.toVersion() + " in the registry");
            }
            for (final Rollout other : rollouts.values()) {
                if (other.state.active() && other.spec.group().equals(spec.group()) && other.spec.path().equals(spec
                        .path())) {
                    return error(409, "rollout_active", "rollout " + other.id + " is moving group " + spec.group()
                            + " on " + spec.path() + "; pause, abort or roll it back first");
                }
            }
            final long now = clock.getAsLong();
            final List<Rollout> superseded = new ArrayList<>();
            for (final Rollout other : rollouts.values()) {
                if (other.state == Rollout.State.ABORTED && holdsNodes(other) && other.spec.group().equals(spec
                        .group()) && other.spec.path().equals(spec.path())) {
                    superseded.add(other);
                }
            }
            final Rollout[] made = new Rollout[1];
            final Map<String, Rollout.Baseline>[] assigned = newAssignment();
            final List<String> shadowNodes = new ArrayList<>();
            db.inTransaction(c -> {
                final Rollout r = new Rollout(RolloutStore.nextId(c), spec, route.module(), route.version(), spec
                        .toVersion(), sha, now);
                r.state = spec.shadowNodes() > 0 ? Rollout.State.SHADOW : Rollout.State.WAVE;
                r.wave = spec.shadowNodes() > 0 ? 0 : 1;
                r.phaseStarted = now;
                r.updatedAt = now;
                RolloutStore.insert(c, r);
                Records.audit(c, now, actor, "rollout.create", r.id, spec.json());
                Records.event(c, now, "rollout.created", r.id, detail(g -> {
                    g.writeStringField("group", spec.group());
                    g.writeStringField("from", route.module() + "@" + route.version());
                    g.writeStringField("to", route.module() + "@" + spec.toVersion());
                }));
                for (final Rollout old : superseded) {
                    old.state = Rollout.State.SUPERSEDED;
                    old.reason = reasonText("superseded by " + r.id + "; its nodes follow the new rollout");
                    old.updatedAt = now;
                    RolloutStore.update(c, old);
                }
                startPhase(c, r, now, assigned, shadowNodes);
                made[0] = r;
                return null;
            });
            final Rollout r = made[0];
            for (final Rollout old : superseded) {
                unpublish(old);
                old.assigned.clear();
            }
            apply(r, assigned[0], shadowNodes, now);
            rollouts.put(r.id, r);
            refreshActive();
            return new Answer(201, describe(r));
        });
    }

    /** Pauses, resumes, aborts or rolls back a rollout by hand. */
    public CompletableFuture<Answer> act(final String id, final Action action, final String actor) {
        return run(() -> {
            final Rollout r = rollouts.get(id);
            if (r == null) {
                return error(404, "not_found", "no rollout " + id);
            }
            final long now = clock.getAsLong();
            switch (action) {
                case PAUSE, RESUME -> {
                    if (!r.state.active()) {
                        return error(409, "not_active", "rollout " + id + " is " + r.state.wire());
                    }
                    final boolean pause = action == Action.PAUSE;
                    if (r.paused != pause) {
                        r.paused = pause;
                        r.updatedAt = now;
                        db.inTransaction(c -> {
                            RolloutStore.update(c, r);
                            Records.audit(c, now, actor, pause ? "rollout.pause" : "rollout.resume", id, "{}");
                            Records.event(c, now, pause ? "rollout.paused" : "rollout.resumed", id, "{}");
                            return null;
                        });
                        if (!pause) {
                            r.startObserving(now);
                        }
                    }
                }
                case ABORT -> {
                    if (!r.state.active()) {
                        return error(409, "not_active", "rollout " + id + " is " + r.state.wire());
                    }
                    r.state = Rollout.State.ABORTED;
                    r.paused = false;
                    r.reason = reasonText("aborted by " + actor + "; the nodes already updated keep the new version");
                    r.updatedAt = now;
                    db.inTransaction(c -> {
                        RolloutStore.update(c, r);
                        Records.audit(c, now, actor, "rollout.abort", id, "{}");
                        Records.event(c, now, "rollout.aborted", id, "{}");
                        return null;
                    });
                    unpublishShadows(r);
                    publish(r);
                }
                case ROLLBACK -> {
                    if (!r.state.active() && !(r.state == Rollout.State.ABORTED && holdsNodes(r))) {
                        return error(409, "not_active", "rollout " + id + " is " + r.state.wire());
                    }
                    rollBack(r, now, actor, "rollout.rollback", reasonText("rolled back by hand by " + actor));
                }
                default -> throw new IllegalStateException(action.name());
            }
            refreshActive();
            return new Answer(200, describe(r));
        });
    }

    /** One rollout, with its waves and its gates' latest figures; 404 if none. */
    public CompletableFuture<Answer> get(final String id) {
        return run(() -> {
            final Rollout r = rollouts.get(id);
            return r == null ? error(404, "not_found", "no rollout " + id) : new Answer(200, describe(r));
        });
    }

    /** Every rollout, newest first, without their figures. */
    public CompletableFuture<Answer> list() {
        return run(() -> {
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (JsonGenerator g = ControlJson.JSON.createGenerator(out)) {
                g.writeStartObject();
                g.writeArrayFieldStart("rollouts");
                final List<Rollout> all = new ArrayList<>(rollouts.values());
                for (int i = all.size() - 1; i >= 0; i--) {
                    summary(g, all.get(i));
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            return new Answer(200, out.toByteArray());
        });
    }

    /** Computes the gates and moves phases on now (the engine does it each tick by itself; tests call it). */
    public CompletableFuture<Void> tick() {
        return run(() -> {
            tickNow();
            return null;
        });
    }

    @java.lang.Override
    public void onHeartbeat(final Heartbeat heartbeat) {
        if (anyActive) {
            thread.execute(() -> observe(heartbeat));
        }
    }

    @java.lang.Override
    public void onStateChange(final String nodeId, final NodeState from, final NodeState to, final long at) {
        // Down nodes are counted from the fleet at each tick.
    }

    @java.lang.Override
    public void close() {
        thread.shutdown(); // not shutdownNow: an interrupt could break a transaction in flight
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- on the engine's thread ----

    private void tickQuietly() {
        try {
            tickNow();
        } catch (final RuntimeException | SQLException e) {
            LOG.log(System.Logger.Level.ERROR, "rollout tick failed; the next tick tries again", e);
            reloadAfterFailure();
        }
    }

    /**
     * Reads every rollout back from the store and publishes the overrides of those that hold nodes: at start, and
     * after a write to the store failed, so that what the engine holds is again what the store holds. The overrides
     * are built aside and swapped in whole, so a reader never sees them half made.
     */
    private void reload() throws SQLException {
        targets.versionCommitted(); // the catalog first: a completed rollout's group must name its version
        final List<Rollout> loaded = db.inTransaction(RolloutStore::loadAll);
        final long now = clock.getAsLong();
        final ConcurrentHashMap<String, Map<String, RouteOverrides.Override>> building = new ConcurrentHashMap<>();
        rollouts.clear();
        for (final Rollout r : loaded) {
            rollouts.put(r.id, r);
            if (holdsNodes(r)) {
                r.startObserving(now);
                publish(r, building);
            }
        }
        overrides = building;
        refreshActive();
    }

    private void reloadAfterFailure() {
        try {
            reload();
        } catch (final SQLException | RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "rollouts could not be read back from the store", e);
        }
    }

    private void tickNow() throws SQLException {
        final long now = clock.getAsLong();
        for (final Rollout r : new ArrayList<>(rollouts.values())) {
            if (r.catalogStale) {
                catalogCaughtUp(r);
            }
            if (!r.state.active()) {
                continue;
            }
            final GateFigures figures = figures(r, now);
            r.lastFigures = figures;
            if (figures.failed() != null) {
                rollBack(r, now, "rollout:" + r.id, "rollout.gate_failed", gateReason(figures));
                continue;
            }
            if (!r.paused && phaseDone(r, figures, now)) {
                advance(r, now, figures);
            }
        }
        refreshActive();
    }

    private void observe(final Heartbeat hb) {
        for (final Rollout r : rollouts.values()) {
            if (!r.state.active() || hb.receivedAt() < r.observedSince) {
                continue;
            }
            final FleetView.Node node = fleet.node(hb.nodeId());
            if (node == null || !targets.inGroup(node, r.spec.group())) {
                continue;
            }
            final boolean updated = r.assigned.containsKey(hb.nodeId());
            final boolean shadow = r.shadows.contains(hb.nodeId());
            if (updated || shadow) {
                for (final Heartbeat.LoadFailure f : hb.loadFailures()) {
                    if (r.toSha256.equals(f.sha256()) && r.failedLoads.add(hb.nodeId())
                            && r.failedLoadReasons.size() < MAX_SAMPLES) {
                        r.failedLoadReasons.add(hb.nodeId() + ": " + f.reason());
                    }
                }
            }
            final Heartbeat.Route route = routeOf(hb, r.spec.path());
            if (route == null || !r.module.equals(route.module())) {
                continue;
            }
            if (updated) {
                if (r.toVersion.equals(route.version())) {
                    final long[] f = r.updatedFigures.computeIfAbsent(hb.nodeId(), k -> new long[4]);
                    final long requests = clamp(route.requests());
                    f[0] = Math.min(MAX_COUNT, f[0] + requests);
                    f[1] = Math.min(f[0], f[1] + Math.min(requests, clamp(route.errors())));
                    if (requests > 0) {
                        f[2] = clamp(route.p99Micros()); // an interval with no requests has no p99 to keep
                    }
                    f[3] = hb.receivedAt();
                }
                continue;
            }
            if (route.version().equals(r.fromVersion)) {
                final long requests = clamp(route.requests());
                r.othersRequests = Math.min(MAX_COUNT, r.othersRequests + requests);
                r.othersErrors = Math.min(r.othersRequests, r.othersErrors + Math.min(requests, clamp(route
                        .errors())));
                if (requests > 0) {
                    r.othersP99.put(hb.nodeId(), clamp(route.p99Micros()));
                }
            }
            if (shadow && route.shadow() != null && r.toVersion.equals(route.shadow().version())) {
                r.shadowReported.add(hb.nodeId());
                final long compared = clamp(route.shadow().compared());
                r.shadowCompared = Math.min(MAX_COUNT, r.shadowCompared + compared);
                r.shadowMismatches = Math.min(r.shadowCompared, r.shadowMismatches + Math.min(compared, clamp(route
                        .shadow().mismatches())));
                for (final Heartbeat.Sample s : route.shadow().samples()) {
                    if (r.samples.size() < MAX_SAMPLES) {
                        r.samples.add(s);
                    }
                }
            }
        }
    }

    /** A node's figure for one interval, held to 0..MAX_COUNT so that no sum of them can overflow. */
    private static long clamp(final long value) {
        return Math.max(0, Math.min(MAX_COUNT, value));
    }

    private GateFigures figures(final Rollout r, final long now) {
        long requests = 0;
        long errors = 0;
        long baseRequests = 0;
        long baseErrors = 0;
        final List<Long> p99s = new ArrayList<>();
        final List<Long> baseP99s = new ArrayList<>();
        int reporting = 0;
        int down = 0;
        for (final Map.Entry<String, Rollout.Baseline> e : r.assigned.entrySet()) {
            final long[] f = r.updatedFigures.get(e.getKey());
            if (isDown(e.getKey())) {
                down++;
            }
            if (f == null) {
                continue;
            }
            if (f[3] >= r.observedSince) {
                reporting++;
            }
            requests += f[0];
            errors += f[1];
            if (f[0] > 0) {
                p99s.add(f[2]);
            }
            final Rollout.Baseline b = e.getValue();
            baseRequests += b.requests();
            baseErrors += b.errors();
            if (b.requests() > 0) {
                baseP99s.add(b.p99Micros());
            }
        }
        if (r.state == Rollout.State.SHADOW) {
            for (final String s : r.shadows) {
                if (!r.assigned.containsKey(s) && isDown(s)) {
                    down++;
                }
            }
        }
        final long errorRate = requests == 0 ? -1 : Ratio.of(errors, requests);
        final long before = baseRequests == 0 ? -1 : Ratio.of(baseErrors, baseRequests);
        final long others = r.othersRequests == 0 ? -1 : Ratio.of(r.othersErrors, r.othersRequests);
        final long p99 = GateFigures.median(p99s);
        final long p99Before = GateFigures.median(baseP99s);
        final long p99Others = GateFigures.median(r.othersP99.values());
        final long mismatchRate = r.shadowCompared == 0 ? -1 : Ratio.of(r.shadowMismatches, r.shadowCompared);
        String failed = null;
        String why = null;
        final RolloutSpec spec = r.spec;
        if (r.failedLoads.size() > spec.maxFailedLoads()) {
            failed = "failed_loads";
            why = r.failedLoads.size() + " node(s) failed to load " + r.module + "@" + r.toVersion + " (at most "
                    + spec.maxFailedLoads() + "): " + String.join("; ", r.failedLoadReasons);
        } else if (down > spec.maxDown()) {
            failed = "down";
            why = down + " updated node(s) down (at most " + spec.maxDown() + ")";
        } else if (r.state == Rollout.State.WAVE && now > Math.max(r.phaseStarted, r.observedSince) + STALL_INTERVALS
                * intervalMillis.getAsLong() && stalled(r) > 0) {
            // A node that neither runs the new version nor went down in five intervals: it may have refused the
            // module before a restart made the engine forget it; waiting would hang the rollout.
            failed = "stalled";
            why = stalled(r) + " updated node(s) alive but not running " + r.module + "@" + r.toVersion + " "
                    + STALL_INTERVALS + " heartbeat intervals after they were told";
        } else if (mismatchRate > spec.maxMismatchRatePpm()) {
            failed = "shadow_mismatch";
            why = "the shadow's answers differed from the served ones in " + r.shadowMismatches + " of "
                    + r.shadowCompared + " requests (rate " + Ratio.format(mismatchRate) + ", at most " + Ratio
                            .format(spec.maxMismatchRatePpm()) + ")";
        } else if (requests >= options.minRequests()) {
            final long reference = Math.max(before, others);
            if (errorRate - Math.max(reference, 0) > spec.maxErrorRateIncreasePpm()) {
                failed = "error_rate";
                why = "the updated nodes' error rate " + Ratio.format(errorRate) + " is over "
                        + (reference < 0 ? "0" : Ratio.format(reference)) + " (before " + rate(before) + ", not yet "
                        + "updated " + rate(others) + ") by more than " + Ratio.format(spec
                                .maxErrorRateIncreasePpm());
            } else {
                final long p99Reference = Math.max(p99Before, p99Others);
                if (p99Reference > 0 && p99 >= 0 && Ratio.of(p99, p99Reference) > spec.maxP99RatioPpm()) {
                    failed = "p99";
                    why = "the updated nodes' p99 " + p99 + " µs is " + Ratio.format(Ratio.of(p99, p99Reference))
                            + " times " + p99Reference + " µs (before " + p99Before + " µs, not yet updated "
                            + p99Others + " µs), over " + Ratio.format(spec.maxP99RatioPpm());
                }
            }
        }
        return new GateFigures(r.assigned.size(), reporting, requests, errorRate, before, others, p99, p99Before,
                p99Others, r.failedLoads.size(), down, r.shadowCompared, r.shadowMismatches, mismatchRate, failed,
                why);
    }

    private static String rate(final long ppm) {
        return ppm < 0 ? "none" : Ratio.format(ppm);
    }

    private boolean isDown(final String nodeId) {
        final FleetView.Node n = fleet.node(nodeId);
        return n != null && n.state() == NodeState.DOWN;
    }

    private boolean phaseDone(final Rollout r, final GateFigures figures, final long now) {
        final long interval = intervalMillis.getAsLong();
        final long soak = r.state == Rollout.State.SHADOW ? r.spec.shadowMillis() : r.spec.soakMillis();
        if (now < r.phaseStarted + soak || now < r.observedSince + interval) {
            return false;
        }
        if (r.state == Rollout.State.SHADOW) {
            for (final String s : r.shadows) {
                if (!r.shadowReported.contains(s) && !isDown(s) && !revoked(s)) {
                    return false;
                }
            }
            return true;
        }
        // Every updated node that is alive and did not refuse the version (within maxFailedLoads) has reported it
        // since the phase (or the restart) began.
        if (stalled(r) > 0) {
            return false;
        }
        // The error-rate and p99 gates judge once the updated nodes served minRequests; a fleet too quiet to reach it
        // moves on after five fresh intervals, never on figures from before a restart.
        return figures.requests() >= options.minRequests() || figures.updatedNodes() == 0 || now >= Math.max(
                r.phaseStarted + soak, r.observedSince + 5 * interval);
    }

    /** The updated nodes, alive and not among the failed loads, that have not reported the new version lately. */
    private int stalled(final Rollout r) {
        int stalled = 0;
        for (final String n : r.assigned.keySet()) {
            final long[] f = r.updatedFigures.get(n);
            if ((f == null || f[3] < r.observedSince) && !r.failedLoads.contains(n) && !isDown(n) && !revoked(n)) {
                stalled++;
            }
        }
        return stalled;
    }

    private boolean revoked(final String nodeId) {
        final FleetView.Node n = fleet.node(nodeId);
        return n == null || n.state() == NodeState.REVOKED;
    }

    private void advance(final Rollout r, final long now, final GateFigures figures) throws SQLException {
        final int waves = r.spec.waves().size();
        final String actor = "rollout:" + r.id;
        if (r.state == Rollout.State.WAVE && r.wave == waves) {
            db.inTransaction(c -> {
                targets.setVersion(c, r.spec.group(), r.spec.path(), r.toVersion, now);
                r.state = Rollout.State.COMPLETED;
                r.updatedAt = now;
                r.reason = null;
                RolloutStore.update(c, r);
                final String detail = figuresJson(figures);
                Records.audit(c, now, actor, "rollout.complete", r.id, detail);
                Records.event(c, now, "rollout.completed", r.id, detail);
                return null;
            });
            catalogCaughtUp(r);
            LOG.log(System.Logger.Level.INFO, "rollout {0}: completed; group {1} runs {2}@{3} on {4}", r.id, r.spec
                    .group(), r.module, r.toVersion, r.spec.path());
            return;
        }
        final Map<String, Rollout.Baseline>[] assigned = newAssignment();
        final List<String> shadowNodes = new ArrayList<>();
        final int passed = r.wave;
        db.inTransaction(c -> {
            Records.audit(c, now, actor, passed == 0 ? "rollout.shadow_passed" : "rollout.wave_passed", r.id,
                    figuresJson(figures));
            r.state = Rollout.State.WAVE;
            r.wave = passed + 1;
            r.phaseStarted = now;
            r.updatedAt = now;
            RolloutStore.update(c, r);
            startPhase(c, r, now, assigned, shadowNodes);
            return null;
        });
        unpublishShadows(r);
        apply(r, assigned[0], shadowNodes, now);
    }

    /** Picks the phase's nodes and writes them, in the caller's transaction; {@link #apply} publishes them after. */
    private void startPhase(final Connection c, final Rollout r, final long now,
                            final Map<String, Rollout.Baseline>[] assigned, final List<String> shadowNodes)
            throws SQLException {
        final List<FleetView.Node> group = new ArrayList<>();
        // Down nodes are not assigned (the down gate counts nodes that go down once updated); one that comes back
        // runs the group's version, the new one once the rollout completes.
        fleet.forEach(n -> {
            if (n.state() != NodeState.REVOKED && n.state() != NodeState.DOWN && targets.inGroup(n, r.spec
                    .group())) {
                group.add(n);
            }
        });
        final List<FleetView.Node> ordered = order(r.id, group);
        final String detail;
        if (r.state == Rollout.State.SHADOW) {
            for (final FleetView.Node n : ordered) {
                if (shadowNodes.size() == r.spec.shadowNodes()) {
                    break;
                }
                if (n.state() == NodeState.UP) {
                    shadowNodes.add(n.id());
                }
            }
            RolloutStore.shadows(c, r.id, shadowNodes, now);
            detail = detail(g -> g.writeNumberField("shadowNodes", shadowNodes.size()));
            Records.audit(c, now, "rollout:" + r.id, "rollout.shadow", r.id, detail);
            Records.event(c, now, "rollout.shadow", r.id, detail);
            return;
        }
        final int percent = r.spec.waves().get(r.wave - 1);
        final long target = (group.size() * (long) percent + 99) / 100;
        long count = 0;
        for (final String n : r.assigned.keySet()) {
            final FleetView.Node node = fleet.node(n);
            if (node != null && node.state() != NodeState.REVOKED) {
                count++;
            }
        }
        final Map<String, Rollout.Baseline> fresh = assigned[0];
        for (final FleetView.Node n : ordered) {
            if (count >= target) {
                break;
            }
            if (r.assigned.containsKey(n.id())) {
                continue;
            }
            final Heartbeat.Route before = n.last() == null ? null : routeOf(n.last(), r.spec.path());
            fresh.put(n.id(), before == null ? new Rollout.Baseline(r.wave, now, 0, 0, 0) : new Rollout.Baseline(
                    r.wave, now, before.requests(), before.errors(), before.p99Micros()));
            count++;
        }
        RolloutStore.assign(c, r.id, fresh);
        final long total = count;
        detail = detail(g -> {
            g.writeNumberField("wave", r.wave);
            g.writeNumberField("percent", percent);
            g.writeNumberField("newNodes", fresh.size());
            g.writeNumberField("updatedNodes", total);
            g.writeNumberField("groupNodes", group.size());
        });
        Records.audit(c, now, "rollout:" + r.id, "rollout.wave", r.id, detail);
        Records.event(c, now, "rollout.wave", r.id, detail);
    }

    /** After the phase's transaction committed: the nodes become visible to the desired state. */
    private void apply(final Rollout r, final Map<String, Rollout.Baseline> assigned, final List<String> shadowNodes,
                       final long now) {
        r.assigned.putAll(assigned);
        r.shadows.addAll(shadowNodes);
        if (!assigned.isEmpty()) {
            r.waves.add(new long[] {r.wave, assigned.size(), now});
        }
        r.startObserving(now);
        publish(r);
    }

    private void rollBack(final Rollout r, final long now, final String actor, final String action,
                          final String reason) throws SQLException {
        r.state = Rollout.State.ROLLED_BACK;
        r.paused = false;
        r.reason = reason;
        r.updatedAt = now;
        db.inTransaction(c -> {
            RolloutStore.update(c, r);
            Records.audit(c, now, actor, action, r.id, reason);
            Records.event(c, now, "rollout.rolled_back", r.id, reason);
            return null;
        });
        unpublish(r);
        LOG.log(System.Logger.Level.WARNING, "rollout {0}: rolled back: {1}", r.id, reason);
    }

    private void publish(final Rollout r) {
        publish(r, overrides);
    }

    private void publish(final Rollout r, final ConcurrentHashMap<String, Map<String, RouteOverrides.Override>> into) {
        final RouteOverrides.Override updated = new RouteOverrides.Override(r.toVersion, null);
        for (final String n : r.assigned.keySet()) {
            put(into, n, r.spec.path(), updated);
        }
        if (r.state == Rollout.State.SHADOW) {
            final RouteOverrides.Override shadow = new RouteOverrides.Override(null, r.toVersion);
            for (final String n : r.shadows) {
                if (!r.assigned.containsKey(n)) {
                    put(into, n, r.spec.path(), shadow);
                }
            }
        } else {
            for (final String n : r.shadows) {
                if (!r.assigned.containsKey(n)) {
                    remove(into, n, r.spec.path());
                }
            }
        }
    }

    /**
     * After a completion committed: once the catalog has read the group's new version, the overrides (which name it
     * too) go; until then they stay, so that no node is told the old version in between.
     */
    private void catalogCaughtUp(final Rollout r) {
        try {
            targets.versionCommitted();
            r.catalogStale = false;
            unpublish(r);
        } catch (final SQLException | RuntimeException e) {
            r.catalogStale = true;
            LOG.log(System.Logger.Level.ERROR, "rollout " + r.id + ": completed, but the catalog could not read the "
                    + "group's new version; its nodes keep their overrides and the next tick tries again", e);
        }
    }

    /** Withdraws the shadow stage's overrides (its nodes not assigned since) and forgets its nodes. */
    private void unpublishShadows(final Rollout r) {
        for (final String n : r.shadows) {
            if (!r.assigned.containsKey(n)) {
                remove(overrides, n, r.spec.path());
            }
        }
        r.shadows.clear();
    }

    private void unpublish(final Rollout r) {
        for (final String n : r.assigned.keySet()) {
            remove(overrides, n, r.spec.path());
        }
        for (final String n : r.shadows) {
            remove(overrides, n, r.spec.path());
        }
    }

    private static void put(final ConcurrentHashMap<String, Map<String, RouteOverrides.Override>> overrides,
                            final String node,
                            final String path, final RouteOverrides.Override o) {
        overrides.compute(node, (k, old) -> {
            final Map<String, RouteOverrides.Override> next = old == null ? new HashMap<>(2) : new HashMap<>(old);
            next.put(path, o);
            return Map.copyOf(next);
        });
    }

    private static void remove(final ConcurrentHashMap<String, Map<String, RouteOverrides.Override>> overrides,
                               final String node,
                               final String path) {
        overrides.computeIfPresent(node, (k, old) -> {
            final Map<String, RouteOverrides.Override> next = new HashMap<>(old);
            next.remove(path);
            return next.isEmpty() ? null : Map.copyOf(next);
        });
    }

    private boolean holdsNodes(final Rollout r) {
        return r.state.active() || r.state == Rollout.State.ABORTED && !r.assigned.isEmpty();
    }

    private void refreshActive() {
        boolean any = false;
        final Map<String, String> moving = new HashMap<>();
        for (final Rollout r : rollouts.values()) {
            any |= r.state.active();
            if (r.state.active()) {
                moving.put(r.spec.group(), r.id);
            }
        }
        anyActive = any;
        movingGroups = Map.copyOf(moving);
    }

    @java.lang.Override
    public String movingGroup(final String group) {
        return movingGroups.get(group);
    }

    private static Heartbeat.Route routeOf(final Heartbeat hb, final String path) {
        for (final Heartbeat.Route route : hb.routes()) {
            if (route.path().equals(path)) {
                return route;
            }
        }
        return null;
    }

    /** The group's nodes in the rollout's fixed order: by SHA-256 of the rollout id and the node id. */
    private static List<FleetView.Node> order(final String rolloutId, final List<FleetView.Node> nodes) {
        final MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        final Map<String, String> key = new HashMap<>();
        for (final FleetView.Node n : nodes) {
            final byte[] d = sha.digest((rolloutId + '\n' + n.id()).getBytes(StandardCharsets.UTF_8));
            key.put(n.id(), java.util.HexFormat.of().formatHex(d, 0, 16));
        }
        final List<FleetView.Node> ordered = new ArrayList<>(nodes);
        ordered.sort(Comparator.comparing((FleetView.Node n) -> key.get(n.id())).thenComparing(FleetView.Node::id));
        return ordered;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Rollout.Baseline>[] newAssignment() {
        return new Map[] {new LinkedHashMap<String, Rollout.Baseline>()};
    }

    private <T> CompletableFuture<T> run(final Work<T> work) {
        final CompletableFuture<T> done = new CompletableFuture<>();
        try {
            thread.execute(() -> {
                try {
                    done.complete(work.run());
                } catch (final Throwable e) {
                    if (e instanceof SQLException) {
                        reloadAfterFailure();
                    }
                    done.completeExceptionally(e);
                }
            });
        } catch (final RuntimeException e) {
            done.completeExceptionally(e);
        }
        return done;
    }

    @FunctionalInterface
    private interface Work<T> {
        T run() throws Exception;
    }

    private static String detail(final ControlJson.Fields fields) {
        return ControlJson.text(fields);
    }

    private static String reasonText(final String why) {
        return detail(g -> g.writeStringField("why", why));
    }

    private static String gateReason(final GateFigures f) {
        return detail(g -> {
            g.writeStringField("gate", f.failed());
            g.writeStringField("why", f.why());
            g.writeFieldName("figures");
            f.write(g);
        });
    }

    private static String figuresJson(final GateFigures f) {
        return detail(g -> {
            g.writeFieldName("figures");
            f.write(g);
        });
    }

    static Answer error(final int status, final String code, final String message) {
        return new Answer(status, ControlJson.error(code, message));
    }

    private void summary(final JsonGenerator g, final Rollout r) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", r.id);
        g.writeStringField("group", r.spec.group());
        g.writeStringField("path", r.spec.path());
        g.writeStringField("module", r.module);
        g.writeStringField("from", r.fromVersion);
        g.writeStringField("to", r.toVersion);
        g.writeStringField("state", r.paused ? "paused" : r.state.wire());
        g.writeStringField("stage", r.state.wire());
        g.writeBooleanField("paused", r.paused);
        g.writeNumberField("wave", r.wave);
        g.writeNumberField("waves", r.spec.waves().size());
        g.writeNumberField("phaseStartedAt", r.phaseStarted);
        g.writeNumberField("createdAt", r.createdAt);
        g.writeNumberField("updatedAt", r.updatedAt);
        if (r.reason != null) {
            g.writeFieldName("reason");
            g.writeRawValue(r.reason);
        }
    }

    private byte[] describe(final Rollout r) throws IOException {
        final List<long[]> waves = r.waves;
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = ControlJson.JSON.createGenerator(out)) {
            summary(g, r);
            g.writeFieldName("spec");
            r.spec.write(g);
            g.writeArrayFieldStart("waveNodes");
            for (final long[] w : waves) {
                g.writeStartObject();
                g.writeNumberField("wave", w[0]);
                g.writeNumberField("percent", r.spec.waves().get((int) w[0] - 1));
                g.writeNumberField("nodes", w[1]);
                g.writeNumberField("startedAt", w[2]);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeNumberField("shadowNodes", r.shadows.size());
            if (r.lastFigures != null && r.state.active()) {
                g.writeFieldName("gates");
                r.lastFigures.write(g);
            }
            g.writeArrayFieldStart("shadowSamples");
            for (final Heartbeat.Sample s : r.samples) {
                g.writeStartObject();
                g.writeStringField("request", s.request());
                g.writeStringField("served", s.served());
                g.writeStringField("shadow", s.shadow());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        return out.toByteArray();
    }
}
