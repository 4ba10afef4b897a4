package org.edgebook.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/** {@link ScheduleHeap} against the JDK's {@link PriorityQueue} on seeded pushes and pops, as the scheduler uses it. */
final class ScheduleHeapTest {
    @Test
    void popsInTheOrderOfAPriorityQueue() {
        final long seed = ThreadLocalRandom.current().nextLong();
        System.out.println("ScheduleHeapTest seed " + seed);
        final SplittableRandom random = new SplittableRandom(seed);
        final ScheduleHeap heap = new ScheduleHeap();
        final PriorityQueue<Long> model = new PriorityQueue<>();
        for (int i = 0; i < 100_000; i++) {
            if (model.isEmpty() || random.nextInt(3) > 0) {
                final long entry = ScheduleHeap.entry(random.nextLong(1L << 39), random.nextInt(
                        ScheduleHeap.MAX_NODES));
                heap.push(entry);
                model.add(entry);
            } else {
                final long popped = heap.pop();
                assertThat(popped).as("seed " + seed).isEqualTo(model.poll());
            }
            assertThat(heap.size()).isEqualTo(model.size());
        }
        while (!model.isEmpty()) {
            final long expected = model.poll();
            assertThat(heap.peek()).isEqualTo(expected);
            assertThat(heap.pop()).as("seed " + seed).isEqualTo(expected);
        }
        assertThat(heap.isEmpty()).isTrue();
    }

    @Test
    void anEntryHoldsItsDueTimeAndNode() {
        final long entry = ScheduleHeap.entry(1_796_329_864_936L - 1_700_000_000_000L, ScheduleHeap.MAX_NODES - 1);
        assertThat(ScheduleHeap.due(entry)).isEqualTo(96_329_864_936L);
        assertThat(ScheduleHeap.node(entry)).isEqualTo(ScheduleHeap.MAX_NODES - 1);
    }
}
