//! Bytes → [`MidiMessage`]s: a streaming parser for raw MIDI, and [`parse_message`] for
//! one complete message.
//!
//! The streaming parser follows the MIDI 1.0 rules for a live byte stream:
//!
//! * **Running status**: data bytes after a complete channel message reuse its status.
//! * **Real-time bytes** (`F8` `FA` `FB` `FC` `FE` `FF`) are emitted the moment they arrive,
//!   even between the data bytes of another message or inside SysEx, and leave the message
//!   being assembled untouched.
//! * **SysEx** is collected up to a configurable limit ([`DEFAULT_MAX_SYSEX`] by default).
//!   A longer one is dropped, reported as [`ParseEvent::SysExDropped`] and counted; the
//!   buffer never grows past the limit. Any status byte other than real-time ends a SysEx,
//!   as the specification says, not only `F7`.
//! * **Garbage** is skipped and counted in [`ParserStats`]: data bytes with no status to
//!   belong to, the undefined statuses `F4` `F5` `F9` `FD`, an `F7` with no SysEx open, and
//!   messages cut short by a new status byte.
//!
//! midly's `MidiStream` covers the basic rules, but it drops oversized SysEx and garbage
//! silently and emits SysEx only when the *next* status byte arrives; a controller
//! monitor needs the counts and the immediate delivery, hence this parser.

use super::message::MidiMessage;
use super::status;
use crate::error::{Error, Result};

/// The SysEx size limit of [`MidiParser::new`]: 64 KiB of payload.
pub const DEFAULT_MAX_SYSEX: usize = 64 * 1024;

/// Something the streaming parser found, as delivered by [`MidiParser::feed_events`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseEvent {
    /// A complete message.
    Message(MidiMessage),
    /// A SysEx longer than the parser's limit ended and was dropped.
    SysExDropped {
        /// The SysEx payload's full size in bytes, without `F0`/`F7`.
        size: usize,
        /// The limit it exceeded ([`MidiParser::max_sysex`]).
        limit: usize,
    },
}

/// Counts of what the parser saw and skipped since it was created or last reset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ParserStats {
    /// Complete messages delivered.
    pub messages: u64,
    /// Data bytes that arrived with no status byte to belong to.
    pub stray_data_bytes: u64,
    /// Status bytes ignored: the undefined `F4` `F5` `F9` `FD`, and `F7` with no SysEx open.
    pub ignored_status_bytes: u64,
    /// Messages abandoned because a new status byte arrived before their data was complete.
    pub interrupted_messages: u64,
    /// SysEx messages dropped for exceeding the size limit.
    pub sysex_dropped: u64,
}

/// A streaming MIDI parser: feed it byte slices of any size, as they arrive from a port,
/// and it delivers each message as soon as its last byte is in.
///
/// Feeding one slice or the same bytes split in any way gives the same messages. Channel
/// and system messages are delivered without allocating; only SysEx allocates (its payload
/// is handed over as a `Vec<u8>`).
///
/// ```
/// use conductor_core::midi::{MidiMessage, MidiParser};
///
/// let mut parser = MidiParser::new();
/// let mut got = Vec::new();
/// // note-on, then a second note-on by running status, with a clock byte in between
/// parser.feed(&[0x90, 60, 100, 62, 0xF8, 0], |m| got.push(m));
/// assert_eq!(
///     got,
///     [
///         MidiMessage::NoteOn { channel: 0, note: 60, velocity: 100 },
///         MidiMessage::Clock,
///         MidiMessage::NoteOff { channel: 0, note: 62, velocity: 0 },
///     ]
/// );
/// ```
#[derive(Debug, Clone)]
pub struct MidiParser {
    /// The status of the message being assembled (or the running status); 0 for none.
    status: u8,
    /// A status byte arrived and its message is not complete yet.
    pending: bool,
    /// Data bytes collected for `status`.
    data: [u8; 2],
    /// How many of `data` are filled.
    data_len: u8,
    /// How many data bytes `status` needs.
    expected: u8,
    /// Inside `F0` … (until `F7` or another status byte).
    in_sysex: bool,
    /// SysEx payload so far, never longer than `max_sysex`.
    sysex: Vec<u8>,
    /// The SysEx payload's full size, including bytes not kept once it overflowed.
    sysex_size: usize,
    /// SysEx payload limit in bytes.
    max_sysex: usize,
    /// Counters.
    stats: ParserStats,
}

