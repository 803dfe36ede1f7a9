"""The Python examples in examples/python run as their docstrings say."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import mido  # type: ignore[import-untyped]  # mido ships no type information
import pytest

import conductor_midi as conductor
from conftest import GUIDE_CONFIG, PLUGINS, REPO, wasm_path
from jack_server import ensure_jack, jack_expected

EXAMPLES = REPO / "examples" / "python"


@pytest.fixture(scope="module", autouse=True)
def midi_system() -> Iterator[None]:
    """The tests' JACK server when this run tests the JACK wheel; else the OS default."""
    if jack_expected():
        ensure_jack()
    yield


def run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args], capture_output=True, text=True, timeout=120
    )


def test_run_plugin_prints_the_plugins_output() -> None:
    result = run("run_plugin.py", str(wasm_path("my-midi-plugin")), '{"message": "Hello from MIDI!"}')
    assert result.returncode == 0, result.stderr
    assert "[plugin] Received message: Hello from MIDI!" in result.stdout.splitlines()


def test_run_plugin_reports_the_error_code_and_fails() -> None:
    result = run("run_plugin.py", str(wasm_path("fail-plugin")), '{"code": 5}')
    assert result.returncode == 1
    assert "failed (code 5)" in result.stderr


def test_run_plugin_passes_the_velocity_as_context() -> None:
    result = run("run_plugin.py", str(wasm_path("velocity-plugin")), '{"action": "kick"}', "--velocity", "100")
    assert "[plugin] Hard press: kick" in result.stdout.splitlines()


def test_replay_midi_file_reports_what_fired(tmp_path: Path) -> None:
    config = tmp_path / "test_config.toml"
    config.write_text(
        GUIDE_CONFIG.replace("target/wasm32-wasip1/release/my_midi_plugin.wasm", wasm_path("my-midi-plugin").as_posix())
    )
    song = mido.MidiFile()
    track = mido.MidiTrack()
    song.tracks.append(track)
    track.append(mido.Message("note_on", note=60, velocity=90, time=0))
    track.append(mido.Message("note_on", note=62, velocity=90, time=480))
    song.save(tmp_path / "song.mid")
    result = run("replay_midi_file.py", str(config), str(tmp_path / "song.mid"))
    assert result.returncode == 0, result.stderr
    assert "0.000s  mapping at line 3 (mode Default)" in result.stdout
    assert "done; mode is now 'Default'" in result.stdout


def test_replay_midi_file_runs_delayed_steps_at_their_time_in_the_song(tmp_path: Path) -> None:
    config = tmp_path / "delays.toml"
    config.write_text(
        """
[[modes]]
name = "Default"
[[modes.mappings]]
description = "first"
trigger = { Note = { note = 60 } }
action = { Sequence = { actions = [ { Host = { name = "a" } }, { Delay = { ms = 200 } }, { Host = { name = "b" } } ] } }
[[modes.mappings]]
description = "second"
trigger = { Note = { note = 62 } }
action = { Sequence = { actions = [ { Delay = { ms = 300 } }, { Host = { name = "c" } } ] } }
"""
    )
    song = mido.MidiFile()  # 480 ticks a beat at 120 bpm: 480 ticks = 0.5 s
    track = mido.MidiTrack()
    song.tracks.append(track)
    track.append(mido.Message("note_on", note=60, velocity=90, time=0))
    track.append(mido.Message("note_on", note=62, velocity=90, time=480))
    song.save(tmp_path / "song.mid")
    result = run("replay_midi_file.py", str(config), str(tmp_path / "song.mid"))
    assert result.returncode == 0, result.stderr
    assert [line.strip() for line in result.stdout.splitlines() if "s  " in line] == [
        "0.000s  first (mode Default)",
        "0.200s  first (after a delay) (mode Default)",
        "0.500s  second (mode Default)",
        "0.800s  second (after a delay) (mode Default)",
    ]
    assert [line.strip() for line in result.stdout.splitlines() if "host action" in line] == [
        "host action a: {}",
        "host action b: {}",
        "host action c: {}",
    ]


def test_live_midi_lists_ports_or_explains_why_it_cannot() -> None:
    try:
        conductor.input_ports()
    except conductor.MidiError as err:
        # No MIDI system (the default wheel in CI): the example says why and fails.
        assert not jack_expected(), f"CONDUCTOR_TEST_MIDI=jack, but: {err}"
        result = run("live_midi.py", "--list")
        assert result.returncode == 1, result.stdout
        assert str(err) in result.stderr.splitlines()
        return
    # A MIDI system (the JACK run): a port this process opens is listed, as an output
    # the example could send to.
    with conductor.Engine.from_toml(GUIDE_CONFIG, base_dir=PLUGINS) as engine:
        port = engine.open_virtual_input("conductor-example-probe")
        result = run("live_midi.py", "--list")
    assert result.returncode == 0, result.stderr
    listed = result.stdout.splitlines()
    assert any(line.startswith("out ") and line.split(":")[-1] == port for line in listed), listed
