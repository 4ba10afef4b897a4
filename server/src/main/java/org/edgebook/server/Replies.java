package org.edgebook.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.edgebook.engine.RejectReason;
import org.edgebook.journal.DurableEngine;
import org.edgebook.journal.Senders;
import org.edgebook.journal.Sequencer;
import org.edgebook.journal.UtcMicros;

/**
 * Command answers from the pipeline's bytes: each command's events are encoded once, as JSON, by the sequencer (in the
 * view of the key that sent it), and an answer is that slice copied once into the bytes sent, behind a small prefix
 * of numbers and a time.
 * <p>
 * Threading: stateless; {@link #object} runs on the publisher thread, during {@link DurableEngine.Reply#done}; a
 * repeat's answer ({@link #repeat}) may be made on the journal lookup thread.
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

    /** A repeat's answer has the status its original had. */
    static int status(final Senders.Original original) {
        return original.rejection() == null ? 200 : ApiResponses.statusOf(original.rejection());
    }

    /**
     * The original answer of a repeated sourced command: {@code {"seq":N,"time":"…","events":[…],"duplicate":true}}
     * with the original's sequence number, time and events, and {@code head} as in {@link #object}.
     */
    static byte[] repeat(final Senders.Original original, final byte[] head) {
        final byte[] prefix = (",\"seq\":" + original.seq() + ",\"time\":\"" + UtcMicros.instant(original.timeMicros())
                + "\",\"events\":[").getBytes(StandardCharsets.US_ASCII);
        final byte[] events = original.events(',');
        final byte[] suffix = "],\"duplicate\":true}".getBytes(StandardCharsets.US_ASCII);
        final int length = events.length > 0 ? events.length - 1 : 0; // without the last separator
        final byte[] opening = head == null ? new byte[] {'{'} : head;
        final byte[] out = new byte[opening.length + prefix.length - 1 + length + suffix.length];
        System.arraycopy(opening, 0, out, 0, opening.length);
        System.arraycopy(prefix, 1, out, opening.length, prefix.length - 1);
        System.arraycopy(events, 0, out, opening.length + prefix.length - 1, length);
        System.arraycopy(suffix, 0, out, out.length - suffix.length, suffix.length);
        return out;
    }

    /**
     * A reply that reads the batch's slice only ({@link #answer}); the typed events are not used. A command that
     * repeated a sourced command already executed is answered with the original's answer instead ({@link #repeat}),
     * found by the engine's {@link Senders} (at once from memory, or later from the journal on another thread), and
     * only to a key that may see it ({@link AccountScope#mayAnswer}); when it cannot be given, {@link #repeatMissing}
     * says why: 403 (not the key's), 410 (gone: the journal before it was pruned), 503 (for now: ask again).
     */
    abstract static class FromSlice implements DurableEngine.Reply {
        private final DurableEngine engine;
        private final ApiKey key;

        FromSlice(final DurableEngine engine, final ApiKey key) {
            this.engine = engine;
            this.key = key;
        }

        @Override
        public final void done(final long seq, final java.util.List<org.edgebook.engine.Event> events) {
            throw new IllegalStateException("answered from the batch's bytes, never from typed events");
        }

        @Override
        public final void done(final Sequencer.Batch batch, final int i) {
            if (!batch.duplicate(i)) {
                answer(batch, i);
                return;
            }
            final byte[] own = java.util.Arrays.copyOfRange(batch.eventBytes(), batch.eventsFrom(i),
                    batch.eventsTo(i));
            engine.senders().original(batch, i, new Senders.Answer() {
                @Override
                public void original(final Senders.Original original) {
                    if (AccountScope.mayAnswer(key, original.command())) {
                        repeat(own, original);
                    } else {
                        repeatMissing(own, 403, "forbidden", "the original of this sourceSeq is not a command of "
                                + "account " + key.account());
                    }
                }

                @Override
                public void missing(final boolean gone, final String detail) {
                    repeatMissing(own, gone ? 410 : 503, gone ? "gone" : "unavailable", detail);
                }
            });
        }

        /** Command {@code i} of the batch, not a repeat: its own answer. Publisher thread, during the call only. */
        abstract void answer(Sequencer.Batch batch, int i);

        /**
         * The command was a repeat ({@code own}: its own {@code duplicate} event and separator); {@code original} is
         * its original answer. Publisher or lookup thread.
         */
        abstract void repeat(byte[] own, Senders.Original original);

        /** The command was a repeat whose original answer cannot be given: a status, an error and a detail. */
        abstract void repeatMissing(byte[] own, int status, String error, String detail);

        @Override
        public abstract void failed(IOException cause);
    }
}
