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
    /// System messages (SysEx, clock, transport), numbered by status byte `& 0x7F`.
    System = 6,
    /// Raw byte patterns: one key every message is also looked up under.
    Raw = 7,
}

/// The channel of the key a channel-less trigger is registered under: one key stands
/// for all 16 channels (see [`super::TriggerIndex`] for how lookups use it).
pub(crate) const ANY_CHANNEL: u8 = 16;

const KINDS: usize = 8;
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
    /// The key as a dense number below [`SLOTS`] (`8 × 17 × 128`: channels 0–15 and
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
            MidiMessage::SysEx(_)
            | MidiMessage::Clock
            | MidiMessage::Start
            | MidiMessage::Continue
            | MidiMessage::Stop => {
                return Some(Key {
                    kind: KeyKind::System,
                    channel: ANY_CHANNEL,
                    number: system_number(msg),
                })
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

/// The number of a system message's key: its status byte without the top bit.
fn system_number(msg: &MidiMessage) -> u8 {
    match msg {
        MidiMessage::SysEx(_) => 0x70,
        MidiMessage::Clock => 0x78,
        MidiMessage::Start => 0x7A,
        MidiMessage::Continue => 0x7B,
        MidiMessage::Stop => 0x7C,
        _ => 0x7F,
    }
}

/// The one key every raw pattern is registered under.
pub(crate) const RAW_KEY: Key = Key {
    kind: KeyKind::Raw,
    channel: ANY_CHANNEL,
    number: 0,
};

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
        // Below.
        Trigger::PolyAftertouch { .. }
        | Trigger::Transport { .. }
        | Trigger::Clock { .. }
        | Trigger::Tempo { .. }
        | Trigger::SysEx { .. }
        | Trigger::Raw { .. }
        | Trigger::CC14 { .. }
        | Trigger::ParameterNumber { .. } => {}
    }
    let system = |msg: MidiMessage| (KeyKind::System, system_number(&msg));
    match trigger {
        Trigger::PolyAftertouch { .. } => kinds_numbers.push((KeyKind::Aftertouch, 0)),
        Trigger::Transport { event } => {
            use crate::config::TransportEvent as E;
            let all = [
                (E::Start, MidiMessage::Start),
                (E::Stop, MidiMessage::Stop),
                (E::Continue, MidiMessage::Continue),
            ];
            for (e, msg) in all {
                if event.is_none_or(|want| want == e) {
                    kinds_numbers.push(system(msg));
                }
            }
        }
        Trigger::Clock { .. } | Trigger::Tempo { .. } => {
            kinds_numbers.push(system(MidiMessage::Clock));
            kinds_numbers.push(system(MidiMessage::Start));
        }
        Trigger::SysEx { .. } => kinds_numbers.push(system(MidiMessage::SysEx(Vec::new()))),
        Trigger::Raw { .. } => return vec![RAW_KEY],
        Trigger::CC14 { cc, .. } => kinds_numbers.push((KeyKind::ControlChange, cc + 32)),
        Trigger::ParameterNumber { .. } => {
            kinds_numbers.push((KeyKind::ControlChange, 6));
            kinds_numbers.push((KeyKind::ControlChange, 38));
        }
        _ => {}
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
