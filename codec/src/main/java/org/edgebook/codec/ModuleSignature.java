package org.edgebook.codec;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;

/**
 * A WebAssembly module's publisher signature and a publisher key's endorsement (docs/control-plane.md, section 6).
 * <p>
 * A module's signature is the publisher key's Ed25519 signature of {@link #PREFIX}, the module's SHA-256 (lower-case
 * hex), a line feed, and the manifest as canonical JSON ({@link CanonicalJson}): it covers the bytes through their hash
 * and every field of the manifest (name, version, calling convention, limits). An endorsement is an active key's
 * signature of {@link #KEY_PREFIX}, the publisher's name, a line feed and the new public key's base64: how a publisher
 * rotates to a new key that nodes trust without trusting the control plane that hands it out.
 * <p>
 * Stateless and thread-safe.
 */
public final class ModuleSignature {
    /** The domain of a module signature and its version. */
    public static final String PREFIX = "edgebook-module-v1\n";
    /** The domain of a publisher key's endorsement and its version. */
    public static final String KEY_PREFIX = "edgebook-publisher-key-v1\n";

    private ModuleSignature() {
    }

    /** The lower-case hex SHA-256 of {@code module}. */
    public static String sha256Hex(final byte[] module) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(module));
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /** The bytes a module's signature covers. */
    public static byte[] signedBytes(final String sha256Hex, final Map<String, Object> manifest) {
        return (PREFIX + sha256Hex + '\n' + CanonicalJson.write(manifest)).getBytes(StandardCharsets.UTF_8);
    }

    /** The base64 signature of the module whose hash is {@code sha256Hex}, with {@code manifest}. */
    public static String sign(final Ed25519Key.Private key, final String sha256Hex,
                              final Map<String, Object> manifest) {
        return Base64.getEncoder().encodeToString(key.sign(signedBytes(sha256Hex, manifest)));
    }

    /** Whether {@code signatureBase64} is {@code key}'s signature of the hash and manifest; false when malformed. */
    public static boolean verify(final Ed25519Key.Public key, final String sha256Hex,
                                 final Map<String, Object> manifest, final String signatureBase64) {
        final byte[] signature = decode(signatureBase64);
        return signature != null && key.verify(signedBytes(sha256Hex, manifest), signature);
    }

    /** The bytes an endorsement of {@code newKeyBase64} for {@code publisher} covers. */
    public static byte[] endorsementBytes(final String publisher, final String newKeyBase64) {
        return (KEY_PREFIX + publisher + '\n' + newKeyBase64).getBytes(StandardCharsets.UTF_8);
    }

    /** The base64 endorsement, by {@code endorser}, of {@code newKeyBase64} as a key of {@code publisher}. */
    public static String endorse(final Ed25519Key.Private endorser, final String publisher,
                                 final String newKeyBase64) {
        return Base64.getEncoder().encodeToString(endorser.sign(endorsementBytes(publisher, newKeyBase64)));
    }

    /** Whether {@code endorsementBase64} is {@code endorser}'s endorsement; false when malformed. */
    public static boolean verifyEndorsement(final Ed25519Key.Public endorser, final String publisher,
                                            final String newKeyBase64, final String endorsementBase64) {
        final byte[] signature = decode(endorsementBase64);
        return signature != null && endorser.verify(endorsementBytes(publisher, newKeyBase64), signature);
    }

    private static byte[] decode(final String base64) {
        if (base64 == null) {
            return null;
        }
        try {
            return Base64.getDecoder().decode(base64);
        } catch (final IllegalArgumentException e) {
            return null;
        }
    }
}
