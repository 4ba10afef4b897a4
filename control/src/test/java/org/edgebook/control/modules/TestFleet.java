package org.edgebook.control.modules;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.edgebook.control.fleet.FleetListener;
import org.edgebook.control.fleet.FleetView;
import org.edgebook.control.fleet.Heartbeat;
import org.edgebook.control.fleet.NodeState;

/** A fleet of a few nodes held in a map, in the fleet's id order (shorter first, then as text). */
final class TestFleet implements FleetView {
    private final Map<String, Node> nodes = new TreeMap<>(java.util.Comparator.comparingInt(String::length)
            .thenComparing(java.util.Comparator.naturalOrder()));

    /** Adds or replaces a node; {@code routes} are {@code path=module@version} of its last heartbeat, or null. */
    TestFleet node(final String id, final Map<String, String> labels, final NodeState state,
                   final String... routes) {
        Heartbeat last = null;
        if (routes != null) {
            final List<Heartbeat.Route> reported = java.util.Arrays.stream(routes).map(r -> {
                final String path = r.substring(0, r.indexOf('='));
                final String module = r.substring(r.indexOf('=') + 1, r.indexOf('@'));
                final String version = r.substring(r.indexOf('@') + 1);
                return new Heartbeat.Route(path, module, version, "", 10, 0, 100, 200, null);
            }).toList();
            last = new Heartbeat(id, 1, 1, "test", Map.of(), "ok", "", reported, List.of(), null);
        }
        nodes.put(id, new Node(id, id, "eu-west", labels, state, 0, last));
        return this;
    }

    @Override
    public Node node(final String id) {
        return nodes.get(id);
    }

    @Override
    public void forEach(final Consumer<Node> action) {
        nodes.values().forEach(action);
    }

    @Override
    public void listen(final FleetListener listener) {
    }
}
