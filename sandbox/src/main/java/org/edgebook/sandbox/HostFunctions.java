package org.edgebook.sandbox;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code edgebook} imports: a log line tagged with function, module and request; the request's receive time;
 * a monotonic clock. A guest may log at most {@link #MAX_LINES} lines of {@link #MAX_LINE_BYTES} bytes per call, so
 * a chatty guest cannot flood the node's log.
 */
final class HostFunctions {
    static final int MAX_LINES = 100;
    static final int MAX_LINE_BYTES = 1024;

    private static final FunctionType LOG = FunctionType.of(List.of(ValType.I32, ValType.I32), List.of());
    private static final FunctionType CLOCK = FunctionType.of(List.of(), List.of(ValType.I64));

    private HostFunctions() {
    }

    /** The call an instance is serving; written by the thread that runs the instance, read by its host functions. */
    static final class CallSlot {
        GuestCall call;
        int logLines;

        void serve(final GuestCall next) {
            call = next;
            logLines = 0;
        }
    }

    /** A guest's text with control characters (newlines included) escaped, so it cannot forge other log lines. */
    static String printable(final String text) {
        final StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            final char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** The type of the host function {@code name}, or null if there is none. */
    static FunctionType type(final String name) {
        return switch (name) {
            case "log" -> LOG;
            case "request_time_ms", "monotonic_ns" -> CLOCK;
            default -> null;
        };
    }

    /** The host functions of one instance; they read the call in {@code slot}, which a warm instance refills. */
    static List<ImportFunction> forInstance(final String function, final GuestModule module, final CallSlot slot,
                                            final GuestLog log) {
        final List<ImportFunction> functions = new ArrayList<>(3);
        functions.add(new HostFunction(GuestModule.HOST_MODULE, "log", LOG, (instance, args) -> {
            if (slot.logLines++ < MAX_LINES) {
                final int length = (int) Math.min(Math.max(args[1], 0), MAX_LINE_BYTES);
                final byte[] text = instance.memory().readBytes((int) args[0], length);
                log.line(function, module.sha256(), slot.call.requestId(),
                        printable(new String(text, StandardCharsets.UTF_8)));
            }
            return null;
        }));
        functions.add(new HostFunction(GuestModule.HOST_MODULE, "request_time_ms", CLOCK,
                (instance, args) -> new long[] {slot.call.receivedAtMillis()}));
        functions.add(new HostFunction(GuestModule.HOST_MODULE, "monotonic_ns", CLOCK,
                (instance, args) -> new long[] {System.nanoTime()}));
        return functions;
    }
}
