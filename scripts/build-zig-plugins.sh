#!/usr/bin/env bash
# Builds the Zig example plugins in examples/plugins-zig/ for wasm32-wasi (the same
# target as Rust's wasm32-wasip1). The compiler is the one the `ziglang` package on PyPI
# ships, installed into a virtualenv at target/zig-venv on first use, so no system Zig
# is needed. Every folder examples/plugins-zig/NAME/ holding NAME.zig (with `-` in NAME
# turned into `_`) becomes examples/plugins-zig/target/NAME.wasm, a library module
# exporting its `export fn`s.
#
# Usage: scripts/build-zig-plugins.sh [NAME ...]   (default: every example)
# Environment: ZIG (a zig command to use instead, e.g. a system zig), PYTHON (the
# interpreter that makes the virtualenv, default python3).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$repo_root/examples/plugins-zig"
out="$src/target"
# Zig's language and standard library change between minor versions: the examples
# are written for this one.
ziglang_version="0.17.*"

if [[ -n "${ZIG:-}" ]]; then
    zig=("$ZIG")
else
    venv="$repo_root/target/zig-venv"
    if [[ ! -x "$venv/bin/python" ]]; then
        echo "Creating $venv for the Zig compiler (PyPI package ziglang)" >&2
        "${PYTHON:-python3}" -m venv "$venv"
    fi
    if ! "$venv/bin/python" -c 'import ziglang' 2>/dev/null; then
        "$venv/bin/python" -m pip install -q --disable-pip-version-check "ziglang==$ziglang_version"
    fi
    zig=("$venv/bin/python" -m ziglang)
fi

if [[ $# -gt 0 ]]; then
    names=("$@")
else
    names=()
    for dir in "$src"/*/; do
        name="$(basename "$dir")"
        [[ "$name" == target || "$name" == .zig-cache ]] && continue
        names+=("$name")
    done
fi

mkdir -p "$out"
for name in "${names[@]}"; do
    file="$src/$name/${name//-/_}.zig"
    if [[ ! -f "$file" ]]; then
        echo "error: no Zig plugin $name: $file does not exist" >&2
        exit 1
    fi
    wasm="$out/${name//-/_}.wasm"
    # The cache stays under target/, out of the source folders.
    (cd "$out" && "${zig[@]}" build-exe "$file" -target wasm32-wasi -fno-entry -rdynamic \
        -O ReleaseSmall --cache-dir "$out/.zig-cache" --global-cache-dir "$out/.zig-global-cache" \
        -femit-bin="$wasm")
    echo "Built $wasm"
done
