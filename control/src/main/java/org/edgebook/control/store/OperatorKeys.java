package org.edgebook.control.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The operator keys (docs/control-plane.md section 1), held in memory from table {@code operator_keys}. On the
 * first start there is none: one is made ({@code op-} and 8 random hex digits; a secret of 32 random bytes, as 64 hex
 * digits, whose text keys the HMAC as {@code RequestSignature} does) and written to {@code operator-key} in the data
 * directory ({@code ID SECRET}, mode {@code rw-------}).
 * <p>
 * Threading: thread-safe; lookups read a concurrent map.
 */
public final class OperatorKeys {
    /** The file the first key is written to, in the data directory. */
    public static final String FILE = "operator-key";

    /** A key: its id and its secret's text. */
    public record Key(String id, String secret) {
        /** The bytes the HMAC is keyed with. */
        public byte[] secretBytes() {
            return secret.getBytes(StandardCharsets.US_ASCII);
        }
    }

    private final Map<String, Key> keys = new ConcurrentHashMap<>();
    private Key created;

    private OperatorKeys() {
    }

    /** The keys in {@code db}; the first start makes one and writes it to {@code dataDir} (when not null). */
    public static OperatorKeys open(final Database db, final Path dataDir, final long now) throws SQLException,
            IOException {
        final OperatorKeys keys = new OperatorKeys();
        db.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT key_id, secret FROM operator_keys WHERE revoked_at IS NULL");
                 ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    keys.keys.put(r.getString(1), new Key(r.getString(1), r.getString(2)));
                }
            }
            return null;
        });
        if (keys.keys.isEmpty()) {
            final SecureRandom random = new SecureRandom();
            final byte[] id = new byte[4];
            final byte[] secret = new byte[32];
            random.nextBytes(id);
            random.nextBytes(secret);
            final Key key = new Key("op-" + HexFormat.of().formatHex(id), HexFormat.of().formatHex(secret));
            if (dataDir != null) {
                write(dataDir.resolve(FILE), key);
            }
            db.inTransaction(c -> {
                try (PreparedStatement s = c.prepareStatement(
                        "INSERT INTO operator_keys (key_id, secret, created_at) VALUES (?, ?, ?)")) {
                    s.setString(1, key.id());
                    s.setString(2, key.secret());
                    s.setLong(3, now);
                    s.executeUpdate();
                }
                Records.audit(c, now, "control", "operator-key.create", key.id(), "{}");
                return null;
            });
            keys.keys.put(key.id(), key);
            keys.created = key;
        }
        return keys;
    }

    private static void write(final Path file, final Key key) throws IOException {
        Files.createDirectories(file.getParent());
        Files.deleteIfExists(file);
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (final UnsupportedOperationException e) {
            Files.createFile(file);
        }
        Files.writeString(file, key.id() + " " + key.secret() + "\n", StandardCharsets.US_ASCII,
                StandardOpenOption.TRUNCATE_EXISTING);
    }

    /** Reads a key file ({@code ID SECRET}); the message names the file when it is not one. */
    public static Key read(final Path file) throws IOException {
        final String[] parts = Files.readString(file, StandardCharsets.US_ASCII).trim().split("\\s+");
        if (parts.length != 2) {
            throw new IOException(file + ": not 'ID SECRET' on one line");
        }
        return new Key(parts[0], parts[1]);
    }

    /** The key with that id, or null. */
    public Key find(final String id) {
        return keys.get(id);
    }

    /** The key made by this start (to print once), or null if the store had one already. */
    public Key created() {
        return created;
    }

    /** Any key (the first made), for tests and the command's banner. */
    public Key any() {
        return keys.values().iterator().next();
    }
}
