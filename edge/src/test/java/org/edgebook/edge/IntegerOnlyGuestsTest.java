package org.edgebook.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.FunctionBody;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.Instruction;
import com.dylibso.chicory.wasm.types.ValType;
import java.util.ArrayList;
import java.util.List;
import org.edgebook.guests.Guests;
import org.junit.jupiter.api.Test;

/**
 * The bundled functions count money, latencies and scores in integers: their WebAssembly builds hold no f32 or f64
 * instruction, local or signature (guests/build.sh checks the same with wasm-objdump when it builds them; this test
 * keeps the committed modules to it without any WebAssembly tools).
 */
class IntegerOnlyGuestsTest {
    @Test
    void bundledFunctionsUseNoFloatingPoint() {
        for (final String guest : List.of(Guests.TRANSFORM_MEMORY, Guests.TRANSFORM_WAGI, Guests.TELEMETRY_MEMORY,
                Guests.TELEMETRY_WAGI, Guests.SCREENING_MEMORY, Guests.SCREENING_WAGI)) {
            assertThat(floatingPoint(Guests.read(guest))).as(guest).isEmpty();
        }
    }

    /** The check sees floating point where there is some: the WAGI probe links wasi-libc's printf. */
    @Test
    void theCheckFindsFloatingPointWhereThereIsSome() {
        assertThat(floatingPoint(Guests.read("probe-wagi.wasm"))).isNotEmpty();
    }

    private static List<String> floatingPoint(final byte[] wasm) {
        final WasmModule module = Parser.parse(wasm);
        final List<String> found = new ArrayList<>();
        for (final FunctionType type : module.typeSection().types()) {
            if (isFloat(type.params()) || isFloat(type.returns())) {
                found.add("type " + type);
            }
        }
        final FunctionBody[] bodies = module.codeSection().functionBodies();
        for (int f = 0; f < bodies.length; f++) {
            if (isFloat(bodies[f].localTypes())) {
                found.add("function " + f + ": a float local");
            }
            for (final Instruction i : bodies[f].instructions()) {
                final String name = i.opcode().name();
                if (name.contains("F32") || name.contains("F64")) {
                    found.add("function " + f + ": " + name);
                }
            }
        }
        return found;
    }

    private static boolean isFloat(final List<ValType> types) {
        return types.stream().anyMatch(t -> t.equals(ValType.F32) || t.equals(ValType.F64));
    }
}
