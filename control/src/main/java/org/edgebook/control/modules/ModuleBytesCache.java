package org.edgebook.control.modules;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The module bytes most recently served to nodes, by SHA-256, up to a total size: a wave of nodes fetching one new
 * module reads the store once. Bytes of a hash never change, so nothing is invalidated.
 * <p>
 * Threading: thread-safe (synchronized; the bytes returned are shared and must not be changed).
 */
final class ModuleBytesCache {
    private final long maxBytes;
    private final LinkedHashMap<String, byte[]> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long total;

    ModuleBytesCache(final long maxBytes) {
        this.maxBytes = maxBytes;
    }

    synchronized byte[] get(final String sha256) {
        return entries.get(sha256);
    }

    synchronized void put(final String sha256, final byte[] bytes) {
        if (bytes.length > maxBytes || entries.containsKey(sha256)) {
            return;
        }
        entries.put(sha256, bytes);
        total += bytes.length;
        final var it = entries.entrySet().iterator();
        while (total > maxBytes && it.hasNext()) {
            final Map.Entry<String, byte[]> eldest = it.next();
            total -= eldest.getValue().length;
            it.remove();
        }
    }
}
