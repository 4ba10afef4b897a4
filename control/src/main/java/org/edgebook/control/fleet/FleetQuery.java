package org.edgebook.control.fleet;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.edgebook.control.ControlJson;
import org.edgebook.control.Refusal;
import org.edgebook.control.modules.DesiredStateSource;

/**
 * The operator's questions about the fleet (docs/control-plane.md section 5), answered from memory: filters (region,
 * every {@code label=K=V}, state, {@code module=NAME@VERSION} on any route), keyset pages in id order ({@code after}
 * is the last id of the previous page, so a node that exists through the walk is neither repeated nor skipped),
 * counts, and one node's detail.
 * <p>
 * Threading: thread-safe; reads the fleet's published members.
 */
public final class FleetQuery {
    public static final int MAX_LIMIT = 1000;

    /** The filters; a null member matches everything. */
    public record Filter(String region, Map<String, String> labels, NodeState state, String module, String version) {
        boolean matches(final FleetView.Node n) {
            if (region != null && !region.equals(n.region()) || state != null && state != n.state()) {
                return false;
            }
            for (final Map.Entry<String, String> e : labels.entrySet()) {
                if (!e.getValue().equals(n.labels().get(e.getKey()))) {
                    return false;
                }
            }
            if (module != null) {
                if (n.last() == null) {
                    return false;
                }
                for (final Heartbeat.Route r : n.last().routes()) {
                    if (module.equals(r.module()) && version.equals(r.version())) {
                        return true;
                    }
                }
                return false;
            }
            return true;
        }

        /** The filter from a query's parameters; a malformed one is refused naming the parameter. */
        public static Filter of(final String region, final List<String> labels, final String state,
                                final String module) {
            final Map<String, String> wanted = new TreeMap<>();
            for (final String label : labels) {
                final int eq = label.indexOf('=');
                if (eq <= 0) {
                    throw Refusal.malformed("label is KEY=VALUE, not " + label);
                }
                wanted.put(label.substring(0, eq), label.substring(eq + 1));
            }
            NodeState s = null;
            if (state != null) {
                try {
                    s = NodeState.valueOf(state.toUpperCase(java.util.Locale.ROOT));
                } catch (final IllegalArgumentException e) {
                    throw Refusal.malformed("state is up, late, down or revoked, not " + state);
                }
            }
            String name = null;
            String version = null;
            if (module != null) {
                final int at = module.indexOf('@');
                if (at <= 0 || at == module.length() - 1) {
                    throw Refusal.malformed("module is NAME@VERSION, not " + module);
                }
                name = module.substring(0, at);
                version = module.substring(at + 1);
            }
            return new Filter(region, wanted, s, name, version);
        }
    }

    private final Fleet fleet;

    public FleetQuery(final Fleet fleet) {
        this.fleet = fleet;
    }

