package org.edgebook.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Set;

/**
 * The one writer's claim on a data directory: an exclusive lock on {@code DIR/lock}, taken before recovery and held
 * until the writer closes, so two services (or a service and a durable replay) can never journal into the same
 * directory. The file holds the holder's process id, written after the lock is taken, so that a refused start can
 * say who holds it. The lock is the operating system's ({@link FileLock}): it goes away with its process, kill -9
 * included, and the file stays behind harmlessly.
 * <p>
 * Readers (journal verify and dump, the reports) do not take it: they only read, and work beside a running writer.
 * <p>
 * Threading: {@link #acquire} and {@link #close} from any thread; they are serialized within the JVM. Within one JVM
 * the directories held are also tracked here, because closing a second channel on a locked file would release the
 * holder's lock (POSIX locks belong to the process, not the channel): a second claim from this JVM is refused
 * without ever opening the file.
 */
public final class DataDirLock implements AutoCloseable {
    /** The lock file's name in the data directory. */
    public static final String FILE_NAME = "lock";
    private static final Set<Object> HELD_HERE = new HashSet<>(); // guarded by itself: lock files held by this JVM

    private final Path dir;
    private final Object fileKey;
    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(final Path dir, final Object fileKey, final FileChannel channel, final FileLock lock) {
        this.dir = dir;
        this.fileKey = fileKey;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock on {@code dir} (creating the directory, owner-only, if it is missing), or refuses with an
     * {@link IOException} naming the directory and the holder's process id.
     */
    public static DataDirLock acquire(final Path dir) throws IOException {
        OwnerOnly.createDirectories(dir);
        final Path file = dir.resolve(FILE_NAME);
        synchronized (HELD_HERE) {
            try {
                Files.createFile(file, OwnerOnly.file(file));
            } catch (final FileAlreadyExistsException e) {
                // a lock file left by an earlier writer: the lock, not the file, says whether it is held
            }
            final Object key = fileKey(file);
            if (HELD_HERE.contains(key)) {
                throw refused(dir, ProcessHandle.current().pid() + " (this one)");
            }
            final FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            final FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (final OverlappingFileLockException e) {
                channel.close();
                throw refused(dir, ProcessHandle.current().pid() + " (this one)");
            } catch (final IOException e) {
                channel.close();
                throw new IOException("cannot lock the data directory " + dir + " (" + file + "): " + e.getMessage(),
                        e);
            }
            if (lock == null) {
                final String holder = readPid(channel);
                channel.close();
                throw refused(dir, holder);
            }
            try {
                channel.truncate(0);
                channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n")
                        .getBytes(StandardCharsets.US_ASCII)), 0);
                channel.force(false);
            } catch (final IOException e) {
                channel.close();
                throw new IOException("cannot write the process id into " + file + ": " + e.getMessage(), e);
            }
            HELD_HERE.add(key);
            return new DataDirLock(dir, key, channel, lock);
        }
    }

    private static IOException refused(final Path dir, final String holder) {
        return new IOException("the data directory " + dir + " is in use: process " + holder + " holds its lock ("
                + dir.resolve(FILE_NAME) + "). Only one edgebook may write a data directory; stop that one first, "
                + "or use another directory. journal verify, journal dump and report read it while it runs.");
    }

    /** The inode (or, where there is none, the real path) of the lock file: one key for every spelling of it. */
    private static Object fileKey(final Path file) throws IOException {
        final Object key = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        return key != null ? key : file.toRealPath();
    }

    /** The holder's process id from the lock file, through the refused channel (no second open of the file). */
    private static String readPid(final FileChannel channel) {
        try {
            final ByteBuffer bytes = ByteBuffer.allocate(32);
            channel.read(bytes, 0);
            final String text = new String(bytes.array(), 0, bytes.position(), StandardCharsets.US_ASCII).strip();
            return text.matches("\\d+") ? text : "unknown (it has not written its id yet)";
        } catch (final IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /** The directory this lock holds. */
    public Path dir() {
        return dir;
    }

    /** Releases the lock; the lock file stays. Closing twice does nothing more. */
    @Override
    public void close() throws IOException {
        synchronized (HELD_HERE) {
            if (!channel.isOpen()) {
                return;
            }
            try {
                lock.release();
            } finally {
                channel.close();
                HELD_HERE.remove(fileKey);
            }
        }
    }
}
