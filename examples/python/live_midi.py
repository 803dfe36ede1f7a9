"""Route a live MIDI input through a Conductor config until Ctrl-C.

    python live_midi.py --list
    python live_midi.py config.toml 0              # the first input port
    python live_midi.py config.toml "Launchpad" --output "Synth"

Incoming MIDI is pushed to the engine thread without blocking; every mapping that
fires is printed from the on_fired callback.
"""

from __future__ import annotations

import argparse
import sys
import time

import conductor_midi as conductor


def port(text: str) -> int | str:
    """An index if the text is a number, else (part of) a port name."""
    return int(text) if text.isdigit() else text


def show(fired: conductor.Fired) -> None:
    status = "ok" if fired.ok else "; ".join(str(o.error) for o in fired.outcomes if not o.ok)
    print(f"{fired.label}: {status}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Route live MIDI through a Conductor config.")
    parser.add_argument("config", nargs="?", help="the config file (TOML)")
    parser.add_argument("input", nargs="?", default="0", help="input port: index or name (default 0)")
    parser.add_argument("--output", help="output port for SendMidi actions: index or name")
    parser.add_argument("--list", action="store_true", help="list the MIDI ports and exit")
    args = parser.parse_args(argv)

    try:
        if args.list or args.config is None:
            for i, name in enumerate(conductor.input_ports()):
                print(f"in  {i}: {name}")
            for i, name in enumerate(conductor.output_ports()):
                print(f"out {i}: {name}")
            return 0
        with conductor.Engine.from_file(args.config, on_fired=show) as engine:
            print(f"listening on {engine.open_input(port(args.input))}")
            if args.output:
                print(f"sending to {engine.open_output(port(args.output))}")
            try:
                while True:
                    time.sleep(0.5)
                    engine.wait_idle()
            except KeyboardInterrupt:
                print(f"stopped ({engine.dropped} messages dropped)")
    except conductor.MidiError as err:
        print(err, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
