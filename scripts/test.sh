#!/usr/bin/env bash
# Runs every test: sets up what is missing, builds the example plugins, then runs the
# Rust workspace tests (release profile, one shared target/).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build-plugins.sh

echo "== Rust tests" >&2
cargo test --release --workspace
