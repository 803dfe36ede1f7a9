//! Standard MIDI Files (`.mid`): reading them into a time-ordered list of messages with
//! microsecond times (writing them is `conductor_tools::smf`).
//!
//! Parsing and encoding of the file format is midly's; this module turns ticks into
//! microseconds (tempo map, PPQ or SMPTE timing) and midly's events into [`MidiMessage`]s.

use std::path::Path;

use midly::num::u4;
use midly::{Format, MetaMessage, Smf, Timing, TrackEvent, TrackEventKind};

use super::message::MidiMessage;
use super::parser::MidiParser;
use crate::error::{Error, Result};

/// Microseconds per quarter note when a file sets no tempo: 120 bpm.
pub const DEFAULT_TEMPO_US_PER_BEAT: u32 = 500_000;

/// One message from a file, at its time from the start of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimedMessage {
    /// Microseconds from the start of the file (rounded down to the microsecond).
    pub time_us: u64,
    /// The message.
    pub message: MidiMessage,
    /// The 0-based track it came from.
    pub track: usize,
}

/// How a file measures time, from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmfTiming {
    /// Ticks per quarter note; the tempo map sets how long a quarter note is.
    Metrical {
        /// Ticks per quarter note (PPQ).
        ppq: u16,
    },
    /// SMPTE: a fixed number of ticks per second, tempo events do not apply.
    Timecode {
        /// Frames per second: 24, 25, 29 (meaning 29.97 drop-frame) or 30.
        fps: u8,
        /// Ticks per frame.
        ticks_per_frame: u8,
    },
}

/// All the messages of a Standard MIDI File, merged across tracks in time order.
///
/// Tracks of format 0 and 1 files share one tempo map (tempo events in any track apply to
/// all); each track of a format 2 file has its own and starts at time 0. Meta events are
/// used for timing and otherwise left out. SysEx split across several packets is joined;
/// other escape sequences (real-time, system common) are parsed like a live stream.
///
/// ```
/// use conductor_core::midi::{MidiMessage, SmfEvents};
/// use conductor_tools::smf::SmfWriter; // writing lives in conductor-tools
///
/// let on = MidiMessage::NoteOn { channel: 0, note: 60, velocity: 100 };
/// let bytes = SmfWriter::new().message(1_000_000, on.clone()).to_bytes().unwrap();
/// let smf = SmfEvents::from_bytes(&bytes).unwrap();
/// assert_eq!(smf.events()[0].time_us, 1_000_000);
/// assert_eq!(smf.events()[0].message, on);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmfEvents {
    events: Vec<TimedMessage>,
    timing: SmfTiming,
    track_count: usize,
    duration_us: u64,
}

impl SmfEvents {
    /// Reads and decodes the file at `path`.
    pub fn from_file(path: impl AsRef<Path>) -> Result<SmfEvents> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Self::from_bytes(&bytes).map_err(|e| match e {
            Error::Midi(message) => Error::Midi(format!("{}: {message}", path.display())),
            other => other,
        })
    }

    /// Decodes a file already in memory.
    ///
    /// The file's structure is checked first, strictly: a chunk or event whose length
    /// runs past the end of its chunk or of the file, a variable-length quantity longer
    /// than 4 bytes, fewer tracks than the header announces or a running status with no
    /// status before it is an error naming the track and the byte offset, never a
    /// silently shortened (or empty) file.
    pub fn from_bytes(bytes: &[u8]) -> Result<SmfEvents> {
        check_structure(bytes)
            .map_err(|e| Error::Midi(format!("corrupt Standard MIDI File: {e}")))?;
        let smf = Smf::parse(bytes)
            .map_err(|e| Error::Midi(format!("not a valid Standard MIDI File: {e}")))?;
        let clock = Clock::of(smf.header.timing)?;
        let timing = match smf.header.timing {
            Timing::Metrical(ppq) => SmfTiming::Metrical { ppq: ppq.as_int() },
            Timing::Timecode(fps, ticks_per_frame) => SmfTiming::Timecode {
                fps: fps.as_int(),
                ticks_per_frame,
            },
        };

        let shared_tempo = smf.header.format != Format::Sequential;
        let global_tempos = if shared_tempo {
            TempoMap::from_tracks(&smf.tracks)
        } else {
            TempoMap::default()
        };

        let mut events = Vec::new();
        let mut duration_us = 0;
        for (track, raw) in smf.tracks.iter().enumerate() {
            let own_tempos;
            let tempos = if shared_tempo {
                &global_tempos
            } else {
                own_tempos = TempoMap::from_tracks(std::slice::from_ref(raw));
                &own_tempos
            };
            let mut decoder = TrackDecoder::default();
            let mut tick = 0u64;
            for event in raw {
                tick += u64::from(event.delta.as_int());
                let time_us = clock.micros(tick, tempos);
                decoder.decode(&event.kind, |message| {
                    events.push(TimedMessage {
                        time_us,
                        message,
                        track,
                    })
                });
            }
            duration_us = duration_us.max(clock.micros(tick, tempos));
        }
        // Stable: equal times keep track order, then file order within a track.
        events.sort_by_key(|e| e.time_us);
        Ok(SmfEvents {
            events,
            timing,
            track_count: smf.tracks.len(),
            duration_us,
        })
    }

    /// The messages in time order.
    pub fn events(&self) -> &[TimedMessage] {
        &self.events
    }

    /// The messages in time order, by value.
    pub fn into_events(self) -> Vec<TimedMessage> {
        self.events
    }

    /// The file's timing from its header.
    pub fn timing(&self) -> SmfTiming {
        self.timing
    }

    /// How many tracks the file has.
    pub fn track_count(&self) -> usize {
        self.track_count
    }

    /// The time of the last track's end, in microseconds (at least the last message's time).
    pub fn duration_us(&self) -> u64 {
        self.duration_us
    }
}

