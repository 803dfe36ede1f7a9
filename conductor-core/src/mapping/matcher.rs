//! Whether a message fires a stateless trigger.

use crate::config::{TransportEvent, Trigger};
use crate::midi::MidiMessage;

fn in_range<T: PartialOrd + Copy>(value: T, min: Option<T>, max: Option<T>) -> bool {
    min.is_none_or(|m| value >= m) && max.is_none_or(|m| value <= m)
}

fn channel_ok(trigger: &Trigger, msg: &MidiMessage) -> bool {
    match (trigger.channel(), msg.channel()) {
        (Some(want), Some(got)) => want == got,
        _ => true,
    }
}

/// Whether `msg` fires `trigger`. Gesture triggers (long press, double tap, chord)
/// return `false`: they need state and are handled by [`super::gesture`].
pub(crate) fn matches(trigger: &Trigger, msg: &MidiMessage) -> bool {
    if !channel_ok(trigger, msg) {
        return false;
    }
    match (trigger, msg) {
        (
            Trigger::Note {
                note,
                velocity_min,
                velocity_max,
                ..
            },
            MidiMessage::NoteOn {
                note: n, velocity, ..
            },
        ) => n == note && in_range(*velocity, *velocity_min, *velocity_max),
        (Trigger::NoteOff { note, .. }, MidiMessage::NoteOff { note: n, .. }) => n == note,
        (
            Trigger::VelocityRange { note, min, max, .. },
            MidiMessage::NoteOn {
                note: n, velocity, ..
            },
        ) => n == note && (*min..=*max).contains(velocity),
        (Trigger::NoteRange { low, high, .. }, MidiMessage::NoteOn { note, .. }) => {
            (*low..=*high).contains(note)
        }
        (
            Trigger::CC {
                cc,
                value_min,
                value_max,
                ..
            },
            MidiMessage::ControlChange {
                controller, value, ..
            },
        ) => controller == cc && in_range(*value, *value_min, *value_max),
        (
            Trigger::EncoderTurn {
                cc,
                direction,
                encoding,
                ..
            },
            MidiMessage::ControlChange {
                controller, value, ..
            },
        ) => {
            controller == cc
                && match encoding.direction(*value) {
                    Some(turned) => direction.is_none_or(|d| d == turned),
                    None => false,
                }
        }
        (
            Trigger::PitchBend {
                value_min,
                value_max,
                ..
            },
            MidiMessage::PitchBend { value, .. },
        ) => in_range(*value, *value_min, *value_max),
        (
            Trigger::Aftertouch { pressure_min, .. },
            MidiMessage::ChannelAftertouch { pressure, .. }
            | MidiMessage::PolyAftertouch { pressure, .. },
        ) => pressure_min.is_none_or(|m| *pressure >= m),
        (Trigger::ProgramChange { program, .. }, MidiMessage::ProgramChange { program: p, .. }) => {
            program.is_none_or(|want| want == *p)
        }
        (
            Trigger::PolyAftertouch {
                note,
                pressure_min,
                pressure_max,
                ..
            },
            MidiMessage::PolyAftertouch {
                note: n, pressure, ..
            },
        ) => {
            note.is_none_or(|want| want == *n) && in_range(*pressure, *pressure_min, *pressure_max)
        }
        (
            Trigger::PolyAftertouch {
                note: None,
                pressure_min,
                pressure_max,
                ..
            },
            MidiMessage::ChannelAftertouch { pressure, .. },
        ) => in_range(*pressure, *pressure_min, *pressure_max),
        (Trigger::Transport { event }, MidiMessage::Start) => {
            event.is_none_or(|e| e == TransportEvent::Start)
        }
        (Trigger::Transport { event }, MidiMessage::Stop) => {
            event.is_none_or(|e| e == TransportEvent::Stop)
        }
        (Trigger::Transport { event }, MidiMessage::Continue) => {
            event.is_none_or(|e| e == TransportEvent::Continue)
        }
        (Trigger::SysEx { pattern }, MidiMessage::SysEx(body)) => pattern.matches(body),
        (Trigger::Raw { pattern }, msg) => match msg.encode_short() {
            Some((bytes, len)) => pattern.matches(&bytes[..len]),
            None => pattern.matches(&msg.to_bytes()),
        },
        _ => false,
    }
}

/// Whether the message is on a channel the trigger listens to.
pub(crate) fn on_channel(trigger: &Trigger, msg: &MidiMessage) -> bool {
    channel_ok(trigger, msg)
}
