"""Named devices (``[[devices]]``) from Python: a message from one device fires only
that device's mappings (``process_from``), an unknown device is refused naming the
configured ones, and ``connect_devices`` that cannot open a port names the device."""

from __future__ import annotations

import pytest

import conductor_midi as conductor

CONFIG = """
[[devices]]
name = "pads"
input = "no-such-port-for-conductor-tests"

[[devices]]
name = "keys"
input = "another-missing-port"

[[modes]]
name = "A"
[[modes.mappings]]
device = "pads"
trigger = { Note = { note = 36 } }
action = { ModeChange = { mode = "B" } }

[[modes]]
name = "B"
"""


def test_a_device_filter_fires_only_for_its_device() -> None:
    with conductor.Engine.from_toml(CONFIG) as engine:
        assert engine.process_from("keys", bytes([0x90, 36, 100])) == []
        assert engine.process([0x90, 36, 100]) == []
        assert engine.mode == "A"
        fired = engine.process_from("pads", bytes([0x90, 36, 100]))
        assert len(fired) == 1
        assert engine.mode == "B"
        with pytest.raises(ValueError, match="devices: pads, keys"):
            engine.process_from("drums", bytes([0x90, 36, 100]))


def test_connect_devices_names_the_device_whose_port_is_missing() -> None:
    with conductor.Engine.from_toml(CONFIG) as engine:
        with pytest.raises(conductor.MidiError, match='device "pads"'):
            engine.connect_devices()


def test_an_unknown_device_in_a_mapping_is_a_config_error() -> None:
    text = CONFIG.replace('device = "pads"', 'device = "drums"')
    with pytest.raises(conductor.ConfigError, match='device "drums", which is not configured'):
        conductor.Engine.from_toml(text)
