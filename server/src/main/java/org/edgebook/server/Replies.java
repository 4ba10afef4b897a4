package org.edgebook.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.edgebook.engine.RejectReason;
import org.edgebook.journal.DurableEngine;
import org.edgebook.journal.Sequencer;
import org.edgebook.journal.UtcMicros;

/**
 * Command answers from the pipeline's bytes: each command's events are encoded once, as JSON, by the sequencer (in the
 * view of the key that sent it), and an answer is that slice copied once into the bytes sent, behind a small prefix
 * of numbers and a time.
 * <p>
 * Threading: stateless; {@link #object} runs on the publisher thread, during {@link DurableEngine.Reply#done}.
 */
final class Replies {
    private Replies() {
    }

    /** The view a key's commands are written in: its own account's, or everything for the admin. */
    static String viewer(final ApiKey key) {
        return key == null || key.admin() ? null : key.account();
    }

    /**
     * {@code {"seq":N,"time":"…","events":[…]}} for command {@code i}, written with {@code ','} after each event, with
     * {@code head} (raw JSON, e.g. {@code {"id":7,}}) in place of its opening brace when not {@code null}.
     */
    static byte[] object(final Sequencer.Batch batch, final int i, final byte[] head) {
        final byte[] prefix = (",\"seq\":" + batch.seq(i) + ",\"time\":\""
                + UtcMicros.instant(batch.timeMicros(i)) + "\",\"events\":[").getBytes(StandardCharsets.US_ASCII);
        final int from = batch.eventsFrom(i);
        final int to = batch.eventsTo(i);
        final int length = to > from ? to - from - 1 : 0; // without the last separator
        final byte[] opening = head == null ? new byte[] {'{'} : head;
        final byte[] out = new byte[opening.length + prefix.length - 1 + length + 2];
        System.arraycopy(opening, 0, out, 0, opening.length);
        // The head ends where a member may follow ('{' or ','): the prefix's leading comma is dropped.
        System.arraycopy(prefix, 1, out, opening.length, prefix.length - 1);
        System.arraycopy(batch.eventBytes(), from, out, opening.length + prefix.length - 1, length);
        out[out.length - 2] = ']';
        out[out.length - 1] = '}';
        return out;
    }

    /** 200 unless command {@code i} was rejected: 400 malformed, 404 unknown, 409 duplicate, 422 any other. */
    static int status(final Sequencer.Batch batch, final int i) {
        final RejectReason reason = batch.rejection(i);
        return reason == null ? 200 : ApiResponses.statusOf(reason);
    }

    /**
     * A reply that reads the batch's slice only ({@link #done(Sequencer.Batch, int)}); the typed events are not used.
     */
    abstract static class FromSlice implements DurableEngine.Reply {
        @Override
        public final void done(final long seq, final java.util.List<org.edgebook.engine.Event> events) {
            throw new IllegalStateException("answered from the batch's bytes, never from typed events");
        }

        @Override
        public abstract void done(Sequencer.Batch batch, int i);

        @Override
        public abstract void failed(IOException cause);
    }
}
