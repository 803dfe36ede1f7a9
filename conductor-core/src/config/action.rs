//! What a mapping does when it fires.

use std::path::PathBuf;
use std::time::Duration;

use crate::midi::MidiMessage;
use crate::plugin::Capability;

/// The work a fired mapping does.
///
/// Written externally tagged as in the plugin guide
/// (`action = { WasmPlugin = { path = "...", params = { ... } } }`) or internally
/// tagged as in existing Conductor configs (`type = "SendMidi"` plus fields).
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Run a WebAssembly plugin's `execute` / `execute_with_context`.
    WasmPlugin(WasmPluginAction),
    /// Send a MIDI message to an output.
    SendMidi(SendMidiAction),
    /// Switch the active mode.
    ModeChange(ModeTarget),
    /// Run these actions one after another.
    Sequence(Vec<Action>),
    /// Wait before the next action of a sequence.
    Delay(Duration),
    /// Run `action` `count` times with `delay` between runs.
    Repeat {
        /// The action to repeat.
        action: Box<Action>,
        /// How many times in total (at least 1).
        count: u32,
        /// Pause between two runs.
        delay: Duration,
    },
    /// An action the embedding application carries out (keystrokes, launching apps...).
    Host(HostAction),
}

impl Action {
    /// The kind's name as written in configs (`"WasmPlugin"`, `"SendMidi"`, ...); for a
    /// host action, its own name (`"Keystroke"`).
    pub fn kind(&self) -> &str {
        match self {
            Action::WasmPlugin(_) => "WasmPlugin",
            Action::SendMidi(_) => "SendMidi",
            Action::ModeChange(_) => "ModeChange",
            Action::Sequence(_) => "Sequence",
            Action::Delay(_) => "Delay",
            Action::Repeat { .. } => "Repeat",
            Action::Host(h) => &h.name,
        }
    }

    /// Calls `f` on this action and every action nested in it (sequences, repeats),
    /// depth first, in the order they would run.
    pub fn visit<'a>(&'a self, f: &mut dyn FnMut(&'a Action)) {
        f(self);
        match self {
            Action::Sequence(actions) => actions.iter().for_each(|a| a.visit(f)),
            Action::Repeat { action, .. } => action.visit(f),
            _ => {}
        }
    }
}

/// A WebAssembly plugin call.
#[derive(Debug, Clone, PartialEq)]
pub struct WasmPluginAction {
    /// Absolute path of the `.wasm` file, resolved against the config's folder with `~`
    /// expanded.
    pub path: PathBuf,
    /// The path exactly as written in the config, for messages.
    pub path_text: String,
    /// The `params` table, handed to the plugin as JSON (an empty object when absent).
    pub params: serde_json::Value,
    /// Limits and grants written inline in this action.
    pub overrides: PluginOverrides,
}

/// Per-plugin limits and grants that override `[plugins]` defaults.
///
/// Every field is optional; `None` means "not set here".
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PluginOverrides {
    /// Capabilities approved for the plugin (`grant = ["Filesystem"]`).
    pub grant: Option<Vec<Capability>>,
    /// Instruction budget per call.
    pub fuel: Option<u64>,
    /// Memory limit in bytes.
    pub memory_bytes: Option<u64>,
    /// Wall-clock limit per call.
    pub timeout: Option<Duration>,
    /// Hosts the plugin may reach with the Network capability.
    pub allowed_hosts: Option<Vec<String>>,
}

impl PluginOverrides {
    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        *self == PluginOverrides::default()
    }
}

/// A MIDI message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendMidiAction {
    /// What to send.
    pub message: MidiOut,
    /// The output port by name; `None` = the engine's default output.
    pub port: Option<String>,
}

/// The content of a [`SendMidiAction`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MidiOut {
    /// A typed message, validated at load time.
    Message(MidiMessage),
    /// Raw bytes (`bytes = [0x90, 60, 100]`), checked to start with a status byte and
    /// to carry only 7-bit data bytes.
    Raw(Vec<u8>),
}

/// Where a [`Action::ModeChange`] goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModeTarget {
    /// A mode by name; `index` is its position in [`Config::modes`](super::Config::modes).
    Named {
        /// The mode's name.
        name: String,
        /// Index into `Config::modes`.
        index: usize,
    },
    /// The next mode, wrapping around (`mode = "next"`).
    Next,
    /// The previous mode, wrapping around (`mode = "previous"`).
    Previous,
}

/// An action carried out by the embedding application, passed through unchanged.
///
/// `Keystroke`, `Text`, `Launch`, `Shell`, `MouseClick` and `VolumeControl` become a
/// `HostAction` whose `name` is that kind and whose `data` is the action's fields as a
/// JSON object. The generic form `{ Host = { name = "...", data = { ... } } }` sets both
/// directly.
#[derive(Debug, Clone, PartialEq)]
pub struct HostAction {
    /// The action's kind, e.g. `"Keystroke"`.
    pub name: String,
    /// Its fields, as a JSON object.
    pub data: serde_json::Value,
}
