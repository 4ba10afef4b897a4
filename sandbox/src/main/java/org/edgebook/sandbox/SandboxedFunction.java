package org.edgebook.sandbox;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * One WebAssembly edge function: a module, its calling convention, its limits and its grants. {@link #submit} queues
 * a call on the function's own workers (at most {@code concurrency} at once, {@code queue} waiting, the rest refused);
 * each call runs in a fresh instance, or a warm one when {@code maxReuses > 0}. A call that traps, runs out of memory
 * or time, or answers badly fails with a {@link GuestFailure} and its instance is dropped; nothing else is touched.
 * <p>
 * {@link #replace} swaps the module atomically: calls submitted before the swap finish on the old one.
 * <p>
 * The heap running out during a call (an {@link OutOfMemoryError}, in the guest's memory or anywhere else) is the
 * host's failure, not the guest's: the call fails with {@link GuestFailure.Kind#HOST_OUT_OF_MEMORY}, its instance is
 * dropped first so that the collector can take its memory back, and the worker carries on with the next call.
 * <p>
 * Threading: {@link #submit}, {@link #replace} and the getters may be called from any thread; calls run on the
 * function's own worker threads, one instance per worker at a time.
 */
public final class SandboxedFunction implements AutoCloseable {
    private static final int STDERR_CAP = 8192;
    private static final long WORKER_STACK_BYTES = 16L << 20;
    private static final System.Logger LOG = System.getLogger("edgebook.sandbox");

    private final String name;
    private final Convention convention;
    private final Limits limits;
    private final Map<String, String> grantedEnvironment;
    private final GuestLog log;
    private final Watchdog watchdog;
    private final ThreadPoolExecutor workers;
    private final ConcurrentLinkedDeque<WarmInstance> warm = new ConcurrentLinkedDeque<>();
    private final FunctionStats stats = new FunctionStats();
    /** Makes each instance's linear memory: the one place guest memory is allocated. */
    private final Function<MemoryLimits, Memory> memories;
    /** Made ahead, so that answering a call that ran out of heap needs no allocation. */
    private final GuestFailure outOfMemory;
    private volatile GuestModule module;

    private SandboxedFunction(final String name, final GuestModule module, final Convention convention,
                              final Limits limits, final Map<String, String> grantedEnvironment, final GuestLog log,
                              final Watchdog watchdog, final Function<MemoryLimits, Memory> memories) {
        this.name = name;
        this.memories = memories;
        this.outOfMemory = new GuestFailure(GuestFailure.Kind.HOST_OUT_OF_MEMORY, "the node ran out of memory "
                + "(JVM heap) during the call to " + name
                + "; the call was stopped and its instance dropped: try again");
        this.module = module;
        this.convention = convention;
        this.limits = limits;
        this.grantedEnvironment = Map.copyOf(grantedEnvironment);
        this.log = log;
        this.watchdog = watchdog;
        final AtomicInteger threadCount = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(limits.concurrency(), limits.concurrency(), 0, TimeUnit.SECONDS,
                limits.queue() == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(limits.queue()),
                task -> {
                    final Thread t = new Thread(null, task, "guest-" + name + "-" + threadCount.incrementAndGet(),
                            WORKER_STACK_BYTES);
                    t.setDaemon(true);
                    return t;
                });
    }

    /**
     * A function over {@code module}, refused if the module does not fit the convention or the limits.
     *
     * @param grantedEnvironment variables a WAGI guest sees besides the request metadata; nothing else is granted
     */
    public static SandboxedFunction create(final String name, final GuestModule module, final Convention convention,
                                           final Limits limits, final Map<String, String> grantedEnvironment,
                                           final GuestLog log, final Watchdog watchdog)
            throws ModuleRejectedException {
        return create(name, module, convention, limits, grantedEnvironment, log, watchdog, ByteArrayMemory::new);
    }

    /** As {@link #create(String, GuestModule, Convention, Limits, Map, GuestLog, Watchdog)}, with the memory maker. */
    static SandboxedFunction create(final String name, final GuestModule module, final Convention convention,
                                    final Limits limits, final Map<String, String> grantedEnvironment,
                                    final GuestLog log, final Watchdog watchdog,
                                    final Function<MemoryLimits, Memory> memories)
            throws ModuleRejectedException {
        module.check(convention, limits);
        return new SandboxedFunction(name, module, convention, limits, grantedEnvironment, log, watchdog, memories);
    }

    /** Swaps in {@code next} for new calls; refused (and the old module kept) if it does not fit. */
    public void replace(final GuestModule next) throws ModuleRejectedException {
        next.check(convention, limits);
        module = next;
        while (warm.poll() != null) {
            stats.liveInstances.decrementAndGet();
        }
    }

    public CompletableFuture<GuestResult> submit(final GuestCall call) {
        final PendingCall pending = new PendingCall(call, module, limits, System.nanoTime());
        stats.calls.increment();
        watchdog.watch(pending);
        try {
            workers.execute(() -> run(pending));
        } catch (RejectedExecutionException e) {
            watchdog.unwatch(pending);
            return refuse(pending);
        }
        return pending.future;
    }

    private CompletableFuture<GuestResult> refuse(final PendingCall pending) {
        stats.failed(GuestFailure.Kind.QUEUE_FULL);
        pending.future.completeExceptionally(new GuestFailure(GuestFailure.Kind.QUEUE_FULL, "function " + name
                + " is busy: " + limits.concurrency() + " calls running and " + limits.queue() + " waiting"));
        return pending.future;
    }

    private void run(final PendingCall pending) {
        if (!pending.start(Thread.currentThread(), watchdog.cpuNanos(Thread.currentThread()))) {
            stats.failed(GuestFailure.Kind.DEADLINE);
            return;
        }
        stats.running.incrementAndGet();
        final GuestModule current = pending.module;
        WarmInstance instance = null;
        try {
            instance = acquire(current, pending.call);
            instance.pagesAtCallStart = instance.instance.memory().pages();
            final GuestResult result = convention == Convention.MEMORY
                    ? callMemory(instance, pending.call)
                    : callWagi(instance);
            pending.finish();
            release(instance, current);
            pending.future.complete(result);
        } catch (Throwable t) {
            pending.finish();
            if (instance != null) {
                stats.liveInstances.decrementAndGet();
            }
            if (GuestFailure.outOfMemory(t)) {
                // Unreachable from here on, so the collector can take the instance's memory back before the answer
                // (or anything else) needs heap; the worker then serves the next call.
                instance = null;
                hostOutOfMemory(pending, t);
                return;
            }
            final GuestFailure failure = classify(t, pending.verdict(), instance);
            stats.failed(failure.kind());
            pending.future.completeExceptionally(failure);
            if (t instanceof Error && !(t instanceof StackOverflowError)) {
                LOG.log(System.Logger.Level.ERROR, "function " + name + " request " + pending.call.requestId()
                        + ": the host failed during the call", t);
                throw (Error) t;
            }
        } finally {
            stats.running.decrementAndGet();
            watchdog.unwatch(pending);
            Thread.interrupted();
        }
    }

    private void hostOutOfMemory(final PendingCall pending, final Throwable t) {
        stats.failed(GuestFailure.Kind.HOST_OUT_OF_MEMORY);
        pending.future.completeExceptionally(outOfMemory);
        try {
            LOG.log(System.Logger.Level.ERROR, "function " + name + " request " + pending.call.requestId()
                    + ": the JVM heap ran out during the call (memory limit " + limits.memoryPages() + " pages, "
                    + "concurrency " + limits.concurrency() + "); the instance was dropped and the worker carries on",
                    t);
        } catch (OutOfMemoryError again) {
            // The caller has its answer; a log line the heap cannot hold is not worth the worker.
        }
    }

    /**
     * Why a call failed. A guest's own faults (traps, limits, bad answers) get their kinds; a JVM error other than
     * the guest's call stack running out is the host's ({@link GuestFailure.Kind#HOST_ERROR}), never a trap.
     */
    private GuestFailure classify(final Throwable t, final GuestFailure verdict, final WarmInstance instance) {
        if (verdict != null) {
            return verdict;
        }
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof GuestFailure f) {
                return f;
            }
            if (c instanceof CappedOutput.Overflow) {
                return new GuestFailure(GuestFailure.Kind.OUTPUT_TOO_LARGE,
                        "the guest wrote more than " + limits.outputBytes() + " bytes of output");
            }
            if (c instanceof WasiExitException e) {
                return new GuestFailure(GuestFailure.Kind.TRAP, "the guest exited with code " + e.exitCode());
            }
        }
        if (t instanceof Error && !(t instanceof StackOverflowError)) {
            return GuestFailure.ofHost(t);
        }
        if (t instanceof ChicoryInterruptedException) {
            return new GuestFailure(GuestFailure.Kind.DEADLINE, "the guest was interrupted");
        }
        if (instance != null && grewToLimit(instance)) {
            return new GuestFailure(GuestFailure.Kind.MEMORY_LIMIT, "the guest reached its memory limit of "
                    + limits.memoryPages() + " pages (" + (limits.memoryPages() * 64) + " KiB) and failed: " + t
                            .getMessage());
        }
        if (t instanceof StackOverflowError) {
            // WebAssembly's own "call stack exhausted" trap: the guest's recursion, bounded by the worker's stack.
            return new GuestFailure(GuestFailure.Kind.TRAP, "the guest trapped: call stack exhausted");
        }
        if (t instanceof ChicoryException) {
            return new GuestFailure(GuestFailure.Kind.TRAP, "the guest trapped: " + t.getMessage());
        }
        return new GuestFailure(GuestFailure.Kind.TRAP, "the guest failed: " + t);
    }

    /**
     * True when this call grew the guest's memory to its limit: a failure then is taken as running out of memory.
     * A guest that was already at its limit when the call began (a fixed-size memory, a warm instance) and then
     * traps is reported as a trap.
     */
    private boolean grewToLimit(final WarmInstance w) {
        final Memory memory = w.instance.memory();
        return memory != null && memory.pages() > w.pagesAtCallStart
                && memory.pages() >= Math.min(memory.maximumPages(), limits.memoryPages());
    }

    private WarmInstance acquire(final GuestModule current, final GuestCall call) {
        if (limits.maxReuses() > 0) {
            WarmInstance w;
            while ((w = warm.poll()) != null) {
                if (w.module == current) {
                    w.slot.serve(call);
                    return w;
                }
                stats.liveInstances.decrementAndGet();
            }
        }
        final long start = System.nanoTime();
        final WarmInstance created = instantiate(current, call);
        stats.instantiationNanos.add(System.nanoTime() - start);
        stats.instantiations.increment();
        stats.liveInstances.incrementAndGet();
        return created;
    }

    private void release(final WarmInstance instance, final GuestModule current) {
        if (convention == Convention.MEMORY && ++instance.uses < limits.maxReuses() && instance.module == current
                && module == current) {
            warm.push(instance);
        } else {
            stats.liveInstances.decrementAndGet();
        }
    }

    private WarmInstance instantiate(final GuestModule m, final GuestCall call) {
        final HostFunctions.CallSlot slot = new HostFunctions.CallSlot();
        slot.serve(call);
        final ImportValues.Builder imports = ImportValues.builder()
                .withFunctions(HostFunctions.forInstance(name, m, slot, log));
        CappedOutput stdout = null;
        CappedOutput stderr = null;
        if (convention == Convention.WAGI) {
            stdout = new CappedOutput(limits.outputBytes(), true);
            stderr = new CappedOutput(STDERR_CAP, false);
            final WasiOptions.Builder options = WasiOptions.builder()
                    .withStdin(new ByteArrayInputStream(call.body(), 0, call.bodyLength()))
                    .withStdout(stdout)
                    .withStderr(stderr)
                    .withArguments(List.of(name))
                    .withClock(Clock.systemUTC());
            call.metadata().forEach(options::withEnvironment);
            grantedEnvironment.forEach(options::withEnvironment);
            imports.addFunction(WasiPreview1.builder().withOptions(options.build()).build().toHostFunctions());
        } else if (m.importsWasi()) {
            imports.addFunction(WasiPreview1.builder().withOptions(WasiOptions.builder().build()).build()
                    .toHostFunctions());
        }
        final Instance instance = Instance.builder(m.wasm())
                .withImportValues(imports.build())
                .withMachineFactory(m.machines())
                .withMemoryLimits(m.memoryLimits(limits))
                .withMemoryFactory(memories)
                .withStart(false)
                .build();
        if (convention == Convention.MEMORY && m.isReactor()) {
            // A WASI reactor's constructors (docs/edge-functions.md 1.1): once, before the first call.
            instance.export("_initialize").apply();
        }
        return new WarmInstance(m, instance, slot, stdout, stderr);
    }

    private GuestResult callMemory(final WarmInstance w, final GuestCall call) throws GuestFailure {
        final Instance instance = w.instance;
        final Memory memory = instance.memory();
        final int length = call.bodyLength();
        final int in = (int) instance.export("edge_alloc").apply(length)[0];
        if ((in == 0 && length > 0) || !inBounds(memory, in, length)) {
            if (grewToLimit(w)) {
                throw new GuestFailure(GuestFailure.Kind.MEMORY_LIMIT, "the guest could not allocate " + length
                        + " bytes for the request within its limit of " + limits.memoryPages() + " pages");
            }
            throw new GuestFailure(GuestFailure.Kind.BAD_ANSWER, "edge_alloc(" + length + ") returned " + in);
        }
        memory.write(in, call.body(), 0, length);
        final int result = (int) instance.export("edge_handle").apply(in, length)[0];
        if (!inBounds(memory, result, 12)) {
            throw new GuestFailure(GuestFailure.Kind.BAD_ANSWER, "edge_handle returned " + Integer.toUnsignedString(
                    result)
                    + ", outside the guest's memory");
        }
        final int status = memory.readInt(result);
        final int out = memory.readInt(result + 4);
        final int outLength = memory.readInt(result + 8);
        if (outLength < 0 || outLength > limits.outputBytes()) {
            throw new GuestFailure(GuestFailure.Kind.OUTPUT_TOO_LARGE, "the guest answered "
                    + Integer.toUnsignedString(outLength) + " bytes; the limit is " + limits.outputBytes());
        }
        if (!inBounds(memory, out, outLength)) {
            throw new GuestFailure(GuestFailure.Kind.BAD_ANSWER, "the guest's answer lies outside its memory");
        }
        if (status < 200 || status > 599) {
            throw new GuestFailure(GuestFailure.Kind.BAD_ANSWER, "the guest answered with HTTP status " + status);
        }
        return new GuestResult(status, "application/json", memory.readBytes(out, outLength));
    }

    private GuestResult callWagi(final WarmInstance w) throws GuestFailure {
        int exitCode = 0;
        try {
            w.instance.export("_start").apply();
        } catch (WasiExitException e) {
            exitCode = e.exitCode();
        } finally {
            logStderr(w);
        }
        if (exitCode != 0) {
            throw new GuestFailure(GuestFailure.Kind.TRAP, "the guest exited with code " + exitCode);
        }
        return Cgi.parse(w.stdout.bytes(), w.stdout.size());
    }

    private void logStderr(final WarmInstance w) {
        if (w.stderr.size() == 0) {
            return;
        }
        final String text = new String(w.stderr.bytes(), 0, w.stderr.size(), StandardCharsets.UTF_8);
        int lines = 0;
        for (final String line : text.split("\n")) {
            if (!line.isEmpty() && lines++ < HostFunctions.MAX_LINES) {
                log.line(name, w.module.sha256(), w.slot.call.requestId(), HostFunctions.printable(line));
            }
        }
    }

    private static boolean inBounds(final Memory memory, final int address, final int length) {
        final long end = Integer.toUnsignedLong(address) + Integer.toUnsignedLong(length);
        return end <= memory.pages() * 65_536L;
    }

    public String name() {
        return name;
    }

    public GuestModule module() {
        return module;
    }

    public Convention convention() {
        return convention;
    }

    public Limits limits() {
        return limits;
    }

    public FunctionStats stats() {
        return stats;
    }

    /** Calls waiting for a worker now. */
    public int queueDepth() {
        return workers.getQueue().size();
    }

    /** Instances kept warm for reuse now. */
    public int warmInstances() {
        return warm.size();
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }

    /** An instance and what belongs to it; {@code uses} counts calls served. Owned by one worker at a time. */
    private static final class WarmInstance {
        final GuestModule module;
        final Instance instance;
        final HostFunctions.CallSlot slot;
        final CappedOutput stdout;
        final CappedOutput stderr;
        int uses;
        int pagesAtCallStart;

        WarmInstance(final GuestModule module, final Instance instance, final HostFunctions.CallSlot slot,
                     final CappedOutput stdout, final CappedOutput stderr) {
            this.module = module;
            this.instance = instance;
            this.slot = slot;
            this.stdout = stdout;
            this.stderr = stderr;
        }
    }
}
