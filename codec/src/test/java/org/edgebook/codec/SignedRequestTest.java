package org.edgebook.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class SignedRequestTest {
    private static final byte[] BODY = "{\"sourceSeq\":1}\n".getBytes(StandardCharsets.UTF_8);

    @Test
    void aRequestSignedByTheNodeKeyVerifiesAndAnyChangeDoesNot() throws Exception {
        final KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        final Ed25519Key.Private key = Ed25519Key.Private.of(pair.getPrivate());
        final Ed25519Key.Public pub = Ed25519Key.Public.of(TransactionSignature.raw(pair.getPublic()));
        final String sig = SignedRequest.sign(key, 1_700_000_000_000L, "POST", "/v1/forward", BODY);

        assertThat(SignedRequest.verify(pub, 1_700_000_000_000L, "POST", "/v1/forward", BODY, sig)).isTrue();
        assertThat(SignedRequest.verify(pub, 1_700_000_000_001L, "POST", "/v1/forward", BODY, sig)).isFalse();
        assertThat(SignedRequest.verify(pub, 1_700_000_000_000L, "PUT", "/v1/forward", BODY, sig)).isFalse();
        assertThat(SignedRequest.verify(pub, 1_700_000_000_000L, "POST", "/v1/forward?x", BODY, sig)).isFalse();
        final byte[] changed = BODY.clone();
        changed[13] = '2';
        assertThat(SignedRequest.verify(pub, 1_700_000_000_000L, "POST", "/v1/forward", changed, sig)).isFalse();
        assertThat(SignedRequest.verify(pub, 1_700_000_000_000L, "POST", "/v1/forward", BODY, "not base64!"))
                .isFalse();
    }

    @Test
    void bouncyCastleAndTheJdkMakeAndAcceptTheSameSignatures() throws Exception {
        final KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        final byte[] message = SignedRequest.signedBytes(42, "GET", "/v1/node/client-keys?after=0", new byte[0], 0,
                0);
        final Signature jdk = Signature.getInstance("Ed25519");
        jdk.initSign(pair.getPrivate());
        jdk.update(message);
        final byte[] byJdk = jdk.sign();
        final byte[] byBc = Ed25519Key.Private.of(pair.getPrivate()).sign(message);

        assertThat(byBc).isEqualTo(byJdk); // RFC 8032 signatures are deterministic
        assertThat(Ed25519Key.Private.of(pair.getPrivate()).publicRaw())
                .isEqualTo(TransactionSignature.raw(pair.getPublic()));
        final Signature check = Signature.getInstance("Ed25519");
        check.initVerify(pair.getPublic());
        check.update(message);
        assertThat(check.verify(byBc)).isTrue();
        assertThat(Base64.getEncoder().encodeToString(byBc)).hasSize(88);
    }

    @Test
    void aPublicKeyThatIsNotAPointIsRefused() {
        assertThatThrownBy(() -> Ed25519Key.Public.of(new byte[31])).hasMessageContaining("32 bytes, not 31");
        final byte[] notAPoint = new byte[32];
        notAPoint[0] = 2; // y = 2 has no x on the curve
        assertThatThrownBy(() -> Ed25519Key.Public.of(notAPoint)).hasMessageContaining("not a valid");
    }
}
