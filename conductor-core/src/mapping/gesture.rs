//! Gesture triggers — long press, double tap, chord — timed from event timestamps, so
//! replays and tests are deterministic.

use crate::config::Trigger;
use crate::midi::MidiMessage;

/// The note-on that started a press: when, and what it carried, so a long press that
/// fires while the note is still down reports the press itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HeldNote {
    /// When the note went down (µs).
    pub(crate) at: u64,
    /// Its channel (0-15).
    pub(crate) channel: u8,
    /// Its velocity.
    pub(crate) velocity: u8,
}

/// Per-mapping gesture state.
#[derive(Debug, Clone, Default)]
pub(crate) enum GestureState {
    /// Not a gesture trigger.
    #[default]
    None,
    LongPress {
        /// The note-on of the press being held, if any.
        held: Option<HeldNote>,
        fired: bool,
    },
    DoubleTap {
        last_tap: Option<u64>,
    },
    Chord {
        pressed: Vec<Option<u64>>,
        fired: bool,
    },
}

impl GestureState {
    pub(crate) fn for_trigger(trigger: &Trigger) -> Self {
        match trigger {
            Trigger::LongPress { .. } => GestureState::LongPress {
                held: None,
                fired: false,
            },
            Trigger::DoubleTap { .. } => GestureState::DoubleTap { last_tap: None },
            Trigger::NoteChord { notes, .. } => GestureState::Chord {
                pressed: vec![None; notes.len()],
                fired: false,
            },
            _ => GestureState::None,
        }
    }

    pub(crate) fn is_gesture(&self) -> bool {
        !matches!(self, GestureState::None)
    }

    /// Feeds a message at time `t` (µs); returns whether the gesture fires now.
    pub(crate) fn on_message(&mut self, trigger: &Trigger, msg: &MidiMessage, t: u64) -> bool {
        let (on, note, channel, velocity) = match *msg {
            MidiMessage::NoteOn {
                note,
                channel,
                velocity,
            } => (true, note, channel, velocity),
            MidiMessage::NoteOff { note, .. } => (false, note, 0, 0),
            _ => return false,
        };
        match (self, trigger) {
            (
                GestureState::LongPress { held, fired },
                Trigger::LongPress {
                    note: n, duration, ..
                },
            ) if *n == note => {
                if on {
                    *held = Some(HeldNote {
                        at: t,
                        channel,
                        velocity,
                    });
                    *fired = false;
                    false
                } else {
                    let held_for = held.take().map(|p| t.saturating_sub(p.at));
                    let fire =
                        !*fired && held_for.is_some_and(|h| h >= duration.as_micros() as u64);
                    *fired = false;
                    fire
                }
            }
            (
                GestureState::DoubleTap { last_tap },
                Trigger::DoubleTap {
                    note: n, timeout, ..
                },
            ) if *n == note && on => {
                let window = timeout.as_micros() as u64;
                if last_tap.is_some_and(|l| t.saturating_sub(l) <= window) {
                    *last_tap = None;
                    true
                } else {
                    *last_tap = Some(t);
                    false
                }
            }
            (GestureState::Chord { pressed, fired }, Trigger::NoteChord { notes, timeout, .. }) => {
                let Some(i) = notes.iter().position(|n| *n == note) else {
                    return false;
                };
                if !on {
                    pressed[i] = None;
                    *fired = false;
                    return false;
                }
                let window = timeout.as_micros() as u64;
                pressed[i] = Some(t);
                // Presses older than the window no longer count.
                for p in pressed.iter_mut() {
                    if p.is_some_and(|p| t.saturating_sub(p) > window) {
                        *p = None;
                    }
                }
                if !*fired && pressed.iter().all(Option::is_some) {
                    *fired = true;
                    true
                } else {
                    false
                }
            }
            _ => false,
        }
    }

    /// Advances time to `now` (µs); returns whether a held long press fires now.
    pub(crate) fn on_tick(&mut self, trigger: &Trigger, now: u64) -> bool {
        if let (
            GestureState::LongPress {
                held: Some(p),
                fired,
            },
            Trigger::LongPress { duration, .. },
        ) = (self, trigger)
        {
            if !*fired && now.saturating_sub(p.at) >= duration.as_micros() as u64 {
                *fired = true;
                return true;
            }
        }
        false
    }

    /// The note-on of the long press being held, for the context of a long press that
    /// fires on a tick (the note is still down, so there is no note-off to report).
    pub(crate) fn held_note(&self) -> Option<HeldNote> {
        match self {
            GestureState::LongPress { held, .. } => *held,
            _ => None,
        }
    }
}
