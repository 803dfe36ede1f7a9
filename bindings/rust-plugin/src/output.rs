//! What a call returns to its caller: bytes, a JSON value, or — when the engine calls
//! the plugin from a mapping — actions for the engine to run right after the plugin
//! (MIDI to send, a mode to switch to, a host action). Always available.
//!
//! ```no_run
//! use conductor_plugin::{output, Result, TriggerContext};
//!
//! // Transposes the triggering note an octave up.
//! fn execute(_: (), ctx: &TriggerContext) -> Result<()> {
//!     let note = ctx.note.unwrap_or(60).saturating_add(12).min(127);
//!     output::set_actions(&[output::Action::SendMidi(vec![0x90, note, 100])])?;
//!     Ok(())
//! }
//! conductor_plugin::plugin! { execute_with_context: execute }
//! # fn main() {}
//! ```

use serde::Serialize;
use serde_json::{json, Value};

use crate::error::HostError;
use crate::{result, sys};

/// Sets the bytes the current call returns (a later call of `set` replaces them).
/// Fails with [`HostErrorKind::TooLarge`](crate::HostErrorKind::TooLarge) when they
/// pass the host's `max_output_bytes` (1 MiB unless configured).
pub fn set(bytes: &[u8]) -> Result<(), HostError> {
    // SAFETY: the pointer and length describe `bytes`, alive for the call.
    let code = unsafe { sys::output_set(bytes.as_ptr(), bytes.len()) };
    result::check(code).map(drop)
}

/// Returns `value` serialised as JSON (Python's `Plugin.execute(..., json=True)` reads
/// it back as a value).
pub fn set_json<T: Serialize + ?Sized>(value: &T) -> Result<(), HostError> {
    let bytes = serde_json::to_vec(value).map_err(|e| {
        HostError::new(
            crate::HostErrorKind::Invalid,
            format!("the output does not serialise as JSON: {e}"),
        )
    })?;
    set(&bytes)
}

/// An action for the engine to run right after this plugin step, before the
/// mapping's next action.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Send one complete MIDI message, e.g. `vec![0x90, 60, 100]`.
    SendMidi(Vec<u8>),
    /// Switch to the mode of this name, or `"next"` / `"previous"`.
    ModeChange(String),
    /// A host action for the application: its kind (`"Keystroke"`) and fields.
    Host {
        /// The action's kind.
        name: String,
        /// Its fields, a JSON object.
        data: Value,
    },
}

impl Action {
    /// The action in the config's spelling: `{"SendMidi": {"bytes": [...]}}`.
    pub fn to_json(&self) -> Value {
        match self {
            Action::SendMidi(bytes) => json!({"SendMidi": {"bytes": bytes}}),
            Action::ModeChange(mode) => json!({"ModeChange": {"mode": mode}}),
            Action::Host { name, data } => {
                let mut map = serde_json::Map::new();
                map.insert(name.clone(), data.clone());
                Value::Object(map)
            }
        }
    }
}

/// Returns `actions` for the engine to run, in order, right after this plugin step.
pub fn set_actions(actions: &[Action]) -> Result<(), HostError> {
    set_json(&actions.iter().map(Action::to_json).collect::<Vec<_>>())
}
