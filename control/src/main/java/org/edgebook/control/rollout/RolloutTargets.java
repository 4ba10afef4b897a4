package org.edgebook.control.rollout;

import java.sql.Connection;
import java.sql.SQLException;
import org.edgebook.control.fleet.FleetView;

/**
 * What a rollout needs of groups and modules: the version a group runs on a path, whether a version exists, which
 * group a node is in, and moving the group to the new version when a rollout completes.
 * <p>
 * Threading: thread-safe.
 */
public interface RolloutTargets {
    /** A group's route: the module and version behind a path. */
    record Route(String module, String version) {
    }

    /** What {@code group} runs on {@code path}, or null if the group or the route does not exist. */
    Route route(String group, String path) throws SQLException;

    /** The SHA-256 of module {@code module} at {@code version}, or null if it is not in the registry. */
    String sha256(String module, String version) throws SQLException;

    /** Whether {@code node} is in {@code group} (the group it belongs to is that one). */
    boolean inGroup(FleetView.Node node, String group);

    /** Moves {@code group}'s route on {@code path} to {@code version}, in the caller's transaction. */
    void setVersion(Connection c, String group, String path, String version, long now) throws SQLException;

    /** Called after the transaction of {@link #setVersion} committed: the desired state reads it again. */
    void versionCommitted() throws SQLException;
}
