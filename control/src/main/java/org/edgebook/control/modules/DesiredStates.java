package org.edgebook.control.modules;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.edgebook.codec.CanonicalJson;
import org.edgebook.codec.ModuleSignature;
import org.edgebook.control.ControlJson;
import org.edgebook.control.store.Database;

/**
 * Each node's desired state (docs/control-plane.md section 6), from an in-memory catalog of the groups, the module
 * versions and the publisher keys: a node belongs to the matching group of highest priority, then lowest name; its
 * desired state is that group's routes, each with its module version's hash, manifest, key and signature, changed by
 * what the rollouts' {@link RouteOverrides} say for the node (another version, a shadow), and every publisher key,
 * so that nodes learn rotations and revocations. {@code hash} is the SHA-256 (hex) of the canonical JSON of
 * {@code {"routes":…,"publishers":…}}, so that a key's revocation reaches every node.
 * <p>
 * Cheap per call (each heartbeat asks): the groups are matched in memory, the rollout hook is asked once per node,
 * and each answer is built once per group and set of overrides, then kept until the catalog changes. Whoever changes
 * groups, modules or keys calls {@link #reload} after its commit; a reload drops every cached answer.
 * <p>
 * Threading: thread-safe; {@link #forNode} never blocks; {@link #reload} reads the store (a worker thread).
 */
public final class DesiredStates implements DesiredStateSource {
    /** Beyond this many cached answers with overrides, the cache starts over (rollouts come and go). */
    private static final int MAX_OVERRIDDEN = 65_536;

    private final Database db;
    private final PublisherKeys keys;
    private final ModuleRegistry modules;
    private final Groups groups;
    private volatile RouteOverrides overrides = RouteOverrides.NONE;
    private volatile Catalog catalog;

    /** Loads the catalog from {@code db}. */
    public DesiredStates(final Database db, final PublisherKeys keys, final ModuleRegistry modules,
                         final Groups groups) throws SQLException {
        this.db = db;
        this.keys = keys;
        this.modules = modules;
        this.groups = groups;
        reload();
    }

    /** Sets the rollouts' hook (before the server listens, or any time: it is read on each call). */
    /** The rollouts' hook, or {@link RouteOverrides#NONE}. */
    public RouteOverrides overrides() {
        return overrides;
    }

    public void overrides(final RouteOverrides hook) {
        this.overrides = hook == null ? RouteOverrides.NONE : hook;
    }

    /** Reads the groups, module versions and publisher keys again, and drops every cached answer. */
    public synchronized void reload() throws SQLException {
        catalog = db.inTransaction(c -> new Catalog(groups.list(c), modules.list(c), keys.list(c)));
    }

    /** The group a node with {@code labels} belongs to, or null. */
    public Group groupOf(final Map<String, String> labels) {
        return groupOf(catalog, labels);
    }

    /** The group named {@code name}, or null. */
    public Group group(final String name) {
        return catalog.byName.get(name);
    }

    /** Every group, in match order. */
    public List<Group> groups() {
        return catalog.groups;
    }

    /** The module version, from the catalog, or null. */
    public ModuleVersion module(final String name, final String version) {
        return catalog.modules.get(name + "@" + version);
    }

    @Override
    public Desired forNode(final String nodeId, final Map<String, String> labels) {
        final Catalog cat = catalog;
        final Group group = groupOf(cat, labels);
        if (group == null) {
            return NONE;
        }
        final Map<String, RouteOverrides.Override> o = relevant(group, overrides.forNode(nodeId, group.name()));
        if (o == null) {
            return cat.plain.computeIfAbsent(group.name(), n -> cat.build(group, null));
        }
        final OverrideKey key = new OverrideKey(group.name(), o);
        final Desired cached = cat.overridden.get(key);
        if (cached != null) {
            return cached;
        }
        if (cat.overridden.size() >= MAX_OVERRIDDEN) {
            cat.overridden.clear();
        }
        return cat.overridden.computeIfAbsent(key, k -> cat.build(group, o));
    }

    /** The routes node {@code nodeId} with {@code labels} should run, overrides applied; empty in no group. */
    public List<DesiredRoute> routes(final String nodeId, final Map<String, String> labels) {
        final Catalog cat = catalog;
        final Group group = groupOf(cat, labels);
        return group == null ? List.of() : cat.routes(group, overrides.forNode(nodeId, group.name()));
    }

