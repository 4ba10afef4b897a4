package org.edgebook.journal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Files and directories that only their owner may read: journal segments, snapshots, the data directory's lock, API
 * keys and the master key are born {@code rw-------} and their directories, when edgebook makes them,
 * {@code rwx------}. The permissions are given at creation, so there is no moment in which another user could open
 * the file. On a file system without POSIX permissions files get the platform's defaults.
 * <p>
 * Threading: stateless; any thread.
 */
public final class OwnerOnly {
    /** {@code rw-------}. */
    public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    /** {@code rwx------}. */
    public static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");

    private OwnerOnly() {
    }

    /** The attributes that make a new file at {@code path} owner-only; none where POSIX permissions do not exist. */
    public static FileAttribute<?>[] file(final Path path) {
        return posix(path) ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)}
                : new FileAttribute<?>[0];
    }

    /** Creates {@code dir} and any missing parents, each owner-only; directories that exist are left as they are. */
    public static Path createDirectories(final Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return dir;
        }
        return posix(dir) ? Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIRECTORY))
                : Files.createDirectories(dir);
    }

    /** Whether {@code path}'s file system has POSIX permissions. */
    public static boolean posix(final Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
