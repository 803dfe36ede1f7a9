"""How much a call from Python costs on top of the same call from Rust.

    python bindings/python/bench/noop_call.py

Calls the no-op plugin (examples/plugins/noop-plugin, built by scripts/build-plugins.sh)
the way conductor-core's criterion benches do, and prints the median time per call:

* ``Plugin.execute`` with the params of ``call/execute_noop_50B_params`` and
  ``call/execute_with_context_noop`` (``cargo bench -p conductor-midi-core --bench plugin_host -- call``);
* ``Engine.process`` of a note-on that fires the no-op plugin, as
  ``process_note_noop_plugin`` (``cargo bench -p conductor-midi-core --bench engine -- process_note_noop_plugin``).

When those benches have been run, their medians are read from target/criterion and the
time Python adds is printed too.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import conductor_midi as conductor

REPO = Path(__file__).resolve().parents[3]
NOOP = REPO / "examples" / "plugins" / "target" / "wasm32-wasip1" / "release" / "noop_plugin.wasm"
CRITERION = REPO / "target" / "criterion"

# The same bytes as conductor-core/benches/plugin_host.rs.
PARAMS = b'{"message":"Hello from MIDI!","level":"info","n":1}'
CONTEXT = (
    b'{"velocity":100,"mode":0,"mode_name":"Default","note":60,"channel":0,"cc":null,'
    b'"value":null,"trigger":"Note","timestamp_us":0,"port":null}'
)


def median_per_call(call: Callable[[], object], batch: int = 2_000, batches: int = 25) -> float:
    """Median over ``batches`` of the mean time per call within a batch, in seconds."""
    for _ in range(batch):  # warm up
        call()
    samples = []
    for _ in range(batches):
        start = time.perf_counter()
        for _ in range(batch):
            call()
        samples.append((time.perf_counter() - start) / batch)
    return statistics.median(samples)


def rust_median(bench: str) -> float | None:
    """The criterion median for ``bench`` (its path under target/criterion), in
    seconds, if it has been run."""
    estimates = CRITERION / bench / "new" / "estimates.json"
    if not estimates.exists():
        return None
    data = json.loads(estimates.read_text())
    return float(data["median"]["point_estimate"]) / 1e9


def main() -> int:
    if not NOOP.exists():
        print(f"{NOOP} is missing: run scripts/build-plugins.sh", file=sys.stderr)
        return 1
    params_dict = json.loads(PARAMS)
    context_dict = json.loads(CONTEXT)
    config = (
        '[[modes]]\nname = "D"\n[[modes.mappings]]\ntrigger = { Note = { note = 60 } }\n'
        f'action = {{ WasmPlugin = {{ path = {json.dumps(str(NOOP))}, params = {{ message = "hi" }} }} }}\n'
    )
    with conductor.Plugin(NOOP, signature_policy="allow") as plugin, conductor.Engine.from_toml(
        config, signature_policy="allow"
    ) as engine:
        note_on = bytes([0x90, 60, 100])
        cases: list[tuple[str, str, Callable[[], object]]] = [
            ("Plugin.execute(bytes)", "call/execute_noop_50B_params", lambda: plugin.execute(PARAMS)),
            ("Plugin.execute(dict)", "call/execute_noop_50B_params", lambda: plugin.execute(params_dict)),
            (
                "Plugin.execute_with_context(bytes, bytes)",
                "call/execute_with_context_noop",
                lambda: plugin.execute_with_context(PARAMS, CONTEXT),
            ),
            (
                "Plugin.execute_with_context(dict, dict)",
                "call/execute_with_context_noop",
                lambda: plugin.execute_with_context(params_dict, context_dict),
            ),
            ("Engine.process(note-on bytes)", "process_note_noop_plugin", lambda: engine.process(note_on, 0)),
        ]
        print(f"{'from Python':42} {'median':>10} {'Rust':>10} {'added':>10}")
        for label, bench, call in cases:
            py = median_per_call(call)
            rust = rust_median(bench)
            if rust is None:
                print(f"{label:42} {py * 1e6:8.2f}us {'-':>10} {'-':>10}")
            else:
                added = py - rust
                print(f"{label:42} {py * 1e6:8.2f}us {rust * 1e6:8.2f}us {added * 1e6:+8.2f}us  (x{py / rust:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
