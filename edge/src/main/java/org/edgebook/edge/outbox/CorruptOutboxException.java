package org.edgebook.edge.outbox;

import java.io.IOException;
import java.nio.file.Path;

/** Damage in the outbox's files that is not a torn end: names the file, the offset, the field and the limit. */
public final class CorruptOutboxException extends IOException {
    public CorruptOutboxException(final Path file, final long offset, final String problem) {
        super(file + " at byte " + offset + ": " + problem);
    }
}