impl Default for MidiParser {
    fn default() -> Self {
        Self::new()
    }
}

impl MidiParser {
    /// A parser whose SysEx limit is [`DEFAULT_MAX_SYSEX`].
    pub fn new() -> Self {
        Self::with_max_sysex(DEFAULT_MAX_SYSEX)
    }

    /// A parser that drops SysEx messages whose payload (without `F0`/`F7`) is longer than
    /// `max_sysex` bytes. Memory for SysEx never exceeds this.
    pub fn with_max_sysex(max_sysex: usize) -> Self {
        MidiParser {
            status: 0,
            pending: false,
            data: [0; 2],
            data_len: 0,
            expected: 0,
            in_sysex: false,
            sysex: Vec::new(),
            sysex_size: 0,
            max_sysex,
            stats: ParserStats::default(),
        }
    }

    /// The SysEx payload limit in bytes.
    pub fn max_sysex(&self) -> usize {
        self.max_sysex
    }

    /// What the parser has delivered and skipped so far.
    pub fn stats(&self) -> ParserStats {
        self.stats
    }

    /// Forgets any partial message, running status and open SysEx (as after a port
    /// reconnects), and zeroes the counters.
    pub fn reset(&mut self) {
        let max = self.max_sysex;
        *self = Self::with_max_sysex(max);
    }

    /// Parses `bytes`, calling `on_message` for each complete message in arrival order.
    ///
    /// This is the hot path: it does not allocate except to hand over a SysEx payload.
    /// Dropped SysEx and skipped bytes are only counted (see [`MidiParser::stats`]); use
    /// [`MidiParser::feed_events`] to be told about dropped SysEx as it happens.
    #[inline]
    pub fn feed(&mut self, bytes: &[u8], mut on_message: impl FnMut(MidiMessage)) {
        for &byte in bytes {
            self.push_byte(byte, &mut |event| {
                if let ParseEvent::Message(message) = event {
                    on_message(message);
                }
            });
        }
    }

    /// Like [`MidiParser::feed`], but also reports each oversized SysEx that was dropped.
    pub fn feed_events(&mut self, bytes: &[u8], mut on_event: impl FnMut(ParseEvent)) {
        for &byte in bytes {
            self.push_byte(byte, &mut on_event);
        }
    }

    /// Parses `bytes` and returns the complete messages in a new vector.
    ///
    /// Convenient for scripts and tests; real-time code should use [`MidiParser::feed`].
    pub fn parse(&mut self, bytes: &[u8]) -> Vec<MidiMessage> {
        let mut out = Vec::new();
        self.feed(bytes, |m| out.push(m));
        out
    }

    /// Handles one byte.
    #[inline]
    fn push_byte(&mut self, byte: u8, on_event: &mut impl FnMut(ParseEvent)) {
        if status::is_realtime(byte) {
            self.realtime(byte, on_event);
        } else if status::is_status(byte) {
            self.status_byte(byte, on_event);
        } else {
            self.data_byte(byte, on_event);
        }
    }

    /// `F8`..=`FF`: emitted at once, state untouched.
    #[inline]
    fn realtime(&mut self, byte: u8, on_event: &mut impl FnMut(ParseEvent)) {
        let message = match byte {
            status::CLOCK => MidiMessage::Clock,
            status::START => MidiMessage::Start,
            status::CONTINUE => MidiMessage::Continue,
            status::STOP => MidiMessage::Stop,
            status::ACTIVE_SENSING => MidiMessage::ActiveSensing,
            status::RESET => MidiMessage::Reset,
            _ => {
                // F9, FD: undefined real-time statuses.
                self.stats.ignored_status_bytes += 1;
                return;
            }
        };
        self.emit(message, on_event);
    }

