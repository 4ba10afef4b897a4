package org.edgebook.fleet;

import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.edgebook.codec.CanonicalJson;
import org.edgebook.codec.Ed25519Key;
import org.edgebook.codec.ModuleSignature;

/**
 * Applies desired states (docs/control-plane.md section 6) as the agent does: a node told a new {@code desired} hash
 * fetches {@code GET /v1/node/desired}; each module is downloaded by hash once per simulator process
 * ({@code GET /v1/node/modules/{sha256}}), its bytes checked against the hash, its signature verified once per (hash,
 * key) against the keys the node {@link Trust trusts}; then the node's routes report the new module versions. A module
 * refused (a download that fails, bytes that hash otherwise, an untrusted, revoked or unknown key, a bad signature, a
 * manifest naming another module, a bad version with {@code --bad-fails-load}) is reported in the next heartbeat's
 * {@code loadFailures} and the route keeps what it ran. What a desired state's answer comes to is computed once per
 * distinct answer (by its bytes' SHA-256), so a wave of 50,000 nodes costs 50,000 fetches and one evaluation.
 * <p>
 * A node that loaded every module reports the new hash as {@code applied}; one that refused something keeps the hash it
 * applied before, and does not try the same desired state again (it is not fixed by trying again) unless the failure
 * was a download that could not complete. Fetches are bounded ({@link FleetOptions#desiredConcurrency}), the other
 * nodes queue.
 * <p>
 * Threading: {@link #request} from any thread; the work runs on the client's event loops; caches are concurrent.
 */
final class DesiredStates {
    /** What one route of a desired state comes to: the route to run, or why it is refused. */
    private record Planned(String path, String sha256, Route route, String failure, String shadowSha256,
                           String shadowFailure) {
    }

    /** A desired state evaluated: its hash, routes, and whether a failure may pass if tried again. */
    private record Plan(String hash, List<Planned> routes, boolean transientFailure) {
    }

    /** A module downloaded: its bytes, or why not (transient: a download that may work next time). */
    private record Download(byte[] bytes, String failure, boolean transientFailure) {
    }

    private final ControlClient client;
    private final FleetStats stats;
    private final FleetOptions options;
    private final Trust trust;
    private final ConcurrentLinkedQueue<SimNode> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Map<String, Future<Plan>> plans = new ConcurrentHashMap<>();
    private final Map<String, Future<Download>> modules = new ConcurrentHashMap<>();
    private final Map<String, Boolean> verified = new ConcurrentHashMap<>();
    private volatile java.util.function.BiConsumer<SimNode, ControlClient.Answer> onRevoked = (n, a) -> {};

    DesiredStates(final ControlClient client, final FleetStats stats, final FleetOptions options) {
        this.client = client;
        this.stats = stats;
        this.options = options;
        this.trust = new Trust(options.trust());
    }

    /** What to do with a node answered 403 (revoked) here. */
    void onRevoked(final java.util.function.BiConsumer<SimNode, ControlClient.Answer> handler) {
        this.onRevoked = handler;
    }

    /** Queues a fetch of the node's desired state, unless one is queued or running. */
    void request(final SimNode node) {
        if (node.fetching.compareAndSet(false, true)) {
            waiting.add(node);
            pump();
        }
    }

    /** Modules downloaded (by hash) so far. */
    int modulesCached() {
        return modules.size();
    }

    private void pump() {
        while (true) {
            final int n = inFlight.get();
            if (n >= options.desiredConcurrency() || waiting.isEmpty()) {
                return;
            }
            if (!inFlight.compareAndSet(n, n + 1)) {
                continue;
            }
            final SimNode node = waiting.poll();
            if (node == null) {
                inFlight.decrementAndGet();
                continue;
            }
            fetch(node).onComplete(done -> {
                node.fetching.set(false);
                inFlight.decrementAndGet();
                pump();
            });
        }
    }

    private Future<Void> fetch(final SimNode node) {
        return client.node(node, HttpMethod.GET, "/v1/node/desired", new byte[0]).compose(answer -> {
            stats.desiredFetched.increment();
            if (answer.status() == 403) {
                onRevoked.accept(node, answer);
            }
            if (answer.status() != 200) {
                return Future.failedFuture("GET /v1/node/desired: status " + answer.status() + " " + answer.text());
            }
            final String key = ModuleSignature.sha256Hex(answer.body());
            final Future<Plan> plan = plans.computeIfAbsent(key, k -> evaluate(node, answer.body()));
            return plan.map(p -> {
                if (p.transientFailure()) {
                    plans.remove(key, plan);
                }
                apply(node, p);
                return (Void) null;
            }).onFailure(e -> plans.remove(key, plan));
        });
    }

