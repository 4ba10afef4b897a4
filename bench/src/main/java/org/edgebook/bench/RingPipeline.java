package org.edgebook.bench;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.TimeoutException;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.EventHandlerGroup;
import com.lmax.disruptor.dsl.ProducerType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32C;
import org.HdrHistogram.Recorder;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;

/**
 * The {@code Sequencer}'s three-stage hand-off of pooled batches (engine, journaler, publisher, never more than four
 * batches in flight) without the Sequencer's own work, built on Agrona's rings as the Sequencer is, or on the LMAX
 * Disruptor: {@link RingBenchmark} compares them. The engine stage is the caller of {@link #send}.
 */
public abstract class RingPipeline implements AutoCloseable {
    /** The Sequencer's pool of batches. */
    static final int IN_FLIGHT = 4;
    /** The work per batch when it is not tiny: 100 KiB of journal records. */
    static final int BYTES = 100 * 1024;
    /** The simulated force: the disk's fsync p50 (BENCHMARKS.md, issue 3), asked of {@code parkNanos}. */
    static final long FORCE_NANOS = TimeUnit.MICROSECONDS.toNanos(40);

    /** What each stage does to a batch. */
    public enum Work {
        /** One 64-byte command: the engine writes it, the journaler takes its CRC32C, the publisher counts it. */
        TINY,
        /** 100 KiB: the engine writes it, the journaler copies it out and takes its CRC32C, the publisher copies it. */
        COPY,
        /** {@link #COPY}, and the journaler then sleeps for a simulated force (parkNanos 40 µs), off the CPU. */
        FORCE
    }

    /** The variants measured. */
    public enum Impl {
        /** As the Sequencer: OneToOneConcurrentArrayQueue rings, a free ring back, BackoffIdleStrategy. */
        AGRONA,
        /**
         * A Disruptor RingBuffer of 4 slots, journaler then publisher, waiting with the same BackoffIdleStrategy (the
         * handlers, and the engine for a free slot).
         */
        DISRUPTOR_BACKOFF,
        /** The same with the Disruptor's SleepingWaitStrategy as shipped: 100 spins, 100 yields, parks of 100 ns. */
        DISRUPTOR_SLEEPING,
        /** The same with YieldingWaitStrategy: 100 spins, then yields for as long as it waits. */
        DISRUPTOR_YIELDING,
        /**
         * {@link #DISRUPTOR_SLEEPING} with the engine claiming slots by {@code RingBuffer.next()} alone, as the
         * Disruptor's documentation does: while the ring is full, it parks for 1 ns at a time (a timer's slack).
         */
        DISRUPTOR_NEXT
    }

    static RingPipeline of(final Impl impl, final Stages stages) {
        return switch (impl) {
            case AGRONA -> new Agrona(stages);
            case DISRUPTOR_BACKOFF -> new OnDisruptor(stages, new BackoffWaitStrategy(), true);
            case DISRUPTOR_SLEEPING -> new OnDisruptor(stages, new SleepingWaitStrategy(), true);
            case DISRUPTOR_YIELDING -> new OnDisruptor(stages, new YieldingWaitStrategy(), true);
            case DISRUPTOR_NEXT -> new OnDisruptor(stages, new SleepingWaitStrategy(), false);
        };
    }

    /** The Sequencer's wait, {@code Sequencer.idle()}. */
    static IdleStrategy idle() {
        return new BackoffIdleStrategy(20, 10, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MICROSECONDS.toNanos(200));
    }

    protected final Stages stages;

    RingPipeline(final Stages stages) {
        this.stages = stages;
    }

    /** Engine stage: fills the next batch and hands it over, waiting while all four are in flight. */
    abstract void send();

    /** The journaler's and the publisher's threads. */
    abstract List<Thread> threads();

    /** Stops the journaler and the publisher. */
    @Override
    public abstract void close() throws InterruptedException;

    /** A pooled batch: its records and what the stages note on it. */
    static final class Batch {
        final byte[] records = new byte[BYTES];
        int length;
        long seq;
        long sentNanos;
        int crc;
    }

    /** The work of each stage, the same for every variant; the publisher counts batches and records latency. */
    static final class Stages {
        private final Work work;
        private final Recorder latency;
        private final byte[] file = new byte[BYTES];
        private final byte[] out = new byte[BYTES];
        private final CRC32C crc = new CRC32C();
        private long seq;
        private volatile long published;
        private long checksum;

        /** With {@code latency}, the publisher records each batch's nanoseconds since the engine handed it over. */
        Stages(final Work work, final Recorder latency) {
            this.work = work;
            this.latency = latency;
        }

        void engine(final Batch batch) {
            batch.seq = ++seq;
            batch.length = work == Work.TINY ? 64 : BYTES;
            Arrays.fill(batch.records, 0, batch.length, (byte) batch.seq);
            batch.sentNanos = System.nanoTime();
        }

        void journal(final Batch batch) {
            crc.reset();
            crc.update(batch.records, 0, batch.length);
            batch.crc = (int) crc.getValue();
            if (work != Work.TINY) {
                System.arraycopy(batch.records, 0, file, 0, batch.length);
            }
            if (work == Work.FORCE) {
                LockSupport.parkNanos(FORCE_NANOS);
            }
        }

        void publish(final Batch batch) {
            if (latency != null) {
                latency.recordValue(System.nanoTime() - batch.sentNanos);
            }
            if (work != Work.TINY) {
                System.arraycopy(batch.records, 0, out, 0, batch.length);
            }
            checksum += batch.crc + out[0];
            published = batch.seq; // as the Sequencer's durableSeq: one volatile write a batch
        }

