package org.edgebook.edge.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import org.edgebook.codec.Ed25519Key;
import org.edgebook.codec.TransactionSignature;

/**
 * A node's Ed25519 key in a PKCS#8 PEM file: read when it exists, else made and written there, readable by its owner
 * only ({@code rw-------}, set as the file is created, so it is never readable by others).
 * <p>
 * Threading: stateless; called once at start-up, before the node serves.
 */
public final class NodeKeyFile {
    /** The file's name in the node's data directory when {@code --node-key} is not given. */
    public static final String DEFAULT_NAME = "node-key.pem";

    private NodeKeyFile() {
    }

    /** The key in {@code file}; refused naming the file when it is not an Ed25519 key in PKCS#8 PEM. */
    public static Ed25519Key.Private read(final Path file) throws IOException {
        try {
            return Ed25519Key.Private.of(TransactionSignature.privateKey(Files.readString(file,
                    StandardCharsets.US_ASCII)));
        } catch (final IllegalArgumentException e) {
            throw new IOException("node key " + file + ": " + e.getMessage(), e);
        }
    }

    /** The key in {@code file}, made and written there first when the file does not exist. */
    public static Ed25519Key.Private readOrCreate(final Path file) throws IOException {
        if (Files.exists(file)) {
            return read(file);
        }
        final PrivateKey key;
        try {
            key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPrivate();
        } catch (final GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is missing from this JDK", e);
        }
        final Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        final Path temporary = dir.resolve(file.getFileName() + ".tmp");
        Files.deleteIfExists(temporary);
        try {
            Files.createFile(temporary, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                    "rw-------")));
        } catch (final UnsupportedOperationException e) { // not a POSIX file system
            Files.createFile(temporary);
        }
        Files.writeString(temporary, TransactionSignature.pem(key), StandardCharsets.US_ASCII,
                StandardOpenOption.TRUNCATE_EXISTING);
        try {
            Files.move(temporary, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (final FileAlreadyExistsException e) { // made by another start meanwhile: that one holds
            Files.deleteIfExists(temporary);
        }
        return read(file);
    }
}
