package org.edgebook.control.fleet;

import java.util.Map;
import java.util.function.Consumer;

/**
 * What the rest of the control plane may read of the fleet held in memory (modules, desired state and rollouts read
 * it; only the fleet writes it).
 * <p>
 * Threading: thread-safe; a snapshot may be a heartbeat old.
 */
public interface FleetView {
    /** A node as last seen; {@code last} is null before its first heartbeat. */
    record Node(String id, String name, String region, Map<String, String> labels, NodeState state, long enrolledAt,
                Heartbeat last) {
    }

    /** The node, or null if none has that id. */
    Node node(String id);

    /** Every node, in id order. */
    void forEach(Consumer<Node> action);

    /** Registers a listener (before the server listens). */
    void listen(FleetListener listener);
}
