package org.edgebook.edge;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.edgebook.sandbox.GuestCall;
import org.edgebook.sandbox.GuestFailure;
import org.edgebook.sandbox.SandboxedFunction;

/**
 * A shadow module beside a route's primary one (docs/control-plane.md section 7): after the primary's answer is sent,
 * a copy of the request runs on the shadow, on the shadow's own workers, off the request path; the two answers
 * (status and body; a failed call is its HTTP status and its kind's label) are compared and counted, and up to
 * {@link #MAX_SAMPLES} mismatches per interval kept, each field cut to {@link #SAMPLE_BYTES} bytes. Only the primary's
 * answer is ever served. Bounded: at most the shadow's concurrency calls run at once; a request that finds it busy is
 * skipped and counted.
 * <p>
 * Threading: {@link #offer} from any thread (the event loop that answered); the comparison runs where the shadow's call
 * completes (its worker); counters and samples are guarded by this object's lock; {@link #takeInterval} by one reader.
 */
public final class Shadow implements AutoCloseable {
    public static final int MAX_SAMPLES = 3;
    public static final int SAMPLE_BYTES = 1024;

    /** A mismatch: the request, the served answer and the shadow's, each at most {@link #SAMPLE_BYTES} of UTF-8. */
    public record Sample(String request, String served, String shadow) {
    }

    /** Since the previous interval: requests compared, of them mismatches, requests skipped (busy), and samples. */
    public record Interval(long compared, long mismatches, long skipped, List<Sample> samples) {
    }

    private final SandboxedFunction function;
    private final int maxInFlight;
    private final AtomicInteger inFlight = new AtomicInteger();
    private long compared;
    private long mismatches;
    private long skipped;
    private List<Sample> samples = new ArrayList<>();

    /** A shadow running {@code function}; it owns the function and closes it. */
    public Shadow(final SandboxedFunction function) {
        this.function = function;
        this.maxInFlight = function.limits().concurrency();
    }

    public SandboxedFunction function() {
        return function;
    }

    /** Runs {@code call} on the shadow, unless it is busy, and compares its answer with the served one. */
    public void offer(final GuestCall call, final int servedStatus, final byte[] servedBody) {
        if (inFlight.incrementAndGet() > maxInFlight) {
            inFlight.decrementAndGet();
            synchronized (this) {
                skipped++;
            }
            return;
        }
        try {
            function.submit(call).whenComplete((result, failure) -> {
                inFlight.decrementAndGet();
                final int status;
                final byte[] body;
                if (failure == null) {
                    status = result.status();
                    body = result.body();
                } else {
                    final GuestFailure f = failure instanceof GuestFailure g ? g : GuestFailure.ofHost(failure);
                    status = f.kind().httpStatus();
                    body = f.kind().label().getBytes(StandardCharsets.UTF_8);
                }
                compare(call, servedStatus, servedBody, status, body);
            });
        } catch (final RuntimeException e) { // a closed shadow refuses at once
            inFlight.decrementAndGet();
            synchronized (this) {
                skipped++;
            }
        }
    }

    private void compare(final GuestCall call, final int servedStatus, final byte[] servedBody,
                         final int shadowStatus, final byte[] shadowBody) {
        final boolean same = servedStatus == shadowStatus && Arrays.equals(servedBody, shadowBody);
        synchronized (this) {
            compared++;
            if (same) {
                return;
            }
            mismatches++;
            if (samples.size() < MAX_SAMPLES) {
                samples.add(new Sample(cut(call.body(), call.bodyLength(), SAMPLE_BYTES), answer(servedStatus,
                        servedBody), answer(shadowStatus, shadowBody)));
            }
        }
    }

    /** Counts and samples since the previous call; starts a new interval. */
    public synchronized Interval takeInterval() {
        final Interval interval = new Interval(compared, mismatches, skipped, List.copyOf(samples));
        compared = 0;
        mismatches = 0;
        skipped = 0;
        samples = new ArrayList<>();
        return interval;
    }

    /** An answer as a sample's field: its status, a space and its body, at most {@link #SAMPLE_BYTES} in all. */
    private static String answer(final int status, final byte[] body) {
        final String head = status + " ";
        return head + cut(body, body.length, SAMPLE_BYTES - head.length());
    }

    /**
     * At most {@code limit} bytes of {@code bytes[0, length)} as text: cut at a character's start, bytes that are not
     * UTF-8 replaced by {@code ?}.
     */
    static String cut(final byte[] bytes, final int length, final int limit) {
        int end = Math.min(length, limit);
        while (end < length && end > 0 && (bytes[end] & 0xC0) == 0x80) {
            end--; // bytes[end] continues a character: cut before that character
        }
        final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE).replaceWith("?");
        try {
            final CharBuffer chars = decoder.decode(ByteBuffer.wrap(bytes, 0, end));
            return chars.toString();
        } catch (final java.nio.charset.CharacterCodingException e) {
            throw new IllegalStateException("a replacing decoder does not throw", e);
        }
    }

    @Override
    public void close() {
        function.close();
    }
}
