package org.edgebook.control.rollout;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.edgebook.control.fleet.Heartbeat;

/**
 * One rollout as the engine holds it: its durable part (as in the store: state, wave, when the phase started, the
 * nodes assigned) and what it has observed since its phase started or the control plane started, whichever is later
 * (not kept: after a restart a wave soaks on fresh heartbeats, so no gate is passed on data it did not see).
 * <p>
 * Threading: owned by the {@link RolloutEngine}'s thread.
 */
final class Rollout {
    enum State {
        SHADOW, WAVE, COMPLETED, ROLLED_BACK, ABORTED,
        /** Aborted, then replaced by a new rollout of the same group and path: it holds no nodes any more. */
        SUPERSEDED;

        String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        boolean active() {
            return this == SHADOW || this == WAVE;
        }
    }

    /** A node's figures before it was updated: its last heartbeat on the path. */
    record Baseline(int wave, long assignedAt, long requests, long errors, long p99Micros) {
    }

    final String id;
    final RolloutSpec spec;
    final String module;
    final String fromVersion;
    final String toVersion;
    final String toSha256;
    final long createdAt;
    State state;
    boolean paused;
    /** 0 in the shadow stage, then 1 to the number of waves. */
    int wave;
    long phaseStarted;
    long updatedAt;
    String reason;
    final Map<String, Baseline> assigned = new HashMap<>();
    final Set<String> shadows = new HashSet<>();
    /** Per wave: {wave, nodes assigned, when}; held here so that answering never reads the store. */
    final List<long[]> waves = new ArrayList<>();
    /** Completed, but the catalog has not yet read the group's new version: its overrides stay until it has. */
    boolean catalogStale;

    // Observed, not kept.
    long observedSince;
    final Map<String, long[]> updatedFigures = new HashMap<>(); // node -> {requests, errors, lastP99}
    final Map<String, Long> othersP99 = new HashMap<>();
    long othersRequests;
    long othersErrors;
    final Set<String> failedLoads = new HashSet<>();
    final List<String> failedLoadReasons = new ArrayList<>();
    final Set<String> shadowReported = new HashSet<>();
    long shadowCompared;
    long shadowMismatches;
    final List<Heartbeat.Sample> samples = new ArrayList<>();
    GateFigures lastFigures;

    Rollout(final String id, final RolloutSpec spec, final String module, final String fromVersion,
            final String toVersion, final String toSha256, final long createdAt) {
        this.id = id;
        this.spec = spec;
        this.module = module;
        this.fromVersion = fromVersion;
        this.toVersion = toVersion;
        this.toSha256 = toSha256;
        this.createdAt = createdAt;
    }

    /** Forgets what was observed: a new phase, or a restart, starts counting again. */
    void startObserving(final long at) {
        observedSince = at;
        othersP99.clear();
        othersRequests = 0;
        othersErrors = 0;
        shadowReported.clear();
        shadowCompared = 0;
        shadowMismatches = 0;
        // updatedFigures and failedLoads span the rollout: an updated node stays updated across waves.
    }
}
