package org.edgebook.control.modules;

import java.util.Map;

/**
 * The rollouts' hook into desired state (docs/control-plane.md section 7): for a node of a group, the routes whose
 * version a rollout changes, and the shadow a route runs beside its served version. Asked on every desired-state
 * lookup (each heartbeat), so an implementation answers a node in no active rollout with one map lookup and no
 * allocation ({@code null}).
 * <p>
 * Threading: implementations are thread-safe and never block.
 */
@FunctionalInterface
public interface RouteOverrides {
    /** No rollout changes anything. */
    RouteOverrides NONE = (nodeId, group) -> null;

    /**
     * What a rollout changes for one route.
     *
     * @param version the version to serve instead of the group's, or null to serve the group's
     * @param shadow  the version to run beside it on a copy of live requests (the shadow stage), or null
     */
    record Override(String version, String shadow) {
    }

    /**
     * The overrides of node {@code nodeId} in {@code group}, by route path; null (or empty) when none. The map is
     * not changed after it is returned (the desired state caches by it).
     */
    Map<String, Override> forNode(String nodeId, String group);

    /**
     * The id of the active rollout moving {@code group}, or null: a group is not changed by hand while a rollout
     * moves it (the rollout would overwrite the change when it completes).
     */
    default String movingGroup(final String group) {
        return null;
    }
}
