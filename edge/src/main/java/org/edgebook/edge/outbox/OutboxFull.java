package org.edgebook.edge.outbox;

/**
 * An append refused because the outbox's log would pass its quota; nothing was written. The route answers it with
 * {@code 503} and {@code Retry-After}: settled segments are compacted away and the room comes back.
 */
public final class OutboxFull extends RuntimeException {
    private final long usedBytes;
    private final long limitBytes;

    public OutboxFull(final long usedBytes, final long neededBytes, final long limitBytes) {
        super("the outbox is full: " + usedBytes + " bytes used, the entry needs " + neededBytes
                + ", the limit is " + limitBytes + " bytes");
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
