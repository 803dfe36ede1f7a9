"""Replay a Standard MIDI File through a Conductor config and report what fired.

    python replay_midi_file.py config.toml song.mid

Messages are read with mido and handed to the engine with their timestamps, so
gestures such as double taps and long presses behave as they would live, and delayed
steps run at their own time in the song (the engine follows event time, not the wall
clock, so the replay runs as fast as it can). Host actions (keystrokes, app launches)
are printed instead of being carried out.
"""

from __future__ import annotations

import argparse
import sys

import mido  # type: ignore[import-untyped]  # mido ships no type information

import conductor_midi as conductor


def describe(action: conductor.HostAction) -> None:
    print(f"  host action {action.name}: {action.data}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Replay a .mid file through a Conductor config.")
    parser.add_argument("config", help="the config file (TOML)")
    parser.add_argument("midi_file", help="the .mid file to replay")
    args = parser.parse_args(argv)

    failures = 0

    def report(timestamp_us: int, fired: list[conductor.Fired]) -> None:
        nonlocal failures
        for f in fired:
            note = " (after a delay)" if f.resumed else ""
            print(f"{timestamp_us / 1_000_000:8.3f}s  {f.label}{note} (mode {f.mode or 'global'})")
            for outcome in f.outcomes:
                if outcome.error is not None:
                    failures += 1
                    print(f"  {outcome.action} failed: {outcome.error}")

    def run_delayed_steps(until_us: int | None) -> None:
        """Runs the steps that delays put off, at their own time, up to ``until_us``."""
        while (due := engine.next_due()) is not None and (until_us is None or due <= until_us):
            report(due, engine.tick(due))

    seconds = 0.0
    with conductor.Engine.from_file(args.config, on_action=describe, signature_policy="allow") as engine:
        for message in mido.MidiFile(args.midi_file):
            seconds += message.time
            if message.is_meta:
                continue
            timestamp_us = int(seconds * 1_000_000)
            run_delayed_steps(timestamp_us)
            report(timestamp_us, engine.process(message, timestamp_us=timestamp_us))
        run_delayed_steps(None)
        print(f"done; mode is now {engine.mode!r}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
