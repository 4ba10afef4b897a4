package org.edgebook.journal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.edgebook.engine.Engine;
import org.edgebook.engine.EventSink;

/**
 * Where a report's replay of a journal starts: an empty engine at sequence 0 when the journal is whole, or the oldest
 * snapshot the journal continues when older segments were pruned. Reports see everything after it.
 */
record JournalStart(Engine engine, long seq) {

    static JournalStart of(final Path dir, final EventSink sink) throws IOException {
        final List<Path> segments = JournalScanner.segments(dir);
        final long firstInJournal = segments.isEmpty() ? 1 : JournalFormat.segmentFirstSeq(segments.getFirst());
        if (firstInJournal <= 1) {
            return new JournalStart(new Engine(sink), 0);
        }
        final List<Path> snapshots = new SnapshotStore(dir).list();
        for (int i = snapshots.size() - 1; i >= 0; i--) {
            final long seq = SnapshotStore.seqOf(snapshots.get(i));
            if (seq >= firstInJournal - 1) {
                return new JournalStart(SnapshotStore.load(snapshots.get(i), sink).engine(), seq);
            }
        }
        throw new CorruptJournalException(segments.getFirst(), 0, "the journal starts at sequence " + firstInJournal
                + " and no snapshot covers the commands before it");
    }
}
