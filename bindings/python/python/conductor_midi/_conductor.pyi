"""Type stubs for the compiled module ``conductor_midi._conductor``.

Import ``conductor_midi`` (``import conductor_midi as conductor``); it re-exports
everything here.
"""

import os
from pathlib import Path
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, Literal, Protocol, TypedDict, Union, final, overload

from typing_extensions import Self, Unpack

__version__: str

DEFAULT_FUEL: int
"""Instructions a plugin may run per call unless told otherwise (100,000,000)."""
DEFAULT_MEMORY_LIMIT: int
"""Linear memory a plugin may use, in bytes, unless told otherwise (128 MiB)."""
DEFAULT_TIMEOUT: float
"""Wall-clock deadline per plugin call, in seconds, unless told otherwise."""

StrPath = Union[str, "os.PathLike[str]"]
"""A file system path."""

JsonPayload = Union[bytes, bytearray, str, Mapping[str, Any], Sequence[Any], int, float, bool, None]
"""Plugin params or context: bytes as they are, a str of JSON, or a value for ``json.dumps``."""

class _HasBytes(Protocol):
    """Anything with a ``bytes()`` method returning the message's bytes (a ``mido.Message``)."""

    def bytes(self) -> list[int]: ...

MidiMessage = Union[bytes, bytearray, Sequence[int], _HasBytes]
"""A MIDI message: bytes, a list of ints 0-255, or a ``mido.Message``."""

MidiOutHandler = Union[Callable[[bytes], object], Callable[[bytes, int], object]]
"""``Engine``'s ``on_midi_out``: ``(data)`` or ``(data, timestamp_us)``. Which one is
decided once, when the engine is built: a callable that accepts two positional
arguments (``inspect.signature(f).bind(data, 0)`` succeeds, so also ``f(data, *args)``
or ``f(data, timestamp_us=0)``) gets the timestamp; any other gets the bytes alone.
``timestamp_us`` is the time the message belongs to, in microseconds on the clock of
the input timestamps: the triggering event's ``timestamp_us`` plus the delays its chain
has passed (for MIDI a plugin sends, the time of the event its call serves)."""

HostRequestHandler = Callable[[str, str, Any], Any]
"""``(plugin, capability, data) -> answer``: answers a plugin's ``system_request``
(capability ``"SystemControl"``) or ``audio_request`` (``"Audio"``). ``data`` is the JSON
the plugin sent; the return value goes back to it as JSON. Raising refuses the request
with the exception's text (the exception is logged, not raised again)."""

# ---------------------------------------------------------------------------------------
# Exceptions

class ConductorError(Exception):
    """Base class of every error Conductor raises for its own reasons.

    Invalid arguments raise ``ValueError``/``TypeError`` and unreadable files ``OSError``,
    as elsewhere in Python.
    """

    message: str
    """The full message (also ``str(error)``)."""

class ConfigError(ConductorError):
    """The configuration is invalid."""

    path: Path | None
    """The config file, when the config came from one."""
    line: int | None
    """1-based line of the problem, when known."""
    column: int | None
    """1-based column of the problem, when known."""
    reason: str
    """What is wrong and how to fix it, without the position."""

class PluginLoadError(ConductorError):
    """A plugin could not be loaded: not WebAssembly, bad exports, imports or capabilities."""

    plugin: str
    """The plugin's name."""
    reason: str
    """Why, and what to do about it."""

class CapabilityDenied(PluginLoadError):
    """A plugin declares a capability that was not granted."""

    capability: str
    """The missing capability (or capabilities), by name."""

class PluginError(ConductorError):
    """A plugin call failed."""

    plugin: str
    """The plugin's name."""
    code: int | None
    """The plugin's non-zero return code; None when the host stopped the call."""

class OutOfFuel(PluginError):
    """A plugin used up its instruction budget in one call."""

    limit: int
    """The budget, in instructions."""

class MemoryLimitExceeded(PluginError):
    """A plugin tried to grow its memory past its limit."""

    limit: int
    """The limit, in bytes."""

class Timeout(PluginError):
    """A plugin call ran past its wall-clock deadline."""

    limit: float
    """The deadline, in seconds."""

class PluginCrashed(PluginError):
    """A plugin trapped: a panic, a memory fault or an explicit exit."""

