package org.edgebook.bench.graalwasm;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Map;

/**
 * The native Java functions (org.edgebook.edge.functions.*), when edge/target/classes is on the class path (run.sh
 * adds it if it exists). Reached reflectively so this project does not depend on the main build.
 */
public final class NativeFunctions {
    private final Object function;
    private final MethodHandle handle;
    private final MethodHandle newRequest;
    private final MethodHandle status;
    private final MethodHandle responseBody;

    private NativeFunctions(final String function) throws ReflectiveOperationException {
        final MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        final Class<?> type = Class.forName("org.edgebook.edge.functions."
            + (function.equals("transform") ? "TransformFunction" : "TelemetryFunction"));
        final Class<?> request = Class.forName("org.edgebook.edge.EdgeRequest");
        final Class<?> response = Class.forName("org.edgebook.edge.EdgeResponse");
        final Class<?> api = Class.forName("org.edgebook.edge.EdgeFunction");
        this.function = type.getConstructor().newInstance();
        this.handle = lookup.findVirtual(api, "handle", MethodType.methodType(response, request));
        this.newRequest = lookup.findConstructor(request, MethodType.methodType(void.class, String.class, String.class,
            String.class, Map.class, byte[].class, int.class, String.class, long.class));
        this.status = lookup.findVirtual(response, "status", MethodType.methodType(int.class));
        this.responseBody = lookup.findVirtual(response, "body", MethodType.methodType(byte[].class));
    }

    /** The native function, or null if its classes are not on the class path. */
    public static NativeFunctions find(final String function) {
        try {
            return new NativeFunctions(function);
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }

    public Result call(final byte[] body, final long requestTimeMs) {
        try {
            final Object request = newRequest.invoke("POST", "/", null, Map.of(), body, body.length, "b",
                requestTimeMs);
            final Object response = handle.invoke(function, request);
            return new Result((int) status.invoke(response), (byte[]) responseBody.invoke(response));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
