//! Callbacks the embedding application registers with the engine.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::context::TriggerContext;
use super::outcome::Fired;
use crate::plugin::Capability;
pub use crate::plugin::HostRequest;

/// A host action (`Keystroke`, `Launch`, `Shell`, `Host { name, data }` ...) handed to
/// the embedding application.
#[derive(Debug, Clone)]
pub struct HostActionEvent {
    /// The action's name (`"Keystroke"`).
    pub name: String,
    /// Its fields as written in the config.
    pub data: Value,
    /// What triggered it.
    pub context: TriggerContext,
}

impl HostActionEvent {
    /// One JSON object: `{"action": name, ...fields, "context": {...}}`.
    pub fn to_json(&self) -> Value {
        let mut obj = Map::new();
        obj.insert("action".into(), Value::String(self.name.clone()));
        if let Value::Object(fields) = &self.data {
            for (k, v) in fields {
                obj.insert(k.clone(), v.clone());
            }
        } else if !self.data.is_null() {
            obj.insert("data".into(), self.data.clone());
        }
        obj.insert(
            "context".into(),
            serde_json::to_value(&self.context).unwrap_or(Value::Null),
        );
        Value::Object(obj)
    }
}

/// A plugin asks for a capability that neither the config nor the options granted.
#[derive(Debug, Clone)]
pub struct ApprovalRequest {
    /// The plugin's name.
    pub plugin: String,
    /// Its path.
    pub path: std::path::PathBuf,
    /// The capability it needs.
    pub capability: Capability,
}

/// Receives host actions.
pub type ActionCallback = Arc<dyn Fn(&HostActionEvent) + Send + Sync>;
/// Receives MIDI bytes from `SendMidi` actions and plugins with the Midi capability,
/// with the time they belong to, in microseconds on the clock of the input timestamps:
/// the triggering event's timestamp plus the delays the chain has passed (for a
/// plugin, the time of the event its call serves). Called on the dispatcher for
/// `push`, on the caller's thread for `process`, on a plugin's worker for plugin sends.
pub type MidiOutCallback = Arc<dyn Fn(&[u8], u64) + Send + Sync>;
/// Asked whether to grant a capability; `true` grants it.
pub type ApprovalCallback = Arc<dyn Fn(&ApprovalRequest) -> bool + Send + Sync>;
/// Told about every mapping the engine thread fires (events that came through `push`),
/// once its chain has finished, with every step's outcome.
pub type FiredCallback = Arc<dyn Fn(&Fired) + Send + Sync>;
/// Answers a plugin's SystemControl or Audio request (`system::request`,
/// `audio::request` in the plugin SDK): `Ok(value)` goes back to the plugin as JSON,
/// `Err(message)` refuses the request. Called on the thread running the plugin.
pub type HostRequestCallback = crate::plugin::HostRequestHandler;

/// The set of callbacks; every one is optional.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct EngineCallbacks {
    /// Host actions. Without it, host actions are logged.
    pub on_action: Option<ActionCallback>,
    /// MIDI output. Without it, `SendMidi` is logged and dropped.
    pub on_midi_out: Option<MidiOutCallback>,
    /// Capability approval. Without it, ungranted capabilities refuse the load.
    pub approve: Option<ApprovalCallback>,
    /// Mappings fired on the engine thread.
    pub on_fired: Option<FiredCallback>,
    /// SystemControl and Audio requests from plugins. Without it, plugins are told no
    /// handler is available.
    pub on_host_request: Option<HostRequestCallback>,
}

crate::builder::with_methods!(EngineCallbacks {
    with_on_action => on_action: Option<ActionCallback>,
    with_on_midi_out => on_midi_out: Option<MidiOutCallback>,
    with_approve => approve: Option<ApprovalCallback>,
    with_on_fired => on_fired: Option<FiredCallback>,
    with_on_host_request => on_host_request: Option<HostRequestCallback>,
});

impl std::fmt::Debug for EngineCallbacks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineCallbacks")
            .field("on_action", &self.on_action.is_some())
            .field("on_midi_out", &self.on_midi_out.is_some())
            .field("approve", &self.approve.is_some())
            .field("on_fired", &self.on_fired.is_some())
            .field("on_host_request", &self.on_host_request.is_some())
            .finish()
    }
}
