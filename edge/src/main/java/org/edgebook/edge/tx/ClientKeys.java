package org.edgebook.edge.tx;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.edgebook.codec.Ed25519Key;

/**
 * The client keys an edge node checks signatures with: settlement's, as last fetched from
 * {@code GET /v1/node/client-keys?after=V} (docs/transaction-path.md). A revoked key stays, marked, so that a signature
 * by it is refused as revoked, not as unknown. {@link #version} is settlement's version of the last changes applied.
 * <p>
 * Threading: one refresher applies changes; any number of threads look keys up (a concurrent map; a key's entry is
 * replaced whole).
 */
public final class ClientKeys {
    /** A key: its id ({@code ck-…}), its account, the key, and whether it was revoked. Immutable. */
    public record Entry(String keyId, String account, Ed25519Key.Public key, boolean revoked) {
    }

    private final Map<String, Entry> keys = new ConcurrentHashMap<>();
    private volatile long version;
    private volatile long refreshedAtMillis;

    /** The key with this id, or null if settlement has none (as of the last refresh). */
    public Entry get(final String keyId) {
        return keys.get(keyId);
    }

    /** Applies settlement's changes up to {@code newVersion}, fetched at {@code nowMillis}. */
    public void apply(final long newVersion, final List<Entry> changes, final long nowMillis) {
        for (final Entry e : changes) {
            keys.put(e.keyId(), e);
        }
        version = newVersion;
        refreshedAtMillis = nowMillis;
    }

    /** Settlement's version of the keys held: the {@code after} of the next refresh. */
    public long version() {
        return version;
    }

    /** When the last refresh succeeded (epoch milliseconds; 0: never). */
    public long refreshedAtMillis() {
        return refreshedAtMillis;
    }

    public int size() {
        return keys.size();
    }
}
