package org.edgebook.bench.graalwasm;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Map;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.graalvm.polyglot.proxy.ProxyExecutable;
import org.graalvm.polyglot.proxy.ProxyObject;

/**
 * The memory convention (docs/edge-functions.md 1.1) on GraalWasm through the polyglot API. One {@link Engine} is
 * shared by everything (it holds the parsed module and the compiled code); a {@link Source} is the cached module;
 * an {@link Instance} is one {@link Context} with one instantiated module, used by one thread at a time.
 */
public final class GraalGuest {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private GraalGuest() {
    }

    /**
     * An engine for wasm. Refuses to run interpreter-only (the fallback Truffle runtime) unless
     * {@code -Dgraalwasm.allowInterpreter=true}: the numbers would be meaningless.
     */
    public static Engine newEngine() {
        final Engine engine = Engine.newBuilder("wasm")
            .option("engine.WarnInterpreterOnly", "true")
            .build();
        if (isInterpreterOnly(engine) && !Boolean.getBoolean("graalwasm.allowInterpreter")) {
            engine.close();
            throw new IllegalStateException("Truffle fell back to the interpreter-only runtime (engine implementation "
                + "'Interpreted'); run with -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI "
                + "--upgrade-module-path=target/compiler, or -Dgraalwasm.allowInterpreter=true");
        }
        return engine;
    }

    /** True when Truffle uses its fallback runtime (no partial evaluation, no Graal JIT). */
    public static boolean isInterpreterOnly(final Engine engine) {
        return "Interpreted".equals(engine.getImplementationName());
    }

    public static Source source(final byte[] wasm, final String name) {
        return Source.newBuilder("wasm", ByteSequence.create(wasm), name).cached(true).buildLiteral();
    }

