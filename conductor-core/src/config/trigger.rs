//! What a mapping listens for.

use std::time::Duration;

use super::reader::{self, Doc, Table, Value};
use super::settings::TimingSettings;
use super::suggest::did_you_mean;
use crate::midi::BytePattern;
use crate::Result;

/// The MIDI input a mapping fires on.
///
/// Every kind takes an optional `channel`: `None` matches any channel. Channels here, as
/// in the config file and in existing Conductor configs, are 0-based (`0` is what
/// musicians call MIDI channel 1, `15` is channel 16).
///
/// Written in the config either externally tagged, as in the plugin guide:
///
/// ```toml
/// trigger = { Note = { note = 60 } }
/// ```
///
/// or internally tagged, as existing Conductor configs do:
///
/// ```toml
/// [modes.mappings.trigger]
/// type = "Note"
/// note = 60
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// A note-on for `note` whose velocity lies in `velocity_min..=velocity_max`.
    Note {
        /// 0..=127
        note: u8,
        /// Lowest velocity that fires (inclusive); `None` = any.
        velocity_min: Option<u8>,
        /// Highest velocity that fires (inclusive); `None` = any.
        velocity_max: Option<u8>,
        /// 0-based channel; `None` = any.
        channel: Option<u8>,
    },
    /// A note-off (or note-on with velocity 0) for `note`.
    NoteOff {
        /// 0..=127
        note: u8,
        /// 0-based channel; `None` = any.
        channel: Option<u8>,
    },
    /// A note-on for `note` with a velocity inside `min..=max`.
    ///
    /// Conductor's band form (`soft_max`, `medium_max`, `level`) is resolved into this
    /// window at load time.
    VelocityRange {
        /// 0..=127
        note: u8,
        /// Lowest velocity (inclusive).
        min: u8,
        /// Highest velocity (inclusive).
        max: u8,
        /// 0-based channel; `None` = any.
        channel: Option<u8>,
    },
    /// A note-on for any note in `low..=high`.
    NoteRange {
        /// Lowest note (inclusive).
        low: u8,
        /// Highest note (inclusive).
        high: u8,
        /// 0-based channel; `None` = any.
        channel: Option<u8>,
    },
    /// A control change on controller `cc` whose value lies in `value_min..=value_max`.
    CC {
        /// Controller number, 0..=127.
        cc: u8,
        /// Lowest value that fires (inclusive); `None` = any.
        value_min: Option<u8>,
        /// Highest value that fires (inclusive); `None` = any.
        value_max: Option<u8>,
        /// 0-based channel; `None` = any.
        channel: Option<u8>,
    },
    /// A relative encoder on controller `cc` turning in `direction` (`None` = either way).
    EncoderTurn {
        /// Controller number, 0..=127.
        cc: u8,
        /// Which way; `None` fires on both.
        direction: Option<EncoderDirection>,
        /// How the encoder encodes its steps.
        encoding: EncoderEncoding,
        /// 0-based channel; `None` = any.
        channel: Option<u8>,
    },
    /// A pitch bend whose 14-bit value lies in `value_min..=value_max` (centre 8192).
    PitchBend {
        /// Lowest value (inclusive), 0..=16383; `None` = any.
        value_min: Option<u16>,
        /// Highest value (inclusive), 0..=16383; `None` = any.
        value_max: Option<u16>,
        /// 0-based channel; `None` = any.
        channel: Option<u8>,
    },
    /// Channel pressure at or above `pressure_min`.
    Aftertouch {
        /// Lowest pressure that fires; `None` = any.
        pressure_min: Option<u8>,
        /// 0-based channel; `None` = any.
        channel: Option<u8>,
    },
    /// A program change, to `program` or (when `None`) to any program.
    ProgramChange {
        /// 0..=127; `None` = any.
        program: Option<u8>,
        /// 0-based channel; `None` = any.
        channel: Option<u8>,
    },
    /// `note` held down for at least `duration`.
    LongPress {
        /// 0..=127
        note: u8,
        /// Hold time; defaults to the config's hold threshold.
        duration: Duration,
        /// 0-based channel; `None` = any.
        channel: Option<u8>,
    },
    /// `note` pressed twice within `timeout`.
    DoubleTap {
        /// 0..=127
        note: u8,
        /// Longest gap between the two presses; defaults to the double-tap window.
        timeout: Duration,
        /// 0-based channel; `None` = any.
        channel: Option<u8>,
    },
    /// All of `notes` pressed within `timeout` of each other.
    NoteChord {
        /// The chord's notes (two or more, no duplicates), in the order written.
        notes: Vec<u8>,
        /// Window in which all notes must arrive; defaults to the chord window.
        timeout: Duration,
        /// 0-based channel; `None` = any.
        channel: Option<u8>,
    },
    /// Repeat while held ("turbo"): fires on the note-on of `note`, then every
    /// `interval` while the note stays down, the first repeat `delay` after the press.
    Turbo {
        /// 0..=127
        note: u8,
        /// Time between repeats.
        interval: Duration,
        /// Time from the press to the first repeat; the interval unless written.
        delay: Duration,
        /// Lowest velocity that starts the repeat (inclusive); `None` = any.
        velocity_min: Option<u8>,
        /// 0-based channel; `None` = any.
        channel: Option<u8>,
    },
    /// Aftertouch inside a pressure window: polyphonic key pressure of `note`, or (with
    /// no note) any aftertouch, channel or polyphonic. Conductor's `Aftertouch` with a
    /// `note` or a `max_pressure` is read as this.
    PolyAftertouch {
        /// The key; `None` = any key, and channel pressure too.
        note: Option<u8>,
        /// Lowest pressure (inclusive); `None` = any.
        pressure_min: Option<u8>,
        /// Highest pressure (inclusive); `None` = any.
        pressure_max: Option<u8>,
        /// 0-based channel; `None` = any.
        channel: Option<u8>,
    },
    /// A transport message: start (`FA`), stop (`FC`) or continue (`FB`).
    Transport {
        /// Which one; `None` = any of the three.
        event: Option<TransportEvent>,
    },
    /// Every `every`-th timing clock (`F8`, 24 per quarter note) counted from the last
    /// start (`FA`), the first one included: `every = 24` fires on each beat.
    Clock {
        /// 1 or more; 24 = once per quarter note.
        every: u32,
    },
    /// The tempo derived from timing clocks (the last 24 clock intervals, one quarter
    /// note) entering `min_bpm..=max_bpm`: fires on the clock at which the estimate
    /// moves into the window, not again while it stays inside.
    Tempo {
        /// Lowest tempo (inclusive), in beats per minute; `None` = any.
        min_bpm: Option<u32>,
        /// Highest tempo (inclusive), in beats per minute; `None` = any.
        max_bpm: Option<u32>,
    },
    /// A System Exclusive message matching `pattern` (written with or without the
    /// framing `F0` … `F7`, which are matched against the message's body).
    SysEx {
        /// The body pattern, framing bytes removed.
        pattern: BytePattern,
    },
    /// Any message whose wire bytes (full status byte, SysEx with `F0` … `F7`) match
    /// `pattern`.
    Raw {
        /// The pattern.
        pattern: BytePattern,
    },
    /// A 14-bit control change: controller `cc` (0–31) carries the MSB, `cc + 32` the
    /// LSB; fires when the LSB completes a value inside the window.
    CC14 {
        /// The MSB controller, 0..=31.
        cc: u8,
        /// Lowest value (inclusive), 0..=16383; `None` = any.
        value_min: Option<u16>,
        /// Highest value (inclusive), 0..=16383; `None` = any.
        value_max: Option<u16>,
        /// 0-based channel; `None` = any.
        channel: Option<u8>,
    },
    /// An NRPN (controllers 99/98) or RPN (101/100) parameter set by data entry (6, 38)
    /// to a value inside the window.
    ParameterNumber {
        /// `true` for RPN, `false` for NRPN.
        registered: bool,
        /// The parameter number, 0..=16383.
        parameter: u16,
        /// Lowest value (inclusive), 0..=16383; `None` = any.
        value_min: Option<u16>,
        /// Highest value (inclusive), 0..=16383; `None` = any.
        value_max: Option<u16>,
        /// 0-based channel; `None` = any.
        channel: Option<u8>,
    },
}

