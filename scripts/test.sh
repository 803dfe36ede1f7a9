#!/usr/bin/env bash
# Runs every test Conductor has, installing what is missing first:
#   0. Gates: rustfmt, clippy with warnings denied, rustdoc with warnings denied (the
#      README's Rust examples compile as doctests of conductor-core in step 1).
#   1. Rust: the whole workspace (core, C ABI with its C/C++/valgrind tests, CLI end to
#      end), release profile, one shared target/.
#   2. Real MIDI through a JACK server (dummy driver): core ports and the CLI.
#   3. Python: the wheel, pytest and mypy --strict, inside a virtualenv.
#   4. The benchmark harness in smoke mode, so it cannot rot: within step 1 with what the
#      machine has (only an absent environment may be skipped), and again last with
#      every contender (scripts/bench.sh --prepare installs what they need).
#   5. Model checks (loom) of the engine's lock-free wake-up protocol.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build-plugins.sh >/dev/null

echo "== Formatting, lints and docs" >&2
cargo fmt --all --check
# Release profile like every other build here: one target/, wasmtime checked once.
cargo clippy --release --workspace --all-targets -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --release --no-deps --workspace --lib

echo "== Rust tests" >&2
cargo test --release --workspace
# conductor-core without its default `midi-io` feature (no midir, no ALSA) must keep building.
cargo build --release -p conductor-midi-core --no-default-features

echo "== Real MIDI through JACK" >&2
# Built with the whole workspace's feature set plus `jack`, so only conductor-core and
# its dependents are rebuilt (not wasmtime).
cargo test --release --workspace --features conductor-midi-core/jack,conductor-cli/jack \
    --test midi_ports_jack --test jack_echo --test jack_round_trip \
    --test devices_jack --test jack_devices --test jack_learn_monitor
# That build of the CLI has JACK: keep it for the benchmark's MIDI round trip (the next
# workspace build writes target/release/conductor without JACK again).
mkdir -p target/bench-results/bin
cp target/release/conductor target/bench-results/bin/conductor-jack

echo "== Python tests" >&2
scripts/test-python.sh

echo "== The benchmark harness in smoke mode, every contender" >&2
CONDUCTOR_WHEEL="$(ls target/wheels/conductor_midi-*.whl)" scripts/bench.sh --prepare
CONDUCTOR_BENCH_REQUIRE_ALL=1 cargo test --release --workspace --test smoke

echo "== Model checks (loom)" >&2
# A crate of its own with its own target/: `--cfg loom` must not rebuild wasmtime.
(cd conductor-core/loom && RUSTFLAGS="--cfg loom" cargo test --release)
