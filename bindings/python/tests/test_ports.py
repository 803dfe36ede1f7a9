"""MIDI ports: listing, opening by index or name, and the errors when that fails."""

from __future__ import annotations

import time

import pytest

import conductor
from conftest import GUIDE_CONFIG, PLUGINS


def midi_system_available() -> bool:
    try:
        conductor.input_ports()
    except conductor.MidiError:
        return False
    return True


def test_listing_ports_gives_names_or_says_what_is_missing() -> None:
    try:
        inputs = conductor.input_ports()
        outputs = conductor.output_ports()
    except conductor.MidiError as err:
        # No MIDI system on this machine: the error says so and what to do instead.
        assert "MIDI" in str(err)
        assert "replay" in str(err)
    else:
        assert all(isinstance(name, str) and name for name in inputs + outputs)


def test_opening_a_port_that_does_not_exist_is_a_midi_error() -> None:
    with conductor.Engine.from_toml(GUIDE_CONFIG, base_dir=PLUGINS) as engine:
        with pytest.raises(conductor.MidiError):
            engine.open_input("no port is called this 5c0e1d")
        with pytest.raises(conductor.MidiError):
            engine.open_output(10_000)
        assert engine.inputs == []
        assert engine.outputs == []


def test_ports_are_an_index_or_a_name() -> None:
    with conductor.Engine.from_toml(GUIDE_CONFIG, base_dir=PLUGINS) as engine:
        with pytest.raises(ValueError, match="negative"):
            engine.open_input(-1)
        with pytest.raises(TypeError, match="index"):
            engine.open_input(1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="shut down"):
        engine.open_input(0)


@pytest.mark.skipif(not midi_system_available(), reason="this machine has no MIDI system (ALSA sequencer)")
def test_midi_sent_to_a_virtual_port_reaches_another_engine() -> None:
    fired: list[conductor.Fired] = []
    with conductor.Engine.from_toml(GUIDE_CONFIG, base_dir=PLUGINS, on_fired=fired.append) as listener:
        port = listener.open_virtual_input("conductor-python-test")
        config = '[[modes]]\nname = "Out"\n[[modes.mappings]]\ntrigger = { Note = { note = 1 } }\naction = { SendMidi = { bytes = [0x90, 60, 100] } }\n'
        with conductor.Engine.from_toml(config) as sender:
            assert sender.open_output(port) in conductor.output_ports()
            sender.process([0x90, 1, 1])
        for _ in range(100):
            listener.wait_idle()
            if fired:
                break
            time.sleep(0.05)
    assert [f.context["note"] for f in fired] == [60]
