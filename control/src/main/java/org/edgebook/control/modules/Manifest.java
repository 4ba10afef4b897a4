package org.edgebook.control.modules;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.edgebook.codec.CanonicalJson;

/**
 * A module's manifest (docs/control-plane.md section 6): {@code name}, {@code version}, {@code convention}
 * ({@code MEMORY} or {@code WAGI}) and {@code limits}, the edge config's route limits ({@code EdgeConfig.RouteLimits}),
 * each optional and within sane bounds. What the publisher signs is the manifest as sent, as canonical JSON
 * ({@link #canonicalJson}): a manifest is read strictly (no unknown field at any level, integers only), so that text
 * holds exactly the checked fields.
 * <p>
 * Threading: immutable.
 */
public record Manifest(String name, String version, String convention, Map<String, Long> limits,
                       String canonicalJson) {
    /** A module, publisher or group name. */
    public static final Pattern NAME = Pattern.compile("[a-z0-9-]{1,64}");
    /** MAJOR.MINOR.PATCH, then an optional pre-release and build, as semver; at most 64 characters. */
    public static final Pattern VERSION = Pattern.compile(
            "(0|[1-9][0-9]{0,8})\\.(0|[1-9][0-9]{0,8})\\.(0|[1-9][0-9]{0,8})(-[0-9A-Za-z.-]{1,32})?(\\+[0-9A-Za-z.-]{1,16})?");
    private static final Set<String> FIELDS = Set.of("name", "version", "convention", "limits");
    /** Each limit's bounds, inclusive: the sandbox's own, and a ceiling no route sanely needs. */
    private static final Map<String, long[]> LIMITS = Map.of(
            "memoryPages", new long[] {1, 32_767},
            "deadlineMs", new long[] {1, 600_000},
            "cpuMs", new long[] {1, 600_000},
            "concurrency", new long[] {1, 4_096},
            "queue", new long[] {0, 1_000_000},
            "outputBytes", new long[] {1, 64L << 20},
            "maxReuses", new long[] {0, 1_000_000_000});

    public Manifest {
        limits = Collections.unmodifiableMap(new TreeMap<>(limits));
    }

    /** Reads and checks the manifest at {@code field} of a request; refused naming the field and the limit. */
    public static Manifest read(final Map<String, Object> manifest, final String field) {
        JsonBody.only(manifest, field, FIELDS);
        final String name = JsonBody.string(manifest, field + ".name", "name", true);
        if (!NAME.matcher(name).matches()) {
            throw Refusal.malformed(field + ".name", "must match [a-z0-9-]{1,64}, not '" + clip(name) + "'");
        }
        final String version = JsonBody.string(manifest, field + ".version", "version", true);
        if (version.length() > 64 || !VERSION.matcher(version).matches()) {
            throw Refusal.malformed(field + ".version", "must be a semantic version like 1.2.0 or 1.3.0-rc.1 (at "
                    + "most 64 characters), not '" + clip(version) + "'");
        }
        final String convention = JsonBody.string(manifest, field + ".convention", "convention", true);
        if (!convention.equals("MEMORY") && !convention.equals("WAGI")) {
            throw Refusal.malformed(field + ".convention", "must be MEMORY or WAGI, not '" + clip(convention)
                    + "'");
        }
        final Map<String, Object> given = JsonBody.object(manifest, field + ".limits", "limits", false);
        final Map<String, Long> limits = new TreeMap<>();
        if (given != null) {
            JsonBody.only(given, field + ".limits", LIMITS.keySet());
            given.forEach((k, v) -> {
                final long[] bounds = LIMITS.get(k);
                if (!(v instanceof Long n) || n < bounds[0] || n > bounds[1]) {
                    throw Refusal.malformed(field + ".limits." + k, "must be an integer from " + bounds[0] + " to "
                            + bounds[1] + ", not " + (v instanceof String s ? "'" + clip(s) + "'" : String.valueOf(v)));
                }
                limits.put(k, n);
            });
        }
        if (manifest.containsKey("limits") && given == null) {
            throw Refusal.malformed(field + ".limits", "must be a JSON object");
        }
        return new Manifest(name, version, convention, limits, CanonicalJson.write(manifest));
    }

    /** Reads a manifest the store holds (canonical JSON that {@link #read} once accepted). */
    public static Manifest ofStored(final String canonicalJson) {
        final byte[] bytes = canonicalJson.getBytes(StandardCharsets.UTF_8);
        return read(CanonicalJson.parseObject(bytes, 0, bytes.length), "manifest");
    }

    /** The manifest as {@link CanonicalJson} values, what the signature covers (a new map each call). */
    public Map<String, Object> toMap() {
        final byte[] bytes = canonicalJson.getBytes(StandardCharsets.UTF_8);
        return CanonicalJson.parseObject(bytes, 0, bytes.length);
    }

    /** {@code name@version}. */
    public String ref() {
        return name + "@" + version;
    }

    static String clip(final String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "…";
    }
}
