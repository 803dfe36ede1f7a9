#!/usr/bin/env bash
# Builds the plugins for wasm32-wasip1: the examples in examples/plugins/ and the
# test-only plugins in tests/fixtures/plugins/ (two cargo workspaces).
#
# Usage: scripts/build-plugins.sh [extra cargo build args, e.g. -p noop-plugin]
#        scripts/build-plugins.sh examples|fixtures [extra cargo build args]
#        scripts/build-plugins.sh c|zig [NAME ...]   (the C or Zig example plugins)
# Without arguments the C and Zig examples (examples/plugins-c, examples/plugins-zig)
# are built too, by scripts/build-c-plugins.sh and scripts/build-zig-plugins.sh.
# With `-p NAME` only the workspace holding the crate folder NAME is built.
# Output: <workspace>/target/wasm32-wasip1/release/<crate_name>.wasm
set -euo pipefail

target=wasm32-wasip1
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
examples="$repo_root/examples/plugins"
fixtures="$repo_root/tests/fixtures/plugins"

other_languages=$(( $# == 0 ))
case "${1:-}" in
    c) shift; exec "$repo_root/scripts/build-c-plugins.sh" "$@" ;;
    zig) shift; exec "$repo_root/scripts/build-zig-plugins.sh" "$@" ;;
    examples) workspaces=("$examples"); shift ;;
    fixtures) workspaces=("$fixtures"); shift ;;
    *)
        workspaces=("$examples" "$fixtures")
        # `-p NAME` names a crate of one workspace; the other would refuse it.
        args=("$@")
        for i in "${!args[@]}"; do
            if [[ "${args[$i]}" == "-p" || "${args[$i]}" == "--package" ]]; then
                name="${args[$((i + 1))]:-}"
                if [[ -f "$fixtures/$name/Cargo.toml" ]]; then
                    workspaces=("$fixtures")
                elif [[ -f "$examples/$name/Cargo.toml" ]]; then
                    workspaces=("$examples")
                fi
                break
            fi
        done
        ;;
esac

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

for plugins in "${workspaces[@]}"; do
    cargo build --target "$target" --release --manifest-path "$plugins/Cargo.toml" "$@"
done

for plugins in "${workspaces[@]}"; do
    out="$plugins/target/$target/release"
    echo "Built plugins in $out:"
    ls -l "$out"/*.wasm
done

if [[ "$other_languages" == 1 ]]; then
    "$repo_root/scripts/build-c-plugins.sh"
    "$repo_root/scripts/build-zig-plugins.sh"
fi
