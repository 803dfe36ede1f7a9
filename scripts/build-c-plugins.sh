#!/usr/bin/env bash
# Builds the C example plugins in examples/plugins-c/ for WebAssembly with clang and
# wasi-libc (Debian: clang, lld, wasi-libc, libclang-rt-dev-wasm32; scripts/setup.sh
# installs them). Every folder examples/plugins-c/NAME/ holding .c files becomes
# examples/plugins-c/target/NAME.wasm (with `-` in NAME turned into `_`), a library
# module exporting what conductor_plugin.h's CONDUCTOR_EXPORT marks.
#
# Usage: scripts/build-c-plugins.sh [NAME ...]   (default: every example)
# Environment: CC (default clang), WASI_TARGET (default wasm32-wasi, the name Debian's
# clang 14 gives wasm32-wasip1), WASI_SYSROOT (a wasi-libc sysroot, e.g. the WASI
# SDK's; Debian's clang finds its wasi-libc without one).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$repo_root/examples/plugins-c"
out="$src/target"
cc="${CC:-clang}"
target="${WASI_TARGET:-wasm32-wasi}"

if ! command -v "$cc" >/dev/null 2>&1; then
    echo "error: $cc not found: install clang, lld, wasi-libc and libclang-rt-dev-wasm32 (scripts/setup.sh)" >&2
    exit 1
fi
flags=(--target="$target" -O2 -std=c11 -Wall -Wextra -Werror
       -nostartfiles -Wl,--no-entry -Wl,--strip-all
       -I "$repo_root/bindings/c-plugin")
if [[ -n "${WASI_SYSROOT:-}" ]]; then
    flags+=(--sysroot="$WASI_SYSROOT")
fi

if [[ $# -gt 0 ]]; then
    names=("$@")
else
    names=()
    for dir in "$src"/*/; do
        name="$(basename "$dir")"
        [[ "$name" == target ]] && continue
        names+=("$name")
    done
fi

mkdir -p "$out"
for name in "${names[@]}"; do
    sources=("$src/$name"/*.c)
    if [[ ! -f "${sources[0]}" ]]; then
        echo "error: no C plugin $name: $src/$name/ holds no .c file" >&2
        exit 1
    fi
    wasm="$out/${name//-/_}.wasm"
    "$cc" "${flags[@]}" "${sources[@]}" -o "$wasm"
    echo "Built $wasm"
done