/// A transport message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportEvent {
    /// `FA`.
    Start,
    /// `FC`.
    Stop,
    /// `FB`.
    Continue,
}

impl Trigger {
    /// The kind's name as written in configs (`"Note"`, `"CC"`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Trigger::Note { .. } => "Note",
            Trigger::NoteOff { .. } => "NoteOff",
            Trigger::VelocityRange { .. } => "VelocityRange",
            Trigger::NoteRange { .. } => "NoteRange",
            Trigger::CC { .. } => "CC",
            Trigger::EncoderTurn { .. } => "EncoderTurn",
            Trigger::PitchBend { .. } => "PitchBend",
            Trigger::Aftertouch { .. } => "Aftertouch",
            Trigger::ProgramChange { .. } => "ProgramChange",
            Trigger::LongPress { .. } => "LongPress",
            Trigger::DoubleTap { .. } => "DoubleTap",
            Trigger::NoteChord { .. } => "NoteChord",
            Trigger::Turbo { .. } => "Turbo",
            Trigger::PolyAftertouch { .. } => "PolyAftertouch",
            Trigger::Transport { .. } => "Transport",
            Trigger::Clock { .. } => "Clock",
            Trigger::Tempo { .. } => "Tempo",
            Trigger::SysEx { .. } => "SysEx",
            Trigger::Raw { .. } => "Raw",
            Trigger::CC14 { .. } => "CC14",
            Trigger::ParameterNumber {
                registered: true, ..
            } => "RPN",
            Trigger::ParameterNumber { .. } => "NRPN",
        }
    }

    /// The 0-based channel the trigger is limited to, if any.
    pub fn channel(&self) -> Option<u8> {
        match self {
            Trigger::Note { channel, .. }
            | Trigger::NoteOff { channel, .. }
            | Trigger::VelocityRange { channel, .. }
            | Trigger::NoteRange { channel, .. }
            | Trigger::CC { channel, .. }
            | Trigger::EncoderTurn { channel, .. }
            | Trigger::PitchBend { channel, .. }
            | Trigger::Aftertouch { channel, .. }
            | Trigger::ProgramChange { channel, .. }
            | Trigger::LongPress { channel, .. }
            | Trigger::DoubleTap { channel, .. }
            | Trigger::NoteChord { channel, .. }
            | Trigger::Turbo { channel, .. }
            | Trigger::PolyAftertouch { channel, .. }
            | Trigger::CC14 { channel, .. }
            | Trigger::ParameterNumber { channel, .. } => *channel,
            Trigger::Transport { .. }
            | Trigger::Clock { .. }
            | Trigger::Tempo { .. }
            | Trigger::SysEx { .. }
            | Trigger::Raw { .. } => None,
        }
    }
}

