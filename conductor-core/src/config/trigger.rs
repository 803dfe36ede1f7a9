//! What a mapping listens for.

use std::time::Duration;

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
            | Trigger::NoteChord { channel, .. } => *channel,
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