    /** Applies a plan to a node: its routes now report what loaded; what was refused is reported. */
    private void apply(final SimNode node, final Plan plan) {
        synchronized (node) {
            final Map<String, Route> old = new HashMap<>();
            for (final Route r : node.routes) {
                old.put(r.path(), r);
            }
            final List<Route> next = new ArrayList<>();
            boolean failed = false;
            for (final Planned p : plan.routes()) {
                if (p.failure() != null) {
                    failed = true;
                    node.addLoadFailure(new SimNode.LoadFailure(p.path(), p.sha256(), p.failure()));
                    final Route kept = old.get(p.path());
                    if (kept != null) {
                        next.add(kept);
                    }
                    continue;
                }
                if (p.shadowFailure() != null) {
                    failed = true;
                    node.addLoadFailure(new SimNode.LoadFailure(p.path(), p.shadowSha256(), p.shadowFailure()));
                }
                next.add(p.route());
            }
            stats.loadFailures.add(plan.routes().stream().mapToLong(p -> (p.failure() != null ? 1 : 0)
                    + (p.shadowFailure() != null ? 1 : 0)).sum());
            node.routes = next.toArray(new Route[0]);
            if (!plan.transientFailure()) {
                node.attempted = plan.hash();
            }
            if (!failed) {
                node.applied = plan.hash();
                stats.desiredApplied.increment();
            }
        }
    }

    // ---- Evaluating a desired state ----

    private Future<Plan> evaluate(final SimNode node, final byte[] body) {
        final Map<String, Object> desired;
        final List<Map<String, Object>> routes;
        final Trust.Keys keys;
        try {
            desired = CanonicalJson.parseObject(body, 0, body.length);
            routes = objects(desired.get("routes"), "routes");
            final List<Trust.Listed> listed = new ArrayList<>();
            for (final Map<String, Object> p : objects(desired.getOrDefault("publishers", List.of()),
                    "publishers")) {
                listed.add(new Trust.Listed(text(p, "publisher"), text(p, "keyId"), text(p, "publicKey"),
                        text(p, "state"), optional(p, "endorsedBy"), optional(p, "endorsement")));
            }
            keys = trust.keys(listed);
        } catch (final IllegalArgumentException e) {
            return Future.failedFuture("GET /v1/node/desired: the answer does not parse: " + e.getMessage());
        }
        final String hash = desired.get("hash") instanceof String h ? h : "";
        final List<Future<Planned>> planned = new ArrayList<>();
        for (final Map<String, Object> r : routes) {
            planned.add(route(node, r, keys));
        }
        return Future.all(planned).map(all -> {
            final List<Planned> list = new ArrayList<>();
            boolean transientFailure = false;
            for (int i = 0; i < planned.size(); i++) {
                list.add(all.resultAt(i));
                transientFailure |= list.get(i).failure() != null && list.get(i).failure().startsWith("download:");
                transientFailure |= list.get(i).shadowFailure() != null
                        && list.get(i).shadowFailure().startsWith("download:");
            }
            return new Plan(hash, list, transientFailure);
        });
    }

    private Future<Planned> route(final SimNode node, final Map<String, Object> r, final Trust.Keys keys) {
        final String path;
        final String module;
        final String version;
        final String sha;
        try {
            path = text(r, "path");
            module = text(r, "module");
            version = text(r, "version");
            sha = text(r, "sha256");
        } catch (final IllegalArgumentException e) {
            return Future.succeededFuture(new Planned(String.valueOf(r.get("path")), String.valueOf(r.get(
                    "sha256")), null, "desired: " + e.getMessage(), null, null));
        }
        final Future<String> main = check(node, r, module, version, sha, keys);
        final Object shadowValue = r.get("shadow");
        if (!(shadowValue instanceof Map<?, ?>)) {
            return main.map(failure -> new Planned(path, sha, new Route(path, module, version, sha, null), failure,
                    null, null));
        }
        @SuppressWarnings("unchecked")
        final Map<String, Object> s = (Map<String, Object>) shadowValue;
        final String shadowModule = s.get("module") instanceof String t ? t : "";
        final String shadowVersion = s.get("version") instanceof String t ? t : "";
        final String shadowSha = s.get("sha256") instanceof String t ? t : "";
        final Future<String> shadow = check(node, s, shadowModule, shadowVersion, shadowSha, keys);
        return Future.all(main, shadow).map(both -> {
            final String shadowFailure = both.resultAt(1);
            final Route.Shadow running = shadowFailure == null ? new Route.Shadow(shadowModule, shadowVersion,
                    shadowSha) : null;
            return new Planned(path, sha, new Route(path, module, version, sha, running), both.resultAt(0),
                    shadowSha, shadowFailure);
        });
    }