/// Which way an encoder turned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EncoderDirection {
    /// Value increasing (`"Clockwise"`, `"cw"`, `"up"`).
    Clockwise,
    /// Value decreasing (`"CounterClockwise"`, `"ccw"`, `"down"`).
    CounterClockwise,
}

/// How a relative encoder encodes a step in its 7-bit CC value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum EncoderEncoding {
    /// `1..=63` clockwise by that many steps, `65..=127` counter-clockwise by
    /// `128 - value` steps (two's complement). The common default.
    #[default]
    TwosComplement,
    /// `64 + n` clockwise by `n`, `64 - n` counter-clockwise by `n` ("binary offset").
    BinaryOffset,
    /// Bit 6 is the sign: `1..=63` clockwise, `65..=127` counter-clockwise by
    /// `value - 64` steps.
    SignMagnitude,
}

impl EncoderEncoding {
    /// Decodes a CC value into a signed step count (positive = clockwise);
    /// `None` for the value that means "no movement" in this encoding.
    ///
    /// ```
    /// use conductor_core::config::EncoderEncoding;
    /// assert_eq!(EncoderEncoding::TwosComplement.decode(1), Some(1));
    /// assert_eq!(EncoderEncoding::TwosComplement.decode(127), Some(-1));
    /// assert_eq!(EncoderEncoding::BinaryOffset.decode(63), Some(-1));
    /// assert_eq!(EncoderEncoding::BinaryOffset.decode(64), None);
    /// ```
    pub fn decode(self, value: u8) -> Option<i8> {
        let value = i16::from(value & 0x7f);
        let delta = match self {
            EncoderEncoding::TwosComplement if value < 64 => value,
            EncoderEncoding::TwosComplement => value - 128,
            EncoderEncoding::BinaryOffset => value - 64,
            EncoderEncoding::SignMagnitude if value < 64 => value,
            EncoderEncoding::SignMagnitude => 64 - value,
        };
        // Every result lies in -64..=63.
        let delta = delta as i8;
        (delta != 0).then_some(delta)
    }

    /// The direction a CC value means, or `None` for "no movement".
    pub fn direction(self, value: u8) -> Option<EncoderDirection> {
        self.decode(value).map(|d| {
            if d > 0 {
                EncoderDirection::Clockwise
            } else {
                EncoderDirection::CounterClockwise
            }
        })
    }
}

