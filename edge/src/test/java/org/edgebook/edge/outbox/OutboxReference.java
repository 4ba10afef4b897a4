package org.edgebook.edge.outbox;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.edgebook.edge.screening.Decision;

/**
 * The naive model of the outbox's states: a map of transactions and a list for the queue, no log, no segments. The
 * differential test drives it and the {@link Outbox} with the same operations. Threading: one thread.
 */
final class OutboxReference {
    record T(String id, Outbox.State state, long forwardSeq, long settlementSeq, String by, String reason, byte[] tx,
             long queuedOrder) {
    }

    final Map<String, T> txs = new LinkedHashMap<>();
    long nextForward = 1;
    long order;

    /** Answers the error the outbox must give, or null when the operation is valid. */
    String accept(final String id, final byte[] tx, final Decision.Kind kind, final String reason) {
        if (txs.containsKey(id)) {
            return "already";
        }
        switch (kind) {
            case ACCEPT -> txs.put(id, new T(id, Outbox.State.QUEUED, 0, 0, null, null, tx, order++));
            case HOLD -> txs.put(id, new T(id, Outbox.State.HELD, 0, 0, "screening", reason, tx, -1));
            case REJECT -> txs.put(id, new T(id, Outbox.State.REJECTED, 0, 0, "screening", reason, tx, -1));
        }
        return null;
    }

    boolean release(final String id) {
        final T t = txs.get(id);
        if (t == null || t.state != Outbox.State.HELD) {
            return false;
        }
        txs.put(id, new T(id, Outbox.State.QUEUED, 0, 0, null, null, t.tx, order++));
        return true;
    }

    boolean reject(final String id, final String by, final String reason) {
        final T t = txs.get(id);
        if (t == null || t.state != Outbox.State.HELD && t.state != Outbox.State.QUEUED) {
            return false;
        }
        txs.put(id, new T(id, Outbox.State.REJECTED, 0, 0, by, reason, t.tx, -1));
        return true;
    }

    long assign(final String id) {
        final T t = txs.get(id);
        if (t == null || t.state != Outbox.State.QUEUED) {
            return -1;
        }
        final long f = nextForward++;
        txs.put(id, new T(id, Outbox.State.FORWARDED, f, 0, null, null, t.tx, -1));
        return f;
    }

    boolean settle(final String id, final long settlementSeq) {
        final T t = txs.get(id);
        if (t == null || t.state != Outbox.State.FORWARDED) {
            return false;
        }
        txs.put(id, new T(id, Outbox.State.SETTLED, t.forwardSeq, settlementSeq, null, null, t.tx, -1));
        return true;
    }

    boolean settlementReject(final String id, final String reason) {
        final T t = txs.get(id);
        if (t == null || t.state != Outbox.State.FORWARDED) {
            return false;
        }
        txs.put(id, new T(id, Outbox.State.REJECTED, t.forwardSeq, 0, "settlement", reason, t.tx, -1));
        return true;
    }

    /** Forwarded ones by forwarding sequence, then queued ones in the order they joined the queue. */
    List<String> nextToForward() {
        final List<String> out = new ArrayList<>();
        txs.values().stream().filter(t -> t.state == Outbox.State.FORWARDED)
                .sorted(Comparator.comparingLong(T::forwardSeq)).forEach(t -> out.add(t.id + "@" + t.forwardSeq));
        txs.values().stream().filter(t -> t.state == Outbox.State.QUEUED)
                .sorted(Comparator.comparingLong(T::queuedOrder)).forEach(t -> out.add(t.id + "@0"));
        return out;
    }

    List<String> held() {
        return txs.values().stream().filter(t -> t.state == Outbox.State.HELD).map(T::id).toList();
    }

    List<String> ids(final Outbox.State state) {
        return txs.values().stream().filter(t -> t.state == state).map(T::id).toList();
    }
}
