//! [`Run`]: one fired mapping working through its chain. It runs its instant steps
//! (`SendMidi`, `ModeChange`, host actions) where it is, and pauses at a `Delay` or a
//! plugin call so that whoever drives it (the dispatcher or a `process` caller) can
//! resume it later, possibly on another thread, without holding anything meanwhile.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_queue::SegQueue;

use super::chain::{Op, PluginCall, MAX_REPEAT_DEPTH};
use super::context::TriggerContext;
use super::outcome::{label, ActionOutcome, Fired};
use super::plugin_actions::{PluginActions, Returned};
use super::program::Program;
use super::variables::StateView;
use super::wakeup::Doorbell;
use super::worker::{CallResult, PluginStep};
use super::{HostActionEvent, Shared};
use crate::config::{kind_name, ModeTarget};
use crate::log::{self, LogLevel};
use crate::mapping::MappingId;
use crate::midi::MidiMessage;
use crate::Error;

/// Why a run stopped advancing.
pub(crate) enum Pause {
    /// The chain is finished.
    Done,
    /// The next step comes after this long.
    Delay(Duration),
    /// The current step is this plugin call; resume with [`Run::finish_plugin`].
    Plugin,
}

/// Where workers hand back runs whose plugin step is done: the dispatcher's return
/// queue and the doorbell that wakes it.
pub(crate) struct Returns {
    pub(crate) runs: SegQueue<Box<AwaitingPlugin>>,
    pub(crate) doorbell: Doorbell,
}

/// A run paused at a plugin step, on its way to the plugin's worker: with the context
/// the plugin gets and the queue it comes back by.
pub(crate) struct AwaitingPlugin {
    pub(crate) run: Run,
    context: Option<Vec<u8>>,
    returns: Arc<Returns>,
}

impl AwaitingPlugin {
    /// `run`, paused at a plugin step, to be handed back through `returns`.
    pub(crate) fn new(run: Run, context: Option<Vec<u8>>, returns: Arc<Returns>) -> Self {
        AwaitingPlugin {
            run,
            context,
            returns,
        }
    }
}

impl PluginStep for AwaitingPlugin {
    fn params(&self) -> &[u8] {
        &self.run.plugin_call().params
    }

    fn context(&self) -> Option<&[u8]> {
        self.context.as_deref()
    }

    fn event_time_us(&self) -> u64 {
        self.run.event_time_us()
    }

    fn finish(mut self: Box<Self>, result: CallResult) {
        self.run.plugin_result = Some(result);
        let returns = self.returns.clone();
        returns.runs.push(self);
        returns.doorbell.ring();
    }

    fn into_any(self: Box<Self>) -> Box<dyn std::any::Any> {
        self
    }
}

/// A mapping's chain in progress.
pub(crate) struct Run {
    pub(super) program: Arc<Program>,
    mapping: MappingId,
    pc: u32,
    loops: [(u32, u32); MAX_REPEAT_DEPTH],
    depth: usize,
    msg: MidiMessage,
    trigger: &'static str,
    /// The triggering event's time, on the caller's clock.
    pub(crate) timestamp_us: u64,
    /// Delays passed so far: a step's event time is [`Run::event_time_us`].
    pub(crate) offset_us: u64,
    /// Wall-clock time the chain has reached, once it has waited on the dispatcher's
    /// timer (delays add up from here, so a chain keeps its timing).
    pub(crate) wall: Option<Instant>,
    /// What happened so far, kept only when someone will read it.
    report: Option<Fired>,
    /// The result of the plugin step, set by the worker that ran it.
    pub(crate) plugin_result: Option<CallResult>,
}

impl Run {
    /// A run of `mapping` fired by `msg` at `timestamp_us`; `report` asks for a
    /// [`Fired`] record of its outcomes.
    pub(crate) fn new(
        shared: &Shared,
        program: Arc<Program>,
        mapping: MappingId,
        msg: &MidiMessage,
        timestamp_us: u64,
        report: bool,
    ) -> Run {
        let trigger = program.entry(mapping).mapping.trigger.kind();
        let mut run = Run {
            program,
            mapping,
            pc: 0,
            loops: [(0, 0); MAX_REPEAT_DEPTH],
            depth: 0,
            msg: msg.clone(),
            trigger,
            timestamp_us,
            offset_us: 0,
            wall: None,
            report: None,
            plugin_result: None,
        };
        if report {
            let entry = run.program.entry(mapping);
            run.report = Some(Fired {
                mapping,
                mode: entry
                    .mode
                    .and_then(|m| run.program.config.modes.get(m))
                    .map(|m| m.name.clone()),
                description: entry.mapping.description.clone(),
                line: entry.mapping.line,
                context: run.context(shared),
                outcomes: Vec::new(),
                pending: false,
                resumed: false,
            });
        }
        run
    }