/// Trigger kinds as written in configs, for matching and suggestions.
const KINDS: [&str; 22] = [
    "Note",
    "NoteOff",
    "VelocityRange",
    "NoteRange",
    "CC",
    "EncoderTurn",
    "PitchBend",
    "Aftertouch",
    "ProgramChange",
    "LongPress",
    "DoubleTap",
    "NoteChord",
    "Turbo",
    "PolyAftertouch",
    "Transport",
    "Clock",
    "Tempo",
    "SysEx",
    "Raw",
    "CC14",
    "NRPN",
    "RPN",
];

/// Shorthands for `Transport = { event = "..." }`.
const TRANSPORT_KINDS: [&str; 3] = ["Start", "Stop", "Continue"];

/// Conductor's gamepad triggers, refused with a message naming the alternative.
const GAMEPAD_KINDS: [&str; 4] = [
    "GamepadButton",
    "GamepadButtonChord",
    "GamepadAnalogStick",
    "GamepadTrigger",
];

/// Reads a trigger in either tagged form; gesture durations default to `timing`.
pub(crate) fn parse(doc: &Doc<'_>, v: &Value<'_>, timing: &TimingSettings) -> Result<Trigger> {
    let tagged = reader::tagged(doc, v, "trigger", "{ Note = { note = 60 } }")?;
    // `ControlChange` is the MIDI name of what Conductor calls `CC`.
    let kind = match tagged.kind {
        "ControlChange" => "CC",
        "ControlChange14" => "CC14",
        "Nrpn" => "NRPN",
        "Rpn" => "RPN",
        k => k,
    };
    if GAMEPAD_KINDS.contains(&kind) || kind.starts_with("Gamepad") {
        return Err(doc.error(
            tagged.kind_span,
            format!(
                "gamepad input is not supported: `{kind}` needs a game controller, and \
                 this engine reads MIDI only. Map the controller's buttons to MIDI notes \
                 with a gamepad-to-MIDI bridge and use `Note` / `CC` triggers instead, \
                 or remove this mapping"
            ),
        ));
    }
    if !KINDS.contains(&kind) && !TRANSPORT_KINDS.contains(&kind) {
        let hint = did_you_mean(kind, KINDS)
            .map(|s| format!("did you mean `{s}`? "))
            .unwrap_or_default();
        return Err(doc.error(
            tagged.kind_span,
            format!(
                "unknown trigger `{kind}`; {hint}(triggers: {})",
                KINDS.join(", ")
            ),
        ));
    }
    let what = format!("the {kind} trigger");
    let t = Table::of(doc, tagged.body, &what)?;
    let mut allowed: Vec<&str> = fields_of(kind).to_vec();
    allowed.push("channel");
    if tagged.internal {
        allowed.push("type");
    }
    t.allow_only(doc, &allowed)?;

    let channel = t
        .get("channel")
        .map(|v| reader::int_in(doc, v, "`channel`", 0, 15, CHANNEL_HINT).map(|c| c as u8))
        .transpose()?;
    let note = || -> Result<u8> { reader::u7(doc, t.require(doc, "note")?, "`note`") };
    let ms = |names: &[&str], default: Duration| -> Result<Duration> {
        match t.get_alias(doc, names)? {
            Some(v) => {
                reader::positive(doc, v, &format!("`{}`", names[0])).map(Duration::from_millis)
            }
            None => Ok(default),
        }
    };

    Ok(match kind {
        "Note" => {
            let velocity_min = reader::opt_u7(doc, &t, "velocity_min")?;
            let velocity_max = reader::opt_u7(doc, &t, "velocity_max")?;
            check_order(
                doc,
                &t,
                "velocity_min",
                velocity_min,
                "velocity_max",
                velocity_max,
            )?;
            Trigger::Note {
                note: note()?,
                velocity_min,
                velocity_max,
                channel,
            }
        }
        "NoteOff" => Trigger::NoteOff {
            note: note()?,
            channel,
        },
        "VelocityRange" => {
            let (min, max) = velocity_window(doc, &t)?;
            Trigger::VelocityRange {
                note: note()?,
                min,
                max,
                channel,
            }
        }
        "NoteRange" => {
            let low = reader::u7(doc, t.require(doc, "low")?, "`low`")?;
            let high = reader::u7(doc, t.require(doc, "high")?, "`high`")?;
            check_order(doc, &t, "low", Some(low), "high", Some(high))?;
            Trigger::NoteRange { low, high, channel }
        }
        "CC" => {
            let value_min = reader::opt_u7(doc, &t, "value_min")?;
            let value_max = reader::opt_u7(doc, &t, "value_max")?;
            check_order(doc, &t, "value_min", value_min, "value_max", value_max)?;
            Trigger::CC {
                cc: reader::u7(doc, t.require(doc, "cc")?, "`cc`")?,
                value_min,
                value_max,
                channel,
            }
        }
        "EncoderTurn" => Trigger::EncoderTurn {
            cc: reader::u7(doc, t.require(doc, "cc")?, "`cc`")?,
            direction: t
                .get("direction")
                .map(|v| parse_direction(doc, v))
                .transpose()?,
            encoding: t
                .get("encoding")
                .map(|v| parse_encoding(doc, v))
                .transpose()?
                .unwrap_or_default(),
            channel,
        },
        "PitchBend" => {
            let bend = |key: &str| -> Result<Option<u16>> {
                t.get(key)
                    .map(|v| {
                        reader::int_in(doc, v, &format!("`{key}`"), 0, 16383, "centre is 8192")
                            .map(|n| n as u16)
                    })
                    .transpose()
            };
            let (value_min, value_max) = (bend("value_min")?, bend("value_max")?);
            check_order(doc, &t, "value_min", value_min, "value_max", value_max)?;
            Trigger::PitchBend {
                value_min,
                value_max,
                channel,
            }
        }
        "Aftertouch" | "PolyAftertouch" => {
            let pressure_min = opt_u7_alias(doc, &t, &["pressure_min", "min_pressure"])?;
            let pressure_max = opt_u7_alias(doc, &t, &["pressure_max", "max_pressure"])?;
            check_order(
                doc,
                &t,
                "pressure_min",
                pressure_min,
                "pressure_max",
                pressure_max,
            )?;
            let key = reader::opt_u7(doc, &t, "note")?;
            if kind == "Aftertouch" && key.is_none() && pressure_max.is_none() {
                Trigger::Aftertouch {
                    pressure_min,
                    channel,
                }
            } else {
                Trigger::PolyAftertouch {
                    note: key,
                    pressure_min,
                    pressure_max,
                    channel,
                }
            }
        }
        "Transport" | "Start" | "Stop" | "Continue" => {
            let event = match kind {
                "Start" => Some(TransportEvent::Start),
                "Stop" => Some(TransportEvent::Stop),
                "Continue" => Some(TransportEvent::Continue),
                _ => t
                    .get("event")
                    .map(|v| parse_transport(doc, v))
                    .transpose()?,
            };
            no_channel(doc, &t, kind)?;
            Trigger::Transport { event }
        }
        "Clock" => {
            no_channel(doc, &t, kind)?;
            Trigger::Clock {
                every: t
                    .get("every")
                    .map(|v| {
                        reader::int_in(doc, v, "`every`", 1, u32::MAX as i128, "24 = once per beat")
                            .map(|n| n as u32)
                    })
                    .transpose()?
                    .unwrap_or(24),
            }
        }
        "Tempo" => {
            no_channel(doc, &t, kind)?;
            let bpm = |key: &str| -> Result<Option<u32>> {
                t.get(key)
                    .map(|v| {
                        reader::int_in(doc, v, &format!("`{key}`"), 1, 1000, "beats per minute")
                            .map(|n| n as u32)
                    })
                    .transpose()
            };
            let (min_bpm, max_bpm) = (bpm("min_bpm")?, bpm("max_bpm")?);
            check_order(doc, &t, "min_bpm", min_bpm, "max_bpm", max_bpm)?;
            Trigger::Tempo { min_bpm, max_bpm }
        }
        "SysEx" | "Raw" => {
            no_channel(doc, &t, kind)?;
            let v = t.require(doc, "pattern")?;
            let text = reader::string(doc, v, "`pattern`")?;
            let pattern: BytePattern = text.parse().map_err(|e: String| {
                doc.error(v.span(), format!("bad byte pattern \"{text}\": {e}"))
            })?;
            if kind == "Raw" {
                Trigger::Raw { pattern }
            } else {
                let first = pattern.first_byte() == Some(0xF0);
                let last = pattern.last_byte() == Some(0xF7);
                if !first && pattern.first_byte().is_some_and(|b| b >= 0x80) {
                    return Err(doc.error(
                        v.span(),
                        format!(
                            "a SysEx pattern starts with `F0` or with the body's first byte \
                             (the manufacturer id), not with {:02X}; for other messages use \
                             a `Raw` trigger",
                            pattern.first_byte().unwrap_or(0)
                        ),
                    ));
                }
                Trigger::SysEx {
                    pattern: pattern.trimmed(first, last),
                }
            }
        }
        "CC14" => {
            let (value_min, value_max) = (bend(doc, &t, "value_min")?, bend(doc, &t, "value_max")?);
            check_order(doc, &t, "value_min", value_min, "value_max", value_max)?;
            Trigger::CC14 {
                cc: reader::int_in(
                    doc,
                    t.require(doc, "cc")?,
                    "`cc`",
                    0,
                    31,
                    "the MSB controller of a 14-bit pair is 0..=31; its LSB is `cc + 32`",
                )? as u8,
                value_min,
                value_max,
                channel,
            }
        }
        "NRPN" | "RPN" => {
            let (value_min, value_max) = (bend(doc, &t, "value_min")?, bend(doc, &t, "value_max")?);
            check_order(doc, &t, "value_min", value_min, "value_max", value_max)?;
            let parameter = match (t.get("parameter"), t.get("msb"), t.get("lsb")) {
                (Some(v), None, None) => reader::int_in(
                    doc,
                    v,
                    "`parameter`",
                    0,
                    16383,
                    "or write `msb` and `lsb` (0..=127 each)",
                )? as u16,
                (None, Some(m), Some(l)) => {
                    u16::from(reader::u7(doc, m, "`msb`")?) << 7
                        | u16::from(reader::u7(doc, l, "`lsb`")?)
                }
                _ => {
                    return Err(doc.error(
                        t.span.clone(),
                        format!(
                            "a {kind} trigger needs the parameter number: `parameter = 0..16383`, \
                             or `msb` and `lsb` (0..=127 each), not both"
                        ),
                    ))
                }
            };
            Trigger::ParameterNumber {
                registered: kind == "RPN",
                parameter,
                value_min,
                value_max,
                channel,
            }
        }
        "ProgramChange" => Trigger::ProgramChange {
            program: reader::opt_u7(doc, &t, "program")?,
            channel,
        },
        "LongPress" => Trigger::LongPress {
            note: note()?,
            duration: ms(&["duration_ms", "min_duration_ms"], timing.hold)?,
            channel,
        },
        "DoubleTap" => Trigger::DoubleTap {
            note: note()?,
            timeout: ms(&["timeout_ms", "max_interval_ms"], timing.double_tap)?,
            channel,
        },
        "NoteChord" => Trigger::NoteChord {
            notes: chord_notes(doc, t.require(doc, "notes")?)?,
            timeout: ms(&["timeout_ms", "max_interval_ms"], timing.chord)?,
            channel,
        },
        "Turbo" => {
            let interval = ms(&["interval_ms", "repeat_ms"], Duration::ZERO)?;
            if interval.is_zero() {
                return Err(doc.error(
                    t.span.clone(),
                    "a Turbo trigger needs `interval_ms`, the time between repeats while \
                     the note is held, e.g. `{ Turbo = { note = 60, interval_ms = 100 } }`",
                ));
            }
            Trigger::Turbo {
                note: note()?,
                interval,
                delay: ms(&["delay_ms"], interval)?,
                velocity_min: reader::opt_u7(doc, &t, "velocity_min")?,
                channel,
            }
        }
        _ => unreachable!("every name in KINDS is handled"),
    })
}

