package org.edgebook.codec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A client's Ed25519 signature of a transaction (docs/signing.md). The signed bytes are {@link #PREFIX} followed by
 * the {@link CanonicalJson canonical JSON} of the command object without its {@code signature} member (so with
 * {@code signedAt}, {@code account} or {@code from}, {@code source} and {@code sourceSeq}: everything else sent). The
 * command carries {@code "signature":{"keyId":"ck-…","sig":"<base64 of the 64 signature bytes>"}}. A key id is
 * {@code ck-} and the first 12 bytes of the SHA-256 of the 32-byte raw public key, base64url without padding.
 * Stateless and thread-safe.
 */
public final class TransactionSignature {
    /** What the canonical JSON is prefixed with: the domain of this signature and its version. */
    public static final String PREFIX = "edgebook-tx-v1\n";
    /** The member holding the signature. */
    public static final String SIGNATURE = "signature";
    /** The member holding the signing time, epoch milliseconds. */
    public static final String SIGNED_AT = "signedAt";
    private static final byte[] SPKI_HEAD = HexFormat.of().parseHex("302a300506032b6570032100");

    private TransactionSignature() {
    }

    /** The bytes signed for {@code command}: {@link #PREFIX} and its canonical JSON without {@code signature}. */
    public static byte[] signedBytes(final Map<String, Object> command) {
        final Map<String, Object> signed = new LinkedHashMap<>(command);
        signed.remove(SIGNATURE);
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(PREFIX.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(CanonicalJson.bytes(signed));
        return out.toByteArray();
    }

    /** {@code command} with {@code signedAt} and its signature by {@code key} (id {@code keyId}) set. */
    public static Map<String, Object> sign(final Map<String, Object> command, final PrivateKey key,
                                           final String keyId, final long signedAt) {
        final Ed25519Key.Private k;
        try {
            k = Ed25519Key.Private.of(key);
        } catch (final IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot sign with this key (an Ed25519 private key?): " + e, e);
        }
        return sign(command, k, keyId, signedAt);
    }

    /** {@code command} with {@code signedAt} and its signature by {@code key} (id {@code keyId}) set. */
    public static Map<String, Object> sign(final Map<String, Object> command, final Ed25519Key.Private key,
                                           final String keyId, final long signedAt) {
        final Map<String, Object> signed = new LinkedHashMap<>(command);
        signed.remove(SIGNATURE);
        signed.put(SIGNED_AT, signedAt);
        final Map<String, Object> signature = new LinkedHashMap<>();
        signature.put("keyId", keyId);
        signature.put("sig", Base64.getEncoder().encodeToString(key.sign(signedBytes(signed))));
        signed.put(SIGNATURE, signature);
        return signed;
    }

    /** Whether {@code sig} is {@code key}'s signature of {@code signedBytes}. */
    public static boolean verify(final PublicKey key, final byte[] signedBytes, final byte[] sig) {
        try {
            return verify(Ed25519Key.Public.of(raw(key)), signedBytes, sig);
        } catch (final IllegalArgumentException e) {
            return false;
        }
    }

    /** Whether {@code sig} is {@code key}'s signature of {@code signedBytes}. */
    public static boolean verify(final Ed25519Key.Public key, final byte[] signedBytes, final byte[] sig) {
        return key.verify(signedBytes, sig);
    }

    /**
     * The Ed25519 public key in {@code base64}: the 32 raw bytes or the X.509 SubjectPublicKeyInfo (44 bytes);
     * refused with what is wrong, naming {@code field}.
     */
    public static byte[] rawPublicKey(final String field, final String base64) {
        final byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(base64);
        } catch (final IllegalArgumentException e) {
            throw new IllegalArgumentException(field + " is not base64: " + e.getMessage());
        }
        final byte[] raw;
        if (bytes.length == 32) {
            raw = bytes;
        } else if (bytes.length == 44 && Arrays.equals(bytes, 0, 12, SPKI_HEAD, 0, 12)) {
            raw = Arrays.copyOfRange(bytes, 12, 44);
        } else {
            throw new IllegalArgumentException(field + " holds " + bytes.length + " bytes; an Ed25519 public key is "
                    + "32 raw bytes or its 44-byte X.509 SubjectPublicKeyInfo, in base64");
        }
        try {
            publicKey(raw);
        } catch (final IllegalArgumentException e) {
            throw new IllegalArgumentException(field + " is not an Ed25519 public key: " + e.getMessage());
        }
        return raw;
    }

    /** The key of 32 raw bytes. */
    public static PublicKey publicKey(final byte[] raw) {
        final byte[] spki = Arrays.copyOf(SPKI_HEAD, 44);
        System.arraycopy(raw, 0, spki, 12, 32);
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
        } catch (final GeneralSecurityException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** The 32 raw bytes of an Ed25519 public key. */
    public static byte[] raw(final PublicKey key) {
        final byte[] spki = key.getEncoded();
        return Arrays.copyOfRange(spki, spki.length - 32, spki.length);
    }

    /** The id of the key of 32 raw bytes: {@code ck-} and 16 base64url characters of its SHA-256. */
    public static String keyId(final byte[] raw) {
        try {
            final byte[] hash = MessageDigest.getInstance("SHA-256").digest(raw);
            return "ck-" + Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(hash, 12));
        } catch (final GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /** An Ed25519 private key from its PKCS#8 PEM text. */
    public static PrivateKey privateKey(final String pem) {
        final String body = pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
        try {
            return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder()
                    .decode(body)));
        } catch (final GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not an Ed25519 private key in PKCS#8 PEM (-----BEGIN PRIVATE "
                    + "KEY-----): " + e.getMessage(), e);
        }
    }

    /** The PKCS#8 PEM text of {@code key}. */
    public static String pem(final PrivateKey key) {
        return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'})
                .encodeToString(key.getEncoded()) + "\n-----END PRIVATE KEY-----\n";
    }
}
