package org.edgebook.server;

import org.edgebook.codec.Ed25519Key;

/**
 * An account's Ed25519 public key for signed transactions (docs/signing.md): its id ({@code ck-…}), the account whose
 * commands it signs, the key (its point decoded once, for BouncyCastle's verification), whether it was revoked (kept,
 * so that a signature by it is refused as revoked, not as unknown), and the key store's version of its last change
 * (its registration or its revocation), by which nodes fetch the changes since they last asked. Immutable.
 */
record ClientSigningKey(String id, String account, byte[] raw, Ed25519Key.Public key, boolean revoked,
                        long version) {
    @Override
    public String toString() {
        return "ClientSigningKey[" + id + ", account " + account + (revoked ? ", revoked" : "") + ", version "
                + version + "]";
    }
}