/// Explains the channel convention in range errors.
pub(crate) const CHANNEL_HINT: &str = "channels are 0-based: 0 is MIDI channel 1, 15 is channel 16";

/// The fields each kind takes, besides `channel` (aliases included).
fn fields_of(kind: &str) -> &'static [&'static str] {
    match kind {
        "Note" => &["note", "velocity_min", "velocity_max"],
        "NoteOff" => &["note"],
        "VelocityRange" => &[
            "note",
            "min",
            "max",
            "min_velocity",
            "max_velocity",
            "velocity_min",
            "velocity_max",
            "soft_max",
            "medium_max",
            "level",
            "ranges",
        ],
        "NoteRange" => &["low", "high"],
        "CC" => &["cc", "value_min", "value_max"],
        "EncoderTurn" => &["cc", "direction", "encoding"],
        "PitchBend" => &["value_min", "value_max"],
        "Aftertouch" | "PolyAftertouch" => &[
            "note",
            "pressure_min",
            "pressure_max",
            "min_pressure",
            "max_pressure",
        ],
        "Transport" => &["event"],
        "Start" | "Stop" | "Continue" => &[],
        "Clock" => &["every"],
        "Tempo" => &["min_bpm", "max_bpm"],
        "SysEx" | "Raw" => &["pattern"],
        "CC14" => &["cc", "value_min", "value_max"],
        "NRPN" | "RPN" => &["parameter", "msb", "lsb", "value_min", "value_max"],
        "ProgramChange" => &["program"],
        "LongPress" => &["note", "duration_ms", "min_duration_ms"],
        "DoubleTap" => &["note", "timeout_ms", "max_interval_ms"],
        "NoteChord" => &["notes", "timeout_ms", "max_interval_ms"],
        "Turbo" => &[
            "note",
            "interval_ms",
            "repeat_ms",
            "delay_ms",
            "velocity_min",
        ],
        _ => &[],
    }
}

