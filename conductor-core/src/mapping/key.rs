//! The index key a message or a trigger maps to: (message kind, channel, number).

use crate::config::Trigger;
use crate::midi::MidiMessage;

/// The kinds of message a trigger can listen to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum KeyKind {
    NoteOn = 0,
    NoteOff = 1,
    ControlChange = 2,
    PitchBend = 3,
    Aftertouch = 4,
    ProgramChange = 5,
}

pub(crate) const KINDS: usize = 6;
pub(crate) const SLOTS: usize = KINDS * 16 * 128;

/// A slot in the flat index table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Key {
    pub kind: KeyKind,
    pub channel: u8,
    pub number: u8,
}

impl Key {
    pub(crate) fn slot(self) -> usize {
        ((self.kind as usize * 16) + (self.channel as usize & 15)) * 128
            + (self.number as usize & 127)
    }

    /// The key a message is looked up under, if any trigger can match it.
    pub(crate) fn of_message(msg: &MidiMessage) -> Option<Key> {
        let (kind, channel, number) = match *msg {
            MidiMessage::NoteOn { channel, note, .. } => (KeyKind::NoteOn, channel, note),
            MidiMessage::NoteOff { channel, note, .. } => (KeyKind::NoteOff, channel, note),
            MidiMessage::ControlChange {
                channel,
                controller,
                ..
            } => (KeyKind::ControlChange, channel, controller),
            MidiMessage::PitchBend { channel, .. } => (KeyKind::PitchBend, channel, 0),
            MidiMessage::ChannelAftertouch { channel, .. }
            | MidiMessage::PolyAftertouch { channel, .. } => (KeyKind::Aftertouch, channel, 0),
            MidiMessage::ProgramChange { channel, program } => {
                (KeyKind::ProgramChange, channel, program)
            }
            _ => return None,
        };
        Some(Key {
            kind,
            channel,
            number,
        })
    }
}

/// Every key under which `trigger` must be registered. A trigger without a channel is
/// registered on all 16, so lookups never scan.
pub(crate) fn keys_of(trigger: &Trigger) -> Vec<Key> {
    let mut kinds_numbers: Vec<(KeyKind, u8)> = Vec::new();
    match trigger {
        Trigger::Note { note, .. }
        | Trigger::VelocityRange { note, .. }
        | Trigger::DoubleTap { note, .. } => kinds_numbers.push((KeyKind::NoteOn, *note)),
        Trigger::NoteOff { note, .. } => kinds_numbers.push((KeyKind::NoteOff, *note)),
        Trigger::NoteRange { low, high, .. } => {
            kinds_numbers.extend((*low..=*high).map(|n| (KeyKind::NoteOn, n)))
        }
        Trigger::CC { cc, .. } | Trigger::EncoderTurn { cc, .. } => {
            kinds_numbers.push((KeyKind::ControlChange, *cc))
        }
        Trigger::PitchBend { .. } => kinds_numbers.push((KeyKind::PitchBend, 0)),
        Trigger::Aftertouch { .. } => kinds_numbers.push((KeyKind::Aftertouch, 0)),
        Trigger::ProgramChange { program, .. } => match program {
            Some(p) => kinds_numbers.push((KeyKind::ProgramChange, *p)),
            None => kinds_numbers.extend((0..=127).map(|p| (KeyKind::ProgramChange, p))),
        },
        Trigger::LongPress { note, .. } => {
            kinds_numbers.push((KeyKind::NoteOn, *note));
            kinds_numbers.push((KeyKind::NoteOff, *note));
        }
        Trigger::NoteChord { notes, .. } => {
            for n in notes {
                kinds_numbers.push((KeyKind::NoteOn, *n));
                kinds_numbers.push((KeyKind::NoteOff, *n));
            }
        }
    }
    let channels: Vec<u8> = match trigger.channel() {
        Some(c) => vec![c],
        None => (0..16).collect(),
    };
    let mut keys = Vec::new();
    for (kind, number) in kinds_numbers {
        for &channel in &channels {
            keys.push(Key {
                kind,
                channel,
                number,
            });
        }
    }
    keys
}
