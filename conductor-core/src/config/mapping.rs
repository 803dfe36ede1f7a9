//! Modes and the mappings inside them.

use super::action::{Action, ActionReader};
use super::devices::{self, MappingFeedback};
use super::reader::{self, Doc, Table, Value};
use super::settings::TimingSettings;
use super::trigger::{self, Trigger};
use crate::Result;

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
    /// `device = "NAME"`: the mapping fires only for messages from that
    /// `[[devices]]` entry's input (`None`: from any input).
    pub device: Option<String>,
    /// `feedback = { note = N, ... }`: a light shown while the mapping's mode is active.
    /// Boxed: few mappings have one, and every mapping is kept in the mapping table.
    pub feedback: Option<Box<MappingFeedback>>,
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

/// Reads one mapping table (`[[modes.mappings]]` or `[[global_mappings]]` entry).
pub(crate) fn parse_mapping(
    doc: &Doc<'_>,
    v: &Value<'_>,
    what: &str,
    timing: &TimingSettings,
    actions: &mut ActionReader<'_, '_>,
) -> Result<Mapping> {
    let t = Table::of(doc, v, what)?;
    t.allow_only(
        doc,
        &[
            "trigger",
            "action",
            "description",
            "device",
            "feedback",
            "velocity_mapping",
        ],
    )?;
    let device = t
        .get("device")
        .map(|v| reader::string(doc, v, "`device`").map(str::to_string))
        .transpose()?;
    let feedback = t
        .get("feedback")
        .map(|v| devices::mapping_feedback(doc, v).map(Box::new))
        .transpose()?;
    let description = t
        .get("description")
        .map(|v| reader::string(doc, v, "`description`").map(str::to_string))
        .transpose()?;
    let trigger = trigger::parse(doc, t.require(doc, "trigger")?, timing)?;
    let mut action = actions.parse(t.require(doc, "action")?)?;
    if let Some(v) = t.get("velocity_mapping") {
        let mapping = super::transform::parse_velocity_mapping(doc, v)?;
        if super::action::apply_velocity_mapping(&mut action, mapping) == 0 {
            actions.warn(
                doc.line(v.span().start),
                "`velocity_mapping` has no effect here: it shapes the velocity (or value) \
                 of the mapping's typed `SendMidi` messages, and this mapping sends none"
                    .to_string(),
            );
        }
    }
    Ok(Mapping {
        trigger,
        action,
        description,
        line: Some(doc.line(v.span().start)),
        device,
        feedback,
    })
}

/// Reads a list of mappings; `what` names one entry ("a `[[modes.mappings]]` entry").
pub(crate) fn parse_mappings(
    doc: &Doc<'_>,
    v: &Value<'_>,
    list_name: &str,
    timing: &TimingSettings,
    actions: &mut ActionReader<'_, '_>,
) -> Result<Vec<Mapping>> {
    let items = reader::array(doc, v, &format!("`{list_name}` (write `[[{list_name}]]`)"))?;
    let what = format!("a `[[{list_name}]]` entry");
    // Sized once: collecting a `Result` iterator would start at 4 and double, wasting
    // up to 3 mappings' worth per mode (most of what a one-mapping mode costs).
    let mut mappings = Vec::with_capacity(items.len());
    for item in items {
        mappings.push(parse_mapping(doc, item, &what, timing, actions)?);
    }
    Ok(mappings)
}
