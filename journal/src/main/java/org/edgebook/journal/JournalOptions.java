package org.edgebook.journal;

import java.nio.file.Path;

/**
 * Where and how the pipeline journals: the data directory, the size at which a new segment starts, a snapshot every
 * {@code snapshotEvery} commands (0: none) of which the newest {@code keepSnapshots} are kept, how snapshots are taken,
 * and where batches are written ({@link JournalOutput.Opener#SEGMENTS}, or in a test an output that fails).
 */
public record JournalOptions(Path dir, long segmentBytes, long snapshotEvery, int keepSnapshots, SnapshotMode mode,
                             JournalOutput.Opener output) {
    /** 64 MiB segments, a snapshot every million commands, two kept, taken by a replica. */
    public static final long SEGMENT_BYTES = 64L << 20;
    public static final long SNAPSHOT_EVERY = 1_000_000;
    public static final int KEEP_SNAPSHOTS = 2;

    public JournalOptions {
        if (dir == null || mode == null || output == null) {
            throw new IllegalArgumentException("the data directory, snapshot mode and journal output are required");
        }
        if (segmentBytes < 4096) {
            throw new IllegalArgumentException("a segment is at least 4096 bytes, not " + segmentBytes);
        }
        if (snapshotEvery < 0 || keepSnapshots < 1) {
            throw new IllegalArgumentException("snapshotEvery is 0 (none) or more, and at least one snapshot is kept");
        }
    }

    public JournalOptions(final Path dir, final long segmentBytes, final long snapshotEvery, final int keepSnapshots,
                          final SnapshotMode mode) {
        this(dir, segmentBytes, snapshotEvery, keepSnapshots, mode, JournalOutput.Opener.SEGMENTS);
    }

    public JournalOptions(final Path dir, final long segmentBytes, final long snapshotEvery, final int keepSnapshots) {
        this(dir, segmentBytes, snapshotEvery, keepSnapshots, SnapshotMode.REPLICA);
    }

    public static JournalOptions defaults(final Path dir) {
        return new JournalOptions(dir, SEGMENT_BYTES, SNAPSHOT_EVERY, KEEP_SNAPSHOTS, SnapshotMode.REPLICA);
    }

    /** The same options writing batches to {@code output}. */
    public JournalOptions withOutput(final JournalOutput.Opener output) {
        return new JournalOptions(dir, segmentBytes, snapshotEvery, keepSnapshots, mode, output);
    }
}
