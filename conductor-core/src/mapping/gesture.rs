//! Gesture triggers — long press, double tap, chord, turbo — and presses that wait for
//! a rival gesture, timed from event timestamps, so replays and tests are deterministic.

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
    /// Repeat while held: whether the note is down, with the press's channel and
    /// velocity, and when the next repeat is due (kept small: one per mapping).
    Turbo {
        held: bool,
        channel: u8,
        velocity: u8,
        next: u64,
    },
    /// Clock ticks counted since the last start.
    Clock {
        count: u64,
    },
    /// The times of the last clock ticks (a quarter note's worth) and whether the
    /// tempo was inside the window at the last one.
    Tempo(Box<TempoState>),
    /// A plain press (`Note`, `VelocityRange`) on a note that also has a long press or
    /// a double tap mapped: it waits until neither can happen any more.
    Deferred(Box<Deferred>),
}

/// A gesture mapping that makes a plain press on the same note wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rival {
    /// The mode the gesture belongs to; `None` for a global mapping.
    pub(crate) mode: Option<usize>,
    /// The channel it listens on; `None` for any.
    pub(crate) channel: Option<u8>,
    /// What it waits for.
    pub(crate) kind: RivalKind,
}

/// What a rival gesture needs (µs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RivalKind {
    /// A long press of this hold time.
    Long(u64),
    /// A double tap within this window.
    Double(u64),
}

/// The state of a press that waits for its rivals.
#[derive(Debug, Clone, Default)]
pub(crate) struct Deferred {
    /// The gestures that compete with the press.
    pub(crate) rivals: Vec<Rival>,
    /// The press being decided, if any.
    pending: Option<Pending>,
    /// The note-on a press that fired late reports (the press, not the release).
    fired_with: Option<MidiMessage>,
}

/// A press waiting for its rivals to be ruled out.
#[derive(Debug, Clone)]
struct Pending {
    /// The note-on.
    on: MidiMessage,
    /// When it came (µs).
    at: u64,
    /// Hold time of the active long press rival, if any.
    long: Option<u64>,
    /// Window of the active double tap rival, if any.
    double: Option<u64>,
    /// Whether the note has been released.
    released: bool,
}

impl Pending {
    /// When the press fires on a tick if nothing else happens: once the double-tap
    /// window has passed without a second tap, and (with a long press rival) after the
    /// release. `None` while it waits for the release, or without a double-tap rival
    /// (then the release itself fires it).
    fn due(&self) -> Option<u64> {
        if self.long.is_some() && !self.released {
            return None;
        }
        self.double
            .map(|w| self.at.saturating_add(w).saturating_add(1))
    }
}

impl Deferred {
    /// A deferred press with these rivals.
    pub(crate) fn new(rivals: Vec<Rival>) -> Self {
        Deferred {
            rivals,
            ..Default::default()
        }
    }

    /// A note-on that matches the press trigger, at `t` in mode `mode`. Returns
    /// whether the press fires now (no rival listens in this mode on this channel).
    pub(crate) fn on_press(&mut self, msg: &MidiMessage, t: u64, mode: usize) -> bool {
        let channel = msg.channel();
        let active = self.rivals.iter().filter(|r| {
            r.mode.is_none_or(|m| m == mode) && (r.channel.is_none() || r.channel == channel)
        });
        let (mut long, mut double) = (None::<u64>, None::<u64>);
        for r in active {
            match r.kind {
                RivalKind::Long(d) => long = Some(long.map_or(d, |l| l.min(d))),
                RivalKind::Double(w) => double = Some(double.map_or(w, |l| l.max(w))),
            }
        }
        if let Some(p) = &self.pending {
            if p.double.is_some_and(|w| t.saturating_sub(p.at) <= w) {
                // The second tap of a double tap: neither tap is a plain press.
                self.pending = None;
                return false;
            }
        }
        if long.is_none() && double.is_none() {
            self.pending = None;
            self.fired_with = None;
            return true;
        }
        self.pending = Some(Pending {
            on: msg.clone(),
            at: t,
            long,
            double,
            released: false,
        });
        false
    }

