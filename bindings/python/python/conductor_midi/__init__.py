"""Conductor: turn MIDI input into actions and run sandboxed WebAssembly plugins.

The work is done by the compiled module ``conductor_midi._conductor`` (Rust); this package
re-exports it under one name. Quick start::

    import conductor_midi as conductor

    with conductor.Plugin("my_midi_plugin.wasm") as plugin:
        plugin.execute({"message": "Hello from MIDI!"})

    with conductor.Engine.from_file("config.toml") as engine:
        for fired in engine.process([0x90, 60, 100]):
            print(fired.label, [o.ok for o in fired.outcomes])

Plugin output goes to the ``logging`` module (logger ``conductor.plugin.<name>``) and
the engine's own messages to the ``conductor`` logger, unless a callback is given.
"""

from conductor_midi._conductor import (
    DEFAULT_FUEL,
    DEFAULT_MEMORY_LIMIT,
    DEFAULT_TIMEOUT,
    CapabilityDenied,
    ConductorError,
    ConfigError,
    Engine,
    EngineOptions,
    Fired,
    HostAction,
    KeyPair,
    Learner,
    MemoryLimitExceeded,
    MidiError,
    Outcome,
    OutOfFuel,
    Plugin,
    PluginCancelled,
    PluginCrashed,
    PluginError,
    PluginLoadError,
    Signature,
    SignatureError,
    Timeout,
    __version__,
    generate_key,
    input_ports,
    learn,
    output_ports,
    sign,
    verify,
)

__all__ = [
    "DEFAULT_FUEL",
    "DEFAULT_MEMORY_LIMIT",
    "DEFAULT_TIMEOUT",
    "CapabilityDenied",
    "ConductorError",
    "ConfigError",
    "Engine",
    "EngineOptions",
    "Fired",
    "HostAction",
    "KeyPair",
    "Learner",
    "MemoryLimitExceeded",
    "MidiError",
    "Outcome",
    "OutOfFuel",
    "Plugin",
    "PluginCancelled",
    "PluginCrashed",
    "PluginError",
    "PluginLoadError",
    "Signature",
    "SignatureError",
    "Timeout",
    "__version__",
    "generate_key",
    "input_ports",
    "learn",
    "output_ports",
    "sign",
    "verify",
]
