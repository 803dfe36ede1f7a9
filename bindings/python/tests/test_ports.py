"""MIDI ports: listing, opening by index or name, and the errors when that fails.

Real ports are exercised against a JACK server: ``scripts/test-python.sh`` runs this file
a second time with a wheel built with JACK and ``CONDUCTOR_TEST_MIDI=jack`` (see
``jack_server.py``). With the default wheel on a machine without a MIDI system (CI), the
tests check the error that says so; the ones that need real ports are skipped, with the
reason shown by ``pytest -rs``.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator

import pytest

import conductor_midi as conductor
from conftest import GUIDE_CONFIG, PLUGINS
from jack_server import ensure_jack, jack_expected


@pytest.fixture(scope="module", autouse=True)
def midi_system() -> Iterator[None]:
    """The tests' JACK server when this run tests the JACK wheel; else the OS default."""
    if jack_expected():
        ensure_jack()
    yield


def midi_unavailable() -> str | None:
    """Why this machine has no MIDI system, or ``None`` when it has one."""
    try:
        conductor.input_ports()
    except conductor.MidiError as err:
        return str(err)
    return None


def require_ports() -> None:
    """Skips (default wheel without a MIDI system) or fails (JACK run) when there are no
    MIDI ports to test with."""
    why = midi_unavailable()
    if why is None:
        return
    if jack_expected():
        pytest.fail(f"CONDUCTOR_TEST_MIDI=jack, but the JACK server is not usable: {why}")
    pytest.skip(
        "this machine has no MIDI system (no ALSA sequencer); scripts/test-python.sh runs this "
        "test against JACK"
    )


def test_listing_ports_gives_names_or_says_what_is_missing() -> None:
    why = midi_unavailable()
    if why is None:
        with conductor.Engine.from_toml(GUIDE_CONFIG, base_dir=PLUGINS) as engine:
            port = engine.open_virtual_input("conductor-python-listed")
            assert port == "conductor-python-listed"
            # Others send to a virtual input: it is listed among the outputs (under JACK
            # as `<client>:<port>`).
            outputs = conductor.output_ports()
            assert [name for name in outputs if name.split(":")[-1] == port] != [], outputs
            assert all(isinstance(name, str) and name for name in conductor.input_ports())
        return
    assert not jack_expected(), f"CONDUCTOR_TEST_MIDI=jack, but: {why}"
    # No MIDI system on this machine: the error says so and what to do instead.
    assert "MIDI" in why
    assert "--replay" in why


def test_opening_a_port_that_does_not_exist_is_a_midi_error() -> None:
    with conductor.Engine.from_toml(GUIDE_CONFIG, base_dir=PLUGINS) as engine:
        with pytest.raises(conductor.MidiError) as by_name:
            engine.open_input("no port is called this 5c0e1d")
        with pytest.raises(conductor.MidiError) as by_index:
            engine.open_output(10_000)
        assert engine.inputs == []
        assert engine.outputs == []
    why = midi_unavailable()
    if why is None:
        assert 'no MIDI input port name contains "no port is called this 5c0e1d"' in str(by_name.value)
        assert "there is no MIDI output port #10000" in str(by_index.value)
    else:
        assert str(by_name.value) == why
        assert str(by_index.value) == why


def test_ports_are_an_index_or_a_name() -> None:
    with conductor.Engine.from_toml(GUIDE_CONFIG, base_dir=PLUGINS) as engine:
        with pytest.raises(ValueError, match="negative"):
            engine.open_input(-1)
        with pytest.raises(TypeError, match="index"):
            engine.open_input(1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="shut down"):
        engine.open_input(0)


