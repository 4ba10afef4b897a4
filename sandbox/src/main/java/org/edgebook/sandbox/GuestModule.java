package org.edgebook.sandbox;

import com.dylibso.chicory.compiler.InterpreterFallback;
import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.InterpreterMachine;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.InvalidException;
import com.dylibso.chicory.wasm.MalformedException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.Import;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.SubType;
import com.dylibso.chicory.wasm.types.ValType;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;

/**
 * A parsed, validated and compiled module, shared by every instance made from it (on any thread). Made by
 * {@link ModuleCache}, which keys it by the SHA-256 of its bytes.
 */
public final class GuestModule {
    static final String HOST_MODULE = "edgebook";
    static final String WASI_MODULE = "wasi_snapshot_preview1";
    /** Table entries a guest may declare: tables live on the host's heap, outside the memory limit. */
    static final long MAX_TABLE_ENTRIES = 65_536;

    private final String sha256;
    private final int size;
    private final ExecutionMode mode;
    private final WasmModule module;
    private final Function<Instance, Machine> machines;
    private final MemoryLimits declaredMemory;
    private final boolean importsWasi;
    private final boolean reactor;

    private GuestModule(final String sha256, final int size, final ExecutionMode mode, final WasmModule module,
                        final Function<Instance, Machine> machines, final MemoryLimits declaredMemory,
                        final boolean importsWasi) {
        this.sha256 = sha256;
        this.size = size;
        this.mode = mode;
        this.module = module;
        this.machines = machines;
        this.declaredMemory = declaredMemory;
        this.importsWasi = importsWasi;
        this.reactor = exportsFunction("_initialize");
    }

    /** Parses, validates, checks imports and compiles; every refusal says what is wrong. */
    static GuestModule load(final byte[] bytes, final String sha256, final ExecutionMode mode)
            throws ModuleRejectedException {
        final WasmModule module;
        try {
            module = Parser.parse(bytes);
        } catch (MalformedException e) {
            throw new ModuleRejectedException("malformed module: " + e.getMessage());
        } catch (InvalidException e) {
            throw new ModuleRejectedException("invalid module: " + e.getMessage());
        } catch (ChicoryException | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new ModuleRejectedException("unreadable module: " + e.getMessage());
        }
        final MemoryLimits memory = module.memorySection()
                .filter(section -> section.memoryCount() > 0)
                .map(section -> section.getMemory(0).limits())
                .orElse(null);
        boolean importsWasi = false;
        for (int i = 0; i < module.importSection().importCount(); i++) {
            final Import anImport = module.importSection().getImport(i);
            if (anImport.importType() != ExternalType.FUNCTION) {
                throw new ModuleRejectedException("unsupported import " + anImport.module() + "." + anImport.name()
                        + " (a " + anImport.importType().name().toLowerCase() + "): guests may import only functions");
            }
            if (anImport.module().equals(WASI_MODULE)) {
                importsWasi = true;
            } else if (anImport.module().equals(HOST_MODULE)) {
                final FunctionType wanted = HostFunctions.type(anImport.name());
                final FunctionType actual = module.typeSection().getType(((FunctionImport) anImport).typeIndex());
                if (wanted == null) {
                    throw new ModuleRejectedException("imports edgebook." + anImport.name()
                            + ", which the host does not provide (it has log, request_time_ms, monotonic_ns)");
                }
                if (!wanted.typesMatch(actual)) {
                    throw new ModuleRejectedException("imports edgebook." + anImport.name() + " as " + actual
                            + " but the host provides " + wanted);
                }
            } else {
                throw new ModuleRejectedException("imports " + anImport.module() + "." + anImport.name()
                        + ", which the host does not provide (modules: " + HOST_MODULE + ", " + WASI_MODULE + ")");
            }
        }
        for (int i = 0; i < module.typeSection().subTypeCount(); i++) {
            final SubType type = module.typeSection().getSubType(i);
            if (type != null && type.compType() != null
                    && (type.compType().structType() != null || type.compType().arrayType() != null)) {
                throw new ModuleRejectedException("type " + i + " is a GC struct or array type; guests may not use the "
                        + "GC proposal (its objects would live on the host's heap, outside the memory limit)");
            }
        }
        for (int i = 0; i < module.tableSection().tableCount(); i++) {
            final long max = module.tableSection().getTable(i).limits().max();
            if (max > MAX_TABLE_ENTRIES) {
                throw new ModuleRejectedException("table " + i + " may grow to " + max + " entries; guests may have at "
                        + "most " + MAX_TABLE_ENTRIES + " (declare a maximum)");
            }
        }
        final Function<Instance, Machine> machines;
        if (mode == ExecutionMode.COMPILED) {
            try {
                machines = MachineFactoryCompiler.builder(module)
                        .withInterpreterFallback(InterpreterFallback.SILENT)
                        .compile();
            } catch (ChicoryException | IllegalStateException | IllegalArgumentException e) {
                throw new ModuleRejectedException("could not compile module: " + e.getMessage());
            }
        } else {
            machines = InterpreterMachine::new;
        }
        return new GuestModule(sha256, bytes.length, mode, module, machines, memory, importsWasi);
    }

