"""conductor.Engine: the guide's config, message forms, callbacks, modes, reloads."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

import mido  # type: ignore[import-untyped]  # mido ships no type information
import pytest

import conductor_midi as conductor
from conftest import GUIDE_CONFIG, PLUGINS

Wasm = Callable[[str], Path]
LogLine = tuple[str, "str | None", str]

NOTE_ON_C4 = [0x90, 60, 100]


def guide_engine(log: list[LogLine], **kwargs: object) -> conductor.Engine:
    """The guide's test_config.toml, with its relative path resolved where the plugins are built."""
    return conductor.Engine.from_toml(
        GUIDE_CONFIG,
        base_dir=PLUGINS,
        on_log=lambda level, plugin, message: log.append((level, plugin, message)),
        **kwargs,  # type: ignore[arg-type]
    )


def plugin_lines(log: list[LogLine], plugin: str) -> list[str]:
    return [message for _, name, message in log if name == plugin]


def test_guide_config_runs_the_guide_plugin_on_middle_c() -> None:
    log: list[LogLine] = []
    with guide_engine(log) as engine:
        assert engine.modes == ["Default"]
        assert engine.plugins == ["my_midi_plugin"]
        fired = engine.process(NOTE_ON_C4)
        assert len(fired) == 1
        f = fired[0]
        assert f.ok
        assert f.mode == "Default"
        assert f.line == 3
        assert f.context["velocity"] == 100
        assert f.context["note"] == 60
        assert f.context["mode_name"] == "Default"
        [outcome] = f.outcomes
        assert (outcome.action, outcome.plugin, outcome.ok, outcome.error) == (
            "WasmPlugin",
            "my_midi_plugin",
            True,
            None,
        )
        # The call's wall-clock time: it ran, and within the plugin's deadline.
        assert 0 < outcome.elapsed < conductor.DEFAULT_TIMEOUT
        # Other notes fire nothing.
        assert engine.process([0x90, 61, 100]) == []
    assert plugin_lines(log, "my_midi_plugin") == [
        "Plugin initialized",
        "Received message: Hello from MIDI!",
        "Plugin shutting down",
    ]


def test_guide_config_from_a_file(tmp_path: Path, wasm: Wasm) -> None:
    config = tmp_path / "test_config.toml"
    config.write_text(GUIDE_CONFIG.replace("target/wasm32-wasip1/release/my_midi_plugin.wasm", wasm("my-midi-plugin").as_posix()))
    log: list[LogLine] = []
    with conductor.Engine.from_file(config, on_log=lambda *line: log.append(line)) as engine:
        assert engine.config_path == config
        assert engine.process(NOTE_ON_C4)[0].ok
    assert "Received message: Hello from MIDI!" in plugin_lines(log, "my_midi_plugin")


