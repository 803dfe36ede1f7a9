//! Conditions of the `Conditional` action, in upstream Conductor's syntax:
//! `condition = "Always"`, `condition = { type = "TimeRange", start = "09:00", end =
//! "17:00" }`, `{ type = "And", conditions = [...] }`, ... plus the held-control
//! conditions that make shift layers (`NoteHeld`, `CcValueInRange`, `CcIsOn`,
//! `CcIsOff`) and the named-variable condition (`Variable`).
//!
//! Everything is checked at load; evaluating a condition ([`Condition::eval`]) reads
//! the clock, the engine's held controls and variables through [`ConditionState`].

use toml::de::DeValue;

use super::reader::{self, Doc, Table, Value};
use super::suggest::did_you_mean;
use super::trigger::CHANNEL_HINT;
use super::warning::ConfigWarning;
use crate::Result;

/// A condition, checked when the action runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// Always true.
    Always,
    /// Never true.
    Never,
    /// Local time of day between `start` and `end` (minutes after midnight, both
    /// included); a range whose end is before its start crosses midnight.
    TimeRange {
        /// Start, in minutes after midnight.
        start: u16,
        /// End, in minutes after midnight.
        end: u16,
    },
    /// Today is one of these days (bit `d` set for day `d`, 1 = Monday .. 7 = Sunday).
    DayOfWeek {
        /// Bit mask of the days.
        days: u8,
    },
    /// A process whose name contains `app_name` (case-insensitive) is running.
    AppRunning {
        /// Part of the process name.
        app_name: String,
    },
    /// The application with focus is `app_name`. Not available on this platform: it
    /// is never true, and loading says so with a warning.
    AppFrontmost {
        /// The application's name.
        app_name: String,
    },
    /// The active mode is called `mode`.
    ModeIs {
        /// The mode's name.
        mode: String,
    },
    /// Every condition holds (true when empty).
    And(Vec<Condition>),
    /// At least one condition holds.
    Or(Vec<Condition>),
    /// The condition does not hold.
    Not(Box<Condition>),
    /// The note is held down (note-on seen, no note-off yet): a shift key.
    NoteHeld {
        /// Note number.
        note: u8,
        /// 0-based channel; `None` = on any channel.
        channel: Option<u8>,
    },
    /// The controller's last value is in `min..=max` (false until one is seen).
    CcValueInRange {
        /// Controller number.
        cc: u8,
        /// 0-based channel; `None` = on any channel.
        channel: Option<u8>,
        /// Lowest value.
        min: u8,
        /// Highest value.
        max: u8,
    },
    /// The named variable compares as asked (unset variables are 0).
    Variable {
        /// The variable's name.
        name: String,
        /// The test.
        test: VariableTest,
    },
}

/// How a [`Condition::Variable`] compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariableTest {
    /// `equals = N`.
    Equals(i64),
    /// `min = A` and/or `max = B`, both included.
    InRange(i64, i64),
    /// Neither given: the value is not 0.
    NonZero,
}

/// What evaluating a condition reads from the running engine.
pub trait ConditionState {
    /// The name of the active mode.
    fn mode_name(&self) -> &str;
    /// A variable's value (0 when unset).
    fn variable(&self, name: &str) -> i64;
    /// Whether `note` is held on `channel` (any channel when `None`).
    fn note_held(&self, channel: Option<u8>, note: u8) -> bool;
    /// Whether the last value of controller `cc` on `channel` (on any channel when
    /// `None`) is in `min..=max`.
    fn cc_in_range(&self, channel: Option<u8>, cc: u8, min: u8, max: u8) -> bool;
}

impl Condition {
    /// Whether the condition holds now.
    pub fn eval(&self, state: &dyn ConditionState) -> bool {
        match self {
            Condition::Always => true,
            Condition::Never => false,
            Condition::TimeRange { start, end } => {
                let now = local_now().0;
                if start <= end {
                    (*start..=*end).contains(&now)
                } else {
                    now >= *start || now <= *end
                }
            }
            Condition::DayOfWeek { days } => days & (1 << local_now().1) != 0,
            Condition::AppRunning { app_name } => app_running(app_name),
            Condition::AppFrontmost { .. } => false,
            Condition::ModeIs { mode } => state.mode_name() == mode,
            Condition::And(all) => all.iter().all(|c| c.eval(state)),
            Condition::Or(any) => any.iter().any(|c| c.eval(state)),
            Condition::Not(c) => !c.eval(state),
            Condition::NoteHeld { note, channel } => state.note_held(*channel, *note),
            Condition::CcValueInRange {
                cc,
                channel,
                min,
                max,
            } => state.cc_in_range(*channel, *cc, *min, *max),
            Condition::Variable { name, test } => {
                let v = state.variable(name);
                match *test {
                    VariableTest::Equals(n) => v == n,
                    VariableTest::InRange(lo, hi) => (lo..=hi).contains(&v),
                    VariableTest::NonZero => v != 0,
                }
            }
        }
    }

