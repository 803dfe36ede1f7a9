//! Turning [`MidiMessage`]s back into wire bytes.
//!
//! Every message is written with its full status byte (no running status), so each
//! encoded message stands on its own. Data values are masked to their bit width (7 bits,
//! 14 bits for pitch bend and song position, 4 bits for the channel) so the output is
//! always a well-formed MIDI stream, whatever the fields hold.

use super::message::MidiMessage;
use super::status;

impl MidiMessage {
    /// Encodes a message that is not SysEx into at most three bytes without allocating.
    ///
    /// Returns the bytes and how many of them are used (1 to 3), or `None` for
    /// [`MidiMessage::SysEx`], whose length is not bounded.
    ///
    /// ```
    /// use conductor_core::midi::MidiMessage;
    /// let on = MidiMessage::NoteOn { channel: 2, note: 60, velocity: 100 };
    /// assert_eq!(on.encode_short(), Some(([0x92, 60, 100], 3)));
    /// assert_eq!(MidiMessage::Clock.encode_short(), Some(([0xF8, 0, 0], 1)));
    /// ```
    pub fn encode_short(&self) -> Option<([u8; 3], usize)> {
        #[inline]
        fn ch(status: u8, channel: u8) -> u8 {
            status | (channel & 0x0F)
        }
        #[inline]
        fn d(value: u8) -> u8 {
            value & 0x7F
        }
        #[inline]
        fn lsb(value: u16) -> u8 {
            (value & 0x7F) as u8
        }
        #[inline]
        fn msb(value: u16) -> u8 {
            ((value >> 7) & 0x7F) as u8
        }
        let short = match *self {
            MidiMessage::NoteOff {
                channel,
                note,
                velocity,
            } => ([ch(0x80, channel), d(note), d(velocity)], 3),
            MidiMessage::NoteOn {
                channel,
                note,
                velocity,
            } => ([ch(0x90, channel), d(note), d(velocity)], 3),
            MidiMessage::PolyAftertouch {
                channel,
                note,
                pressure,
            } => ([ch(0xA0, channel), d(note), d(pressure)], 3),
            MidiMessage::ControlChange {
                channel,
                controller,
                value,
            } => ([ch(0xB0, channel), d(controller), d(value)], 3),
            MidiMessage::ProgramChange { channel, program } => {
                ([ch(0xC0, channel), d(program), 0], 2)
            }
            MidiMessage::ChannelAftertouch { channel, pressure } => {
                ([ch(0xD0, channel), d(pressure), 0], 2)
            }
            MidiMessage::PitchBend { channel, value } => {
                ([ch(0xE0, channel), lsb(value), msb(value)], 3)
            }
            MidiMessage::SysEx(_) => return None,
            MidiMessage::TimeCodeQuarterFrame(v) => ([status::TIME_CODE, d(v), 0], 2),
            MidiMessage::SongPosition(v) => ([status::SONG_POSITION, lsb(v), msb(v)], 3),
            MidiMessage::SongSelect(v) => ([status::SONG_SELECT, d(v), 0], 2),
            MidiMessage::TuneRequest => ([status::TUNE_REQUEST, 0, 0], 1),
            MidiMessage::Clock => ([status::CLOCK, 0, 0], 1),
            MidiMessage::Start => ([status::START, 0, 0], 1),
            MidiMessage::Continue => ([status::CONTINUE, 0, 0], 1),
            MidiMessage::Stop => ([status::STOP, 0, 0], 1),
            MidiMessage::ActiveSensing => ([status::ACTIVE_SENSING, 0, 0], 1),
            MidiMessage::Reset => ([status::RESET, 0, 0], 1),
        };
        Some(short)
    }

    /// Appends the message's wire bytes to `out`, with its full status byte.
    ///
    /// SysEx is framed with `F0` … `F7`; payload bytes are masked to 7 bits.
    ///
    /// ```
    /// use conductor_core::midi::MidiMessage;
    /// let mut out = Vec::new();
    /// MidiMessage::PitchBend { channel: 0, value: 8192 }.encode(&mut out);
    /// MidiMessage::SysEx(vec![0x7E, 0x01]).encode(&mut out);
    /// assert_eq!(out, [0xE0, 0x00, 0x40, 0xF0, 0x7E, 0x01, 0xF7]);
    /// ```
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            MidiMessage::SysEx(data) => {
                out.reserve(data.len() + 2);
                out.push(status::SYSEX_START);
                out.extend(data.iter().map(|b| b & 0x7F));
                out.push(status::SYSEX_END);
            }
            other => {
                if let Some((bytes, len)) = other.encode_short() {
                    out.extend_from_slice(&bytes[..len]);
                }
            }
        }
    }

    /// The message's wire bytes in a new vector; see [`MidiMessage::encode`].
    ///
    /// ```
    /// use conductor_core::midi::MidiMessage;
    /// let cc = MidiMessage::ControlChange { channel: 15, controller: 1, value: 64 };
    /// assert_eq!(cc.to_bytes(), [0xBF, 1, 64]);
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.encode(&mut out);
        out
    }

    /// How many bytes [`MidiMessage::encode`] writes for this message.
    pub fn encoded_len(&self) -> usize {
        match self {
            MidiMessage::SysEx(data) => data.len() + 2,
            other => other.encode_short().map_or(0, |(_, len)| len),
        }
    }
}
