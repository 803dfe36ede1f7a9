"""Host services reaching Python: MIDI sent by plugins, and system/audio requests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import conductor_midi as conductor

Wasm = Callable[[str], Path]


def test_midi_a_plugin_sends_reaches_on_midi_out(wasm: Wasm) -> None:
    sent: list[bytes] = []
    with conductor.Plugin(wasm("sdk-midi-plugin"), on_midi_out=sent.append) as plugin:
        plugin.execute({"bytes": [0x90, 60, 100]})
        plugin.execute_with_context({}, {"note": 60, "channel": 2, "velocity": 90})
    assert sent == [bytes([0x90, 60, 100]), bytes([0x92, 72, 90])]


def test_system_and_audio_requests_are_answered_by_python(wasm: Wasm, lines: list[str]) -> None:
    asked: list[tuple[str, str, Any]] = []

    def answer(plugin: str, capability: str, data: Any) -> Any:
        asked.append((plugin, capability, data))
        return {"done": True, "echo": data}

    with conductor.Plugin(
        wasm("sdk-system-plugin"),
        grants=["SystemControl"],
        on_host_request=answer,
        on_output=lines.append,
    ) as plugin:
        plugin.execute({"system": {"volume": 0.5}, "audio": ["cue", 3]})
    assert asked == [
        ("sdk_system_plugin", "SystemControl", {"volume": 0.5}),
        ("sdk_system_plugin", "Audio", ["cue", 3]),
    ]
    assert any(line.endswith('system answer: {"done":true,"echo":{"volume":0.5}}') for line in lines)


def test_raising_in_on_host_request_refuses_the_request(
    wasm: Wasm, lines: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(plugin: str, capability: str, data: Any) -> Any:
        raise PermissionError("volume changes are not allowed here")

    with conductor.Plugin(
        wasm("sdk-system-plugin"), grants=["SystemControl"], on_host_request=refuse, on_output=lines.append
    ) as plugin:
        with pytest.raises(conductor.PluginError):
            plugin.execute({"system": {"volume": 1}})
        # The refusal is the plugin's answer, not an error of the caller's: a later
        # call is not affected.
        plugin.execute({})
    assert any("volume changes are not allowed here" in line for line in lines)
    assert any("on_host_request" in r.getMessage() for r in caplog.records if r.name == "conductor")


def test_the_engine_routes_plugin_midi_and_host_requests(wasm: Wasm) -> None:
    config = f"""
[[modes]]
name = "Default"
[[modes.mappings]]
trigger = {{ Note = {{ note = 60 }} }}
action = {{ WasmPlugin = {{ path = "{wasm("sdk-midi-plugin").as_posix()}", params = {{ transpose = 7 }} }} }}
[[modes.mappings]]
trigger = {{ Note = {{ note = 61 }} }}
action = {{ WasmPlugin = {{ path = "{wasm("sdk-system-plugin").as_posix()}", params = {{ audio = "level" }} }} }}
"""
    sent: list[bytes] = []
    asked: list[tuple[str, str, Any]] = []

    def answer(plugin: str, capability: str, data: Any) -> float:
        asked.append((plugin, capability, data))
        return 0.8

    with conductor.Engine.from_toml(
        config,
        on_midi_out=sent.append,
        on_host_request=answer,
        grants=["SystemControl"],
    ) as engine:
        assert engine.process([0x90, 60, 100])[0].ok
        assert engine.process([0x90, 61, 100])[0].ok
    assert sent == [bytes([0x90, 67, 100])]
    assert asked == [("sdk_system_plugin", "Audio", "level")]
