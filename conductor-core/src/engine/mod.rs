//! [`Engine`]: MIDI in, mappings matched, actions run.
//!
//! Two ways in: [`Engine::process`] runs synchronously on the caller's thread and
//! returns what fired (for scripts and tests); [`Engine::push`] is wait-free and
//! allocation-free, safe to call from an audio or MIDI callback.
//!
//! # Execution model
//!
//! Pushed events go to the engine thread, a dispatcher that never waits for an
//! action. It parses, matches and runs the instant steps of a mapping's chain
//! (`SendMidi`, `ModeChange`, host actions) in arrival order. A `Delay` (or the pause
//! of a `Repeat`) puts the rest of the chain on a timer; a plugin call goes to the
//! worker thread that owns that plugin's instance (one per plugin, a bounded mailbox,
//! calls in arrival order), and the chain continues when the call returns. A slow
//! plugin or a long delay on one pad therefore never holds up another pad.
//!
//! No lock is held while plugins or callbacks run, so callbacks may call any engine
//! method. Two calls cannot complete on the engine's own threads, and say so instead
//! of deadlocking: [`Engine::wait_idle`] returns an error there, and
//! [`Engine::shutdown`] is deferred (it returns at once and the threads stop when the
//! callback returns). A plugin cannot be called synchronously (`process`) from a
//! callback running inside a plugin call; that step fails with an error.

mod callbacks;
mod chain;
mod context;
#[cfg(feature = "midi-io")]
mod device_ports;
mod devices;
mod dispatcher;
mod grant_check;
mod outcome;
mod plugin_actions;
mod plugins;
#[cfg(feature = "midi-io")]
mod ports;
mod program;
mod queue;
mod run;
mod schedule;
mod variables;
mod wakeup;
mod worker;

pub use callbacks::{
    ActionCallback, ApprovalCallback, ApprovalRequest, EngineCallbacks, FiredCallback,
    HostActionEvent, HostRequest, HostRequestCallback, MidiOutCallback,
};
pub use context::TriggerContext;
#[cfg(feature = "midi-io")]
pub use device_ports::{devices_matching, Devices};
pub use outcome::{ActionOutcome, Fired};
#[cfg(feature = "midi-io")]
pub use ports::{device_selector, EngineInput};
pub use queue::MAX_PUSH_BYTES;
pub use worker::PLUGIN_MAILBOX_CAPACITY;

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::thread::{JoinHandle, ThreadId};
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::log::{self, LogLevel, LogSink};
use crate::mapping::{MappingId, MappingTable};
use crate::midi::{MidiMessage, MidiParser};
use crate::plugin::signing::SignaturePolicy;
use crate::plugin::{Capability, HostConfig, Plugin, PluginHost};
use crate::{Error, Result};
use plugins::PluginSet;
use program::Program;
use queue::EventQueue;
use run::{Pause, Returns, Run};
use schedule::Schedule;
use wakeup::Doorbell;
use worker::on_worker_thread;

/// How an engine is built, beyond its config.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct EngineOptions {
    /// Host settings (cache, data root, log sink). Ignored when `host` is given. Where
    /// the folders are left at their defaults, the config's `[plugins] data_dir` and
    /// `cache_dir` apply.
    pub host_config: HostConfig,
    /// An existing plugin host to share (its settings win over `host_config`).
    pub host: Option<PluginHost>,
    /// Capabilities granted to every plugin (the CLI's global `--grant`).
    pub grants: Vec<Capability>,
    /// Capabilities granted per plugin name (the CLI's `--grant NAME=CAP`).
    pub plugin_grants: HashMap<String, Vec<Capability>>,
    /// Callbacks into the embedding application.
    pub callbacks: EngineCallbacks,
    /// Input queue size for `push`; default: the config's `[engine] queue_capacity`.
    pub queue_capacity: Option<usize>,
    /// The name reported as `port` in trigger contexts.
    pub port_name: Option<String>,
    /// Overrides the config's `signature_policy` (the CLI's `--signature-policy`).
    pub signature_policy: Option<SignaturePolicy>,
}