def test_engine_output_goes_to_logging_by_default(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with conductor.Engine.from_toml(GUIDE_CONFIG, base_dir=PLUGINS) as engine:
        engine.process(NOTE_ON_C4)
    assert "Received message: Hello from MIDI!" in [
        r.getMessage() for r in caplog.records if r.name == "conductor.plugin.my_midi_plugin"
    ]


@pytest.mark.parametrize(
    "message",
    [bytes(NOTE_ON_C4), bytearray(NOTE_ON_C4), NOTE_ON_C4, tuple(NOTE_ON_C4), mido.Message("note_on", note=60, velocity=100)],
    ids=["bytes", "bytearray", "list", "tuple", "mido"],
)
def test_messages_may_be_bytes_lists_or_mido_messages(message: conductor._conductor.MidiMessage) -> None:
    with guide_engine([]) as engine:
        [fired] = engine.process(message)
        assert fired.ok


def test_mido_messages_keep_their_channel_and_velocity(wasm: Wasm) -> None:
    config = f"""
[[modes]]
name = "Default"
[[modes.mappings]]
trigger = {{ Note = {{ note = 38, channel = 9 }} }}
action = {{ WasmPlugin = {{ path = "{wasm("velocity-plugin").as_posix()}", params = {{ action = "snare" }} }} }}
"""
    log: list[LogLine] = []
    with conductor.Engine.from_toml(config, on_log=lambda *line: log.append(line)) as engine:
        assert engine.process(mido.Message("note_on", channel=0, note=38, velocity=127)) == []
        [fired] = engine.process(mido.Message("note_on", channel=9, note=38, velocity=127))
        assert fired.context["channel"] == 9
        engine.process(mido.Message("note_on", channel=9, note=38, velocity=30))
    assert plugin_lines(log, "velocity_plugin") == ["Hard press: snare", "Soft press: snare"]


def test_midi_parsed_from_a_mido_file_drives_the_engine(tmp_path: Path) -> None:
    song = mido.MidiFile()
    track = mido.MidiTrack()
    song.tracks.append(track)
    for note in (60, 62, 60):
        track.append(mido.Message("note_on", note=note, velocity=90, time=10))
        track.append(mido.Message("note_off", note=note, velocity=0, time=10))
    song.save(tmp_path / "song.mid")
    fired_labels = []
    with guide_engine([]) as engine:
        for msg in mido.MidiFile(tmp_path / "song.mid"):
            if not msg.is_meta:
                fired_labels += [f.label for f in engine.process(msg)]
    assert fired_labels == ["mapping at line 3", "mapping at line 3"]


def test_strings_are_not_midi_messages() -> None:
    with guide_engine([]) as engine:
        with pytest.raises(TypeError, match="mido.Message"):
            engine.process("note_on")  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            engine.process([0x90, 60, 300])


HOST_CONFIG = """
[[modes]]
name = "A"
[[modes.mappings]]
trigger = { Note = { note = 1 } }
action = { ModeChange = { mode = "B" } }
[[modes.mappings]]
trigger = { Note = { note = 2 } }
action = { Keystroke = { keys = "space", modifiers = ["cmd"] } }
[[modes.mappings]]
trigger = { Note = { note = 4 } }
action = { SendMidi = { bytes = [0xB0, 7, 100] } }

[[modes]]
name = "B"
[[modes.mappings]]
trigger = { Note = { note = 1 } }
action = { ModeChange = { mode = "A" } }

[[global_mappings]]
trigger = { Note = { note = 3 } }
action = { Host = { name = "everywhere" } }
"""


def test_host_actions_and_midi_out_reach_their_callbacks() -> None:
    actions: list[conductor.HostAction] = []
    midi: list[bytes] = []
    with conductor.Engine.from_toml(HOST_CONFIG, on_action=actions.append, on_midi_out=midi.append) as engine:
        engine.process([0x92, 2, 77], timestamp_us=42)
        engine.process([0x90, 4, 1])
    [keystroke] = actions
    assert keystroke.name == "Keystroke"
    assert keystroke.data == {"keys": "space", "modifiers": ["cmd"]}
    assert keystroke.context["velocity"] == 77
    assert keystroke.context["channel"] == 2
    assert keystroke.context["timestamp_us"] == 42
    assert keystroke.to_dict()["action"] == "Keystroke"
    assert midi == [bytes([0xB0, 7, 100])]


def test_modes_switch_by_action_by_name_and_by_index() -> None:
    actions: list[conductor.HostAction] = []
    with conductor.Engine.from_toml(HOST_CONFIG, on_action=actions.append) as engine:
        assert (engine.mode, engine.mode_index, engine.modes) == ("A", 0, ["A", "B"])
        engine.process([0x90, 1, 100])
        assert engine.mode == "B"
        engine.mode = "A"
        assert engine.mode_index == 0
        engine.mode = 1
        assert engine.mode == "B"
        # Global mappings fire in every mode.
        [fired] = engine.process([0x90, 3, 100])
        assert fired.mode is None
        with pytest.raises(ValueError, match="A, B"):
            engine.mode = "C"
        with pytest.raises(ValueError):
            engine.mode = 5
        with pytest.raises(TypeError):
            engine.mode = 1.5  # type: ignore[assignment]
    assert [a.name for a in actions] == ["everywhere"]


def test_a_failing_plugin_is_reported_in_the_outcome_and_the_engine_carries_on(wasm: Wasm) -> None:
    config = f"""
[[modes]]
name = "Default"
[[modes.mappings]]
trigger = {{ Note = {{ note = 60 }} }}
action = {{ WasmPlugin = {{ path = "{wasm("fail-plugin").as_posix()}", params = {{ code = 9 }} }} }}
"""
    log: list[LogLine] = []
    with conductor.Engine.from_toml(config, on_log=lambda *line: log.append(line)) as engine:
        for _ in range(2):
            [fired] = engine.process(NOTE_ON_C4)
            assert not fired.ok
            [outcome] = fired.outcomes
            assert isinstance(outcome.error, conductor.PluginError)
            assert outcome.error.code == 9
    assert any(level == "error" and "returned error code 9" in message for level, _, message in log)


def test_push_runs_on_the_engine_thread_and_reports_through_on_fired() -> None:
    fired: list[conductor.Fired] = []
    threads: set[str] = set()

    def on_fired(f: conductor.Fired) -> None:
        threads.add(threading.current_thread().name)
        fired.append(f)

    with guide_engine([], on_fired=on_fired) as engine:
        assert engine.push(NOTE_ON_C4)
        assert engine.push(mido.Message("note_on", note=60, velocity=5))
        assert engine.wait_idle(timeout=10)
    assert [f.context["velocity"] for f in fired] == [100, 5]
    assert threading.current_thread().name not in threads


def test_push_refuses_empty_messages_and_counts_them() -> None:
    with guide_engine([]) as engine:
        assert engine.dropped == 0
        assert not engine.push(b"")
        assert engine.dropped == 1


def test_approve_is_asked_for_capabilities_nothing_granted(wasm: Wasm) -> None:
    config = f"""
[[modes]]
name = "Default"
[[modes.mappings]]
trigger = {{ Note = {{ note = 60 }} }}
action = {{ WasmPlugin = {{ path = "{wasm("file-logger-plugin").as_posix()}", params = {{ message = "m", level = "info" }} }} }}
"""
    asked: list[tuple[str, str]] = []

    def refuse(plugin: str, capability: str) -> bool:
        asked.append((plugin, capability))
        return False

    with pytest.raises(conductor.CapabilityDenied):
        conductor.Engine.from_toml(config, approve=refuse)
    assert asked == [("file_logger_plugin", "Filesystem")]

    with conductor.Engine.from_toml(config, approve=lambda plugin, cap: True) as engine:
        assert engine.process(NOTE_ON_C4)[0].ok
    with conductor.Engine.from_toml(config, grants=["Filesystem"]) as engine:
        assert engine.process(NOTE_ON_C4)[0].ok
    with conductor.Engine.from_toml(config, plugin_grants={"file_logger_plugin": ["Filesystem"]}) as engine:
        assert engine.process(NOTE_ON_C4)[0].ok


def test_an_exception_in_a_callback_is_raised_by_process_and_the_engine_carries_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[str] = []

    def on_action(action: conductor.HostAction) -> None:
        calls.append(action.name)
        if len(calls) == 1:
            raise KeyError("broken handler")

    with conductor.Engine.from_toml(HOST_CONFIG, on_action=on_action) as engine:
        with pytest.raises(KeyError, match="broken handler"):
            engine.process([0x90, 2, 100])
        [fired] = engine.process([0x90, 2, 100])
        assert fired.ok
    assert calls == ["Keystroke", "Keystroke"]
    assert any("on_action" in r.getMessage() and r.exc_info for r in caplog.records if r.name == "conductor")


def test_an_exception_in_a_callback_on_the_engine_thread_is_raised_by_wait_idle() -> None:
    seen: list[conductor.Fired] = []

    def on_fired(fired: conductor.Fired) -> None:
        seen.append(fired)
        if len(seen) == 1:
            raise ValueError("first one fails")

    with guide_engine([], on_fired=on_fired) as engine:
        engine.push(NOTE_ON_C4)
        engine.push(NOTE_ON_C4)
        with pytest.raises(ValueError, match="first one fails"):
            engine.wait_idle()
        # Both events were handled: the exception did not stop the engine thread.
        assert len(seen) == 2
        assert engine.wait_idle()


def test_reload_from_the_same_file_from_another_file_and_from_text(tmp_path: Path) -> None:
    actions: list[str] = []
    config = tmp_path / "c.toml"
    config.write_text(HOST_CONFIG)
    other = tmp_path / "other.toml"
    other.write_text(HOST_CONFIG.replace('name = "everywhere"', 'name = "from_other"'))
    with conductor.Engine.from_file(config, on_action=lambda a: actions.append(a.name)) as engine:
        engine.mode = "B"
        config.write_text(HOST_CONFIG.replace('name = "everywhere"', 'name = "edited"'))
        engine.reload()
        assert engine.mode == "B"  # kept: the new config has a mode of that name
        engine.process([0x90, 3, 1])
        engine.reload(other)
        assert engine.config_path == other
        engine.process([0x90, 3, 1])
        engine.reload(toml=HOST_CONFIG.replace('name = "everywhere"', 'name = "from_text"'))
        assert engine.config_path is None
        engine.process([0x90, 3, 1])
        with pytest.raises(ValueError, match="did not come from a file"):
            engine.reload()
        with pytest.raises(conductor.ConfigError):
            engine.reload(toml="[[modes]]\nname = 1\n")
        # The old config keeps running after a failed reload.
        engine.process([0x90, 3, 1])
        with pytest.raises(ValueError, match="not both"):
            engine.reload(config, toml=HOST_CONFIG)
    assert actions == ["edited", "from_other", "from_text", "from_text"]


def test_closed_engines_refuse_work_and_close_twice_is_fine() -> None:
    engine = guide_engine([])
    assert not engine.closed
    engine.close()
    engine.close()
    assert engine.closed
    with pytest.raises(ValueError, match="shut down"):
        engine.process(NOTE_ON_C4)


def test_process_releases_the_gil_so_other_threads_can_use_the_engine() -> None:
    """Many threads calling process at once neither deadlock nor lose events."""
    log: list[LogLine] = []
    with guide_engine(log) as engine:
        results: list[int] = []

        def hammer() -> None:
            for _ in range(20):
                results.append(len(engine.process(NOTE_ON_C4)))

        workers = [threading.Thread(target=hammer) for _ in range(4)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    assert results == [1] * 80
    assert plugin_lines(log, "my_midi_plugin").count("Received message: Hello from MIDI!") == 80