    /// Calls `f` on this condition and every one nested in it.
    pub fn visit<'a>(&'a self, f: &mut dyn FnMut(&'a Condition)) {
        f(self);
        match self {
            Condition::And(cs) | Condition::Or(cs) => cs.iter().for_each(|c| c.visit(f)),
            Condition::Not(c) => c.visit(f),
            _ => {}
        }
    }
}

/// Local time: minutes after midnight and the weekday (1 = Monday .. 7 = Sunday).
fn local_now() -> (u16, u8) {
    use chrono::{Datelike, Timelike};
    let now = chrono::Local::now();
    (
        (now.hour() * 60 + now.minute()) as u16,
        now.weekday().number_from_monday() as u8,
    )
}

/// Whether a process whose name (or program path's file name) contains `name`,
/// ignoring case, is running: read from `/proc`.
#[cfg(target_os = "linux")]
fn app_running(name: &str) -> bool {
    let want = name.to_lowercase();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return false;
    };
    dir.flatten()
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
        })
        .any(|e| {
            let comm = std::fs::read_to_string(e.path().join("comm")).unwrap_or_default();
            if comm.trim_end().to_lowercase().contains(&want) {
                return true;
            }
            let cmdline = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
            let program = cmdline.split(|b| *b == 0).next().unwrap_or_default();
            let program = String::from_utf8_lossy(program);
            let base = program.rsplit('/').next().unwrap_or_default();
            base.to_lowercase().contains(&want)
        })
}

/// Not available on this platform (see the load warning).
#[cfg(not(target_os = "linux"))]
fn app_running(_name: &str) -> bool {
    false
}

/// The condition kinds a config may name.
const KINDS: [&str; 14] = [
    "Always",
    "Never",
    "TimeRange",
    "DayOfWeek",
    "AppRunning",
    "AppFrontmost",
    "ModeIs",
    "And",
    "Or",
    "Not",
    "NoteHeld",
    "CcValueInRange",
    "CcIsOn",
    "CcIsOff",
];

/// The `Variable` kind (listed separately: it is ours, not upstream's).
const VARIABLE: &str = "Variable";

/// How deep conditions may nest.
const MAX_DEPTH: usize = 32;

/// Reads conditions, collecting warnings about ones this platform cannot evaluate.
pub(crate) struct ConditionReader<'a> {
    pub(crate) mode_names: &'a [String],
    pub(crate) warnings: &'a mut Vec<ConfigWarning>,
}

