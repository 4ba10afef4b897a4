package org.edgebook.edge.outbox;

/**
 * An append refused because the outbox's log would pass its quota; nothing was written. The route answers it with
 * {@code 503} and {@code Retry-After}: settled segments are compacted away and the room comes back.
 */
public final class OutboxFull extends RuntimeException {
    private final long usedBytes;
    private final long limitBytes;

    public OutboxFull(final long usedBytes, final long neededBytes, final long limitBytes) {
        this(usedBytes, 0, 0, neededBytes, limitBytes);
    }

    /** With {@code reservedBytes} held for the outcomes of {@code open} transactions not yet ended. */
    public OutboxFull(final long usedBytes, final long reservedBytes, final int open, final long neededBytes,
                      final long limitBytes) {
        super("the outbox is full: " + usedBytes + " bytes used" + (reservedBytes > 0 ? " and " + reservedBytes
                + " held for the outcomes of the " + open + " transactions not yet ended" : "") + ", the entry needs "
                + neededBytes + ", the limit is " + limitBytes + " bytes");
        this.usedBytes = usedBytes;
        this.limitBytes = limitBytes;
    }

    public long usedBytes() {
        return usedBytes;
    }

    public long limitBytes() {
        return limitBytes;
    }
}