crate::builder::with_methods!(EngineOptions {
    with_host_config => host_config: HostConfig,
    with_host => host: Option<PluginHost>,
    with_grants => grants: Vec<Capability>,
    with_plugin_grants => plugin_grants: HashMap<String, Vec<Capability>>,
    with_callbacks => callbacks: EngineCallbacks,
    with_queue_capacity => queue_capacity: Option<usize>,
    with_port_name => port_name: Option<String>,
    with_signature_policy => signature_policy: Option<SignaturePolicy>,
});

impl std::fmt::Debug for EngineOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineOptions")
            .field("host_config", &self.host_config)
            .field("grants", &self.grants)
            .field("plugin_grants", &self.plugin_grants)
            .field("callbacks", &self.callbacks)
            .field("queue_capacity", &self.queue_capacity)
            .finish_non_exhaustive()
    }
}

/// The state routing needs, behind one short-held lock: the trigger index with its
/// gesture state, the current program, the parser for `process`, and the delayed
/// steps of chains `process` started (timed in event time).
struct Router {
    table: MappingTable,
    program: Arc<Program>,
    parser: MidiParser,
    timeline: Schedule<u64>,
}

/// What the engine handle, the dispatcher and the plugin workers share.
pub(crate) struct Shared {
    router: Mutex<Router>,
    queue: EventQueue,
    returns: Arc<Returns>,
    mode: AtomicUsize,
    /// Asks the dispatcher to exit once the queue is drained.
    stop: AtomicBool,
    /// Set by the first `shutdown`; later calls that would run actions fail.
    closed: AtomicBool,
    /// Set while the dispatcher handles something.
    busy: AtomicBool,
    /// Runs started by `push` that wait on a timer or a plugin worker.
    in_flight: AtomicUsize,
    dispatcher: OnceLock<ThreadId>,
    reloading: Mutex<()>,
    /// Named devices: outputs, feedback state, input sources.
    devices: devices::DeviceHub,
    host: PluginHost,
    log: log::SharedLogSink,
    options: EngineOptions,
    /// Named variables (`SetVar`, ...), kept across reloads.
    variables: variables::Variables,
    /// Notes held and controller values, for `NoteHeld` / `CcValueInRange`.
    held: variables::HeldControls,
}

impl Shared {
    fn router(&self) -> MutexGuard<'_, Router> {
        self.router.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn mode(&self) -> usize {
        self.mode.load(Ordering::Acquire)
    }

    /// Applies `next` to the active mode atomically.
    pub(crate) fn change_mode(&self, next: impl Fn(usize) -> usize) {
        let before = self
            .mode
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |m| Some(next(m)));
        if before.is_ok_and(|m| m != self.mode()) {
            self.refresh_feedback(false);
        }
    }

    /// Passes `msg`, which fired no mapping, on to the MIDI output (`[engine]
    /// midi_thru`). Channel and system short messages only; no allocation. A note-off
    /// follows only when its note-on was passed on.
    pub(crate) fn midi_thru(&self, msg: &MidiMessage, timestamp_us: u64) {
        if !self.held.thru_passes(msg) {
            return;
        }
        let Some((bytes, len)) = msg.encode_short() else {
            return;
        };
        match &self.options.callbacks.on_midi_out {
            Some(out) => out(&bytes[..len], timestamp_us),
            None => {
                let sink = self.log();
                if sink.enabled(LogLevel::Debug) {
                    let line = format!(
                        "MIDI thru {:02X?} dropped: no MIDI output is open",
                        &bytes[..len]
                    );
                    log::host(sink, LogLevel::Debug, &line);
                }
            }
        }
    }

    pub(crate) fn log(&self) -> &dyn LogSink {
        self.log.as_ref()
    }

    fn on_dispatcher(&self) -> bool {
        self.dispatcher.get() == Some(&std::thread::current().id())
    }

    /// Whether the calling thread is one of the engine's own (dispatcher or plugin
    /// worker): a callback, where waiting for the engine would wait for itself.
    fn on_engine_thread(&self) -> bool {
        self.on_dispatcher() || on_worker_thread()
    }

    fn check_open(&self) -> Result<()> {
        if self.closed.load(Ordering::Acquire) {
            Err(Error::InvalidArgument(
                "the engine has been shut down".into(),
            ))
        } else {
            Ok(())
        }
    }
}

