package org.edgebook.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * API keys, kept in {@code keys.txt} in the data directory with each secret encrypted (AES-256-GCM) under a master key
 * that lives outside it ({@code --key-file}, by default {@code ~/.edgebook/master.key}, created owner-only on first
 * use). HMAC signing needs the server to know each secret, so secrets cannot be hashed; encrypting them means a copy
 * of the data directory alone does not hand them out. Secrets are never logged.
 * <p>
 * Threading: lookups from any thread; creation is synchronized and rewrites the file atomically.
 */
public final class KeyStore {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final Path file;
    private final SecretKeySpec master;
    private final Map<String, ApiKey> keys = new ConcurrentHashMap<>();

    private KeyStore(final Path file, final SecretKeySpec master) {
        this.file = file;
        this.master = master;
    }

    /** Opens (or starts) the key file in {@code dataDir}, with the master key in {@code masterKeyFile}. */
    public static KeyStore open(final Path dataDir, final Path masterKeyFile) throws IOException {
        final KeyStore store = new KeyStore(dataDir.resolve("keys.txt"), new SecretKeySpec(masterKey(masterKeyFile),
                "AES"));
        if (Files.exists(store.file)) {
            for (final String line : Files.readAllLines(store.file, StandardCharsets.UTF_8)) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                final String[] parts = line.split(" ");
                if (parts.length != 3) {
                    throw new IOException(store.file + ": a line is not 'id account-or-* encrypted-secret'");
                }
                store.keys.put(parts[0], new ApiKey(parts[0], store.decrypt(parts[2]),
                        parts[1].equals("*") ? null : new String(Base64.getUrlDecoder().decode(parts[1]),
                                StandardCharsets.UTF_8)));
            }
        }
        return store;
    }

    private static byte[] masterKey(final Path file) throws IOException {
        if (Files.exists(file)) {
            final byte[] key = HexFormat.of().parseHex(Files.readString(file).strip());
            if (key.length != 32) {
                throw new IOException(file + " does not hold a 256-bit key");
            }
            return key;
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        final byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        final Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, HexFormat.of().formatHex(key));
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (final UnsupportedOperationException e) {
            // not a POSIX file system: the file keeps the platform's default permissions
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        return key;
    }

    /** The key with this id, or {@code null}. */
    public ApiKey find(final String id) {
        return id == null ? null : keys.get(id);
    }

    public boolean isEmpty() {
        return keys.isEmpty();
    }

    /** All keys, secrets included: for the operator's listing at first start only. */
    List<ApiKey> all() {
        return new ArrayList<>(keys.values());
    }

    /** Creates and stores a key for {@code account} ({@code null} for an admin key); returns it with its secret. */
    public synchronized ApiKey create(final String account) throws IOException {
        final byte[] idBytes = new byte[9];
        RANDOM.nextBytes(idBytes);
        final byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        // The secret is the hex text itself, as clients hold it: they sign with its ASCII bytes.
        final byte[] secret = HexFormat.of().formatHex(random).getBytes(StandardCharsets.US_ASCII);
        final ApiKey key = new ApiKey("ek_" + Base64.getUrlEncoder().withoutPadding().encodeToString(idBytes), secret,
                account);
        keys.put(key.id(), key);
        save();
        return key;
    }

    /** Removes a key; returns whether it existed. Requests signed with it fail from now on. */
    public synchronized boolean revoke(final String id) throws IOException {
        final boolean existed = keys.remove(id) != null;
        if (existed) {
            save();
        }
        return existed;
    }

    private void save() throws IOException {
        final StringBuilder text = new StringBuilder("# edgebook API keys: id, account (base64url) or * for admin, "
                + "secret encrypted under the master key\n");
        for (final ApiKey key : keys.values()) {
            text.append(key.id()).append(' ')
                    .append(key.admin() ? "*" : Base64.getUrlEncoder().encodeToString(
                            key.account().getBytes(StandardCharsets.UTF_8)))
                    .append(' ').append(encrypt(key.secret())).append('\n');
        }
        Files.createDirectories(file.getParent());
        final Path tmp = file.resolveSibling("keys.txt.tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private String encrypt(final byte[] secret) throws IOException {
        try {
            final byte[] nonce = new byte[12];
            RANDOM.nextBytes(nonce);
            final Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, master, new GCMParameterSpec(128, nonce));
            final byte[] sealed = cipher.doFinal(secret);
            final byte[] out = new byte[nonce.length + sealed.length];
            System.arraycopy(nonce, 0, out, 0, nonce.length);
            System.arraycopy(sealed, 0, out, nonce.length, sealed.length);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(out);
        } catch (final GeneralSecurityException e) {
            throw new IOException("cannot encrypt a key secret", e);
        }
    }

    private byte[] decrypt(final String text) throws IOException {
        try {
            final byte[] in = Base64.getUrlDecoder().decode(text);
            final Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, master, new GCMParameterSpec(128, in, 0, 12));
            return cipher.doFinal(in, 12, in.length - 12);
        } catch (final GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException(file + ": a key secret does not decrypt: is this the master key it was made "
                    + "with?", e);
        }
    }
}
