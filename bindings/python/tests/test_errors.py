"""Every exception class, each raised by a real cause."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import conductor_midi as conductor
from conftest import FIXTURES

Wasm = Callable[[str], Path]


def test_the_hierarchy_reads_naturally() -> None:
    assert issubclass(conductor.ConductorError, Exception)
    for cls in (
        conductor.ConfigError,
        conductor.PluginLoadError,
        conductor.PluginError,
        conductor.SignatureError,
        conductor.MidiError,
    ):
        assert issubclass(cls, conductor.ConductorError)
    assert issubclass(conductor.CapabilityDenied, conductor.PluginLoadError)
    for cls in (conductor.OutOfFuel, conductor.MemoryLimitExceeded, conductor.Timeout, conductor.PluginCrashed):
        assert issubclass(cls, conductor.PluginError)
    assert conductor.ConfigError.__module__ == "conductor_midi"


def test_an_endless_loop_runs_out_of_fuel(wasm: Wasm) -> None:
    with conductor.Plugin(wasm("hostile-loop"), fuel=2_000_000) as plugin:
        with pytest.raises(conductor.OutOfFuel) as caught:
            plugin.execute()
    err = caught.value
    assert err.limit == 2_000_000
    assert err.plugin == "hostile_loop"
    assert err.code is None
    assert "out of fuel" in str(err)


def test_a_200_mb_allocation_exceeds_the_default_memory_limit(wasm: Wasm) -> None:
    with conductor.Plugin(wasm("hostile-alloc")) as plugin:
        with pytest.raises(conductor.MemoryLimitExceeded) as caught:
            plugin.execute()
        assert caught.value.limit == conductor.DEFAULT_MEMORY_LIMIT == 128 * 1024 * 1024
        assert "memory limit" in str(caught.value)
        # A small allocation still works afterwards.
        plugin.execute({"mb": 1})


def test_a_lower_memory_limit_is_enforced(wasm: Wasm) -> None:
    with conductor.Plugin(wasm("hostile-alloc"), memory_limit=16 * 1024 * 1024) as plugin:
        with pytest.raises(conductor.MemoryLimitExceeded) as caught:
            plugin.execute({"mb": 32})
    assert caught.value.limit == 16 * 1024 * 1024


def test_a_busy_wait_with_plenty_of_fuel_times_out(wasm: Wasm) -> None:
    with conductor.Plugin(wasm("hostile-sleep"), fuel=10**15, timeout=0.2) as plugin:
        with pytest.raises(conductor.Timeout) as caught:
            plugin.execute({"seconds": 30})
    assert caught.value.limit == pytest.approx(0.2)
    assert "timed out" in str(caught.value)


def test_a_non_zero_return_is_a_plugin_error_with_the_code(wasm: Wasm) -> None:
    with conductor.Plugin(wasm("fail-plugin")) as plugin:
        with pytest.raises(conductor.PluginError) as caught:
            plugin.execute({"code": 42})
        assert caught.value.code == 42
        assert caught.value.plugin == "fail_plugin"
        assert str(caught.value) == "plugin fail_plugin returned error code 42"
        with pytest.raises(conductor.PluginError) as default:
            plugin.execute()
        assert default.value.code == 7


def test_a_panic_is_a_crash_that_names_the_plugin(wasm: Wasm, lines: list[str]) -> None:
    with conductor.Plugin(wasm("hostile-panic"), on_output=lines.append) as plugin:
        with pytest.raises(conductor.PluginCrashed) as caught:
            plugin.execute()
    assert caught.value.plugin == "hostile_panic"
    assert any("deliberate panic" in line for line in lines)


def test_filesystem_without_a_grant_is_denied_with_the_fix(wasm: Wasm) -> None:
    with pytest.raises(conductor.CapabilityDenied) as caught:
        conductor.Plugin(wasm("file-logger-plugin"))
    err = caught.value
    assert isinstance(err, conductor.PluginLoadError)
    assert err.capability == "Filesystem"
    assert err.plugin == "file_logger_plugin"
    assert "grant" in str(err)


@pytest.mark.parametrize(
    ("name", "looks_like"),
    [("not-wasm.wasm", 'a text file starting with "#!/bin/sh"'), ("empty.wasm", "an empty file")],
)
def test_a_file_that_is_not_webassembly_does_not_load(name: str, looks_like: str) -> None:
    with pytest.raises(conductor.PluginLoadError) as caught:
        conductor.Plugin(FIXTURES / name)
    assert caught.value.plugin == Path(name).stem
    message = str(caught.value)
    assert "it is not a WebAssembly module (no \\0asm header)" in message
    assert f"it looks like {looks_like}" in message
    assert "cargo build --target wasm32-wasip1 --release" in message


def test_a_missing_plugin_file_says_how_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(conductor.PluginLoadError, match="cargo build --target wasm32-wasip1"):
        conductor.Plugin(tmp_path / "nope.wasm")


def test_garbage_capabilities_and_unknown_capabilities_do_not_load(wasm: Wasm) -> None:
    with pytest.raises(conductor.PluginLoadError, match="capabilities"):
        conductor.Plugin(wasm("hostile-bad-caps"))
    with pytest.raises(conductor.PluginLoadError, match="Teleport"):
        conductor.Plugin(wasm("hostile-unknown-cap"))


def test_invalid_toml_is_a_config_error_with_its_position(tmp_path: Path) -> None:
    config = tmp_path / "broken.toml"
    config.write_text('[[modes]]\nname = "Default"\n[[modes.mappings]]\ntrigger = { Note = { note = 60 }\n')
    with pytest.raises(conductor.ConfigError) as caught:
        conductor.Engine.from_file(config)
    err = caught.value
    assert err.line == 4
    assert err.column is not None
    assert err.path == config
    assert str(config) in str(err)


def test_a_config_mistake_is_a_config_error_with_its_line() -> None:
    text = '[[modes]]\nname = "Default"\n[[modes.mappings]]\ntrigger = { Note = { note = 300 } }\naction = { Host = { name = "x" } }\n'
    with pytest.raises(conductor.ConfigError) as caught:
        conductor.Engine.from_toml(text)
    assert caught.value.line == 4
    assert caught.value.path is None


def test_an_unsigned_plugin_is_refused_when_signatures_are_required(wasm: Wasm) -> None:
    with pytest.raises(conductor.SignatureError) as caught:
        conductor.Plugin(wasm("noop-plugin"), signature_policy="require")
    assert "not signed" in str(caught.value) or "unsigned" in str(caught.value)


def test_a_missing_config_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as caught:
        conductor.Engine.from_file(tmp_path / "missing.toml")
    assert caught.value.filename == tmp_path / "missing.toml"


def test_an_unknown_signature_policy_is_a_value_error(wasm: Wasm) -> None:
    with pytest.raises(ValueError, match="allow, warn, require"):
        conductor.Plugin(wasm("noop-plugin"), signature_policy="strict")
