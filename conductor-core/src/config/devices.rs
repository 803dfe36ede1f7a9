//! `[[devices]]`: named controllers, each with an optional input and output port, the
//! MIDI it is sent when its output opens (`init`) and before it closes (`shutdown`),
//! and the feedback that shows the engine's state on it.
//!
//! ```toml
//! [[devices]]
//! name = "pads"
//! input = "Launchpad"      # port index, or (part of) a port name
//! output = "Launchpad"
//! init = [[0xF0, 0x00, 0x20, 0x29, 0x02, 0x0D, 0x0E, 0x01, 0xF7]]
//! shutdown = ["B0 00 00"]  # each message as bytes, or as hex text
//!
//! [[devices.feedback]]      # lit while mode "Mixer" is active
//! mode = "Mixer"
//! note = 36
//! on = 127
//! off = 0
//! ```

use toml::de::DeValue;

use super::reader::{self, Doc, Table, Value};
use super::settings::port_selector;
use super::{Action, Config};
use crate::midi::PortSelector;
use crate::{Error, Result};

/// One `[[devices]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceConfig {
    /// The device's name, unique in the config: what `device = "..."` on a mapping and
    /// `port = "..."` on a `SendMidi` refer to.
    pub name: String,
    /// The input port it is read from (`None`: Conductor does not listen to it).
    pub input: Option<PortSelector>,
    /// The output port it is sent to (`None`: nothing is sent to it).
    pub output: Option<PortSelector>,
    /// Reopen its ports when they come back after disappearing (default `true`).
    pub auto_reconnect: bool,
    /// Messages sent, in order, each time its output opens (or reopens).
    pub init: Vec<Vec<u8>>,
    /// Messages sent, in order, before its output is closed.
    pub shutdown: Vec<Vec<u8>>,
    /// `[[devices.feedback]]`: lights that show which mode is active.
    pub feedback: Vec<ModeFeedback>,
    /// `thru`: where its messages that fire no mapping go (`None`: nowhere, unless
    /// `[engine] midi_thru` passes every device's on).
    pub thru: Option<Thru>,
    /// 1-based line of the entry.
    pub line: usize,
}

/// Where a device's messages that fire no mapping are passed on to (`thru`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Thru {
    /// `thru = true`: the engine's MIDI output.
    Output,
    /// `thru = "NAME"`: that device's output.
    Device(String),
}

/// Where a feedback light is: a note or a controller on a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeedbackTarget {
    /// A note: lit with a note-on of velocity `on`, unlit with velocity `off`.
    Note {
        /// 0-based channel.
        channel: u8,
        /// Note number.
        note: u8,
    },
    /// A controller: lit with value `on`, unlit with value `off`.
    ControlChange {
        /// 0-based channel.
        channel: u8,
        /// Controller number.
        controller: u8,
    },
}

impl FeedbackTarget {
    /// The message that sets this light to `value`.
    pub fn message(&self, value: u8) -> [u8; 3] {
        match *self {
            FeedbackTarget::Note { channel, note } => [0x90 | channel, note, value],
            FeedbackTarget::ControlChange {
                channel,
                controller,
            } => [0xB0 | channel, controller, value],
        }
    }
}

/// A light and the values it shows when on and off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedbackLight {
    /// Which note or controller.
    pub target: FeedbackTarget,
    /// Velocity or value while lit (default 127).
    pub on: u8,
    /// Velocity or value while unlit (default 0).
    pub off: u8,
}

/// A `[[devices.feedback]]` entry: a light that is on while `mode` is active and
/// `variable` holds (each only when given; at least one is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModeFeedback {
    /// The mode's name; `None`: in every mode.
    pub mode: Option<String>,
    /// The variable that turns the light on (a toggle's state, a value a plugin sets).
    pub variable: Option<VariableLight>,
    /// The light.
    pub light: FeedbackLight,
}