class PluginCancelled(PluginError):
    """A plugin call was cancelled before it finished: by :meth:`Plugin.cancel`, or by
    the engine closing or reloading without the plugin while the call ran. Not a crash
    (the plugin did nothing wrong); its next call starts a fresh instance. ``code`` is
    None."""

class SignatureError(ConductorError):
    """A plugin signature is missing, invalid or untrusted."""

    plugin: str
    """The plugin file."""
    reason: str
    """What does not match, or what is missing."""

class MidiError(ConductorError):
    """MIDI data could not be used, or a MIDI port could not be opened."""

# ---------------------------------------------------------------------------------------
# Plugins

@final
class Plugin:
    """One sandboxed WebAssembly plugin, loaded and called directly.

    Its instance persists between calls (guest state survives); after a trap a fresh
    instance serves the next call. ``close()``, or leaving a ``with`` block, calls the
    plugin's ``shutdown()`` once.

    Plugin output goes to ``logging.getLogger(f"conductor.plugin.{name}")`` at INFO, or
    to ``on_output(line)`` when given. The GIL is released while the plugin runs.
    """

    def __new__(
        cls,
        path: StrPath,
        *,
        grants: Iterable[str] = ...,
        fuel: int = ...,
        memory_limit: int = ...,
        timeout: float = ...,
        data_dir: StrPath | None = None,
        name: str | None = None,
        on_output: Callable[[str], object] | None = None,
        on_midi_out: Callable[[bytes], object] | None = None,
        on_host_request: HostRequestHandler | None = None,
        allowed_hosts: Iterable[str] = ...,
        signature_policy: str = "warn",
        trust_store: StrPath | None = None,
        cache_dir: StrPath | None = None,
        data_root: StrPath | None = None,
        config: Mapping[str, str] = ...,
        max_output_bytes: int = ...,
        max_var_bytes: int = ...,
    ) -> Self:
        """Loads the plugin at ``path``: compiles it (or takes it from the cache), reads
        its capabilities, checks them against ``grants`` and calls its ``init()``.

        :param grants: capabilities approved for it (``"Filesystem"``, ``"Subprocess"``,
            ``"SystemControl"``); ``Network``, ``Audio`` and ``Midi`` are automatic
            (default: none).
        :param fuel: instructions per call, at least 1 (default ``DEFAULT_FUEL``).
        :param memory_limit: linear memory cap in bytes, at least one 64 KiB page
            (default ``DEFAULT_MEMORY_LIMIT``).
        :param timeout: wall-clock deadline per call, in seconds (at least 1 ms).
        :param data_dir: the folder mounted at ``/`` when Filesystem is granted
            (default: the plugin's own folder under the data root).
        :param name: the name used in log lines and errors (default: the file stem).
        :param on_output: receives each line the plugin prints, instead of ``logging``.
        :param on_midi_out: receives the MIDI messages the plugin sends (Midi capability).
        :param on_host_request: answers the plugin's ``system_request`` / ``audio_request``
            (SystemControl / Audio capabilities); see ``HostRequestHandler``.
        :param allowed_hosts: hosts ``http_request`` may reach (default, or empty: any), e.g.
            ``["api.example.com", "*.example.org", "localhost:8080"]``.
        :param signature_policy: ``"allow"``, ``"warn"`` or ``"require"`` a trusted signature.
        :param trust_store: the trusted-keys file (default ``~/.conductor/trusted_keys.toml``).
        :param cache_dir: where compiled modules are cached.
        :param data_root: root of the per-plugin data folders.
        :param config: static configuration the plugin reads with ``conductor.config_get``
            (keys, URLs, secrets), e.g. ``{"api_key": "..."}`` (default: none).
        :param max_output_bytes: bytes one call may return (default 1 MiB, at most 64 MiB).
        :param max_var_bytes: bytes of host-kept variables, keys and values together
            (default 1 MiB, at most 64 MiB).
        :raises PluginLoadError: the file is missing, not WebAssembly, or malformed.
        :raises CapabilityDenied: it declares a capability that was not granted.
        :raises SignatureError: its signature is invalid, or required and missing.
        :raises ValueError: a limit is out of range (the message names it and the range;
            the same rule as for a config's ``[plugins]`` and the C API).
        """

    @overload
    def execute(self, params: JsonPayload = None, *, json: Literal[False] = False) -> bytes:
        """Calls the plugin's ``execute(params)``; ``None`` sends ``{}``. Returns what the
        call set with ``conductor.output_set`` (``b""`` when nothing), or with
        ``json=True`` the value it parses to (``None`` when nothing).

        :raises PluginError: it returned a non-zero code (``.code``), or a subclass:
            ``OutOfFuel``, ``MemoryLimitExceeded``, ``Timeout``, ``PluginCrashed``,
            ``PluginCancelled`` (another thread called :meth:`cancel`).
        :raises ValueError: ``json=True`` and the output is not JSON.
        """
    @overload
    def execute(self, params: JsonPayload = None, *, json: Literal[True]) -> Any: ...
    @overload
    def execute(self, params: JsonPayload = None, *, json: bool = False) -> Any: ...

    @overload
    def execute_with_context(
        self, params: JsonPayload, context: JsonPayload, *, json: Literal[False] = False
    ) -> bytes:
        """Calls ``execute_with_context(params, context)``, or ``execute(params)`` when
        the plugin exports only that; returns its output as :meth:`execute` does."""
    @overload
    def execute_with_context(self, params: JsonPayload, context: JsonPayload, *, json: Literal[True]) -> Any: ...
    @overload
    def execute_with_context(self, params: JsonPayload, context: JsonPayload, *, json: bool = False) -> Any: ...

    def cancel(self) -> None:
        """Cancels the call running on another thread: it stops at its next loop
        iteration or function call and raises ``PluginCancelled`` (not
        ``PluginCrashed``); the next call gets a fresh instance. Does nothing when no
        call runs. Returns at once."""

    @property
    def vars_file(self) -> Path | None:
        """The file holding the plugin's host-kept variables (``conductor.var_set``), or
        ``None`` when no data root is known."""

    def close(self) -> None:
        """Calls the plugin's ``shutdown()`` once; later calls do nothing."""

    @property
    def name(self) -> str:
        """The name used in log lines and errors."""

    @property
    def path(self) -> Path:
        """The file the plugin was loaded from."""

    @property
    def capabilities(self) -> list[str]:
        """The capabilities the plugin declares, by name."""

    @property
    def sha256(self) -> str:
        """SHA-256 of the wasm file, as lowercase hex."""

    @property
    def accepts_context(self) -> bool:
        """Whether the plugin exports ``execute_with_context``."""

    @property
    def closed(self) -> bool:
        """Whether ``close()`` has been called."""

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

