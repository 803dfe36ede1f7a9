#!/usr/bin/env bash
# Installs what building and testing Conductor needs on a fresh Debian/Ubuntu machine
# that has rustup, cargo, gcc and python3. Safe to run again: it only installs what is
# missing.
set -euo pipefail

say() { printf 'setup: %s\n' "$*" >&2; }

if ! rustup target list --installed | grep -qx wasm32-wasip1; then
  say "adding the wasm32-wasip1 Rust target"
  rustup target add wasm32-wasip1
fi

# rustfmt and clippy for the formatting and lint gates of scripts/test.sh (a minimal
# rustup profile has neither).
for component in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$component"; then
    say "adding the $component Rust component"
    rustup component add "$component"
  fi
done

# Debian packages: ALSA and JACK headers for midir, a JACK server and its tools for
# the real-MIDI tests, pkg-config, valgrind for the C memcheck test, g++ for the C++
# example, cmake for the C API's CMake package test, python3-venv for the Python tests,
# clang, lld, wasi-libc and libclang-rt-dev-wasm32 for the C example plugins,
# xvfb, xdotool and x11-utils (xev) for the CLI's host action tests (keystrokes typed into
# a window on a virtual X server).
packages=(pkg-config libasound2-dev libjack-jackd2-dev jackd2 valgrind g++ cmake python3-venv
          clang lld wasi-libc libclang-rt-dev-wasm32
          xvfb xdotool x11-utils)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# python3-venv is only needed when the interpreter cannot make a venv by itself.
if python3 -c 'import venv, ensurepip' 2>/dev/null; then
  missing=("${missing[@]/python3-venv}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  # jackd2 asks about real-time priority; answer non-interactively.
  echo "jackd2 jackd/tweak_rt_limits boolean false" | $SUDO debconf-set-selections
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
