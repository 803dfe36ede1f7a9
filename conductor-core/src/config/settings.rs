//! The device, timing, engine and logging sections.

use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::de::DeValue;

use super::paths;
use super::reader::{self, Doc, Table, Value};
use super::warning::ConfigWarning;
use crate::midi::PortSelector;
use crate::Result;

/// `[device]`: which MIDI input to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSettings {
    /// Human-readable device name; input ports whose name contains it are preferred.
    pub name: Option<String>,
    /// Open the device's input when no port is named (default `true`). With `false`
    /// the input must be named explicitly (the CLI's port argument,
    /// `Engine::connect_input(Some(..))`).
    pub auto_connect: bool,
    /// Reconnect after the device disappears (default `true`).
    pub auto_reconnect: bool,
    /// An explicit port, overriding the name match.
    pub port: Option<PortSelector>,
}

impl Default for DeviceSettings {
    fn default() -> Self {
        DeviceSettings {
            name: None,
            auto_connect: true,
            auto_reconnect: true,
            port: None,
        }
    }
}

/// The gesture timing windows, from `[engine]` or Conductor's `[advanced_settings]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimingSettings {
    /// Window in which all notes of a chord must arrive (default 50 ms).
    pub chord: Duration,
    /// Longest gap between the two presses of a double tap (default 300 ms).
    pub double_tap: Duration,
    /// How long a note must be held to count as a long press (default 500 ms).
    pub hold: Duration,
}

impl TimingSettings {
    /// Default chord window.
    pub const DEFAULT_CHORD: Duration = Duration::from_millis(50);
    /// Default double-tap window.
    pub const DEFAULT_DOUBLE_TAP: Duration = Duration::from_millis(300);
    /// Default hold threshold.
    pub const DEFAULT_HOLD: Duration = Duration::from_millis(500);
}

impl Default for TimingSettings {
    fn default() -> Self {
        TimingSettings {
            chord: Self::DEFAULT_CHORD,
            double_tap: Self::DEFAULT_DOUBLE_TAP,
            hold: Self::DEFAULT_HOLD,
        }
    }
}

/// `[engine]`: settings of the engine thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngineSettings {
    /// Capacity of the input queue between MIDI callbacks and the engine thread
    /// (default 1024); a full queue drops and counts.
    pub queue_capacity: usize,
    /// `midi_thru = true`: channel messages that fire no mapping are passed on to the
    /// MIDI output unchanged (default off). A note-off passes only when its note-on
    /// did, so a mapped pad's release stays in.
    pub midi_thru: bool,
}

impl EngineSettings {
    /// Default input queue capacity.
    pub const DEFAULT_QUEUE_CAPACITY: usize = 1024;
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            queue_capacity: Self::DEFAULT_QUEUE_CAPACITY,
            midi_thru: false,
        }
    }
}

/// `[logging]`, accepted leniently: `level` and `file` are read, anything else is kept
/// in `other` for the embedding application.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LoggingSettings {
    /// Log level as written (`"off"`, `"error"`, `"warn"`, `"info"`, `"debug"`, `"trace"`).
    pub level: Option<String>,
    /// Log file, resolved against the config's folder.
    pub file: Option<PathBuf>,
    /// Every other key of the section, as JSON.
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// Reads `[device]`.
pub(crate) fn parse_device(doc: &Doc<'_>, v: &Value<'_>) -> Result<DeviceSettings> {
    let t = Table::of(doc, v, "`[device]`")?;
    t.allow_only(doc, &["name", "auto_connect", "auto_reconnect", "port"])?;
    let mut device = DeviceSettings::default();
    if let Some(v) = t.get("name") {
        device.name = Some(reader::string(doc, v, "`name`")?.to_string());
    }
    if let Some(v) = t.get("auto_connect") {
        device.auto_connect = reader::boolean(doc, v, "`auto_connect`")?;
    }
    if let Some(v) = t.get("auto_reconnect") {
        device.auto_reconnect = reader::boolean(doc, v, "`auto_reconnect`")?;
    }
    if let Some(v) = t.get("port") {
        device.port = Some(port_selector(doc, v, "`port`")?);
    }
    Ok(device)
}