/// A system message has no channel: refuses `channel` on `kind`.
fn no_channel(doc: &Doc<'_>, t: &Table<'_, '_>, kind: &str) -> Result<()> {
    match t.get("channel") {
        Some(v) => Err(doc.error(
            v.span(),
            format!("a {kind} trigger takes no `channel`: system messages have none; remove it"),
        )),
        None => Ok(()),
    }
}

/// An optional 7-bit value under any of `names` (aliases; two of them is an error).
fn opt_u7_alias(doc: &Doc<'_>, t: &Table<'_, '_>, names: &[&str]) -> Result<Option<u8>> {
    t.get_alias(doc, names)?
        .map(|v| reader::u7(doc, v, &format!("`{}`", names[0])))
        .transpose()
}

/// An optional 14-bit value.
fn bend(doc: &Doc<'_>, t: &Table<'_, '_>, key: &str) -> Result<Option<u16>> {
    t.get(key)
        .map(|v| {
            reader::int_in(doc, v, &format!("`{key}`"), 0, 16383, "14-bit values").map(|n| n as u16)
        })
        .transpose()
}

fn parse_transport(doc: &Doc<'_>, v: &Value<'_>) -> Result<TransportEvent> {
    let name = reader::string(doc, v, "`event`")?;
    match name.to_ascii_lowercase().as_str() {
        "start" => Ok(TransportEvent::Start),
        "stop" => Ok(TransportEvent::Stop),
        "continue" => Ok(TransportEvent::Continue),
        _ => Err(doc.error(
            v.span(),
            format!(
                "unknown transport event \"{name}\" (valid: \"Start\", \"Stop\", \
                 \"Continue\"; leave `event` out for all three)"
            ),
        )),
    }
}

