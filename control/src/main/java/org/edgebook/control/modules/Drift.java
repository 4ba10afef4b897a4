package org.edgebook.control.modules;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.edgebook.control.fleet.FleetView;
import org.edgebook.control.fleet.Heartbeat;
import org.edgebook.control.fleet.NodeState;

/**
 * Drift (docs/control-plane.md sections 5 and 6): what a node should run (its group's routes, with the rollouts'
 * overrides) against what its last heartbeat reported. A node is in sync when, on every desired route, it reports the
 * desired module and version; a node that has not yet sent a heartbeat is drifted on every route. Revoked nodes are
 * left out.
 * <p>
 * Threading: thread-safe; each call walks the fleet's in-memory snapshot (no store access), so run it off the event
 * loop for a large fleet.
 */
public final class Drift {
    private final DesiredStates desired;
    private final FleetView fleet;

    public Drift(final DesiredStates desired, final FleetView fleet) {
        this.desired = desired;
        this.fleet = fleet;
    }

    /** A desired route the node does not run as desired; {@code reported…} are null when it reports no such path. */
    public record RouteDrift(String path, String module, String desiredVersion, String reportedModule,
                             String reportedVersion) {
    }

    /** A node's group (null for none), desired routes, and the routes that drift from them. */
    public record NodeDrift(String nodeId, String group, List<DesiredRoute> desired, List<RouteDrift> drifted) {
        public boolean inSync() {
            return drifted.isEmpty();
        }
    }

    /** A group's nodes: how many, how many in sync and drifted, and a page of the drifted ones (by node id). */
    public record GroupDrift(String group, int nodes, int inSync, int drifted, List<NodeDrift> page, String next) {
    }

    /** The drift of node {@code nodeId}, or null when there is no such node. */
    public NodeDrift drift(final String nodeId) {
        final FleetView.Node node = fleet.node(nodeId);
        return node == null ? null : drift(node);
    }

    /** The drift of {@code node}. */
    public NodeDrift drift(final FleetView.Node node) {
        final Group group = desired.groupOf(node.labels());
        if (group == null) {
            return new NodeDrift(node.id(), null, List.of(), List.of());
        }
        final List<DesiredRoute> routes = desired.routes(node.id(), node.labels());
        return new NodeDrift(node.id(), group.name(), routes, drifted(routes, node.last()));
    }

    /**
     * Group {@code name}'s nodes and the drifted ones after node id {@code after} (null: from the first), at most
     * {@code limit}; {@code next} is the last id of the page when more follow.
     */
    public GroupDrift group(final String name, final int limit, final String after) {
        final int[] counts = new int[3];
        final List<NodeDrift> page = new ArrayList<>();
        final String[] next = {null};
        fleet.forEach(node -> {
            if (node.state() == NodeState.REVOKED) {
                return;
            }
            final Group group = desired.groupOf(node.labels());
            if (group == null || !group.name().equals(name)) {
                return;
            }
            final NodeDrift d = drift(node);
            counts[0]++;
            if (d.inSync()) {
                counts[1]++;
                return;
            }
            counts[2]++;
            if (after != null && !idAfter(node.id(), after)) {
                return;
            }
            if (page.size() < limit) {
                page.add(d);
            } else if (next[0] == null) {
                next[0] = page.getLast().nodeId();
            }
        });
        return new GroupDrift(name, counts[0], counts[1], counts[2], page, next[0]);
    }

    /** For each group: {nodes, inSync, drifted}, in one walk of the fleet. */
    public Map<String, int[]> counts() {
        final Map<String, int[]> counts = new HashMap<>();
        for (final Group g : desired.groups()) {
            counts.put(g.name(), new int[3]);
        }
        fleet.forEach(node -> {
            if (node.state() == NodeState.REVOKED) {
                return;
            }
            final Group group = desired.groupOf(node.labels());
            if (group == null) {
                return;
            }
            final int[] c = counts.computeIfAbsent(group.name(), g -> new int[3]);
            c[0]++;
            c[drift(node).inSync() ? 1 : 2]++;
        });
        return counts;
    }

    /**
     * Whether {@code id} comes after {@code after} in the fleet's order of node ids: shorter first, then as text, so
     * that {@code n-9} comes before {@code n-10}.
     */
    static boolean idAfter(final String id, final String after) {
        return id.length() != after.length() ? id.length() > after.length() : id.compareTo(after) > 0;
    }

    private static List<RouteDrift> drifted(final List<DesiredRoute> routes, final Heartbeat last) {
        List<RouteDrift> drifted = null;
        for (final DesiredRoute r : routes) {
            Heartbeat.Route reported = null;
            if (last != null && last.routes() != null) {
                for (final Heartbeat.Route h : last.routes()) {
                    if (h.path().equals(r.path())) {
                        reported = h;
                        break;
                    }
                }
            }
            if (reported == null || !r.module().name().equals(reported.module()) || !r.module().version().equals(
                    reported.version())) {
                if (drifted == null) {
                    drifted = new ArrayList<>();
                }
                drifted.add(new RouteDrift(r.path(), r.module().name(), r.module().version(), reported == null ? null
                        : reported.module(), reported == null ? null : reported.version()));
            }
        }
        return drifted == null ? List.of() : drifted;
    }
}
