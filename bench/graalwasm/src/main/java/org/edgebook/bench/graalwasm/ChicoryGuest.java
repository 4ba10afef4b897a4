package org.edgebook.bench.graalwasm;

import com.dylibso.chicory.compiler.InterpreterFallback;
import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.ValType;
import java.util.List;
import java.util.function.Function;

/**
 * The baseline: Chicory 1.7.5 compiled mode, built exactly as the sandbox builds an instance (SandboxedFunction
 * .instantiate: compiled machine factory, ByteArrayMemory, memory limits, no start), minus the worker hop.
 */
public final class ChicoryGuest {
    private final WasmModule module;
    private final Function<Instance, Machine> machines;
    private final MemoryLimits limits;

    public ChicoryGuest(final byte[] wasm, final int memoryPages) {
        module = Parser.parse(wasm);
        machines = MachineFactoryCompiler.builder(module).withInterpreterFallback(InterpreterFallback.SILENT).compile();
        final MemoryLimits declared = module.memorySection().get().getMemory(0).limits();
        limits = new MemoryLimits(declared.initialPages(), Math.min(declared.maximumPages(), memoryPages));
    }

    private boolean hasExport(final String name) {
        for (int i = 0; i < module.exportSection().exportCount(); i++) {
            if (module.exportSection().getExport(i).name().equals(name)) {
                return true;
            }
        }
        return false;
    }

    public Live instantiate() {
        final long[] time = new long[1];
        final FunctionType clock = FunctionType.of(List.of(), List.of(ValType.I64));
        final ImportValues imports = ImportValues.builder()
            .addFunction(new HostFunction("edgebook", "request_time_ms", clock, (inst, args) -> new long[] {time[0]}))
            .addFunction(new HostFunction("edgebook", "monotonic_ns", clock,
                (inst, args) -> new long[] {System.nanoTime()}))
            .build();
        final Instance instance = Instance.builder(module)
            .withImportValues(imports)
            .withMachineFactory(machines)
            .withMemoryLimits(limits)
            .withMemoryFactory(ByteArrayMemory::new)
            .withStart(false)
            .build();
        if (hasExport("_initialize")) {
            instance.export("_initialize").apply();
        }
        return new Live(instance, time);
    }

    /** One Chicory instance. */
    public static final class Live {
        private final Instance instance;
        private final long[] time;

        Live(final Instance instance, final long[] time) {
            this.instance = instance;
            this.time = time;
        }

        public Result call(final byte[] body, final int length, final long requestTimeMs) {
            time[0] = requestTimeMs;
            final Memory memory = instance.memory();
            final int in = (int) instance.export("edge_alloc").apply(length)[0];
            memory.write(in, body, 0, length);
            final int result = (int) instance.export("edge_handle").apply(in, length)[0];
            final int status = memory.readInt(result);
            final int out = memory.readInt(result + 4);
            final int outLength = memory.readInt(result + 8);
            return new Result(status, memory.readBytes(out, outLength));
        }
    }
}
