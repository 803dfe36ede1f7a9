"""The engine's execution model seen from Python: callbacks that call back into the
engine, slow steps beside fast ones, event time in process(), timestamps in on_midi_out,
and methods that wait releasing the GIL for the callbacks they wait on."""

from __future__ import annotations

import faulthandler
import functools
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import conductor_midi as conductor

Wasm = Callable[[str], Path]
LogLine = tuple[str, "str | None", str]

TRIGGER = bytes([0xB0, 1, 1])
PROCESSED = bytes([0xB0, 2, 2])

# Note 10 sends MIDI then runs a host action; notes 20 and 21 are what callbacks fire
# when they call back into the engine.
REENTRY_CONFIG = """
[[modes]]
name = "A"
[[modes.mappings]]
description = "trigger"
trigger = { Note = { note = 10 } }
action = { Sequence = { actions = [ { SendMidi = { bytes = [0xB0, 1, 1] } }, { Host = { name = "trigger" } } ] } }
[[modes.mappings]]
description = "processed"
trigger = { Note = { note = 20 } }
action = { SendMidi = { bytes = [0xB0, 2, 2] } }
[[modes.mappings]]
description = "pushed"
trigger = { Note = { note = 21 } }
action = { Host = { name = "pushed" } }

[[modes]]
name = "B"
"""

CALLBACKS = ["on_midi_out", "on_action", "on_fired"]


