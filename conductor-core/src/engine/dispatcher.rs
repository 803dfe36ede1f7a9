//! The engine thread: a dispatcher that never waits for an action. It drains the
//! input queue in arrival order, runs the instant steps of the chains that fire, hands
//! plugin steps to the plugins' workers and delayed steps to its timer, and resumes
//! chains when their plugin call returns or their delay ends.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::queue::RawEvent;
use super::run::{AwaitingPlugin, Pause, Run};
use super::schedule::Schedule;
use super::{held_presses, Shared};
use crate::log::{self, LogLevel};
use crate::mapping::MappingId;
use crate::midi::{MidiMessage, MidiParser};

/// How long the dispatcher keeps polling before it parks: a steady stream should not
/// pay a futex wake per event.
const SPIN_BEFORE_PARK: Duration = Duration::from_micros(50);

/// How often held long presses are checked while one is being timed.
const GESTURE_TICK: Duration = Duration::from_millis(2);

struct Dispatcher {
    shared: Arc<Shared>,
    parser: MidiParser,
    /// One parser per device source (index `source - 1`), so running status and
    /// SysEx from one device never mix with another's.
    device_parsers: Vec<MidiParser>,
    messages: Vec<MidiMessage>,
    ids: Vec<MappingId>,
    timers: Schedule<Instant>,
    /// The caller's clock at the last event, and when we saw it, to time long presses
    /// between events.
    last_event: Option<(u64, Instant)>,
    report: bool,
}

/// The dispatcher thread's body.
pub(super) fn run(shared: Arc<Shared>) {
    let report = shared.options.callbacks.on_fired.is_some();
    let mut d = Dispatcher {
        shared,
        parser: MidiParser::new(),
        device_parsers: Vec::new(),
        messages: Vec::with_capacity(8),
        ids: Vec::with_capacity(16),
        timers: Schedule::new(),
        last_event: None,
        report,
    };
    d.serve();
}

impl Dispatcher {
    fn serve(&mut self) {
        let shared = self.shared.clone();
        loop {
            // Marked busy before looking for work, so "queue empty, not busy, nothing
            // in flight" means idle.
            shared.busy.store(true, Ordering::SeqCst);
            let mut worked = false;
            if let Some(event) = shared.queue.pop() {
                self.handle_event(&event);
                worked = true;
            }
            while let Some(step) = shared.returns.runs.pop() {
                shared.in_flight.fetch_sub(1, Ordering::SeqCst);
                let mut run = step.run;
                run.resume_after_plugin(&shared);
                self.drive(run);
                worked = true;
            }
            if self.timers.next_due().is_some() {
                let now = Instant::now();
                while let Some(run) = self.timers.pop_due(now) {
                    shared.in_flight.fetch_sub(1, Ordering::SeqCst);
                    self.drive(*run);
                    worked = true;
                }
            }
            if worked {
                continue;
            }
            self.tick_gestures();
            shared.busy.store(false, Ordering::SeqCst);
            if shared.stop.load(Ordering::Acquire) {
                let dropped = self.timers.clear();
                if dropped > 0 {
                    shared.in_flight.fetch_sub(dropped, Ordering::SeqCst);
                    log::host(
                        shared.log(),
                        LogLevel::Debug,
                        &format!("shutdown: {dropped} delayed chain(s) dropped"),
                    );
                }
                return;
            }
            self.idle();
        }
    }