/// A mapping's `feedback = { ... }`: a light that is on while the mapping's mode is
/// active (always, for a global mapping) and its `variable` holds, if it names one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingFeedback {
    /// The device it is shown on; default: the mapping's `device`, else the only
    /// device with an output.
    pub device: Option<String>,
    /// The variable that turns the light on, e.g. the one the mapping toggles.
    pub variable: Option<VariableLight>,
    /// The light.
    pub light: FeedbackLight,
}

/// A light that follows a named variable (`SetVar`, `ToggleVar`, `IncrementVar`, a
/// plugin's returned `SetVar`, `Engine::set_variable`): `variable = "name"`, on while it
/// is non-zero, or with `equals = N` while it is `N`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableLight {
    /// The variable's name.
    pub name: String,
    /// The value that lights it; `None`: any value but 0.
    pub equals: Option<i64>,
}

impl VariableLight {
    /// Whether the light is on when the variable has `value`.
    pub fn lit_by(&self, value: i64) -> bool {
        match self.equals {
            Some(wanted) => value == wanted,
            None => value != 0,
        }
    }
}

/// Reads `[[devices]]`; `modes` are the config's mode names.
pub(crate) fn parse(doc: &Doc<'_>, v: &Value<'_>, modes: &[String]) -> Result<Vec<DeviceConfig>> {
    let items = reader::array(doc, v, "`devices` (write `[[devices]]`)")?;
    let mut devices: Vec<DeviceConfig> = Vec::with_capacity(items.len());
    for item in items {
        let t = Table::of(doc, item, "a `[[devices]]` entry")?;
        t.allow_only(
            doc,
            &[
                "name",
                "input",
                "output",
                "auto_reconnect",
                "init",
                "shutdown",
                "feedback",
                "thru",
            ],
        )?;
        let name_value = t.require(doc, "name")?;
        let name = reader::string(doc, name_value, "the device's `name`")?;
        if name.trim().is_empty() {
            return Err(doc.error(name_value.span(), "the device's `name` is empty"));
        }
        if let Some(first) = devices.iter().find(|d| d.name == name) {
            return Err(doc.error(
                name_value.span(),
                format!(
                    "two devices are named \"{name}\" (the first at line {}); device names \
                     must be unique",
                    first.line
                ),
            ));
        }
        let selector = |key: &str| -> Result<Option<PortSelector>> {
            let Some(v) = t.get(key) else {
                return Ok(None);
            };
            match port_selector(doc, v, &format!("`{key}`"))? {
                PortSelector::Name(s) if s.trim().is_empty() => Err(doc.error(
                    v.span(),
                    format!("`{key}` is empty: give a port index or part of a port name"),
                )),
                selector => Ok(Some(selector)),
            }
        };
        let input = selector("input")?;
        let output = selector("output")?;
        let auto_reconnect = t
            .get("auto_reconnect")
            .map(|v| reader::boolean(doc, v, "`auto_reconnect`"))
            .transpose()?
            .unwrap_or(true);
        let init = t
            .get("init")
            .map(|v| messages(doc, v, "`init`"))
            .transpose()?
            .unwrap_or_default();
        let shutdown = t
            .get("shutdown")
            .map(|v| messages(doc, v, "`shutdown`"))
            .transpose()?
            .unwrap_or_default();
        let mut feedback = Vec::new();
        if let Some(v) = t.get("feedback") {
            let entries = reader::array(doc, v, "`feedback` (write `[[devices.feedback]]`)")?;
            for entry in entries {
                let f = Table::of(doc, entry, "a `[[devices.feedback]]` entry")?;
                f.allow_only(
                    doc,
                    &[
                        "mode", "variable", "equals", "note", "cc", "channel", "on", "off",
                    ],
                )?;
                let mode = match f.get("mode") {
                    Some(mode_value) => {
                        let mode = reader::string(doc, mode_value, "`mode`")?;
                        if !modes.iter().any(|m| m == mode) {
                            return Err(doc.error(
                                mode_value.span(),
                                format!(
                                    "there is no mode called \"{mode}\"; modes: {}",
                                    modes.join(", ")
                                ),
                            ));
                        }
                        Some(mode.to_string())
                    }
                    None => None,
                };
                let variable = variable_light(doc, &f)?;
                if mode.is_none() && variable.is_none() {
                    return Err(doc.error(
                        f.span.clone(),
                        "a `[[devices.feedback]]` entry needs `mode = \"NAME\"` (lit while that \
                         mode is active) or `variable = \"NAME\"` (lit while that variable is \
                         not 0, or equals `equals`), or both",
                    ));
                }
                feedback.push(ModeFeedback {
                    mode,
                    variable,
                    light: light(doc, &f)?,
                });
            }
        }
        if output.is_none() && (!init.is_empty() || !shutdown.is_empty() || !feedback.is_empty()) {
            return Err(doc.error(
                t.span.clone(),
                format!(
                    "device \"{name}\" has `init`, `shutdown` or `feedback` but no `output` to \
                     send them to; add `output = \"PORT\"` (a port index or part of its name)"
                ),
            ));
        }
        if input.is_none() && output.is_none() {
            return Err(doc.error(
                t.span.clone(),
                format!(
                    "device \"{name}\" has neither `input` nor `output`; give at least one \
                     (a port index or part of a port name)"
                ),
            ));
        }
        let thru = match t.get("thru") {
            None => None,
            Some(v) => match v.get_ref() {
                DeValue::String(_) => {
                    Some(Thru::Device(reader::string(doc, v, "`thru`")?.to_string()))
                }
                _ => reader::boolean(doc, v, "`thru` (true, or a device name)")?
                    .then_some(Thru::Output),
            },
        };
        if thru.is_some() && input.is_none() {
            return Err(doc.error(
                t.get("thru").expect("present").span(),
                format!(
                    "device \"{name}\" has `thru` but no `input` whose messages could pass \
                     through; add `input = \"PORT\"` or remove `thru`"
                ),
            ));
        }
        devices.push(DeviceConfig {
            name: name.to_string(),
            input,
            output,
            auto_reconnect,
            init,
            shutdown,
            feedback,
            thru,
            line: doc.line(item.span().start),
        });
    }
    Ok(devices)
}

