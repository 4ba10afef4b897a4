package org.edgebook.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.edgebook.codec.Ed25519Key;
import org.edgebook.codec.TransactionSignature;
import org.edgebook.journal.OwnerOnly;

/**
 * API keys, kept in {@code keys.txt} in the data directory with each secret encrypted (AES-256-GCM) under a master key
 * that lives outside it ({@code --key-file}, by default {@code ~/.edgebook/master.key}). HMAC signing needs the server
 * to know each secret, so secrets cannot be hashed; encrypting them means a copy of the data directory alone does not
 * hand them out. Secrets are never logged.
 * <p>
 * {@link #open} checks everything and writes nothing: the master key (64 hex digits, owner-only, or a warning naming
 * the file and its mode), every line of {@code keys.txt}, and that a master key exists when there are keys to
 * decrypt. A missing master key is made in memory and written, born {@code rw-------} in {@code rwx------} folders,
 * with the first key stored. Every change is written first (a temporary owner-only file, forced, renamed over the
 * old one) and only then applied: a change that cannot be written is not made, so the keys in memory are always the
 * keys on disk, before and after a restart. Every error names the file and what is wrong with it.
 * <p>
 * Beside them, in clear (they are public): the clients' Ed25519 keys ({@code client-keys.txt}) and the edge nodes'
 * ({@code nodes.txt}), written with the same discipline. Every change of a client key (registered, revoked) takes the
 * next <em>version</em>, kept with the key on its line, so versions only grow, across restarts too: a node that has
 * every change up to version V asks for those after V ({@link #clientKeysAfter}) and misses none.
 * <p>
 * Threading: lookups from any thread (immutable maps, replaced whole); changes are synchronized.
 */
public final class KeyStore {
    /** The key file's name in the data directory. */
    public static final String FILE_NAME = "keys.txt";
    /** The clients' Ed25519 public keys ({@link ClientSigningKey}), beside the API keys, public and so in clear. */
    public static final String CLIENT_FILE_NAME = "client-keys.txt";
    /** The edge nodes' Ed25519 public keys ({@link NodeKey}), public and so in clear. */
    public static final String NODE_FILE_NAME = "nodes.txt";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int KEY_BYTES = 32;

    /** Writes a file whole and durably, or not at all: a seam for tests of a disk that fails. */
    @FunctionalInterface
    interface FileWriter {
        void write(Path file, String text) throws IOException;
    }

    private final Path file;
    private final Path masterKeyFile;
    private final SecretKeySpec master;
    private final FileWriter writer;
    private boolean masterKeyWritten;
    private volatile Map<String, ApiKey> keys = Map.of();
    private final Path clientFile;
    private volatile Map<String, ClientSigningKey> clientKeys = Map.of();
    private final Path nodeFile;
    private volatile Map<String, NodeKey> nodes = Map.of();

    private KeyStore(final Path file, final Path masterKeyFile, final byte[] master, final boolean masterKeyWritten,
                     final FileWriter writer) {
        this.file = file;
        this.clientFile = file.resolveSibling(CLIENT_FILE_NAME);
        this.nodeFile = file.resolveSibling(NODE_FILE_NAME);
        this.masterKeyFile = masterKeyFile;
        this.master = new SecretKeySpec(master, "AES");
        this.masterKeyWritten = masterKeyWritten;
        this.writer = writer;
    }

    /**
     * Opens the key file in {@code dataDir} with the master key in {@code masterKeyFile}, checking both, writing
     * nothing. A master key readable by others is used, with a warning to {@code warn}.
     */
    public static KeyStore open(final Path dataDir, final Path masterKeyFile, final Consumer<String> warn)
            throws IOException {
        return open(dataDir, masterKeyFile, warn, KeyStore::writeOwnerOnly);
    }

