//! The index key a message or a trigger maps to: (message kind, channel, number), where a
//! trigger without a channel has the key's channel [`ANY_CHANNEL`].

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

/// The channel of the key a channel-less trigger is registered under: one key stands
/// for all 16 channels (see [`super::TriggerIndex`] for how lookups use it).
pub(crate) const ANY_CHANNEL: u8 = 16;

const KINDS: usize = 6;
/// How many distinct [`Key::slot`] numbers there are.
pub(crate) const SLOTS: usize = KINDS * 17 * 128;

/// A (kind, channel, number) key; see [`Key::slot`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Key {
    pub kind: KeyKind,
    /// 0–15, or [`ANY_CHANNEL`].
    pub channel: u8,
    pub number: u8,
}

impl Key {
    /// The key as a dense number below [`SLOTS`] (`6 × 17 × 128`: channels 0–15 and
    /// [`ANY_CHANNEL`]).
    pub(crate) fn slot(self) -> u16 {
        let channel = if self.channel == ANY_CHANNEL {
            ANY_CHANNEL
        } else {
            self.channel & 15
        };
        ((self.kind as u16 * 17) + channel as u16) * 128 + (self.number as u16 & 127)
    }

    /// The same kind and number on [`ANY_CHANNEL`].
    pub(crate) fn on_any_channel(self) -> Key {
        Key {
            channel: ANY_CHANNEL,
            ..self
        }
    }

    /// For the slot of a key on one channel, the slot of the same kind and number on
    /// [`ANY_CHANNEL`]; `None` for a slot on any channel already.
    pub(crate) fn any_channel_slot(slot: u16) -> Option<u16> {
        let (kind_channel, number) = (slot / 128, slot % 128);
        let (kind, channel) = (kind_channel / 17, kind_channel % 17);
        (channel != u16::from(ANY_CHANNEL)).then(|| (kind * 17 + 16) * 128 + number)
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
            channel: channel & 15,
            number,
        })
    }
}

/// Every key under which `trigger` must be registered. A trigger without a channel is
/// registered once on [`ANY_CHANNEL`] rather than on each of the 16 channels.
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
        Trigger::LongPress { note, .. } | Trigger::Turbo { note, .. } => {
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
    let channel = trigger.channel().map_or(ANY_CHANNEL, |c| c & 15);
    kinds_numbers
        .into_iter()
        .map(|(kind, number)| Key {
            kind,
            channel,
            number,
        })
        .collect()
}
