package org.edgebook.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.edgebook.engine.Engine;
import org.edgebook.engine.EngineSnapshot;
import org.edgebook.engine.EventSink;
import org.edgebook.engine.SnapshotBuffer;
import org.edgebook.engine.SnapshotReader;

/**
 * Snapshot files in a journal directory: {@code snapshot-<seq, 20 digits>.snap}, each the whole engine state after
 * command {@code seq}. Layout: the magic {@code EBSNAPSH}, the file format version, the engine's state format, the
 * sequence number, the body length, the body ({@link EngineSnapshot}), then a CRC32C of everything before it.
 * <p>
 * A snapshot is written to a temporary owner-only file, forced, renamed into place and the directory forced, so a
 * crash leaves either the whole new snapshot or none. Loading falls back from a damaged newest snapshot to the one before.
 * <p>
 * Threading: writing happens on a background thread from bytes already copied out of the engine; loading and
 * pruning on whichever single thread runs recovery or the journaler.
 */
public final class SnapshotStore {
    public static final int VERSION = 1;
    private static final byte[] MAGIC = "EBSNAPSH".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER = 8 + 4 + 4 + 8 + 8;
    private static final String PREFIX = "snapshot-";
    private static final String SUFFIX = ".snap";

    private final Path dir;

    public SnapshotStore(final Path dir) {
        this.dir = dir;
    }

    /** The engine's state as a snapshot file's bytes: the copy taken on the engine's thread. */
    public static byte[] capture(final Engine engine) {
        try {
            final SnapshotBuffer file = new SnapshotBuffer(1 << 20);
            file.write(MAGIC);
            file.writeInt(VERSION);
            file.writeInt(EngineSnapshot.FORMAT);
            file.writeLong(engine.sequence());
            file.writeLong(0); // body length, filled in below
            EngineSnapshot.write(engine, file);
            file.writeInt(0); // checksum, filled in below
            final byte[] bytes = file.toByteArray();
            final ByteBuffer view = ByteBuffer.wrap(bytes);
            view.putLong(24, bytes.length - HEADER - 4);
            final CRC32C crc = new CRC32C();
            crc.update(bytes, 0, bytes.length - 4);
            view.putInt(bytes.length - 4, (int) crc.getValue());
            return bytes;
        } catch (final IOException e) {
            throw new java.io.UncheckedIOException(e); // an in-memory buffer does not fail
        }
    }

    /** Writes captured bytes atomically; returns the file. */
    public Path write(final byte[] snapshot) throws IOException {
        final long seq = ByteBuffer.wrap(snapshot).getLong(16);
        final Path file = path(seq);
        final Path tmp = dir.resolve(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp); // left by a crash, perhaps with other permissions: the new one is born rw-------
        try (FileChannel channel = FileChannel.open(tmp, java.util.Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), OwnerOnly.file(tmp))) {
            final ByteBuffer bytes = ByteBuffer.wrap(snapshot);
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        JournalWriter.forceDirectory(dir);
        return file;
    }

    Path path(final long seq) {
        return dir.resolve(String.format("%s%020d%s", PREFIX, seq, SUFFIX));
    }

    /** Snapshot files, newest first. */
    public List<Path> list() throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> seqOf(f) >= 0).sorted((a, b) -> Long.compare(seqOf(b), seqOf(a))).toList();
        }
    }

    static long seqOf(final Path file) {
        final String name = file.getFileName().toString();
        if (!name.startsWith(PREFIX) || !name.endsWith(SUFFIX) || name.length() != PREFIX.length() + 20
                + SUFFIX.length()) {
            return -1;
        }
        try {
            return Long.parseLong(name.substring(PREFIX.length(), PREFIX.length() + 20));
        } catch (final NumberFormatException e) {
            return -1;
        }
    }

    /** A snapshot that loaded, and the engine it restored. */
    public record Loaded(Path file, long seq, Engine engine) {
    }

    /**
     * Loads the newest snapshot that is whole and checks out; a damaged one is reported to {@code warn} and the one
     * before it is tried. {@code null} when there is none.
     */
    public Loaded loadNewest(final EventSink sink, final Consumer<String> warn) throws IOException {
        for (final Path file : list()) {
            try {
                return load(file, sink);
            } catch (final IOException e) {
                warn.accept("snapshot " + file + " is damaged (" + e.getMessage() + "); falling back to an older "
                        + "snapshot");
            }
        }
        return null;
    }

    /** Loads and checks one snapshot file. */
    public static Loaded load(final Path file, final EventSink sink) throws IOException {
        final byte[] bytes = Files.readAllBytes(file);
        if (bytes.length < HEADER + 4) {
            throw new IOException("shorter than a snapshot header (" + bytes.length + " bytes)");
        }
        final ByteBuffer in = ByteBuffer.wrap(bytes);
        for (int i = 0; i < MAGIC.length; i++) {
            if (in.get(i) != MAGIC[i]) {
                throw new IOException("not an edgebook snapshot (bad magic)");
            }
        }
        final int version = in.getInt(8);
        final int engineFormat = in.getInt(12);
        if (version > VERSION || engineFormat > EngineSnapshot.FORMAT) {
            throw new IOException("written in format " + version + "/" + engineFormat + " by a newer edgebook; this "
                    + "build reads " + VERSION + "/" + EngineSnapshot.FORMAT);
        }
        final long seq = in.getLong(16);
        final long bodyLength = in.getLong(24);
        if (bodyLength != bytes.length - HEADER - 4) {
            throw new IOException("body length " + bodyLength + " does not match the file's size");
        }
        final CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        if ((int) crc.getValue() != in.getInt(bytes.length - 4)) {
            throw new IOException("checksum mismatch");
        }
        if (seq != seqOf(file)) {
            throw new IOException("it holds sequence " + seq + " but its name says " + seqOf(file));
        }
        final Engine engine = EngineSnapshot.read(new SnapshotReader(bytes, HEADER, (int) bodyLength), sink,
                engineFormat);
        if (engine.sequence() != seq) {
            throw new IOException("its body is at sequence " + engine.sequence() + ", its header at " + seq);
        }
        return new Loaded(file, seq, engine);
    }

    /**
     * Keeps the newest {@code keep} snapshots and deletes older ones, then deletes journal segments whose every
     * record is at or before the oldest snapshot kept: recovery never needs them again.
     */
    public void prune(final int keep) throws IOException {
        final List<Path> snapshots = list();
        if (snapshots.size() <= keep || keep < 1) {
            return;
        }
        for (final Path old : snapshots.subList(keep, snapshots.size())) {
            Files.deleteIfExists(old);
        }
        final long oldestKept = seqOf(snapshots.get(keep - 1));
        final List<Path> segments = JournalScanner.segments(dir);
        for (int i = 0; i + 1 < segments.size(); i++) {
            final long nextFirst = JournalFormat.segmentFirstSeq(segments.get(i + 1));
            if (nextFirst - 1 <= oldestKept) {
                Files.deleteIfExists(segments.get(i));
            }
        }
        JournalWriter.forceDirectory(dir);
    }
}