    /// The time of the current step on the caller's clock: the event's timestamp plus
    /// the delays passed (saturating: timestamps come from the application).
    pub(crate) fn event_time_us(&self) -> u64 {
        self.timestamp_us.saturating_add(self.offset_us)
    }

    /// The trigger context as of now (the active mode may have changed since firing).
    pub(crate) fn context(&self, shared: &Shared) -> TriggerContext {
        let mode = shared.mode();
        TriggerContext::new(
            &self.msg,
            self.trigger,
            self.timestamp_us,
            mode,
            self.program.mode_name(mode),
            shared.options.port_name.as_deref(),
        )
    }

    /// The plugin call the run is paused at.
    pub(crate) fn plugin_call(&self) -> &PluginCall {
        match &self.program.chains[self.mapping as usize].ops[self.pc as usize] {
            Op::Plugin(Some(call)) => call,
            _ => unreachable!("a run pauses for a plugin only at a loaded plugin's step"),
        }
    }

    /// Takes what has been recorded so far: the whole record when the chain is done,
    /// or, when it pauses (`pending`), the part so far, and the next record is marked
    /// `resumed`.
    pub(crate) fn take_report(&mut self, pending: bool) -> Option<Fired> {
        if !pending {
            return self.report.take();
        }
        let report = self.report.as_mut()?;
        let next = Fired {
            mapping: report.mapping,
            mode: report.mode.clone(),
            description: report.description.clone(),
            line: report.line,
            context: report.context.clone(),
            outcomes: Vec::new(),
            pending: false,
            resumed: true,
        };
        let mut taken = std::mem::replace(report, next);
        taken.pending = true;
        Some(taken)
    }

    /// Records the result a worker stored and moves past the plugin step.
    pub(crate) fn resume_after_plugin(&mut self, shared: &Shared) {
        let (result, elapsed) = self.plugin_result.take().unwrap_or_else(|| {
            (
                Err(Error::InvalidArgument("the plugin call was lost".into())),
                Duration::ZERO,
            )
        });
        self.finish_plugin(shared, result, elapsed);
    }

    /// Records the plugin call's result and moves past it.
    pub(crate) fn finish_plugin(
        &mut self,
        shared: &Shared,
        result: Result<PluginActions, Error>,
        elapsed: Duration,
    ) {
        self.wall = None;
        let name = self.plugin_call().worker.name().to_string();
        let (result, returned) = match result {
            Ok(actions) => (Ok(()), actions),
            Err(e) => (Err(e), Vec::new()),
        };
        self.record(shared, kind_name::WASM_PLUGIN, Some(&name), result, elapsed);
        self.perform_returned(shared, &name, returned);
        self.pc += 1;
    }

