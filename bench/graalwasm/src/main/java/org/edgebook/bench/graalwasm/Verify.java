package org.edgebook.bench.graalwasm;

import java.util.Arrays;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;

/**
 * Checks that GraalWasm answers exactly what Chicory answers (and the native Java function, when its classes are on
 * the class path) for the benchmark body: status 200, body starting with the expected JSON, identical bytes.
 * {@code java -cp ... org.edgebook.bench.graalwasm.Verify} runs it for both functions.
 */
public final class Verify {
    private Verify() {
    }

    public static String check(final String function, final Engine engine, final Source source,
                               final ChicoryGuest chicory, final NativeFunctions nativeFunction) {
        final byte[] body = Workloads.body(function);
        final Result graal;
        final Result graalSecond;
        try (GraalGuest.Instance instance = new GraalGuest.Instance(engine, source, 4 << 20)) {
            graal = instance.call(body, body.length, Workloads.REQUEST_TIME_MS);
            graalSecond = instance.call(body, body.length, Workloads.REQUEST_TIME_MS);
        }
        final Result reference = chicory.instantiate().call(body, body.length, Workloads.REQUEST_TIME_MS);
        final String prefix = function.equals("transform") ? "{\"user_id\"" : "[{\"node_id\"";
        require(graal.status() == 200, function + ": GraalWasm status " + graal.brief());
        require(graal.text().startsWith(prefix), function + ": GraalWasm answer " + graal.brief());
        require(reference.status() == 200 && Arrays.equals(graal.body(), reference.body()),
            function + ": GraalWasm and Chicory differ:\n  graal   " + graal.brief() + "\n  chicory " + reference.brief());
        require(Arrays.equals(graal.body(), graalSecond.body()), function + ": a warm second call differs");
        String against = "Chicory";
        if (nativeFunction != null) {
            final Result expected = nativeFunction.call(body, Workloads.REQUEST_TIME_MS);
            require(expected.status() == 200 && Arrays.equals(graal.body(), expected.body()),
                function + ": GraalWasm and native Java differ:\n  graal  " + graal.brief() + "\n  native "
                    + expected.brief());
            against = "Chicory and native Java";
        }
        return function + ": body " + body.length + " bytes -> " + graal.brief() + " [identical to " + against + "]";
    }

    private static void require(final boolean ok, final String message) {
        if (!ok) {
            throw new IllegalStateException(message);
        }
    }

    public static void main(final String[] args) {
        try (Engine engine = GraalGuest.newEngine()) {
            System.out.println("engine: " + engine.getImplementationName() + " (interpreter-only: "
                + GraalGuest.isInterpreterOnly(engine) + ")");
            for (final String function : new String[] {"transform", "telemetry"}) {
                final byte[] wasm = Workloads.guest(Workloads.module(function));
                final Source source = GraalGuest.source(WasmBinary.capMemory(wasm, 256), function);
                System.out.println(check(function, engine, source, new ChicoryGuest(wasm, 256),
                    NativeFunctions.find(function)));
            }
        }
    }
}
