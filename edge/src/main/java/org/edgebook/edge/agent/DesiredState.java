package org.edgebook.edge.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.edgebook.codec.CanonicalJson;

/**
 * The control plane's answer to {@code GET /v1/node/desired} (docs/control-plane.md section 6): its hash, the routes
 * with their modules (and shadows), and the publisher keys it lists. Read with {@link CanonicalJson}, so that a
 * manifest is kept with exactly the values that were signed (integers as {@link Long}s, no floating point).
 * <p>
 * Threading: immutable once parsed (the manifests' maps are not copied: nothing writes them).
 */
public record DesiredState(String hash, List<Route> routes, List<TrustedPublishers.ListedKey> publishers) {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    /** A module as the desired state names it: what, by which hash, its manifest and its publisher's signature. */
    public record Module(String module, String version, String sha256, Map<String, Object> manifest, String keyId,
                         String signature) {
    }

    /** A route: its path, its module and, while a rollout's shadow stage runs on this node, a shadow (else null). */
    public record Route(String path, Module module, Module shadow) {
    }

    /** Reads the answer; refused with the field that is missing or wrong. */
    public static DesiredState parse(final byte[] body) {
        final Map<String, Object> root = CanonicalJson.parseObject(body, 0, body.length);
        final String hash = text(root, "hash", "desired");
        final List<Route> routes = new ArrayList<>();
        int i = 0;
        for (final Object o : list(root, "routes")) {
            final String where = "routes[" + i++ + "]";
            final Map<String, Object> r = object(o, where);
            final String path = text(r, "path", where);
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException(where + ".path must start with /, not " + path);
            }
            final Object shadow = r.get("shadow");
            routes.add(new Route(path, module(r, where), shadow == null || shadow == CanonicalJson.NULL ? null
                    : module(object(shadow, where + ".shadow"), where + ".shadow")));
        }
        final List<TrustedPublishers.ListedKey> publishers = new ArrayList<>();
        i = 0;
        final Object listed = root.get("publishers");
        if (listed != null && listed != CanonicalJson.NULL) {
            for (final Object o : list(root, "publishers")) {
                final String where = "publishers[" + i++ + "]";
                final Map<String, Object> p = object(o, where);
                publishers.add(new TrustedPublishers.ListedKey(text(p, "publisher", where), text(p, "keyId", where),
                        text(p, "publicKey", where), "revoked".equals(optional(p, "state", where)), optional(p,
                                "endorsedBy", where), optional(p, "endorsement", where)));
            }
        }
        return new DesiredState(hash, List.copyOf(routes), List.copyOf(publishers));
    }

    private static Module module(final Map<String, Object> m, final String where) {
        final String sha256 = text(m, "sha256", where);
        if (!SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException(where + ".sha256 must be 64 lower-case hex digits, not " + sha256);
        }
        final Object manifest = m.get("manifest");
        if (!(manifest instanceof Map<?, ?>)) {
            throw new IllegalArgumentException(where + ".manifest must be an object");
        }
        @SuppressWarnings("unchecked")
        final Map<String, Object> typed = (Map<String, Object>) manifest;
        return new Module(text(m, "module", where), text(m, "version", where), sha256, typed, optional(m, "keyId",
                where), optional(m, "signature", where));
    }

    private static Map<String, Object> object(final Object o, final String where) {
        if (!(o instanceof Map<?, ?>)) {
            throw new IllegalArgumentException(where + " must be an object");
        }
        @SuppressWarnings("unchecked")
        final Map<String, Object> typed = (Map<String, Object>) o;
        return typed;
    }

    private static List<?> list(final Map<String, Object> m, final String field) {
        if (!(m.get(field) instanceof List<?> l)) {
            throw new IllegalArgumentException("desired." + field + " must be an array");
        }
        return l;
    }

    private static String text(final Map<String, Object> m, final String field, final String where) {
        if (!(m.get(field) instanceof String s)) {
            throw new IllegalArgumentException(where + "." + field + " must be a string");
        }
        return s;
    }

    /** A string field that may be absent or null (then null). */
    private static String optional(final Map<String, Object> m, final String field, final String where) {
        final Object v = m.get(field);
        if (v == null || v == CanonicalJson.NULL) {
            return null;
        }
        if (!(v instanceof String s)) {
            throw new IllegalArgumentException(where + "." + field + " must be a string or null");
        }
        return s;
    }
}