/// Reads a feedback light: `note` or `cc`, `channel`, `on`, `off`.
pub(crate) fn light(doc: &Doc<'_>, t: &Table<'_, '_>) -> Result<FeedbackLight> {
    let channel = t
        .get("channel")
        .map(|v| reader::int_in(doc, v, "`channel`", 0, 15, "channels are 0-based: 0..=15"))
        .transpose()?
        .unwrap_or(0) as u8;
    let target = match (
        reader::opt_u7(doc, t, "note")?,
        reader::opt_u7(doc, t, "cc")?,
    ) {
        (Some(note), None) => FeedbackTarget::Note { channel, note },
        (None, Some(controller)) => FeedbackTarget::ControlChange {
            channel,
            controller,
        },
        _ => {
            return Err(doc.error(
                t.span.clone(),
                format!(
                    "{} needs exactly one of `note = N` (lit by a note-on) or `cc = N` (lit \
                     by a control change)",
                    t.what
                ),
            ))
        }
    };
    Ok(FeedbackLight {
        target,
        on: reader::opt_u7(doc, t, "on")?.unwrap_or(127),
        off: reader::opt_u7(doc, t, "off")?.unwrap_or(0),
    })
}

/// Reads a mapping's `feedback = { note = N, on = .., off = .., device = ".." }`.
pub(crate) fn mapping_feedback(doc: &Doc<'_>, v: &Value<'_>) -> Result<MappingFeedback> {
    let t = Table::of(doc, v, "the mapping's `feedback`")?;
    t.allow_only(
        doc,
        &[
            "device", "variable", "equals", "note", "cc", "channel", "on", "off",
        ],
    )?;
    let device = t
        .get("device")
        .map(|v| reader::string(doc, v, "`device`").map(str::to_string))
        .transpose()?;
    Ok(MappingFeedback {
        device,
        variable: variable_light(doc, &t)?,
        light: light(doc, &t)?,
    })
}

