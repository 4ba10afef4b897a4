package org.edgebook.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModuleSignatureTest {
    private static final byte[] MODULE = "\0asm\1\0\0\0".getBytes(StandardCharsets.ISO_8859_1);

    @Test
    void aSignatureCoversTheHashAndEveryFieldOfTheManifest() throws Exception {
        final KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        final Ed25519Key.Private key = Ed25519Key.Private.of(pair.getPrivate());
        final Ed25519Key.Public pub = Ed25519Key.Public.of(TransactionSignature.raw(pair.getPublic()));
        final Map<String, Object> manifest = CanonicalJson.parseObject(
                "{\"version\":\"1.3.0\",\"name\":\"transform\",\"convention\":\"MEMORY\",\"limits\":{\"memoryPages\":16}}"
                        .getBytes(StandardCharsets.UTF_8), 0, 88);
        final String sha = ModuleSignature.sha256Hex(MODULE);
        final String signature = ModuleSignature.sign(key, sha, manifest);

        assertThat(sha).hasSize(64).isLowerCase();
        assertThat(ModuleSignature.verify(pub, sha, manifest, signature)).isTrue();
        // the same manifest with its keys in another order is the same canonical text
        assertThat(ModuleSignature.verify(pub, sha, CanonicalJson.parseObject(CanonicalJson.bytes(manifest), 0,
                CanonicalJson.bytes(manifest).length), signature)).isTrue();
        final byte[] tampered = MODULE.clone();
        tampered[7] = 1;
        assertThat(ModuleSignature.verify(pub, ModuleSignature.sha256Hex(tampered), manifest, signature)).isFalse();
        final Map<String, Object> otherLimits = CanonicalJson.parseObject(
                "{\"version\":\"1.3.0\",\"name\":\"transform\",\"convention\":\"MEMORY\",\"limits\":{\"memoryPages\":17}}"
                        .getBytes(StandardCharsets.UTF_8), 0, 88);
        assertThat(ModuleSignature.verify(pub, sha, otherLimits, signature)).isFalse();
        assertThat(ModuleSignature.verify(pub, sha, manifest, "not base64!")).isFalse();
        assertThat(ModuleSignature.verify(pub, sha, manifest, null)).isFalse();
    }

    @Test
    void anEndorsementNamesThePublisherAndTheNewKey() throws Exception {
        final KeyPair old = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        final KeyPair next = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        final Ed25519Key.Public oldPublic = Ed25519Key.Public.of(TransactionSignature.raw(old.getPublic()));
        final String nextKey = Base64.getEncoder().encodeToString(TransactionSignature.raw(next.getPublic()));
        final String endorsement = ModuleSignature.endorse(Ed25519Key.Private.of(old.getPrivate()), "acme", nextKey);

        assertThat(ModuleSignature.verifyEndorsement(oldPublic, "acme", nextKey, endorsement)).isTrue();
        assertThat(ModuleSignature.verifyEndorsement(oldPublic, "globex", nextKey, endorsement)).isFalse();
        assertThat(ModuleSignature.verifyEndorsement(oldPublic, "acme", Base64.getEncoder().encodeToString(
                TransactionSignature.raw(old.getPublic())), endorsement)).isFalse();
    }
}
