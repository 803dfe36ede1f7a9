//! [`TriggerIndex`]: constant-time lookup from a message to the mappings that may fire.

use super::key::{keys_of, Key, SLOTS};
use crate::config::Trigger;
use crate::midi::MidiMessage;

/// Maps (message kind, channel, number) to the mapping ids registered there.
///
/// A flat table of `6 × 16 × 128` slots: looking up a message is one array access
/// whatever the number of mappings, and only the mappings in that slot (those for
/// exactly this note/controller on this channel) are then checked in full.
#[derive(Debug, Clone)]
pub struct TriggerIndex {
    slots: Vec<Vec<u32>>,
    len: usize,
}

impl Default for TriggerIndex {
    fn default() -> Self {
        Self {
            slots: vec![Vec::new(); SLOTS],
            len: 0,
        }
    }
}

impl TriggerIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers mapping `id` for `trigger`.
    pub fn insert(&mut self, id: u32, trigger: &Trigger) {
        for key in keys_of(trigger) {
            let slot = &mut self.slots[key.slot()];
            if !slot.contains(&id) {
                slot.push(id);
            }
        }
        self.len += 1;
    }

    /// The ids registered under the message's key, in registration order.
    pub fn candidates(&self, msg: &MidiMessage) -> &[u32] {
        match Key::of_message(msg) {
            Some(key) => &self.slots[key.slot()],
            None => &[],
        }
    }

    /// How many triggers were inserted.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was inserted.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}