    /// A channel or system common status byte (`80`..=`F7`).
    #[inline]
    fn status_byte(&mut self, byte: u8, on_event: &mut impl FnMut(ParseEvent)) {
        let closes_sysex = self.in_sysex;
        if closes_sysex {
            // F7, or any other non-real-time status, ends the SysEx.
            self.finish_sysex(on_event);
        } else if self.pending {
            self.stats.interrupted_messages += 1;
        }
        self.pending = false;
        self.data_len = 0;
        self.status = 0;

        match byte {
            0x80..=0xEF | status::TIME_CODE | status::SONG_POSITION | status::SONG_SELECT => {
                self.status = byte;
                self.pending = true;
                self.expected = status::data_len(byte).unwrap_or(0) as u8;
            }
            status::SYSEX_START => {
                self.in_sysex = true;
                self.sysex.clear();
                self.sysex_size = 0;
            }
            status::TUNE_REQUEST => self.emit(MidiMessage::TuneRequest, on_event),
            status::SYSEX_END => {
                if !closes_sysex {
                    // An EOX with no SysEx open.
                    self.stats.ignored_status_bytes += 1;
                }
            }
            _ => {
                // F4, F5: undefined. Running status is cancelled all the same, so data
                // bytes that may follow are not misread as channel messages.
                self.stats.ignored_status_bytes += 1;
            }
        }
    }

    /// A data byte (`00`..=`7F`).
    #[inline]
    fn data_byte(&mut self, byte: u8, on_event: &mut impl FnMut(ParseEvent)) {
        if self.in_sysex {
            self.sysex_size += 1;
            if self.sysex.len() < self.max_sysex {
                self.sysex.push(byte);
            } else if self.sysex_size == self.max_sysex + 1 {
                // First byte past the limit: release the buffer, the message is lost.
                self.sysex = Vec::new();
            }
            return;
        }
        if self.status == 0 {
            self.stats.stray_data_bytes += 1;
            return;
        }
        self.data[self.data_len as usize] = byte;
        self.data_len += 1;
        if self.data_len == self.expected {
            let message = decode(self.status, self.data[0], self.data[1]);
            self.data_len = 0;
            self.pending = false;
            if self.status >= 0xF0 {
                // System common messages do not set running status.
                self.status = 0;
            }
            self.emit(message, on_event);
        }
    }

    /// Ends the open SysEx: delivers it, or reports it dropped.
    fn finish_sysex(&mut self, on_event: &mut impl FnMut(ParseEvent)) {
        self.in_sysex = false;
        if self.sysex_size > self.max_sysex {
            self.stats.sysex_dropped += 1;
            on_event(ParseEvent::SysExDropped {
                size: self.sysex_size,
                limit: self.max_sysex,
            });
        } else {
            let payload = std::mem::take(&mut self.sysex);
            self.emit(MidiMessage::SysEx(payload), on_event);
        }
        self.sysex_size = 0;
    }

    #[inline]
    fn emit(&mut self, message: MidiMessage, on_event: &mut impl FnMut(ParseEvent)) {
        self.stats.messages += 1;
        on_event(ParseEvent::Message(message));
    }
}

/// Builds the message for a complete fixed-length frame. `d1` is ignored for one-byte
/// messages. `status` must be a channel status or `F1`/`F2`/`F3`.
#[inline]
fn decode(status: u8, d0: u8, d1: u8) -> MidiMessage {
    let channel = status & 0x0F;
    let d14 = u16::from(d0) | (u16::from(d1) << 7);
    match status & 0xF0 {
        0x80 => MidiMessage::NoteOff {
            channel,
            note: d0,
            velocity: d1,
        },
        0x90 if d1 == 0 => MidiMessage::NoteOff {
            channel,
            note: d0,
            velocity: 0,
        },
        0x90 => MidiMessage::NoteOn {
            channel,
            note: d0,
            velocity: d1,
        },
        0xA0 => MidiMessage::PolyAftertouch {
            channel,
            note: d0,
            pressure: d1,
        },
        0xB0 => MidiMessage::ControlChange {
            channel,
            controller: d0,
            value: d1,
        },
        0xC0 => MidiMessage::ProgramChange {
            channel,
            program: d0,
        },
        0xD0 => MidiMessage::ChannelAftertouch {
            channel,
            pressure: d0,
        },
        0xE0 => MidiMessage::PitchBend {
            channel,
            value: d14,
        },
        _ => match status {
            status::TIME_CODE => MidiMessage::TimeCodeQuarterFrame(d0),
            status::SONG_POSITION => MidiMessage::SongPosition(d14),
            _ => MidiMessage::SongSelect(d0),
        },
    }
}

