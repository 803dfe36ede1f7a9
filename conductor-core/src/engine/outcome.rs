//! What a call to the engine reports back: which mappings fired and how each action
//! went.

use std::time::Duration;

use super::context::TriggerContext;
use crate::mapping::MappingId;
use crate::Error;

/// One action's result.
#[derive(Debug)]
pub struct ActionOutcome {
    /// The action kind (`"WasmPlugin"`, `"SendMidi"`, a host action's name...).
    pub action: String,
    /// The plugin's name, for plugin actions.
    pub plugin: Option<String>,
    /// `Ok` or what went wrong.
    pub result: Result<(), Error>,
    /// How long the action took.
    pub elapsed: Duration,
}

/// A mapping that fired, with the outcome of each action it ran (a sequence reports
/// one outcome per step).
///
/// From [`Engine::process`](super::Engine::process), a chain that waits on a `Delay`
/// is reported in parts: the steps run so far with `pending` set, then the steps run
/// by a later `process` or `tick` call with `resumed` set. The `on_fired` callback
/// gets one record per chain, when it has finished.
#[derive(Debug)]
pub struct Fired {
    /// The mapping's id in the engine's mapping table.
    pub mapping: MappingId,
    /// The mode the mapping belongs to; `None` for a global mapping.
    pub mode: Option<String>,
    /// The mapping's description, if written.
    pub description: Option<String>,
    /// The line of the mapping in the config file.
    pub line: Option<usize>,
    /// What triggered it.
    pub context: TriggerContext,
    /// One entry per action run.
    pub outcomes: Vec<ActionOutcome>,
    /// The chain waits on a delay; its later steps are reported by a later call.
    pub pending: bool,
    /// These are later steps of a chain reported earlier with `pending` set.
    pub resumed: bool,
}

impl Fired {
    /// Whether every action succeeded.
    pub fn ok(&self) -> bool {
        self.outcomes.iter().all(|o| o.result.is_ok())
    }

    /// A short label: the description, else "mapping at line N", else the trigger.
    pub fn label(&self) -> String {
        label(self.description.as_deref(), self.line, self.context.trigger)
    }
}

/// How logs and reports name a mapping: its description, else "mapping at line N",
/// else its trigger kind.
pub(crate) fn label(description: Option<&str>, line: Option<usize>, trigger: &str) -> String {
    match (description, line) {
        (Some(d), _) => d.to_string(),
        (None, Some(l)) => format!("mapping at line {l}"),
        (None, None) => format!("{trigger} mapping"),
    }
}
