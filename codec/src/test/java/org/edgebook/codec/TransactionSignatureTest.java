package org.edgebook.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The fixed vectors of docs/signing.md: anyone implementing the canonical form checks against these. */
class TransactionSignatureTest {
    /** The Ed25519 key whose 32-byte seed is 00 01 02 … 1f. */
    static final String PEM = """
            -----BEGIN PRIVATE KEY-----
            MC4CAQAwBQYDK2VwBCIEIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f
            -----END PRIVATE KEY-----
            """;
    static final String PUBLIC = "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=";
    static final String KEY_ID = "ck-Vkdap1RjR0wChd9d";
    static final String SIG =
            "GWeofh0HkngXlqxWtN7mC+6Ilj0SeszjjDQEa5ON4hFMMsD/qG6fTOXjzHdYrZb+LYr3cA8Idkos+DozbfPkAA==";

    private static Map<String, Object> parse(final String json) {
        final byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        return CanonicalJson.parseObject(bytes, 0, bytes.length);
    }

    @Test
    void canonicalJsonSortsMembersDropsWhitespaceAndEscapesMinimally() {
        assertThat(CanonicalJson.write(parse("{\"b\":\"café \\u0001\\n\\\"\\/\",\"a\":[1,true,null,{\"é\":0,"
                + "\"z\":-9007199254740991}],\"A\":\"\\u20ac\"}")))
                .isEqualTo("{\"A\":\"€\",\"a\":[1,true,null,{\"z\":-9007199254740991,\"é\":0}],"
                        + "\"b\":\"café \\u0001\\n\\\"/\"}");
    }

    @Test
    void refusesWhatCouldBeReadTwoWays() {
        assertThatThrownBy(() -> parse("{\"a\":\"1\",\"a\":\"2\"}")).hasMessageContaining("a");
        assertThatThrownBy(() -> parse("{\"amount\":1.5}")).hasMessageContaining("amount")
                .hasMessageContaining("integer");
        assertThatThrownBy(() -> parse("{\"n\":9007199254740992}")).hasMessageContaining("2^53");
        assertThatThrownBy(() -> parse("[1]")).hasMessageContaining("object");
        assertThatThrownBy(() -> parse("{\"to\":\"\\ud800\"}")).hasMessageContaining("'to': not valid Unicode");
    }

    @Test
    void theFixedVector() {
        final PrivateKey key = TransactionSignature.privateKey(PEM);
        final byte[] raw = TransactionSignature.rawPublicKey("publicKey", PUBLIC);
        assertThat(TransactionSignature.keyId(raw)).isEqualTo(KEY_ID);
        final Map<String, Object> signed = TransactionSignature.sign(parse("{ \"type\": \"transfer\", \"transferId\": "
                + "\"t-1\", \"from\": \"alice\", \"to\": \"bob\", \"asset\": \"USD\", \"amount\": \"12.50\" }"), key,
                KEY_ID, 1767225600000L);
        assertThat(new String(TransactionSignature.signedBytes(signed), StandardCharsets.UTF_8))
                .isEqualTo("edgebook-tx-v1\n{\"amount\":\"12.50\",\"asset\":\"USD\",\"from\":\"alice\","
                        + "\"signedAt\":1767225600000,\"to\":\"bob\",\"transferId\":\"t-1\",\"type\":\"transfer\"}");
        assertThat(CanonicalJson.write(signed)).isEqualTo("{\"amount\":\"12.50\",\"asset\":\"USD\",\"from\":\"alice\","
                + "\"signature\":{\"keyId\":\"" + KEY_ID + "\",\"sig\":\"" + SIG + "\"},\"signedAt\":1767225600000,"
                + "\"to\":\"bob\",\"transferId\":\"t-1\",\"type\":\"transfer\"}");
        assertThat(TransactionSignature.verify(TransactionSignature.publicKey(raw),
                TransactionSignature.signedBytes(signed), Base64.getDecoder().decode(SIG))).isTrue();
        final Map<String, Object> forged = parse(CanonicalJson.write(signed).replace("12.50", "12.60"));
        assertThat(TransactionSignature.verify(TransactionSignature.publicKey(raw),
                TransactionSignature.signedBytes(forged), Base64.getDecoder().decode(SIG))).isFalse();
    }

    @Test
    void publicKeysAreRawOrSpkiAndAMalformedOneNamesTheField() {
        final byte[] raw = Base64.getDecoder().decode(PUBLIC);
        final String spki = Base64.getEncoder().encodeToString(TransactionSignature.publicKey(raw).getEncoded());
        assertThat(TransactionSignature.rawPublicKey("publicKey", spki)).isEqualTo(raw);
        assertThatThrownBy(() -> TransactionSignature.rawPublicKey("publicKey", "AAAA"))
                .hasMessageContaining("publicKey holds 3 bytes");
        assertThatThrownBy(() -> TransactionSignature.rawPublicKey("publicKey", "not base64!"))
                .hasMessageContaining("publicKey is not base64");
    }
}