    /**
     * A context on the shared engine. {@code -Dgraalwasm.contextOptions=k=v,k=v} adds (experimental) context options,
     * e.g. {@code wasm.UseUnsafeMemory=true}; none by default.
     */
    public static Context newContext(final Engine engine) {
        final Context.Builder builder = Context.newBuilder("wasm").engine(engine);
        final String extra = System.getProperty("graalwasm.contextOptions", "");
        if (!extra.isBlank()) {
            builder.allowExperimentalOptions(true);
            for (final String kv : extra.split(",")) {
                final int eq = kv.indexOf('=');
                builder.option(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
            }
        }
        return builder.build();
    }

    /** The per-instance slot the host functions read (like the sandbox's CallSlot). */
    static final class Slot {
        volatile long requestTimeMs;
    }

    /** One context holding one instance of the module, after {@code _initialize}. */
    public static final class Instance implements AutoCloseable {
        private final Context context;
        private final Slot slot = new Slot();
        private final Value memory;
        private final Value alloc;
        private final Value handle;
        private final int outputLimit;

        public Instance(final Engine engine, final Source source, final int outputLimit) {
            this(newContext(engine), source, outputLimit);
        }

        public Instance(final Context context, final Source source, final int outputLimit) {
            this.context = context;
            this.outputLimit = outputLimit;
            try {
                final Value module = context.eval(source);
                final Slot s = slot;
                final Value instance = module.newInstance(ProxyObject.fromMap(Map.of("edgebook", ProxyObject.fromMap(
                    Map.<String, Object>of(
                        "request_time_ms", (ProxyExecutable) args -> s.requestTimeMs,
                        "monotonic_ns", (ProxyExecutable) args -> System.nanoTime(),
                        "log", (ProxyExecutable) args -> null)))));
                final Value exports = instance.getMember("exports");
                if (exports.hasMember("_initialize")) {
                    exports.getMember("_initialize").executeVoid();
                }
                memory = exports.getMember("memory");
                alloc = exports.getMember("edge_alloc");
                handle = exports.getMember("edge_handle");
                if (memory == null || !memory.hasBufferElements() || alloc == null || handle == null) {
                    throw new GuestError(GuestError.Kind.BAD_ANSWER,
                        "module lacks memory / edge_alloc / edge_handle", null);
                }
            } catch (RuntimeException e) {
                context.close(true);
                throw e;
            }
        }

        public Context context() {
            return context;
        }

        /** Pages of linear memory now. */
        public long pages() {
            return memory.getBufferSize() / 65_536;
        }

        /** edge_alloc, copy the body in, edge_handle, read the 12-byte result, copy the response out. */
        public Result call(final byte[] body, final int length, final long requestTimeMs) {
            slot.requestTimeMs = requestTimeMs;
            context.enter();
            try {
                final int in = alloc.execute(length).asInt();
                if (in == 0 || !inBounds(in, length)) {
                    throw new GuestError(GuestError.Kind.BAD_ANSWER, "edge_alloc(" + length + ") returned " + in, null);
                }
                int i = 0;
                for (; i + 8 <= length; i += 8) {
                    memory.writeBufferLong(LE, Integer.toUnsignedLong(in) + i, (long) LONGS.get(body, i));
                }
                for (; i < length; i++) {
                    memory.writeBufferByte(Integer.toUnsignedLong(in) + i, body[i]);
                }
                final int result = handle.execute(in, length).asInt();
                if (!inBounds(result, 12)) {
                    throw new GuestError(GuestError.Kind.BAD_ANSWER, "edge_handle returned "
                        + Integer.toUnsignedString(result) + ", outside the guest's memory", null);
                }
                final long r = Integer.toUnsignedLong(result);
                final int status = memory.readBufferInt(LE, r);
                final int out = memory.readBufferInt(LE, r + 4);
                final int outLength = memory.readBufferInt(LE, r + 8);
                if (outLength < 0 || outLength > outputLimit) {
                    throw new GuestError(GuestError.Kind.BAD_ANSWER, "answer of " + Integer.toUnsignedString(outLength)
                        + " bytes; the limit is " + outputLimit, null);
                }
                if (!inBounds(out, outLength)) {
                    throw new GuestError(GuestError.Kind.BAD_ANSWER, "the answer lies outside the guest's memory", null);
                }
                if (status < 100 || status > 599) {
                    throw new GuestError(GuestError.Kind.BAD_ANSWER, "HTTP status " + status, null);
                }
                final byte[] response = new byte[outLength];
                memory.readBuffer(Integer.toUnsignedLong(out), response, 0, outLength);
                return new Result(status, response);
            } catch (PolyglotException e) {
                throw classify(e);
            } finally {
                leave();
            }
        }

        /** Only the polyglot copying of {@link #call}: edge_alloc, copy the body in, read as many bytes back out. */
        public int copyOnly(final byte[] body, final int length, final byte[] back) {
            context.enter();
            try {
                final int in = alloc.execute(length).asInt();
                int i = 0;
                for (; i + 8 <= length; i += 8) {
                    memory.writeBufferLong(LE, Integer.toUnsignedLong(in) + i, (long) LONGS.get(body, i));
                }
                for (; i < length; i++) {
                    memory.writeBufferByte(Integer.toUnsignedLong(in) + i, body[i]);
                }
                memory.readBuffer(Integer.toUnsignedLong(in), back, 0, length);
                return back[length - 1];
            } finally {
                leave();
            }
        }

        /** Leaves the context; a context closed under us (close(true) by a watchdog) needs no leave. */
        private void leave() {
            try {
                context.leave();
            } catch (IllegalStateException e) {
                // closed by another thread while we were inside
            }
        }

        private GuestError classify(final PolyglotException e) {
            if (e.isInterrupted() || e.isCancelled()) {
                return new GuestError(GuestError.Kind.DEADLINE, "the guest was stopped ("
                    + (e.isInterrupted() ? "interrupted" : "cancelled") + ")", e);
            }
            if (e.isResourceExhausted()) {
                return new GuestError(GuestError.Kind.MEMORY_LIMIT, e.getMessage(), e);
            }
            return new GuestError(GuestError.Kind.TRAP, "the guest trapped: " + e.getMessage(), e);
        }

        private boolean inBounds(final int address, final int length) {
            return Integer.toUnsignedLong(address) + Integer.toUnsignedLong(length) <= memory.getBufferSize();
        }

        @Override
        public void close() {
            context.close(true);
        }
    }
}
