//! Typed MIDI messages.

/// One MIDI message. Channels are 0-based here (0 = MIDI channel 1).
///
/// A note-on with velocity 0 is parsed as [`MidiMessage::NoteOff`], as the MIDI
/// specification requires.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MidiMessage {
    /// Note on with a non-zero velocity.
    NoteOn {
        /// 0..=15
        channel: u8,
        /// 0..=127
        note: u8,
        /// 1..=127
        velocity: u8,
    },
    /// Note off (or note-on with velocity 0).
    NoteOff {
        /// 0..=15
        channel: u8,
        /// 0..=127
        note: u8,
        /// Release velocity, 0..=127
        velocity: u8,
    },
    /// Polyphonic key pressure.
    PolyAftertouch {
        /// 0..=15
        channel: u8,
        /// 0..=127
        note: u8,
        /// 0..=127
        pressure: u8,
    },
    /// Control change.
    ControlChange {
        /// 0..=15
        channel: u8,
        /// 0..=127
        controller: u8,
        /// 0..=127
        value: u8,
    },
    /// Program change.
    ProgramChange {
        /// 0..=15
        channel: u8,
        /// 0..=127
        program: u8,
    },
    /// Channel pressure.
    ChannelAftertouch {
        /// 0..=15
        channel: u8,
        /// 0..=127
        pressure: u8,
    },
    /// Pitch bend, 14-bit: 0..=16383, centre 8192.
    PitchBend {
        /// 0..=15
        channel: u8,
        /// 0..=16383
        value: u16,
    },
    /// System exclusive, without the framing `F0`/`F7` bytes.
    SysEx(Vec<u8>),
    /// MTC quarter frame (`F1`).
    TimeCodeQuarterFrame(u8),
    /// Song position pointer in MIDI beats (`F2`), 0..=16383.
    SongPosition(u16),
    /// Song select (`F3`).
    SongSelect(u8),
    /// Tune request (`F6`).
    TuneRequest,
    /// Timing clock (`F8`).
    Clock,
    /// Start (`FA`).
    Start,
    /// Continue (`FB`).
    Continue,
    /// Stop (`FC`).
    Stop,
    /// Active sensing (`FE`).
    ActiveSensing,
    /// System reset (`FF`).
    Reset,
}

impl MidiMessage {
    /// The 0-based channel of a channel message, or `None` for system messages.
    ///
    /// ```
    /// use conductor_core::midi::MidiMessage;
    /// let cc = MidiMessage::ControlChange { channel: 9, controller: 7, value: 100 };
    /// assert_eq!(cc.channel(), Some(9));
    /// assert_eq!(MidiMessage::Clock.channel(), None);
    /// ```
    pub fn channel(&self) -> Option<u8> {
        match *self {
            MidiMessage::NoteOn { channel, .. }
            | MidiMessage::NoteOff { channel, .. }
            | MidiMessage::PolyAftertouch { channel, .. }
            | MidiMessage::ControlChange { channel, .. }
            | MidiMessage::ProgramChange { channel, .. }
            | MidiMessage::ChannelAftertouch { channel, .. }
            | MidiMessage::PitchBend { channel, .. } => Some(channel),
            _ => None,
        }
    }

    /// Whether this is a System Real-Time message (clock, start, continue, stop, active
    /// sensing, reset): one byte, allowed anywhere in a stream.
    pub fn is_realtime(&self) -> bool {
        matches!(
            self,
            MidiMessage::Clock
                | MidiMessage::Start
                | MidiMessage::Continue
                | MidiMessage::Stop
                | MidiMessage::ActiveSensing
                | MidiMessage::Reset
        )
    }
}

/// Shows the message the way a person reads a MIDI monitor: channels are 1-based here.
///
/// ```
/// use conductor_core::midi::MidiMessage;
/// let on = MidiMessage::NoteOn { channel: 0, note: 60, velocity: 100 };
/// assert_eq!(on.to_string(), "note-on ch=1 note=60 velocity=100");
/// ```
impl std::fmt::Display for MidiMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MidiMessage::NoteOn {
                channel,
                note,
                velocity,
            } => {
                write!(
                    f,
                    "note-on ch={} note={note} velocity={velocity}",
                    channel + 1
                )
            }
            MidiMessage::NoteOff {
                channel,
                note,
                velocity,
            } => {
                write!(
                    f,
                    "note-off ch={} note={note} velocity={velocity}",
                    channel + 1
                )
            }
            MidiMessage::PolyAftertouch {
                channel,
                note,
                pressure,
            } => {
                write!(
                    f,
                    "poly-aftertouch ch={} note={note} pressure={pressure}",
                    channel + 1
                )
            }
            MidiMessage::ControlChange {
                channel,
                controller,
                value,
            } => {
                write!(
                    f,
                    "cc ch={} controller={controller} value={value}",
                    channel + 1
                )
            }
            MidiMessage::ProgramChange { channel, program } => {
                write!(f, "program-change ch={} program={program}", channel + 1)
            }
            MidiMessage::ChannelAftertouch { channel, pressure } => {
                write!(
                    f,
                    "channel-aftertouch ch={} pressure={pressure}",
                    channel + 1
                )
            }
            MidiMessage::PitchBend { channel, value } => {
                write!(f, "pitch-bend ch={} value={value}", channel + 1)
            }
            MidiMessage::SysEx(data) => {
                write!(f, "sysex len={} data=", data.len())?;
                for (i, b) in data.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "{b:02X}")?;
                }
                Ok(())
            }
            MidiMessage::TimeCodeQuarterFrame(v) => write!(f, "mtc-quarter-frame value={v}"),
            MidiMessage::SongPosition(v) => write!(f, "song-position beats={v}"),
            MidiMessage::SongSelect(v) => write!(f, "song-select song={v}"),
            MidiMessage::TuneRequest => f.write_str("tune-request"),
            MidiMessage::Clock => f.write_str("clock"),
            MidiMessage::Start => f.write_str("start"),
            MidiMessage::Continue => f.write_str("continue"),
            MidiMessage::Stop => f.write_str("stop"),
            MidiMessage::ActiveSensing => f.write_str("active-sensing"),
            MidiMessage::Reset => f.write_str("reset"),
        }
    }
}
