package org.edgebook.control.fleet;

/**
 * Told of every heartbeat and every change of a node's state, in the order the fleet saw them (rollout gates listen).
 * <p>
 * Threading: called on the fleet's single writer thread; a listener must not block it.
 */
public interface FleetListener {
    void onHeartbeat(Heartbeat heartbeat);

    void onStateChange(String nodeId, NodeState from, NodeState to, long at);
}
