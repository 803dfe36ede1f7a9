"""Shared fixtures: the example plugins and an isolated data/cache/trust environment."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
PLUGINS = REPO / "examples" / "plugins"
# Hostile plugins and ABI helpers only the tests use (a workspace of their own).
TEST_PLUGINS = REPO / "tests" / "fixtures" / "plugins"
FIXTURES = REPO / "tests" / "fixtures" / "files"

# The plugin author's guide, "5. Test the Plugin": test_config.toml, verbatim. Its path is
# relative to examples/plugins, where the plugins are built.
GUIDE_CONFIG = """\
[[modes]]
name = "Default"
[[modes.mappings]]
trigger = { Note = { note = 60 } } # Middle C
action = { WasmPlugin = {
path = "target/wasm32-wasip1/release/my_midi_plugin.wasm",
params = {
"message": "Hello from MIDI!"
}
}}
"""


def wasm_path(crate: str) -> Path:
    """The built .wasm of a plugin crate (``my-midi-plugin``, ``hostile-loop``), from the
    workspace holding the crate's folder: examples/plugins or tests/fixtures/plugins."""
    workspace = TEST_PLUGINS if (TEST_PLUGINS / crate / "Cargo.toml").is_file() else PLUGINS
    path = workspace / "target" / "wasm32-wasip1" / "release" / (crate.replace("-", "_") + ".wasm")
    if not path.exists():
        pytest.fail(f"{path} is missing: build the example plugins with scripts/build-plugins.sh")
    return path


@pytest.fixture
def wasm() -> Callable[[str], Path]:
    """``wasm("noop-plugin")`` → the built plugin's path."""
    return wasm_path


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Plugin data folders, the module cache and the trust store under a temp folder,
    so tests never touch the user's."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("CONDUCTOR_PLUGIN_DATA_DIR", str(home / "plugin-data"))
    monkeypatch.setenv("HOME", str(home))
    # One compiled-module cache for the whole session keeps the suite fast.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))
    yield home


@pytest.fixture
def lines() -> list[str]:
    """A list to collect output lines into (``on_output=lines.append``)."""
    return []


def data_root() -> Path:
    """The plugin data root the isolated environment set."""
    return Path(os.environ["CONDUCTOR_PLUGIN_DATA_DIR"])