/// The engine. `Send + Sync`: every method may be called from any thread, including
/// from the engine's own callbacks (see the module docs for the two exceptions).
pub struct Engine {
    shared: Arc<Shared>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Engine {
    /// Loads the config file and every plugin it references.
    pub fn from_file(path: impl AsRef<Path>, options: EngineOptions) -> Result<Engine> {
        Self::new(Config::from_file(path)?, options)
    }

    /// Builds an engine from config text; relative paths resolve against `base_dir`.
    pub fn from_toml(text: &str, base_dir: &Path, options: EngineOptions) -> Result<Engine> {
        Self::new(Config::from_toml_str(text, base_dir)?, options)
    }

    /// Builds an engine from a loaded config: loads every plugin (reporting all
    /// problems at once), starts one worker thread per plugin and the engine thread
    /// that serves `push`.
    pub fn new(config: Config, options: EngineOptions) -> Result<Engine> {
        let host = match &options.host {
            Some(h) => h.clone(),
            None => PluginHost::new(host_config_for(&options.host_config, &config))?,
        };
        let log = host.log_sink().clone();
        for w in &config.warnings {
            log::host(log.as_ref(), LogLevel::Warn, &w.to_string());
        }
        for w in options.unused_plugin_grants(&config) {
            log::host(log.as_ref(), LogLevel::Warn, &w);
        }
        let plugins = PluginSet::load(&host, &config, &options, &PluginSet::default())?;
        let capacity = options
            .queue_capacity
            .unwrap_or(config.engine.queue_capacity);
        let table = MappingTable::new(&config);
        let program = Arc::new(Program::new(Arc::new(config), &table, plugins));
        return_freed_memory();
        let shared = Arc::new(Shared {
            router: Mutex::new(Router {
                table,
                program,
                parser: MidiParser::new(),
                timeline: Schedule::new(),
            }),
            queue: EventQueue::new(capacity),
            returns: Arc::new(Returns {
                runs: Default::default(),
                doorbell: Doorbell::new(),
            }),
            mode: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            busy: AtomicBool::new(false),
            in_flight: AtomicUsize::new(0),
            dispatcher: OnceLock::new(),
            reloading: Mutex::new(()),
            devices: Default::default(),
            host,
            log,
            options,
            variables: Default::default(),
            held: Default::default(),
        });
        let worker = shared.clone();
        let thread = std::thread::Builder::new()
            .name("conductor-engine".into())
            .spawn(move || dispatcher::run(worker))
            .map_err(|e| Error::Runtime(format!("cannot start the engine thread: {e}")))?;
        let _ = shared.dispatcher.set(thread.thread().id());
        shared
            .returns
            .doorbell
            .set_consumer(thread.thread().clone());
        Ok(Engine {
            shared,
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Parses `bytes` (one or more MIDI messages; running status carries over between
    /// calls) and runs every mapping they fire, on the calling thread, returning what
    /// fired with each step's outcome. Plugin steps wait for the plugin's worker.
    ///
    /// Time follows `timestamp_us`, not the wall clock: first, steps that earlier
    /// `process` calls delayed until `timestamp_us` or before run (reported with
    /// [`Fired::resumed`] set), and held long presses fire. When a chain reaches a
    /// `Delay`, its record so far is returned with [`Fired::pending`] set and the rest
    /// runs in the `process` or [`Engine::tick`] call whose timestamp reaches it. So
    /// replays are deterministic. Failing actions are reported in the outcomes and
    /// logged; they never stop the engine.
    pub fn process(&self, bytes: &[u8], timestamp_us: u64) -> Result<Vec<Fired>> {
        self.shared.check_open()?;
        let mut fired = Vec::new();
        self.advance_to(timestamp_us, &mut fired);
        let mut messages = Vec::new();
        self.shared
            .router()
            .parser
            .feed(bytes, |m| messages.push(m));
        for msg in &messages {
            self.fire_sync(msg, timestamp_us, &mut fired);
        }
        Ok(fired)
    }

    /// Runs the mappings one typed message fires; see [`Engine::process`].
    pub fn process_message(&self, msg: &MidiMessage, timestamp_us: u64) -> Result<Vec<Fired>> {
        self.shared.check_open()?;
        let mut fired = Vec::new();
        self.advance_to(timestamp_us, &mut fired);
        self.fire_sync(msg, timestamp_us, &mut fired);
        Ok(fired)
    }

    /// Advances `process` time to `now_us`: runs delayed steps that are due and fires
    /// long presses held past their duration.
    pub fn tick(&self, now_us: u64) -> Result<Vec<Fired>> {
        self.shared.check_open()?;
        let mut fired = Vec::new();
        self.advance_to(now_us, &mut fired);
        Ok(fired)
    }

    /// When the earliest step delayed by a `process` call is due, or a gesture has
    /// something to decide (a long press reaching its hold time, a press waiting for
    /// its double-tap window); `None`: nothing waits. A replay calls [`Engine::tick`]
    /// with it until it returns `None`.
    pub fn next_due(&self) -> Option<u64> {
        let router = self.shared.router();
        let gestures = router.table.next_deadline();
        match (router.timeline.next_due(), gestures) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Queues one MIDI message (at most [`MAX_PUSH_BYTES`] bytes) for the engine
    /// thread. Wait-free and allocation-free: safe in an audio callback. Returns
    /// `false` (and counts a drop) when the queue is full, the message is empty or too
    /// long; it never blocks.
    pub fn push(&self, bytes: &[u8], timestamp_us: u64) -> bool {
        let queued = self.shared.queue.push(bytes, timestamp_us);
        if queued {
            self.shared.returns.doorbell.ring();
        }
        queued
    }

    /// How many pushed events were dropped because the queue was full or they were
    /// malformed.
    pub fn dropped(&self) -> u64 {
        self.shared.queue.dropped()
    }

    /// How many plugin calls were refused because the plugin's mailbox was full
    /// ([`PLUGIN_MAILBOX_CAPACITY`] calls waiting) or the plugin had been unloaded.
    /// Each refusal is also logged as an error naming the plugin and the mapping.
    pub fn refused_plugin_calls(&self) -> u64 {
        let program = self.shared.router().program.clone();
        program.plugins.workers().map(|w| w.refused()).sum()
    }

    /// Waits until every pushed event has been handled, including the delayed steps
    /// and plugin calls of the chains they started, or until `timeout` passes. Returns
    /// whether the engine became idle.
    ///
    /// Fails on the engine's own threads (from a callback), where it would wait for
    /// itself.
    pub fn wait_idle(&self, timeout: Duration) -> Result<bool> {
        if self.shared.on_engine_thread() {
            return Err(Error::InvalidArgument(
                "wait_idle cannot be called from a callback running on the engine's own \
                 threads: the engine would wait for itself. Return from the callback \
                 first, or wait on another thread"
                    .into(),
            ));
        }
        let deadline = Instant::now() + timeout;
        loop {
            let s = &self.shared;
            // Queue first, then busy: the dispatcher sets busy before popping. A run
            // in flight is counted until the dispatcher has finished with it.
            if s.queue.is_empty()
                && !s.busy.load(Ordering::SeqCst)
                && s.in_flight.load(Ordering::SeqCst) == 0
            {
                return Ok(true);
            }
            if Instant::now() >= deadline || s.stop.load(Ordering::Acquire) {
                return Ok(false);
            }
            std::thread::sleep(Duration::from_micros(200));
        }
    }

    /// Index of the active mode.
    pub fn mode(&self) -> usize {
        self.shared.mode()
    }

    /// Name of the active mode.
    pub fn mode_name(&self) -> String {
        let program = self.shared.router().program.clone();
        program.mode_name(self.shared.mode()).to_string()
    }

    /// Switches to the mode called `name`.
    pub fn set_mode(&self, name: &str) -> Result<()> {
        let config = self.config();
        let index = config.mode_index(name).ok_or_else(|| {
            let names: Vec<&str> = config.modes.iter().map(|m| m.name.as_str()).collect();
            Error::InvalidArgument(format!(
                "there is no mode called {name:?}; modes: {}",
                names.join(", ")
            ))
        })?;
        self.shared.mode.store(index, Ordering::Release);
        self.shared.refresh_feedback(false);
        Ok(())
    }

    /// Switches to the mode at `index`.
    pub fn set_mode_index(&self, index: usize) -> Result<()> {
        let count = self.config().modes.len();
        if index >= count {
            return Err(Error::InvalidArgument(format!(
                "mode index {index} is out of range (there are {count} modes)"
            )));
        }
        self.shared.mode.store(index, Ordering::Release);
        self.shared.refresh_feedback(false);
        Ok(())
    }

    /// The value of the named variable that `SetVar`, `ToggleVar` and `IncrementVar`
    /// actions change (0 when it has not been set). Variables are kept across reloads.
    pub fn variable(&self, name: &str) -> i64 {
        self.shared.variables.get(name)
    }

    /// Every variable set so far with its value, sorted by name.
    pub fn variables(&self) -> Vec<(String, i64)> {
        self.shared.variables.snapshot()
    }

    /// Sets a named variable, as a `SetVar` action would (for state the application
    /// keeps, such as a layer chosen in its own interface).
    pub fn set_variable(&self, name: &str, value: i64) {
        self.shared.variables.set(name, value);
        self.shared.refresh_feedback(false);
    }

    /// The config in use.
    pub fn config(&self) -> Arc<Config> {
        self.shared.router().program.config.clone()
    }

    /// The plugin host the engine runs plugins on.
    pub fn host(&self) -> &PluginHost {
        &self.shared.host
    }

    /// Calls `f` with each loaded plugin (for reports such as `conductor check`). Waits
    /// for a plugin's running call to finish before showing it; a plugin whose own call
    /// is running on this thread (a callback inside it) is skipped.
    pub fn for_each_plugin(&self, mut f: impl FnMut(&Plugin)) {
        let program = self.shared.router().program.clone();
        for worker in program.plugins.workers() {
            if let Some(plugin) = worker.lock() {
                f(&plugin);
            }
        }
    }

    /// Swaps in a new config. Plugins whose file and settings are unchanged keep their
    /// instance (and worker); others are loaded fresh, and those no longer used finish
    /// their queued calls and are shut down in the background. If anything fails to
    /// load, the old config keeps running and the error says why. The active mode is
    /// kept when the new config has a mode of the same name. Chains already running
    /// finish on the config they started with. Events keep flowing while plugins load.
    pub fn reload(&self, config: Config) -> Result<()> {
        self.shared.check_open()?;
        let _reloading = self.shared.reloading.try_lock().map_err(|_| {
            Error::InvalidArgument(
                "a reload is already in progress (a callback cannot reload the engine \
                 while it loads plugins); try again when it has finished"
                    .into(),
            )
        })?;
        for w in &config.warnings {
            log::host(self.shared.log(), LogLevel::Warn, &w.to_string());
        }
        for w in self.shared.options.unused_plugin_grants(&config) {
            log::host(self.shared.log(), LogLevel::Warn, &w);
        }
        let previous = self.shared.router().program.clone();
        let plugins = PluginSet::load(
            &self.shared.host,
            &config,
            &self.shared.options,
            &previous.plugins,
        )?;
        let unused = previous.plugins.dropped_by(&plugins);
        let table = MappingTable::new(&config);
        let mode_name = previous.mode_name(self.shared.mode()).to_string();
        let mode = config.mode_index(&mode_name).unwrap_or(0);
        let program = Arc::new(Program::new(Arc::new(config), &table, plugins));
        {
            let mut router = self.shared.router();
            router.table = table;
            router.program = program;
            self.shared.mode.store(mode, Ordering::Release);
        }
        drop(previous);
        self.shared.refresh_feedback(true);
        return_freed_memory();
        unused.iter().for_each(|w| w.stop());
        if !unused.is_empty() {
            let log = self.shared.log.clone();
            // Joined off this thread: a removed plugin may still be finishing a call.
            let _ = std::thread::Builder::new()
                .name("conductor-unload".into())
                .spawn(move || {
                    for w in unused {
                        if let Err(e) = w.join() {
                            log::host(log.as_ref(), LogLevel::Error, &e.to_string());
                        }
                    }
                });
        }
        Ok(())
    }

    /// Reloads from a file; see [`Engine::reload`].
    pub fn reload_file(&self, path: impl AsRef<Path>) -> Result<()> {
        self.reload(Config::from_file(path)?)
    }

    /// Reloads from config text; relative paths resolve against `base_dir`. See
    /// [`Engine::reload`].
    pub fn reload_from_toml(&self, text: &str, base_dir: &Path) -> Result<()> {
        self.reload(Config::from_toml_str(text, base_dir)?)
    }

    /// Reads the config file in use again; see [`Engine::reload`]. Fails when the
    /// config did not come from a file.
    pub fn reload_current_file(&self) -> Result<()> {
        match self.config().path.clone() {
            Some(path) => self.reload_file(path),
            None => Err(Error::InvalidArgument(
                "this engine's config did not come from a file; reload it from a path or \
                 from TOML text"
                    .into(),
            )),
        }
    }

    /// Stops the engine: the engine thread handles what is queued and exits, steps
    /// still waiting on a delay are dropped, each plugin finishes its queued calls and
    /// its `shutdown()` runs once. Returns the first `shutdown()` error. Later calls
    /// do nothing; later `process` calls fail.
    ///
    /// From a callback on the engine's own threads, the shutdown is deferred: this
    /// returns at once and the threads stop when the callback returns (the engine
    /// cannot wait for itself).
    pub fn shutdown(&self) -> Result<()> {
        let first = !self.shared.closed.swap(true, Ordering::AcqRel);
        self.shared.stop.store(true, Ordering::Release);
        self.shared.returns.doorbell.ring();
        let program = {
            let mut router = self.shared.router();
            router.timeline.clear();
            router.program.clone()
        };
        if self.shared.on_engine_thread() {
            program.plugins.stop_all();
            return Ok(());
        }
        if let Some(t) = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            let _ = t.join();
        }
        let errors = program.plugins.shutdown_all();
        match errors.into_iter().next() {
            Some(e) if first => Err(e),
            _ => Ok(()),
        }
    }

    /// Runs the chains of every mapping `msg` fires, on this thread.
    fn fire_sync(&self, msg: &MidiMessage, timestamp_us: u64, fired: &mut Vec<Fired>) {
        self.fire_sync_from(msg, timestamp_us, None, fired)
    }

    /// [`Engine::fire_sync`] for a message from device `source`.
    fn fire_sync_from(
        &self,
        msg: &MidiMessage,
        timestamp_us: u64,
        source: Option<&str>,
        fired: &mut Vec<Fired>,
    ) {
        let mut ids = Vec::new();
        self.shared.held.observe(msg);
        let program = {
            let mut router = self.shared.router();
            let mode = self.shared.mode();
            router
                .table
                .route_from(msg, timestamp_us, mode, source, &mut ids);
            router.program.clone()
        };
        if ids.is_empty() {
            if program.config.engine.midi_thru {
                self.shared.midi_thru(msg, timestamp_us);
            } else {
                self.shared.device_thru(source, msg, timestamp_us);
            }
        }
        for id in ids {
            // A press decided by its release reports the note-on.
            let pressed = match msg {
                MidiMessage::NoteOff { .. } => self.shared.router().table.fired_message(id),
                _ => None,
            };
            let msg = pressed.as_ref().unwrap_or(msg);
            let run = Run::new(&self.shared, program.clone(), id, msg, timestamp_us, true);
            self.drive_sync(run, fired);
        }
    }

    /// Moves `process` time to `now_us`: delayed steps due by then, in time order,
    /// then long presses held long enough.
    fn advance_to(&self, now_us: u64, fired: &mut Vec<Fired>) {
        loop {
            let due = self.shared.router().timeline.pop_due(now_us);
            match due {
                Some(run) => self.drive_sync(*run, fired),
                None => break,
            }
        }
        let mut ids = Vec::new();
        let (program, presses) = {
            let mut router = self.shared.router();
            if !router.table.has_timed_gestures() {
                return;
            }
            let mode = self.shared.mode();
            router.table.tick_at(now_us, mode, &mut ids);
            // Each at the time it fell due (a long press at its hold time, a turbo
            // repeat at its interval), so a late tick reports the same times.
            let presses: Vec<(MappingId, MidiMessage, u64)> = ids
                .iter()
                .filter_map(|&(id, at)| Some((id, router.table.held_note_on(id)?, at)))
                .collect();
            (router.program.clone(), presses)
        };
        for (id, msg, at) in presses {
            let run = Run::new(&self.shared, program.clone(), id, &msg, at, true);
            self.drive_sync(run, fired);
        }
    }

    /// Runs `run` on this thread until it finishes or waits on a delay, which puts it
    /// on the `process` timeline.
    fn drive_sync(&self, mut run: Run, fired: &mut Vec<Fired>) {
        loop {
            match run.advance(&self.shared) {
                Pause::Done => {
                    fired.extend(run.take_report(false));
                    return;
                }
                Pause::Delay(_) => {
                    fired.extend(run.take_report(true));
                    let due = run.event_time_us();
                    self.shared.router().timeline.push(due, Box::new(run));
                    return;
                }
                Pause::Plugin => {
                    let call = run.plugin_call();
                    let context = call
                        .worker
                        .accepts_context()
                        .then(|| run.context(&self.shared).to_json());
                    let (result, elapsed) =
                        call.worker
                            .call(call.params.clone(), context, run.event_time_us());
                    run.finish_plugin(&self.shared, result, elapsed);
                }
            }
        }
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

/// The host settings for `config`: a folder the application set wins; where it left
/// the default, the config's `[plugins] data_dir` and `cache_dir` win over
/// `CONDUCTOR_PLUGIN_DATA_DIR` and the per-OS defaults. Read once, when the engine is
/// built.
fn host_config_for(options: &HostConfig, config: &Config) -> HostConfig {
    let defaults = &config.plugins.defaults;
    options.with_config_folders(defaults.data_dir.as_deref(), defaults.cache_dir.as_deref())
}

/// Hands memory freed after loading back to the OS. Parsing a large config builds the
/// whole TOML document (kilobytes per mapping) and frees it; glibc keeps those pages,
/// so without this a 100,000-mapping config would keep ~500 MB resident that nothing
/// uses. Called only at load and reload, never on the event path.
fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only returns free heap pages to the OS; it takes no
    // pointers and is thread-safe.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The message a long press fires with: a note-on of its note, velocity 0.
/// The long presses `tick` fired, each with the note-on that started it: a long press
/// fires while its key is still down, so its context reports that press (velocity
/// included), not a note-off.
fn held_presses(table: &MappingTable, ids: &[MappingId]) -> Vec<(MappingId, MidiMessage)> {
    ids.iter()
        .filter_map(|&id| Some((id, table.held_note_on(id)?)))
        .collect()
}