/// Fails when both bounds are given and `min > max`.
fn check_order<T: PartialOrd + std::fmt::Display>(
    doc: &Doc<'_>,
    t: &Table<'_, '_>,
    min_key: &str,
    min: Option<T>,
    max_key: &str,
    max: Option<T>,
) -> Result<()> {
    match (min, max) {
        (Some(lo), Some(hi)) if lo > hi => Err(doc.error(
            t.get(min_key).map_or(t.span.clone(), |v| v.span()),
            format!("`{min_key}` ({lo}) is greater than `{max_key}` ({hi})"),
        )),
        _ => Ok(()),
    }
}

/// The velocity window of a VelocityRange trigger, from any of its three forms:
/// `min`/`max` (or `min_velocity`/`max_velocity`, `velocity_min`/`velocity_max`),
/// Conductor's bands (`soft_max`, `medium_max`, `level`), or `ranges = [{ min, max }]`.
fn velocity_window(doc: &Doc<'_>, t: &Table<'_, '_>) -> Result<(u8, u8)> {
    let min = t.get_alias(doc, &["min", "min_velocity", "velocity_min"])?;
    let max = t.get_alias(doc, &["max", "max_velocity", "velocity_max"])?;
    let level = t.get("level");
    let bands = t.get("soft_max").is_some() || t.get("medium_max").is_some();
    let ranges = t.get("ranges");

    let forms = [
        min.is_some() || max.is_some(),
        level.is_some() || bands,
        ranges.is_some(),
    ];
    if forms.iter().filter(|f| **f).count() > 1 {
        return Err(doc.error(
            t.span.clone(),
            "VelocityRange takes one form: `min_velocity`/`max_velocity`, or `level` with \
             optional `soft_max`/`medium_max`, or `ranges`; this one mixes them",
        ));
    }

    if let Some(ranges) = ranges {
        let items = reader::array(doc, ranges, "`ranges`")?;
        let [one] = items else {
            return Err(doc.error(
                ranges.span(),
                format!(
                    "`ranges` holds {} windows; a trigger takes exactly one — write one \
                     mapping per window",
                    items.len()
                ),
            ));
        };
        let r = Table::of(doc, one, "the velocity window")?;
        r.allow_only(doc, &["min", "max"])?;
        let lo = reader::u7(doc, r.require(doc, "min")?, "`min`")?;
        let hi = reader::u7(doc, r.require(doc, "max")?, "`max`")?;
        check_order(doc, &r, "min", Some(lo), "max", Some(hi))?;
        return Ok((lo, hi));
    }

    if level.is_some() || bands {
        let soft_max = reader::opt_u7(doc, t, "soft_max")?.unwrap_or(40);
        let medium_max = reader::opt_u7(doc, t, "medium_max")?.unwrap_or(80);
        if !(soft_max < medium_max && medium_max < 127) {
            return Err(doc.error(
                t.get("soft_max")
                    .or(t.get("medium_max"))
                    .map_or(t.span.clone(), |v| v.span()),
                format!(
                    "velocity bands need soft_max < medium_max < 127, got soft_max = \
                     {soft_max} and medium_max = {medium_max}"
                ),
            ));
        }
        // Conductor's form without a `level` (its Maschine template) classifies the
        // press but fires on every band.
        let Some(level) = level else {
            return Ok((0, 127));
        };
        let name = reader::string(doc, level, "`level`")?;
        return match name.to_ascii_lowercase().as_str() {
            "soft" => Ok((0, soft_max)),
            "medium" => Ok((soft_max + 1, medium_max)),
            "hard" => Ok((medium_max + 1, 127)),
            _ => Err(doc.error(
                level.span(),
                format!("unknown velocity level \"{name}\" (valid: soft, medium, hard)"),
            )),
        };
    }

    if min.is_none() && max.is_none() {
        return Err(doc.error(
            t.span.clone(),
            "a VelocityRange needs a window: `min_velocity` and/or `max_velocity` \
             (e.g. `min_velocity = 81, max_velocity = 127`), or `level = \"hard\"`",
        ));
    }
    let lo = min
        .map(|v| reader::u7(doc, v, "the minimum velocity"))
        .transpose()?;
    let hi = max
        .map(|v| reader::u7(doc, v, "the maximum velocity"))
        .transpose()?;
    let (lo, hi) = (lo.unwrap_or(0), hi.unwrap_or(127));
    if lo > hi {
        return Err(doc.error(
            min.map_or(t.span.clone(), |v| v.span()),
            format!("the minimum velocity ({lo}) is greater than the maximum ({hi})"),
        ));
    }
    Ok((lo, hi))
}

