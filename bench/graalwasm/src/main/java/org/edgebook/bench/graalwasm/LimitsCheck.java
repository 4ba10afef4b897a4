package org.edgebook.bench.graalwasm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;

/**
 * Do the sandbox's limits hold on GraalWasm? Memory cap (membomb.wasm), stopping a spinning guest (loop.wasm) from
 * another thread within a deadline, and concurrency on a shared engine. Prints one line per finding.
 * <p>
 * Usage: {@code LimitsCheck [all|memory|deadline|concurrency|options|uncapped]}; {@code uncapped} runs membomb without the
 * cap (run it in a JVM with a small -Xmx, see README).
 */
public final class LimitsCheck {
    private static final int PAGES = GraalWasmBenchmark.MEMORY_PAGES;
    private static final int OUTPUT = GraalWasmBenchmark.OUTPUT_BYTES;
    private static final byte[] SMALL_BODY = "{}".getBytes();

    private LimitsCheck() {
    }

    public static void main(final String[] args) throws Exception {
        final String what = args.length > 0 ? args[0] : "all";
        Thread.ofPlatform().daemon().start(() -> {
            try {
                Thread.sleep(180_000);
                System.out.println("LimitsCheck: still running after 180 s, halting (a guest was not stopped)");
                Runtime.getRuntime().halt(2);
            } catch (InterruptedException e) {
                // exit normally
            }
        });
        try (Engine engine = GraalGuest.newEngine()) {
            System.out.println("engine: " + engine.getImplementationName() + " (interpreter-only: "
                + GraalGuest.isInterpreterOnly(engine) + "), cores " + Runtime.getRuntime().availableProcessors()
                + ", max heap " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB");
            if (what.equals("all") || what.equals("memory")) {
                memory(engine);
            }
            if (what.equals("all") || what.equals("deadline")) {
                deadline(engine);
            }
            if (what.equals("all") || what.equals("concurrency")) {
                concurrency(engine);
            }
            if (what.equals("uncapped")) {
                uncapped(engine);
            }
            if (what.equals("all") || what.equals("options")) {
                options(engine);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------- memory

    static void memory(final Engine engine) {
        System.out.println("\n== memory cap: membomb.wasm (grows 1 page at a time, traps when memory.grow fails)");
        final byte[] bomb = Workloads.guest("membomb.wasm");
        final Source capped = GraalGuest.source(WasmBinary.capMemory(bomb, PAGES), "membomb-capped");
        for (int round = 1; round <= 3; round++) {
            try (GraalGuest.Instance instance = new GraalGuest.Instance(engine, capped, OUTPUT)) {
                final long start = System.nanoTime();
                try {
                    final Result r = instance.call(SMALL_BODY, SMALL_BODY.length, 1);
                    System.out.println("  UNEXPECTED: membomb answered " + r.brief());
                } catch (GuestError e) {
                    final long pages = instance.pages();
                    System.out.printf("  graalwasm capped at %d pages, round %d: %s after %.1f ms; memory now %d pages"
                        + " -> %s%n", PAGES, round, e.kind(), ms(start), pages,
                        pages >= PAGES ? "MEMORY_LIMIT (at cap, as the sandbox classifies it)" : "below cap?!");
                    if (round == 1) {
                        System.out.println("    guest error: " + firstLine(e.getMessage()));
                    }
                }
            }
        }
        // the same bomb on Chicory with the sandbox's memory limit, for comparison
        final ChicoryGuest chicory = new ChicoryGuest(bomb, PAGES);
        for (int round = 1; round <= 3; round++) {
            final long start = System.nanoTime();
            try {
                chicory.instantiate().call(SMALL_BODY, SMALL_BODY.length, 1);
                System.out.println("  UNEXPECTED: chicory membomb answered");
            } catch (RuntimeException e) {
                System.out.printf("  chicory capped at %d pages, round %d: %s after %.1f ms%s%n", PAGES, round,
                    e.getClass().getSimpleName(), ms(start), round == 1 ? " (" + firstLine(e.getMessage()) + ")" : "");
            }
        }
        // instantiation refused when the module needs more at start than the cap
        try (GraalGuest.Instance ignored = new GraalGuest.Instance(engine,
            GraalGuest.source(WasmBinary.capMemory(Workloads.guest("transform-memory.wasm"), 1), "transform-cap1"),
            OUTPUT)) {
            System.out.println("  UNEXPECTED: transform (2 initial pages) instantiated under a 1-page cap");
        } catch (RuntimeException e) {
            System.out.println("  cap below the module's initial pages: instantiation refused: "
                + firstLine(e.getMessage()));
        }
        // the transform still works under the cap
        final byte[] body = Workloads.body("transform");
        try (GraalGuest.Instance instance = new GraalGuest.Instance(engine,
            GraalGuest.source(WasmBinary.capMemory(Workloads.guest("transform-memory.wasm"), PAGES), "transform"),
            OUTPUT)) {
            final Result r = instance.call(body, body.length, 1);
            System.out.println("  transform under the " + PAGES + "-page cap: " + r.status() + ", memory "
                + instance.pages() + " pages");
        }
    }

    /** membomb without the cap: what bounds it then? Run in a JVM with a small -Xmx. */
    static void uncapped(final Engine engine) {
        System.out.println("\n== membomb.wasm WITHOUT a cap (module declares no maximum), max heap "
            + (Runtime.getRuntime().maxMemory() >> 20) + " MiB");
        final Source source = GraalGuest.source(Workloads.guest("membomb.wasm"), "membomb");
        try (GraalGuest.Instance instance = new GraalGuest.Instance(engine, source, OUTPUT)) {
            final long start = System.nanoTime();
            final Context context = instance.context();
            final Thread guard = Thread.ofPlatform().daemon().start(() -> {
                try {
                    Thread.sleep(60_000);
                    context.interrupt(Duration.ofSeconds(10));
                    System.out.println("  still growing after 60 s: interrupted");
                } catch (InterruptedException | TimeoutException e) {
                    // done
                }
            });
            try {
                instance.call(SMALL_BODY, SMALL_BODY.length, 1);
            } catch (GuestError e) {
                System.out.printf("  %s after %.1f ms, memory %d pages (%d MiB); RSS %s; %s%n", e.kind(), ms(start),
                    instance.pages(), instance.pages() / 16, rss(), firstLine(e.getMessage()));
            } catch (Throwable t) {
                System.out.printf("  %s after %.1f ms: %s%n", t.getClass().getName(), ms(start),
                    firstLine(String.valueOf(t.getMessage())));
            }
            guard.interrupt();
        }
    }

    // -------------------------------------------------------------------------------------------------- deadline

    static void deadline(final Engine engine) throws Exception {
        System.out.println("\n== stopping loop.wasm (edge_handle spins: `loop br`) from another thread");
        final Source loop = GraalGuest.source(WasmBinary.capMemory(Workloads.guest("loop.wasm"), PAGES), "loop");
        final List<Double> interruptLatency = new ArrayList<>();
        final List<Double> closeLatency = new ArrayList<>();
        final long[] deadlines = {50, 200, 50, 200, 1000, 50, 50, 50, 50, 50};
        for (int i = 0; i < deadlines.length; i++) {
            final boolean useClose = i % 2 == 1;
            final double latency = stopOnce(engine, loop, deadlines[i], useClose, i == 0 || i == 1);
            (useClose ? closeLatency : interruptLatency).add(latency);
        }
        System.out.println("  interrupt latency ms (request -> guest thread has the exception): "
            + summary(interruptLatency));
        System.out.println("  close(true) latency ms: " + summary(closeLatency));

        // after an interrupt the context is still usable (warm reuse possible), after close(true) it is gone
        try (GraalGuest.Instance instance = new GraalGuest.Instance(engine, loop, OUTPUT)) {
            stopWith(instance, 50, false);
            boolean usable;
            try {
                stopWith(instance, 50, false);
                usable = true;
            } catch (IllegalStateException e) {
                usable = false;
            }
            System.out.println("  context reusable after interrupt: " + usable);
        }

        // a watchdog stops only its own guest: a transform call loop on another context keeps running
        final Source transform = GraalGuest.source(WasmBinary.capMemory(Workloads.guest("transform-memory.wasm"),
            PAGES), "transform");
        final byte[] body = Workloads.body("transform");
        final AtomicInteger served = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        final CountDownLatch stop = new CountDownLatch(1);
        final Thread neighbour = Thread.ofPlatform().start(() -> {
            try (GraalGuest.Instance warm = new GraalGuest.Instance(engine, transform, OUTPUT)) {
                while (stop.getCount() > 0) {
                    try {
                        if (warm.call(body, body.length, 1).status() == 200) {
                            served.incrementAndGet();
                        }
                    } catch (RuntimeException e) {
                        failed.incrementAndGet();
                    }
                }
            }
        });
        final int before = served.get();
        final double l = stopOnce(engine, loop, 300, false, false);
        stop.countDown();
        neighbour.join();
        System.out.printf("  neighbour context during the stop: %d calls served, %d failed (stop took %.2f ms)%n",
            served.get() - before, failed.get(), l);

        // the CPU-time limit: same mechanism, the watchdog reads the guest thread's CPU time and interrupts
        try (GraalGuest.Instance instance = new GraalGuest.Instance(engine, loop, OUTPUT)) {
            final java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
            final AtomicLong guestThread = new AtomicLong();
            final CompletableFuture<String> outcome = CompletableFuture.supplyAsync(() -> {
                guestThread.set(Thread.currentThread().threadId());
                try {
                    instance.call(SMALL_BODY, SMALL_BODY.length, 1);
                    return "answered?!";
                } catch (GuestError e) {
                    return e.kind().toString();
                }
            }, Executors.newSingleThreadExecutor());
            final long start = System.nanoTime();
            while (guestThread.get() == 0 || threads.getThreadCpuTime(guestThread.get()) < 300_000_000L) {
                Thread.sleep(5);
            }
            instance.context().interrupt(Duration.ofSeconds(5));
            System.out.printf("  CPU limit 300 ms: stopped after %.0f ms wall, guest CPU %.0f ms: %s%n", ms(start),
                threads.getThreadCpuTime(guestThread.get()) / 1e6, outcome.get(5, TimeUnit.SECONDS));
        }
    }

    private static double stopOnce(final Engine engine, final Source loop, final long deadlineMs,
                                   final boolean useClose, final boolean verbose) throws Exception {
        try (GraalGuest.Instance instance = new GraalGuest.Instance(engine, loop, OUTPUT)) {
            final double latency = stopWith(instance, deadlineMs, useClose);
            if (verbose) {
                System.out.printf("  %s after %d ms: guest stopped %.2f ms after the request%n",
                    useClose ? "close(true)" : "interrupt(5 s)", deadlineMs, latency);
            }
            return latency;
        }
    }

    /** Runs loop.wasm's edge_handle on a new thread, stops it after deadlineMs; returns ms from request to stop. */
    private static double stopWith(final GraalGuest.Instance instance, final long deadlineMs, final boolean useClose)
        throws Exception {
        final AtomicLong stoppedAt = new AtomicLong();
        final String[] outcome = new String[1];
        final CountDownLatch started = new CountDownLatch(1);
        final Thread guest = Thread.ofPlatform().start(() -> {
            started.countDown();
            try {
                instance.call(SMALL_BODY, SMALL_BODY.length, 1);
                outcome[0] = "answered?!";
            } catch (GuestError e) {
                outcome[0] = e.kind().toString();
            } catch (RuntimeException e) {
                outcome[0] = e.getClass().getSimpleName() + ": " + firstLine(String.valueOf(e.getMessage()));
            }
            stoppedAt.set(System.nanoTime());
        });
        started.await();
        Thread.sleep(deadlineMs);
        final long request = System.nanoTime();
        if (useClose) {
            instance.context().close(true);
        } else {
            instance.context().interrupt(Duration.ofSeconds(5));
        }
        guest.join(10_000);
        if (guest.isAlive()) {
            throw new IllegalStateException("the guest did not stop within 10 s");
        }
        if (!"DEADLINE".equals(outcome[0])) {
            throw new IllegalStateException("stopped guest reported " + outcome[0]);
        }
        return (stoppedAt.get() - request) / 1e6;
    }

    // ----------------------------------------------------------------------------------------------- concurrency

    static void concurrency(final Engine engine) throws Exception {
        System.out.println("\n== concurrency: one shared Engine, contexts on several threads");
        final byte[] wasm = Workloads.guest("transform-memory.wasm");
        final Source source = GraalGuest.source(WasmBinary.capMemory(wasm, PAGES), "transform");
        final byte[] body = Workloads.body("transform");
        final byte[] expected = new ChicoryGuest(wasm, PAGES).instantiate().call(body, body.length, 1).body();
        for (int i = 0; i < 300; i++) { // warm up (compile) first, so the timings below are steady state
            try (GraalGuest.Instance instance = new GraalGuest.Instance(engine, source, OUTPUT)) {
                instance.call(body, body.length, 1);
            }
        }
        for (final int threads : new int[] {1, 2, 4}) {
            final int calls = 400;
            final ExecutorService pool = Executors.newFixedThreadPool(threads);
            final AtomicInteger wrong = new AtomicInteger();
            final long start = System.nanoTime();
            final List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < calls / threads; i++) {
                        try (GraalGuest.Instance instance = new GraalGuest.Instance(engine, source, OUTPUT)) {
                            if (!Arrays.equals(expected, instance.call(body, body.length, 1).body())) {
                                wrong.incrementAndGet();
                            }
                        }
                    }
                    return null;
                }));
            }
            for (final Future<?> f : futures) {
                f.get();
            }
            pool.shutdown();
            System.out.printf("  %d threads x fresh contexts: %d calls in %.0f ms (%.0f us/call wall), %d wrong%n",
                threads, calls, ms(start), ms(start) * 1000 / calls, wrong.get());
        }
        // a warm instance handed from worker to worker (the sandbox's warm pool: one owner at a time)
        try (GraalGuest.Instance warm = new GraalGuest.Instance(engine, source, OUTPUT)) {
            final ExecutorService a = Executors.newSingleThreadExecutor();
            final ExecutorService b = Executors.newSingleThreadExecutor();
            int ok = 0;
            for (int i = 0; i < 20; i++) {
                final Result r = (i % 2 == 0 ? a : b).submit(() -> warm.call(body, body.length, 1)).get();
                ok += Arrays.equals(expected, r.body()) ? 1 : 0;
            }
            a.shutdown();
            b.shutdown();
            System.out.println("  warm context used alternately by two threads: " + ok + "/20 correct");
            // two threads in the same context at once: does the context refuse the second one?
            final Source loop = GraalGuest.source(WasmBinary.capMemory(Workloads.guest("loop.wasm"), PAGES), "loop");
            try (GraalGuest.Instance spinning = new GraalGuest.Instance(engine, loop, OUTPUT)) {
                final String[] outcomes = new String[2];
                final Thread[] threads = new Thread[2];
                for (int t = 0; t < 2; t++) {
                    final int n = t;
                    threads[t] = Thread.ofPlatform().daemon().start(() -> {
                        try {
                            spinning.call(SMALL_BODY, SMALL_BODY.length, 1);
                            outcomes[n] = "answered?!";
                        } catch (GuestError e) {
                            outcomes[n] = "inside the guest until stopped (" + e.kind() + ")";
                        } catch (IllegalStateException e) {
                            outcomes[n] = "refused: " + firstLine(e.getMessage());
                        }
                    });
                    Thread.sleep(100);
                }
                Thread.sleep(100);
                final long start = System.nanoTime();
                spinning.context().interrupt(Duration.ofSeconds(5));
                threads[0].join(5_000);
                threads[1].join(5_000);
                System.out.printf("  two threads calling one context at once: first %s; second %s; one interrupt "
                    + "stopped both in %.2f ms%n", outcomes[0], outcomes[1], ms(start));
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------ options

    /** Is there any option that could cap memory? Lists the wasm options and any sandbox.* / limit options. */
    static void options(final Engine engine) {
        System.out.println("\n== options: wasm language options, and engine options about sandbox / limits / memory");
        final StringBuilder wasm = new StringBuilder();
        for (final org.graalvm.options.OptionDescriptor d : engine.getLanguages().get("wasm").getOptions()) {
            wasm.append(wasm.isEmpty() ? "" : ", ").append(d.getName().substring(5));
        }
        System.out.println("  wasm.*: " + wasm);
        final List<String> limits = new ArrayList<>();
        for (final org.graalvm.options.OptionDescriptor d : engine.getOptions()) {
            if (d.getName().matches("(?i).*(sandbox|maxheap|memory|limit).*")) {
                limits.add(d.getName());
            }
        }
        System.out.println("  engine options matching sandbox|maxheap|memory|limit: "
            + (limits.isEmpty() ? "none" : limits));
    }

    // ---------------------------------------------------------------------------------------------------- helpers

    private static double ms(final long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }

    private static String summary(final List<Double> values) {
        final List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return String.format("n=%d min %.2f median %.2f max %.2f", sorted.size(), sorted.get(0),
            sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1));
    }

    private static String firstLine(final String s) {
        final int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static String rss() {
        try {
            for (final String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return line.substring(6).trim();
                }
            }
        } catch (Exception e) {
            // not Linux
        }
        return "?";
    }
}