    /** Why a module entry is refused, or null when it loads. */
    private Future<String> check(final SimNode node, final Map<String, Object> entry, final String module,
                                 final String version, final String sha, final Trust.Keys keys) {
        final String keyId = entry.get("keyId") instanceof String k ? k : null;
        final String signature = entry.get("signature") instanceof String s ? s : null;
        if (!(entry.get("manifest") instanceof Map<?, ?>) || keyId == null || signature == null) {
            return Future.succeededFuture("signature: the module is unsigned (manifest, keyId or signature missing)");
        }
        @SuppressWarnings("unchecked")
        final Map<String, Object> manifest = (Map<String, Object>) entry.get("manifest");
        if (!module.equals(manifest.get("name")) || !version.equals(manifest.get("version"))) {
            return Future.succeededFuture("manifest: names " + manifest.get("name") + "@" + manifest.get("version")
                    + ", the route " + module + "@" + version);
        }
        final String refusal = keys.refusal(keyId);
        if (refusal != null) {
            return Future.succeededFuture(refusal);
        }
        final Ed25519Key.Public key = keys.trusted().get(keyId);
        return download(node, sha).map(d -> {
            if (d.failure() != null) {
                return d.failure();
            }
            final String cacheKey = sha + " " + java.util.Base64.getEncoder().encodeToString(key.raw()) + " "
                    + signature + " " + CanonicalJson.write(manifest);
            final boolean good = verified.computeIfAbsent(cacheKey, k -> {
                stats.signaturesVerified.increment();
                return ModuleSignature.verify(key, sha, manifest, signature);
            });
            if (!good) {
                return "signature: not key " + keyId + "'s signature of the module and its manifest";
            }
            if (options.badFailsLoad() && options.badVersions().contains(module + "@" + version)) {
                return "load: " + module + "@" + version + " fails to load (marked bad, --bad-fails-load)";
            }
            return null;
        });
    }

    /** The module's bytes, downloaded once per hash. */
    private Future<Download> download(final SimNode node, final String sha) {
        final Future<Download> cached = modules.computeIfAbsent(sha, k -> client.node(node, HttpMethod.GET,
                "/v1/node/modules/" + sha, new byte[0]).map(answer -> {
                    if (answer.status() != 200) {
                        return new Download(null, "download: GET /v1/node/modules/" + sha + " answered "
                                + answer.status(), true);
                    }
                    stats.modulesDownloaded.increment();
                    final String actual = ModuleSignature.sha256Hex(answer.body());
                    if (!actual.equals(sha)) {
                        return new Download(null, "sha256: the module's bytes hash to " + actual + ", not " + sha,
                                false);
                    }
                    return new Download(answer.body(), null, false);
                }).recover(e -> Future.succeededFuture(new Download(null, "download: GET /v1/node/modules/" + sha
                        + ": " + e.getMessage(), true))));
        return cached.map(d -> {
            if (d.transientFailure()) {
                modules.remove(sha, cached);
            }
            return d;
        });
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> objects(final Object value, final String field) {
        if (!(value instanceof List<?> list)) {
            throw new IllegalArgumentException("'" + field + "' is not an array");
        }
        for (final Object o : list) {
            if (!(o instanceof Map<?, ?>)) {
                throw new IllegalArgumentException("an element of '" + field + "' is not an object");
            }
        }
        return (List<Map<String, Object>>) value;
    }

    private static String text(final Map<String, Object> o, final String field) {
        if (!(o.get(field) instanceof String s)) {
            throw new IllegalArgumentException("'" + field + "' is missing or not a string");
        }
        return s;
    }

    private static String optional(final Map<String, Object> o, final String field) {
        return o.get(field) instanceof String s ? s : null;
    }
}
