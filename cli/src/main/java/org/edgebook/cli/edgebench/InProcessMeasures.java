package org.edgebook.cli.edgebench;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.edgebook.edge.EdgeFunction;
import org.edgebook.edge.EdgeRequest;
import org.edgebook.sandbox.Convention;
import org.edgebook.sandbox.ExecutionMode;
import org.edgebook.sandbox.GuestCall;
import org.edgebook.sandbox.GuestModule;
import org.edgebook.sandbox.Limits;
import org.edgebook.sandbox.ModuleCache;
import org.edgebook.sandbox.SandboxedFunction;
import org.edgebook.sandbox.Watchdog;

/** Measurements made inside this JVM, through the sandbox's own API: cold start, instantiation, batch scoring. */
final class InProcessMeasures {
    private InProcessMeasures() {
    }

    /** Module bytes to first answer: compile, make the function, instantiate, call. Microseconds. */
    static long moduleToFirstAnswerMicros(final byte[] wasm, final ExecutionMode mode, final byte[] request)
            throws Exception {
        try (Watchdog watchdog = new Watchdog()) {
            final long start = System.nanoTime();
            final GuestModule module = new ModuleCache().load(wasm, mode);
            try (SandboxedFunction f = SandboxedFunction.create("cold", module, Convention.MEMORY, Limits.DEFAULT,
                    Map.of(), (a, b, c, d) -> {}, watchdog)) {
                final int status = f.submit(call(request)).get(30, TimeUnit.SECONDS).status();
                final long micros = (System.nanoTime() - start) / 1000;
                if (status != 200) {
                    throw new IllegalStateException("cold-start call answered " + status);
                }
                return micros;
            }
        }
    }

    /** The median of {@code runs} module-to-first-answer times after the first (JVM already warm). */
    static long warmModuleToFirstAnswerMicros(final byte[] wasm, final ExecutionMode mode, final byte[] request,
                                              final int runs) throws Exception {
        final long[] micros = new long[runs];
        for (int i = 0; i < runs; i++) {
            micros[i] = moduleToFirstAnswerMicros(wasm, mode, request);
        }
        Arrays.sort(micros);
        return micros[runs / 2];
    }

    /** Mean instantiation time of a compiled module over {@code calls} fresh-instance calls, after warm-up. Nanos. */
    static double instantiationNanos(final byte[] wasm, final ExecutionMode mode, final byte[] request,
                                     final int warmup, final int calls) throws Exception {
        try (Watchdog watchdog = new Watchdog();
             SandboxedFunction f = SandboxedFunction.create("instantiate", new ModuleCache().load(wasm, mode),
                     Convention.MEMORY, Limits.DEFAULT, Map.of(), (a, b, c, d) -> {}, watchdog)) {
            for (int i = 0; i < warmup; i++) {
                f.submit(call(request)).get(30, TimeUnit.SECONDS);
            }
            final long n0 = f.stats().instantiations();
            final long t0 = f.stats().instantiationNanos();
            for (int i = 0; i < calls; i++) {
                f.submit(call(request)).get(30, TimeUnit.SECONDS);
            }
            return (double) (f.stats().instantiationNanos() - t0) / (f.stats().instantiations() - n0);
        }
    }

    /** Events scored per second on one thread by the WebAssembly scorer, one batch call after another. */
    static double wasmEventsPerSecond(final byte[] wasm, final byte[] batch, final int events, final int maxReuses,
                                      final double warmupSeconds, final double seconds) throws Exception {
        final Limits limits = new Limits(Limits.DEFAULT.memoryPages(), Limits.DEFAULT.deadline(), Limits.DEFAULT.cpu(),
                1, 16, Limits.DEFAULT.outputBytes(), maxReuses);
        try (Watchdog watchdog = new Watchdog();
             SandboxedFunction f = SandboxedFunction.create("telemetry", new ModuleCache().load(wasm,
                     ExecutionMode.COMPILED), Convention.MEMORY, limits, Map.of(), (a, b, c, d) -> {}, watchdog)) {
            return perSecond(events, warmupSeconds, seconds, () -> {
                if (f.submit(call(batch)).get(30, TimeUnit.SECONDS).status() != 200) {
                    throw new IllegalStateException("the scorer refused the batch");
                }
            });
        }
    }

    static double nativeEventsPerSecond(final EdgeFunction function, final byte[] batch, final int events,
                                        final double warmupSeconds, final double seconds) throws Exception {
        final EdgeRequest request = new EdgeRequest("POST", "/", null, Map.of(), batch, batch.length, "bench",
                System.currentTimeMillis());
        return perSecond(events, warmupSeconds, seconds, () -> {
            if (function.handle(request).status() != 200) {
                throw new IllegalStateException("the scorer refused the batch");
            }
        });
    }

    private interface Call {
        void run() throws Exception;
    }

    private static double perSecond(final int eventsPerCall, final double warmupSeconds, final double seconds,
                                    final Call call) throws Exception {
        final long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
        while (System.nanoTime() < warmEnd) {
            call.run();
        }
        long calls = 0;
        final long start = System.nanoTime();
        final long end = start + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            call.run();
            calls++;
        }
        return calls * (double) eventsPerCall / ((System.nanoTime() - start) / 1e9);
    }

    private static GuestCall call(final byte[] body) {
        return new GuestCall(body, body.length, Map.of(), "bench", System.currentTimeMillis());
    }
}
