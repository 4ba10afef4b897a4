package org.edgebook.fleet;

import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The simulator's counters and heartbeat latencies. Latency is recorded in microseconds into two HdrHistogram
 * {@link Recorder}s: from the heartbeat's intended send time (its slot in the schedule: a stalled control plane, or a
 * simulator that fell behind, is charged for the wait, coordinated omission corrected) and from its actual send.
 * Only heartbeats answered 200 are recorded.
 * <p>
 * Threading: recorded from any thread (the event loops); {@link #interval} is taken by one reporter thread.
 */
public final class FleetStats {
    final LongAdder sent = new LongAdder();
    final LongAdder ok = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder revoked = new LongAdder();
    final LongAdder enrolled = new LongAdder();
    final LongAdder enrollFailed = new LongAdder();
    final LongAdder desiredFetched = new LongAdder();
    final LongAdder desiredApplied = new LongAdder();
    final LongAdder loadFailures = new LongAdder();
    final LongAdder modulesDownloaded = new LongAdder();
    final LongAdder signaturesVerified = new LongAdder();
    private final Recorder intended = new Recorder(3);
    private final Recorder actual = new Recorder(3);

    void record(final long intendedNanos, final long sentNanos, final long answeredNanos) {
        intended.recordValue(Math.max(0, (answeredNanos - intendedNanos) / 1000));
        actual.recordValue(Math.max(0, (answeredNanos - sentNanos) / 1000));
    }

    /** The latencies since the previous call, from the intended send and from the actual send (microseconds). */
    Histogram[] interval() {
        return new Histogram[] {intended.getIntervalHistogram(), actual.getIntervalHistogram()};
    }

    /** A snapshot of the totals. */
    public Totals totals() {
        return new Totals(enrolled.sum(), enrollFailed.sum(), sent.sum(), ok.sum(), failed.sum(), revoked.sum(),
                desiredFetched.sum(), desiredApplied.sum(), loadFailures.sum(), modulesDownloaded.sum(),
                signaturesVerified.sum());
    }

    /** Totals since the start. */
    public record Totals(long enrolled, long enrollFailed, long sent, long ok, long failed, long revoked,
                         long desiredFetched, long desiredApplied, long loadFailures, long modulesDownloaded,
                         long signaturesVerified) {
    }
}
