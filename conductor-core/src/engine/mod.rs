//! [`Engine`]: MIDI in, mappings matched, actions run.
//!
//! Two ways in: [`Engine::process`] runs synchronously and returns what fired (for
//! scripts and tests); [`Engine::push`] is wait-free and allocation-free, safe to call
//! from an audio or MIDI callback, and the engine thread runs the actions in arrival
//! order.

mod callbacks;
mod context;
mod outcome;
mod plugins;
mod queue;

pub use callbacks::{
    ActionCallback, ApprovalCallback, ApprovalRequest, EngineCallbacks, FiredCallback,
    HostActionEvent, HostRequest, HostRequestCallback, MidiOutCallback,
};
pub use context::TriggerContext;
pub use outcome::{ActionOutcome, Fired};
pub use queue::MAX_PUSH_BYTES;

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::action::{self, ActionEnv, ActionTarget};
use crate::config::Config;
use crate::log::{self, LogLevel};
use crate::mapping::{MappingId, MappingTable};
use crate::midi::{MidiMessage, MidiParser};
use crate::plugin::signing::SignaturePolicy;
use crate::plugin::{Capability, HostConfig, Plugin, PluginHost};
use crate::{Error, Result};
use plugins::PluginSet;
use queue::EventQueue;

/// How an engine is built, beyond its config.
#[derive(Clone, Default)]
pub struct EngineOptions {
    /// Host settings (cache, data root, log sink). Ignored when `host` is given.
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

struct State {
    config: Arc<Config>,
    table: MappingTable,
    plugins: PluginSet,
    mode: usize,
    /// Parser for `process`; the engine thread has its own for `push`.
    parser: MidiParser,
    shut_down: bool,
}

impl ActionTarget for State {
    fn plugin(&mut self, path: &Path) -> Option<&mut Plugin> {
        self.plugins.get_mut(path)
    }
    fn mode(&self) -> usize {
        self.mode
    }
    fn set_mode(&mut self, mode: usize) {
        self.mode = mode;
    }
}

struct Shared {
    state: Mutex<State>,
    queue: EventQueue,
    stop: AtomicBool,
    /// Set while the engine thread handles an event popped from the queue.
    busy: AtomicBool,
    host: PluginHost,
    options: EngineOptions,
}

/// The engine. `Send + Sync`: `push` from any thread, everything else from any thread
/// too (calls are serialised internally).
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
    /// problems at once) and starts the engine thread that serves `push`.
    pub fn new(config: Config, options: EngineOptions) -> Result<Engine> {
        let host = match &options.host {
            Some(h) => h.clone(),
            None => PluginHost::new(options.host_config.clone())?,
        };
        for w in &config.warnings {
            log::host(host.log_sink().as_ref(), LogLevel::Warn, &w.to_string());
        }
        let plugins = PluginSet::load(&host, &config, &options, &mut PluginSet::default())?;
        let capacity = options
            .queue_capacity
            .unwrap_or(config.engine.queue_capacity);
        let state = State {
            table: MappingTable::new(&config),
            config: Arc::new(config),
            plugins,
            mode: 0,
            parser: MidiParser::new(),
            shut_down: false,
        };
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            queue: EventQueue::new(capacity),
            stop: AtomicBool::new(false),
            busy: AtomicBool::new(false),
            host,
            options,
        });
        let worker = shared.clone();
        let thread = std::thread::Builder::new()
            .name("conductor-engine".into())
            .spawn(move || engine_thread(worker))
            .map_err(|e| Error::InvalidArgument(format!("cannot start the engine thread: {e}")))?;
        shared.queue.set_consumer(thread.thread().clone());
        Ok(Engine {
            shared,
            thread: Mutex::new(Some(thread)),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Parses `bytes` (one or more MIDI messages; running status carries over between
    /// calls), runs every mapping they fire and returns what fired with each action's
    /// outcome. Failing actions are reported in the outcomes and logged; they never
    /// stop the engine.
    pub fn process(&self, bytes: &[u8], timestamp_us: u64) -> Result<Vec<Fired>> {
        let mut state = self.state();
        if state.shut_down {
            return Err(shut_down_error());
        }
        let mut messages = Vec::new();
        state.parser.feed(bytes, |m| messages.push(m));
        let mut fired = Vec::new();
        for msg in &messages {
            handle_message(&self.shared, &mut state, msg, timestamp_us, &mut fired);
        }
        Ok(fired)
    }

    /// Runs the mappings one typed message fires.
    pub fn process_message(&self, msg: &MidiMessage, timestamp_us: u64) -> Result<Vec<Fired>> {
        let mut state = self.state();
        if state.shut_down {
            return Err(shut_down_error());
        }
        let mut fired = Vec::new();
        handle_message(&self.shared, &mut state, msg, timestamp_us, &mut fired);
        Ok(fired)
    }

    /// Queues one MIDI message (at most [`MAX_PUSH_BYTES`] bytes) for the engine
    /// thread. Lock-free and allocation-free: safe in an audio callback. Returns
    /// `false` (and counts a drop) when the queue is full, the message is empty or too
    /// long; it never blocks.
    pub fn push(&self, bytes: &[u8], timestamp_us: u64) -> bool {
        self.shared.queue.push(bytes, timestamp_us)
    }

    /// How many pushed events were dropped because the queue was full or they were
    /// malformed.
    pub fn dropped(&self) -> u64 {
        self.shared.queue.dropped()
    }

    /// Waits until every pushed event has been handled, or `timeout` passes. Returns
    /// whether the queue drained.
    pub fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            // Queue first, then busy: the engine thread sets busy before popping.
            if self.shared.queue.is_empty() && !self.shared.busy.load(Ordering::SeqCst) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
    }

    /// Advances gesture time (long presses fire when held past their duration).
    pub fn tick(&self, now_us: u64) -> Result<Vec<Fired>> {
        let mut state = self.state();
        if state.shut_down {
            return Err(shut_down_error());
        }
        let mut fired = Vec::new();
        tick_state(&self.shared, &mut state, now_us, &mut fired);
        Ok(fired)
    }

    /// Index of the active mode.
    pub fn mode(&self) -> usize {
        self.state().mode
    }

    /// Name of the active mode.
    pub fn mode_name(&self) -> String {
        let state = self.state();
        state
            .config
            .modes
            .get(state.mode)
            .map(|m| m.name.clone())
            .unwrap_or_default()
    }

    /// Switches to the mode called `name`.
    pub fn set_mode(&self, name: &str) -> Result<()> {
        let mut state = self.state();
        let index = state.config.mode_index(name).ok_or_else(|| {
            let names: Vec<&str> = state.config.modes.iter().map(|m| m.name.as_str()).collect();
            Error::InvalidArgument(format!(
                "there is no mode called {name:?}; modes: {}",
                names.join(", ")
            ))
        })?;
        state.mode = index;
        Ok(())
    }

    /// Switches to the mode at `index`.
    pub fn set_mode_index(&self, index: usize) -> Result<()> {
        let mut state = self.state();
        if index >= state.config.modes.len() {
            return Err(Error::InvalidArgument(format!(
                "mode index {index} is out of range (there are {} modes)",
                state.config.modes.len()
            )));
        }
        state.mode = index;
        Ok(())
    }

    /// The config in use.
    pub fn config(&self) -> Arc<Config> {
        self.state().config.clone()
    }

    /// The plugin host the engine runs plugins on.
    pub fn host(&self) -> &PluginHost {
        &self.shared.host
    }

    /// Calls `f` with each loaded plugin (for reports such as `conductor check`).
    pub fn for_each_plugin(&self, mut f: impl FnMut(&Plugin)) {
        for p in self.state().plugins.iter() {
            f(p);
        }
    }

    /// Swaps in a new config atomically. Plugins whose file and settings are unchanged
    /// keep their instance; others are loaded fresh, and those no longer used are shut
    /// down. If anything fails to load, the old config keeps running and the error says
    /// why. The active mode is kept when the new config has a mode of the same name.
    pub fn reload(&self, config: Config) -> Result<()> {
        let mut state = self.state();
        if state.shut_down {
            return Err(shut_down_error());
        }
        for w in &config.warnings {
            log::host(
                self.shared.host.log_sink().as_ref(),
                LogLevel::Warn,
                &w.to_string(),
            );
        }
        let mut previous = std::mem::take(&mut state.plugins);
        let loaded = PluginSet::load(
            &self.shared.host,
            &config,
            &self.shared.options,
            &mut previous,
        );
        match loaded {
            Ok(plugins) => {
                previous.shutdown_all();
                let mode_name = state.config.modes.get(state.mode).map(|m| m.name.clone());
                state.mode = mode_name.and_then(|n| config.mode_index(&n)).unwrap_or(0);
                state.table = MappingTable::new(&config);
                state.config = Arc::new(config);
                state.plugins = plugins;
                Ok(())
            }
            Err(e) => {
                // Unchanged plugins were moved out of `previous`; put back what is left
                // and what was reused.
                state.plugins = previous;
                Err(e)
            }
        }
    }

    /// Reloads from a file; see [`Engine::reload`].
    pub fn reload_file(&self, path: impl AsRef<Path>) -> Result<()> {
        self.reload(Config::from_file(path)?)
    }

    /// Stops the engine thread (after it handles what is queued) and calls every
    /// plugin's `shutdown()` once. Later calls do nothing; later `process` calls fail.
    pub fn shutdown(&self) -> Result<()> {
        self.shared.stop.store(true, Ordering::Release);
        if let Some(t) = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            t.thread().unpark();
            let _ = t.join();
        }
        let mut state = self.state();
        if state.shut_down {
            return Ok(());
        }
        state.shut_down = true;
        let errors = state.plugins.shutdown_all();
        match errors.into_iter().next() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

fn shut_down_error() -> Error {
    Error::InvalidArgument("the engine has been shut down".into())
}

fn handle_message(
    shared: &Shared,
    state: &mut State,
    msg: &MidiMessage,
    timestamp_us: u64,
    fired: &mut Vec<Fired>,
) {
    if state.table.has_timed_gestures() {
        tick_state(shared, state, timestamp_us, fired);
    }
    let mut ids: Vec<MappingId> = Vec::new();
    let mode = state.mode;
    state.table.route(msg, timestamp_us, mode, &mut ids);
    for id in ids {
        fire(shared, state, id, msg, timestamp_us, fired);
    }
}

fn tick_state(shared: &Shared, state: &mut State, now_us: u64, fired: &mut Vec<Fired>) {
    let mut ids = Vec::new();
    let mode = state.mode;
    state.table.tick(now_us, mode, &mut ids);
    for id in ids {
        let entry = state.table.entry(id);
        let (note, channel) = match &entry.mapping.trigger {
            crate::config::Trigger::LongPress { note, channel, .. } => {
                (*note, channel.unwrap_or(0))
            }
            _ => continue,
        };
        let msg = MidiMessage::NoteOn {
            channel,
            note,
            velocity: 0,
        };
        fire(shared, state, id, &msg, now_us, fired);
    }
}

fn fire(
    shared: &Shared,
    state: &mut State,
    id: MappingId,
    msg: &MidiMessage,
    timestamp_us: u64,
    fired: &mut Vec<Fired>,
) {
    let config = state.config.clone();
    let entry = state.table.entry(id).clone();
    let mode_name = config
        .modes
        .get(state.mode)
        .map(|m| m.name.as_str())
        .unwrap_or("");
    let mut ctx = TriggerContext::new(
        msg,
        entry.mapping.trigger.kind(),
        timestamp_us,
        state.mode,
        mode_name,
        shared.options.port_name.as_deref(),
    );
    let context = ctx.clone();
    let mut outcomes = Vec::new();
    let sink = shared.host.log_sink().clone();
    {
        let mut env = ActionEnv {
            config: &config,
            callbacks: &shared.options.callbacks,
            target: state,
            log: sink.as_ref(),
        };
        action::run(&mut env, &entry.mapping.action, &mut ctx, &mut outcomes);
    }
    let record = Fired {
        mapping: id,
        mode: entry
            .mode
            .and_then(|m| config.modes.get(m))
            .map(|m| m.name.clone()),
        description: entry.mapping.description.clone(),
        line: entry.mapping.line,
        context,
        outcomes,
    };
    report(sink.as_ref(), &record);
    fired.push(record);
}

/// Logs what fired (debug) and every failure (error), naming mapping and plugin.
fn report(sink: &dyn log::LogSink, fired: &Fired) {
    let debug = sink.enabled(LogLevel::Debug);
    for o in &fired.outcomes {
        if o.result.is_ok() && !debug {
            continue;
        }
        let who = o
            .plugin
            .as_deref()
            .map(|p| format!(" (plugin {p})"))
            .unwrap_or_default();
        match &o.result {
            Ok(()) => log::host(
                sink,
                LogLevel::Debug,
                &format!(
                    "{} fired {}{who} in {:.3} ms",
                    fired.label(),
                    o.action,
                    o.elapsed.as_secs_f64() * 1000.0
                ),
            ),
            Err(e) => log::host(
                sink,
                LogLevel::Error,
                &format!("{}: {} action failed{who}: {e}", fired.label(), o.action),
            ),
        }
    }
}

/// How long the engine thread keeps polling an empty queue before it parks.
const SPIN_BEFORE_PARK: Duration = Duration::from_micros(50);

/// The engine thread: drains the queue in arrival order, parks when idle, ticks
/// gesture time while long presses are held.
fn engine_thread(shared: Arc<Shared>) {
    let mut parser = MidiParser::new();
    let mut messages = Vec::with_capacity(8);
    // Maps the caller's clock to ours for ticks between events.
    let mut last_event: Option<(u64, Instant)> = None;
    loop {
        // Marked busy before popping, so "queue empty and not busy" means idle.
        shared.busy.store(true, Ordering::SeqCst);
        if let Some(event) = shared.queue.pop() {
            messages.clear();
            parser.feed(event.bytes(), |m| messages.push(m));
            let mut state = shared.state.lock().unwrap_or_else(PoisonError::into_inner);
            if !state.shut_down {
                let mut fired = Vec::new();
                for msg in &messages {
                    handle_message(&shared, &mut state, msg, event.timestamp_us, &mut fired);
                }
                drop(state);
                if let Some(cb) = &shared.options.callbacks.on_fired {
                    fired.iter().for_each(|f| cb(f));
                }
            }
            last_event = Some((event.timestamp_us, Instant::now()));
            shared.busy.store(false, Ordering::Release);
            continue;
        }
        shared.busy.store(false, Ordering::Release);
        if shared.stop.load(Ordering::Acquire) {
            return;
        }
        // A steady stream should not pay a futex wake per event: spin briefly first.
        let spin_until = Instant::now() + SPIN_BEFORE_PARK;
        while shared.queue.is_empty() && Instant::now() < spin_until {
            std::hint::spin_loop();
        }
        if !shared.queue.is_empty() {
            continue;
        }
        shared.queue.set_sleeping(true);
        if shared.queue.is_empty() && !shared.stop.load(Ordering::Acquire) {
            std::thread::park_timeout(Duration::from_millis(10));
        }
        shared.queue.set_sleeping(false);
        if let Some((t, at)) = last_event {
            let mut state = shared.state.lock().unwrap_or_else(PoisonError::into_inner);
            if !state.shut_down && state.table.has_timed_gestures() {
                let now = t + at.elapsed().as_micros() as u64;
                let mut fired = Vec::new();
                tick_state(&shared, &mut state, now, &mut fired);
                drop(state);
                if let Some(cb) = &shared.options.callbacks.on_fired {
                    fired.iter().for_each(|f| cb(f));
                }
            }
        }
    }
}