/// Reads a port selector: a string is (part of) a port name, an integer a 0-based
/// index.
pub(crate) fn port_selector(doc: &Doc<'_>, v: &Value<'_>, what: &str) -> Result<PortSelector> {
    Ok(match v.get_ref() {
        DeValue::String(s) => PortSelector::Name(s.to_string()),
        _ => PortSelector::Index(reader::int_in(
            doc,
            v,
            what,
            0,
            u32::MAX as i128,
            "a 0-based port index, or a port name as a string",
        )? as usize),
    })
}

/// The timing keys shared by `[engine]` and `[advanced_settings]`.
const TIMING_KEYS: [&str; 3] = [
    "chord_timeout_ms",
    "double_tap_timeout_ms",
    "hold_threshold_ms",
];

/// Reads the timing windows and the engine settings from `[engine]` and Conductor's
/// `[advanced_settings]`. Where both set a window, `[engine]` wins and a warning says so.
pub(crate) fn parse_engine(
    doc: &Doc<'_>,
    engine: Option<&Value<'_>>,
    advanced: Option<&Value<'_>>,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<(TimingSettings, EngineSettings)> {
    let mut timing = TimingSettings::default();
    let mut settings = EngineSettings::default();
    let advanced = advanced
        .map(|v| Table::of(doc, v, "`[advanced_settings]`"))
        .transpose()?;
    if let Some(t) = &advanced {
        t.allow_only(doc, &TIMING_KEYS)?;
    }
    let engine = engine
        .map(|v| Table::of(doc, v, "`[engine]`"))
        .transpose()?;
    if let Some(t) = &engine {
        let mut allowed = TIMING_KEYS.to_vec();
        allowed.push("queue_capacity");
        allowed.push("midi_thru");
        t.allow_only(doc, &allowed)?;
        if let Some(v) = t.get("midi_thru") {
            settings.midi_thru = reader::boolean(doc, v, "`midi_thru`")?;
        }
        if let Some(v) = t.get("queue_capacity") {
            settings.queue_capacity =
                reader::int_in(doc, v, "`queue_capacity`", 1, u32::MAX as i128, "")? as usize;
        }
    }
    let slots: [&mut Duration; 3] = [&mut timing.chord, &mut timing.double_tap, &mut timing.hold];
    for (key, slot) in TIMING_KEYS.into_iter().zip(slots) {
        let read = |t: &Option<Table<'_, '_>>| -> Result<Option<(Duration, usize)>> {
            t.as_ref()
                .and_then(|t| t.get(key))
                .map(|v| {
                    reader::positive(doc, v, &format!("`{key}`"))
                        .map(|ms| (Duration::from_millis(ms), doc.line(v.span().start)))
                })
                .transpose()
        };
        match (read(&engine)?, read(&advanced)?) {
            (Some((e, line)), Some((a, _))) => {
                if e != a {
                    warnings.push(ConfigWarning {
                        line,
                        message: format!(
                            "`{key}` is {} ms in [engine] and {} ms in [advanced_settings]; \
                             using [engine]'s (remove one)",
                            e.as_millis(),
                            a.as_millis()
                        ),
                    });
                }
                *slot = e;
            }
            (Some((d, _)), None) | (None, Some((d, _))) => *slot = d,
            (None, None) => {}
        }
    }
    Ok((timing, settings))
}

/// Reads `[logging]` leniently: `level` and `file` are checked, the rest kept as is.
pub(crate) fn parse_logging(doc: &Doc<'_>, v: &Value<'_>) -> Result<LoggingSettings> {
    let t = Table::of(doc, v, "`[logging]`")?;
    let mut logging = LoggingSettings::default();
    for (key, value) in t.entries_in_order() {
        match key.get_ref().as_ref() {
            "level" => {
                logging.level = Some(reader::string(doc, value, "`level`")?.to_string());
            }
            "file" => {
                let text = reader::string(doc, value, "`file`")?;
                logging.file = Some(paths::resolve(Path::new(text), doc.base_dir()));
            }
            other => {
                logging
                    .other
                    .insert(other.to_string(), reader::to_json(doc, value)?);
            }
        }
    }
    Ok(logging)
}
