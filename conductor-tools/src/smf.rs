//! Writing Standard MIDI Files (`.mid`) from `(time, message)` pairs: the test files
//! `conductor plugin new` writes, and recordings. Reading them is
//! [`conductor_core::midi::SmfEvents`]; the two agree on times to within half a tick.

use std::path::Path;

use conductor_core::midi::{MidiMessage, DEFAULT_TEMPO_US_PER_BEAT};
use conductor_core::{Error, Result};
use midly::num::{u14, u15, u24, u28, u4, u7};
use midly::{Format, Header, MetaMessage, Smf, Timing, TrackEvent, TrackEventKind};

/// Ticks per quarter note that [`write_smf`] uses: at its 120 bpm one tick is 20 µs.
pub const WRITE_PPQ: u16 = 25_000;

/// Builds a single-track (format 0) Standard MIDI File from messages at microsecond times,
/// with optional tempo changes.
///
/// Times are rounded to the nearest tick; ticks are laid out under the writer's own tempo
/// map, so reading the file back with [`SmfEvents`](conductor_core::midi::SmfEvents) gives the same microsecond times to
/// within half a tick (exactly, for times that fall on a tick). With the defaults
/// ([`WRITE_PPQ`] at 120 bpm) a tick is 20 µs.
///
/// ```no_run
/// use conductor_core::midi::MidiMessage;
/// use conductor_tools::smf::SmfWriter;
/// let on = MidiMessage::NoteOn { channel: 0, note: 60, velocity: 100 };
/// let off = MidiMessage::NoteOff { channel: 0, note: 60, velocity: 0 };
/// SmfWriter::new()
///     .tempo(0, 600_000) // 100 bpm
///     .message(0, on)
///     .message(600_000, off)
///     .save("take.mid")?;
/// # Ok::<(), conductor_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SmfWriter {
    ppq: u16,
    /// `(time_us, microseconds per quarter note)`.
    tempos: Vec<(u64, u32)>,
    messages: Vec<(u64, MidiMessage)>,
}

impl Default for SmfWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl SmfWriter {
    /// A writer with [`WRITE_PPQ`] ticks per quarter note, at 120 bpm until a
    /// [`SmfWriter::tempo`] says otherwise.
    pub fn new() -> Self {
        SmfWriter {
            ppq: WRITE_PPQ,
            tempos: Vec::new(),
            messages: Vec::new(),
        }
    }

    /// Uses `ppq` ticks per quarter note (1..=32767) instead of [`WRITE_PPQ`].
    pub fn ppq(&mut self, ppq: u16) -> &mut Self {
        self.ppq = ppq;
        self
    }

    /// Sets the tempo from `time_us` on, in microseconds per quarter note
    /// (`60_000_000 / bpm`; 1..=16777215).
    pub fn tempo(&mut self, time_us: u64, us_per_beat: u32) -> &mut Self {
        self.tempos.push((time_us, us_per_beat));
        self
    }

    /// Adds `message` at `time_us`. Messages at equal times keep the order they were added.
    pub fn message(&mut self, time_us: u64, message: MidiMessage) -> &mut Self {
        self.messages.push((time_us, message));
        self
    }

    /// Encodes the file.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let ppq = u15::try_from(self.ppq)
            .filter(|p| p.as_int() > 0)
            .ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "SMF ticks per quarter note must be 1..=32767, got {}",
                    self.ppq
                ))
            })?;
        let mut tempos = self.tempos.clone();
        tempos.sort_by_key(|&(t, _)| t);
        if let Some(&(_, bad)) = tempos.iter().find(|&&(_, t)| t == 0 || t > 0xFF_FFFF) {
            return Err(Error::InvalidArgument(format!(
                "tempo must be 1..=16777215 microseconds per quarter note, got {bad}"
            )));
        }
        let grid = TickGrid::new(self.ppq, &tempos);

        // (tick, tempo before messages at the same tick, payload)
        let mut items: Vec<(u64, u8, Payload)> = Vec::new();
        for &(time_us, tempo) in &tempos {
            items.push((grid.tick(time_us), 0, Payload::Tempo(tempo)));
        }
        for (time_us, message) in &self.messages {
            items.push((grid.tick(*time_us), 1, Payload::of(message)));
        }
        items.sort_by_key(|&(tick, order, _)| (tick, order));

        let mut track = Vec::with_capacity(items.len() + 1);
        let mut last_tick = 0u64;
        for (tick, _, payload) in &items {
            let delta = tick - last_tick;
            let delta = u32::try_from(delta)
                .ok()
                .and_then(u28::try_from)
                .ok_or_else(|| {
                    Error::InvalidArgument(format!(
                        "a gap of {delta} ticks between two events is longer than a Standard \
                         MIDI File can hold (2^28 - 1 ticks); use a smaller PPQ"
                    ))
                })?;
            last_tick = *tick;
            track.push(TrackEvent {
                delta,
                kind: payload.kind(),
            });
        }
        track.push(TrackEvent {
            delta: u28::new(0),
            kind: TrackEventKind::Meta(MetaMessage::EndOfTrack),
        });

        let header = Header::new(Format::SingleTrack, Timing::Metrical(ppq));
        let mut smf = Smf::new(header);
        smf.tracks.push(track);
        let mut out = Vec::new();
        smf.write_std(&mut out)
            .map_err(|e| Error::Midi(format!("cannot encode the Standard MIDI File: {e}")))?;
        Ok(out)
    }

    /// Encodes the file and writes it to `path`.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let bytes = self.to_bytes()?;
        std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
    }
}

