package org.edgebook.bench.graalwasm;

import java.io.ByteArrayOutputStream;

/**
 * GraalWasm has no option that caps a module's memory (Chicory has {@code withMemoryLimits}). The cap is applied
 * instead by rewriting the module's memory section so memory 0 declares {@code max = min(declared max, cap)}: the
 * runtime then enforces it as the spec requires ({@code memory.grow} returns -1 past the maximum), and instantiation
 * fails if the initial size is already above it. Only the memory section changes; every other byte is copied.
 */
public final class WasmBinary {
    private static final int MEMORY_SECTION = 5;

    private WasmBinary() {
    }

    public static byte[] capMemory(final byte[] module, final long maxPages) {
        if (module.length < 8 || module[0] != 0 || module[1] != 'a' || module[2] != 's' || module[3] != 'm') {
            throw new IllegalArgumentException("not a wasm binary");
        }
        final ByteArrayOutputStream out = new ByteArrayOutputStream(module.length + 8);
        out.write(module, 0, 8);
        final int[] pos = {8};
        boolean found = false;
        while (pos[0] < module.length) {
            final int id = module[pos[0]++] & 0xff;
            final long size = readU32(module, pos);
            final int start = pos[0];
            final int end = Math.toIntExact(start + size);
            if (id == MEMORY_SECTION) {
                found = true;
                final ByteArrayOutputStream section = new ByteArrayOutputStream();
                final long count = readU32(module, pos);
                writeU32(section, count);
                for (long i = 0; i < count; i++) {
                    final int flags = module[pos[0]++] & 0xff;
                    if ((flags & ~1) != 0) {
                        throw new IllegalArgumentException("memory flags 0x" + Integer.toHexString(flags)
                            + " (shared or 64-bit memory) are not handled");
                    }
                    final long min = readU32(module, pos);
                    final long declaredMax = (flags & 1) != 0 ? readU32(module, pos) : 65_536;
                    section.write(1);
                    writeU32(section, min);
                    writeU32(section, Math.min(declaredMax, maxPages));
                }
                if (pos[0] != end) {
                    throw new IllegalArgumentException("memory section has trailing bytes");
                }
                out.write(MEMORY_SECTION);
                writeU32(out, section.size());
                out.writeBytes(section.toByteArray());
            } else {
                out.write(id);
                writeU32(out, size);
                out.write(module, start, end - start);
            }
            pos[0] = end;
        }
        if (!found) {
            throw new IllegalArgumentException("module defines no memory (an imported memory is not handled)");
        }
        return out.toByteArray();
    }

    private static long readU32(final byte[] b, final int[] pos) {
        long result = 0;
        int shift = 0;
        while (true) {
            final int x = b[pos[0]++] & 0xff;
            result |= (long) (x & 0x7f) << shift;
            if ((x & 0x80) == 0) {
                return result;
            }
            shift += 7;
            if (shift > 28) {
                throw new IllegalArgumentException("LEB128 u32 too long");
            }
        }
    }

    private static void writeU32(final ByteArrayOutputStream out, long value) {
        do {
            int x = (int) (value & 0x7f);
            value >>>= 7;
            if (value != 0) {
                x |= 0x80;
            }
            out.write(x);
        } while (value != 0);
    }
}
