package org.edgebook.edge.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.edgebook.codec.ModuleSignature;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrustedPublishersTest {
    private static final Map<String, Object> MANIFEST = Map.of("name", "transform", "version", "1.3.0",
            "convention", "MEMORY", "limits", Map.of("memoryPages", 16L));
    private static final String SHA = ModuleSignature.sha256Hex(new byte[] {1, 2, 3});

    private final Keys acme1 = Keys.generate();
    private final Keys acme2 = Keys.generate();
    private final Keys acme3 = Keys.generate();
    private final Keys other = Keys.generate();

    @TempDir
    Path dir;

    private TrustedPublishers trustFile(final String text) throws IOException {
        final Path file = dir.resolve("trust");
        Files.writeString(file, text);
        return TrustedPublishers.read(file);
    }

    private static TrustedPublishers.ListedKey listed(final String publisher, final String id, final Keys key,
                                                      final boolean revoked, final String endorsedBy,
                                                      final String endorsement) {
        return new TrustedPublishers.ListedKey(publisher, id, key.base64(), revoked, endorsedBy, endorsement);
    }

    @Test
    void aKeyOfTheTrustFileVerifiesItsModules() throws IOException {
        final TrustedPublishers trust = trustFile("# publishers\n\nacme " + acme1.base64() + "\n");
        final TrustedPublishers.Trust keys = trust.with(List.of(listed("acme", "pk-1", acme1, false, null, null)));
        assertThat(keys.refusal("pk-1", SHA, MANIFEST, acme1.sign(SHA, MANIFEST))).isNull();
        assertThat(keys.refusal("pk-1", SHA, Map.of("name", "transform", "version", "9.9.9", "convention", "MEMORY"),
                acme1.sign(SHA, MANIFEST))).startsWith("signature: does not verify with key pk-1");
        assertThat(keys.refusal("pk-1", SHA, MANIFEST, null)).startsWith("signature: unsigned");
        assertThat(keys.refusal(null, SHA, MANIFEST, acme1.sign(SHA, MANIFEST))).startsWith("signature: unsigned");
        assertThat(keys.refusal("pk-7", SHA, MANIFEST, acme1.sign(SHA, MANIFEST))).isEqualTo(
                "signature: unknown key pk-7 (the control plane does not list it)");
    }

    @Test
    void aRotationEndorsedByATrustedKeyOfThePublisherIsTrusted() throws IOException {
        final TrustedPublishers trust = trustFile("acme " + acme1.base64() + "\n");
        final TrustedPublishers.Trust keys = trust.with(List.of(listed("acme", "pk-1", acme1, false, null, null),
                listed("acme", "pk-2", acme2, false, "pk-1", acme1.endorse("acme", acme2))));
        assertThat(keys.trusts("pk-2")).isTrue();
        assertThat(keys.refusal("pk-2", SHA, MANIFEST, acme2.sign(SHA, MANIFEST))).isNull();
    }

    @Test
    void aChainOfTwoRotationsIsTrustedEvenWithTheFirstKeysRevokedAndListedOutOfOrder() throws IOException {
        final TrustedPublishers trust = trustFile("acme " + acme1.base64() + "\n");
        final TrustedPublishers.Trust keys = trust.with(List.of(
                listed("acme", "pk-3", acme3, false, "pk-2", acme2.endorse("acme", acme3)),
                listed("acme", "pk-2", acme2, true, "pk-1", acme1.endorse("acme", acme2)),
                listed("acme", "pk-1", acme1, true, null, null)));
        assertThat(keys.trusts("pk-3")).isTrue();
        assertThat(keys.refusal("pk-3", SHA, MANIFEST, acme3.sign(SHA, MANIFEST))).isNull();
        assertThat(keys.refusal("pk-1", SHA, MANIFEST, acme1.sign(SHA, MANIFEST))).isEqualTo(
                "signature: revoked key pk-1 of acme");
        assertThat(keys.refusal("pk-2", SHA, MANIFEST, acme2.sign(SHA, MANIFEST))).isEqualTo(
                "signature: revoked key pk-2 of acme");
    }

    @Test
    void anUnendorsedKeyOrABadEndorsementIsRefused() throws IOException {
        final TrustedPublishers trust = trustFile("acme " + acme1.base64() + "\n");
        final TrustedPublishers.Trust keys = trust.with(List.of(listed("acme", "pk-1", acme1, false, null, null),
                listed("acme", "pk-2", acme2, false, null, null),
                // an endorsement of another key, presented for this one
                listed("acme", "pk-3", acme3, false, "pk-1", acme1.endorse("acme", acme2))));
        assertThat(keys.refusal("pk-2", SHA, MANIFEST, acme2.sign(SHA, MANIFEST))).startsWith(
                "signature: untrusted key pk-2 of acme");
        assertThat(keys.refusal("pk-3", SHA, MANIFEST, acme3.sign(SHA, MANIFEST))).startsWith(
                "signature: untrusted key pk-3 of acme");
    }

    @Test
    void aKeyEndorsedByAnotherPublishersKeyIsRefused() throws IOException {
        final TrustedPublishers trust = trustFile("acme " + acme1.base64() + "\nevil " + other.base64() + "\n");
        final TrustedPublishers.Trust keys = trust.with(List.of(listed("evil", "pk-9", other, false, null, null),
                // evil's trusted key endorses a key for acme: it signs acme's name, but it is not acme's key
                listed("acme", "pk-2", acme2, false, "pk-9", other.endorse("acme", acme2)),
                // and a key listed as acme's but endorsed for evil by acme's own key
                listed("evil", "pk-3", acme3, false, "pk-1", acme1.endorse("evil", acme3)),
                listed("acme", "pk-1", acme1, false, null, null)));
        assertThat(keys.trusts("pk-9")).isTrue();
        assertThat(keys.trusts("pk-2")).isFalse();
        assertThat(keys.trusts("pk-3")).isFalse();
        assertThat(keys.refusal("pk-2", SHA, MANIFEST, acme2.sign(SHA, MANIFEST))).startsWith(
                "signature: untrusted key pk-2");
    }

    @Test
    void aTrustFileKeyTheControlPlaneRevokesIsRefused() throws IOException {
        final TrustedPublishers trust = trustFile("acme " + acme1.base64() + "\n");
        final TrustedPublishers.Trust keys = trust.with(List.of(listed("acme", "pk-1", acme1, true, null, null)));
        assertThat(keys.trusts("pk-1")).isFalse();
        assertThat(keys.refusal("pk-1", SHA, MANIFEST, acme1.sign(SHA, MANIFEST))).isEqualTo(
                "signature: revoked key pk-1 of acme");
    }

    @Test
    void aKeyListedUnderATrustedKeysIdButAnotherPublisherIsNotTrusted() throws IOException {
        final TrustedPublishers trust = trustFile("acme " + acme1.base64() + "\n");
        final TrustedPublishers.Trust keys = trust.with(List.of(listed("evil", "pk-1", acme1, false, null, null)));
        assertThat(keys.trusts("pk-1")).isFalse();
    }

    @Test
    void trustFileMistakesNameTheFileAndTheLine() throws IOException {
        assertThatThrownBy(() -> trustFile("# c\nacme\n")).hasMessageContaining("trust")
                .hasMessageContaining("line 2: expected 'publisher base64-key', found 1 fields");
        assertThatThrownBy(() -> trustFile("acme " + acme1.base64() + "\nacme bm90LWEta2V5\n"))
                .hasMessageContaining("line 2: the key of acme is not an Ed25519 public key");
        assertThatThrownBy(() -> trustFile("ac/me " + acme1.base64() + "\n")).hasMessageContaining(
                "line 1: a publisher is 1 to 64");
        assertThatThrownBy(() -> trustFile("# nothing\n")).hasMessageContaining("no keys");
        assertThat(trustFile("acme " + acme1.base64() + "\nacme " + acme2.base64() + "\n").rootKeys()).isEqualTo(2);
    }
}
