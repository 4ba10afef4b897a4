package org.edgebook.control.modules;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.edgebook.codec.CanonicalJson;

/**
 * Node groups in the store (docs/control-plane.md section 6): {@code PUT /v1/groups/{name}} makes or replaces one,
 * checked: a selector of at most {@link #MAX_LABELS} labels, a priority of at most a million either way, at most
 * {@link #MAX_ROUTES} routes with distinct paths, each naming a module version in the registry. Each method runs in
 * the caller's transaction and throws a {@link Refusal} before it writes anything.
 * <p>
 * Threading: stateless and thread-safe.
 */
public final class Groups {
    public static final int MAX_LABELS = 32;
    /** As many routes as a heartbeat may report. */
    public static final int MAX_ROUTES = 64;
    public static final int MAX_PRIORITY = 1_000_000;
    private static final Pattern LABEL_KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]{0,62}");
    private static final Pattern PATH = Pattern.compile("/[A-Za-z0-9._~/-]{1,255}");
    private static final Set<String> FIELDS = Set.of("selector", "priority", "routes");
    private static final Set<String> ROUTE_FIELDS = Set.of("path", "module", "version");

    private final ModuleRegistry modules;
    private final PublisherKeys keys;

    public Groups(final ModuleRegistry modules, final PublisherKeys keys) {
        this.modules = modules;
        this.keys = keys;
    }

    /** Checks {@code body} and makes or replaces group {@code name}. */
    public Group put(final Connection c, final String name, final Map<String, Object> body, final long now)
            throws SQLException {
        if (name == null || !Manifest.NAME.matcher(name).matches()) {
            throw Refusal.malformed("name", "must match [a-z0-9-]{1,64}, not '" + Manifest.clip(String.valueOf(
                    name)) + "'");
        }
        JsonBody.only(body, "", FIELDS);
        final Map<String, String> selector = selector(JsonBody.object(body, "selector", "selector", false));
        final Object p = body.getOrDefault("priority", 0L);
        if (!(p instanceof Long priority) || Math.abs(priority) > MAX_PRIORITY) {
            throw Refusal.malformed("priority", "must be an integer from -" + MAX_PRIORITY + " to " + MAX_PRIORITY
                    + ", not " + p);
        }
        final List<Group.Route> routes = routes(c, body.get("routes"));
        final Group group = new Group(name, selector, priority.intValue(), routes, now);
        try (PreparedStatement s = c.prepareStatement("DELETE FROM node_groups WHERE name = ?")) {
            s.setString(1, name);
            s.executeUpdate();
        }
        try (PreparedStatement s = c.prepareStatement("INSERT INTO node_groups (name, selector, priority, routes, "
                + "updated_at) VALUES (?, ?, ?, ?, ?)")) {
            s.setString(1, name);
            s.setString(2, CanonicalJson.write(new TreeMap<String, Object>(selector)));
            s.setInt(3, group.priority());
            s.setString(4, CanonicalJson.write(routesJson(routes)));
            s.setLong(5, now);
            s.executeUpdate();
        }
        return group;
    }

    /**
     * Sets the version behind {@code path} in group {@code name} (a rollout that completes, in its own transaction;
     * {@link DesiredStates#reload} after the commit): 404 {@code group_unknown} or {@code route_unknown}, 422
     * {@code module_unknown}.
     */
    public Group setVersion(final Connection c, final String name, final String path, final String version,
                            final long now) throws SQLException {
        final Group group = find(c, name);
        if (group == null) {
            throw new Refusal(404, "group_unknown", "group: no group " + Manifest.clip(String.valueOf(name)));
        }
        final Group.Route route = group.route(path);
        if (route == null) {
            throw new Refusal(404, "route_unknown", "path: group " + name + " has no route " + Manifest.clip(String
                    .valueOf(path)));
        }
        if (modules.find(c, route.module(), version) == null) {
            throw new Refusal(422, "module_unknown", "version: no module " + route.module() + "@" + Manifest.clip(
                    String.valueOf(version)) + " in the registry");
        }
        final List<Group.Route> routes = new ArrayList<>();
        for (final Group.Route r : group.routes()) {
            routes.add(r.path().equals(path) ? new Group.Route(path, r.module(), version) : r);
        }
        try (PreparedStatement s = c.prepareStatement(
                "UPDATE node_groups SET routes = ?, updated_at = ? WHERE name = ?")) {
            s.setString(1, CanonicalJson.write(routesJson(routes)));
            s.setLong(2, now);
            s.setString(3, name);
            s.executeUpdate();
        }
        return new Group(name, group.selector(), group.priority(), routes, now);
    }

    /** The group, or null. */
    public Group find(final Connection c, final String name) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT name, selector, priority, routes, updated_at FROM node_groups WHERE name = ?")) {
            s.setString(1, name);
            final List<Group> found = read(s);
            return found.isEmpty() ? null : found.getFirst();
        }
    }

    /** Every group, in the order a node is matched: highest priority first, then lowest name. */
    public List<Group> list(final Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT name, selector, priority, routes, updated_at FROM node_groups")) {
            final List<Group> groups = new ArrayList<>(read(s));
            groups.sort(MATCH_ORDER);
            return groups;
        }
    }

    /** Highest priority first, then lowest name (Java's order of names, the same on both stores). */
    public static final Comparator<Group> MATCH_ORDER = Comparator.comparingInt(Group::priority).reversed()
            .thenComparing(Group::name);

    private static Map<String, String> selector(final Map<String, Object> given) {
        final Map<String, String> selector = new TreeMap<>();
        if (given == null) {
            return selector;
        }
        if (given.size() > MAX_LABELS) {
            throw Refusal.malformed("selector", "at most " + MAX_LABELS + " labels, not " + given.size());
        }
        given.forEach((k, v) -> {
            if (!LABEL_KEY.matcher(k).matches()) {
                throw Refusal.malformed("selector." + Manifest.clip(k), "a label name is 1 to 63 of A-Z a-z 0-9 . _ "
                        + "/ -, starting with a letter or digit");
            }
            if (!(v instanceof String s) || s.length() > 63) {
                throw Refusal.malformed("selector." + k, "a label value is a string of at most 63 characters");
            }
            selector.put(k, s);
        });
        return selector;
    }

    private List<Group.Route> routes(final Connection c, final Object given) throws SQLException {
        if (given == null || given == CanonicalJson.NULL) {
            return List.of();
        }
        if (!(given instanceof List<?> list)) {
            throw Refusal.malformed("routes", "must be an array");
        }
        if (list.size() > MAX_ROUTES) {
            throw Refusal.malformed("routes", "at most " + MAX_ROUTES + " routes, not " + list.size());
        }
        final List<Group.Route> routes = new ArrayList<>();
        final Set<String> paths = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            final String field = "routes[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> raw)) {
                throw Refusal.malformed(field, "must be a JSON object");
            }
            @SuppressWarnings("unchecked")
            final Map<String, Object> route = (Map<String, Object>) raw;
            JsonBody.only(route, field, ROUTE_FIELDS);
            final String path = JsonBody.string(route, field + ".path", "path", true);
            if (!PATH.matcher(path).matches() || path.equals("/health") || path.equals("/metrics")) {
                throw Refusal.malformed(field + ".path", "a path starts with / and has at most 256 of A-Z a-z 0-9 "
                        + ". _ ~ / - (not /health or /metrics, the node's own), not '" + Manifest.clip(path) + "'");
            }
            if (!paths.add(path)) {
                throw Refusal.malformed(field + ".path", path + " appears twice");
            }
            final String module = JsonBody.string(route, field + ".module", "module", true);
            final String version = JsonBody.string(route, field + ".version", "version", true);
            final ModuleVersion found = modules.find(c, module, version);
            if (found == null) {
                throw new Refusal(422, "module_unknown", field + ": no module " + Manifest.clip(module) + "@"
                        + Manifest.clip(version) + " in the registry; upload it first");
            }
            final PublisherKey key = keys.find(c, found.keyId());
            if (key == null || !key.active()) {
                throw new Refusal(422, "key_revoked", field + ": " + module + "@" + version + " is signed by "
                        + found.keyId() + ", which is revoked; nodes would refuse it");
            }
            routes.add(new Group.Route(path, module, version));
        }
        routes.sort(Comparator.comparing(Group.Route::path));
        return routes;
    }

    private static List<Object> routesJson(final List<Group.Route> routes) {
        final List<Object> out = new ArrayList<>();
        for (final Group.Route r : routes) {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("path", r.path());
            m.put("module", r.module());
            m.put("version", r.version());
            out.add(m);
        }
        return out;
    }

    private static List<Group> read(final PreparedStatement s) throws SQLException {
        final List<Group> groups = new ArrayList<>();
        try (ResultSet r = s.executeQuery()) {
            while (r.next()) {
                final Map<String, String> selector = new TreeMap<>();
                parse(r.getString(2)).forEach((k, v) -> selector.put(k, (String) v));
                final List<Group.Route> routes = new ArrayList<>();
                final String routesJson = "{\"r\":" + r.getString(4) + "}";
                for (final Object o : (List<?>) parse(routesJson).get("r")) {
                    final Map<?, ?> m = (Map<?, ?>) o;
                    routes.add(new Group.Route((String) m.get("path"), (String) m.get("module"), (String) m.get(
                            "version")));
                }
                groups.add(new Group(r.getString(1), selector, r.getInt(3), routes, r.getLong(5)));
            }
        }
        return groups;
    }

    private static Map<String, Object> parse(final String json) {
        final byte[] bytes = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return CanonicalJson.parseObject(bytes, 0, bytes.length);
    }
}