# ---------------------------------------------------------------------------------------
# Engine

@final
class Outcome:
    """One action's result."""

    @property
    def action(self) -> str:
        """The action kind: ``"WasmPlugin"``, ``"SendMidi"``, a host action's name..."""
    @property
    def plugin(self) -> str | None:
        """The plugin's name, for plugin actions."""
    @property
    def ok(self) -> bool:
        """Whether the action succeeded."""
    @property
    def error(self) -> Exception | None:
        """The exception describing the failure (not raised), or None: a
        ``ConductorError`` subclass for a failing plugin (``PluginError``...), a
        ``ValueError`` for a step the engine refused (the plugin's mailbox was full, it
        was unloaded, or it was called synchronously from inside a plugin call)."""
    @property
    def elapsed(self) -> float:
        """How long the action took, in seconds."""

@final
class Fired:
    """A mapping that fired, with the outcome of each action it ran.

    From :meth:`Engine.process` and :meth:`Engine.tick`, a chain that reaches a
    ``Delay`` (or the pause of a ``Repeat``) is reported in parts: the steps run so far
    with ``pending`` set, then the later steps, by the ``process`` or ``tick`` call whose
    timestamp reaches them, with ``resumed`` set. ``on_fired`` gets one record per
    chain, when it has finished (neither flag set).
    """

    @property
    def label(self) -> str:
        """The mapping's description, else "mapping at line N", else the trigger kind."""
    @property
    def mode(self) -> str | None:
        """The mode the mapping belongs to; None for a global mapping."""
    @property
    def description(self) -> str | None:
        """The mapping's description, if the config gives one."""
    @property
    def line(self) -> int | None:
        """The mapping's line in the config file."""
    @property
    def context(self) -> dict[str, Any]:
        """The trigger context, as plugins receive it: ``velocity``, ``mode``,
        ``mode_name``, ``note``, ``channel``, ``cc``, ``value``, ``trigger``,
        ``timestamp_us``, ``port``."""
    @property
    def outcomes(self) -> list[Outcome]:
        """One ``Outcome`` per action run (a sequence reports one per step)."""
    @property
    def ok(self) -> bool:
        """Whether every action (in this record) succeeded."""
    @property
    def pending(self) -> bool:
        """The chain waits on a delay; its later steps come in a later record (see
        :meth:`Engine.next_due`)."""
    @property
    def resumed(self) -> bool:
        """These are the later steps of a chain reported earlier with ``pending`` set."""