    /** Refuses a module that lacks what {@code convention} needs, or needs more memory than {@code limits}. */
    void check(final Convention convention, final Limits limits) throws ModuleRejectedException {
        if (declaredMemory == null) {
            throw new ModuleRejectedException("module has no memory; it must define and export one");
        }
        if (declaredMemory.initialPages() > limits.memoryPages()) {
            throw new ModuleRejectedException("module needs " + declaredMemory.initialPages()
                    + " pages of memory at start; the limit is " + limits.memoryPages());
        }
        requireExport("memory", ExternalType.MEMORY, null);
        if (convention == Convention.MEMORY) {
            requireExport("edge_alloc", ExternalType.FUNCTION, FunctionType.of(List.of(ValType.I32), List.of(
                    ValType.I32)));
            requireExport("edge_handle", ExternalType.FUNCTION,
                    FunctionType.of(List.of(ValType.I32, ValType.I32), List.of(ValType.I32)));
        } else {
            requireExport("_start", ExternalType.FUNCTION, FunctionType.empty());
        }
    }

    private void requireExport(final String name, final ExternalType type, final FunctionType functionType)
            throws ModuleRejectedException {
        final Export export = export(name);
        if (export == null) {
            throw new ModuleRejectedException("module does not export " + name + " (" + type.name().toLowerCase()
                    + "); it exports " + exportNames());
        }
        if (export.exportType() != type) {
            throw new ModuleRejectedException("export " + name + " is a " + export.exportType().name().toLowerCase()
                    + ", not a " + type.name().toLowerCase());
        }
        if (functionType != null && !functionType.typesMatch(exportedFunctionType(export.index()))) {
            throw new ModuleRejectedException("export " + name + " has type " + exportedFunctionType(export.index())
                    + "; the convention needs " + functionType);
        }
    }

    /** The export named {@code name}, or null. */
    private Export export(final String name) {
        for (int i = 0; i < module.exportSection().exportCount(); i++) {
            if (module.exportSection().getExport(i).name().equals(name)) {
                return module.exportSection().getExport(i);
            }
        }
        return null;
    }

    private FunctionType exportedFunctionType(final int functionIndex) {
        final int imported = module.importSection().count(ExternalType.FUNCTION);
        if (functionIndex < imported) {
            int seen = 0;
            for (int i = 0; i < module.importSection().importCount(); i++) {
                final Import anImport = module.importSection().getImport(i);
                if (anImport instanceof FunctionImport f && seen++ == functionIndex) {
                    return module.typeSection().getType(f.typeIndex());
                }
            }
        }
        return module.functionSection().getFunctionType(functionIndex - imported, module.typeSection());
    }

    private List<String> exportNames() {
        final List<String> names = new ArrayList<>();
        for (int i = 0; i < module.exportSection().exportCount(); i++) {
            names.add(module.exportSection().getExport(i).name());
        }
        return names;
    }

    /** True when the module exports a function named {@code name}. */
    private boolean exportsFunction(final String name) {
        final Export export = export(name);
        return export != null && export.exportType() == ExternalType.FUNCTION;
    }

    /** The memory limits an instance gets: the module's own start size, its maximum capped by the limit. */
    MemoryLimits memoryLimits(final Limits limits) {
        final int max = Math.min(declaredMemory.maximumPages(), limits.memoryPages());
        return new MemoryLimits(declaredMemory.initialPages(), max);
    }

    WasmModule wasm() {
        return module;
    }

    Function<Instance, Machine> machines() {
        return machines;
    }

    boolean importsWasi() {
        return importsWasi;
    }

    /** True for a WASI reactor: it exports {@code _initialize}, to be called once per instance. */
    boolean isReactor() {
        return reactor;
    }

    public String sha256() {
        return sha256;
    }

    public int size() {
        return size;
    }

    public ExecutionMode mode() {
        return mode;
    }

    /** Linear memory an instance starts with, in bytes. */
    public long initialMemoryBytes() {
        return declaredMemory == null ? 0 : declaredMemory.initialPages() * 65_536L;
    }

    static String sha256(final byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
