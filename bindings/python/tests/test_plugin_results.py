"""What a plugin gives back, from Python: ``Plugin.execute`` returns the bytes a call
set (or parsed JSON with ``json=True``), host-kept variables survive a trap and a
restart, static ``config`` reaches the plugin, and in an engine the actions a plugin
returns run in order with the mapping's others."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

import conductor_midi as conductor

Wasm = Callable[[str], Path]


def test_a_busy_plugin_stops_when_cancelled_from_another_thread(wasm: Wasm) -> None:
    spinning = threading.Event()

    def on_output(line: str) -> None:
        if "spinning" in line:
            spinning.set()

    errors: list[BaseException] = []
    with conductor.Plugin(
        wasm("results-plugin"), fuel=2**64 - 1, timeout=600.0, on_output=on_output
    ) as plugin:
        plugin.cancel()  # nothing runs: nothing happens
        assert plugin.execute({"op": "echo", "value": 1}, json=True) == 1

        def spin() -> None:
            with pytest.raises(conductor.PluginCancelled) as caught:
                plugin.execute({"op": "spin"})
            errors.append(caught.value)

        thread = threading.Thread(target=spin)
        thread.start()
        assert spinning.wait(60)
        plugin.cancel()
        thread.join()
        # Its own class, not a crash; still a PluginError naming the plugin.
        assert len(errors) == 1, "the spinning call did not raise PluginCancelled"
        error = errors[0]
        assert isinstance(error, conductor.PluginCancelled)
        assert isinstance(error, conductor.PluginError)
        assert issubclass(conductor.PluginCancelled, conductor.ConductorError)
        assert not isinstance(error, conductor.PluginCrashed)
        assert error.plugin == "results_plugin"
        assert error.code is None
        assert "its call was cancelled" in str(error)
        assert plugin.execute({"op": "echo", "value": 2}, json=True) == 2
        # A real trap is still PluginCrashed.
        with pytest.raises(conductor.PluginCrashed):
            plugin.execute({"op": "trap"})
        assert plugin.execute({"op": "echo", "value": 3}, json=True) == 3


def test_execute_returns_the_bytes_or_the_json_a_plugin_set(wasm: Wasm) -> None:
    with conductor.Plugin(wasm("results-plugin")) as plugin:
        assert plugin.execute({"op": "echo", "value": {"answer": 42}}) == b'{"answer":42}'
        assert plugin.execute({"op": "echo", "value": {"answer": 42}}, json=True) == {"answer": 42}
        actions = plugin.execute_with_context(
            {"op": "transpose", "by": 12}, {"note": 60, "velocity": 90}, json=True
        )
        assert actions == [{"SendMidi": {"bytes": [144, 72, 90]}}]
        # A call that sets nothing returns b"" (None with json=True).
        assert plugin.execute({"op": "var_set", "key": "k", "value": "v"}) == b""
        assert plugin.execute({"op": "var_set", "key": "k", "value": "v"}, json=True) is None


def test_an_output_past_max_output_bytes_is_refused(wasm: Wasm) -> None:
    with conductor.Plugin(wasm("results-plugin"), max_output_bytes=100) as plugin:
        assert len(plugin.execute({"op": "bytes", "len": 100})) == 100
        with pytest.raises(conductor.PluginError) as caught:
            plugin.execute({"op": "bytes", "len": 101})
        assert caught.value.code == 6
        assert plugin.execute({"op": "echo", "value": 1}, json=True) == 1
    with pytest.raises(ValueError, match="max_output_bytes"):
        conductor.Plugin(wasm("results-plugin"), max_output_bytes=1 << 30)


def test_variables_survive_a_trap_and_a_restart(wasm: Wasm) -> None:
    with conductor.Plugin(wasm("results-plugin")) as plugin:
        assert plugin.execute({"op": "count"}, json=True) == 1
        with pytest.raises(conductor.PluginCrashed):
            plugin.execute({"op": "trap"})
        assert plugin.execute({"op": "count"}, json=True) == 2
        vars_file = plugin.vars_file
    assert vars_file is not None and vars_file.exists()
    with conductor.Plugin(wasm("results-plugin")) as plugin:
        assert plugin.execute({"op": "count"}, json=True) == 3


def test_a_variable_past_max_var_bytes_is_refused_and_the_others_stay(wasm: Wasm) -> None:
    with conductor.Plugin(wasm("results-plugin"), max_var_bytes=100) as plugin:
        plugin.execute({"op": "var_set", "key": "small", "value": "kept"})
        with pytest.raises(conductor.PluginError) as caught:
            plugin.execute({"op": "var_set", "key": "big", "len": 200})
        assert caught.value.code == 6
        assert plugin.execute({"op": "var_get", "key": "small"}, json=True) == {"value": "kept"}
        assert plugin.execute({"op": "var_get", "key": "big"}, json=True) == {"value": None}


def test_a_plugin_reads_the_config_it_was_given(wasm: Wasm) -> None:
    with conductor.Plugin(wasm("results-plugin"), config={"api_key": "s3cret"}) as plugin:
        assert plugin.execute({"op": "config", "key": "api_key"}, json=True) == {"value": "s3cret"}
        assert plugin.execute({"op": "config", "key": "other"}, json=True) == {"value": None}


def test_in_an_engine_returned_actions_run_in_order_and_config_comes_from_toml(wasm: Wasm) -> None:
    path = json.dumps(str(wasm("results-plugin")))
    toml = f"""
[[modes]]
name = "Play"

[[modes.mappings]]
trigger = {{ Note = {{ note = 60 }} }}
action = {{ Sequence = [
    {{ SendMidi = {{ bytes = [0xB0, 1, 1] }} }},
    {{ WasmPlugin = {{ path = {path}, params = {{ op = "transpose", by = 12 }} }} }},
    {{ SendMidi = {{ bytes = [0xB0, 2, 2] }} }},
] }}

[[modes.mappings]]
trigger = {{ Note = {{ note = 61 }} }}
action = {{ WasmPlugin = {{ path = {path}, params = {{ op = "config_action", key = "greeting" }} }} }}

[plugins.settings.{path}]
config = {{ greeting = "hello" }}
"""
    midi: list[bytes] = []
    actions: list[conductor.HostAction] = []
    with conductor.Engine.from_toml(toml, on_midi_out=midi.append, on_action=actions.append) as engine:
        fired = engine.process(bytes([0x90, 60, 99]))
        assert all(o.ok for o in fired[0].outcomes)
        assert midi == [bytes([0xB0, 1, 1]), bytes([0x90, 72, 99]), bytes([0xB0, 2, 2])]
        engine.process(bytes([0x90, 61, 99]))
    assert [(a.name, a.data) for a in actions] == [("ConfigValue", {"key": "greeting", "value": "hello"})]
