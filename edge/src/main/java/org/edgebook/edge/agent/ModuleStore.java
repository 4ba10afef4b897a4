package org.edgebook.edge.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.edgebook.codec.ModuleSignature;

/**
 * The modules a node has downloaded, on disk by hash ({@code <data>/modules/<sha256>.wasm}), so that a restarted node
 * does not download them again. A file is written whole (a temporary file, then renamed); one whose bytes do not hash
 * to its name (a torn or altered file) is deleted and read as missing.
 * <p>
 * Threading: one caller at a time (the control agent's ordered blocking step).
 */
public final class ModuleStore {
    private final Path dir;

    public ModuleStore(final Path dataDir) {
        this.dir = dataDir.resolve("modules");
    }

    /** The file of {@code sha256} (it may not exist). */
    public Path file(final String sha256) {
        return dir.resolve(sha256 + ".wasm");
    }

    /** The stored bytes of {@code sha256}, or null when there are none (or they were not its bytes). */
    public byte[] read(final String sha256) throws IOException {
        final Path file = file(sha256);
        final byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (final NoSuchFileException e) {
            return null;
        }
        if (!ModuleSignature.sha256Hex(bytes).equals(sha256)) {
            Files.deleteIfExists(file);
            return null;
        }
        return bytes;
    }

    /** Keeps {@code bytes}, whose hash the caller checked to be {@code sha256}. */
    public void write(final String sha256, final byte[] bytes) throws IOException {
        Files.createDirectories(dir);
        final Path temporary = dir.resolve(sha256 + ".wasm.tmp");
        Files.write(temporary, bytes);
        Files.move(temporary, file(sha256), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
