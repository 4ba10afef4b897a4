package org.edgebook.journal;

/** How the pipeline takes snapshots ({@link JournalOptions#snapshotEvery()} commands apart). */
public enum SnapshotMode {
    /** A replica engine on its own thread snapshots itself: the engine never stops, at a second engine's cost. */
    REPLICA,
    /** The engine copies its state out at a batch boundary: no second engine, but it stops for the copy. */
    COPY
}