@pytest.fixture(autouse=True)
def deadlock_watchdog() -> Iterator[None]:
    """A deadlock with the GIL held would stop every Python thread, timeouts included:
    faulthandler's own thread then dumps the stacks and ends the run instead of letting
    it hang."""
    faulthandler.dump_traceback_later(120, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


class Harness:
    """An engine on REENTRY_CONFIG whose callback ``which`` runs ``inside(engine)`` once,
    when the note-10 chain reaches it; every callback records what it saw."""

    def __init__(self, which: str, inside: Callable[[conductor.Engine], None]) -> None:
        self.which = which
        self.inside = inside
        self.midi: list[bytes] = []
        self.actions: list[str] = []
        self.fired: list[str] = []
        self.callback_thread: int | None = None
        self.done = threading.Event()
        self.engine = conductor.Engine.from_toml(
            REENTRY_CONFIG, on_midi_out=self.on_midi_out, on_action=self.on_action, on_fired=self.on_fired
        )

    def reenter(self, which: str) -> None:
        if which == self.which:
            self.callback_thread = threading.get_ident()
            self.inside(self.engine)
            self.done.set()

    def on_midi_out(self, data: bytes) -> None:
        self.midi.append(data)
        if data == TRIGGER:
            self.reenter("on_midi_out")

    def on_action(self, action: conductor.HostAction) -> None:
        self.actions.append(action.name)
        if action.name == "trigger":
            self.reenter("on_action")

    def on_fired(self, fired: conductor.Fired) -> None:
        self.fired.append(fired.label)
        if fired.label == "trigger":
            self.reenter("on_fired")


def close_within(engine: conductor.Engine, seconds: float) -> None:
    """engine.close() on another thread, failing (instead of hanging) if it does not return."""
    errors: list[BaseException] = []

    def close() -> None:
        try:
            engine.close()
        except BaseException as e:  # handed to the test below
            errors.append(e)

    closer = threading.Thread(target=close, daemon=True)
    closer.start()
    closer.join(seconds)
    assert not closer.is_alive(), "Engine.close() did not return"
    if errors:
        raise errors[0]


@pytest.mark.parametrize("which", CALLBACKS)
def test_a_callback_on_the_engine_thread_may_call_the_engine(which: str) -> None:
    seen: dict[str, object] = {}

    def inside(engine: conductor.Engine) -> None:
        seen["mode"] = engine.mode
        fired = engine.process([0x90, 20, 1])
        seen["processed"] = [(f.label, [o.action for o in f.outcomes], f.ok) for f in fired]
        seen["pushed"] = engine.push([0x90, 21, 1])
        engine.mode = "B"
        seen["mode after"] = engine.mode
        engine.mode = "A"
        seen["plugins"] = engine.plugins
        with pytest.raises(ValueError) as waited:
            engine.wait_idle(timeout=1)
        seen["wait_idle"] = str(waited.value)

    h = Harness(which, inside)
    with h.engine as engine:
        assert engine.push([0x90, 10, 1])
        # Neither the callback nor the event it pushed deadlocks the engine.
        assert engine.wait_idle(timeout=10) is True
        assert h.done.is_set()
    assert h.callback_thread is not None and h.callback_thread != threading.get_ident()
    assert seen["mode"] == "A"
    assert seen["mode after"] == "B"
    assert seen["plugins"] == []
    # process() from the callback ran on its thread, its SendMidi went to on_midi_out
    # (called again, nested), and push() queued an event handled after the chain.
    assert seen["processed"] == [("processed", ["SendMidi"], True)]
    assert seen["pushed"] is True
    assert h.midi == [TRIGGER, PROCESSED]
    assert h.actions == ["trigger", "pushed"]
    # on_fired reports what push() started, not what process() returned.
    assert h.fired == ["trigger", "pushed"]
    assert seen["wait_idle"] == (
        "wait_idle cannot be called from a callback running on the engine's own threads: the "
        "engine would wait for itself. Return from the callback first, or wait on another thread"
    )


@pytest.mark.parametrize("which", CALLBACKS)
def test_close_from_a_callback_returns_and_the_engine_stops_after_it(which: str) -> None:
    seen: dict[str, object] = {}

    def inside(engine: conductor.Engine) -> None:
        engine.close()  # deferred: the engine thread cannot wait for itself
        seen["closed"] = engine.closed
        with pytest.raises(ValueError, match="shut down") as refused:
            engine.process([0x90, 20, 1])
        seen["process"] = str(refused.value)
        engine.close()  # a second close is still fine

    h = Harness(which, inside)
    engine = h.engine
    assert engine.push([0x90, 10, 1])
    assert h.done.wait(10), "the callback did not run, or raised (see the log)"
    assert seen == {"closed": True, "process": "the engine has been shut down"}
    # close() from here joins the engine thread, which stopped once the callback
    # returned; a callback exception (a PanicException before) would be raised here.
    close_within(engine, 10)
    assert engine.closed
    with pytest.raises(ValueError, match="shut down"):
        engine.process([0x90, 20, 1])
    with pytest.raises(ValueError, match="shut down"):
        engine.tick()


def test_a_callback_on_a_plugin_worker_may_use_the_engine_but_not_call_plugins_synchronously(wasm: Wasm) -> None:
    config = f"""
[[modes]]
name = "Default"
[[modes.mappings]]
description = "plugin"
trigger = {{ Note = {{ note = 30 }} }}
action = {{ WasmPlugin = {{ path = "{wasm("sdk-midi-plugin").as_posix()}", params = {{ bytes = [0xB0, 3, 3] }} }} }}
[[modes.mappings]]
description = "processed"
trigger = {{ Note = {{ note = 20 }} }}
action = {{ SendMidi = {{ bytes = [0xB0, 2, 2] }} }}
"""
    midi: list[tuple[bytes, int]] = []
    seen: dict[str, object] = {}

    def on_midi_out(data: bytes, timestamp_us: int) -> None:
        midi.append((data, timestamp_us))
        if data != bytes([0xB0, 3, 3]) or seen:
            return
        engine = holder[0]
        seen["mode"] = engine.mode
        seen["processed"] = [f.ok for f in engine.process([0x90, 20, 1], timestamp_us=7)]
        [plugin] = engine.process([0x90, 30, 1], timestamp_us=8)
        [outcome] = plugin.outcomes
        seen["plugin error"] = outcome.error
        with pytest.raises(ValueError, match="wait for itself"):
            engine.wait_idle()

    holder: list[conductor.Engine] = []
    with conductor.Engine.from_toml(config, on_midi_out=on_midi_out) as engine:
        holder.append(engine)
        assert engine.push([0x90, 30, 1], timestamp_us=5)
        assert engine.wait_idle(timeout=10)
    assert seen["mode"] == "Default"
    assert seen["processed"] == [True]
    error = seen["plugin error"]
    assert isinstance(error, ValueError)
    assert "cannot be called synchronously from inside a plugin call" in str(error)
    # MIDI a plugin sends carries the time of the event its call serves.
    assert midi == [(bytes([0xB0, 3, 3]), 5), (PROCESSED, 7)]


def sleep_config(wasm: Wasm, *, delay_ms: int, sleep_ms: int) -> str:
    return f"""
[[modes]]
name = "Default"
[[modes.mappings]]
description = "slow delay"
trigger = {{ Note = {{ note = 60 }} }}
action = {{ Sequence = {{ actions = [ {{ Delay = {{ ms = {delay_ms} }} }}, {{ SendMidi = {{ bytes = [0xB0, 60, 1] }} }} ] }} }}
[[modes.mappings]]
description = "slow plugin"
trigger = {{ Note = {{ note = 60 }} }}
action = {{ WasmPlugin = {{ path = "{wasm("sleep-plugin").as_posix()}", params = {{ ms = {sleep_ms}, tag = "slow" }} }} }}
[[modes.mappings]]
description = "echo"
trigger = {{ Note = {{ note = 61 }} }}
action = {{ SendMidi = {{ bytes = [0xB0, 61, 1] }} }}
"""


def test_a_slow_plugin_and_a_long_delay_on_one_pad_do_not_hold_up_another(wasm: Wasm) -> None:
    events: list[tuple[str, object]] = []
    stamps: dict[bytes, int] = {}

    def on_midi_out(data: bytes, timestamp_us: int) -> None:
        events.append(("midi", data))
        stamps[data] = timestamp_us

    def on_log(level: str, plugin: str | None, message: str) -> None:
        if plugin == "sleep_plugin":
            events.append(("plugin", message))

    fired: dict[str, conductor.Fired] = {}

    def on_fired(f: conductor.Fired) -> None:
        events.append(("fired", f.label))
        fired[f.label] = f

    with conductor.Engine.from_toml(
        sleep_config(wasm, delay_ms=1500, sleep_ms=800), on_midi_out=on_midi_out, on_log=on_log, on_fired=on_fired
    ) as engine:
        assert engine.push([0x90, 60, 100], timestamp_us=1_000_000)
        assert engine.push([0x90, 61, 100], timestamp_us=1_000_100)
        assert engine.wait_idle(timeout=30)
        assert engine.refused_plugin_calls == 0

    echo, slow = ("midi", bytes([0xB0, 61, 1])), ("midi", bytes([0xB0, 60, 1]))
    woke = ("plugin", "woke slow")
    assert {echo, slow, woke} <= set(events)
    # Pad 61 was pushed after pad 60, but its echo came first, before the plugin woke
    # and before the delay ended; each chain was reported once it finished.
    assert events.index(echo) < events.index(woke)
    assert events.index(echo) < events.index(slow)
    assert events.index(("fired", "echo")) < events.index(("fired", "slow plugin"))
    assert events.index(("fired", "echo")) < events.index(("fired", "slow delay"))
    assert events.index(woke) < events.index(("fired", "slow plugin"))
    assert events.index(slow) < events.index(("fired", "slow delay"))
    # MIDI is stamped with the event time plus the delays passed, whenever it is sent.
    assert stamps == {bytes([0xB0, 61, 1]): 1_000_100, bytes([0xB0, 60, 1]): 2_500_000}
    # on_fired gets one finished record per chain, with every step.
    assert [(o.action, o.ok) for o in fired["slow delay"].outcomes] == [("Delay", True), ("SendMidi", True)]
    [sleep] = fired["slow plugin"].outcomes
    assert (sleep.action, sleep.plugin, sleep.ok) == ("WasmPlugin", "sleep_plugin", True)
    assert sleep.elapsed >= 0.75  # it slept 0.8 s
    assert not any(f.pending or f.resumed for f in fired.values())


def test_calls_beyond_a_busy_plugins_mailbox_are_refused_and_counted(wasm: Wasm) -> None:
    config = f"""
[[modes]]
name = "Default"
[[modes.mappings]]
trigger = {{ Note = {{ note = 60 }} }}
action = {{ WasmPlugin = {{ path = "{wasm("sleep-plugin").as_posix()}", params = {{ ms = 1500, tag = "busy" }} }} }}
[[modes.mappings]]
trigger = {{ Note = {{ note = 61 }} }}
action = {{ WasmPlugin = {{ path = "{wasm("sleep-plugin").as_posix()}", params = {{ ms = 0, tag = "quick" }} }} }}
"""
    failed: list[conductor.Outcome] = []

    def on_fired(f: conductor.Fired) -> None:
        failed.extend(o for o in f.outcomes if not o.ok)

    # One worker per plugin: while it sleeps on the first call, the quick calls fill its
    # mailbox (1024 waiting) and the rest are refused without holding up the engine.
    quick_calls = 1024 + 100
    with conductor.Engine.from_toml(
        config, on_fired=on_fired, on_log=lambda *line: None, queue_capacity=2048
    ) as engine:
        assert engine.push([0x90, 60, 1])
        for _ in range(quick_calls):
            assert engine.push([0x90, 61, 1])
        assert engine.wait_idle(timeout=60)
        refused = engine.refused_plugin_calls
    # 100, or 101 when the busy call was still in the mailbox as it filled.
    assert 100 <= refused <= 101
    assert len(failed) == refused
    assert all(isinstance(o.error, ValueError) and "is busy" in str(o.error) for o in failed)


DELAY_CONFIG = """
[[modes]]
name = "Default"
[[modes.mappings]]
description = "later"
trigger = { Note = { note = 60 } }
action = { Sequence = { actions = [ { SendMidi = { bytes = [0xB0, 1, 1] } }, { Delay = { ms = 250 } }, { SendMidi = { bytes = [0xB0, 1, 2] } } ] } }
[[modes.mappings]]
description = "now"
trigger = { Note = { note = 61 } }
action = { SendMidi = { bytes = [0xB0, 2, 1] } }
"""


def test_process_follows_event_time_through_delays() -> None:
    sent: list[tuple[bytes, int]] = []

    def on_midi_out(data: bytes, timestamp_us: int) -> None:
        sent.append((data, timestamp_us))

    with conductor.Engine.from_toml(DELAY_CONFIG, on_midi_out=on_midi_out) as engine:
        assert engine.next_due() is None
        [first] = engine.process([0x90, 60, 100], timestamp_us=1_000_000)
        assert (first.label, first.pending, first.resumed) == ("later", True, False)
        assert [o.action for o in first.outcomes] == ["SendMidi", "Delay"]
        assert "pending=True" in repr(first)
        assert engine.next_due() == 1_250_000
        # Not yet due: an event in between runs alone, and so does a tick before it.
        [now] = engine.process([0x90, 61, 1], timestamp_us=1_100_000)
        assert (now.label, now.pending, now.resumed) == ("now", False, False)
        assert engine.tick(1_249_999) == []
        [rest] = engine.tick(1_250_000)
        assert (rest.label, rest.pending, rest.resumed) == ("later", False, True)
        assert [o.action for o in rest.outcomes] == ["SendMidi"]
        assert rest.context["timestamp_us"] == 1_000_000  # the triggering event's
        assert engine.next_due() is None

        # A later process() first runs what fell due before its timestamp.
        engine.process([0x90, 60, 100], timestamp_us=2_000_000)
        resumed, now = engine.process([0x90, 61, 1], timestamp_us=3_000_000)
        assert (resumed.label, resumed.resumed, now.label, now.resumed) == ("later", True, "now", False)
    assert sent == [
        (bytes([0xB0, 1, 1]), 1_000_000),
        (bytes([0xB0, 2, 1]), 1_100_000),
        (bytes([0xB0, 1, 2]), 1_250_000),
        (bytes([0xB0, 1, 1]), 2_000_000),
        (bytes([0xB0, 1, 2]), 2_250_000),
        (bytes([0xB0, 2, 1]), 3_000_000),
    ]


def test_a_replay_drains_delayed_steps_with_next_due_and_tick() -> None:
    with conductor.Engine.from_toml(DELAY_CONFIG, on_midi_out=lambda data: None) as engine:
        for ts in (0, 100_000, 200_000):
            engine.process([0x90, 60, 100], timestamp_us=ts)
        done: list[tuple[int, str, bool]] = []
        while (due := engine.next_due()) is not None:
            done += [(due, f.label, f.resumed) for f in engine.tick(due)]
    assert done == [(250_000, "later", True), (350_000, "later", True), (450_000, "later", True)]


def test_close_drops_steps_still_waiting_on_a_delay() -> None:
    sent: list[bytes] = []
    with conductor.Engine.from_toml(DELAY_CONFIG, on_midi_out=sent.append) as engine:
        engine.process([0x90, 60, 100], timestamp_us=0)
        assert engine.next_due() == 250_000
    assert sent == [bytes([0xB0, 1, 1])]


class TwoArgs:
    def __init__(self, calls: list[tuple[object, ...]]) -> None:
        self.calls = calls

    def method(self, data: bytes, timestamp_us: int) -> None:
        self.calls.append((data, timestamp_us))

    def __call__(self, data: bytes) -> None:
        self.calls.append((data,))


def test_on_midi_out_gets_the_timestamp_when_it_accepts_two_arguments() -> None:
    calls: list[tuple[object, ...]] = []

    def one(data: bytes) -> None:
        calls.append((data,))

    def two(data: bytes, timestamp_us: int) -> None:
        calls.append((data, timestamp_us))

    def defaulted(data: bytes, timestamp_us: int = -1) -> None:
        calls.append((data, timestamp_us))

    def star(data: bytes, *rest: int) -> None:
        calls.append((data, *rest))

    def tagged(tag: str, data: bytes) -> None:
        calls.append((data,))

    appended: list[bytes] = []
    cases: list[tuple[str, conductor._conductor.MidiOutHandler, bool]] = [
        ("one argument", one, False),
        ("lambda", lambda data: calls.append((data,)), False),
        ("callable object", TwoArgs(calls), False),
        ("partial", functools.partial(tagged, "t"), False),
        ("builtin method", appended.append, False),
        ("two arguments", two, True),
        ("defaulted timestamp", defaulted, True),
        ("*args", star, True),
        ("bound method", TwoArgs(calls).method, True),
    ]
    echo = bytes([0xB0, 2, 1])
    for name, callback, with_time in cases:
        calls.clear()
        appended.clear()
        with conductor.Engine.from_toml(DELAY_CONFIG, on_midi_out=callback) as engine:
            engine.process([0x90, 61, 1], timestamp_us=42)
            assert engine.push([0x90, 61, 1], timestamp_us=43)
            assert engine.wait_idle(timeout=10)
        got = [(data,) for data in appended] if name == "builtin method" else calls
        expected = [(echo, 42), (echo, 43)] if with_time else [(echo,), (echo,)]
        assert got == expected, name


# Every engine call below waits for a sleep-plugin call whose output is delivered to
# Python (on_log takes the GIL on the plugin's worker thread): a call holding the GIL
# meanwhile would deadlock, with the GIL held, so nothing in that process could report
# it. The scenario therefore runs in a child process that a timeout ends.
GIL_SCENARIO = """
import sys
import time

import conductor_midi as conductor

config = sys.argv[1]
woke = []

def on_log(level, plugin, message):
    if plugin == "sleep_plugin":
        woke.append(message)

def step(text):
    print(text, flush=True)

engine = conductor.Engine.from_toml(config, on_log=on_log)
engine.push([0x90, 60, 1])
delayed, plugin = engine.process([0x90, 60, 1])  # queued behind the pushed call
step(f"process {plugin.ok} {delayed.pending}")
engine.push([0x90, 60, 1])
time.sleep(0.05)  # the call has started
step(f"plugins {engine.plugins}")  # waits for the running call
engine.push([0x90, 60, 1])
engine.reload(toml=config)
step(f"reload {engine.plugins}")
step(f"tick {[f.resumed for f in engine.tick()]}")
step(f"wait_idle {engine.wait_idle(timeout=10)}")
engine.push([0x90, 60, 1])
# Closing waits for the worker: a call already running is cancelled (4 woke), one not
# yet started runs first (5 woke); either way close returns with the GIL released.
engine.close()
step(f"closed {engine.closed} {woke.count('woke slow') in (4, 5)}")
"""


def test_methods_that_wait_release_the_gil_for_the_callbacks_they_wait_on(wasm: Wasm) -> None:
    config = sleep_config(wasm, delay_ms=10, sleep_ms=150)
    try:
        result = subprocess.run(
            [sys.executable, "-c", GIL_SCENARIO, config], capture_output=True, text=True, timeout=60
        )
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else e.stdout
        pytest.fail(f"deadlock; the scenario got as far as: {out!r}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "process True True",
        "plugins ['sleep_plugin']",
        "reload ['sleep_plugin']",
        "tick [True]",
        "wait_idle True",
        "closed True True",
    ]
