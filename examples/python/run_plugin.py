"""Load one WebAssembly plugin and call it, as a plugin author would while developing it.

    python run_plugin.py my_midi_plugin.wasm '{"message": "Hello from MIDI!"}'
    python run_plugin.py velocity_plugin.wasm '{"action": "kick"}' --velocity 100
    python run_plugin.py file_logger_plugin.wasm '{"message": "hi", "level": "info"}' --grant Filesystem

The plugin's output is printed line by line; a failure is reported with the plugin's
error code or the limit it hit, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import json
import sys

import conductor_midi as conductor


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Call a Conductor WebAssembly plugin once.")
    parser.add_argument("wasm", help="the plugin's .wasm file")
    parser.add_argument("params", nargs="?", default="{}", help="params as JSON (default: {})")
    parser.add_argument("--velocity", type=int, help="call execute_with_context with this note velocity")
    parser.add_argument("--grant", action="append", default=[], help="approve a capability (repeatable)")
    parser.add_argument("--fuel", type=int, default=conductor.DEFAULT_FUEL, help="instructions per call")
    parser.add_argument("--timeout", type=float, default=conductor.DEFAULT_TIMEOUT, help="seconds per call")
    args = parser.parse_args(argv)

    params = json.loads(args.params)
    try:
        with conductor.Plugin(
            args.wasm,
            grants=args.grant,
            fuel=args.fuel,
            timeout=args.timeout,
            on_output=lambda line: print(f"[plugin] {line}"),
            signature_policy="allow",
        ) as plugin:
            print(f"loaded {plugin.name} (capabilities: {', '.join(plugin.capabilities) or 'none'})")
            if args.velocity is None:
                plugin.execute(params)
            else:
                plugin.execute_with_context(params, {"velocity": args.velocity, "mode": 0})
    except conductor.PluginError as err:
        detail = f"code {err.code}" if err.code is not None else type(err).__name__
        print(f"failed ({detail}): {err}", file=sys.stderr)
        return 1
    except conductor.PluginLoadError as err:
        print(f"cannot load: {err}", file=sys.stderr)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
