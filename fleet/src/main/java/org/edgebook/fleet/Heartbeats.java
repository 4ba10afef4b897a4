package org.edgebook.fleet;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.edgebook.codec.SignedRequest;

/**
 * Sends every node's heartbeats on the interval the control plane told it. The nodes are shared among a few scheduler
 * threads (by index); each keeps a sorted schedule ({@link ScheduleHeap}) of its nodes' next heartbeats, with no
 * thread nor timer per node. A node's first heartbeat is at a random phase of its interval, so the load is even, and
 * each next one is due one interval after the previous one was due (not after it was answered), so the schedule keeps
 * the told interval whatever the latency.
 * <p>
 * When a heartbeat is due, its scheduler thread writes the body with Jackson into a reused buffer, just after the
 * signed head of {@link SignedRequest} (so the signature covers the buffer as it is, with no copy), signs it with the
 * node's key and hands the request to the {@link ControlClient}. The answer (on an event loop) records the latency,
 * takes the interval, starts a desired-state fetch when {@code desired} changed, and stops a node answered 403.
 * <p>
 * At most {@code connections × pipelining × 16} (at least 256) heartbeats are unanswered at once: past that the
 * schedulers wait, and the late heartbeats keep their intended send time, so an overloaded control plane is charged
 * for the wait (coordinated omission corrected) while the simulator's queue and memory stay bounded and a signature's
 * timestamp is never stale by the time it is sent.
 * <p>
 * Threading: {@link #add} from any thread; each scheduler thread owns its heap, buffer and writer.
 */
final class Heartbeats implements AutoCloseable {
    static final String PATH = "/v1/node/heartbeat";
    private static final JsonFactory JSON = new JsonFactory();

    private final ControlClient client;
    private final FleetStats stats;
    private final DesiredStates desired;
    private final FleetOptions options;
    private final Scheduler[] schedulers;
    private final long startNanos = System.nanoTime();
    private final AtomicLong active = new AtomicLong();
    /** Heartbeats sent and not answered; a scheduler waits while {@link #maxInFlight} are. */
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    private final int maxInFlight;
    private volatile boolean running = true;

    Heartbeats(final ControlClient client, final FleetStats stats, final DesiredStates desired,
               final FleetOptions options) {
        this.client = client;
        this.stats = stats;
        this.desired = desired;
        this.options = options;
        this.maxInFlight = Math.max(256, options.connections() * options.pipelining() * 16);
        this.schedulers = new Scheduler[options.schedulers()];
        for (int i = 0; i < schedulers.length; i++) {
            schedulers[i] = new Scheduler(i);
            final Thread t = new Thread(schedulers[i], "fleet-scheduler-" + i);
            t.setDaemon(true);
            t.start();
        }
    }

    /** Starts an enrolled node's heartbeats, the first at a random phase of its interval. */
    void add(final SimNode node) {
        if (node.index >= ScheduleHeap.MAX_NODES) {
            throw new IllegalArgumentException("at most " + ScheduleHeap.MAX_NODES + " nodes");
        }
        active.incrementAndGet();
        final Scheduler s = schedulers[node.index % schedulers.length];
        s.added.add(node);
        LockSupport.unpark(s.thread);
    }

    /** Nodes heartbeating (enrolled and not revoked). */
    long active() {
        return active.get();
    }

    private long nowMillis() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    @Override
    public void close() {
        running = false;
        for (final Scheduler s : schedulers) {
            LockSupport.unpark(s.thread);
        }
    }

    private final class Scheduler implements Runnable {
        final ConcurrentLinkedQueue<SimNode> added = new ConcurrentLinkedQueue<>();
        final ScheduleHeap heap = new ScheduleHeap();
        final ByteSink sink = new ByteSink();
        final HeartbeatWriter writer = new HeartbeatWriter(options.seed(), options.badVersions(),
                options.badErrorRatePpm(), options.badLatencyFactorPpm());
        final int lane;
        final SimNode[] nodes = new SimNode[options.nodes()];
        volatile Thread thread;

        Scheduler(final int lane) {
            this.lane = lane;
        }