    /// Runs steps until the chain ends or must wait.
    pub(crate) fn advance(&mut self, shared: &Shared) -> Pause {
        let program = self.program.clone();
        let ops = &program.chains[self.mapping as usize].ops;
        // Steps are timed only for someone who reads the time: no clock reads on the
        // hot path otherwise.
        let timed = self.report.is_some() || shared.log().enabled(LogLevel::Debug);
        let now = || timed.then(Instant::now);
        let since = |t: Option<Instant>| t.map(|t| t.elapsed()).unwrap_or_default();
        while let Some(op) = ops.get(self.pc as usize) {
            match op {
                Op::SendMidi(bytes) => {
                    let started = now();
                    self.send_midi(shared, bytes);
                    self.record(shared, kind_name::SEND_MIDI, None, Ok(()), since(started));
                }
                Op::SendMapped(message) => {
                    let started = now();
                    let mut bytes = [0u8; 3];
                    let len = message.render(&self.msg, &mut bytes);
                    self.send_midi(shared, &bytes[..len]);
                    self.record(shared, kind_name::SEND_MIDI, None, Ok(()), since(started));
                }
                Op::Route(_) => {}
                Op::ModeChange(target) => {
                    let count = program.config.modes.len().max(1);
                    shared.change_mode(|current| match target {
                        ModeTarget::Named { index, .. } => *index,
                        ModeTarget::Next => (current + 1) % count,
                        ModeTarget::Previous => (current + count - 1) % count,
                    });
                    self.record(shared, kind_name::MODE_CHANGE, None, Ok(()), Duration::ZERO);
                }
                Op::Host(action) => {
                    let started = now();
                    let event = HostActionEvent {
                        name: action.name.clone(),
                        data: action.data.clone(),
                        context: self.context(shared),
                    };
                    match &shared.options.callbacks.on_action {
                        Some(cb) => cb(&event),
                        None => debug(shared, || {
                            format!("host action {} (no handler registered)", event.to_json())
                        }),
                    }
                    self.record(shared, &action.name, None, Ok(()), since(started));
                }
                Op::Delay(d) => {
                    self.pc += 1;
                    self.offset_us = self.offset_us.saturating_add(d.as_micros() as u64);
                    self.record(shared, kind_name::DELAY, None, Ok(()), Duration::ZERO);
                    return Pause::Delay(*d);
                }
                Op::Plugin(Some(_)) => return Pause::Plugin,
                Op::Plugin(None) => {
                    let path = program.chains[self.mapping as usize]
                        .missing_plugin
                        .clone()
                        .unwrap_or_default();
                    let error = Error::plugin_load(
                        &path,
                        "it is not loaded (the engine was built from another config)",
                    );
                    self.record(
                        shared,
                        kind_name::WASM_PLUGIN,
                        None,
                        Err(error),
                        Duration::ZERO,
                    );
                }
                Op::Branch {
                    condition,
                    otherwise,
                } => {
                    let view = StateView {
                        mode_name: program.mode_name(shared.mode()),
                        variables: &shared.variables,
                        held: &shared.held,
                    };
                    if !condition.eval(&view) {
                        self.pc = *otherwise;
                        continue;
                    }
                }
                Op::Jump(to) => {
                    self.pc = *to;
                    continue;
                }
                Op::Variable(var) => {
                    let value = shared.variables.apply(&var.name, var.op);
                    debug(shared, || format!("variable {} = {value}", var.name));
                    // Lights that follow variables (a toggle's state) show the change.
                    shared.refresh_feedback(false);
                    self.record(shared, var.op.kind(), None, Ok(()), Duration::ZERO);
                }
                Op::RepeatBegin { count, .. } => {
                    self.loops[self.depth] = (self.pc, *count);
                    self.depth += 1;
                }
                Op::RepeatEnd { begin, delay } => {
                    let top = &mut self.loops[self.depth - 1];
                    top.1 -= 1;
                    if top.1 > 0 {
                        self.pc = begin + 1;
                        if !delay.is_zero() {
                            self.offset_us =
                                self.offset_us.saturating_add(delay.as_micros() as u64);
                            return Pause::Delay(*delay);
                        }
                        continue;
                    }
                    self.depth -= 1;
                }
            }
            self.pc += 1;
        }
        Pause::Done
    }

    /// Hands `bytes` to the MIDI output.
    fn send_midi(&self, shared: &Shared, bytes: &[u8]) {
        if self.send_to_device(shared, bytes) {
            return;
        }
        match &shared.options.callbacks.on_midi_out {
            Some(out) => out(bytes, self.event_time_us()),
            None => debug(shared, || {
                format!("SendMidi {bytes:02X?} dropped: no MIDI output is open")
            }),
        }
    }

    /// When the step before this send is a [`Op::Route`], sends `bytes` to that
    /// device's output and returns `true`. A config without `[[devices]]` keeps sending
    /// to the default output (the `port` field used to be ignored).
    fn send_to_device(&self, shared: &Shared, bytes: &[u8]) -> bool {
        let ops = &self.program.chains[self.mapping as usize].ops;
        let Some(Op::Route(device)) = self.pc.checked_sub(1).and_then(|pc| ops.get(pc as usize))
        else {
            return false;
        };
        if shared.send_to_device(device, bytes, self.event_time_us()) {
            return true;
        }
        if self.program.config.devices.is_empty() {
            return false;
        }
        debug(shared, || {
            format!("SendMidi {bytes:02X?} dropped: device {device} has no open output")
        });
        true
    }

