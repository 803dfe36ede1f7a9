//! What a mapping does when it fires.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::de::DeValue;

use super::condition::{Condition, ConditionReader};
use super::paths;
use super::plugins::{parse_overrides, PluginOverrides, OVERRIDE_KEYS};
use super::reader::{self, Doc, Table, Value};
use super::suggest::did_you_mean;
use super::transform::{self, FieldValue, MappedMessage, ValueSource};
use super::trigger::CHANNEL_HINT;
use super::warning::ConfigWarning;
use crate::midi::MidiMessage;
use crate::{Error, Result};

/// The longest `Delay` (and pause between a `Repeat`'s runs) a config may ask for: 24
/// hours, in milliseconds. Longer values are refused with an error naming this limit.
pub const MAX_DELAY_MS: u64 = 24 * 60 * 60 * 1000;

const DELAY_HINT: &str = "milliseconds; at most 24 hours, MAX_DELAY_MS";

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
    /// Runs `then_action` when `condition` holds, else `else_action` (if any).
    Conditional {
        /// The condition, checked when the action runs.
        condition: Condition,
        /// What runs when it holds.
        then_action: Box<Action>,
        /// What runs when it does not.
        else_action: Option<Box<Action>>,
    },
    /// Sets, toggles or steps a named variable (`SetVar`, `ToggleVar`, `IncrementVar`).
    Variable(VariableAction),
}

/// A change to a named variable. Variables are whole numbers, 0 until set, shared by
/// every mapping of the engine, and kept across reloads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableAction {
    /// The variable's name.
    pub name: String,
    /// What to do to it.
    pub op: VariableOp,
}

/// What a [`VariableAction`] does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariableOp {
    /// `SetVar`: set to this value.
    Set(i64),
    /// `ToggleVar`: 0 becomes 1, anything else 0.
    Toggle,
    /// `IncrementVar`: add `by` (negative to step down), kept within `min..=max`:
    /// clamped, or wrapped around to the other end when `wrap` is set.
    Increment {
        /// The step.
        by: i64,
        /// Lowest value.
        min: i64,
        /// Highest value.
        max: i64,
        /// Wrap around instead of stopping at the ends.
        wrap: bool,
    },
}

impl VariableOp {
    /// The action's name as configs write it (`"SetVar"`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            VariableOp::Set(_) => kind_name::SET_VAR,
            VariableOp::Toggle => kind_name::TOGGLE_VAR,
            VariableOp::Increment { .. } => kind_name::INCREMENT_VAR,
        }
    }

    /// The value after applying the operation to `current`.
    pub fn apply(self, current: i64) -> i64 {
        match self {
            VariableOp::Set(v) => v,
            VariableOp::Toggle => i64::from(current == 0),
            VariableOp::Increment { by, min, max, wrap } => {
                let next = current.saturating_add(by);
                if !wrap {
                    return next.clamp(min, max);
                }
                if next > max {
                    min
                } else if next < min {
                    max
                } else {
                    next
                }
            }
        }
    }
}

impl Action {
    /// The kind's name as written in configs (`"WasmPlugin"`, `"SendMidi"`, ...); for a
    /// host action, its own name (`"Keystroke"`).
    pub fn kind(&self) -> &str {
        match self {
            Action::WasmPlugin(_) => kind_name::WASM_PLUGIN,
            Action::SendMidi(_) => kind_name::SEND_MIDI,
            Action::ModeChange(_) => kind_name::MODE_CHANGE,
            Action::Sequence(_) => kind_name::SEQUENCE,
            Action::Delay(_) => kind_name::DELAY,
            Action::Repeat { .. } => kind_name::REPEAT,
            Action::Host(h) => &h.name,
            Action::Conditional { .. } => kind_name::CONDITIONAL,
            Action::Variable(v) => v.op.kind(),
        }
    }

    /// Calls `f` on this action and every action nested in it, mutably.
    pub(crate) fn visit_mut(&mut self, f: &mut dyn FnMut(&mut Action)) {
        f(self);
        match self {
            Action::Sequence(actions) => actions.iter_mut().for_each(|a| a.visit_mut(f)),
            Action::Repeat { action, .. } => action.visit_mut(f),
            Action::Conditional {
                then_action,
                else_action,
                ..
            } => {
                then_action.visit_mut(f);
                if let Some(e) = else_action {
                    e.visit_mut(f);
                }
            }
            _ => {}
        }
    }

