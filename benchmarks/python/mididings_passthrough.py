"""A plain mididings pass-through on JACK: what comparison 6 loops
``jack_midi_latency_test`` through, next to Conductor.

Usage: mididings_passthrough.py --backend jack-rt|jack --client NAME

Runs until SIGINT or SIGTERM.
"""

import argparse
import signal
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", default="jack-rt", choices=["jack", "jack-rt"])
    parser.add_argument("--client", default="mididings-bench")
    args = parser.parse_args()
    try:
        import mididings
    except ImportError as e:
        print(f"mididings is not installed: {e}", file=sys.stderr)
        return 3
    # mididings stops cleanly on SIGINT; turn the harness's SIGTERM into one.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    mididings.config(backend=args.backend, client_name=args.client, in_ports=1, out_ports=1)
    try:
        mididings.run(mididings.Pass())
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
