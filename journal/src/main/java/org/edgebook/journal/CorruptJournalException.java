package org.edgebook.journal;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The journal or a snapshot is damaged in a way that cannot be repaired safely: a bad checksum or a gap anywhere but
 * at the torn end of the last segment, a missing segment, a file from a newer format. The message names the file,
 * the byte offset, and what to do. Recovery refuses to start rather than skip anything.
 */
public final class CorruptJournalException extends IOException {
    private final Path file;
    private final long offset;

    public CorruptJournalException(final Path file, final long offset, final String problem) {
        super(file + " at offset " + offset + ": " + problem + ". The journal was not changed. Restore this "
                + "directory from a backup or a replica, or move the damaged file aside if you accept losing every "
                + "command from that point on; then start again.");
        this.file = file;
        this.offset = offset;
    }

    public Path file() {
        return file;
    }

    public long offset() {
        return offset;
    }
}
