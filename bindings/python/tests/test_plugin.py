"""conductor.Plugin with the guide's plugins and the host's helper plugins."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

import conductor_midi as conductor

Wasm = Callable[[str], Path]


def test_guide_first_plugin_prints_through_its_lifecycle(wasm: Wasm, lines: list[str]) -> None:
    with conductor.Plugin(wasm("my-midi-plugin"), on_output=lines.append) as plugin:
        assert lines == ["Plugin initialized"]
        plugin.execute({"message": "Hello from MIDI!"})
        assert lines[-1] == "Received message: Hello from MIDI!"
        assert plugin.name == "my_midi_plugin"
        assert plugin.capabilities == []
        assert not plugin.closed
    assert lines[-1] == "Plugin shutting down"
    assert plugin.closed


def test_plugin_output_goes_to_logging_by_default(wasm: Wasm, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    with conductor.Plugin(wasm("my-midi-plugin")) as plugin:
        plugin.execute({"message": "to the log"})
    plugin_records = [r for r in caplog.records if r.name == "conductor.plugin.my_midi_plugin"]
    assert [r.getMessage() for r in plugin_records] == [
        "Plugin initialized",
        "Received message: to the log",
        "Plugin shutting down",
    ]
    assert all(r.levelno == logging.INFO for r in plugin_records)


def test_guide_params_that_do_not_parse_return_the_guides_error_code(wasm: Wasm, lines: list[str]) -> None:
    with conductor.Plugin(wasm("my-midi-plugin"), on_output=lines.append) as plugin:
        with pytest.raises(conductor.PluginError) as caught:
            plugin.execute({"not_message": 1})
    assert caught.value.code == 1
    assert any(line.startswith("Failed to parse params") for line in lines)


def test_guide_http_plugin_declares_network_which_is_granted_automatically(wasm: Wasm, lines: list[str]) -> None:
    with conductor.Plugin(wasm("http-request-plugin"), on_output=lines.append) as plugin:
        assert plugin.capabilities == ["Network"]
        plugin.execute({"url": "https://example.com", "method": "GET"})
    assert "Making GET request to https://example.com" in lines


def test_guide_file_logger_writes_inside_its_data_dir(wasm: Wasm, tmp_path: Path) -> None:
    data = tmp_path / "logger-data"
    with conductor.Plugin(wasm("file-logger-plugin"), grants=["Filesystem"], data_dir=data) as plugin:
        assert plugin.capabilities == ["Filesystem"]
        plugin.execute({"message": "first", "level": "info"})
        plugin.execute({"message": "second", "level": "warn"})
    log = (data / "plugin.log").read_text().splitlines()
    assert len(log) == 2
    assert log[0].endswith("] info: first")
    assert log[1].endswith("] warn: second")


def test_guide_velocity_plugin_reads_the_context(wasm: Wasm, lines: list[str]) -> None:
    with conductor.Plugin(wasm("velocity-plugin"), on_output=lines.append) as plugin:
        assert plugin.accepts_context
        plugin.execute_with_context({"action": "kick"}, {"velocity": 20, "mode": 0})
        plugin.execute_with_context({"action": "snare"}, {"velocity": 64})
        plugin.execute_with_context({"action": "crash"}, '{"velocity": 127}')
    assert lines == ["Soft press: kick", "Medium press: snare", "Hard press: crash"]


def test_guide_capabilities_example_needs_its_filesystem_grant(wasm: Wasm) -> None:
    with conductor.Plugin(wasm("capabilities-plugin"), grants=["Filesystem"]) as plugin:
        assert plugin.capabilities == ["Network", "Filesystem"]


@pytest.mark.parametrize(
    ("params", "text"),
    [
        ({"a": 1}, '{"a":1}'),
        ('{"raw": "json"}', '{"raw": "json"}'),
        # The bytes arrive as they are; the NUL the plugin prints back is escaped in its
        # output line, like every control character a plugin prints.
        (b"\x00bytes as they are", "\\u{0}bytes as they are"),
        (bytearray(b"[1,2]"), "[1,2]"),
        ([1, 2], "[1,2]"),
        (None, "{}"),
    ],
)
def test_params_reach_the_plugin_as_json_text_or_bytes(
    wasm: Wasm, lines: list[str], params: conductor._conductor.JsonPayload, text: str
) -> None:
    with conductor.Plugin(wasm("alloc-plugin"), on_output=lines.append) as plugin:
        plugin.execute(params)
    assert f"params: {text}" in lines
    assert "params from alloc: true" in lines


@pytest.mark.parametrize(
    "value",
    [
        {"name": 'Ünïcode "quoted"\n\t', "n": -3, "x": 1.5, "ok": True, "none": None, "list": [1, (2, 3)], "nested": {"k": []}},
        {"big": 2**70, "inf_free": [0.1, 1e300]},
    ],
)
def test_dict_params_arrive_as_the_json_python_would_write(
    wasm: Wasm, lines: list[str], value: dict[str, object]
) -> None:
    with conductor.Plugin(wasm("alloc-plugin"), on_output=lines.append) as plugin:
        plugin.execute(value)
    echoed = next(line for line in lines if line.startswith("params: "))[len("params: ") :]
    assert json.loads(echoed) == json.loads(json.dumps(value))


def test_params_that_are_not_json_serialisable_raise_type_error(wasm: Wasm) -> None:
    with conductor.Plugin(wasm("noop-plugin")) as plugin:
        with pytest.raises(TypeError, match="JSON-serialisable"):
            plugin.execute({"when": object()})


def test_the_instance_persists_between_calls_and_is_replaced_after_a_trap(wasm: Wasm, lines: list[str]) -> None:
    with conductor.Plugin(wasm("counter-plugin"), on_output=lines.append) as plugin:
        plugin.execute()
        plugin.execute()
        with pytest.raises(conductor.PluginCrashed):
            plugin.execute({"trap": True})
        plugin.execute()
    counts = [line for line in lines if line.startswith("count=")]
    assert counts == ["count=1", "count=2", "count=3", "count=1"]


def test_close_is_idempotent_and_a_closed_plugin_cannot_be_called(wasm: Wasm, lines: list[str]) -> None:
    plugin = conductor.Plugin(wasm("my-midi-plugin"), on_output=lines.append)
    plugin.close()
    plugin.close()
    assert lines.count("Plugin shutting down") == 1
    with pytest.raises(ValueError, match="closed"):
        plugin.execute({"message": "too late"})


def test_name_and_path_and_digest(wasm: Wasm) -> None:
    import hashlib

    path = wasm("noop-plugin")
    with conductor.Plugin(str(path), name="quiet") as plugin:
        assert plugin.name == "quiet"
        assert plugin.path == path
        assert plugin.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        assert "quiet" in repr(plugin)


def test_an_exception_in_on_output_is_raised_after_the_call_and_logged(
    wasm: Wasm, caplog: pytest.LogCaptureFixture
) -> None:
    raised: list[str] = []

    def broken(line: str) -> None:
        if line.startswith("Received") and not raised:
            raised.append(line)
            raise RuntimeError("output callback broke")

    with conductor.Plugin(wasm("my-midi-plugin"), on_output=broken) as plugin:
        with pytest.raises(RuntimeError, match="output callback broke"):
            plugin.execute({"message": "x"})
        # The plugin is unharmed and the exception is not raised twice.
        plugin.execute({"message": "y"})
    assert any("on_output" in r.getMessage() for r in caplog.records if r.name == "conductor")


def test_unknown_grant_names_are_value_errors(wasm: Wasm) -> None:
    with pytest.raises(ValueError, match="Teleport"):
        conductor.Plugin(wasm("noop-plugin"), grants=["Teleport"])


def test_the_gil_is_released_while_a_plugin_runs(wasm: Wasm, tmp_path: Path) -> None:
    """This thread runs Python while another thread's plugin call is in progress.

    release-wait-plugin prints "waiting for /release" when its call starts and returns
    only once the file ``release`` exists in its data folder. This thread writes that
    file after the call has started: had the call kept the GIL, this thread could not
    run until the call ended, which would then be by its 30 s deadline, as a Timeout.
    """
    started = threading.Event()
    lines: list[str] = []

    def on_output(line: str) -> None:
        lines.append(line)
        if "waiting for /release" in line:
            started.set()

    plugin = conductor.Plugin(
        wasm("release-wait-plugin"),
        grants=["Filesystem"],
        data_dir=tmp_path,
        timeout=30,
        on_output=on_output,
    )
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            plugin.execute({})
            outcome.append(None)
        except BaseException as e:  # reported below, on the test's thread
            outcome.append(e)

    worker = threading.Thread(target=run)
    worker.start()
    try:
        assert started.wait(timeout=60), f"the call never started: {lines}"
        # Python runs on this thread while the call is still in progress.
        (tmp_path / "release").write_text("go")
    finally:
        worker.join(timeout=120)
    assert not worker.is_alive()
    plugin.close()
    assert outcome == [None], outcome
    assert lines == ["waiting for /release", "released"]
