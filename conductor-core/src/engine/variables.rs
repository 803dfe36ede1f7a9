//! State that mappings read and write while the engine runs: named variables
//! (`SetVar`, `ToggleVar`, `IncrementVar`, the `Variable` condition) and the controls
//! held on the input (`NoteHeld`, `CcValueInRange`: shift layers).
//!
//! Held controls are tracked lock-free in fixed arrays (a bit per channel and note, a
//! byte per channel and controller), updated for every incoming message before it is
//! routed, so a mapping fired by a message already sees the controls held with it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::config::{ConditionState, VariableOp};
use crate::midi::MidiMessage;

/// Named variables, shared by every mapping and kept across reloads.
#[derive(Default)]
pub(crate) struct Variables {
    values: Mutex<HashMap<Box<str>, i64>>,
}

impl Variables {
    /// The value of `name` (0 when unset).
    pub(crate) fn get(&self, name: &str) -> i64 {
        self.lock().get(name).copied().unwrap_or(0)
    }

    /// Applies `op` to `name` and returns the new value. Allocates only the first time
    /// a name is set.
    pub(crate) fn apply(&self, name: &str, op: VariableOp) -> i64 {
        let mut values = self.lock();
        match values.get_mut(name) {
            Some(v) => {
                *v = op.apply(*v);
                *v
            }
            None => {
                let v = op.apply(0);
                values.insert(name.into(), v);
                v
            }
        }
    }

    /// Sets `name` to `value`.
    pub(crate) fn set(&self, name: &str, value: i64) {
        self.apply(name, VariableOp::Set(value));
    }

    /// Every variable set so far, sorted by name.
    pub(crate) fn snapshot(&self) -> Vec<(String, i64)> {
        let mut all: Vec<(String, i64)> = self
            .lock()
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect();
        all.sort();
        all
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Box<str>, i64>> {
        self.values.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Value of a controller never seen.
const UNSEEN: u8 = 0xFF;

/// Which notes are held and the last value of each controller, per channel.
pub(crate) struct HeldControls {
    /// Bit `note % 64` of word `channel * 2 + note / 64`.
    notes: [AtomicU64; 32],
    /// `channel * 128 + controller`; [`UNSEEN`] until a value arrives.
    controllers: Box<[AtomicU8; 2048]>,
    /// Notes whose note-on MIDI thru passed on (laid out as `notes`): only their
    /// note-offs follow, so a mapped pad's release does not leak to the output.
    thru: [AtomicU64; 32],
}

impl Default for HeldControls {
    fn default() -> Self {
        HeldControls {
            notes: std::array::from_fn(|_| AtomicU64::new(0)),
            controllers: Box::new(std::array::from_fn(|_| AtomicU8::new(UNSEEN))),
            thru: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }
}

impl HeldControls {
    /// Notes what `msg` changes: a note pressed or released, a controller's value.
    pub(crate) fn observe(&self, msg: &MidiMessage) {
        match *msg {
            MidiMessage::NoteOn {
                channel,
                note,
                velocity,
            } => self.set_note(channel, note, velocity > 0),
            MidiMessage::NoteOff { channel, note, .. } => self.set_note(channel, note, false),
            MidiMessage::ControlChange {
                channel,
                controller,
                value,
            } => self.controllers[usize::from(channel & 15) * 128 + usize::from(controller & 127)]
                .store(value, Ordering::Release),
            _ => {}
        }
    }

    /// Whether MIDI thru passes `msg` on: anything but a note-off, and a note-off
    /// only when thru passed its note-on.
    pub(crate) fn thru_passes(&self, msg: &MidiMessage) -> bool {
        let (channel, note, down) = match *msg {
            MidiMessage::NoteOn {
                channel,
                note,
                velocity,
            } => (channel, note, velocity > 0),
            MidiMessage::NoteOff { channel, note, .. } => (channel, note, false),
            _ => return true,
        };
        let (word, bit) = Self::slot(channel, note);
        if down {
            self.thru[word].fetch_or(bit, Ordering::AcqRel);
            true
        } else {
            self.thru[word].fetch_and(!bit, Ordering::AcqRel) & bit != 0
        }
    }

    fn set_note(&self, channel: u8, note: u8, down: bool) {
        let (word, bit) = Self::slot(channel, note);
        if down {
            self.notes[word].fetch_or(bit, Ordering::AcqRel);
        } else {
            self.notes[word].fetch_and(!bit, Ordering::AcqRel);
        }
    }

    fn slot(channel: u8, note: u8) -> (usize, u64) {
        let note = note & 127;
        (
            usize::from(channel & 15) * 2 + usize::from(note / 64),
            1u64 << (note % 64),
        )
    }

    fn channels(channel: Option<u8>) -> std::ops::RangeInclusive<u8> {
        match channel {
            Some(c) => c..=c,
            None => 0..=15,
        }
    }

    /// Whether `note` is held on `channel` (on any channel when `None`).
    pub(crate) fn note_held(&self, channel: Option<u8>, note: u8) -> bool {
        Self::channels(channel).any(|c| {
            let (word, bit) = Self::slot(c, note);
            self.notes[word].load(Ordering::Acquire) & bit != 0
        })
    }

    /// Whether controller `cc`'s last value on `channel` (any channel when `None`) is
    /// in `min..=max`.
    pub(crate) fn cc_in_range(&self, channel: Option<u8>, cc: u8, min: u8, max: u8) -> bool {
        Self::channels(channel).any(|c| {
            let v = self.controllers[usize::from(c & 15) * 128 + usize::from(cc & 127)]
                .load(Ordering::Acquire);
            v != UNSEEN && (min..=max).contains(&v)
        })
    }
}

/// What a condition reads, for one evaluation.
pub(crate) struct StateView<'a> {
    pub(crate) mode_name: &'a str,
    pub(crate) variables: &'a Variables,
    pub(crate) held: &'a HeldControls,
}

impl ConditionState for StateView<'_> {
    fn mode_name(&self) -> &str {
        self.mode_name
    }

    fn variable(&self, name: &str) -> i64 {
        self.variables.get(name)
    }

    fn note_held(&self, channel: Option<u8>, note: u8) -> bool {
        self.held.note_held(channel, note)
    }

    fn cc_in_range(&self, channel: Option<u8>, cc: u8, min: u8, max: u8) -> bool {
        self.held.cc_in_range(channel, cc, min, max)
    }
}
