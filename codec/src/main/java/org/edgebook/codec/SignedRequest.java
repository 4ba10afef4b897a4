package org.edgebook.codec;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * An HTTP request signed with an Ed25519 key (docs/transaction-path.md, "Signed requests"): how an edge node
 * authenticates to settlement with its node key, and a client to an edge node with its client key. The signed bytes
 * are {@link #PREFIX}, then the timestamp (epoch milliseconds, decimal), the method, and the path with its query, each
 * followed by a line feed, then the body's bytes. Sent as {@code EB-NODE} (a node's id) or {@code EB-CLIENT-KEY} (a
 * client key's {@code ck-…} id), {@code EB-TIMESTAMP} and {@code EB-SIGNATURE} (base64 of the 64 bytes). The receiver
 * refuses a timestamp outside its clock window and a signature it has seen inside it. Stateless and thread-safe.
 */
public final class SignedRequest {
    /** The domain of this signature and its version: never the prefix of a signed transaction. */
    public static final String PREFIX = "edgebook-req-v1\n";
    public static final String NODE_HEADER = "EB-NODE";
    public static final String CLIENT_KEY_HEADER = "EB-CLIENT-KEY";
    public static final String TIMESTAMP_HEADER = "EB-TIMESTAMP";
    public static final String SIGNATURE_HEADER = "EB-SIGNATURE";

    private SignedRequest() {
    }

    /** The bytes signed for a request. */
    public static byte[] signedBytes(final long timestampMillis, final String method, final String pathAndQuery,
                                     final byte[] body, final int bodyOffset, final int bodyLength) {
        final byte[] head = (PREFIX + timestampMillis + '\n' + method + '\n' + pathAndQuery + '\n')
                .getBytes(StandardCharsets.UTF_8);
        final byte[] bytes = new byte[head.length + bodyLength];
        System.arraycopy(head, 0, bytes, 0, head.length);
        System.arraycopy(body, bodyOffset, bytes, head.length, bodyLength);
        return bytes;
    }

    /** The {@code EB-SIGNATURE} value of a request. */
    public static String sign(final Ed25519Key.Private key, final long timestampMillis, final String method,
                              final String pathAndQuery, final byte[] body) {
        return Base64.getEncoder().encodeToString(key.sign(signedBytes(timestampMillis, method, pathAndQuery, body, 0,
                body.length)));
    }

    /** Whether {@code signatureBase64} is {@code key}'s signature of the request; false for a malformed one. */
    public static boolean verify(final Ed25519Key.Public key, final long timestampMillis, final String method,
                                 final String pathAndQuery, final byte[] body, final String signatureBase64) {
        final byte[] signature;
        try {
            signature = Base64.getDecoder().decode(signatureBase64);
        } catch (final IllegalArgumentException e) {
            return false;
        }
        return key.verify(signedBytes(timestampMillis, method, pathAndQuery, body, 0, body.length), signature);
    }
}
