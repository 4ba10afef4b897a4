package org.edgebook.edge.tx;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import org.edgebook.http.RequestSignature;

/**
 * The edge node's operator key: the one key that may release and reject held transactions and read any transaction.
 * Kept in {@code operator.key} in the node's data directory (owner-only), made at the first start and printed once.
 * Requests are signed as settlement's API requests are ({@link RequestSignature}: {@code EB-KEY}, {@code EB-TIMESTAMP},
 * {@code EB-SIGNATURE}, hex HMAC-SHA256 of timestamp + method + path + body), so the same curl and openssl recipe
 * works. Unlike settlement, the node keeps no record of signatures seen: a captured operator request can be replayed
 * within the clock window, and every operator action is idempotent or refused the second time (a released
 * transaction is no longer held).
 * <p>
 * Immutable and thread-safe.
 */
public final class OperatorKey {
    public static final String FILE = "operator.key";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String id;
    private final byte[] secret;
    private final long clockWindowMillis;
    private final boolean created;

    private OperatorKey(final String id, final byte[] secret, final long clockWindowMillis, final boolean created) {
        this.id = id;
        this.secret = secret;
        this.clockWindowMillis = clockWindowMillis;
        this.created = created;
    }

    /** The key in {@code dir}'s {@value #FILE}, made (and forced) if there is none. */
    public static OperatorKey loadOrCreate(final Path dir, final long clockWindowMillis) throws IOException {
        final Path file = dir.resolve(FILE);
        if (Files.exists(file)) {
            final String[] parts = Files.readString(file, StandardCharsets.US_ASCII).trim().split(" ");
            if (parts.length != 2 || !parts[0].startsWith("op_") || parts[1].length() != 64) {
                throw new IOException(file + ": not 'op_ID SECRET' (the secret is 64 hex digits)");
            }
            return new OperatorKey(parts[0], parts[1].getBytes(StandardCharsets.US_ASCII), clockWindowMillis, false);
        }
        final byte[] idBytes = new byte[9];
        final byte[] secretBytes = new byte[32];
        RANDOM.nextBytes(idBytes);
        RANDOM.nextBytes(secretBytes);
        final String id = "op_" + Base64.getUrlEncoder().withoutPadding().encodeToString(idBytes);
        final String secret = HexFormat.of().formatHex(secretBytes);
        final Path tmp = dir.resolve(FILE + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, id + " " + secret + "\n", StandardCharsets.US_ASCII);
        try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        return new OperatorKey(id, secret.getBytes(StandardCharsets.US_ASCII), clockWindowMillis, true);
    }

    public String id() {
        return id;
    }

    /** The secret's text, for the one-time print at the first start. */
    public String secretText() {
        return new String(secret, StandardCharsets.US_ASCII);
    }

    /** Whether this start made the key (and should print it). */
    public boolean created() {
        return created;
    }

    /**
     * Why a request's operator headers do not authenticate it, or null when they do.
     *
     * @param pathAndQuery the request's path with its query, as sent
     */
    public String refusal(final String keyId, final String timestamp, final String signature, final String method,
                          final String pathAndQuery, final byte[] body, final long nowMillis) {
        if (keyId == null || timestamp == null || signature == null) {
            return "send " + RequestSignature.KEY_HEADER + ", " + RequestSignature.TIMESTAMP_HEADER + " and "
                    + RequestSignature.SIGNATURE_HEADER + " signed with the node's operator key";
        }
        final long millis;
        try {
            millis = Long.parseLong(timestamp);
        } catch (final NumberFormatException e) {
            return "the timestamp is not milliseconds";
        }
        if (Math.abs(nowMillis - millis) > clockWindowMillis) {
            return "the timestamp is more than " + clockWindowMillis + " ms from the node's clock";
        }
        if (!id.equals(keyId) || !RequestSignature.verify(secret, timestamp, method, pathAndQuery, body, signature)) {
            return "unknown key or bad signature";
        }
        return null;
    }
}