/// Writes `events` (microseconds from the start, message) to a format 0 `.mid` file at
/// `path`, at 120 bpm with [`WRITE_PPQ`] ticks per quarter note (20 µs per tick).
///
/// ```no_run
/// use conductor_core::midi::MidiMessage;
/// use conductor_tools::smf::write_smf;
/// let on = MidiMessage::NoteOn { channel: 0, note: 60, velocity: 100 };
/// write_smf("one-note.mid", &[(0, on)])?;
/// # Ok::<(), conductor_core::Error>(())
/// ```
pub fn write_smf(path: impl AsRef<Path>, events: &[(u64, MidiMessage)]) -> Result<()> {
    let mut writer = SmfWriter::new();
    for (time_us, message) in events {
        writer.message(*time_us, message.clone());
    }
    writer.save(path)
}

/// Microseconds → ticks under the writer's tempo map.
struct TickGrid {
    ppq: u128,
    /// `(start time in µs, start tick, start time of that tick × ppq, tempo)`.
    segments: Vec<(u64, u64, u128, u32)>,
}

impl TickGrid {
    fn new(ppq: u16, tempos: &[(u64, u32)]) -> TickGrid {
        let mut grid = TickGrid {
            ppq: u128::from(ppq),
            segments: vec![(0, 0, 0, DEFAULT_TEMPO_US_PER_BEAT)],
        };
        for &(time_us, tempo) in tempos {
            let tick = grid.tick(time_us);
            let &(_, last_tick, last_start, last_tempo) = grid.segments.last().expect("non-empty");
            if tick == last_tick {
                let last = grid.segments.last_mut().expect("non-empty");
                last.3 = tempo;
            } else {
                // Exactly where the reader will put this tick.
                let start = last_start + u128::from(tick - last_tick) * u128::from(last_tempo);
                grid.segments.push((time_us, tick, start, tempo));
            }
        }
        grid
    }

    fn tick(&self, time_us: u64) -> u64 {
        let i = self
            .segments
            .partition_point(|&(start_us, ..)| start_us <= time_us)
            - 1;
        let (_, start_tick, start, tempo) = self.segments[i];
        let target = u128::from(time_us) * self.ppq;
        let tempo = u128::from(tempo);
        let offset = target.saturating_sub(start);
        let ticks = (offset + tempo / 2) / tempo;
        start_tick + u64::try_from(ticks).unwrap_or(u64::MAX)
    }
}

/// What one writer event holds, owning its bytes until the track borrows them.
enum Payload {
    Tempo(u32),
    Channel(u4, midly::MidiMessage),
    /// SysEx payload with its closing `F7`, as SMF stores it.
    SysEx(Vec<u8>),
    /// Other system messages, written as an escape sequence of their wire bytes.
    Escape(Vec<u8>),
}

impl Payload {
    fn of(message: &MidiMessage) -> Payload {
        use midly::MidiMessage as M;
        let ch = |c: u8| u4::new(c);
        let d = |v: u8| u7::new(v);
        match *message {
            MidiMessage::NoteOn {
                channel,
                note,
                velocity,
            } => Payload::Channel(
                ch(channel),
                M::NoteOn {
                    key: d(note),
                    vel: d(velocity),
                },
            ),
            MidiMessage::NoteOff {
                channel,
                note,
                velocity,
            } => Payload::Channel(
                ch(channel),
                M::NoteOff {
                    key: d(note),
                    vel: d(velocity),
                },
            ),
            MidiMessage::PolyAftertouch {
                channel,
                note,
                pressure,
            } => Payload::Channel(
                ch(channel),
                M::Aftertouch {
                    key: d(note),
                    vel: d(pressure),
                },
            ),
            MidiMessage::ControlChange {
                channel,
                controller,
                value,
            } => Payload::Channel(
                ch(channel),
                M::Controller {
                    controller: d(controller),
                    value: d(value),
                },
            ),
            MidiMessage::ProgramChange { channel, program } => Payload::Channel(
                ch(channel),
                M::ProgramChange {
                    program: d(program),
                },
            ),
            MidiMessage::ChannelAftertouch { channel, pressure } => {
                Payload::Channel(ch(channel), M::ChannelAftertouch { vel: d(pressure) })
            }
            MidiMessage::PitchBend { channel, value } => Payload::Channel(
                ch(channel),
                M::PitchBend {
                    bend: midly::PitchBend(u14::new(value)),
                },
            ),
            MidiMessage::SysEx(ref data) => {
                let mut bytes: Vec<u8> = data.iter().map(|b| b & 0x7F).collect();
                bytes.push(0xF7);
                Payload::SysEx(bytes)
            }
            ref other => Payload::Escape(other.to_bytes()),
        }
    }

    fn kind(&self) -> TrackEventKind<'_> {
        match self {
            Payload::Tempo(t) => TrackEventKind::Meta(MetaMessage::Tempo(u24::new(*t))),
            Payload::Channel(channel, message) => TrackEventKind::Midi {
                channel: *channel,
                message: *message,
            },
            Payload::SysEx(bytes) => TrackEventKind::SysEx(bytes),
            Payload::Escape(bytes) => TrackEventKind::Escape(bytes),
        }
    }
}
