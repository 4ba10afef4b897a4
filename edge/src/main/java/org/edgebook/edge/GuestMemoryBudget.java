package org.edgebook.edge;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.edgebook.sandbox.Limits;

/**
 * The heap a node's WebAssembly calls may hold at once, checked when the node starts. Guest memory lives on the JVM's
 * heap, so the routes' limits, not the guests, decide whether the node can run out of memory: a call may hold its
 * linear memory at its limit ({@code memoryPages} × 64 KiB) and its answer ({@code outputBytes}: the WAGI stdout
 * buffer, or the copy of a memory guest's answer), and a route runs {@code concurrency} calls at once. Warm instances
 * ({@code maxReuses > 0}) add nothing to that: a route never holds more instances than {@code concurrency}, running
 * or warm. The sum over the WebAssembly routes must fit the budget, {@code guestMemoryBytes} in the config, by
 * default half the maximum heap (the other half is the node's: request bodies, buffers, Vert.x); and the budget must
 * fit the heap. Stateless.
 */
final class GuestMemoryBudget {
    private static final long PAGE_BYTES = 65_536;

    private GuestMemoryBudget() {
    }

    /** The default budget: half of the maximum heap ({@link Runtime#maxMemory()}). */
    static long defaultBytes(final long maxHeap) {
        return maxHeap / 2;
    }

    /** The most heap one route's calls hold at once. */
    static long routeBytes(final Limits l) {
        return l.concurrency() * (l.memoryPages() * PAGE_BYTES + l.outputBytes());
    }

    /**
     * Refuses routes whose guest memory does not fit {@code budget} (null: the default) or a budget over the heap, in
     * one line that names every WebAssembly route with its figures, the total and the budget.
     *
     * @return the total, for the start-up log
     */
    static long check(final List<EdgeConfig.Route> routes, final Long budget, final long maxHeap) throws IOException {
        final long allowed = budget != null ? budget : defaultBytes(maxHeap);
        final String source = budget != null ? "guestMemoryBytes" : "half the " + mib(maxHeap) + " heap, the default";
        if (allowed > maxHeap) {
            throw new IOException("guestMemoryBytes " + allowed + " (" + mib(allowed) + ") is more than the heap, "
                    + maxHeap + " bytes (" + mib(maxHeap) + "): lower it or raise -Xmx");
        }
        final List<EdgeConfig.Route> wasm = new ArrayList<>();
        long total = 0;
        for (final EdgeConfig.Route r : routes) {
            if (!r.isNative()) {
                wasm.add(r);
                total += routeBytes(r.effectiveLimits());
            }
        }
        if (total <= allowed) {
            return total;
        }
        wasm.sort(Comparator.comparingLong((EdgeConfig.Route r) -> routeBytes(r.effectiveLimits())).reversed());
        final List<String> figures = new ArrayList<>();
        for (final EdgeConfig.Route r : wasm) {
            final Limits l = r.effectiveLimits();
            figures.add(r.path() + " " + routeBytes(l) + " (concurrency " + l.concurrency() + " × (memoryPages "
                    + l.memoryPages() + " × 64 KiB + outputBytes " + l.outputBytes() + "))");
        }
        throw new IOException("the WebAssembly routes' guest memory does not fit the budget: "
                + String.join(", ", figures) + "; total " + total + " bytes (" + mib(total) + ") > budget " + allowed
                + " bytes (" + mib(allowed) + ": " + source
                + "): lower concurrency, memoryPages or outputBytes, or raise "
                + "-Xmx and guestMemoryBytes");
    }

    private static String mib(final long bytes) {
        return (bytes >> 20) + " MiB";
    }
}
