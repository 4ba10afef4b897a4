package org.edgebook.sandbox;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Compiles each module once: keyed by the SHA-256 of its bytes and execution mode, so the same bytes loaded twice
 * (by two routes, or a rollout that re-sends them) share one compiled module. Thread-safe.
 */
public final class ModuleCache {
    private final ConcurrentHashMap<String, GuestModule> modules = new ConcurrentHashMap<>();

    public GuestModule load(final byte[] bytes, final ExecutionMode mode) throws ModuleRejectedException {
        final String sha256 = GuestModule.sha256(bytes);
        final String key = sha256 + "/" + mode;
        final GuestModule cached = modules.get(key);
        if (cached != null) {
            return cached;
        }
        final GuestModule loaded = GuestModule.load(bytes, sha256, mode);
        final GuestModule raced = modules.putIfAbsent(key, loaded);
        return raced != null ? raced : loaded;
    }

    public int size() {
        return modules.size();
    }
}
