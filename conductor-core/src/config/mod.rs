//! Configuration: the TOML schema, loading and validation.
//!
//! A config is a TOML file of `[[modes]]`, each with `[[modes.mappings]]` (a trigger and
//! an action), plus `[[global_mappings]]` that are active in every mode, and optional
//! `[engine]`, `[plugins]`, `[device]`, `[advanced_settings]` and `[logging]` sections.
//! The plugin guide's example loads exactly as printed:
//!
//! ```
//! use conductor_core::config::{Action, Config, Trigger};
//! let text = r#"
//! [[modes]]
//! name = "Default"
//! [[modes.mappings]]
//! trigger = { Note = { note = 60 } } # Middle C
//! action = { WasmPlugin = {
//! path = "target/wasm32-wasip1/release/my_midi_plugin.wasm",
//! params = {
//! "message": "Hello from MIDI!"
//! }
//! }}
//! "#;
//! let config = Config::from_toml_str(text, "/home/me/plugin".as_ref()).unwrap();
//! let mapping = &config.modes[0].mappings[0];
//! assert!(matches!(mapping.trigger, Trigger::Note { note: 60, .. }));
//! let Action::WasmPlugin(call) = &mapping.action else { panic!() };
//! assert_eq!(call.params["message"], "Hello from MIDI!");
//! // The JSON-style `"message": ...` is accepted with a warning naming the line.
//! assert_eq!(config.warnings[0].line, 9);
//! ```
//!
//! Everything else is strict: unknown keys, unknown trigger or action kinds, values out
//! of range and unknown mode names are [`Error::Config`] errors
//! carrying the line and column, and a "did you mean" hint where one fits.
//!
//! Channels are 0-based throughout (`channel = 0` is MIDI channel 1), as in existing
//! Conductor configs and in [`MidiMessage`](crate::midi::MidiMessage).

mod action;
mod condition;
mod devices;
mod lenient;
mod load;
mod mapping;
mod paths;
mod plugins;
mod reader;
mod sections;
mod settings;
mod size;
mod suggest;
mod transform;
mod trigger;
mod warning;

use std::path::{Path, PathBuf};

pub use crate::plugin::signing::SignaturePolicy;
pub(crate) use action::kind_name;
pub use action::{
    Action, HostAction, MidiOut, ModeTarget, SendMidiAction, VariableAction, VariableOp,
    WasmPluginAction, MAX_DELAY_MS,
};
pub use condition::{Condition, ConditionState, VariableTest};
pub use devices::{
    DeviceConfig, FeedbackLight, FeedbackTarget, MappingFeedback, ModeFeedback, Thru, VariableLight,
};
pub use mapping::{Mapping, Mode};
pub use plugins::{PluginDefaults, PluginOverrides, PluginSettings, ResolvedPluginSettings};
pub use settings::{DeviceSettings, EngineSettings, LoggingSettings, TimingSettings};
pub use transform::{Curve, FieldValue, MappedMessage, ValueSource, ValueTransform};
pub use trigger::{EncoderDirection, EncoderEncoding, TransportEvent, Trigger};
pub use warning::ConfigWarning;

use crate::{Error, Result};

/// A loaded, validated configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The config file, when loaded from one.
    pub path: Option<PathBuf>,
    /// The folder relative paths were resolved against.
    pub base_dir: PathBuf,
    /// The modes, in file order; the first is active at start. Never empty.
    pub modes: Vec<Mode>,
    /// Mappings active in every mode.
    pub global_mappings: Vec<Mapping>,
    /// `[device]`: which MIDI input to open.
    pub device: DeviceSettings,
    /// `[[devices]]`: named controllers with their ports, init and feedback.
    pub devices: Vec<DeviceConfig>,
    /// Gesture timing windows (`[engine]`, or Conductor's `[advanced_settings]`).
    pub timing: TimingSettings,
    /// `[engine]`: engine thread settings.
    pub engine: EngineSettings,
    /// `[logging]`, passed through for the embedding application.
    pub logging: LoggingSettings,
    /// `[plugins]`: sandbox defaults and per-plugin settings.
    pub plugins: PluginSettings,
    /// Things that were accepted but should be written differently.
    pub warnings: Vec<ConfigWarning>,
}

impl Config {
    /// Reads and validates the config file at `path`; relative paths inside it are
    /// resolved against the file's folder.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Config> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let base_dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        load::load(&text, Some(path), &absolute(base_dir))
    }

    /// Parses and validates config text; relative paths are resolved against `base_dir`
    /// (itself made absolute against the current folder).
    pub fn from_toml_str(text: &str, base_dir: &Path) -> Result<Config> {
        load::load(text, None, &absolute(base_dir))
    }

    /// The position of the mode called `name`.
    pub fn mode_index(&self, name: &str) -> Option<usize> {
        self.modes.iter().position(|m| m.name == name)
    }

    /// Every mapping with the mode it belongs to (`None` for global mappings).
    pub fn all_mappings(&self) -> impl Iterator<Item = (Option<&Mode>, &Mapping)> {
        self.global_mappings.iter().map(|m| (None, m)).chain(
            self.modes
                .iter()
                .flat_map(|mode| mode.mappings.iter().map(move |m| (Some(mode), m))),
        )
    }

    /// Every WebAssembly plugin call, including those nested in sequences and repeats,
    /// in file order.
    pub fn wasm_plugin_actions(&self) -> Vec<&WasmPluginAction> {
        let mut out = Vec::new();
        for (_, mapping) in self.all_mappings() {
            mapping.action.visit(&mut |a| {
                if let Action::WasmPlugin(call) = a {
                    out.push(call);
                }
            });
        }
        out
    }

    /// The limits and grants for the plugin at `path`: the `[plugins]` defaults, then its
    /// `[plugins.settings."..."]` table, then the inline settings of the `WasmPlugin`
    /// actions that call it (later layers win; grants and allowed hosts add up).
    ///
    /// `path` may be absolute or written as in the config (relative to its folder, or
    /// starting with `~`).
    pub fn plugin_settings_for(&self, path: &Path) -> ResolvedPluginSettings {
        let path = paths::resolve(path, &self.base_dir);
        let mut layers: Vec<&PluginOverrides> = Vec::new();
        // The key as written, or any spelling of the same file (a symlinked folder).
        for (key, table) in &self.plugins.per_plugin {
            if paths::same_file(key, &path) {
                layers.push(table);
            }
        }
        for call in self.wasm_plugin_actions() {
            if call.path == path {
                layers.push(&call.overrides);
            }
        }
        self.plugins.resolve(layers)
    }

    /// The absolute paths of all plugins the config uses, each once, in file order.
    pub fn wasm_plugin_paths(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = Vec::new();
        for call in self.wasm_plugin_actions() {
            if !out.contains(&call.path) {
                out.push(call.path.clone());
            }
        }
        out
    }
}

/// `path` made absolute against the current folder (unchanged if that fails).
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}
