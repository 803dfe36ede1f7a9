"""Replay a Standard MIDI File through a Conductor config and report what fired.

    python replay_midi_file.py config.toml song.mid

Messages are read with mido and handed to the engine with their timestamps, so
gestures such as double taps and long presses behave as they would live. Host actions
(keystrokes, app launches) are printed instead of being carried out.
"""

from __future__ import annotations

import argparse
import sys

import mido  # type: ignore[import-untyped]  # mido ships no type information

import conductor


def describe(action: conductor.HostAction) -> None:
    print(f"  host action {action.name}: {action.data}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Replay a .mid file through a Conductor config.")
    parser.add_argument("config", help="the config file (TOML)")
    parser.add_argument("midi_file", help="the .mid file to replay")
    args = parser.parse_args(argv)

    failures = 0
    seconds = 0.0
    with conductor.Engine.from_file(args.config, on_action=describe, signature_policy="allow") as engine:
        for message in mido.MidiFile(args.midi_file):
            seconds += message.time
            if message.is_meta:
                continue
            for fired in engine.process(message, timestamp_us=int(seconds * 1_000_000)):
                print(f"{seconds:8.3f}s  {fired.label} (mode {fired.mode or 'global'})")
                for outcome in fired.outcomes:
                    if outcome.error is not None:
                        failures += 1
                        print(f"  {outcome.action} failed: {outcome.error}")
        print(f"done; mode is now {engine.mode!r}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