    /// The note went up at `t`; returns whether the press fires now.
    pub(crate) fn on_release(&mut self, t: u64) -> bool {
        let Some(p) = &mut self.pending else {
            return false;
        };
        if p.released {
            return false;
        }
        if p.long.is_some_and(|d| t.saturating_sub(p.at) >= d) {
            // Held long enough: the long press fired instead.
            self.pending = None;
            return false;
        }
        p.released = true;
        if p.double.is_none() {
            let on = p.on.clone();
            self.pending = None;
            self.fired_with = Some(on);
            return true;
        }
        false
    }

    /// Advances time to `now`; returns when the waiting press fired, if it fires now.
    pub(crate) fn on_tick(&mut self, now: u64) -> Option<u64> {
        let p = self.pending.as_ref()?;
        if !p.released && p.long.is_some_and(|d| now.saturating_sub(p.at) >= d) {
            self.pending = None;
            return None;
        }
        let due = p.due().filter(|due| now >= *due)?;
        self.fired_with = Some(p.on.clone());
        self.pending = None;
        Some(due)
    }

    /// When [`on_tick`](Self::on_tick) next has something to decide.
    pub(crate) fn next_deadline(&self) -> Option<u64> {
        let p = self.pending.as_ref()?;
        match (p.long, p.released) {
            (Some(d), false) => Some(p.at.saturating_add(d)),
            _ => p.due(),
        }
    }

    /// The note-on the press reported when it last fired late.
    pub(crate) fn fired_with(&self) -> Option<&MidiMessage> {
        self.fired_with.as_ref()
    }
}

/// Clock ticks per quarter note.
const CLOCKS_PER_BEAT: usize = 24;

/// Tempo estimation from timing clocks.
#[derive(Debug, Clone, Default)]
pub(crate) struct TempoState {
    /// The last `CLOCKS_PER_BEAT + 1` tick times (µs), a ring.
    ticks: [u64; CLOCKS_PER_BEAT + 1],
    /// How many ticks have been seen since the last start (saturating).
    seen: usize,
    /// Whether the estimate was inside the window at the last tick.
    inside: bool,
}

impl TempoState {
    /// A clock tick at `t`; returns whether the tempo has just entered the window.
    fn on_clock(&mut self, t: u64, min_bpm: Option<u32>, max_bpm: Option<u32>) -> bool {
        let n = self.ticks.len();
        self.ticks[self.seen % n] = t;
        self.seen += 1;
        if self.seen < n {
            return false;
        }
        // A quarter note: from the tick 24 ticks ago to this one.
        let oldest = self.ticks[self.seen % n];
        let beat_us = t.saturating_sub(oldest);
        if beat_us == 0 {
            return false;
        }
        // Beats per minute, to a thousandth, compared with the whole-number window.
        let milli_bpm = 60_000_000_000u64 / beat_us;
        let inside = min_bpm.is_none_or(|m| milli_bpm >= u64::from(m) * 1000)
            && max_bpm.is_none_or(|m| milli_bpm < (u64::from(m) + 1) * 1000);
        let entered = inside && !self.inside;
        self.inside = inside;
        entered
    }
}

