#!/usr/bin/env bash
# Builds every guest from source into guests/wasm/. Same sources and toolchain -> same bytes.
# Usage: guests/build.sh   (from anywhere)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/src"
wat="$here/wat"
out="$here/wasm"

CC="${CC:-clang}"
missing=()
for tool in "$CC" wasm-ld wat2wasm wasm-validate wasm-objdump; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]})); then
    echo "build.sh: missing tools: ${missing[*]}" >&2
    echo "On Debian/Ubuntu: apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32 wabt" >&2
    exit 1
fi
# clang must be able to link against wasi-libc (the sysroot from the wasi-libc package)
probe="$(mktemp -d)"
trap 'rm -rf "$probe"' EXIT
echo 'int main(void){return 0;}' >"$probe/p.c"
if ! "$CC" --target=wasm32-wasi -O2 "$probe/p.c" -o "$probe/p.wasm" 2>"$probe/err"; then
    cat "$probe/err" >&2
    echo "build.sh: $CC cannot build for wasm32-wasi;" \
        "on Debian/Ubuntu: apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32 wabt" >&2
    exit 1
fi

mkdir -p "$out"
export SOURCE_DATE_EPOCH=0 LC_ALL=C

# -ffile-prefix-map keeps build paths out of the output; --strip-all drops names and debug info.
CFLAGS=(--target=wasm32-wasi -O2 -flto -std=c11 -Wall -Wextra -Werror "-ffile-prefix-map=$here=guests" -I"$src")
LDFLAGS=(-flto -Wl,--strip-all)
COMMON=("$src/edge.c" "$src/json.c" "$src/timestamp.c" "$src/sha256.c")

for fn in transform telemetry screening; do
    def="-DEDGE_FUNCTION_$(echo "$fn" | tr a-z A-Z)"
    # memory convention: a WASI reactor (exports _initialize, memory, edge_alloc, edge_handle)
    "$CC" "${CFLAGS[@]}" -mexec-model=reactor "$def" "$src/abi_memory.c" "${COMMON[@]}" "$src/$fn.c" \
        "${LDFLAGS[@]}" -o "$out/$fn-memory.wasm"
    # WAGI convention: a WASI command
    "$CC" "${CFLAGS[@]}" "$def" "$src/abi_wagi.c" "${COMMON[@]}" "$src/$fn.c" \
        "${LDFLAGS[@]}" -o "$out/$fn-wagi.wasm"
done

"$CC" "${CFLAGS[@]}" "$wat/probe-wagi.c" "${LDFLAGS[@]}" -o "$out/probe-wagi.wasm"
"$CC" "${CFLAGS[@]}" -mexec-model=reactor "$wat/probe-memory.c" "${LDFLAGS[@]}" -o "$out/probe-memory.wasm"

for w in loop membomb trap wrong-export stdout-bomb reactor maybe not-json; do
    wat2wasm "$wat/$w.wat" -o "$out/$w.wasm"
done

# invalid.wasm: the magic and version, then a type section that claims 16 bytes but holds 3 garbage bytes
printf '\000asm\001\000\000\000\001\020\377\377\377' >"$out/invalid.wasm"

status=0
# The bundled functions count money and scores in integers: no f32/f64 instruction may appear in them.
for fn in transform telemetry screening; do
    for conv in memory wagi; do
        floats="$(wasm-objdump -d "$out/$fn-$conv.wasm" | grep -cE '\b(f32|f64)\.' || true)"
        if [[ "$floats" != 0 ]]; then
            echo "build.sh: $fn-$conv.wasm has $floats floating-point instructions" >&2
            status=1
        fi
    done
done
for f in "$out"/*.wasm; do
    name="$(basename "$f")"
    if [[ "$name" == invalid.wasm ]]; then
        if wasm-validate "$f" >/dev/null 2>&1; then
            echo "build.sh: invalid.wasm unexpectedly validates" >&2
            status=1
        fi
    elif ! wasm-validate "$f"; then
        echo "build.sh: $name does not validate" >&2
        status=1
    fi
done
((status == 0)) || exit "$status"

echo "built into $out:"
for f in "$out"/*.wasm; do
    printf '  %-22s %8d bytes\n' "$(basename "$f")" "$(wc -c <"$f")"
done