/// Parses exactly one complete message with its status byte, such as a port callback's
/// packet or `MidiMessage::to_bytes` output.
///
/// Stricter than [`MidiParser`]: running status, interleaved real-time bytes, trailing
/// bytes and undefined statuses are errors, and the error says which byte is wrong.
///
/// ```
/// use conductor_core::midi::{parse_message, MidiMessage};
/// assert_eq!(
///     parse_message(&[0xB1, 7, 127]).unwrap(),
///     MidiMessage::ControlChange { channel: 1, controller: 7, value: 127 }
/// );
/// let err = parse_message(&[0x90, 60]).unwrap_err();
/// assert!(err.to_string().contains("note-on needs 2 data bytes"));
/// ```
pub fn parse_message(bytes: &[u8]) -> Result<MidiMessage> {
    let Some((&first, rest)) = bytes.split_first() else {
        return Err(Error::Midi(
            "empty input: a MIDI message needs at least a status byte".into(),
        ));
    };
    if !status::is_status(first) {
        return Err(Error::Midi(format!(
            "message starts with data byte 0x{first:02X}: a message must start with a status \
             byte (0x80-0xFF); running status is only allowed in a stream (use MidiParser)"
        )));
    }
    if status::is_undefined(first) {
        return Err(Error::Midi(format!(
            "0x{first:02X} is an undefined status byte in MIDI 1.0"
        )));
    }
    if first == status::SYSEX_END {
        return Err(Error::Midi(
            "message starts with 0xF7 (end of SysEx) but no SysEx was started with 0xF0".into(),
        ));
    }
    if first == status::SYSEX_START {
        return parse_sysex(rest);
    }
    let name = status::kind_name(first);
    let needed = status::data_len(first).unwrap_or(0);
    if let Some((i, &b)) = rest
        .iter()
        .enumerate()
        .take(needed)
        .find(|(_, b)| status::is_status(**b))
    {
        return Err(Error::Midi(format!(
            "byte {} of the {name} message is 0x{b:02X}, a status byte, where a data byte \
             (0x00-0x7F) was expected",
            i + 1
        )));
    }
    if rest.len() < needed {
        return Err(Error::Midi(format!(
            "{name} needs {needed} data bytes after the status byte, got {}",
            rest.len()
        )));
    }
    if rest.len() > needed {
        return Err(Error::Midi(format!(
            "{name} is {} bytes long but {} bytes were given: parse_message takes exactly one \
             message (use MidiParser for a stream)",
            needed + 1,
            bytes.len()
        )));
    }
    let message = match first {
        status::TUNE_REQUEST => MidiMessage::TuneRequest,
        status::CLOCK => MidiMessage::Clock,
        status::START => MidiMessage::Start,
        status::CONTINUE => MidiMessage::Continue,
        status::STOP => MidiMessage::Stop,
        status::ACTIVE_SENSING => MidiMessage::ActiveSensing,
        status::RESET => MidiMessage::Reset,
        _ => decode(
            first,
            rest.first().copied().unwrap_or(0),
            rest.get(1).copied().unwrap_or(0),
        ),
    };
    Ok(message)
}

/// The part of [`parse_message`] after an `F0`.
fn parse_sysex(rest: &[u8]) -> Result<MidiMessage> {
    match rest.iter().position(|&b| status::is_status(b)) {
        None => Err(Error::Midi(format!(
            "SysEx of {} bytes is not terminated: it must end with 0xF7",
            rest.len() + 1
        ))),
        Some(end) if rest[end] != status::SYSEX_END => Err(Error::Midi(format!(
            "byte {} of the SysEx message is 0x{:02X}, a status byte; SysEx data bytes must be \
             0x00-0x7F and the message must end with 0xF7",
            end + 1,
            rest[end]
        ))),
        Some(end) if end + 1 != rest.len() => Err(Error::Midi(format!(
            "{} bytes follow the SysEx's closing 0xF7: parse_message takes exactly one message \
             (use MidiParser for a stream)",
            rest.len() - end - 1
        ))),
        Some(end) => Ok(MidiMessage::SysEx(rest[..end].to_vec())),
    }
}
