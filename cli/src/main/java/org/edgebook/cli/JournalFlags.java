package org.edgebook.cli;

import java.nio.file.Path;
import org.edgebook.journal.JournalOptions;
import org.edgebook.journal.SnapshotMode;
import picocli.CommandLine.Option;

/** How a command journals: segment size and snapshots, the same flags for {@code up} and {@code replay --journal}. */
final class JournalFlags {
    @Option(names = "--segment-size", paramLabel = "MB", defaultValue = "64",
            description = "Start a new journal segment after this many MiB (default ${DEFAULT-VALUE}).")
    private long segmentMegabytes;

    @Option(names = "--snapshot-every", paramLabel = "N", defaultValue = "1000000",
            description = "Snapshot the engine every N commands; 0 for never (default ${DEFAULT-VALUE}).")
    private long snapshotEvery;

    @Option(names = "--snapshot-mode", paramLabel = "MODE", defaultValue = "REPLICA",
            description = {"REPLICA (a second engine on its own thread snapshots itself; the engine never stops) or "
                    + "COPY (the engine copies its state out, pausing for the copy). Default ${DEFAULT-VALUE}."})
    private SnapshotMode snapshotMode;

    @Option(names = "--keep-snapshots", paramLabel = "K", defaultValue = "2",
            description = {"Keep the K newest snapshots and delete older ones, and the journal segments they make "
                    + "unnecessary (default ${DEFAULT-VALUE})."})
    private int keepSnapshots;

    /** The options for journaling into {@code dir}; a bad value is refused naming the flag. */
    JournalOptions options(final Path dir) {
        if (segmentMegabytes < 1 || segmentMegabytes > 1 << 20) {
            throw new IllegalArgumentException("--segment-size is 1 to 1048576 MiB, not " + segmentMegabytes);
        }
        if (snapshotEvery < 0) {
            throw new IllegalArgumentException("--snapshot-every is 0 (never) or more, not " + snapshotEvery);
        }
        if (keepSnapshots < 1) {
            throw new IllegalArgumentException("--keep-snapshots is at least 1, not " + keepSnapshots);
        }
        return new JournalOptions(dir, segmentMegabytes << 20, snapshotEvery, keepSnapshots, snapshotMode);
    }
}