@final
class HostAction:
    """A host action (``Keystroke``, ``Launch``, ``Shell``, ``Host``...) for the
    application to carry out."""

    @property
    def name(self) -> str:
        """The action's name, as in the config."""
    @property
    def data(self) -> Any:
        """Its fields as written in the config (usually a dict)."""
    @property
    def context(self) -> dict[str, Any]:
        """What triggered it."""
    def to_dict(self) -> dict[str, Any]:
        """One dict: ``{"action": name, **fields, "context": {...}}``."""

class EngineOptionsFields(TypedDict, total=False):
    """The fields of :class:`EngineOptions`, as keyword arguments of
    :meth:`Engine.from_file` and :meth:`Engine.from_toml` (for type checkers only)."""

    on_action: Callable[[HostAction], object] | None
    on_midi_out: MidiOutHandler | None
    on_log: Callable[[str, str | None, str], object] | None
    approve: Callable[[str, str], bool] | None
    on_fired: Callable[[Fired], object] | None
    on_host_request: HostRequestHandler | None
    grants: Sequence[str]
    plugin_grants: Mapping[str, Sequence[str]]
    port_name: str | None
    queue_capacity: int | None
    signature_policy: str | None
    trust_store: StrPath | None
    cache_dir: StrPath | None
    data_root: StrPath | None

@final
class EngineOptions:
    """How an engine is built beyond its config: one typed object for
    :meth:`Engine.from_file` and :meth:`Engine.from_toml`, built with keyword arguments
    and changed field by field::

        options = conductor.EngineOptions(on_action=print, grants=["Filesystem"])
        options.queue_capacity = 4096
        engine = conductor.Engine.from_file("config.toml", options=options)

    The engine builders also take each field as a keyword argument, applied over the
    options object they are given. A keyword that is not a field raises ``TypeError``.
    """

    on_action: Callable[[HostAction], object] | None
    """Host actions (``Keystroke``...); without it they are logged."""
    on_midi_out: MidiOutHandler | None
    """MIDI from ``SendMidi`` actions and from plugins with the Midi capability:
    ``on_midi_out(data)``, or ``on_midi_out(data, timestamp_us)`` to get the time each
    message belongs to (see ``MidiOutHandler``)."""
    on_log: Callable[[str, str | None, str], object] | None
    """``(level, plugin or None, message)`` for every log line, instead of ``logging``.
    Warnings about the config and about grants naming a plugin the config does not use
    arrive here too."""
    approve: Callable[[str, str], bool] | None
    """``(plugin, capability) -> bool``, asked for capabilities nothing granted; without
    it they refuse the load."""
    on_fired: Callable[[Fired], object] | None
    """Mappings fired by messages that came through ``push()``, one ``Fired`` per chain
    once it has finished (after its delays and plugin calls)."""
    on_host_request: HostRequestHandler | None
    """Answers plugins' ``system_request`` / ``audio_request``."""
    port_name: str | None
    """Reported as ``port`` in trigger contexts."""
    queue_capacity: int | None
    """Size of the ``push()`` queue (default: the config's ``[engine] queue_capacity``)."""
    signature_policy: str | None
    """Overrides the config's ``signature_policy`` (``"allow"``, ``"warn"``, ``"require"``)."""

    def __new__(cls, **fields: Unpack[EngineOptionsFields]) -> Self: ...
    @property
    def grants(self) -> list[str]:
        """Capabilities granted to every plugin (default: none)."""
    @grants.setter
    def grants(self, value: Sequence[str]) -> None: ...
    @property
    def plugin_grants(self) -> dict[str, list[str]]:
        """Capabilities granted per plugin name (its file name without ``.wasm``)."""
    @plugin_grants.setter
    def plugin_grants(self, value: Mapping[str, Sequence[str]]) -> None: ...
    @property
    def trust_store(self) -> Path | None:
        """The trust store file (default: ``~/.conductor/trusted_keys.toml``)."""
    @trust_store.setter
    def trust_store(self, value: StrPath | None) -> None: ...
    @property
    def cache_dir(self) -> Path | None:
        """Where compiled plugins are cached (default: the config's, else per-OS)."""
    @cache_dir.setter
    def cache_dir(self, value: StrPath | None) -> None: ...
    @property
    def data_root(self) -> Path | None:
        """Root of the plugins' data folders (default: the config's, else per-OS)."""
    @data_root.setter
    def data_root(self, value: StrPath | None) -> None: ...
    def copy(self) -> EngineOptions:
        """A copy: changing it leaves this one alone (callables are shared)."""