    static KeyStore open(final Path dataDir, final Path masterKeyFile, final Consumer<String> warn,
                         final FileWriter writer) throws IOException {
        final Path file = dataDir.resolve(FILE_NAME);
        final boolean haveKeys = Files.exists(file);
        final KeyStore store;
        if (Files.exists(masterKeyFile)) {
            store = new KeyStore(file, masterKeyFile, readMasterKey(masterKeyFile, warn), true, writer);
        } else if (haveKeys) {
            throw new IOException("the master key " + masterKeyFile + " does not exist, but " + file + " holds API "
                    + "keys encrypted under one: give --key-file the master key they were made with (or move " + file
                    + " aside to start with new keys). Nothing was written");
        } else {
            final byte[] key = new byte[KEY_BYTES];
            RANDOM.nextBytes(key);
            store = new KeyStore(file, masterKeyFile, key, false, writer); // written with the first key stored
        }
        if (haveKeys) {
            store.keys = Map.copyOf(store.read());
        }
        if (Files.exists(store.clientFile)) {
            store.clientKeys = Map.copyOf(store.readClientKeys());
        }
        if (Files.exists(store.nodeFile)) {
            store.nodes = Map.copyOf(store.readNodes());
        }
        return store;
    }

    private static byte[] readMasterKey(final Path file, final Consumer<String> warn) throws IOException {
        final String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII).strip();
        } catch (final IOException e) {
            throw new IOException("cannot read the master key " + file + ": " + e, e);
        }
        for (int i = 0; i < text.length(); i++) {
            if (Character.digit(text.charAt(i), 16) < 0) {
                throw new IOException("the master key " + file + " is not hex: character " + (i + 1) + " is not a hex "
                        + "digit; a master key is " + KEY_BYTES * 2 + " hex digits (" + KEY_BYTES + " bytes)");
            }
        }
        if (text.length() != KEY_BYTES * 2) {
            throw new IOException("the master key " + file + " holds " + text.length() + " hex digits; a master key is "
                    + KEY_BYTES * 2 + " hex digits (" + KEY_BYTES + " bytes)");
        }
        final byte[] key = HexFormat.of().parseHex(text);
        if (OwnerOnly.posix(file)) {
            final Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
            if (!OwnerOnly.FILE.containsAll(mode)) {
                warn.accept("the master key " + file + " can be read or changed by others (mode "
                        + PosixFilePermissions.toString(mode) + "); it should be rw------- (chmod 600 " + file + ")");
            }
        }
        return key;
    }

    private Map<String, ApiKey> read() throws IOException {
        final List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (final IOException e) {
            throw new IOException("cannot read " + file + ": " + e, e);
        }
        final Map<String, ApiKey> read = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            final String line = lines.get(i);
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            final String[] parts = line.split(" ");
            if (parts.length != 3) {
                throw new IOException(file + " line " + (i + 1) + ": not 'id account-or-* encrypted-secret'");
            }
            final String account;
            try {
                account = parts[1].equals("*") ? null : new String(Base64.getUrlDecoder().decode(parts[1]),
                        StandardCharsets.UTF_8);
            } catch (final IllegalArgumentException e) {
                throw new IOException(file + " line " + (i + 1) + ": the account is not base64url", e);
            }
            read.put(parts[0], new ApiKey(parts[0], decrypt(parts[2], i + 1), account));
        }
        return read;
    }

    private Map<String, ClientSigningKey> readClientKeys() throws IOException {
        final List<String> lines;
        try {
            lines = Files.readAllLines(clientFile, StandardCharsets.UTF_8);
        } catch (final IOException e) {
            throw new IOException("cannot read " + clientFile + ": " + e, e);
        }
        final Map<String, ClientSigningKey> read = new HashMap<>();
        long unversioned = 0; // a file written before versions: its keys get versions 1, 2, … in its order
        for (int i = 0; i < lines.size(); i++) {
            final String line = lines.get(i);
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            final String[] parts = line.split(" ");
            if (parts.length != 4 && parts.length != 5 || !parts[3].equals("active") && !parts[3].equals("revoked")) {
                throw new IOException(clientFile + " line " + (i + 1) + ": not 'id account public-key active|revoked "
                        + "version'");
            }
            final long version;
            try {
                version = parts.length == 5 ? Long.parseLong(parts[4]) : ++unversioned;
            } catch (final NumberFormatException e) {
                throw new IOException(clientFile + " line " + (i + 1) + ": the version is not a number", e);
            }
            if (version < 1) {
                throw new IOException(clientFile + " line " + (i + 1) + ": the version is not positive");
            }
            try {
                final String account = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
                final byte[] raw = TransactionSignature.rawPublicKey("the public key", parts[2]);
                if (!TransactionSignature.keyId(raw).equals(parts[0])) {
                    throw new IllegalArgumentException("the id is not the key's (" + TransactionSignature.keyId(raw)
                            + ")");
                }
                if (read.containsKey(parts[0])) {
                    throw new IllegalArgumentException("key " + parts[0] + " is listed twice");
                }
                read.put(parts[0], new ClientSigningKey(parts[0], account, raw, Ed25519Key.Public.of(raw),
                        parts[3].equals("revoked"), version));
            } catch (final IllegalArgumentException e) {
                throw new IOException(clientFile + " line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return read;
    }

    private Map<String, NodeKey> readNodes() throws IOException {
        final List<String> lines;
        try {
            lines = Files.readAllLines(nodeFile, StandardCharsets.UTF_8);
        } catch (final IOException e) {
            throw new IOException("cannot read " + nodeFile + ": " + e, e);
        }
        final Map<String, NodeKey> read = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            final String line = lines.get(i);
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            final String[] parts = line.split(" ");
            if (parts.length != 3 || !parts[2].equals("active") && !parts[2].equals("revoked")) {
                throw new IOException(nodeFile + " line " + (i + 1) + ": not 'node public-key active|revoked'");
            }
            try {
                final String problem = NodeKey.problem(parts[0]);
                if (problem != null) {
                    throw new IllegalArgumentException(problem);
                }
                if (read.containsKey(parts[0])) {
                    throw new IllegalArgumentException("node " + parts[0] + " is listed twice");
                }
                final byte[] raw = TransactionSignature.rawPublicKey("the public key", parts[1]);
                read.put(parts[0], new NodeKey(parts[0], raw, Ed25519Key.Public.of(raw), parts[2].equals("revoked")));
            } catch (final IllegalArgumentException e) {
                throw new IOException(nodeFile + " line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return read;
    }

    /** The node with this id, revoked or not, or {@code null}. */
    public NodeKey findNode(final String id) {
        return id == null ? null : nodes.get(id);
    }

    /** Every node, revoked ones included. */
    List<NodeKey> nodes() {
        return new ArrayList<>(nodes.values());
    }

    /**
     * Registers the node {@code id} with the Ed25519 public key {@code raw} (32 bytes); answers it. An id taken
     * before, even by a node since revoked, is refused ({@link IllegalStateException}): a node's source and its
     * sequence are its own for good. If it cannot be written, it is not registered.
     */
    public synchronized NodeKey registerNode(final String id, final byte[] raw) throws IOException {
        final NodeKey known = nodes.get(id);
        if (known != null) {
            throw new IllegalStateException("node " + id + " is registered" + (known.revoked() ? " (revoked); a "
                    + "node id is never registered again" : ""));
        }
        final NodeKey node = new NodeKey(id, raw.clone(), Ed25519Key.Public.of(raw), false);
        final Map<String, NodeKey> next = new HashMap<>(nodes);
        next.put(id, node);
        saveNodes(next);
        return node;
    }

    /**
     * Revokes a node; returns whether it existed and was not revoked. Requests signed by it are refused from now on.
     * If the revocation cannot be written, the node stays, in memory as on disk.
     */
    public synchronized boolean revokeNode(final String id) throws IOException {
        final NodeKey known = nodes.get(id);
        if (known == null || known.revoked()) {
            return false;
        }
        final Map<String, NodeKey> next = new HashMap<>(nodes);
        next.put(id, new NodeKey(id, known.raw(), known.key(), true));
        saveNodes(next);
        return true;
    }

    private void saveNodes(final Map<String, NodeKey> next) throws IOException {
        final StringBuilder text = new StringBuilder("# edgebook edge nodes (Ed25519): id, public key (base64, 32 raw "
                + "bytes), active or revoked\n");
        final List<NodeKey> sorted = new ArrayList<>(next.values());
        sorted.sort(java.util.Comparator.comparing(NodeKey::id));
        for (final NodeKey node : sorted) {
            text.append(node.id()).append(' ').append(Base64.getEncoder().encodeToString(node.raw())).append(' ')
                    .append(node.revoked() ? "revoked" : "active").append('\n');
        }
        writer.write(nodeFile, text.toString());
        nodes = Map.copyOf(next);
    }

    /** Client keys changed after {@code version}, oldest change first, and the newest version of them all. */
    record ClientKeyChanges(long version, List<ClientSigningKey> keys) {
    }

    /**
     * The client keys whose last change (registration or revocation) came after {@code version} (0: every key), and
     * the newest version: ask again with it to get only what changes next. Read from one snapshot of the keys, so
     * the version answered covers exactly the changes it holds.
     */
    ClientKeyChanges clientKeysAfter(final long version) {
        final Map<String, ClientSigningKey> snapshot = clientKeys;
        long newest = 0;
        final List<ClientSigningKey> changed = new ArrayList<>();
        for (final ClientSigningKey key : snapshot.values()) {
            newest = Math.max(newest, key.version());
            if (key.version() > version) {
                changed.add(key);
            }
        }
        changed.sort(java.util.Comparator.comparingLong(ClientSigningKey::version));
        return new ClientKeyChanges(newest, changed);
    }

    /** The newest version of the client keys: that of the last change written. Under the store's lock. */
    private long newestClientKeyVersion() {
        long newest = 0;
        for (final ClientSigningKey key : clientKeys.values()) {
            newest = Math.max(newest, key.version());
        }
        return newest;
    }

    /** The client signing key with this id, revoked or not, or {@code null}. */
    public ClientSigningKey findClientKey(final String id) {
        return id == null ? null : clientKeys.get(id);
    }

    /** Every client signing key, revoked ones included. */
    List<ClientSigningKey> clientKeys() {
        return new ArrayList<>(clientKeys.values());
    }

    /**
     * Registers the Ed25519 public key {@code raw} (32 bytes) for {@code account}; answers it. Registering a key again
     * for its account answers it as it is; a key of another account, or a revoked one, is refused
     * ({@link IllegalStateException}): a revoked key stays revoked. If it cannot be written, it is not registered.
     */
    public synchronized ClientSigningKey registerClientKey(final String account, final byte[] raw)
            throws IOException {
        final String id = TransactionSignature.keyId(raw);
        final ClientSigningKey known = clientKeys.get(id);
        if (known != null) {
            if (known.revoked()) {
                throw new IllegalStateException("key " + id + " was revoked; a revoked key is not registered again "
                        + "(make a new key pair)");
            }
            if (!known.account().equals(account)) {
                throw new IllegalStateException("key " + id + " is registered for another account");
            }
            return known;
        }
        final ClientSigningKey key = new ClientSigningKey(id, account, raw.clone(), Ed25519Key.Public.of(raw), false,
                newestClientKeyVersion() + 1);
        final Map<String, ClientSigningKey> next = new HashMap<>(clientKeys);
        next.put(id, key);
        saveClientKeys(next);
        return key;
    }

    /**
     * Revokes a client signing key; returns whether it existed and was not revoked. Commands signed with it are
     * refused from now on. If the revocation cannot be written, the key stays, in memory as on disk.
     */
    public synchronized boolean revokeClientKey(final String id) throws IOException {
        final ClientSigningKey known = clientKeys.get(id);
        if (known == null || known.revoked()) {
            return false;
        }
        final Map<String, ClientSigningKey> next = new HashMap<>(clientKeys);
        next.put(id, new ClientSigningKey(id, known.account(), known.raw(), known.key(), true,
                newestClientKeyVersion() + 1));
        saveClientKeys(next);
        return true;
    }

    private void saveClientKeys(final Map<String, ClientSigningKey> next) throws IOException {
        final StringBuilder text = new StringBuilder("# edgebook client signing keys (Ed25519): id, account "
                + "(base64url), public key (base64, 32 raw bytes), active or revoked, version of its last change\n");
        final List<ClientSigningKey> sorted = new ArrayList<>(next.values());
        sorted.sort(java.util.Comparator.comparingLong(ClientSigningKey::version));
        for (final ClientSigningKey key : sorted) {
            text.append(key.id()).append(' ')
                    .append(Base64.getUrlEncoder().encodeToString(key.account().getBytes(StandardCharsets.UTF_8)))
                    .append(' ').append(Base64.getEncoder().encodeToString(key.raw())).append(' ')
                    .append(key.revoked() ? "revoked" : "active").append(' ').append(key.version()).append('\n');
        }
        writer.write(clientFile, text.toString());
        clientKeys = Map.copyOf(next);
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

    /**
     * Creates and stores a key for {@code account} ({@code null} for an admin key); returns it with its secret. If it
     * cannot be written, it is not made.
     */
    public synchronized ApiKey create(final String account) throws IOException {
        final byte[] idBytes = new byte[9];
        RANDOM.nextBytes(idBytes);
        final byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        // The secret is the hex text itself, as clients hold it: they sign with its ASCII bytes.
        final byte[] secret = HexFormat.of().formatHex(random).getBytes(StandardCharsets.US_ASCII);
        final ApiKey key = new ApiKey("ek_" + Base64.getUrlEncoder().withoutPadding().encodeToString(idBytes), secret,
                account);
        final Map<String, ApiKey> next = new HashMap<>(keys);
        next.put(key.id(), key);
        save(next);
        return key;
    }

    /**
     * Removes a key; returns whether it existed. Requests signed with it fail from now on. If the removal cannot be
     * written, the key stays, in memory as on disk.
     */
    public synchronized boolean revoke(final String id) throws IOException {
        if (!keys.containsKey(id)) {
            return false;
        }
        final Map<String, ApiKey> next = new HashMap<>(keys);
        next.remove(id);
        save(next);
        return true;
    }

    /** Writes {@code next} (and the master key, the first time), then makes it the keys in memory. */
    private void save(final Map<String, ApiKey> next) throws IOException {
        final StringBuilder text = new StringBuilder("# edgebook API keys: id, account (base64url) or * for admin, "
                + "secret encrypted under the master key\n");
        for (final ApiKey key : next.values()) {
            text.append(key.id()).append(' ')
                    .append(key.admin() ? "*" : Base64.getUrlEncoder().encodeToString(
                            key.account().getBytes(StandardCharsets.UTF_8)))
                    .append(' ').append(encrypt(key.secret())).append('\n');
        }
        if (!masterKeyWritten) {
            if (Files.exists(masterKeyFile)) {
                throw new IOException("the master key " + masterKeyFile + " appeared while this service was "
                        + "starting; not overwriting it");
            }
            writer.write(masterKeyFile, HexFormat.of().formatHex(master.getEncoded()) + "\n");
            masterKeyWritten = true;
        }
        writer.write(file, text.toString());
        keys = Map.copyOf(next);
    }

    /**
     * Writes {@code text} to a temporary file born {@code rw-------} beside {@code file} (its missing folders born
     * {@code rwx------}), forces it, renames it over {@code file} and forces the folder.
     */
    static void writeOwnerOnly(final Path file, final String text) throws IOException {
        final Path dir = file.toAbsolutePath().getParent();
        final Path tmp = dir.resolve(file.getFileName() + ".tmp");
        try {
            OwnerOnly.createDirectories(dir);
            Files.deleteIfExists(tmp); // left by a crash, perhaps with other permissions
            try (FileChannel channel = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), OwnerOnly.file(tmp))) {
                final ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                channel.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel folder = FileChannel.open(dir, StandardOpenOption.READ)) {
                folder.force(true);
            }
        } catch (final IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (final IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new IOException("cannot write " + file + ": " + e, e);
        }
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

    private byte[] decrypt(final String text, final int line) throws IOException {
        try {
            final byte[] in = Base64.getUrlDecoder().decode(text);
            final Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, master, new GCMParameterSpec(128, in, 0, 12));
            return cipher.doFinal(in, 12, in.length - 12);
        } catch (final GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException(file + " line " + line + ": the key secret does not decrypt under the master key "
                    + masterKeyFile + ": is that the master key it was made with?", e);
        }
    }
}
