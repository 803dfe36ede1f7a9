#!/usr/bin/env bash
# Builds the example and test plugins in examples/plugins/ for wasm32-wasip1.
#
# Usage: scripts/build-plugins.sh [extra cargo build args, e.g. -p noop-plugin]
# Output: examples/plugins/target/wasm32-wasip1/release/<crate_name>.wasm
set -euo pipefail

target=wasm32-wasip1
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
plugins="$repo_root/examples/plugins"

if command -v rustup >/dev/null 2>&1; then
    if ! rustup target list --installed | grep -qx "$target"; then
        echo "Installing the Rust target $target" >&2
        rustup target add "$target"
    fi
else
    echo "warning: rustup not found; the build needs the Rust standard library for $target" >&2
fi

# Settings meant for the host build would send the plugins elsewhere or break them.
unset CARGO_TARGET_DIR CARGO_BUILD_TARGET CARGO_BUILD_TARGET_DIR \
      RUSTFLAGS CARGO_ENCODED_RUSTFLAGS CARGO_BUILD_RUSTFLAGS

cargo build --target "$target" --release --manifest-path "$plugins/Cargo.toml" "$@"

out="$plugins/target/$target/release"
echo "Built plugins in $out:"
ls -l "$out"/*.wasm
