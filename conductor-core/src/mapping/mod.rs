//! From MIDI messages to fired mappings: the trigger index, gesture timing and modes.

mod gesture;
mod index;
mod key;
mod matcher;

pub use index::{Scope, TriggerIndex};

use std::sync::Arc;

use gesture::{Deferred, GestureState, Rival, RivalKind};
use key::{Key, KeyKind};

use crate::config::{Config, Mapping, Trigger};
use crate::midi::{Cc14, Cc14Pairing, MidiMessage, ParameterChange, ParameterNumbers};

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
    /// Pairs MSB/LSB control changes, when some `CC14` trigger needs it.
    cc14: Option<Box<Cc14Pairing>>,
    /// Follows NRPN/RPN selection, when some `NRPN`/`RPN` trigger needs it.
    parameters: Option<Box<ParameterNumbers>>,
    /// Whether some `Raw` trigger is registered (every message is then also looked
    /// up under the raw key).
    has_raw: bool,
    /// Whether some mapping is filtered to a device (`device = "..."`).
    filters_devices: bool,
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
            cc14: None,
            parameters: None,
            has_raw: false,
            filters_devices: false,
        };
        for (position, mapping) in config.global_mappings.iter().enumerate() {
            table.add(None, position, mapping);
        }
        for (mode, m) in config.modes.iter().enumerate() {
            for (position, mapping) in m.mappings.iter().enumerate() {
                table.add(Some(mode), position, mapping);
            }
        }
        table.defer_rivalled_presses();
        let gestures = &table.gestures;
        table.index = TriggerIndex::build_keys(table.entries.iter().enumerate().map(|(id, e)| {
            let scope = e.mode.map_or(Scope::Global, Scope::Mode);
            let trigger = &e.mapping.trigger;
            let mut keys = key::keys_of(trigger);
            if matches!(gestures[id], GestureState::Deferred(_)) {
                // A waiting press also needs its note's release.
                let releases: Vec<Key> = keys
                    .iter()
                    .map(|k| Key {
                        kind: KeyKind::NoteOff,
                        ..*k
                    })
                    .collect();
                keys.extend(releases);
            }
            (scope, id as MappingId, keys)
        }));
        table.timed.shrink_to_fit();
        table
    }

    /// Makes every plain press (`Note`, `VelocityRange`) that shares its note with a
    /// `LongPress` or `DoubleTap` wait for them: "short unless long" and "single unless
    /// double". A rival counts when it listens on a channel the press also hears and
    /// is active in the same mode (a global mapping is active in every mode).
    fn defer_rivalled_presses(&mut self) {
        let mut by_note: rustc_hash::FxHashMap<u8, Vec<MappingId>> = Default::default();
        for (id, e) in self.entries.iter().enumerate() {
            match e.mapping.trigger {
                Trigger::LongPress { note, .. } | Trigger::DoubleTap { note, .. } => {
                    by_note.entry(note).or_default().push(id as MappingId)
                }
                _ => {}
            }
        }
        if by_note.is_empty() {
            return;
        }
        for id in 0..self.entries.len() {
            let e = &self.entries[id];
            let (Trigger::Note { note, channel, .. }
            | Trigger::VelocityRange { note, channel, .. }) = e.mapping.trigger
            else {
                continue;
            };
            let Some(candidates) = by_note.get(&note) else {
                continue;
            };
            let rivals: Vec<Rival> = candidates
                .iter()
                .map(|&r| &self.entries[r as usize])
                .filter(|r| {
                    let c = r.mapping.trigger.channel();
                    (channel.is_none() || c.is_none() || c == channel)
                        && (e.mode.is_none() || r.mode.is_none() || e.mode == r.mode)
                })
                .map(|r| Rival {
                    mode: r.mode,
                    channel: r.mapping.trigger.channel(),
                    kind: match r.mapping.trigger {
                        Trigger::LongPress { duration, .. } => {
                            RivalKind::Long(duration.as_micros() as u64)
                        }
                        Trigger::DoubleTap { timeout, .. } => {
                            RivalKind::Double(timeout.as_micros() as u64)
                        }
                        _ => unreachable!("only gestures are listed"),
                    },
                })
                .collect();
            if !rivals.is_empty() {
                self.gestures[id] = GestureState::Deferred(Box::new(Deferred::new(rivals)));
                self.timed.push(id as MappingId);
            }
        }
        self.timed.sort_unstable();
    }

    fn add(&mut self, mode: Option<usize>, position: usize, mapping: &Mapping) {
        let id = self.entries.len() as MappingId;
        match mapping.trigger {
            Trigger::CC14 { .. } if self.cc14.is_none() => self.cc14 = Some(Default::default()),
            Trigger::ParameterNumber { .. } if self.parameters.is_none() => {
                self.parameters = Some(Default::default())
            }
            Trigger::Raw { .. } => self.has_raw = true,
            _ => {}
        }
        self.filters_devices |= mapping.device.is_some();
        let state = GestureState::for_trigger(&mapping.trigger);
        if matches!(
            state,
            GestureState::LongPress { .. } | GestureState::Turbo { .. }
        ) {
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
    /// active: the mode's mappings first, then global ones, each in file order. Every
    /// mapping is considered, whatever device it is filtered to (see
    /// [`route_from`](Self::route_from)).
    pub fn route(&mut self, msg: &MidiMessage, t_us: u64, mode: usize, fired: &mut Vec<MappingId>) {
        self.route_where(msg, t_us, mode, |_| true, fired);
    }

    /// [`route`](Self::route) for a message from the device named `source` (`None`: from
    /// no named device). A mapping filtered to another device (`device = "..."`) is
    /// passed over before its gesture state sees the message, so the same note on
    /// another device neither completes nor breaks its double tap, long press or chord.
    pub fn route_from(
        &mut self,
        msg: &MidiMessage,
        t_us: u64,
        mode: usize,
        source: Option<&str>,
        fired: &mut Vec<MappingId>,
    ) {
        let allows = |m: &Mapping| m.device.as_deref().is_none_or(|d| Some(d) == source);
        self.route_where(msg, t_us, mode, allows, fired);
    }

    /// Routes `msg` through the mappings `allows` accepts.
    fn route_where(
        &mut self,
        msg: &MidiMessage,
        t_us: u64,
        mode: usize,
        allows: impl Fn(&Mapping) -> bool,
        fired: &mut Vec<MappingId>,
    ) {
        // Paired values follow every control change, whatever is mapped in this mode.
        let cc14 = self.cc14.as_mut().and_then(|p| p.feed(msg));
        let parameter = self.parameters.as_mut().and_then(|p| p.feed(msg));
        let Self {
            entries,
            gestures,
            index,
            has_raw,
            ..
        } = self;
        let mode_ids = index.candidates(Scope::Mode(mode), msg);
        let (raw_mode, raw_global): (&[u32], &[u32]) = if *has_raw {
            (
                index.candidates_under(Scope::Mode(mode), key::RAW_KEY),
                index.candidates_under(Scope::Global, key::RAW_KEY),
            )
        } else {
            (&[], &[])
        };
        let ids = mode_ids
            .iter()
            .chain(index.candidates(Scope::Global, msg))
            .chain(raw_mode)
            .chain(raw_global);
        for &id in ids {
            let mapping = &entries[id as usize].mapping;
            if !allows(mapping) {
                continue;
            }
            let trigger = &mapping.trigger;
            let state = &mut gestures[id as usize];
            let fires = if let Trigger::CC14 { .. } | Trigger::ParameterNumber { .. } = trigger {
                matcher::on_channel(trigger, msg) && paired_matches(trigger, cc14, parameter)
            } else if let GestureState::Deferred(d) = state {
                match msg {
                    MidiMessage::NoteOn { .. } => {
                        matcher::matches(trigger, msg) && d.on_press(msg, t_us, mode)
                    }
                    MidiMessage::NoteOff { .. } => {
                        matcher::on_channel(trigger, msg) && d.on_release(t_us)
                    }
                    _ => false,
                }
            } else if state.is_gesture() {
                matcher::on_channel(trigger, msg) && state.on_message(trigger, msg, t_us)
            } else {
                matcher::matches(trigger, msg)
            };
            if fires {
                fired.push(id);
            }
        }
    }

    /// Advances gesture time to `now_us`, appending the mappings that fire by then: held
    /// long presses that pass their duration, presses whose rivals are ruled out, turbo
    /// repeats (an id once per repeat). Only mappings of `mode` and global ones fire.
    pub fn tick(&mut self, now_us: u64, mode: usize, fired: &mut Vec<MappingId>) {
        let mut timed = Vec::new();
        self.tick_at(now_us, mode, &mut timed);
        fired.extend(timed.into_iter().map(|(id, _)| id));
    }

    /// [`tick`](Self::tick) with the time (µs) each firing fell due, in time order: a
    /// tick that comes late reports a long press at its hold time, a turbo's repeats at
    /// their intervals.
    pub fn tick_at(&mut self, now_us: u64, mode: usize, fired: &mut Vec<(MappingId, u64)>) {
        let start = fired.len();
        for &id in &self.timed {
            let entry = &self.entries[id as usize];
            if entry.mode.is_some_and(|m| m != mode) {
                continue;
            }
            self.gestures[id as usize].on_tick(&entry.mapping.trigger, now_us, &mut |at| {
                fired.push((id, at))
            });
        }
        fired[start..].sort_by_key(|&(id, at)| (at, id));
    }

    /// The earliest time (µs) at which [`tick`](Self::tick) has something to decide: a
    /// held long press reaching its duration, a waiting press whose rivals run out. A
    /// replay steps time to it; turbo repeats are not included (they go on while the
    /// note is held).
    pub fn next_deadline(&self) -> Option<u64> {
        self.timed
            .iter()
            .filter_map(|&id| {
                self.gestures[id as usize].next_deadline(&self.entries[id as usize].mapping.trigger)
            })
            .min()
    }

    /// The message mapping `id` reports when it fired on a release: a press that waited
    /// for its rivals reports its note-on (velocity included), not the note-off that
    /// decided it. `None` for every other mapping.
    pub fn fired_message(&self, id: MappingId) -> Option<MidiMessage> {
        match self.gestures.get(id as usize)? {
            GestureState::Deferred(d) => d.fired_with().cloned(),
            _ => None,
        }
    }

    /// The message a mapping that [`tick`](Self::tick) fired reports: the note-on that
    /// started the press a long press or turbo is timing (the key is still down), or the
    /// note-on of a press that waited for its rivals. `None` for other mappings, or when
    /// the note is up.
    pub fn held_note_on(&self, id: MappingId) -> Option<MidiMessage> {
        let state = self.gestures.get(id as usize)?;
        if let GestureState::Deferred(d) = state {
            return d.fired_with().cloned();
        }
        let held = state.held_note()?;
        let (Trigger::LongPress { note, .. } | Trigger::Turbo { note, .. }) =
            self.entries[id as usize].mapping.trigger
        else {
            return None;
        };
        Some(MidiMessage::NoteOn {
            channel: held.channel,
            note,
            velocity: held.velocity,
        })
    }

    /// Whether any mapping needs time to pass: a long press, a turbo, a press waiting
    /// for its rivals (the engine only ticks when needed).
    pub fn has_timed_gestures(&self) -> bool {
        !self.timed.is_empty()
    }

    /// Whether some mapping is filtered to a device, so that routing needs to know
    /// which device a message came from ([`route_from`](Self::route_from)).
    pub fn filters_devices(&self) -> bool {
        self.filters_devices
    }
}

/// Whether a `CC14` or `NRPN`/`RPN` trigger matches the value the current message
/// completed.
fn paired_matches(
    trigger: &Trigger,
    cc14: Option<Cc14>,
    parameter: Option<ParameterChange>,
) -> bool {
    let in_window = |v: u16, min: Option<u16>, max: Option<u16>| {
        min.is_none_or(|m| v >= m) && max.is_none_or(|m| v <= m)
    };
    match *trigger {
        Trigger::CC14 {
            cc,
            value_min,
            value_max,
            ..
        } => cc14.is_some_and(|p| p.controller == cc && in_window(p.value, value_min, value_max)),
        Trigger::ParameterNumber {
            registered,
            parameter: number,
            value_min,
            value_max,
            ..
        } => parameter.is_some_and(|p| {
            p.registered == registered
                && p.parameter == number
                && in_window(p.value, value_min, value_max)
        }),
        _ => false,
    }
}
