package org.edgebook.control.rollout;

import java.sql.Connection;
import java.sql.SQLException;
import org.edgebook.control.fleet.FleetView;
import org.edgebook.control.modules.DesiredStates;
import org.edgebook.control.modules.Group;
import org.edgebook.control.modules.Groups;
import org.edgebook.control.modules.ModuleVersion;

/**
 * {@link RolloutTargets} over the modules area: groups and module versions from the desired state's in-memory
 * catalog, the completion through {@link Groups#setVersion}.
 * <p>
 * Threading: thread-safe, as the catalog is.
 */
public final class ModuleTargets implements RolloutTargets {
    private final DesiredStates desired;
    private final Groups groups;

    public ModuleTargets(final DesiredStates desired, final Groups groups) {
        this.desired = desired;
        this.groups = groups;
    }

    @Override
    public Route route(final String group, final String path) {
        final Group g = desired.group(group);
        final Group.Route r = g == null ? null : g.route(path);
        return r == null ? null : new Route(r.module(), r.version());
    }

    @Override
    public String sha256(final String module, final String version) {
        final ModuleVersion m = desired.module(module, version);
        return m == null ? null : m.sha256();
    }

    @Override
    public boolean inGroup(final FleetView.Node node, final String group) {
        final Group g = desired.groupOf(node.labels());
        return g != null && g.name().equals(group);
    }

    @Override
    public void setVersion(final Connection c, final String group, final String path, final String version,
                           final long now) throws SQLException {
        groups.setVersion(c, group, path, version, now);
    }

    @Override
    public void versionCommitted() throws SQLException {
        desired.reload();
    }
}
