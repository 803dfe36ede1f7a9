"""Plugins written in C and Zig (examples/plugins-c, examples/plugins-zig) run from Python
as Rust plugins do: the MIDI they send reaches ``on_midi_out``, their log lines reach
``on_output``, and their own error codes surface as ``PluginError``."""

from __future__ import annotations

from pathlib import Path

import pytest

import conductor_midi as conductor

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = {
    "velocity_c": REPO / "examples" / "plugins-c" / "target" / "velocity_c.wasm",
    "velocity_zig": REPO / "examples" / "plugins-zig" / "target" / "velocity_zig.wasm",
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_velocity_example_sends_the_scaled_cc(name: str, lines: list[str]) -> None:
    path = EXAMPLES[name]
    if not path.exists():
        pytest.fail(f"{path} is missing: build it with scripts/build-plugins.sh c (or zig)")
    sent: list[bytes] = []
    with conductor.Plugin(path, on_midi_out=sent.append, on_output=lines.append) as plugin:
        plugin.execute_with_context({"cc": 7, "min": 20, "max": 100}, {"velocity": 127, "channel": 2})
        plugin.execute({"cc": 74, "value": 33})
        with pytest.raises(conductor.PluginError) as error:
            plugin.execute({"cc": 300, "value": 1})
        assert error.value.code == 2
    assert sent == [bytes([0xB2, 7, 100]), bytes([0xB0, 74, 33])]
    assert any(line.endswith("call 2: CC 74 = 33 on channel 1") for line in lines), lines
    assert any("param `cc` must be a whole number from 0 to 127, got 300" in line for line in lines), lines
