package org.edgebook.control.modules;

/**
 * A publisher's Ed25519 key as the store holds it: {@code keyId} ({@code pk-<n>}), the publisher, the public key
 * (base64 of the 32 raw bytes), {@code state} ({@code active} or {@code revoked}), the key that endorsed it and the
 * endorsement (both null for a publisher's first key), and when it was added and revoked (0 while active).
 * <p>
 * Threading: immutable.
 */
public record PublisherKey(String keyId, String publisher, String publicKey, String state, String endorsedBy,
                           String endorsement, long createdAt, long revokedAt) {
    public static final String ACTIVE = "active";
    public static final String REVOKED = "revoked";

    public boolean active() {
        return ACTIVE.equals(state);
    }

    /** The number in {@code pk-<n>}, or -1 when {@code keyId} is not of that form. */
    public static long seqOf(final String keyId) {
        if (keyId == null || !keyId.startsWith("pk-") || keyId.length() > 22) {
            return -1;
        }
        try {
            final long n = Long.parseLong(keyId.substring(3));
            return n > 0 && keyId.equals("pk-" + n) ? n : -1;
        } catch (final NumberFormatException e) {
            return -1;
        }
    }
}
