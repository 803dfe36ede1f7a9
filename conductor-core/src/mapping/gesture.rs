//! Gesture triggers — long press, double tap, chord — timed from event timestamps, so
//! replays and tests are deterministic.

use crate::config::Trigger;
use crate::midi::MidiMessage;

/// Per-mapping gesture state.
#[derive(Debug, Clone, Default)]
pub(crate) enum GestureState {
    /// Not a gesture trigger.
    #[default]
    None,
    LongPress {
        pressed_at: Option<u64>,
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
                pressed_at: None,
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
        let (on, note) = match *msg {
            MidiMessage::NoteOn { note, .. } => (true, note),
            MidiMessage::NoteOff { note, .. } => (false, note),
            _ => return false,
        };
        match (self, trigger) {
            (
                GestureState::LongPress { pressed_at, fired },
                Trigger::LongPress {
                    note: n, duration, ..
                },
            ) if *n == note => {
                if on {
                    *pressed_at = Some(t);
                    *fired = false;
                    false
                } else {
                    let held = pressed_at.take().map(|p| t.saturating_sub(p));
                    let fire = !*fired && held.is_some_and(|h| h >= duration.as_micros() as u64);
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
                pressed_at: Some(p),
                fired,
            },
            Trigger::LongPress { duration, .. },
        ) = (self, trigger)
        {
            if !*fired && now.saturating_sub(*p) >= duration.as_micros() as u64 {
                *fired = true;
                return true;
            }
        }
        false
    }
}