@final
class Engine:
    """MIDI in, mappings matched, actions run.

    Build one with :meth:`from_file` or :meth:`from_toml`. Two ways in:

    * ``process()`` runs on the calling thread and returns what fired. Time follows the
      timestamps you give, not the wall clock: a chain that reaches a ``Delay`` is
      returned with ``Fired.pending`` set, and its later steps run in the ``process()``
      or ``tick()`` call whose timestamp reaches them (``next_due()`` says when), so a
      replay gives the same result however fast it runs.
    * ``push()`` queues for the engine thread and never blocks. The engine thread never
      waits for an action: ``SendMidi``, ``ModeChange`` and host actions run on it, a
      ``Delay`` waits on its timer, and each plugin runs on a worker thread of its own
      (calls in arrival order), so a slow plugin or a long delay on one pad never holds
      up another pad. ``on_fired`` reports each chain when it has finished.

    Callbacks run on the engine thread (``on_action``, ``on_midi_out`` for
    ``SendMidi``, ``on_fired`` for pushed messages), on a plugin's worker thread (MIDI a
    plugin sends, ``on_host_request``, plugin output) or on the thread calling
    ``process()``/``tick()`` (``on_action`` and ``on_midi_out`` of the chains it runs).
    They take the GIL, and no engine lock is held while they run, so a callback may call
    any method of the engine: ``process()``, ``push()``, ``mode``, ``reload()``... Two
    exceptions: ``wait_idle()`` raises ``ValueError`` there (the engine would wait for
    itself), and ``close()`` returns at once and the engine stops when the callback
    returns. Every method that can wait releases the GIL meanwhile.

    An exception in a callback is logged on the ``conductor`` logger and raised again by
    the next ``process()``, ``tick()``, ``wait_idle()``, ``reload()`` or ``close()``;
    the engine carries on.
    """

    @staticmethod
    def from_file(
        path: StrPath,
        *,
        options: EngineOptions | None = None,
        **fields: Unpack[EngineOptionsFields],
    ) -> Engine:
        """Loads the config file at ``path`` and every plugin it uses.

        :param options: how to build the engine (callbacks, grants, folders...); see
            :class:`EngineOptions`. Default: ``EngineOptions()``.
        :param fields: any field of :class:`EngineOptions` as a keyword argument
            (``Engine.from_file(path, on_action=print)``), applied over ``options``.
        :raises ConfigError: the config is invalid (``.line``, ``.column``).
        :raises PluginLoadError: a plugin could not be loaded (all problems listed).
        :raises TypeError: a keyword that is not a field of :class:`EngineOptions`.
        """

    @staticmethod
    def from_toml(
        text: str,
        base_dir: StrPath = ...,
        *,
        options: EngineOptions | None = None,
        **fields: Unpack[EngineOptionsFields],
    ) -> Engine:
        """Builds an engine from config text; relative paths resolve against ``base_dir``
        (default: the current folder). Takes the same options as :meth:`from_file`."""

    def process(self, message: MidiMessage, timestamp_us: int | None = None) -> list[Fired]:
        """Runs the mappings ``message`` fires (one or more MIDI messages; running
        status carries over) on this thread and returns what fired with each action's
        outcome. Failing actions are reported in the outcomes, not raised. Plugin steps
        wait for the plugin's worker (with the GIL released).

        First, steps that earlier calls delayed until ``timestamp_us`` or before run
        (their records come first, with ``resumed`` set) and held long presses fire.
        A chain reaching a ``Delay`` is returned with ``pending`` set; its later steps
        run in the ``process()`` or ``tick()`` call whose timestamp reaches them.

        :param timestamp_us: the event time in microseconds on your clock (gestures
            and delays use it); default: time since the engine was built.
        :raises ValueError: the engine has been closed.
        """

    def push(self, message: MidiMessage, timestamp_us: int | None = None) -> bool:
        """Queues one message for the engine thread; never blocks. Returns False (and
        counts a drop) when the queue is full or the message is empty or too long."""

    def tick(self, timestamp_us: int | None = None) -> list[Fired]:
        """Advances event time to ``timestamp_us`` (default: time since the engine was
        built): runs the steps earlier ``process()`` calls delayed until then (records
        with ``resumed`` set) and fires long presses held past their duration."""

    def next_due(self) -> int | None:
        """When the earliest step delayed by a ``process()`` call is due, in microseconds
        on the timestamps' clock; None when nothing waits. A replay drains them with
        ``while (due := engine.next_due()) is not None: engine.tick(due)``."""

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Waits until every pushed message has been handled, including the delays and
        plugin calls of the chains they started, or until ``timeout`` seconds pass;
        returns whether the engine became idle. The GIL is released meanwhile.

        :raises ValueError: called from a callback running on the engine's own threads,
            where the engine would wait for itself; return from the callback first, or
            wait on another thread.
        """

    @property
    def mode(self) -> str:
        """The active mode's name. Assign a name (or an index) to switch."""
    @mode.setter
    def mode(self, value: str | int) -> None: ...
    @property
    def mode_index(self) -> int:
        """Index of the active mode."""
    @property
    def modes(self) -> list[str]:
        """The config's mode names, in order."""
    @property
    def plugins(self) -> list[str]:
        """The names of the loaded plugins, sorted."""
    @property
    def config_path(self) -> Path | None:
        """The config file in use, if it came from a file."""
    def open_input(self, port: int | str | None = None) -> str:
        """Opens a MIDI input, by index in :func:`input_ports` or by (part of) its name
        (``None``: the config's ``[device]`` port or name, else the first input), and
        feeds what arrives to the engine thread as ``push()`` would, with the MIDI
        system's timestamps. An input the config's ``[device]`` lets reconnect
        (``auto_reconnect``, the default) is reopened when it comes back after being
        unplugged. Returns the port's name.

        :raises MidiError: no such port (the message lists those that exist), or no
            MIDI system is available.
        """

    def open_output(self, port: int | str) -> str:
        """Opens a MIDI output, by index in :func:`output_ports` or by name; what the
        engine sends (``SendMidi`` actions, plugins with the Midi capability) goes there
        as well as to ``on_midi_out``. Returns the port's name."""

    def open_virtual_input(self, name: str) -> str:
        """Creates a MIDI input port called ``name`` that other programs can send to
        (not on Windows). Returns its name."""

    def open_virtual_output(self, name: str) -> str:
        """Creates a MIDI output port called ``name`` that other programs can receive
        from (not on Windows). Returns its name."""

    def connect_devices(self) -> list[tuple[str, str | None, str | None]]:
        """Opens every ``[[devices]]`` entry of the config: each output (its ``init``
        messages and feedback are sent at once), then each input, each reopened on its
        own when it comes back after unplugging. Returns ``(device, input port, output
        port)`` per device (``None`` where it has none). The ports close, sending each
        output its ``shutdown`` messages, at :meth:`shutdown`."""

    def process_from(
        self, device: str, message: MidiMessage, timestamp_us: int | None = None
    ) -> list[Fired]:
        """:meth:`process` for a message from the configured device ``device``: mappings
        with ``device = "..."`` fire only for their device."""

    @property
    def inputs(self) -> list[str]:
        """The names of the open MIDI inputs."""
    @property
    def outputs(self) -> list[str]:
        """The names of the open MIDI outputs."""
    @property
    def dropped(self) -> int:
        """How many pushed messages were dropped (queue full or malformed)."""
    @property
    def refused_plugin_calls(self) -> int:
        """How many plugin calls were refused because the plugin's mailbox was full (too
        many calls waiting for a slow plugin) or the plugin had been unloaded by a
        reload. Each refusal is also logged as an error naming the plugin and mapping."""
    @property
    def closed(self) -> bool:
        """Whether ``close()`` has been called."""

    def reload(
        self, path: StrPath | None = None, *, toml: str | None = None, base_dir: StrPath | None = None
    ) -> None:
        """Swaps in a new config atomically: from ``path``, from ``toml`` text, or (with
        neither) by reading the current config file again. Unchanged plugins keep their
        instance; chains already running finish on the config they started with. On
        failure the old config keeps running and the error is raised.

        Devices opened with :meth:`connect_devices` follow: when the new config changes a
        device's ports or ``init``, the old ports get their ``shutdown`` and close, and
        the new ones open with their ``init`` and lights. If a new port cannot be
        opened, ``MidiError`` is raised: the new config runs without the devices' ports,
        and the next reload tries again."""

    def close(self) -> None:
        """Closes the MIDI ports, handles what is queued, drops steps still waiting on a
        delay, stops the engine thread and shuts every plugin down (each finishes its
        queued calls first). Later calls do nothing; later ``process()`` calls raise
        ``ValueError``.

        From a callback the engine's threads cannot wait for themselves: ``close()``
        returns at once (``closed`` is True, ``process()`` raises) and the threads stop
        when the callback returns.
        """

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