    /// Calls `f` on this action and every action nested in it (sequences, repeats),
    /// depth first, in the order they would run.
    pub fn visit<'a>(&'a self, f: &mut dyn FnMut(&'a Action)) {
        f(self);
        match self {
            Action::Sequence(actions) => actions.iter().for_each(|a| a.visit(f)),
            Action::Repeat { action, .. } => action.visit(f),
            Action::Conditional {
                then_action,
                else_action,
                ..
            } => {
                then_action.visit(f);
                if let Some(e) = else_action {
                    e.visit(f);
                }
            }
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
    /// A channel message some of whose fields follow the trigger's values
    /// (`velocity = "velocity"`, `value = { from = "value", min = 0, max = 64 }`, or a
    /// mapping's `velocity_mapping`).
    Mapped(MappedMessage),
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

/// The names of the built-in action kinds as configs write them: the one spelling that
/// the kind table, [`Action::kind`] and the engine's outcome records share.
pub(crate) mod kind_name {
    /// `WasmPlugin`.
    pub(crate) const WASM_PLUGIN: &str = "WasmPlugin";
    /// `SendMidi`.
    pub(crate) const SEND_MIDI: &str = "SendMidi";
    /// `ModeChange`.
    pub(crate) const MODE_CHANGE: &str = "ModeChange";
    /// `Sequence`.
    pub(crate) const SEQUENCE: &str = "Sequence";
    /// `Delay`.
    pub(crate) const DELAY: &str = "Delay";
    /// `Repeat`.
    pub(crate) const REPEAT: &str = "Repeat";
    /// `Host`, the generic host action.
    pub(crate) const HOST: &str = "Host";
    /// `Conditional`.
    pub(crate) const CONDITIONAL: &str = "Conditional";
    /// `SetVar`.
    pub(crate) const SET_VAR: &str = "SetVar";
    /// `ToggleVar`.
    pub(crate) const TOGGLE_VAR: &str = "ToggleVar";
    /// `IncrementVar`.
    pub(crate) const INCREMENT_VAR: &str = "IncrementVar";
}

/// How an action kind is read from its table of fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KindParser {
    /// `WasmPlugin`: a plugin call.
    WasmPlugin,
    /// `SendMidi`: a MIDI message.
    SendMidi,
    /// `ModeChange`: a mode by name, or next / previous.
    ModeChange,
    /// `Sequence`: a list of actions.
    Sequence,
    /// `Delay`: a pause in milliseconds.
    Delay,
    /// `Repeat`: an action run several times.
    Repeat,
    /// `Host`: the generic host action, with its own `name` and `data`.
    Host,
    /// A named host action (`Keystroke`, ...): every field passes through as its data.
    HostShorthand,
    /// `Conditional`: a condition and the actions for each outcome.
    Conditional,
    /// `SetVar`, `ToggleVar`, `IncrementVar`: a change to a named variable.
    Variable,
}

/// One action kind as written in configs: the one place that says what it is called,
/// which fields it takes and needs, and how it is read. What an action does when it
/// runs is decided by the engine, which matches on [`Action`], so a new variant without
/// a runner does not compile.
struct ActionKind {
    /// The name written in configs.
    name: &'static str,
    /// The fields it accepts (groups that are joined); `None` = any field (host
    /// shorthands hand every field to the application).
    fields: Option<&'static [&'static [&'static str]]>,
    /// The fields it needs.
    required: &'static [&'static str],
    /// How its fields become an [`Action`].
    parser: KindParser,
}

impl ActionKind {
    const fn new(
        name: &'static str,
        fields: &'static [&'static [&'static str]],
        required: &'static [&'static str],
        parser: KindParser,
    ) -> Self {
        ActionKind {
            name,
            fields: Some(fields),
            required,
            parser,
        }
    }

    /// A host action kind that needs `field` and passes every field through.
    const fn host(name: &'static str, field: &'static [&'static str]) -> Self {
        ActionKind {
            name,
            fields: None,
            required: field,
            parser: KindParser::HostShorthand,
        }
    }
}

/// Every action kind a config may name.
const ACTION_KINDS: &[ActionKind] = &[
    ActionKind::new(
        kind_name::WASM_PLUGIN,
        &[&["path", "params"], &OVERRIDE_KEYS],
        &["path"],
        KindParser::WasmPlugin,
    ),
    ActionKind::new(
        kind_name::SEND_MIDI,
        &[&SEND_MIDI_FIELDS],
        &[],
        KindParser::SendMidi,
    ),
    ActionKind::new(
        kind_name::MODE_CHANGE,
        &[&["mode"]],
        &["mode"],
        KindParser::ModeChange,
    ),
    ActionKind::new(
        kind_name::SEQUENCE,
        &[&["actions"]],
        &["actions"],
        KindParser::Sequence,
    ),
    ActionKind::new(kind_name::DELAY, &[&["ms"]], &["ms"], KindParser::Delay),
    ActionKind::new(
        kind_name::REPEAT,
        &[&["action", "count", "delay_ms"]],
        &["action", "count"],
        KindParser::Repeat,
    ),
    ActionKind::host("Keystroke", &["keys"]),
    ActionKind::host("Text", &["text"]),
    ActionKind::host("Launch", &["app"]),
    ActionKind::host("Shell", &["command"]),
    ActionKind::host("MouseClick", &["button"]),
    ActionKind::host("VolumeControl", &["operation"]),
    ActionKind::new(
        kind_name::HOST,
        &[&["name", "data"]],
        &["name"],
        KindParser::Host,
    ),
    ActionKind::new(
        kind_name::CONDITIONAL,
        &[&["condition", "conditions", "then_action", "else_action"]],
        &["then_action"],
        KindParser::Conditional,
    ),
    ActionKind::new(
        kind_name::SET_VAR,
        &[&["name", "value"]],
        &["name", "value"],
        KindParser::Variable,
    ),
    ActionKind::new(
        kind_name::TOGGLE_VAR,
        &[&["name"]],
        &["name"],
        KindParser::Variable,
    ),
    ActionKind::new(
        kind_name::INCREMENT_VAR,
        &[&["name", "by", "min", "max", "wrap"]],
        &["name"],
        KindParser::Variable,
    ),
];

/// The names of every action kind, in the order of [`ACTION_KINDS`].
fn kind_names() -> impl Iterator<Item = &'static str> + Clone {
    ACTION_KINDS.iter().map(|k| k.name)
}

/// How deep sequences and repeats may nest.
const MAX_NESTING: usize = 32;

/// What reading actions needs beyond the document: the mode names, and the inline
/// plugin settings seen so far (one plugin instance serves every call of a plugin, so
/// two calls must not set different limits).
pub(crate) struct ActionReader<'a, 't> {
    doc: &'a Doc<'t>,
    mode_names: &'a [String],
    inline_seen: HashMap<PathBuf, (PluginOverrides, usize)>,
    /// Findings that do not stop the load (a condition this platform cannot evaluate).
    pub(crate) warnings: Vec<ConfigWarning>,
}

impl<'a, 't> ActionReader<'a, 't> {
    /// A reader resolving `ModeChange` against `mode_names`.
    pub(crate) fn new(doc: &'a Doc<'t>, mode_names: &'a [String]) -> Self {
        ActionReader {
            doc,
            mode_names,
            inline_seen: HashMap::new(),
            warnings: Vec::new(),
        }
    }

    /// Notes a warning about `line`.
    pub(crate) fn warn(&mut self, line: usize, message: String) {
        self.warnings.push(ConfigWarning { line, message });
    }

    /// Reads an action in either tagged form.
    pub(crate) fn parse(&mut self, v: &Value<'_>) -> Result<Action> {
        self.parse_nested(v, 0)
    }

    fn parse_nested(&mut self, v: &Value<'_>, depth: usize) -> Result<Action> {
        let doc = self.doc;
        if depth > MAX_NESTING {
            return Err(doc.error(
                v.span(),
                format!("actions nest more than {MAX_NESTING} levels deep"),
            ));
        }
        let tagged = reader::tagged(
            doc,
            v,
            "action",
            "{ WasmPlugin = { path = \"plugin.wasm\" } }",
        )?;
        let kind = tagged.kind;
        let Some(spec) = ACTION_KINDS.iter().find(|k| k.name == kind) else {
            let hint = did_you_mean(kind, kind_names())
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default();
            return Err(doc.error(
                tagged.kind_span,
                format!(
                    "unknown action `{kind}`; {hint}(actions: {})",
                    kind_names().collect::<Vec<_>>().join(", ")
                ),
            ));
        };
        // Shorthands of the externally tagged form whose body is not a table.
        if !tagged.internal {
            let body = tagged.body;
            match (spec.parser, body.get_ref()) {
                (KindParser::Sequence, DeValue::Array(items)) => {
                    return self.sequence(body, items, depth);
                }
                (KindParser::Delay, DeValue::Integer(_)) => {
                    return Ok(Action::Delay(Duration::from_millis(reader::int_in(
                        doc,
                        body,
                        "`Delay`",
                        0,
                        i128::from(MAX_DELAY_MS),
                        DELAY_HINT,
                    )?
                        as u64)));
                }
                (KindParser::ModeChange, DeValue::String(name)) => {
                    return self.mode_target(body, name).map(Action::ModeChange);
                }
                _ => {}
            }
        }
        let what = format!("the {kind} action");
        let t = Table::of(doc, tagged.body, &what)?;
        if let Some(groups) = spec.fields {
            let mut allowed: Vec<&str> = groups.concat();
            if tagged.internal {
                allowed.push("type");
            }
            t.allow_only(doc, &allowed)?;
        }
        for field in spec.required {
            t.require(doc, field)?;
        }

        match spec.parser {
            KindParser::WasmPlugin => self.wasm_plugin(&t).map(Action::WasmPlugin),
            KindParser::SendMidi => send_midi(doc, &t).map(Action::SendMidi),
            KindParser::ModeChange => {
                let v = t.require(doc, "mode")?;
                let name = reader::string(doc, v, "`mode`")?;
                self.mode_target(v, name).map(Action::ModeChange)
            }
            KindParser::Sequence => {
                let v = t.require(doc, "actions")?;
                let items = reader::array(doc, v, "`actions`")?;
                self.sequence(v, items, depth)
            }
            KindParser::Delay => {
                let v = t.require(doc, "ms")?;
                let ms = reader::int_in(doc, v, "`ms`", 0, i128::from(MAX_DELAY_MS), DELAY_HINT)?;
                Ok(Action::Delay(Duration::from_millis(ms as u64)))
            }
            KindParser::Repeat => {
                let action = self.parse_nested(t.require(doc, "action")?, depth + 1)?;
                let count = reader::int_in(
                    doc,
                    t.require(doc, "count")?,
                    "`count`",
                    1,
                    u32::MAX as i128,
                    "",
                )? as u32;
                let delay = t
                    .get("delay_ms")
                    .map(|v| {
                        reader::int_in(
                            doc,
                            v,
                            "`delay_ms`",
                            0,
                            i128::from(MAX_DELAY_MS),
                            DELAY_HINT,
                        )
                    })
                    .transpose()?
                    .unwrap_or(0) as u64;
                Ok(Action::Repeat {
                    action: Box::new(action),
                    count,
                    delay: Duration::from_millis(delay),
                })
            }
            KindParser::Host => {
                let name = reader::string(doc, t.require(doc, "name")?, "`name`")?;
                if name.trim().is_empty() {
                    return Err(doc.error(t.span.clone(), "a Host action needs a non-empty `name`"));
                }
                let data = match t.get("data") {
                    Some(v) => {
                        Table::of(doc, v, "`data`")?;
                        reader::to_json(doc, v)?
                    }
                    None => serde_json::Value::Object(Default::default()),
                };
                Ok(Action::Host(HostAction {
                    name: name.to_string(),
                    data,
                }))
            }
            KindParser::Conditional => self.conditional(&t, depth),
            KindParser::Variable => variable(doc, &t, kind).map(Action::Variable),
            KindParser::HostShorthand => {
                let mut data = serde_json::Map::new();
                for (key, value) in t.entries_in_order() {
                    let key: &str = key.get_ref();
                    if tagged.internal && key == "type" {
                        continue;
                    }
                    data.insert(key.to_string(), reader::to_json(doc, value)?);
                }
                Ok(Action::Host(HostAction {
                    name: kind.to_string(),
                    data: serde_json::Value::Object(data),
                }))
            }
        }
    }

    fn conditional(&mut self, t: &Table<'_, '_>, depth: usize) -> Result<Action> {
        let doc = self.doc;
        let mut conditions = ConditionReader {
            mode_names: self.mode_names,
            warnings: &mut self.warnings,
        };
        let condition =
            match (t.get("condition"), t.get("conditions")) {
                (Some(_), Some(v)) => {
                    return Err(doc.error(
                        v.span(),
                        "a Conditional takes `condition` (one condition) or `conditions` (a list \
                     that must all hold), not both",
                    ))
                }
                (Some(v), None) => conditions.parse(doc, v)?,
                (None, Some(v)) => {
                    let items = reader::array(doc, v, "`conditions`")?;
                    if items.is_empty() {
                        return Err(doc.error(v.span(), "`conditions` is empty; list at least one"));
                    }
                    Condition::And(
                        items
                            .iter()
                            .map(|c| conditions.parse(doc, c))
                            .collect::<Result<_>>()?,
                    )
                }
                (None, None) => return Err(doc.error(
                    t.span.clone(),
                    "a Conditional needs `condition`, e.g. `condition = { type = \"TimeRange\", \
                     start = \"09:00\", end = \"17:00\" }`",
                )),
            };
        let then_action = self.parse_nested(t.require(doc, "then_action")?, depth + 1)?;
        let else_action = t
            .get("else_action")
            .map(|v| self.parse_nested(v, depth + 1))
            .transpose()?;
        Ok(Action::Conditional {
            condition,
            then_action: Box::new(then_action),
            else_action: else_action.map(Box::new),
        })
    }

    fn sequence(&mut self, v: &Value<'_>, items: &[Value<'_>], depth: usize) -> Result<Action> {
        if items.is_empty() {
            return Err(self.doc.error(
                v.span(),
                "a Sequence needs at least one action in `actions`",
            ));
        }
        items
            .iter()
            .map(|item| self.parse_nested(item, depth + 1))
            .collect::<Result<_>>()
            .map(Action::Sequence)
    }

    fn mode_target(&self, v: &Value<'_>, name: &str) -> Result<ModeTarget> {
        if let Some(index) = self.mode_names.iter().position(|m| m == name) {
            return Ok(ModeTarget::Named {
                name: name.to_string(),
                index,
            });
        }
        match name.to_ascii_lowercase().as_str() {
            "next" => return Ok(ModeTarget::Next),
            "previous" | "prev" => return Ok(ModeTarget::Previous),
            _ => {}
        }
        let hint = did_you_mean(name, self.mode_names.iter().map(String::as_str))
            .map(|s| format!("did you mean \"{s}\"? "))
            .unwrap_or_default();
        let names: Vec<String> = self.mode_names.iter().map(|n| format!("\"{n}\"")).collect();
        Err(self.doc.error(
            v.span(),
            format!(
                "ModeChange names an unknown mode \"{name}\"; {hint}(modes: {}, or \"next\" / \
                 \"previous\")",
                names.join(", ")
            ),
        ))
    }

    fn wasm_plugin(&mut self, t: &Table<'_, '_>) -> Result<WasmPluginAction> {
        let doc = self.doc;
        let path_value = t.require(doc, "path")?;
        let path_text = reader::string(doc, path_value, "`path`")?;
        if path_text.trim().is_empty() {
            return Err(doc.error(path_value.span(), "the plugin `path` is empty"));
        }
        let path = paths::resolve(Path::new(path_text), doc.base_dir());
        let params = match t.get("params") {
            Some(v) => {
                Table::of(doc, v, "`params`")?;
                reader::to_json(doc, v)?
            }
            None => serde_json::Value::Object(Default::default()),
        };
        let overrides = parse_overrides(doc, t)?;
        self.check_consistent(t, &path, path_text, &overrides)?;
        Ok(WasmPluginAction {
            path,
            path_text: path_text.to_string(),
            params,
            overrides,
        })
    }

    /// Two calls of one plugin may not set different inline limits.
    fn check_consistent(
        &mut self,
        t: &Table<'_, '_>,
        path: &Path,
        path_text: &str,
        overrides: &PluginOverrides,
    ) -> Result<()> {
        let doc = self.doc;
        let line = doc.line(t.span.start);
        let Some((seen, seen_line)) = self.inline_seen.get_mut(path) else {
            self.inline_seen
                .insert(path.to_path_buf(), (overrides.clone(), line));
            return Ok(());
        };
        let conflict = |key: &str| -> Error {
            doc.error(
                t.get(key).map_or(t.span.clone(), |v| v.span()),
                format!(
                    "`{key}` for plugin \"{path_text}\" differs from the value set at line \
                     {seen_line}; one plugin instance serves every call, so set it once in \
                     `[plugins.settings.\"{path_text}\"]`"
                ),
            )
        };
        fn merge<T: PartialEq + Clone>(seen: &mut Option<T>, new: &Option<T>) -> bool {
            match (seen.as_ref(), new) {
                (Some(a), Some(b)) if a != b => false,
                (None, Some(b)) => {
                    *seen = Some(b.clone());
                    true
                }
                _ => true,
            }
        }
        if !merge(&mut seen.fuel, &overrides.fuel) {
            return Err(conflict("fuel"));
        }
        if !merge(&mut seen.memory_bytes, &overrides.memory_bytes) {
            return Err(conflict("memory"));
        }
        if !merge(&mut seen.timeout, &overrides.timeout) {
            return Err(conflict("timeout_ms"));
        }
        Ok(())
    }
}

/// Reads `SetVar`, `ToggleVar` or `IncrementVar`.
fn variable(doc: &Doc<'_>, t: &Table<'_, '_>, kind: &str) -> Result<VariableAction> {
    let nv = t.require(doc, "name")?;
    let name = reader::string(doc, nv, "`name`")?;
    if name.trim().is_empty() {
        return Err(doc.error(nv.span(), "the variable `name` is empty"));
    }
    let int = |key: &str| {
        t.get(key)
            .map(|v| {
                reader::int_in(
                    doc,
                    v,
                    &format!("`{key}`"),
                    i128::from(i64::MIN),
                    i128::from(i64::MAX),
                    "",
                )
                .map(|n| n as i64)
            })
            .transpose()
    };
    let op = match kind {
        kind_name::SET_VAR => VariableOp::Set(int("value")?.unwrap_or(0)),
        kind_name::TOGGLE_VAR => VariableOp::Toggle,
        _ => {
            let by = int("by")?.unwrap_or(1);
            let (min, max) = (int("min")?, int("max")?);
            let wrap = t
                .get("wrap")
                .map(|v| reader::boolean(doc, v, "`wrap`"))
                .transpose()?
                .unwrap_or(false);
            if wrap && (min.is_none() || max.is_none()) {
                return Err(doc.error(
                    t.get("wrap").map_or(t.span.clone(), |v| v.span()),
                    "`wrap = true` needs both ends: add `min` and `max`",
                ));
            }
            let (min, max) = (min.unwrap_or(i64::MIN), max.unwrap_or(i64::MAX));
            if min > max {
                return Err(doc.error(
                    t.get("max").map_or(t.span.clone(), |v| v.span()),
                    format!("`min` ({min}) is above `max` ({max}); swap them"),
                ));
            }
            VariableOp::Increment { by, min, max, wrap }
        }
    };
    Ok(VariableAction {
        name: name.to_string(),
        op,
    })
}

/// The fields a SendMidi action takes.
const SEND_MIDI_FIELDS: [&str; 11] = [
    "message_type",
    "bytes",
    "port",
    "channel",
    "note",
    "velocity",
    "controller",
    "value",
    "program",
    "pitch",
    "pressure",
];

/// SendMidi message types; aliases map onto the first name of each group.
const MESSAGE_TYPES: [&str; 11] = [
    "NoteOn",
    "NoteOff",
    "CC",
    "ControlChange",
    "ProgramChange",
    "PitchBend",
    "Aftertouch",
    "ChannelPressure",
    "ChannelAftertouch",
    "PolyAftertouch",
    "PolyPressure",
];

fn send_midi(doc: &Doc<'_>, t: &Table<'_, '_>) -> Result<SendMidiAction> {
    let port = t
        .get("port")
        .map(|v| reader::string(doc, v, "`port`").map(str::to_string))
        .transpose()?;
    let message = match (t.get("message_type"), t.get("bytes")) {
        (Some(_), Some(bytes)) => {
            return Err(doc.error(
                bytes.span(),
                "SendMidi takes either `message_type` with its fields or raw `bytes`, not both",
            ))
        }
        (None, Some(bytes)) => {
            if let Some((key, v)) = t
                .entries_in_order()
                .into_iter()
                .find(|(k, _)| !["bytes", "port", "type"].contains(&k.get_ref().as_ref()))
            {
                return Err(doc.error(
                    v.span(),
                    format!(
                        "`{}` does not apply to raw `bytes`; remove it",
                        key.get_ref()
                    ),
                ));
            }
            MidiOut::Raw(raw_bytes(doc, bytes)?)
        }
        (Some(ty), None) => typed_message(doc, t, ty)?,
        (None, None) => {
            return Err(doc.error(
                t.span.clone(),
                "SendMidi needs `message_type` (e.g. `message_type = \"NoteOn\", note = 60, \
                 velocity = 100`) or raw `bytes = [0x90, 60, 100]`",
            ))
        }
    };
    Ok(SendMidiAction { message, port })
}

fn typed_message(doc: &Doc<'_>, t: &Table<'_, '_>, ty: &Value<'_>) -> Result<MidiOut> {
    let name = reader::string(doc, ty, "`message_type`")?;
    if !MESSAGE_TYPES.contains(&name) {
        let hint = did_you_mean(name, MESSAGE_TYPES)
            .map(|s| format!("did you mean \"{s}\"? "))
            .unwrap_or_default();
        return Err(doc.error(
            ty.span(),
            format!(
                "unknown message_type \"{name}\"; {hint}(valid: {})",
                MESSAGE_TYPES.join(", ")
            ),
        ));
    }
    let poly = name.starts_with("Poly") || (name == "Aftertouch" && t.get("note").is_some());
    let fields: &[&str] = match name {
        "NoteOn" | "NoteOff" => &["note", "velocity"],
        "CC" | "ControlChange" => &["controller", "value"],
        "ProgramChange" => &["program"],
        "PitchBend" => &["pitch", "value"],
        _ if poly => &["note", "pressure"],
        _ => &["pressure"],
    };
    for (key, v) in t.entries_in_order() {
        let key: &str = key.get_ref();
        let common = ["message_type", "port", "channel", "type"].contains(&key);
        if !common && !fields.contains(&key) {
            return Err(doc.error(
                v.span(),
                format!(
                    "`{key}` does not apply to a {name} message (its fields: channel, {})",
                    fields.join(", ")
                ),
            ));
        }
    }
    if t.entries_in_order().iter().any(|(k, v)| {
        !["message_type", "port", "type"].contains(&k.get_ref().as_ref())
            && transform::is_dynamic(v)
    }) {
        return mapped_message(doc, t, name, poly).map(MidiOut::Mapped);
    }
    let channel = t
        .get("channel")
        .map(|v| reader::int_in(doc, v, "`channel`", 0, 15, CHANNEL_HINT))
        .transpose()?
        .unwrap_or(0) as u8;
    let need = |key: &str| -> Result<u8> {
        let v = t
            .get(key)
            .ok_or_else(|| doc.error(t.span.clone(), format!("a {name} message needs `{key}`")))?;
        reader::u7(doc, v, &format!("`{key}`"))
    };
    Ok(MidiOut::Message(match name {
        "NoteOn" => {
            let velocity = match t.get("velocity") {
                Some(v) => {
                    let vel = reader::u7(doc, v, "`velocity`")?;
                    if vel == 0 {
                        return Err(doc.error(
                            v.span(),
                            "a NoteOn with velocity 0 is a note-off; write \
                             `message_type = \"NoteOff\"` or use velocity 1..=127",
                        ));
                    }
                    vel
                }
                None => DEFAULT_VELOCITY,
            };
            MidiMessage::NoteOn {
                channel,
                note: need("note")?,
                velocity,
            }
        }
        "NoteOff" => MidiMessage::NoteOff {
            channel,
            note: need("note")?,
            velocity: reader::opt_u7(doc, t, "velocity")?.unwrap_or(0),
        },
        "CC" | "ControlChange" => MidiMessage::ControlChange {
            channel,
            controller: need("controller")?,
            value: need("value")?,
        },
        "ProgramChange" => MidiMessage::ProgramChange {
            channel,
            program: need("program")?,
        },
        "PitchBend" => {
            let value = match (t.get("pitch"), t.get("value")) {
                (Some(_), Some(v)) => {
                    return Err(doc.error(
                        v.span(),
                        "give the bend as `pitch` (-8192..=8191, 0 = centre) or as `value` \
                         (0..=16383, 8192 = centre), not both",
                    ))
                }
                (Some(p), None) => {
                    (reader::int_in(doc, p, "`pitch`", -8192, 8191, "0 is centre")? + 8192) as u16
                }
                (None, Some(v)) => {
                    reader::int_in(doc, v, "`value`", 0, 16383, "8192 is centre")? as u16
                }
                (None, None) => {
                    return Err(doc.error(
                        t.span.clone(),
                        "a PitchBend message needs `pitch` (-8192..=8191) or `value` \
                         (0..=16383)",
                    ))
                }
            };
            MidiMessage::PitchBend { channel, value }
        }
        _ if poly => MidiMessage::PolyAftertouch {
            channel,
            note: need("note")?,
            pressure: need("pressure")?,
        },
        _ => MidiMessage::ChannelAftertouch {
            channel,
            pressure: need("pressure")?,
        },
    }))
}

/// A typed message some of whose fields follow the trigger.
fn mapped_message(
    doc: &Doc<'_>,
    t: &Table<'_, '_>,
    name: &str,
    poly: bool,
) -> Result<MappedMessage> {
    // A field: its value as written, else `fallback` when the field may be left out.
    let field = |key: &str, max: u16, source: ValueSource, fallback: Option<u16>| match t.get(key) {
        Some(v) => transform::parse_field(doc, v, key, max, source, fallback.unwrap_or(0)),
        None => fallback
            .map(FieldValue::Fixed)
            .ok_or_else(|| doc.error(t.span.clone(), format!("a {name} message needs `{key}`"))),
    };
    let channel = field("channel", 15, ValueSource::Channel, Some(0))?;
    let seven =
        |key: &str, source: ValueSource, fallback: Option<u16>| field(key, 127, source, fallback);
    let (status, data1, data2) = match name {
        "NoteOn" => (
            0x90,
            seven("note", ValueSource::Note, None)?,
            seven(
                "velocity",
                ValueSource::Velocity,
                Some(u16::from(DEFAULT_VELOCITY)),
            )?,
        ),
        "NoteOff" => (
            0x80,
            seven("note", ValueSource::Note, None)?,
            seven("velocity", ValueSource::Velocity, Some(0))?,
        ),
        "CC" | "ControlChange" => (
            0xB0,
            seven("controller", ValueSource::Controller, None)?,
            seven("value", ValueSource::Value, None)?,
        ),
        "ProgramChange" => (
            0xC0,
            seven("program", ValueSource::Value, None)?,
            FieldValue::Fixed(0),
        ),
        "PitchBend" => {
            if let Some(p) = t.get("pitch") {
                return Err(doc.error(
                    p.span(),
                    "a PitchBend that follows the trigger takes `value` (0..=16383, 8192 = \
                     centre), e.g. `value = { from = \"value\" }`; write `pitch` only as a \
                     fixed number",
                ));
            }
            (
                0xE0,
                field("value", 16383, ValueSource::Value, None)?,
                FieldValue::Fixed(0),
            )
        }
        _ if poly => (
            0xA0,
            seven("note", ValueSource::Note, None)?,
            seven("pressure", ValueSource::Velocity, None)?,
        ),
        _ => (
            0xD0,
            seven("pressure", ValueSource::Velocity, None)?,
            FieldValue::Fixed(0),
        ),
    };
    Ok(MappedMessage {
        status,
        channel,
        data1,
        data2,
    })
}

/// Applies a mapping's `velocity_mapping` to every typed `SendMidi` in `action`: the
/// velocity (control value, pressure, program) each sends follows the trigger through
/// it, unless that field was itself written to follow the trigger. Returns how many
/// messages it applies to.
pub(crate) fn apply_velocity_mapping(action: &mut Action, mapping: FieldValue) -> usize {
    let mut applied = 0;
    action.visit_mut(&mut |a| {
        let Action::SendMidi(send) = a else { return };
        let mapped = match &send.message {
            MidiOut::Message(m) => MappedMessage::fixed(m),
            MidiOut::Mapped(m) => Some(*m),
            MidiOut::Raw(_) => None,
        };
        let Some(mut mapped) = mapped else { return };
        if let Some(field) = mapped.velocity_field() {
            if !field.is_dynamic() {
                let fallback = match *field {
                    FieldValue::Fixed(v) => v,
                    FieldValue::From { fallback, .. } => fallback,
                };
                *field = match mapping {
                    FieldValue::From { transform, .. } => FieldValue::From {
                        transform,
                        fallback,
                    },
                    fixed => fixed,
                };
                applied += 1;
                send.message = MidiOut::Mapped(mapped);
            }
        }
    });
    applied
}

/// Velocity of a NoteOn without `velocity`.
const DEFAULT_VELOCITY: u8 = 100;

/// Reads `bytes = [0x90, 60, 100]`: a status byte first, then 7-bit data bytes (a
/// SysEx may end with `0xF7`).
fn raw_bytes(doc: &Doc<'_>, v: &Value<'_>) -> Result<Vec<u8>> {
    let items = reader::array(doc, v, "`bytes`")?;
    let mut bytes = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let b = reader::int_in(doc, item, "each byte", 0, 255, "")? as u8;
        let is_sysex_end = b == 0xF7 && i + 1 == items.len() && bytes.first() == Some(&0xF0);
        if i == 0 && b < 0x80 {
            return Err(doc.error(
                item.span(),
                format!("raw MIDI must start with a status byte (0x80..=0xFF), got {b:#04x}"),
            ));
        }
        if i > 0 && b >= 0x80 && !is_sysex_end {
            return Err(doc.error(
                item.span(),
                format!(
                    "byte {} is {b:#04x}, but data bytes are 7-bit (0x00..=0x7F); send one \
                     message per action",
                    i + 1
                ),
            ));
        }
        bytes.push(b);
    }
    if bytes.is_empty() {
        return Err(doc.error(v.span(), "`bytes` is empty"));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_kind_has_one_name_and_accepts_the_fields_it_needs() {
        let mut names: Vec<&str> = kind_names().collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ACTION_KINDS.len(), "two kinds share a name");
        for kind in ACTION_KINDS {
            if let Some(groups) = kind.fields {
                let accepted = groups.concat();
                for field in kind.required {
                    assert!(
                        accepted.contains(field),
                        "{} needs `{field}` but does not accept it",
                        kind.name
                    );
                }
            } else {
                assert_eq!(kind.parser, KindParser::HostShorthand, "{}", kind.name);
                assert_eq!(kind.required.len(), 1, "{}", kind.name);
            }
        }
    }
}