        @Override
        public void run() {
            thread = Thread.currentThread();
            while (running) {
                SimNode fresh;
                while ((fresh = added.poll()) != null) {
                    nodes[fresh.index] = fresh;
                    final long phase = Mix.below(options.seed(), fresh.index, 0, 9, Math.max(1,
                            fresh.intervalMillis));
                    heap.push(ScheduleHeap.entry(nowMillis() + phase, fresh.index));
                }
                if (heap.isEmpty()) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                    continue;
                }
                final long top = heap.peek();
                final long due = ScheduleHeap.due(top);
                final long now = nowMillis();
                if (due > now) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(Math.min(due - now, 50)));
                    continue;
                }
                if (inFlight.get() >= maxInFlight) {
                    // the control plane (or the network) is behind: wait, the heartbeat keeps its intended time
                    LockSupport.parkNanos(200_000);
                    continue;
                }
                heap.pop();
                final SimNode node = nodes[ScheduleHeap.node(top)];
                if (node.revoked) {
                    continue;
                }
                heap.push(ScheduleHeap.entry(due + Math.max(1, node.intervalMillis), node.index));
                try {
                    send(node, startNanos + due * 1_000_000);
                } catch (final RuntimeException e) {
                    stats.failed.increment();
                }
            }
        }

        private void send(final SimNode node, final long intendedNanos) {
            final long seq = ++node.seq;
            final List<SimNode.LoadFailure> failures = node.takeLoadFailures();
            final long timestamp = System.currentTimeMillis();
            final String path = client.basePath() + PATH;
            sink.reset();
            sink.writeAscii(SignedRequest.PREFIX + timestamp + "\nPOST\n" + path + "\n");
            final int head = sink.size();
            writer.write(node, seq, failures, sink);
            final byte[] signature = node.key.sign(sink.array(), 0, sink.size());
            final byte[] body = Arrays.copyOfRange(sink.array(), head, sink.size());
            final RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setURI(PATH)
                    .putHeader(SignedRequest.NODE_HEADER, node.id)
                    .putHeader(SignedRequest.TIMESTAMP_HEADER, Long.toString(timestamp))
                    .putHeader(SignedRequest.SIGNATURE_HEADER, Base64.getEncoder().encodeToString(signature));
            final long sentNanos = System.nanoTime();
            stats.sent.increment();
            inFlight.incrementAndGet();
            client.signed(request, body, lane).onComplete(done -> {
                inFlight.decrementAndGet();
                if (done.failed()) {
                    stats.failed.increment();
                    failures.forEach(node::addLoadFailure); // not reported yet: the next heartbeat carries them
                    return;
                }
                final ControlClient.Answer answer = done.result();
                if (answer.status() == 200) {
                    stats.ok.increment();
                    stats.record(intendedNanos, sentNanos, System.nanoTime());
                    answered(node, answer.body());
                } else if (answer.status() == 403) {
                    stats.failed.increment();
                    revoked(node, answer);
                } else {
                    stats.failed.increment();
                    failures.forEach(node::addLoadFailure);
                }
            });
        }
    }

    /** A node answered 403 (revoked): counted and printed once; its heartbeats stop. */
    void revoked(final SimNode node, final ControlClient.Answer answer) {
        synchronized (node) {
            if (node.revoked) {
                return;
            }
            node.revoked = true;
        }
        stats.revoked.increment();
        active.decrementAndGet();
        options.out().println("fleet: node " + node.id + " revoked (403 " + answer.text() + "): its heartbeats stop");
    }

    /** Takes a 200 answer: {@code {"intervalMs":…,"desired":"…","state":"up"}}. */
    private void answered(final SimNode node, final byte[] body) {
        long interval = -1;
        String wanted = null;
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                final String field = p.currentName();
                final JsonToken value = p.nextToken();
                if ("intervalMs".equals(field) && value == JsonToken.VALUE_NUMBER_INT) {
                    interval = p.getLongValue();
                } else if ("desired".equals(field) && value == JsonToken.VALUE_STRING) {
                    wanted = p.getText();
                } else {
                    p.skipChildren();
                }
            }
        } catch (final IOException e) {
            return;
        }
        if (interval > 0) {
            node.intervalMillis = interval;
        }
        if (wanted != null && !wanted.isEmpty() && !wanted.equals(node.applied) && !wanted.equals(node.attempted)) {
            desired.request(node);
        }
    }
}