# ---------------------------------------------------------------------------------------
# MIDI ports

def input_ports() -> list[str]:
    """The names of the MIDI ports Conductor can receive from; a port's position in the
    list is the index ``Engine.open_input`` takes.

    :raises MidiError: no MIDI system is available (the message says what to do).
    """

def output_ports() -> list[str]:
    """The names of the MIDI ports Conductor can send to, by index."""

# ---------------------------------------------------------------------------------------
# Signing

@final
class KeyPair:
    """A key pair made by :func:`generate_key`."""

    @property
    def private_path(self) -> Path:
        """The private key file (readable only by its owner)."""
    @property
    def public_path(self) -> Path:
        """The public key file (``private_path`` + ``.pub``)."""
    @property
    def public_key(self) -> str:
        """The public key, as 64 lowercase hex characters."""

@final
class Signature:
    """A plugin signature that was checked (by :func:`verify`) or made (by :func:`sign`)."""

    @property
    def wasm(self) -> Path:
        """The plugin file."""
    @property
    def developer_name(self) -> str: ...
    @property
    def developer_email(self) -> str: ...
    @property
    def signed_at(self) -> str:
        """RFC 3339, UTC."""
    @property
    def capabilities(self) -> list[str]:
        """The capabilities the plugin declared when it was signed."""
    @property
    def public_key(self) -> str:
        """The signing key, as 64 lowercase hex characters."""
    @property
    def wasm_sha256(self) -> str: ...
    @property
    def wasm_size(self) -> int: ...

