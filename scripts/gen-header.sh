#!/bin/sh
# Regenerates include/conductor.h from conductor-ffi/src with cbindgen (used as a
# library by the header test, so no extra tool needs installing). Commit the result;
# `cargo test --release -p conductor-ffi` fails while the committed header is stale.
set -eu
cd "$(dirname "$0")/.."
CONDUCTOR_UPDATE_HEADER=1 cargo test --release -p conductor-ffi --test header \
    write_header -- --exact --ignored --quiet
echo "wrote include/conductor.h"
