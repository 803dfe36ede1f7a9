"""One Python contender of the Conductor benchmarks, driven by `conductor-bench`.

Usage: bench_worker.py '<json config>'

The config names the contender and its work:

    {"contender": "conductor" | "wasmtime" | "extism" | "conductor-engine",
     "wasm": "<path of the .wasm>", "params": "<params text>",
     "function": "<Extism export>", "toml": "<engine config>", "base_dir": "<dir>"}

Protocol (see benchmarks/src/worker.rs): print ``ready`` or ``skip <reason>``; then for
each ``run N`` line perform the operation N times and print ``samples <ns> ...``;
``quit`` ends it. Each sample is one call timed with ``time.perf_counter_ns``.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Callable

Op = Callable[[], object]


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def conductor_plugin(cfg: dict) -> Op:
    """``conductor.Plugin(path).execute(params)`` on a persistent instance."""
    import conductor_midi as conductor

    plugin = conductor.Plugin(cfg["wasm"])
    params = cfg["params"].encode()
    return lambda: plugin.execute(params)


def conductor_engine(cfg: dict) -> Op:
    """``Engine.process`` of a note whose mapping runs the no-op plugin."""
    import conductor_midi as conductor

    engine = conductor.Engine.from_toml(cfg["toml"], cfg["base_dir"])
    note = bytes([0x90, 60, 100])

    def op() -> object:
        fired = engine.process(note, 0)
        if len(fired) != 1:
            raise RuntimeError(f"expected one mapping to fire, got {len(fired)}")
        return fired

    return op


def wasmtime_by_hand(cfg: dict) -> Op:
    """The same .wasm driven with the ``wasmtime`` package, the way a Python user would
    write it: one instance, params written into a page grown for them, ``execute`` called
    directly. Plugin output goes to /dev/null. No fuel or deadline (those would only add
    cost)."""
    import wasmtime

    engine = wasmtime.Engine()
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    module = wasmtime.Module.from_file(engine, cfg["wasm"])
    store = wasmtime.Store(engine)
    wasi = wasmtime.WasiConfig()
    wasi.stdout_file = "/dev/null"
    wasi.stderr_file = "/dev/null"
    store.set_wasi(wasi)
    instance = linker.instantiate(store, module)
    exports = instance.exports(store)
    memory = exports["memory"]
    execute = exports["execute"]
    if "init" in exports:
        exports["init"](store)
    base = memory.grow(store, 1) * 65536
    params = cfg["params"].encode()
    length = len(params)

    def op() -> object:
        memory.write(store, params, base)
        code = execute(store, base, length)
        if code != 0:
            raise RuntimeError(f"execute returned {code}")
        return code

    return op


def extism_sdk(cfg: dict) -> Op:
    """The Extism plugin with the same work, called through the ``extism`` SDK."""
    import extism

    with open(cfg["wasm"], "rb") as f:
        wasm = f.read()
    plugin = extism.Plugin(wasm, wasi=False)
    function = cfg["function"]
    params = cfg["params"].encode()
    return lambda: plugin.call(function, params)


CONTENDERS: dict[str, tuple[Callable[[dict], Op], str]] = {
    "conductor": (conductor_plugin, "conductor_midi"),
    "conductor-engine": (conductor_engine, "conductor_midi"),
    "wasmtime": (wasmtime_by_hand, "wasmtime"),
    "extism": (extism_sdk, "extism"),
}


def main() -> int:
    cfg = json.loads(sys.argv[1])
    make, module = CONTENDERS[cfg["contender"]]
    try:
        __import__(module)
    except ImportError as e:
        say(f"skip the Python package `{module}` is not installed ({e}); scripts/bench.sh installs it")
        return 0
    try:
        op = make(cfg)
        op()
    except Exception as e:  # reported to the harness, which records the contender as failed
        say(f"error {type(e).__name__}: {e}".replace("\n", " "))
        return 1
    say("ready")
    clock = time.perf_counter_ns
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] == "quit":
            break
        if words[0] != "run":
            say(f"error unknown command {line.strip()!r}")
            continue
        n = int(words[1])
        samples = [0] * n
        try:
            for i in range(n):
                start = clock()
                op()
                samples[i] = clock() - start
        except Exception as e:
            say(f"error {type(e).__name__}: {e}".replace("\n", " "))
            continue
        say("samples " + " ".join(map(str, samples)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
