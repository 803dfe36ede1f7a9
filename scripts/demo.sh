#!/usr/bin/env bash
# The plugin author's guide, end to end, from a fresh clone: build the guide's first
# plugin for wasm32-wasip1, write the guide's test_config.toml, and run conductor on a
# MIDI file that plays middle C. The plugin prints
#
#   [my_midi_plugin] Received message: Hello from MIDI!
#
# The guide runs `conductor --config test_config.toml 0` on MIDI input port 0; a MIDI
# file stands in for the keyboard here so the demo also works on machines without MIDI.
#
# Usage: scripts/demo.sh
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
say() { printf '\n== %s\n' "$*" >&2; }

say "setting up (Rust target, system packages)"
scripts/setup.sh

say "building the guide's plugin (examples/plugins/my-midi-plugin)"
scripts/build-plugins.sh -p my-midi-plugin

say "building conductor"
cargo build --release -p conductor-cli
conductor="$repo_root/target/release/conductor"

# A folder laid out like the guide's plugin project: the config refers to
# target/wasm32-wasip1/release/my_midi_plugin.wasm relative to itself.
demo="$(mktemp -d "${TMPDIR:-/tmp}/conductor-demo.XXXXXX")"
trap 'rm -rf "$demo"' EXIT
mkdir -p "$demo/target/wasm32-wasip1/release"
cp examples/plugins/target/wasm32-wasip1/release/my_midi_plugin.wasm \
   "$demo/target/wasm32-wasip1/release/"

# The guide's test_config.toml, exactly as printed.
cp examples/configs/guide_test_config.toml "$demo/test_config.toml"

# demo.mid: a Standard MIDI File (format 0, 480 ticks per quarter note) with middle C
# (note 60) pressed at velocity 100 and released one quarter note (0.5 s) later.
printf 'MThd\x00\x00\x00\x06\x00\x00\x00\x01\x01\xe0' > "$demo/demo.mid"
printf 'MTrk\x00\x00\x00\x0d' >> "$demo/demo.mid"
printf '\x00\x90\x3c\x64' >> "$demo/demo.mid"      # note on, C4, velocity 100
printf '\x83\x60\x80\x3c\x40' >> "$demo/demo.mid"  # 480 ticks later: note off
printf '\x00\xff\x2f\x00' >> "$demo/demo.mid"      # end of track

say "cd $demo && conductor --config test_config.toml --replay demo.mid"
cd "$demo"
log="$demo/output.log"
"$conductor" --config test_config.toml --replay demo.mid 2>&1 | tee "$log"

if grep -q "Received message: Hello from MIDI!" "$log"; then
  say "demo OK: the plugin received the message when middle C was played"
else
  say "demo FAILED: the plugin did not print 'Received message: Hello from MIDI!'"
  exit 1
fi
