package org.edgebook.edge.agent;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.edgebook.codec.ModuleSignature;
import org.edgebook.edge.EdgeConfig;
import org.edgebook.edge.EdgeNode;
import org.edgebook.sandbox.Convention;
import org.edgebook.sandbox.Limits;
import org.edgebook.sandbox.ModuleRejectedException;

/**
 * Applies a desired state to an edge node (docs/control-plane.md section 6): for each route, the module's bytes (from
 * the {@link ModuleStore}, else downloaded by hash and then kept there), checked to hash to {@code sha256}, their
 * manifest checked to name the route's module and version, their signature verified against the
 * {@link TrustedPublishers}; only then is the module swapped in ({@link EdgeNode#installModule}, with the manifest's
 * convention and limits). The same for a route's shadow ({@link EdgeNode#setShadow}); a route without one loses the
 * shadow it had.
 * <p>
 * A module that is refused (tampered, unsigned, untrusted, a manifest that does not fit, rejected by the sandbox) is
 * recorded as a {@link LoadFailure} for the next heartbeat, and its route keeps what it ran. A download that fails is
 * not a refusal: the state is left incomplete and retried. The desired state's hash counts as {@link #applied} only
 * when every route and shadow is in place.
 * <p>
 * Routes the node serves that the desired state does not name are left as they are (the contract has no removal).
 * <p>
 * Threading: one caller at a time (the control agent's ordered blocking step); {@link #apply}, the getters and
 * {@link #takeLoadFailures} are synchronized, so a test may call them from its own thread.
 */
public final class DesiredStateApplier {
    private static final System.Logger LOG = System.getLogger("edgebook.agent");
    private static final List<String> LIMIT_FIELDS = List.of("memoryPages", "deadlineMs", "cpuMs", "concurrency",
            "queue", "outputBytes", "maxReuses");

    /** Where missing modules come from: the control plane's {@code GET /v1/node/modules/{sha256}}. */
    @FunctionalInterface
    public interface ModuleSource {
        /** The bytes the control plane holds for {@code sha256}; an IOException when they could not be had. */
        byte[] fetch(String sha256) throws IOException;
    }

    /** What a route (or its shadow) runs, as the heartbeat reports it. */
    public record Running(String path, String module, String version, String sha256) {
    }

    /** A module refused: its route, its hash and why (naming the check that failed). */
    public record LoadFailure(String path, String sha256, String reason) {
    }

    /** An apply's outcome: whether all is in place, and whether something only failed to download (worth a retry). */
    public record Outcome(boolean complete, boolean downloadFailed, List<LoadFailure> refused) {
    }

    private final EdgeNode node;
    private final TrustedPublishers trust;
    private final ModuleStore store;
    private final ModuleSource source;
    private final Map<String, Running> running = new TreeMap<>();
    private final Map<String, Running> shadows = new TreeMap<>();
    private final List<LoadFailure> failures = new ArrayList<>();
    private String applied = "";

    public DesiredStateApplier(final EdgeNode node, final TrustedPublishers trust, final ModuleStore store,
                               final ModuleSource source) {
        this.node = node;
        this.trust = trust;
        this.store = store;
        this.source = source;
    }

    /** Applies {@code desired}; see the class comment. */
    public synchronized Outcome apply(final DesiredState desired) {
        final TrustedPublishers.Trust keys = trust.with(desired.publishers());
        final int failuresBefore = failures.size();
        boolean complete = true;
        boolean downloadFailed = false;
        final Set<String> shadowed = new HashSet<>();
        for (final DesiredState.Route route : desired.routes()) {
            final Step primary = step(route.path(), route.module(), running, keys, false);
            final DesiredState.Module shadow = route.shadow();
            Step second = Step.DONE;
            if (shadow != null) {
                shadowed.add(route.path());
                // A shadow runs beside the desired primary only: not beside an older module that is still serving.
                second = primary == Step.DONE ? step(route.path(), shadow, shadows, keys, true) : Step.REFUSED;
            }
            for (final Step s : List.of(primary, second)) {
                complete &= s == Step.DONE;
                downloadFailed |= s == Step.NOT_DOWNLOADED;
            }
        }
        for (final String path : List.copyOf(shadows.keySet())) {
            if (!shadowed.contains(path)) {
                try {
                    node.setShadow(path, null, null, null);
                    shadows.remove(path);
                } catch (final ModuleRejectedException e) {
                    throw new IllegalStateException("removing a shadow loads nothing", e);
                }
            }
        }
        if (complete) {
            applied = desired.hash();
        }
        return new Outcome(complete, downloadFailed, List.copyOf(failures.subList(failuresBefore, failures.size())));
    }

    private enum Step {
        DONE, REFUSED, NOT_DOWNLOADED
    }

