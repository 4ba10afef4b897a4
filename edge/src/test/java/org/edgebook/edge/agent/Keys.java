package org.edgebook.edge.agent;

import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.Map;
import org.edgebook.codec.Ed25519Key;
import org.edgebook.codec.ModuleSignature;

/** A publisher key for tests: the private key, its public key and its base64. */
record Keys(Ed25519Key.Private privateKey, Ed25519Key.Public publicKey, String base64) {
    static Keys generate() {
        try {
            final Ed25519Key.Private key = Ed25519Key.Private.of(KeyPairGenerator.getInstance("Ed25519")
                    .generateKeyPair().getPrivate());
            final byte[] raw = key.publicRaw();
            return new Keys(key, Ed25519Key.Public.of(raw), Base64.getEncoder().encodeToString(raw));
        } catch (final GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** This key's endorsement of {@code next} for {@code publisher}. */
    String endorse(final String publisher, final Keys next) {
        return ModuleSignature.endorse(privateKey, publisher, next.base64());
    }

    String sign(final String sha256, final Map<String, Object> manifest) {
        return ModuleSignature.sign(privateKey, sha256, manifest);
    }
}