    /**
     * The overrides of {@code group}'s routes among {@code given}, or null for none: overrides of paths the group
     * does not have change nothing, so they must not make an answer of their own.
     */
    private static Map<String, RouteOverrides.Override> relevant(final Group group,
                                                                 final Map<String, RouteOverrides.Override> given) {
        if (given == null || given.isEmpty()) {
            return null;
        }
        int relevant = 0;
        for (final String path : given.keySet()) {
            if (group.route(path) != null) {
                relevant++;
            }
        }
        if (relevant == given.size()) {
            return given;
        }
        if (relevant == 0) {
            return null;
        }
        final Map<String, RouteOverrides.Override> kept = new HashMap<>();
        given.forEach((path, o) -> {
            if (group.route(path) != null) {
                kept.put(path, o);
            }
        });
        return kept;
    }

    private static Group groupOf(final Catalog cat, final Map<String, String> labels) {
        for (final Group g : cat.groups) {
            if (g.matches(labels)) {
                return g;
            }
        }
        return null;
    }

    private record OverrideKey(String group, Map<String, RouteOverrides.Override> overrides) {
    }

    /** One reading of the store, and the answers built from it. */
    private static final class Catalog {
        final List<Group> groups;
        final Map<String, Group> byName = new HashMap<>();
        final Map<String, ModuleVersion> modules = new HashMap<>();
        final List<PublisherKey> keys;
        final ConcurrentHashMap<String, Desired> plain = new ConcurrentHashMap<>();
        final ConcurrentHashMap<OverrideKey, Desired> overridden = new ConcurrentHashMap<>();

        Catalog(final List<Group> groups, final List<ModuleVersion> modules, final List<PublisherKey> keys) {
            this.groups = List.copyOf(groups);
            this.keys = List.copyOf(keys);
            for (final Group g : groups) {
                byName.put(g.name(), g);
            }
            for (final ModuleVersion m : modules) {
                this.modules.put(m.name() + "@" + m.version(), m);
            }
        }

        List<DesiredRoute> routes(final Group group, final Map<String, RouteOverrides.Override> o) {
            final List<DesiredRoute> routes = new ArrayList<>(group.routes().size());
            for (final Group.Route r : group.routes()) {
                final RouteOverrides.Override over = o == null ? null : o.get(r.path());
                ModuleVersion served = modules.get(r.module() + "@" + r.version());
                ModuleVersion shadow = null;
                if (over != null) {
                    if (over.version() != null && modules.containsKey(r.module() + "@" + over.version())) {
                        served = modules.get(r.module() + "@" + over.version());
                    }
                    if (over.shadow() != null) {
                        shadow = modules.get(r.module() + "@" + over.shadow());
                    }
                }
                if (served != null) {
                    routes.add(new DesiredRoute(r.path(), served, shadow));
                }
            }
            return routes;
        }

        Desired build(final Group group, final Map<String, RouteOverrides.Override> o) {
            final List<Object> routes = new ArrayList<>();
            for (final DesiredRoute r : routes(group, o)) {
                final Map<String, Object> route = new LinkedHashMap<>();
                route.put("path", r.path());
                fields(route, r.module());
                if (r.shadow() == null) {
                    route.put("shadow", CanonicalJson.NULL);
                } else {
                    final Map<String, Object> shadow = new LinkedHashMap<>();
                    fields(shadow, r.shadow());
                    route.put("shadow", shadow);
                }
                routes.add(route);
            }
            final List<Object> publishers = new ArrayList<>();
            for (final PublisherKey k : keys) {
                final Map<String, Object> key = new LinkedHashMap<>();
                key.put("publisher", k.publisher());
                key.put("keyId", k.keyId());
                key.put("publicKey", k.publicKey());
                key.put("state", k.state());
                key.put("endorsedBy", k.endorsedBy() == null ? CanonicalJson.NULL : k.endorsedBy());
                key.put("endorsement", k.endorsement() == null ? CanonicalJson.NULL : k.endorsement());
                publishers.add(key);
            }
            // The hash covers the keys too: a revoked or rotated key changes it, so every node fetches it again.
            final String hash = ModuleSignature.sha256Hex(CanonicalJson.bytes(Map.of("routes", routes, "publishers",
                    publishers)));
            return new Desired(hash, ControlJson.object(json -> {
                json.writeStringField("hash", hash);
                json.writeFieldName("routes");
                ModuleJson.value(json, routes);
                json.writeFieldName("publishers");
                ModuleJson.value(json, publishers);
            }));
        }

        private static void fields(final Map<String, Object> into, final ModuleVersion m) {
            into.put("module", m.name());
            into.put("version", m.version());
            into.put("sha256", m.sha256());
            into.put("manifest", m.manifest().toMap());
            into.put("keyId", m.keyId());
            into.put("signature", m.signature());
        }
    }
}
