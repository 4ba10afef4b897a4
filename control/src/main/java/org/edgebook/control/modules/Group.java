package org.edgebook.control.modules;

import java.util.List;
import java.util.Map;

/**
 * A node group (docs/control-plane.md section 6): the nodes whose labels hold every label of {@code selector}, its
 * {@code priority} among the groups a node matches, and the routes its nodes run, ordered by path.
 * <p>
 * Threading: immutable.
 */
public record Group(String name, Map<String, String> selector, int priority, List<Route> routes, long updatedAt) {
    /** A route of the group: the path and the module version behind it. */
    public record Route(String path, String module, String version) {
    }

    public Group {
        selector = Map.copyOf(selector);
        routes = List.copyOf(routes);
    }

    /** Whether a node with {@code labels} matches: every selector label is among them, with the same value. */
    public boolean matches(final Map<String, String> labels) {
        if (selector.isEmpty()) {
            return true;
        }
        if (labels == null) {
            return false;
        }
        for (final Map.Entry<String, String> e : selector.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /** The route at {@code path}, or null. */
    public Route route(final String path) {
        for (final Route r : routes) {
            if (r.path().equals(path)) {
                return r;
            }
        }
        return null;
    }
}
