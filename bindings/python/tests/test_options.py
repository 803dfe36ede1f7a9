"""conductor.EngineOptions, the keyword arguments over it, and the rules the core
applies for every front end: limit ranges and the warning about unused grants."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import conductor_midi as conductor
from conftest import GUIDE_CONFIG, PLUGINS

Wasm = Callable[[str], Path]

HOST_CONFIG = """
[[modes]]
name = "Default"
[[modes.mappings]]
trigger = { Note = { note = 60 } }
action = { Host = { name = "hello" } }
"""


def test_an_options_object_builds_the_engine_and_keywords_apply_over_it() -> None:
    first: list[str] = []
    second: list[str] = []
    options = conductor.EngineOptions(on_action=lambda a: first.append(a.name), port_name="pads")
    options.queue_capacity = 16
    assert options.port_name == "pads" and options.queue_capacity == 16
    with conductor.Engine.from_toml(HOST_CONFIG, options=options) as engine:
        engine.process([0x90, 60, 100])
    assert first == ["hello"]
    # A keyword wins over the object's field, and leaves the object alone.
    with conductor.Engine.from_toml(
        HOST_CONFIG, options=options, on_action=lambda a: second.append(a.name)
    ) as engine:
        [fired] = engine.process([0x90, 60, 100])
        assert fired.context["port"] == "pads"
    assert (first, second) == (["hello"], ["hello"])
    assert options.on_action is not None and options.port_name == "pads"


def test_keywords_alone_still_work_and_a_wrong_one_names_itself() -> None:
    seen: list[str] = []
    with conductor.Engine.from_toml(HOST_CONFIG, on_action=lambda a: seen.append(a.name)) as engine:
        engine.process([0x90, 60, 100])
    assert seen == ["hello"]
    with pytest.raises(TypeError, match="unexpected keyword argument 'on_acton'.*on_action"):
        conductor.Engine.from_toml(HOST_CONFIG, on_acton=print)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        conductor.EngineOptions(colour="red")  # type: ignore[call-arg]


def test_copy_and_repr() -> None:
    options = conductor.EngineOptions(grants=["Filesystem"], cache_dir="/tmp/c")
    copy = options.copy()
    copy.grants = ["Subprocess"]
    assert options.grants == ["Filesystem"]
    assert options.cache_dir == Path("/tmp/c")
    assert repr(options) == "EngineOptions(grants=['Filesystem'], cache_dir=PosixPath('/tmp/c'))"


def test_fuel_zero_is_refused_by_the_plugin_and_by_the_config(wasm: Wasm) -> None:
    with pytest.raises(ValueError, match=r"`fuel` is 0; allowed: 1 to"):
        conductor.Plugin(wasm("my-midi-plugin"), fuel=0)
    with pytest.raises(ValueError, match=r"`memory` is 1024 bytes; allowed: at least 65536"):
        conductor.Plugin(wasm("my-midi-plugin"), memory_limit=1024)
    with pytest.raises(conductor.ConfigError, match="fuel") as err:
        conductor.Engine.from_toml("[plugins]\nfuel = 0\n" + GUIDE_CONFIG, base_dir=PLUGINS)
    assert err.value.line == 2


def test_a_grant_for_a_plugin_the_config_does_not_use_is_logged() -> None:
    log: list[tuple[str, str | None, str]] = []
    with conductor.Engine.from_toml(
        GUIDE_CONFIG,
        base_dir=PLUGINS,
        plugin_grants={"my_midi_plugn": ["Filesystem"]},
        on_log=lambda level, plugin, message: log.append((level, plugin, message)),
    ) as engine:
        engine.reload(toml=GUIDE_CONFIG, base_dir=PLUGINS)
    warnings = [m for level, _, m in log if level == "warn" and "my_midi_plugn" in m]
    assert len(warnings) == 2, log
    assert "the config uses no plugin called my_midi_plugn (its plugins: my_midi_plugin)" in warnings[0]
