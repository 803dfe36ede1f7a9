//! [`TriggerIndex`]: constant-time lookup from a message to the mappings that may fire.

use rustc_hash::FxHashMap;

use super::key::{keys_of, Key, SLOTS};
use crate::config::Trigger;
use crate::midi::MidiMessage;

/// Whose mappings a lookup is about: one mode's, or the global ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Mappings that fire whatever the active mode.
    Global,
    /// Mappings of the mode at this index in [`Config::modes`](crate::config::Config::modes).
    Mode(usize),
}

/// Mode indices from this one on are never registered (nor could they be: the scope is
/// stored in the upper 48 bits of a key).
const MODE_LIMIT: usize = 1 << 46;

impl Scope {
    /// The scope as the upper bits of a packed key; `None` for a mode index out of range.
    fn code(self) -> Option<u64> {
        match self {
            Scope::Global => Some(0),
            Scope::Mode(m) if m < MODE_LIMIT => Some(m as u64 + 1),
            Scope::Mode(_) => None,
        }
    }
}

/// A (scope, slot) pair as one integer: the scope above, the 16-bit slot below.
fn pack(scope_code: u64, slot: u16) -> u64 {
    (scope_code << 16) | u64::from(slot)
}

/// Words of one bit set over all slots.
const WORDS: usize = SLOTS.div_ceil(64);

/// Where a scope's bit set starts in `TriggerIndex::present`, in bits: modes share the
/// first set, global mappings have the second.
#[inline]
fn bit_base(scope_code: u64) -> usize {
    if scope_code == 0 {
        WORDS * 64
    } else {
        0
    }
}

/// Maps (scope, message kind, channel, number) to the mapping ids registered there.
///
/// One hash map for all scopes, holding only the keys some trigger was registered
/// under: memory grows with what is mapped, not with the number of modes. Each key
/// points at a run of ids in one flat `Vec<u32>`, laid out once by [`TriggerIndex::build`].
///
/// A trigger without a channel is registered once, under a key standing for any
/// channel, rather than on each of the 16 channels. Where a scope also has triggers on
/// one channel for the same note (or controller…), that channel's run holds the
/// channel-less ids too, merged in order; so a lookup is one hash lookup (the
/// message's channel), or two when that misses ("any channel"), whatever the number of
/// mappings, and only the mappings for exactly this note on this channel are then
/// checked in full. Two bit sets over the 13,056 possible keys (the keys some mode
/// uses, the keys global mappings use: 3 KB) skip the hash lookups of keys nothing is
/// registered under, such as every note-off in most configs.
///
/// ```
/// # use conductor_core::config::Trigger;
/// # use conductor_core::mapping::{Scope, TriggerIndex};
/// # use conductor_core::midi::MidiMessage;
/// let any = Trigger::Note { note: 60, velocity_min: None, velocity_max: None, channel: None };
/// let on_2 = Trigger::Note { note: 60, velocity_min: None, velocity_max: None, channel: Some(2) };
/// let index = TriggerIndex::build([
///     (Scope::Mode(7), 0, &any),
///     (Scope::Mode(7), 1, &on_2),
///     (Scope::Global, 2, &any),
/// ]);
/// let on = |channel| MidiMessage::NoteOn { channel, note: 60, velocity: 1 };
/// assert_eq!(index.candidates(Scope::Mode(7), &on(2)), [0, 1]);
/// assert_eq!(index.candidates(Scope::Mode(7), &on(3)), [0]);
/// assert!(index.candidates(Scope::Mode(6), &on(2)).is_empty());
/// assert_eq!(index.candidates(Scope::Global, &on(9)), [2]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct TriggerIndex {
    /// Packed (scope, slot) → `(start, count)` in `ids`.
    runs: FxHashMap<u64, (u32, u32)>,
    /// The ids of every key, one run per key, each run in increasing id order.
    ids: Vec<u32>,
    /// Two bit sets over slots, `WORDS` words each: the slots some mode uses, then the
    /// slots global mappings use. Empty when nothing is registered.
    present: Box<[u64]>,
    /// How many triggers were registered.
    len: usize,
}

