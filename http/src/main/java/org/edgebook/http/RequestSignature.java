package org.edgebook.http;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The request signature, as major exchanges do it: hex HMAC-SHA256, keyed with the secret's text (its ASCII bytes), of
 * {@code timestamp + method + path + body}, where the timestamp is milliseconds since the epoch and the path includes
 * the query string. Sent as headers {@code EB-KEY}, {@code EB-TIMESTAMP}, {@code EB-SIGNATURE}. A request more than
 * {@link #WINDOW_MILLIS} away from the server's clock is refused, and within the window the server refuses a signature
 * it has seen before ({@link ReplayGuard}), so a captured request cannot be sent again.
 * Stateless and thread-safe.
 */
public final class RequestSignature {
    public static final String KEY_HEADER = "EB-KEY";
    public static final String TIMESTAMP_HEADER = "EB-TIMESTAMP";
    public static final String SIGNATURE_HEADER = "EB-SIGNATURE";
    /** How far a request's timestamp may be from the server's clock: what clock skew needs, and no more. */
    public static final long WINDOW_MILLIS = 5_000;

    private RequestSignature() {
    }

    public static String sign(final byte[] secret, final String timestamp, final String method, final String path,
                              final byte[] body) {
        try {
            final Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(timestamp.getBytes(StandardCharsets.UTF_8));
            mac.update(method.getBytes(StandardCharsets.UTF_8));
            mac.update(path.getBytes(StandardCharsets.UTF_8));
            mac.update(body);
            return HexFormat.of().formatHex(mac.doFinal());
        } catch (final GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }

    /** Whether {@code signature} is right, compared in constant time. */
    public static boolean verify(final byte[] secret, final String timestamp, final String method, final String path,
                                 final byte[] body, final String signature) {
        final byte[] expected = sign(secret, timestamp, method, path, body).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.US_ASCII));
    }
}