fn parse_direction(doc: &Doc<'_>, v: &Value<'_>) -> Result<EncoderDirection> {
    let name = reader::string(doc, v, "`direction`")?;
    match name.to_ascii_lowercase().as_str() {
        "clockwise" | "cw" | "up" => Ok(EncoderDirection::Clockwise),
        "counterclockwise" | "counter_clockwise" | "anticlockwise" | "ccw" | "down" => {
            Ok(EncoderDirection::CounterClockwise)
        }
        _ => Err(doc.error(
            v.span(),
            format!(
                "unknown direction \"{name}\" (valid: \"Clockwise\" / \"cw\" / \"up\", \
                 \"CounterClockwise\" / \"ccw\" / \"down\"; leave it out for both)"
            ),
        )),
    }
}

fn parse_encoding(doc: &Doc<'_>, v: &Value<'_>) -> Result<EncoderEncoding> {
    let name = reader::string(doc, v, "`encoding`")?;
    match name.to_ascii_lowercase().replace('-', "_").as_str() {
        "twos_complement" | "relative" => Ok(EncoderEncoding::TwosComplement),
        "binary_offset" | "offset" => Ok(EncoderEncoding::BinaryOffset),
        "sign_magnitude" | "signed_bit" => Ok(EncoderEncoding::SignMagnitude),
        _ => Err(doc.error(
            v.span(),
            format!(
                "unknown encoder encoding \"{name}\" (valid: \"twos_complement\" \
                 (1..63 clockwise, 65..127 counter-clockwise), \"binary_offset\" (64 ± n), \
                 \"sign_magnitude\")"
            ),
        )),
    }
}

fn chord_notes(doc: &Doc<'_>, v: &Value<'_>) -> Result<Vec<u8>> {
    let items = reader::array(doc, v, "`notes`")?;
    let mut notes: Vec<u8> = Vec::with_capacity(items.len());
    for item in items {
        let n = reader::u7(doc, item, "each chord note")?;
        if notes.contains(&n) {
            return Err(doc.error(item.span(), format!("note {n} appears twice in the chord")));
        }
        notes.push(n);
    }
    if notes.len() < 2 {
        return Err(doc.error(
            v.span(),
            "a NoteChord needs at least two notes, e.g. `notes = [60, 64, 67]` \
             (for one note use a Note trigger)",
        ));
    }
    Ok(notes)
}