impl TriggerIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// An index of `triggers`: each `(scope, id, trigger)` registers mapping `id` of
    /// `scope` under every key `trigger` listens to. Lookups return a scope's ids in
    /// increasing order, so ids given in file order come back in file order.
    ///
    /// # Panics
    ///
    /// If a mode index is 2⁴⁶ or more.
    pub fn build<'a>(triggers: impl IntoIterator<Item = (Scope, u32, &'a Trigger)>) -> Self {
        Self::build_keys(
            triggers
                .into_iter()
                .map(|(scope, id, trigger)| (scope, id, keys_of(trigger))),
        )
    }

    /// An index of mappings registered under the keys given for each.
    pub(crate) fn build_keys(triggers: impl IntoIterator<Item = (Scope, u32, Vec<Key>)>) -> Self {
        let mut pairs: Vec<(u64, u32)> = Vec::new();
        let mut present = vec![0u64; 2 * WORDS].into_boxed_slice();
        let mut len = 0;
        for (scope, id, keys) in triggers {
            let code = scope.code().expect("mode index out of range");
            for key in keys {
                let slot = key.slot();
                let bit = bit_base(code) + usize::from(slot);
                present[bit / 64] |= 1 << (bit % 64);
                pairs.push((pack(code, slot), id));
            }
            len += 1;
        }
        // Grouped by key, ids ascending; a trigger listing a key twice counts once.
        pairs.sort_unstable();
        pairs.dedup();
        let groups = || pairs.chunk_by(|a, b| a.0 == b.0);
        let any_channel =
            |packed: u64| Key::any_channel_slot(packed as u16).map(|slot| pack(packed >> 16, slot));
        // The runs on any channel, to merge into the runs on one channel.
        let on_any: FxHashMap<u64, &[(u64, u32)]> = groups()
            .filter(|group| any_channel(group[0].0).is_none())
            .map(|group| (group[0].0, group))
            .collect();
        let merged_with = |packed: u64| any_channel(packed).and_then(|a| on_any.get(&a));
        let total: usize = groups()
            .map(|g| g.len() + merged_with(g[0].0).map_or(0, |any| any.len()))
            .sum();
        let mut runs = FxHashMap::with_capacity_and_hasher(groups().count(), Default::default());
        let mut ids = Vec::with_capacity(total);
        for group in groups() {
            let start = ids.len();
            let own = group.iter().map(|&(_, id)| id);
            match merged_with(group[0].0) {
                Some(any) => merge_into(&mut ids, own, any.iter().map(|&(_, id)| id)),
                None => ids.extend(own),
            }
            runs.insert(group[0].0, (start as u32, (ids.len() - start) as u32));
        }
        TriggerIndex {
            runs,
            ids,
            present,
            len,
        }
    }

    /// The ids of `scope` registered under the message's key, on its channel or on any
    /// channel, in increasing order.
    #[inline]
    pub fn candidates(&self, scope: Scope, msg: &MidiMessage) -> &[u32] {
        let (Some(code), Some(key)) = (scope.code(), Key::of_message(msg)) else {
            return &[];
        };
        // A run on the message's channel holds the scope's channel-less ids too.
        match self.run(code, key.slot()) {
            Some(ids) => ids,
            None => self.run(code, key.on_any_channel().slot()).unwrap_or(&[]),
        }
    }

    /// The ids of `scope` registered under exactly `key`.
    #[inline]
    pub(crate) fn candidates_under(&self, scope: Scope, key: Key) -> &[u32] {
        match scope.code() {
            Some(code) => self.run(code, key.slot()).unwrap_or(&[]),
            None => &[],
        }
    }

    /// The run of `scope` under `slot`, if there is one.
    #[inline]
    fn run(&self, scope_code: u64, slot: u16) -> Option<&[u32]> {
        let bit = bit_base(scope_code) + usize::from(slot);
        let word = self.present.get(bit / 64)?;
        if word & (1 << (bit % 64)) == 0 {
            return None;
        }
        let &(start, count) = self.runs.get(&pack(scope_code, slot))?;
        Some(&self.ids[start as usize..(start + count) as usize])
    }

    /// How many triggers were registered.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was registered.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many distinct (scope, kind, channel, number) keys hold ids: what the index's
    /// memory grows with.
    pub fn keys(&self) -> usize {
        self.runs.len()
    }
}

/// Appends the merge of two ascending, disjoint id sequences to `out`.
fn merge_into(out: &mut Vec<u32>, a: impl Iterator<Item = u32>, b: impl Iterator<Item = u32>) {
    let (mut a, mut b) = (a.peekable(), b.peekable());
    loop {
        let next = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if x < y => a.next(),
            (Some(_), Some(_)) | (None, Some(_)) => b.next(),
            (Some(_), None) => a.next(),
            (None, None) => return,
        };
        out.extend(next);
    }
}