def generate_key(path: StrPath, *, force: bool = False) -> KeyPair:
    """Creates a key pair: the private key at ``path``, the public key at ``path.pub``.
    Refuses to overwrite existing key files unless ``force``."""

def sign(wasm: StrPath, key: StrPath, *, name: str, email: str) -> Signature:
    """Signs the plugin ``wasm`` with the private key file ``key`` and writes
    ``<wasm>.sig``. The capabilities the plugin declares are signed too."""

def verify(wasm: StrPath) -> Signature:
    """Checks ``<wasm>.sig`` against ``wasm``: the file is the one that was signed and
    it declares the capabilities that were signed. Trust is not checked here.

    :raises SignatureError: unsigned, tampered, or the capabilities changed.
    """

# ---------------------------------------------------------------------------------------
# MIDI learn

@final
class Learner:
    """Recognises the control a person touches from the MIDI it sends: notes, pitch
    bend, aftertouch and program changes from their first message; a controller from a
    few values (repeated small steps mean a relative encoder, with its encoding).

    Each result is a dict: ``toml`` (the ``trigger = ...`` line to paste into a
    ``[[modes.mappings]]`` table), ``description``, ``kind`` and ``channel`` (0-based).
    """

    def __init__(self) -> None: ...
    def feed(self, message: bytes | bytearray | list[int]) -> dict[str, Any] | None:
        """Feeds MIDI bytes (one or more messages); the learned control, or None while
        waiting for more."""
    def finish(self) -> dict[str, Any] | None:
        """Decides a controller still waiting for values from those it sent; None when
        nothing was touched."""

def learn(port: int | str | None = None, timeout: float = 10.0) -> dict[str, Any] | None:
    """Opens the MIDI input ``port`` (index or part of its name; None: the first input)
    and waits up to ``timeout`` seconds for the next control touched: its dict (see
    ``Learner``), or None when nothing was touched in time.

    :raises MidiError: the port cannot be opened (the message lists the ports).
    """
