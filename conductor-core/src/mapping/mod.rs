//! From MIDI messages to fired mappings: the trigger index, gesture timing and modes.

mod gesture;
mod index;
mod key;
mod matcher;

pub use index::{Scope, TriggerIndex};

use std::sync::Arc;

use gesture::GestureState;

use crate::config::{Config, Mapping, Trigger};
use crate::midi::MidiMessage;

/// Identifies a mapping inside a [`MappingTable`].
pub type MappingId = u32;

/// One mapping and where it lives.
#[derive(Debug, Clone)]
pub struct MappingEntry {
    /// Index of the mode the mapping belongs to; `None` for a global mapping.
    pub mode: Option<usize>,
    /// Position inside its mode's (or the global) mapping list.
    pub position: usize,
    /// The mapping itself (shared: firing a mapping never copies its action tree).
    pub mapping: Arc<Mapping>,
}

/// Every mapping of a config, indexed per mode, with the gesture state of each.
///
/// Memory grows with the mappings (and the keys their triggers listen to), not with the
/// number of modes: one [`TriggerIndex`] holds every mode's mappings and the global ones.
///
/// ```
/// # use conductor_core::config::Config;
/// # use conductor_core::mapping::MappingTable;
/// # use conductor_core::midi::MidiMessage;
/// let config = Config::from_toml_str(r#"
/// [[modes]]
/// name = "Default"
/// [[modes.mappings]]
/// trigger = { Note = { note = 60 } }
/// action = { Host = { name = "hello" } }
/// "#, std::path::Path::new(".")).unwrap();
/// let mut table = MappingTable::new(&config);
/// let mut fired = Vec::new();
/// table.route(&MidiMessage::NoteOn { channel: 0, note: 60, velocity: 100 }, 0, 0, &mut fired);
/// assert_eq!(fired.len(), 1);
/// ```
#[derive(Debug, Clone)]
pub struct MappingTable {
    entries: Vec<MappingEntry>,
    gestures: Vec<GestureState>,
    /// Ids are assigned global mappings first, then each mode's, each in file order.
    index: TriggerIndex,
    /// Ids of long-press mappings, checked on every tick.
    timed: Vec<MappingId>,
}

impl MappingTable {
    /// Builds the table for `config`.
    pub fn new(config: &Config) -> Self {
        let total = config.global_mappings.len()
            + config.modes.iter().map(|m| m.mappings.len()).sum::<usize>();
        let mut table = MappingTable {
            entries: Vec::with_capacity(total),
            gestures: Vec::with_capacity(total),
            index: TriggerIndex::new(),
            timed: Vec::new(),
        };
        for (position, mapping) in config.global_mappings.iter().enumerate() {
            table.add(None, position, mapping);
        }
        for (mode, m) in config.modes.iter().enumerate() {
            for (position, mapping) in m.mappings.iter().enumerate() {
                table.add(Some(mode), position, mapping);
            }
        }
        table.index = TriggerIndex::build(table.entries.iter().enumerate().map(|(id, e)| {
            let scope = e.mode.map_or(Scope::Global, Scope::Mode);
            (scope, id as MappingId, &e.mapping.trigger)
        }));
        table.timed.shrink_to_fit();
        table
    }

    fn add(&mut self, mode: Option<usize>, position: usize, mapping: &Mapping) {
        let id = self.entries.len() as MappingId;
        let state = GestureState::for_trigger(&mapping.trigger);
        if matches!(state, GestureState::LongPress { .. }) {
            self.timed.push(id);
        }
        self.gestures.push(state);
        self.entries.push(MappingEntry {
            mode,
            position,
            mapping: Arc::new(mapping.clone()),
        });
    }

    /// The mapping behind `id`.
    pub fn entry(&self, id: MappingId) -> &MappingEntry {
        &self.entries[id as usize]
    }

    /// Number of mappings, global ones included.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no mappings.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Appends to `fired` the mappings `msg` fires at time `t_us` while mode `mode` is
    /// active: the mode's mappings first, then global ones, each in file order.
    pub fn route(&mut self, msg: &MidiMessage, t_us: u64, mode: usize, fired: &mut Vec<MappingId>) {
        let Self {
            entries,
            gestures,
            index,
            ..
        } = self;
        let mode_ids = index.candidates(Scope::Mode(mode), msg);
        for &id in mode_ids.iter().chain(index.candidates(Scope::Global, msg)) {
            let trigger = &entries[id as usize].mapping.trigger;
            let state = &mut gestures[id as usize];
            let fires = if state.is_gesture() {
                matcher::on_channel(trigger, msg) && state.on_message(trigger, msg, t_us)
            } else {
                matcher::matches(trigger, msg)
            };
            if fires {
                fired.push(id);
            }
        }
    }

    /// Advances gesture time to `now_us`, appending held long presses that pass their
    /// duration now. Only mappings of `mode` and global ones fire.
    pub fn tick(&mut self, now_us: u64, mode: usize, fired: &mut Vec<MappingId>) {
        for &id in &self.timed {
            let entry = &self.entries[id as usize];
            if entry.mode.is_some_and(|m| m != mode) {
                continue;
            }
            if self.gestures[id as usize].on_tick(&entry.mapping.trigger, now_us) {
                fired.push(id);
            }
        }
    }

    /// The note-on that started the press a long press mapping is timing: what a long
    /// press that [`tick`](Self::tick) fires reports as its message (the key is still
    /// down). `None` when `id` is no long press or its note is up.
    pub fn held_note_on(&self, id: MappingId) -> Option<MidiMessage> {
        let held = self.gestures.get(id as usize)?.held_note()?;
        let Trigger::LongPress { note, .. } = self.entries[id as usize].mapping.trigger else {
            return None;
        };
        Some(MidiMessage::NoteOn {
            channel: held.channel,
            note,
            velocity: held.velocity,
        })
    }

    /// Whether any long press is being timed (the engine only ticks when needed).
    pub fn has_timed_gestures(&self) -> bool {
        !self.timed.is_empty()
    }
}
