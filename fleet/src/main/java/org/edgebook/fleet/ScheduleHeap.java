package org.edgebook.fleet;

import java.util.Arrays;

/**
 * The sorted schedule of one scheduler thread: a binary min-heap of longs, each a due time (milliseconds since the
 * simulator's start) in the high 40 bits and a node's index in the low 24, so that a hundred thousand pending
 * heartbeats cost 800 KB and no object each.
 * <p>
 * Threading: the owning scheduler thread only.
 */
final class ScheduleHeap {
    static final int INDEX_BITS = 24;
    static final int MAX_NODES = 1 << INDEX_BITS;
    private static final long INDEX_MASK = MAX_NODES - 1;

    private long[] heap = new long[1024];
    private int size;

    static long entry(final long dueMillis, final int node) {
        return dueMillis << INDEX_BITS | node;
    }

    static long due(final long entry) {
        return entry >>> INDEX_BITS;
    }

    static int node(final long entry) {
        return (int) (entry & INDEX_MASK);
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    long peek() {
        return heap[0];
    }

    void push(final long entry) {
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        int i = size++;
        while (i > 0) {
            final int parent = (i - 1) >>> 1;
            if (heap[parent] <= entry) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = entry;
    }

    long pop() {
        final long top = heap[0];
        final long last = heap[--size];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && heap[child + 1] < heap[child]) {
                child++;
            }
            if (heap[child] >= last) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        if (size > 0) {
            heap[i] = last;
        }
        return top;
    }
}