    /// Waits for work: spins briefly, then parks until a push, a plugin call returning,
    /// the next timer, or the next gesture tick.
    fn idle(&self) {
        let shared = &self.shared;
        let has_work = || {
            !shared.queue.is_empty()
                || !shared.returns.runs.is_empty()
                || shared.stop.load(Ordering::Acquire)
        };
        // Yield rather than spin, and read the clock only every few turns: on a core
        // shared with the producer, the producer then runs and hands over a batch.
        let spin_until = Instant::now() + SPIN_BEFORE_PARK;
        'spin: loop {
            for _ in 0..32 {
                if has_work() {
                    return;
                }
                std::thread::yield_now();
            }
            if Instant::now() >= spin_until {
                break 'spin;
            }
        }
        let now = Instant::now();
        let mut timeout = self
            .timers
            .next_due()
            .map(|due| due.saturating_duration_since(now));
        if self.last_event.is_some() && shared.router().table.has_timed_gestures() {
            timeout = Some(timeout.map_or(GESTURE_TICK, |t| t.min(GESTURE_TICK)));
        }
        if timeout != Some(Duration::ZERO) {
            shared.returns.doorbell.wait(has_work, timeout);
        }
    }

    fn handle_event(&mut self, event: &RawEvent) {
        let mut messages = std::mem::take(&mut self.messages);
        messages.clear();
        let parser = match usize::from(event.source).checked_sub(1) {
            None => &mut self.parser,
            Some(index) => {
                if self.device_parsers.len() <= index {
                    self.device_parsers.resize_with(index + 1, MidiParser::new);
                }
                &mut self.device_parsers[index]
            }
        };
        parser.feed(event.bytes(), |m| messages.push(m));
        for msg in &messages {
            self.fire(msg, event.timestamp_us, event.source);
        }
        self.messages = messages;
        self.last_event = Some((event.timestamp_us, Instant::now()));
    }

    /// Routes `msg` and runs the chains it fires.
    fn fire(&mut self, msg: &MidiMessage, timestamp_us: u64, source: u16) {
        let mut ids = std::mem::take(&mut self.ids);
        ids.clear();
        self.shared.held.observe(msg);
        let thru;
        let program = {
            let mut router = self.shared.router();
            if router.table.has_timed_gestures() {
                drop(router);
                self.tick_gestures_at(timestamp_us);
                router = self.shared.router();
            }
            // Mappings filtered to a device see only that device's messages; the
            // device's name is looked up only when some mapping needs it.
            let device = if router.table.filters_devices() {
                self.shared.devices.source_name(source)
            } else {
                None
            };
            router.table.route_from(
                msg,
                timestamp_us,
                self.shared.mode(),
                device.as_deref(),
                &mut ids,
            );
            thru = router.program.config.engine.midi_thru;
            (!ids.is_empty()).then(|| router.program.clone())
        };
        if let Some(program) = program {
            for &id in &ids {
                // A press decided by its release reports the note-on.
                let pressed = match msg {
                    MidiMessage::NoteOff { .. } => self.shared.router().table.fired_message(id),
                    _ => None,
                };
                let run = Run::new(
                    &self.shared,
                    program.clone(),
                    id,
                    pressed.as_ref().unwrap_or(msg),
                    timestamp_us,
                    self.report,
                );
                self.drive(run);
            }
        }
        if ids.is_empty() {
            if thru {
                self.shared.midi_thru(msg, timestamp_us);
            } else if source != 0 {
                let name = self.shared.devices.source_name(source);
                self.shared.device_thru(name.as_deref(), msg, timestamp_us);
            }
        }
        self.ids = ids;
    }

    /// Fires long presses held past their duration, on the caller's clock estimated
    /// from the last event.
    fn tick_gestures(&mut self) {
        if let Some((t, at)) = self.last_event {
            let now = t.saturating_add(at.elapsed().as_micros() as u64);
            self.tick_gestures_at(now);
        }
    }

    fn tick_gestures_at(&mut self, now_us: u64) {
        let mut ids = Vec::new();
        let (program, presses) = {
            let mut router = self.shared.router();
            if !router.table.has_timed_gestures() {
                return;
            }
            router.table.tick(now_us, self.shared.mode(), &mut ids);
            (router.program.clone(), held_presses(&router.table, &ids))
        };
        for (id, msg) in presses {
            let run = Run::new(&self.shared, program.clone(), id, &msg, now_us, self.report);
            self.drive(run);
        }
    }

    /// Runs `run` until it finishes, or parks it on the timer or at a plugin worker.
    fn drive(&mut self, mut run: Run) {
        let shared = self.shared.clone();
        loop {
            match run.advance(&shared) {
                Pause::Done => {
                    if let Some(cb) = &shared.options.callbacks.on_fired {
                        if let Some(fired) = run.take_report(false) {
                            cb(&fired);
                        }
                    }
                    return;
                }
                Pause::Delay(d) => {
                    let due = run.wall.unwrap_or_else(Instant::now) + d;
                    run.wall = Some(due);
                    shared.in_flight.fetch_add(1, Ordering::SeqCst);
                    self.timers.push(due, Box::new(run));
                    return;
                }
                Pause::Plugin => {
                    let worker = run.plugin_call().worker.clone();
                    let context = worker
                        .accepts_context()
                        .then(|| run.context(&shared).to_json());
                    shared.in_flight.fetch_add(1, Ordering::SeqCst);
                    let step = AwaitingPlugin::new(run, context, shared.returns.clone());
                    match worker.dispatch(Box::new(step)) {
                        Ok(()) => return,
                        Err((back, error)) => {
                            shared.in_flight.fetch_sub(1, Ordering::SeqCst);
                            run = back.run;
                            run.finish_plugin(&shared, Err(error), Duration::ZERO);
                        }
                    }
                }
            }
        }
    }
}