/// At most this many turbo repeats fire in one tick (a tick that comes late catches up
/// on the repeats it missed, up to this many).
const MAX_CATCH_UP: usize = 64;

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
            Trigger::Turbo { .. } => GestureState::Turbo {
                held: false,
                channel: 0,
                velocity: 0,
                next: 0,
            },
            Trigger::Clock { .. } => GestureState::Clock { count: 0 },
            Trigger::Tempo { .. } => GestureState::Tempo(Default::default()),
            _ => GestureState::None,
        }
    }

    pub(crate) fn is_gesture(&self) -> bool {
        !matches!(self, GestureState::None)
    }

    /// Feeds a message at time `t` (µs); returns whether the gesture fires now.
    pub(crate) fn on_message(&mut self, trigger: &Trigger, msg: &MidiMessage, t: u64) -> bool {
        if let (GestureState::Tempo(state), Trigger::Tempo { min_bpm, max_bpm }) =
            (&mut *self, trigger)
        {
            return match msg {
                MidiMessage::Start => {
                    **state = TempoState::default();
                    false
                }
                MidiMessage::Clock => state.on_clock(t, *min_bpm, *max_bpm),
                _ => false,
            };
        }
        if let (GestureState::Clock { count }, Trigger::Clock { every }) = (&mut *self, trigger) {
            return match msg {
                MidiMessage::Start => {
                    *count = 0;
                    false
                }
                MidiMessage::Clock => {
                    *count += 1;
                    (*count - 1) % u64::from(*every) == 0
                }
                _ => false,
            };
        }
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
            (
                GestureState::Turbo {
                    held,
                    channel: ch,
                    velocity: vel,
                    next,
                },
                Trigger::Turbo {
                    note: n,
                    delay,
                    velocity_min,
                    ..
                },
            ) if *n == note => {
                if on {
                    if velocity_min.is_some_and(|m| velocity < m) {
                        return false;
                    }
                    (*held, *ch, *vel) = (true, channel, velocity);
                    *next = t.saturating_add(delay.as_micros() as u64);
                    true
                } else {
                    *held = false;
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

    /// Advances time to `now` (µs), calling `fire` with the time of every firing that
    /// falls due by then: a held long press passing its duration, a deferred press whose
    /// rivals are ruled out, the repeats of a held turbo (a late tick catches up).
    pub(crate) fn on_tick(&mut self, trigger: &Trigger, now: u64, fire: &mut dyn FnMut(u64)) {
        match (self, trigger) {
            (
                GestureState::LongPress {
                    held: Some(p),
                    fired,
                },
                Trigger::LongPress { duration, .. },
            ) => {
                let due = p.at.saturating_add(duration.as_micros() as u64);
                if !*fired && now >= due {
                    *fired = true;
                    fire(due);
                }
            }
            (GestureState::Deferred(d), _) => {
                if let Some(due) = d.on_tick(now) {
                    fire(due);
                }
            }
            (
                GestureState::Turbo {
                    held: true, next, ..
                },
                Trigger::Turbo { interval, .. },
            ) => {
                let step = (interval.as_micros() as u64).max(1);
                let mut count = 0;
                while *next <= now {
                    if count < MAX_CATCH_UP {
                        fire(*next);
                        count += 1;
                    }
                    // Too far behind: the rest are skipped rather than fired in a burst.
                    *next = next.saturating_add(step);
                }
            }
            _ => {}
        }
    }

    /// When [`on_tick`](Self::on_tick) next has something to do (µs), for replays
    /// that step time to it. Turbo repeats are left out: they go on for as long as the
    /// note is held.
    pub(crate) fn next_deadline(&self, trigger: &Trigger) -> Option<u64> {
        match (self, trigger) {
            (
                GestureState::LongPress {
                    held: Some(p),
                    fired: false,
                },
                Trigger::LongPress { duration, .. },
            ) => Some(p.at.saturating_add(duration.as_micros() as u64)),
            (GestureState::Deferred(d), _) => d.next_deadline(),
            _ => None,
        }
    }

    /// The note-on of the press being held, for the context of a long press or turbo
    /// repeat that fires on a tick (the note is still down, so there is no note-off to
    /// report).
    pub(crate) fn held_note(&self) -> Option<HeldNote> {
        match self {
            GestureState::LongPress { held, .. } => *held,
            GestureState::Turbo {
                held: true,
                channel,
                velocity,
                next,
            } => Some(HeldNote {
                at: *next,
                channel: *channel,
                velocity: *velocity,
            }),
            _ => None,
        }
    }
}
