package org.edgebook.server;

import java.security.PublicKey;

/**
 * An account's Ed25519 public key for signed transactions (docs/signing.md): its id ({@code ck-…}), the account whose
 * commands it signs, the key, and whether it was revoked (kept, so that a signature by it is refused as revoked, not
 * as unknown). Immutable.
 */
record ClientSigningKey(String id, String account, byte[] raw, PublicKey key, boolean revoked) {
    @Override
    public String toString() {
        return "ClientSigningKey[" + id + ", account " + account + (revoked ? ", revoked" : "") + "]";
    }
}