impl IntoIterator for SmfEvents {
    type Item = TimedMessage;
    type IntoIter = std::vec::IntoIter<TimedMessage>;

    fn into_iter(self) -> Self::IntoIter {
        self.events.into_iter()
    }
}

/// Reads a big-endian `u32` at `at`.
fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(
        bytes.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// Checks the chunk and event structure of a Standard MIDI File (files without an MThd
/// header, RIFF-wrapped ones included, are left to the parser). The error says what is
/// wrong and where.
fn check_structure(bytes: &[u8]) -> std::result::Result<(), String> {
    // A RIFF-wrapped file: only its header's timing is checked here.
    if bytes.starts_with(b"RIFF") {
        return match bytes.windows(4).position(|w| w == b"MThd") {
            Some(at) => check_smpte_rate(&bytes[at..]),
            None => Ok(()),
        };
    }
    // Not an SMF at all: the parser says so.
    if !bytes.starts_with(b"MThd") {
        return Ok(());
    }
    let header_len = be_u32(bytes, 4).ok_or("the header is cut short")? as usize;
    if header_len < 6 {
        return Err(format!(
            "the header is {header_len} bytes long, less than 6"
        ));
    }
    let header_end = 8usize
        .checked_add(header_len)
        .filter(|&end| end <= bytes.len())
        .ok_or_else(|| {
            format!(
                "the header says it is {header_len} bytes long, but the file has only {} \
                 bytes after it",
                bytes.len() - 8
            )
        })?;
    let announced = u16::from_be_bytes([bytes[10], bytes[11]]) as usize;
    check_smpte_rate(bytes)?;
    let mut at = header_end;
    let mut tracks = 0usize;
    while at < bytes.len() {
        let remaining = bytes.len() - at;
        if remaining < 8 {
            return Err(format!(
                "{remaining} stray bytes at offset {at}, too few for a chunk header"
            ));
        }
        let id = &bytes[at..at + 4];
        let len = be_u32(bytes, at + 4).expect("8 bytes remain") as usize;
        let body = at + 8;
        if len > bytes.len() - body {
            return Err(format!(
                "the chunk at offset {at} ({}) says it is {len} bytes long, but only {} bytes \
                 remain in the file",
                if id == b"MTrk" {
                    format!("track {tracks}")
                } else {
                    "unknown".into()
                },
                bytes.len() - body
            ));
        }
        if id == b"MThd" {
            return Err(format!("a second MThd header at offset {at}"));
        }
        if id == b"MTrk" {
            check_track(&bytes[body..body + len], body)
                .map_err(|e| format!("track {tracks}: {e}"))?;
            tracks += 1;
        }
        at = body + len;
    }
    if tracks < announced {
        return Err(format!(
            "the header announces {announced} tracks but the file holds {tracks}"
        ));
    }
    Ok(())
}

/// SMPTE timing: the header's high division byte is minus the frame rate (24, 25, 29 or
/// 30). Anything else is refused here; the parser would negate -128 and overflow.
/// `header` starts at `MThd`.
fn check_smpte_rate(header: &[u8]) -> std::result::Result<(), String> {
    match header.get(12) {
        Some(&b) if b & 0x80 != 0 && ![-24i8, -25, -29, -30].contains(&(b as i8)) => Err(format!(
            "the header's SMPTE frame rate byte 0x{b:02x} is not -24, -25, -29 or -30"
        )),
        _ => Ok(()),
    }
}

/// Reads a variable-length quantity (at most 4 bytes) at `*at`, advancing it.
fn read_vlq(track: &[u8], at: &mut usize, base: usize) -> std::result::Result<u32, String> {
    let start = *at;
    let mut value = 0u32;
    for i in 0..4 {
        let byte = *track.get(*at).ok_or_else(|| {
            format!(
                "a variable-length number at offset {} is cut short",
                base + start
            )
        })?;
        *at += 1;
        value = (value << 7) | u32::from(byte & 0x7f);
        if byte & 0x80 == 0 {
            return Ok(value);
        }
        if i == 3 {
            break;
        }
    }
    Err(format!(
        "the variable-length number at offset {} is longer than 4 bytes",
        base + start
    ))
}

/// Checks one track chunk's events; `base` is the chunk body's offset in the file.
fn check_track(track: &[u8], base: usize) -> std::result::Result<(), String> {
    let mut at = 0;
    let mut running: Option<u8> = None;
    while at < track.len() {
        read_vlq(track, &mut at, base)?;
        let event_at = at;
        let Some(&first) = track.get(at) else {
            return Err(format!(
                "an event's time at offset {} has no event after it",
                base + at
            ));
        };
        let length = |at: &mut usize| -> std::result::Result<(), String> {
            let len = read_vlq(track, at, base)? as usize;
            if len > track.len() - *at {
                return Err(format!(
                    "the event at offset {} says its data is {len} bytes long, but only {} \
                     bytes remain in the track",
                    base + event_at,
                    track.len() - *at
                ));
            }
            *at += len;
            Ok(())
        };
        match first {
            0xff => {
                at += 1;
                if at >= track.len() {
                    return Err(format!(
                        "the meta event at offset {} is cut short",
                        base + event_at
                    ));
                }
                at += 1; // type
                length(&mut at)?;
                running = None;
            }
            0xf0 | 0xf7 => {
                at += 1;
                length(&mut at)?;
                running = None;
            }
            0xf1..=0xfe => {
                return Err(format!(
                    "the byte 0x{first:02x} at offset {} is not a valid event in a file",
                    base + event_at
                ))
            }
            _ => {
                let status = if first >= 0x80 {
                    at += 1;
                    running = Some(first);
                    first
                } else {
                    running.ok_or_else(|| {
                        format!(
                            "the data byte 0x{first:02x} at offset {} has no status byte \
                             before it",
                            base + event_at
                        )
                    })?
                };
                let data = if matches!(status & 0xf0, 0xc0 | 0xd0) {
                    1
                } else {
                    2
                };
                for _ in 0..data {
                    match track.get(at) {
                        Some(b) if *b < 0x80 => at += 1,
                        _ => {
                            return Err(format!(
                                "the channel message at offset {} is cut short",
                                base + event_at
                            ))
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// Tempo changes as `(tick, microseconds per quarter note)`, sorted by tick.
#[derive(Debug, Default)]
struct TempoMap {
    /// `(start tick, start time × ppq, tempo)`: the start time is kept multiplied by the
    /// PPQ so that it stays exact however many tempo changes come before.
    segments: Vec<(u64, u128, u32)>,
}

impl TempoMap {
    fn from_tracks(tracks: &[Vec<TrackEvent<'_>>]) -> TempoMap {
        let mut changes = Vec::new();
        for track in tracks {
            let mut tick = 0u64;
            for event in track {
                tick += u64::from(event.delta.as_int());
                if let TrackEventKind::Meta(MetaMessage::Tempo(t)) = event.kind {
                    changes.push((tick, t.as_int()));
                }
            }
        }
        // Stable: at equal ticks, the later track / later event wins.
        changes.sort_by_key(|&(tick, _)| tick);
        let mut segments: Vec<(u64, u128, u32)> = vec![(0, 0, DEFAULT_TEMPO_US_PER_BEAT)];
        for (tick, tempo) in changes {
            let &(last_tick, last_start, last_tempo) = segments.last().expect("non-empty");
            if tick == last_tick {
                segments.last_mut().expect("non-empty").2 = tempo;
            } else {
                let start = last_start + u128::from(tick - last_tick) * u128::from(last_tempo);
                segments.push((tick, start, tempo));
            }
        }
        TempoMap { segments }
    }

    /// The time of `tick`, multiplied by the PPQ.
    fn scaled_micros(&self, tick: u64) -> u128 {
        let segments = if self.segments.is_empty() {
            &[(0, 0, DEFAULT_TEMPO_US_PER_BEAT)][..]
        } else {
            &self.segments[..]
        };
        let i = segments.partition_point(|&(start, _, _)| start <= tick) - 1;
        let (start_tick, start, tempo) = segments[i];
        start + u128::from(tick - start_tick) * u128::from(tempo)
    }
}

/// Ticks → microseconds for one file's header timing.
#[derive(Debug, Clone, Copy)]
enum Clock {
    /// Ticks per quarter note.
    Metrical(u128),
    /// Ticks per second as the fraction `numerator / denominator`.
    Timecode { numerator: u128, denominator: u128 },
}

impl Clock {
    fn of(timing: Timing) -> Result<Clock> {
        match timing {
            Timing::Metrical(ppq) if ppq.as_int() == 0 => Err(Error::Midi(
                "the file's header says 0 ticks per quarter note, so no event has a time".into(),
            )),
            Timing::Metrical(ppq) => Ok(Clock::Metrical(u128::from(ppq.as_int()))),
            Timing::Timecode(_, 0) => Err(Error::Midi(
                "the file's header says 0 ticks per SMPTE frame, so no event has a time".into(),
            )),
            Timing::Timecode(fps, ticks_per_frame) => {
                let tpf = u128::from(ticks_per_frame);
                // 29 means 30 drop-frame: 30000/1001 frames per second.
                let (numerator, denominator) = match fps.as_int() {
                    29 => (30_000 * tpf, 1001),
                    n => (u128::from(n) * tpf, 1),
                };
                Ok(Clock::Timecode {
                    numerator,
                    denominator,
                })
            }
        }
    }

    fn micros(self, tick: u64, tempos: &TempoMap) -> u64 {
        let us = match self {
            Clock::Metrical(ppq) => tempos.scaled_micros(tick) / ppq,
            Clock::Timecode {
                numerator,
                denominator,
            } => u128::from(tick) * 1_000_000 * denominator / numerator,
        };
        u64::try_from(us).unwrap_or(u64::MAX)
    }
}

/// Turns one track's events into messages, joining split SysEx.
#[derive(Default)]
struct TrackDecoder {
    /// A SysEx whose first packet had no closing `F7` yet.
    open_sysex: Option<Vec<u8>>,
    /// Parses escape sequences that are not SysEx continuations.
    escapes: MidiParser,
}

impl TrackDecoder {
    fn decode(&mut self, kind: &TrackEventKind<'_>, mut emit: impl FnMut(MidiMessage)) {
        match *kind {
            TrackEventKind::Midi { channel, message } => emit(channel_message(channel, message)),
            TrackEventKind::SysEx(data) => {
                // A new SysEx abandons one left open.
                self.open_sysex = None;
                self.sysex_packet(Vec::new(), data, emit);
            }
            TrackEventKind::Escape(data) => match self.open_sysex.take() {
                Some(head) => self.sysex_packet(head, data, emit),
                None => self.escapes.feed(data, emit),
            },
            TrackEventKind::Meta(_) => {}
        }
    }

    fn sysex_packet(&mut self, mut head: Vec<u8>, data: &[u8], mut emit: impl FnMut(MidiMessage)) {
        match data.split_last() {
            Some((&0xF7, body)) => {
                head.extend_from_slice(body);
                emit(MidiMessage::SysEx(head));
            }
            _ => {
                head.extend_from_slice(data);
                self.open_sysex = Some(head);
            }
        }
    }
}

fn channel_message(channel: u4, message: midly::MidiMessage) -> MidiMessage {
    use midly::MidiMessage as M;
    let channel = channel.as_int();
    match message {
        M::NoteOn { key, vel } if vel.as_int() == 0 => MidiMessage::NoteOff {
            channel,
            note: key.as_int(),
            velocity: 0,
        },
        M::NoteOn { key, vel } => MidiMessage::NoteOn {
            channel,
            note: key.as_int(),
            velocity: vel.as_int(),
        },
        M::NoteOff { key, vel } => MidiMessage::NoteOff {
            channel,
            note: key.as_int(),
            velocity: vel.as_int(),
        },
        M::Aftertouch { key, vel } => MidiMessage::PolyAftertouch {
            channel,
            note: key.as_int(),
            pressure: vel.as_int(),
        },
        M::Controller { controller, value } => MidiMessage::ControlChange {
            channel,
            controller: controller.as_int(),
            value: value.as_int(),
        },
        M::ProgramChange { program } => MidiMessage::ProgramChange {
            channel,
            program: program.as_int(),
        },
        M::ChannelAftertouch { vel } => MidiMessage::ChannelAftertouch {
            channel,
            pressure: vel.as_int(),
        },
        M::PitchBend { bend } => MidiMessage::PitchBend {
            channel,
            value: bend.0.as_int(),
        },
    }
}