    private Step step(final String path, final DesiredState.Module m, final Map<String, Running> table,
                      final TrustedPublishers.Trust keys, final boolean shadow) {
        final Running now = table.get(path);
        if (now != null && now.sha256().equals(m.sha256()) && now.module().equals(m.module()) && now.version().equals(
                m.version()) && (shadow || m.sha256().equals(servedSha256(path)))) {
            return Step.DONE;
        }
        final String what = (shadow ? "shadow " : "") + m.module() + "@" + m.version();
        final byte[] bytes;
        try {
            bytes = bytes(m.sha256());
        } catch (final IOException e) {
            LOG.log(System.Logger.Level.WARNING, "route {0}: {1} ({2}) could not be downloaded, retried later: {3}",
                    path, what, m.sha256(), e.getMessage());
            return Step.NOT_DOWNLOADED;
        }
        final String actual = ModuleSignature.sha256Hex(bytes);
        if (!actual.equals(m.sha256())) {
            return refuse(path, m, "sha256: the bytes hash to " + actual + ", not " + m.sha256() + " (tampered)");
        }
        final String signature = keys.refusal(m.keyId(), m.sha256(), m.manifest(), m.signature());
        if (signature != null) {
            return refuse(path, m, signature);
        }
        final Convention convention;
        final Limits limits;
        try {
            checkNames(m);
            convention = convention(m.manifest());
            limits = limits(m.manifest());
        } catch (final IllegalArgumentException e) {
            return refuse(path, m, "manifest: " + e.getMessage());
        }
        try {
            store.write(m.sha256(), bytes);
        } catch (final IOException e) { // the cache is an optimisation: serve the verified module anyway
            LOG.log(System.Logger.Level.WARNING, "module {0} could not be kept in {1}: {2}", m.sha256(), store.file(m
                    .sha256()), e.getMessage());
        }
        try {
            if (shadow) {
                node.setShadow(path, bytes, convention, limits);
            } else {
                node.installModule(path, bytes, convention, limits);
            }
        } catch (final ModuleRejectedException e) {
            return refuse(path, m, "module rejected: " + e.getMessage());
        } catch (final IllegalArgumentException e) { // a native route, the node's own path, the memory budget
            return refuse(path, m, e.getMessage().startsWith("guest memory:") ? e.getMessage() : "route: " + e
                    .getMessage());
        }
        table.put(path, new Running(path, m.module(), m.version(), m.sha256()));
        LOG.log(System.Logger.Level.INFO, "route {0}: {1} ({2}) applied", path, what, m.sha256());
        return Step.DONE;
    }

    /** The hash of the module the node serves at {@code path} now (a module file reload may have changed it). */
    private String servedSha256(final String path) {
        for (final EdgeNode.RouteView v : node.routeViews()) {
            if (v.path().equals(path)) {
                return v.sha256();
            }
        }
        return "";
    }

    private Step refuse(final String path, final DesiredState.Module m, final String reason) {
        LOG.log(System.Logger.Level.ERROR, "route {0}: module {1}@{2} ({3}) refused, the route keeps what it ran: {4}",
                path, m.module(), m.version(), m.sha256(), reason);
        failures.add(new LoadFailure(path, m.sha256(), reason));
        return Step.REFUSED;
    }

    private byte[] bytes(final String sha256) throws IOException {
        final byte[] kept = store.read(sha256);
        return kept != null ? kept : source.fetch(sha256);
    }

    /** The signed manifest must name what the (unsigned) route names: else a signed module could be served as another. */
    private static void checkNames(final DesiredState.Module m) {
        final Object name = m.manifest().get("name");
        final Object version = m.manifest().get("version");
        if (!m.module().equals(name) || !m.version().equals(version)) {
            throw new IllegalArgumentException("it names " + name + "@" + version + ", the route asks for " + m
                    .module() + "@" + m.version());
        }
    }

    /** The manifest's {@code convention}: {@code MEMORY} or {@code WAGI}. */
    static Convention convention(final Map<String, Object> manifest) {
        if (!(manifest.get("convention") instanceof String text)) {
            throw new IllegalArgumentException("convention is missing (MEMORY or WAGI)");
        }
        try {
            return Convention.valueOf(text.toUpperCase(Locale.ROOT));
        } catch (final IllegalArgumentException e) {
            throw new IllegalArgumentException("convention must be MEMORY or WAGI, not " + text, e);
        }
    }

    /** The manifest's {@code limits} as the edge config's route limits (all optional), then the sandbox's. */
    static Limits limits(final Map<String, Object> manifest) {
        final Object given = manifest.get("limits");
        if (given == null) {
            return Limits.DEFAULT;
        }
        if (!(given instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("limits must be an object");
        }
        final Map<String, Long> values = new LinkedHashMap<>();
        for (final Map.Entry<?, ?> e : map.entrySet()) {
            final String field = (String) e.getKey();
            if (!LIMIT_FIELDS.contains(field)) {
                throw new IllegalArgumentException("limits." + field + " is not a limit (there are: " + String.join(
                        ", ", LIMIT_FIELDS) + ")");
            }
            if (!(e.getValue() instanceof Long l) || l < 0 || l > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("limits." + field + " must be an integer of 0 to "
                        + Integer.MAX_VALUE + ", not " + e.getValue());
            }
            values.put(field, l);
        }
        return new EdgeConfig.RouteLimits(integer(values, "memoryPages"), values.get("deadlineMs"), values.get(
                "cpuMs"), integer(values, "concurrency"), integer(values, "queue"), integer(values, "outputBytes"),
                integer(values, "maxReuses")).toLimits();
    }

    private static Integer integer(final Map<String, Long> values, final String field) {
        final Long v = values.get(field);
        return v == null ? null : v.intValue();
    }

    /** The hash of the last desired state applied in full; empty before the first. */
    public synchronized String applied() {
        return applied;
    }

    /** What each route the control plane set runs now, by path. */
    public synchronized Map<String, Running> running() {
        return Map.copyOf(running);
    }

    /** The shadows running now, by path. */
    public synchronized Map<String, Running> shadows() {
        return Map.copyOf(shadows);
    }

    /** The modules refused since the previous call (for the heartbeat's {@code loadFailures}). */
    public synchronized List<LoadFailure> takeLoadFailures() {
        final List<LoadFailure> taken = List.copyOf(failures);
        failures.clear();
        return taken;
    }
}