/// Reads `variable = "NAME"` and `equals = N` of a feedback table.
fn variable_light(doc: &Doc<'_>, t: &Table<'_, '_>) -> Result<Option<VariableLight>> {
    let equals = t
        .get("equals")
        .map(|v| reader::int_in(doc, v, "`equals`", i64::MIN as i128, i64::MAX as i128, ""))
        .transpose()?
        .map(|n| n as i64);
    match t.get("variable") {
        Some(v) => {
            let name = reader::string(doc, v, "`variable`")?;
            if name.trim().is_empty() {
                return Err(doc.error(v.span(), "`variable` is empty; name a variable"));
            }
            Ok(Some(VariableLight {
                name: name.to_string(),
                equals,
            }))
        }
        None if equals.is_some() => Err(doc.error(
            t.get("equals").expect("present").span(),
            "`equals` needs `variable = \"NAME\"`: the variable whose value lights it",
        )),
        None => Ok(None),
    }
}

/// A list of MIDI messages: each an array of bytes or a hex string (`"F0 7E 7F F7"`).
fn messages(doc: &Doc<'_>, v: &Value<'_>, what: &str) -> Result<Vec<Vec<u8>>> {
    let items = reader::array(doc, v, what)?;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let bytes = match item.get_ref() {
            DeValue::String(s) => hex_bytes(s).map_err(|e| doc.error(item.span(), e))?,
            DeValue::Array(_) => {
                let mut bytes = Vec::new();
                for b in reader::array(doc, item, "a message")? {
                    bytes.push(reader::int_in(doc, b, "each byte", 0, 255, "")? as u8);
                }
                bytes
            }
            _ => {
                return Err(doc.error(
                    item.span(),
                    format!(
                        "each message of {what} is an array of bytes (`[0xB0, 0, 0]`) or hex \
                         text (`\"F0 7E 7F 06 01 F7\"`), found {}",
                        reader::type_name(item.get_ref())
                    ),
                ))
            }
        };
        check_message(&bytes).map_err(|e| doc.error(item.span(), e))?;
        out.push(bytes);
    }
    Ok(out)
}

/// Hex text, bytes separated by spaces or commas, `0x` prefixes allowed.
fn hex_bytes(text: &str) -> std::result::Result<Vec<u8>, String> {
    text.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            let digits = s.trim_start_matches("0x").trim_start_matches("0X");
            u8::from_str_radix(digits, 16)
                .map_err(|_| format!("\"{s}\" is not a hex byte (write e.g. \"F0 7E 7F F7\")"))
        })
        .collect()
}

/// A message starts with a status byte and has 7-bit data; SysEx ends with F7.
fn check_message(bytes: &[u8]) -> std::result::Result<(), String> {
    let Some(&status) = bytes.first() else {
        return Err("the message is empty".into());
    };
    if status < 0x80 {
        return Err(format!(
            "a message must start with a status byte (0x80..=0xFF), got {status:#04x}"
        ));
    }
    let sysex = status == 0xF0;
    for (i, &b) in bytes.iter().enumerate().skip(1) {
        let last = i + 1 == bytes.len();
        if b >= 0x80 && !(sysex && last && b == 0xF7) {
            return Err(format!(
                "byte {} is {b:#04x}, but data bytes are 7-bit (0x00..=0x7F); write one \
                 message per entry",
                i + 1
            ));
        }
    }
    if sysex && bytes.last() != Some(&0xF7) {
        return Err("a SysEx message must end with 0xF7".into());
    }
    Ok(())
}