    /** {@code GET /v1/nodes}: a page of at most {@code limit} nodes after {@code after}. */
    public byte[] page(final Filter filter, final String after, final int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw Refusal.malformed("limit is from 1 to " + MAX_LIMIT + ", not " + limit);
        }
        if (after != null && !NodeIds.valid(after)) {
            throw Refusal.malformed("after is a node id (n-<number>), not " + after);
        }
        final List<Fleet.Member> page = new ArrayList<>(Math.min(limit, 128));
        boolean more = false;
        for (final Fleet.Member m : fleet.membersAfter(after)) {
            if (!filter.matches(m.node())) {
                continue;
            }
            if (page.size() == limit) {
                more = true;
                break;
            }
            page.add(m);
        }
        final boolean hasMore = more;
        return ControlJson.object(json -> {
            json.writeArrayFieldStart("nodes");
            for (final Fleet.Member m : page) {
                json.writeStartObject();
                summary(json, m);
                json.writeEndObject();
            }
            json.writeEndArray();
            if (hasMore) {
                json.writeStringField("next", page.getLast().node().id());
            } else {
                json.writeNullField("next");
            }
        });
    }

    /** {@code GET /v1/nodes/counts?by=region|state|version|label:KEY}. */
    public byte[] counts(final Filter filter, final String by) {
        if (by == null || !(by.equals("region") || by.equals("state") || by.equals("version")
                || by.startsWith("label:") && by.length() > 6)) {
            throw Refusal.malformed("by is region, state, version or label:KEY, not " + by);
        }
        final Map<String, Long> counts = new TreeMap<>();
        long total = 0;
        for (final Fleet.Member m : fleet.membersAfter(null)) {
            final FleetView.Node n = m.node();
            if (!filter.matches(n)) {
                continue;
            }
            total++;
            switch (by) {
                case "region" -> counts.merge(n.region() == null ? "" : n.region(), 1L, Long::sum);
                case "state" -> counts.merge(n.state().wire(), 1L, Long::sum);
                case "version" -> {
                    if (n.last() != null) {
                        for (final Heartbeat.Route r : n.last().routes()) {
                            counts.merge(r.module() + "@" + r.version(), 1L, Long::sum);
                        }
                    }
                }
                default -> {
                    final String value = n.labels().get(by.substring(6));
                    if (value != null) {
                        counts.merge(value, 1L, Long::sum);
                    }
                }
            }
        }
        final long all = total;
        return ControlJson.object(json -> {
            json.writeStringField("by", by);
            json.writeNumberField("total", all);
            json.writeObjectFieldStart("counts");
            for (final Map.Entry<String, Long> e : counts.entrySet()) {
                json.writeNumberField(e.getKey(), e.getValue());
            }
            json.writeEndObject();
        });
    }

    /** {@code GET /v1/nodes/{id}}, or null if there is no such node. */
    public byte[] detail(final String id, final DesiredStateSource desired) {
        final Fleet.Member m = fleet.member(id);
        if (m == null) {
            return null;
        }
        final FleetView.Node n = m.node();
        final List<String[]> wanted = desiredRoutes(desired.forNode(id, n.labels()));
        return ControlJson.object(json -> {
            summary(json, m);
            json.writeNumberField("intervalMs", m.intervalMs());
            final Heartbeat h = n.last();
            if (h != null) {
                HeartbeatJson.routes(json, h);
                HeartbeatJson.telemetry(json, h.telemetry());
                HeartbeatJson.versions(json, h.versions());
                json.writeStringField("applied", h.applied());
            } else {
                json.writeArrayFieldStart("routes");
                json.writeEndArray();
                json.writeNullField("telemetry");
                json.writeObjectFieldStart("versions");
                json.writeEndObject();
            }
            json.writeNullField("group"); // the groups area names it (docs/control-plane.md section 6)
            json.writeArrayFieldStart("desired");
            for (final String[] r : wanted) {
                route(json, r);
            }
            json.writeEndArray();
            json.writeArrayFieldStart("drift");
            for (final String[] r : wanted) {
                if (!runs(h, r)) {
                    route(json, r);
                }
            }
            json.writeEndArray();
        });
    }

    private static boolean runs(final Heartbeat h, final String[] wanted) {
        if (h == null) {
            return false;
        }
        for (final Heartbeat.Route r : h.routes()) {
            if (r.path().equals(wanted[0])) {
                return r.module().equals(wanted[1]) && r.version().equals(wanted[2]);
            }
        }
        return false;
    }

    private static void route(final JsonGenerator json, final String[] r) throws IOException {
        json.writeStartObject();
        json.writeStringField("path", r[0]);
        json.writeStringField("module", r[1]);
        json.writeStringField("version", r[2]);
        json.writeEndObject();
    }

    /** path, module, version of each route of a desired state's JSON. */
    private static List<String[]> desiredRoutes(final DesiredStateSource.Desired desired) {
        final List<String[]> routes = new ArrayList<>();
        try (JsonParser p = ControlJson.JSON.createParser(desired.json())) {
            p.nextToken();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                final String field = p.currentName();
                p.nextToken();
                if (!field.equals("routes") || p.currentToken() != JsonToken.START_ARRAY) {
                    p.skipChildren();
                    continue;
                }
                while (p.nextToken() == JsonToken.START_OBJECT) {
                    final String[] r = {"", "", ""};
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        final String f = p.currentName();
                        p.nextToken();
                        switch (f) {
                            case "path" -> r[0] = p.getText();
                            case "module" -> r[1] = p.getText();
                            case "version" -> r[2] = p.getText();
                            default -> p.skipChildren();
                        }
                    }
                    routes.add(r);
                }
            }
        } catch (final IOException e) {
            throw new IllegalStateException("the desired state is not JSON: " + e.getMessage(), e);
        }
        return routes;
    }

    private static void summary(final JsonGenerator json, final Fleet.Member m) throws IOException {
        final FleetView.Node n = m.node();
        json.writeStringField("id", n.id());
        if (n.name() == null) {
            json.writeNullField("name");
        } else {
            json.writeStringField("name", n.name());
        }
        if (n.region() == null) {
            json.writeNullField("region");
        } else {
            json.writeStringField("region", n.region());
        }
        ControlJson.labels(json, "labels", n.labels());
        json.writeStringField("state", n.state().wire());
        json.writeNumberField("enrolledAt", n.enrolledAt());
        if (n.last() == null) {
            json.writeNullField("lastHeartbeatAt");
            json.writeNullField("health");
        } else {
            json.writeNumberField("lastHeartbeatAt", n.last().receivedAt());
            json.writeStringField("health", n.last().health());
        }
    }
}
