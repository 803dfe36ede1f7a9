#!/usr/bin/env bash
# The comparison benchmarks: Conductor side by side with wasmtime (instantiate per call
# and a bare persistent instance), wasmtime-py, extism-py and mididings, on the same
# .wasm, params and machine. Results and their meaning: BENCHMARKS.md.
#
# Usage: scripts/bench.sh [--smoke] [conductor-bench options, e.g. --only plugin-rust]
#
#   --smoke   tiny iteration counts: checks that every contender runs (a minute or
#             two once built); the numbers mean nothing.
#   --prepare only install what the contenders need (Debian packages, the Extism
#             plugin, the virtualenv with its SDKs and the conductor wheel) and stop;
#             no cargo build of the workspace. scripts/test.sh uses it before its
#             smoke run; CONDUCTOR_WHEEL names a wheel already built to install.
#
# It builds everything in release (example plugins, the Extism plugin, libconductor,
# the CLI with JACK, the Python wheel), sets up a virtualenv in target/bench-venv with
# wasmtime, extism, mididings and the conductor wheel, then runs target/release/
# conductor-bench, which prints a table per comparison and writes every sample to
# target/bench-results/<run>/results.json (tables in results.md). Whatever cannot be
# installed here is skipped, and the run says which contenders were skipped and why.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'bench: %s\n' "$*" >&2; }

smoke=0
prepare=0
for arg in "$@"; do
    [ "$arg" = "--smoke" ] && smoke=1
    [ "$arg" = "--prepare" ] && prepare=1
done

if [ "$smoke" = 0 ] && [ -r /proc/loadavg ]; then
    load="$(cut -d' ' -f1 /proc/loadavg)"
    if awk "BEGIN { exit !($load >= 1.0) }"; then
        say "warning: the 1-minute load average is $load; other work on this machine will show in the numbers"
    fi
fi

venv=target/bench-venv
bin_dir=target/bench-results/bin
mkdir -p "$bin_dir"

# --- Debian packages: JACK and its tools (comparison 6); Boost, ALSA and JACK
# headers so pip can build mididings. Only what is missing is installed.
packages=(jackd2 libjack-jackd2-dev libasound2-dev pkg-config g++ libboost-dev
          libboost-python-dev libboost-thread-dev python3-venv)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian packages: ${missing[*]}"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "jackd2 jackd/tweak_rt_limits boolean false" | $SUDO debconf-set-selections 2>/dev/null || true
    if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null; }; then
        say "warning: could not install ${missing[*]}; the contenders that need them will be skipped"
    fi
fi

# --- WebAssembly: the Conductor example plugins (wasm32-wasip1) and the Extism
# plugin (wasm32-unknown-unknown, the target Extism's Rust PDK documents).
scripts/build-plugins.sh >/dev/null
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown Rust target (for the Extism plugin)"
    rustup target add wasm32-unknown-unknown || say "warning: no wasm32-unknown-unknown target; extism-py will be skipped"
fi
(
    unset CARGO_TARGET_DIR CARGO_BUILD_TARGET RUSTFLAGS
    cargo build --release --quiet --target wasm32-unknown-unknown \
        --manifest-path benchmarks/extism-plugin/Cargo.toml
) || say "warning: the Extism plugin did not build; extism-py will be skipped"

# --- Native: the harness, libconductor, and the CLI with JACK (copied aside, because
# the default build of the CLI, without JACK, writes the same file).
cli_args=()
if [ "$prepare" = 0 ]; then
say "building the harness and libconductor (release)"
cargo build --release --quiet -p conductor-benchmarks -p conductor-ffi
if pkg-config --exists jack 2>/dev/null; then
    say "building the conductor CLI with JACK (release)"
    if cargo build --release --quiet -p conductor-cli --features jack; then
        cp target/release/conductor "$bin_dir/conductor-jack"
        cli_args=(--cli "$bin_dir/conductor-jack")
    else
        say "warning: the CLI did not build with --features jack; its MIDI round trip will be skipped"
    fi
else
    say "warning: no JACK development files; the MIDI round trip through Conductor will be skipped"
fi
fi

# --- Python: a virtualenv with the SDKs a Python user would pick instead, and our wheel.
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
    say "creating the virtualenv $venv"
    "$python" -m venv "$venv"
fi
pip=("$venv/bin/python" -m pip install -q --disable-pip-version-check)
"${pip[@]}" "maturin>=1.9.4,<2" "wasmtime>=40" "extism>=1.1" "decorator"
if ! "$venv/bin/python" -c "import mididings" 2>/dev/null; then
    # mididings' metadata requires the unrelated PyPI package `boost` (a Mastodon
    # bot); its real dependencies are the Boost C++ libraries, installed above, and
    # `decorator`. Hence --no-deps.
    if ! "${pip[@]}" --no-deps mididings >target/bench-results/mididings-install.log 2>&1; then
        say "warning: mididings did not install (see target/bench-results/mididings-install.log); it will be skipped"
    fi
fi
if [ -n "${CONDUCTOR_WHEEL:-}" ]; then
    say "installing the conductor wheel $CONDUCTOR_WHEEL"
    "${pip[@]}" --force-reinstall --no-deps "$CONDUCTOR_WHEEL"
else
    say "building the conductor wheel (release)"
    wheels=target/bench-wheels
    rm -f "$wheels"/conductor_midi-*.whl
    # A plain `linux` wheel for this machine: the module links the system's libasound,
    # as a build from source does.
    "$venv/bin/maturin" build --release --quiet --compatibility linux \
        --manifest-path bindings/python/Cargo.toml \
        --interpreter "$venv/bin/python" --out "$wheels"
    "${pip[@]}" --force-reinstall --no-deps "$wheels"/conductor_midi-*.whl
fi
if [ "$prepare" = 1 ]; then
    say "prepared: $venv and the Extism plugin"
    exit 0
fi

say "running the comparisons"
exec target/release/conductor-bench --python "$venv/bin/python" "${cli_args[@]}" "$@"