def test_midi_sent_to_a_virtual_port_reaches_another_engine() -> None:
    require_ports()
    fired: list[conductor.Fired] = []
    with conductor.Engine.from_toml(GUIDE_CONFIG, base_dir=PLUGINS, on_fired=fired.append) as listener:
        port = listener.open_virtual_input("conductor-python-test")
        config = '[[modes]]\nname = "Out"\n[[modes.mappings]]\ntrigger = { Note = { note = 1 } }\naction = { SendMidi = { bytes = [0x90, 60, 100] } }\n'
        with conductor.Engine.from_toml(config) as sender:
            assert sender.open_output(port) in conductor.output_ports()
            # A JACK connection takes effect at the next period: send until it arrives.
            deadline = time.monotonic() + 20
            while not fired and time.monotonic() < deadline:
                sender.process([0x90, 1, 1])
                for _ in range(10):
                    listener.wait_idle()
                    if fired:
                        break
                    time.sleep(0.05)
    assert fired, "nothing arrived at the virtual input within 20 s"
    assert {f.context["note"] for f in fired} == {60}


def wait_for(received: list[list[int]], wanted: list[int], what: str) -> None:
    """Waits up to 20 s for ``wanted`` among the messages ``received`` collects."""
    deadline = time.monotonic() + 20
    while wanted not in received and time.monotonic() < deadline:
        time.sleep(0.05)
    assert wanted in received, f"{what}: {wanted} did not arrive within 20 s; got {received}"


def test_a_reload_that_moves_a_device_reopens_its_port() -> None:
    require_ports()
    # Two "controllers": engines whose virtual inputs pass everything on (midi_thru) to
    # a callback that records it.
    listener_config = '[engine]\nmidi_thru = true\n[[modes]]\nname = "L"\n'
    got_a: list[list[int]] = []
    got_b: list[list[int]] = []
    device_config = (
        '[[devices]]\nname = "lights"\noutput = "conductor-python-dev-{port}"\n'
        "init = [[0xB0, 0x10, {init}]]\nshutdown = [[0xB0, 0x10, 0x00]]\n"
        '[[modes]]\nname = "D"\n'
    )
    with (
        conductor.Engine.from_toml(listener_config, on_midi_out=lambda b: got_a.append(list(b))) as a,
        conductor.Engine.from_toml(listener_config, on_midi_out=lambda b: got_b.append(list(b))) as b,
    ):
        a.open_virtual_input("conductor-python-dev-a")
        b.open_virtual_input("conductor-python-dev-b")
        with conductor.Engine.from_toml(device_config.format(port="a", init="0x01")) as engine:
            engine.connect_devices()
            wait_for(got_a, [0xB0, 0x10, 0x01], "the init at the first port")
            # The device moves to the other port: the old one gets the shutdown message,
            # the new one the new init.
            engine.reload(toml=device_config.format(port="b", init="0x02"))
            wait_for(got_a, [0xB0, 0x10, 0x00], "the shutdown at the old port")
            wait_for(got_b, [0xB0, 0x10, 0x02], "the init at the new port")
            assert [0xB0, 0x10, 0x01] not in got_b
        wait_for(got_b, [0xB0, 0x10, 0x00], "the shutdown at the new port when the engine closes")


def test_learn_recognises_a_note_played_on_a_real_port() -> None:
    require_ports()
    if not jack_expected() or shutil.which("jack_midiseq") is None:
        pytest.skip("needs JACK's jack_midiseq as the player (scripts/test-python.sh's JACK run)")
    # JACK's sequencer plays note 62 (channel 1) every 0.5 s on the port learn listens to.
    player = subprocess.Popen(
        ["jack_midiseq", "conductor-python-learn-seq", "24000", "0", "62", "8000"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while not any("conductor-python-learn-seq" in p for p in conductor.input_ports()):
            assert time.monotonic() < deadline, "jack_midiseq's port did not appear within 20 s"
            time.sleep(0.05)
        learned = conductor.learn("conductor-python-learn-seq", timeout=20)
    finally:
        player.terminate()
        player.wait()
    assert learned is not None, "learn heard nothing from jack_midiseq within 20 s"
    assert learned["kind"] == "Note"
    assert learned["toml"] == "trigger = { Note = { note = 62, channel = 0 } }"
    # The line loads as a mapping's trigger.
    config = f'[[modes]]\nname = "L"\n[[modes.mappings]]\n{learned["toml"]}\naction = {{ Host = {{ name = "x" }} }}\n'
    with conductor.Engine.from_toml(config) as engine:
        assert len(engine.process([0x90, 62, 100])) == 1
