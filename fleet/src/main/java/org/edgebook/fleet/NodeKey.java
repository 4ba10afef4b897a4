package org.edgebook.fleet;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.stream.IntStream;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * A simulated node's Ed25519 key: its 32-byte seed and its 32-byte public key, computed once. Signing passes the public
 * key to BouncyCastle's RFC 8032 code, so each signature costs one scalar multiplication instead of two (the
 * {@code codec} {@code Ed25519Key.Private} derives the public key again for every signature); the signatures are the
 * same bytes (RFC 8032 is deterministic), which the tests check with {@code SignedRequest.verify}.
 * <p>
 * Threading: immutable; {@link #sign} may be called from any thread.
 */
public final class NodeKey {
    private final byte[] seed;
    private final byte[] publicRaw;

    private NodeKey(final byte[] seed) {
        this.seed = seed;
        this.publicRaw = new byte[Ed25519.PUBLIC_KEY_SIZE];
        Ed25519.generatePublicKey(seed, 0, publicRaw, 0);
    }

    /** A key from a 32-byte seed (RFC 8032's private key). */
    public static NodeKey of(final byte[] seed) {
        if (seed.length != Ed25519.SECRET_KEY_SIZE) {
            throw new IllegalArgumentException("an Ed25519 seed is 32 bytes, not " + seed.length);
        }
        return new NodeKey(seed.clone());
    }

    /**
     * {@code count} new keys from a {@link SecureRandom}, their public keys computed on every core (about 25 µs a key
     * on one core: 100,000 keys in about a second on two).
     */
    public static NodeKey[] generate(final int count) {
        final SecureRandom random = new SecureRandom();
        final byte[][] seeds = new byte[count][Ed25519.SECRET_KEY_SIZE];
        for (final byte[] seed : seeds) {
            random.nextBytes(seed);
        }
        final NodeKey[] keys = new NodeKey[count];
        IntStream.range(0, count).parallel().forEach(i -> keys[i] = new NodeKey(seeds[i]));
        return keys;
    }

    /** The 64-byte signature of {@code message[offset, offset + length)}. */
    public byte[] sign(final byte[] message, final int offset, final int length) {
        final byte[] signature = new byte[Ed25519.SIGNATURE_SIZE];
        Ed25519.sign(seed, 0, publicRaw, 0, message, offset, length, signature, 0);
        return signature;
    }

    /** The 32 raw bytes of the public key (a copy). */
    public byte[] publicRaw() {
        return publicRaw.clone();
    }

    /** The public key's base64, as enrollment sends it. */
    public String publicBase64() {
        return Base64.getEncoder().encodeToString(publicRaw);
    }
}