    /// Notes one step's outcome: in the report when there is one, in the log when it
    /// failed (naming mapping and plugin) or when debug lines are wanted.
    ///
    /// A cancelled plugin call is logged as a warning, not an error: only the engine
    /// cancels its plugins' calls, when it shuts down or a reload drops or replaces the
    /// plugin, so the plugin did nothing wrong.
    pub(super) fn record(
        &mut self,
        shared: &Shared,
        action: &str,
        plugin: Option<&str>,
        result: Result<(), Error>,
        elapsed: Duration,
    ) {
        let sink = shared.log();
        let level = match &result {
            Ok(()) => LogLevel::Debug,
            Err(Error::Cancelled { .. }) => LogLevel::Warn,
            Err(_) => LogLevel::Error,
        };
        if sink.enabled(level) {
            let label = self.label();
            let who = plugin.map(|p| format!(" (plugin {p})")).unwrap_or_default();
            let line = match &result {
                Ok(()) => format!(
                    "{label} fired {action}{who} in {:.3} ms",
                    elapsed.as_secs_f64() * 1000.0
                ),
                Err(Error::Cancelled { .. }) => format!(
                    "{label}: {action} action cancelled{who}: the engine stopped the plugin \
                     while its call ran (it shut down, or a reload dropped or replaced the \
                     plugin)"
                ),
                Err(e) => format!("{label}: {action} action failed{who}: {e}"),
            };
            log::host(sink, level, &line);
        }
        if let Some(report) = &mut self.report {
            report.outcomes.push(ActionOutcome {
                action: action.to_string(),
                plugin: plugin.map(str::to_string),
                result,
                elapsed,
            });
        }
    }

    fn label(&self) -> String {
        let mapping = &self.program.entry(self.mapping).mapping;
        label(mapping.description.as_deref(), mapping.line, self.trigger)
    }
}

fn debug(shared: &Shared, line: impl FnOnce() -> String) {
    let sink = shared.log();
    if sink.enabled(LogLevel::Debug) {
        log::host(sink, LogLevel::Debug, &line());
    }
}

impl Run {
    /// Runs the actions `plugin` returned, in order, recording each as one of the
    /// mapping's outcomes.
    fn perform_returned(&mut self, shared: &Shared, plugin: &str, actions: PluginActions) {
        let run = self;
        for action in actions {
            match action {
                Returned::SendMidi(bytes) => {
                    if let Some(out) = &shared.options.callbacks.on_midi_out {
                        out(&bytes, run.event_time_us());
                    }
                    run.record(
                        shared,
                        kind_name::SEND_MIDI,
                        Some(plugin),
                        Ok(()),
                        Duration::ZERO,
                    );
                }
                Returned::ModeChange(target) => {
                    let result = run.change_mode_returned(shared, &target);
                    run.record(
                        shared,
                        kind_name::MODE_CHANGE,
                        Some(plugin),
                        result,
                        Duration::ZERO,
                    );
                }
                Returned::Variable { name, op } => {
                    shared.variables.apply(&name, op);
                    shared.refresh_feedback(false);
                    run.record(shared, op.kind(), Some(plugin), Ok(()), Duration::ZERO);
                }
                Returned::Host { name, data } => {
                    let event = HostActionEvent {
                        name: name.clone(),
                        data,
                        context: run.context(shared),
                    };
                    if let Some(cb) = &shared.options.callbacks.on_action {
                        cb(&event);
                    }
                    run.record(shared, &name, Some(plugin), Ok(()), Duration::ZERO);
                }
            }
        }
    }

    /// A `ModeChange` a plugin returned: a mode by name, `"next"` or `"previous"`.
    fn change_mode_returned(&self, shared: &Shared, target: &str) -> Result<(), Error> {
        let run = self;
        let modes = &run.program.config.modes;
        let count = modes.len().max(1);
        let index = match target {
            "next" => None,
            "previous" => None,
            name => Some(modes.iter().position(|m| m.name == name).ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "the plugin asked for mode \"{name}\", which the config does not have \
                     (modes: {})",
                    modes
                        .iter()
                        .map(|m| format!("\"{}\"", m.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?),
        };
        shared.change_mode(|current| match (index, target) {
            (Some(i), _) => i,
            (None, "next") => (current + 1) % count,
            _ => (current + count - 1) % count,
        });
        Ok(())
    }
}