/// Checks what mappings say about devices once everything is read: `device` filters,
/// `SendMidi` ports and feedback must name a configured device. Without any
/// `[[devices]]`, a `SendMidi` port goes to the default output, as it always has.
pub(crate) fn check(config: &Config) -> Result<()> {
    let names: Vec<&str> = config.devices.iter().map(|d| d.name.as_str()).collect();
    let known = || {
        if names.is_empty() {
            "the config has no [[devices]]; add one with this name".to_string()
        } else {
            format!("devices: {}", names.join(", "))
        }
    };
    let error = |line: Option<usize>, message: String| Error::Config {
        path: config.path.clone(),
        line,
        column: None,
        message,
    };
    let with_output: Vec<&str> = config
        .devices
        .iter()
        .filter(|d| d.output.is_some())
        .map(|d| d.name.as_str())
        .collect();
    for device in &config.devices {
        if let Some(Thru::Device(target)) = &device.thru {
            if !with_output.contains(&target.as_str()) {
                return Err(error(
                    Some(device.line),
                    format!(
                        "device \"{}\" passes its messages `thru` to \"{target}\", which is not \
                         a configured device with an `output`; devices with an output: {}",
                        device.name,
                        list(&with_output)
                    ),
                ));
            }
        }
    }
    for (_, mapping) in config.all_mappings() {
        if let Some(device) = &mapping.device {
            if !names.contains(&device.as_str()) {
                return Err(error(
                    mapping.line,
                    format!(
                        "{} filters on device \"{device}\", which is not configured; {}",
                        mapping.label(),
                        known()
                    ),
                ));
            }
        }
        if let Some(feedback) = &mapping.feedback {
            let device = feedback.device.as_ref().or(mapping.device.as_ref());
            match device {
                Some(d) if !with_output.contains(&d.as_str()) => {
                    return Err(error(
                        mapping.line,
                        format!(
                            "{}: feedback goes to device \"{d}\", which is not a configured \
                             device with an `output`; devices with an output: {}",
                            mapping.label(),
                            list(&with_output)
                        ),
                    ))
                }
                Some(_) => {}
                None if with_output.len() == 1 => {}
                None => {
                    return Err(error(
                        mapping.line,
                        format!(
                            "{}: say which device shows its feedback (`feedback = {{ device = \
                             \"NAME\", ... }}`); devices with an output: {}",
                            mapping.label(),
                            list(&with_output)
                        ),
                    ))
                }
            }
        }
        let mut bad_port = None;
        mapping.action.visit(&mut |a| {
            if let Action::SendMidi(send) = a {
                if let Some(port) = &send.port {
                    if bad_port.is_none() && !with_output.contains(&port.as_str()) {
                        bad_port = Some(port.clone());
                    }
                }
            }
        });
        if let Some(port) = bad_port {
            // A config without [[devices]] keeps sending to the default output, as
            // Conductor configs that name an output port always have.
            if !names.is_empty() {
                return Err(error(
                    mapping.line,
                    format!(
                        "{}: SendMidi `port = \"{port}\"` is not a configured device with an \
                         `output`; devices with an output: {}",
                        mapping.label(),
                        list(&with_output)
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn list(names: &[&str]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_text_and_sysex_are_read_and_checked() {
        assert_eq!(
            hex_bytes("F0 7e,0x7F F7").unwrap(),
            [0xF0, 0x7E, 0x7F, 0xF7]
        );
        assert!(hex_bytes("F0 GG").is_err());
        assert!(check_message(&[0xF0, 1, 2, 0xF7]).is_ok());
        assert!(check_message(&[0xF0, 1, 2]).is_err());
        assert!(check_message(&[0x90, 0x90, 1]).is_err());
        assert!(check_message(&[1, 2]).is_err());
        assert!(check_message(&[]).is_err());
    }
}