impl ConditionReader<'_> {
    /// Reads a condition: a bare `"Always"` / `"Never"`, or a table with `type`.
    pub(crate) fn parse(&mut self, doc: &Doc<'_>, v: &Value<'_>) -> Result<Condition> {
        self.parse_at(doc, v, 0)
    }

    fn parse_at(&mut self, doc: &Doc<'_>, v: &Value<'_>, depth: usize) -> Result<Condition> {
        if depth > MAX_DEPTH {
            return Err(doc.error(
                v.span(),
                format!("conditions nest more than {MAX_DEPTH} levels deep"),
            ));
        }
        let (kind, kind_span, t) = match v.get_ref() {
            DeValue::String(s) => (s.as_ref(), v.span(), None),
            DeValue::Table(_) => {
                let t = Table::of(doc, v, "the condition")?;
                let ty = t.get("type").ok_or_else(|| {
                    doc.error(
                        v.span(),
                        "a condition needs `type` (e.g. `{ type = \"TimeRange\", start = \
                         \"09:00\", end = \"17:00\" }`), or write \"Always\" / \"Never\"",
                    )
                })?;
                (
                    reader::string(doc, ty, "the condition's `type`")?,
                    ty.span(),
                    Some(t),
                )
            }
            other => {
                return Err(doc.error(
                    v.span(),
                    format!(
                        "a condition is \"Always\", \"Never\" or a table with `type`, found {}",
                        reader::type_name(other)
                    ),
                ))
            }
        };
        let all_kinds = || KINDS.iter().copied().chain([VARIABLE]);
        if !all_kinds().any(|k| k == kind) {
            let hint = did_you_mean(kind, all_kinds())
                .map(|s| format!("did you mean \"{s}\"? "))
                .unwrap_or_default();
            return Err(doc.error(
                kind_span,
                format!(
                    "unknown condition \"{kind}\"; {hint}(conditions: {})",
                    all_kinds().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        let Some(t) = t else {
            return match kind {
                "Always" => Ok(Condition::Always),
                "Never" => Ok(Condition::Never),
                _ => Err(doc.error(
                    v.span(),
                    format!(
                        "the {kind} condition needs its fields: write it as a table, \
                         `{{ type = \"{kind}\", ... }}`"
                    ),
                )),
            };
        };
        let fields: &[&str] = match kind {
            "Always" | "Never" => &[],
            "TimeRange" => &["start", "end"],
            "DayOfWeek" => &["days"],
            "AppRunning" | "AppFrontmost" => &["app_name"],
            "ModeIs" => &["mode"],
            "And" | "Or" => &["conditions"],
            "Not" => &["condition"],
            "NoteHeld" => &["note", "channel"],
            "CcValueInRange" => &["cc", "channel", "min", "max"],
            "CcIsOn" | "CcIsOff" => &["cc", "channel"],
            _ => &["name", "equals", "min", "max"],
        };
        let mut allowed = fields.to_vec();
        allowed.push("type");
        t.allow_only(doc, &allowed)?;
        let channel = || {
            t.get("channel")
                .map(|v| reader::int_in(doc, v, "`channel`", 0, 15, CHANNEL_HINT).map(|c| c as u8))
                .transpose()
        };
        Ok(match kind {
            "Always" => Condition::Always,
            "Never" => Condition::Never,
            "TimeRange" => Condition::TimeRange {
                start: clock(doc, t.require(doc, "start")?, "`start`")?,
                end: clock(doc, t.require(doc, "end")?, "`end`")?,
            },
            "DayOfWeek" => {
                let v = t.require(doc, "days")?;
                let items = reader::array(doc, v, "`days`")?;
                if items.is_empty() {
                    return Err(doc.error(
                        v.span(),
                        "`days` is empty; list days as 1 (Monday) ..= 7 (Sunday)",
                    ));
                }
                let mut days = 0u8;
                for item in items {
                    let d = reader::int_in(doc, item, "each day", 1, 7, "1 = Monday, 7 = Sunday")?;
                    days |= 1 << d;
                }
                Condition::DayOfWeek { days }
            }
            "AppRunning" | "AppFrontmost" => {
                let v = t.require(doc, "app_name")?;
                let app_name = reader::string(doc, v, "`app_name`")?;
                if app_name.trim().is_empty() {
                    return Err(doc.error(v.span(), "`app_name` is empty; name the application"));
                }
                let line = doc.line(v.span().start);
                if kind == "AppFrontmost" {
                    self.warnings.push(ConfigWarning {
                        line,
                        message: format!(
                            "AppFrontmost (\"{app_name}\") cannot be evaluated on {}: this \
                             engine has no way to ask which application has focus here, so \
                             the condition is always false. Use AppRunning, ModeIs or a \
                             variable instead",
                            platform()
                        ),
                    });
                    Condition::AppFrontmost {
                        app_name: app_name.to_string(),
                    }
                } else {
                    if !cfg!(target_os = "linux") {
                        self.warnings.push(ConfigWarning {
                            line,
                            message: format!(
                                "AppRunning (\"{app_name}\") cannot be evaluated on {}: \
                                 this engine lists processes only on Linux, so the condition \
                                 is always false",
                                platform()
                            ),
                        });
                    }
                    Condition::AppRunning {
                        app_name: app_name.to_string(),
                    }
                }
            }
            "ModeIs" => {
                let v = t.require(doc, "mode")?;
                let mode = reader::string(doc, v, "`mode`")?;
                if !self.mode_names.iter().any(|m| m == mode) {
                    let hint = did_you_mean(mode, self.mode_names.iter().map(String::as_str))
                        .map(|s| format!("did you mean \"{s}\"? "))
                        .unwrap_or_default();
                    self.warnings.push(ConfigWarning {
                        line: doc.line(v.span().start),
                        message: format!(
                            "ModeIs names \"{mode}\", but no mode has that name, so the \
                             condition is never true; {hint}(modes: {})",
                            self.mode_names.join(", ")
                        ),
                    });
                }
                Condition::ModeIs {
                    mode: mode.to_string(),
                }
            }
            "And" | "Or" => {
                let v = t.require(doc, "conditions")?;
                let items = reader::array(doc, v, "`conditions`")?;
                if items.is_empty() {
                    return Err(doc.error(
                        v.span(),
                        format!("`conditions` of {kind} is empty; list at least one condition"),
                    ));
                }
                let list = items
                    .iter()
                    .map(|c| self.parse_at(doc, c, depth + 1))
                    .collect::<Result<Vec<_>>>()?;
                if kind == "And" {
                    Condition::And(list)
                } else {
                    Condition::Or(list)
                }
            }
            "Not" => Condition::Not(Box::new(self.parse_at(
                doc,
                t.require(doc, "condition")?,
                depth + 1,
            )?)),
            "NoteHeld" => Condition::NoteHeld {
                note: reader::u7(doc, t.require(doc, "note")?, "`note`")?,
                channel: channel()?,
            },
            "CcValueInRange" => {
                let cc = reader::u7(doc, t.require(doc, "cc")?, "`cc`")?;
                let min = reader::u7(doc, t.require(doc, "min")?, "`min`")?;
                let max_v = t.require(doc, "max")?;
                let max = reader::u7(doc, max_v, "`max`")?;
                if min > max {
                    return Err(doc.error(
                        max_v.span(),
                        format!("`min` ({min}) is above `max` ({max}); swap them"),
                    ));
                }
                Condition::CcValueInRange {
                    cc,
                    channel: channel()?,
                    min,
                    max,
                }
            }
            "CcIsOn" | "CcIsOff" => {
                let (min, max) = if kind == "CcIsOn" { (64, 127) } else { (0, 63) };
                Condition::CcValueInRange {
                    cc: reader::u7(doc, t.require(doc, "cc")?, "`cc`")?,
                    channel: channel()?,
                    min,
                    max,
                }
            }
            _ => {
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
                let test = match (int("equals")?, int("min")?, int("max")?) {
                    (Some(n), None, None) => VariableTest::Equals(n),
                    (Some(_), _, _) => {
                        return Err(doc.error(
                            t.span.clone(),
                            "a Variable condition takes `equals` or a range (`min`, `max`), \
                             not both",
                        ))
                    }
                    (None, None, None) => VariableTest::NonZero,
                    (None, lo, hi) => {
                        let (lo, hi) = (lo.unwrap_or(i64::MIN), hi.unwrap_or(i64::MAX));
                        if lo > hi {
                            return Err(doc.error(
                                t.span.clone(),
                                format!("`min` ({lo}) is above `max` ({hi}); swap them"),
                            ));
                        }
                        VariableTest::InRange(lo, hi)
                    }
                };
                Condition::Variable {
                    name: name.to_string(),
                    test,
                }
            }
        })
    }
}

/// The platform's name for messages.
fn platform() -> &'static str {
    match std::env::consts::OS {
        "linux" => "Linux",
        "macos" => "macOS",
        "windows" => "Windows",
        other => other,
    }
}

/// Reads `"HH:MM"` (24-hour) as minutes after midnight.
fn clock(doc: &Doc<'_>, v: &Value<'_>, what: &str) -> Result<u16> {
    let s = reader::string(doc, v, what)?;
    let parsed = s.split_once(':').and_then(|(h, m)| {
        let ok = |p: &str| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit());
        (ok(h) && ok(m)).then(|| (h.parse::<u16>().ok(), m.parse::<u16>().ok()))
    });
    match parsed {
        Some((Some(h), Some(m))) if h < 24 && m < 60 => Ok(h * 60 + m),
        _ => Err(doc.error(
            v.span(),
            format!(
                "{what} \"{s}\" is not a time of day; write 24-hour \"HH:MM\", e.g. \"09:00\" \
                 or \"23:30\""
            ),
        )),
    }
}
