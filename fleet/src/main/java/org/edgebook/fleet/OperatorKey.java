package org.edgebook.fleet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.edgebook.http.RequestSignature;

/**
 * The operator's key (docs/control-plane.md section 1): an id and a secret, read from a file holding {@code ID SECRET}
 * (as the control plane writes {@code operator-key}). Requests are signed as the settlement API's
 * ({@link RequestSignature}): hex HMAC-SHA256 of timestamp + method + path with query + body, keyed with the secret's
 * text.
 * <p>
 * Threading: immutable; any thread.
 */
public record OperatorKey(String id, String secret) {

    /** Reads {@code file}: one line, {@code ID SECRET}; refused, naming the file, otherwise. */
    public static OperatorKey read(final Path file) throws IOException {
        final String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
        final String[] parts = text.split("\\s+");
        if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw new IllegalArgumentException("the operator key file " + file + " must hold one line: ID SECRET");
        }
        return new OperatorKey(parts[0], parts[1]);
    }

    /** The {@code EB-SIGNATURE} of a request at {@code timestampMillis}. */
    public String sign(final long timestampMillis, final String method, final String pathAndQuery,
                       final byte[] body) {
        return RequestSignature.sign(secret.getBytes(StandardCharsets.US_ASCII), Long.toString(timestampMillis), method,
                pathAndQuery, body);
    }
}