        long published() {
            return published;
        }

        long checksum() {
            return checksum;
        }
    }

    /** As {@code Sequencer}: three Agrona one-to-one rings, the third giving the batches back to the engine. */
    static final class Agrona extends RingPipeline {
        private final OneToOneConcurrentArrayQueue<Batch> toJournal = new OneToOneConcurrentArrayQueue<>(IN_FLIGHT);
        private final OneToOneConcurrentArrayQueue<Batch> toPublish = new OneToOneConcurrentArrayQueue<>(IN_FLIGHT);
        private final OneToOneConcurrentArrayQueue<Batch> free = new OneToOneConcurrentArrayQueue<>(IN_FLIGHT);
        private final List<Thread> threads;
        private volatile boolean running = true;
        private Batch open;

        Agrona(final Stages stages) {
            super(stages);
            for (int i = 0; i < IN_FLIGHT; i++) {
                free.offer(new Batch());
            }
            threads = List.of(Thread.ofPlatform().name("ring-journaler").start(this::runJournaler),
                    Thread.ofPlatform().name("ring-publisher").start(this::runPublisher));
        }

        @Override
        void send() {
            if (open == null) {
                open = takeFree(idle());
            }
            stages.engine(open);
            final IdleStrategy idle = idle(); // as Sequencer.handOver
            while (!toJournal.offer(open)) {
                idle.idle();
            }
            open = takeFree(idle);
        }

        private Batch takeFree(final IdleStrategy idle) {
            Batch next;
            while ((next = free.poll()) == null) {
                idle.idle();
            }
            idle.reset();
            return next;
        }

        private void runJournaler() {
            final IdleStrategy idle = idle();
            while (running) {
                final Batch next = toJournal.poll();
                if (next == null) {
                    idle.idle();
                    continue;
                }
                idle.reset();
                stages.journal(next);
                while (!toPublish.offer(next)) {
                    idle.idle();
                }
            }
        }

        private void runPublisher() {
            final IdleStrategy idle = idle();
            while (running) {
                final Batch next = toPublish.poll();
                if (next == null) {
                    idle.idle();
                    continue;
                }
                idle.reset();
                stages.publish(next);
                while (!free.offer(next)) {
                    idle.idle();
                }
            }
        }

        @Override
        List<Thread> threads() {
            return threads;
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            for (final Thread t : threads) {
                t.join();
            }
        }
    }

    /**
     * A Disruptor RingBuffer of four preallocated batches: the engine its single producer, the journaler a handler,
     * the publisher a handler gated on the journaler. A slot is free again once the publisher is past it. With
     * {@code waitForSlot}, the engine waits for that with the handlers' wait strategy (on a barrier over the
     * publisher) before it claims the slot.
     */
    static final class OnDisruptor extends RingPipeline {
        private final Disruptor<Batch> disruptor;
        private final RingBuffer<Batch> ring;
        private final SequenceBarrier published;
        private final List<Thread> threads = new ArrayList<>();

        OnDisruptor(final Stages stages, final WaitStrategy wait, final boolean waitForSlot) {
            super(stages);
            final String[] names = {"ring-journaler", "ring-publisher"}; // the order the Disruptor starts them in
            disruptor = new Disruptor<>(Batch::new, IN_FLIGHT, r -> {
                final Thread t = Thread.ofPlatform().name(names[threads.size()]).unstarted(r);
                threads.add(t);
                return t;
            }, ProducerType.SINGLE, wait);
            final EventHandlerGroup<Batch> publisher = disruptor
                    .handleEventsWith((Batch batch, long seq, boolean endOfBatch) -> stages.journal(batch))
                    .then((Batch batch, long seq, boolean endOfBatch) -> stages.publish(batch));
            published = waitForSlot ? publisher.asSequenceBarrier() : null;
            ring = disruptor.start();
        }

        @Override
        void send() {
            if (published != null) {
                final long free = ring.getCursor() + 1 - IN_FLIGHT; // the slot next() claims, free once published
                if (free >= 0) {
                    try {
                        published.waitFor(free);
                    } catch (final AlertException | InterruptedException | TimeoutException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
            final long seq = ring.next(); // while the ring is full, parks for 1 ns at a time
            stages.engine(ring.get(seq));
            ring.publish(seq);
        }

        @Override
        List<Thread> threads() {
            return threads;
        }

        @Override
        public void close() throws InterruptedException {
            disruptor.halt();
            for (final Thread t : threads) {
                t.join();
            }
        }
    }

    /** Agrona's BackoffIdleStrategy as a Disruptor wait: the same waiting as the Sequencer, one per waiting thread. */
    static final class BackoffWaitStrategy implements WaitStrategy {
        private final ThreadLocal<IdleStrategy> idle = ThreadLocal.withInitial(RingPipeline::idle);

        @Override
        public long waitFor(final long sequence, final Sequence cursor, final Sequence dependentSequence,
                            final SequenceBarrier barrier) throws AlertException {
            final IdleStrategy idle = this.idle.get();
            idle.reset();
            long available;
            while ((available = dependentSequence.get()) < sequence) {
                barrier.checkAlert();
                idle.idle();
            }
            return available;
        }

        @Override
        public void signalAllWhenBlocking() {
            // nothing blocks on a lock
        }
    }
}
