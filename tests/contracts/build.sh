#!/usr/bin/env bash
# Builds the test contracts into tests/contracts/out/:
#   <name>.wasm    every *.c, for wasm32 (except the wasm64-only ones)
#   <name>64.wasm  every *.c, for wasm64 (memory64)
#   <name>.wat     every *.wat, copied (the engine compiles WAT itself)
#   invalid/*.wat  modules that must be refused at deploy, copied
# The engine's deploy-time validator (tested in tests/Engine) is the check of the result.
# Needs clang-14 and wasm-ld-14 (installs lld-14 with apt-get if missing).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/out"
CLANG="${CLANG:-clang-14}"
WASM_LD="${WASM_LD:-wasm-ld-14}"

if ! command -v "$CLANG" >/dev/null 2>&1; then
    echo "build.sh: $CLANG not found (apt-get install -y clang-14)" >&2
    exit 1
fi
if ! command -v "$WASM_LD" >/dev/null 2>&1; then
    echo "build.sh: $WASM_LD missing, installing lld-14" >&2
    apt-get update && apt-get install -y lld-14
fi

# contracts built only for wasm64
only64=" big "

CFLAGS=(-O2 -ffreestanding -nostdlib -fno-exceptions -Wall -Wextra -Werror
        -Wno-unused-parameter -Wno-unused-function -I"$here")
# --no-entry: a reactor without _start; --export=A: the data symbol A becomes
# an exported immutable global (i32/i64) holding its address; --stack-first:
# the shadow stack sits at the bottom of the memory, so an overflow traps
# instead of overwriting data; 32 KiB stack + 64 KiB A + data fit in the two
# initial pages. No --export-all: only export_name functions, memory and A
# are exported, so every exported function is (i32) -> i32.
LDFLAGS=(-fuse-ld="$(command -v "$WASM_LD")"
         -Wl,--no-entry -Wl,--export=A -Wl,--stack-first -Wl,-z,stack-size=32768
         -Wl,--initial-memory=131072)

rm -rf "$out"
mkdir -p "$out/invalid"

build() { # build <src> <target> <output>
    local src="$1" target="$2" dst="$3"
    local extra=()
    if [ "$target" = wasm64 ]; then extra=(-mno-bulk-memory); fi
    "$CLANG" --target="$target" "${CFLAGS[@]}" "${extra[@]}" "${LDFLAGS[@]}" -o "$dst" "$src"
    echo "built $(basename "$dst")"
}

for src in "$here"/*.c; do
    name="$(basename "$src" .c)"
    if [[ "$only64" != *" $name "* ]]; then
        build "$src" wasm32 "$out/$name.wasm"
    fi
    build "$src" wasm64 "$out/${name}64.wasm"
done

cp "$here"/*.wat "$out/"
cp "$here"/invalid/*.wat "$out/invalid/"
echo "copied $(ls "$here"/*.wat | wc -l) WAT modules and $(ls "$here"/invalid/*.wat | wc -l) invalid ones"
