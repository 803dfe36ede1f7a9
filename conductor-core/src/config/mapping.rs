//! Modes and the mappings inside them.

use super::action::Action;
use super::trigger::Trigger;

/// One `[[modes]]` entry: a named set of mappings, one of which is active at a time.
#[derive(Debug, Clone, PartialEq)]
pub struct Mode {
    /// Unique name, used by [`ModeTarget::Named`](super::ModeTarget::Named).
    pub name: String,
    /// Optional display color (`"blue"`, `"#FF0000"`), passed through unchanged.
    pub color: Option<String>,
    /// The mode's mappings, in file order.
    pub mappings: Vec<Mapping>,
}

/// A trigger and the action it fires.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    /// What fires the mapping.
    pub trigger: Trigger,
    /// What it does.
    pub action: Action,
    /// Optional human-readable description.
    pub description: Option<String>,
    /// 1-based line where the mapping starts in the config file, for messages such as
    /// "mapping at line 12"; `None` for mappings built in code.
    pub line: Option<usize>,
}

impl Mapping {
    /// A short label for messages: the description if any, else `"<Trigger> → <Action>"`,
    /// followed by the line when known.
    pub fn label(&self) -> String {
        let what = match &self.description {
            Some(d) => format!("\"{d}\""),
            None => format!("{} → {}", self.trigger.kind(), self.action.kind()),
        };
        match self.line {
            Some(line) => format!("mapping {what} at line {line}"),
            None => format!("mapping {what}"),
        }
    }
}
