//! [`PluginWorker`]: the thread that owns one plugin instance. Calls reach it through
//! a bounded mailbox and run one at a time in arrival order, so the plugin keeps its
//! state and its call order, and a slow plugin delays only its own later calls.
//! Dispatch never blocks on a mailbox: a full one refuses the call, and the engine
//! counts and logs it.

use std::any::Any;
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{JoinHandle, ThreadId};
use std::time::{Duration, Instant};

use super::plugin_actions::{self, PluginActions};
use crate::plugin::{Plugin, PluginCanceller};
use crate::{Error, Result};

/// Calls a plugin worker holds before it refuses more.
pub const PLUGIN_MAILBOX_CAPACITY: usize = 1024;

thread_local! {
    /// Set on plugin worker threads, so that a callback running inside a plugin call
    /// cannot wait for a plugin (its own worker is busy with that very call).
    static ON_WORKER: Cell<bool> = const { Cell::new(false) };
}

/// Whether the calling thread is a plugin worker.
pub(crate) fn on_worker_thread() -> bool {
    ON_WORKER.with(Cell::get)
}

/// A paused chain whose next step is a call to this worker's plugin: what the worker
/// reads from it, and how it goes back with the result. The worker knows nothing else
/// of chains, so `run` can name workers without workers naming runs.
pub(crate) trait PluginStep: Any + Send {
    /// The params of the call, serialised.
    fn params(&self) -> &[u8];
    /// The trigger context, serialised, when the plugin takes one.
    fn context(&self) -> Option<&[u8]>;
    /// The event time the call runs at (MIDI the plugin sends is stamped with it).
    fn event_time_us(&self) -> u64;
    /// Hands the chain back, with the call's result, to whoever resumes it.
    fn finish(self: Box<Self>, result: CallResult);
    /// The step as `Any`, to give a refused step back to its sender with its own type.
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
}

/// A plugin call's result (the actions it returned, read from its output) and how
/// long it took.
pub(crate) type CallResult = (Result<PluginActions>, Duration);

enum Job {
    /// A plugin step of a dispatched run; the run goes back through `returns`.
    Step(Box<dyn PluginStep>),
    /// A synchronous call (`process`); the result goes to `reply`.
    Call {
        params: Arc<[u8]>,
        context: Option<Vec<u8>>,
        timestamp_us: u64,
        reply: mpsc::Sender<CallResult>,
    },
    /// Finish what is queued, then exit.
    Stop,
}

/// One plugin and the thread that runs its calls.
pub(crate) struct PluginWorker {
    name: String,
    accepts_context: bool,
    plugin: Arc<Mutex<Plugin>>,
    sender: SyncSender<Job>,
    stopped: Arc<AtomicBool>,
    thread: Mutex<Option<JoinHandle<Result<()>>>>,
    thread_id: ThreadId,
    refused: AtomicU64,
    /// Cancels the plugin's running call without waiting for it (on stop).
    canceller: PluginCanceller,
}

impl PluginWorker {
    /// Starts the worker thread for `plugin`. `event_time` is set to each call's
    /// event time before the call (MIDI the plugin sends is stamped with it).
    pub(crate) fn start(plugin: Plugin, event_time: Arc<AtomicU64>) -> Result<PluginWorker> {
        let name = plugin.name().to_string();
        let accepts_context = plugin.accepts_context();
        let canceller = plugin.canceller();
        let plugin = Arc::new(Mutex::new(plugin));
        let (sender, receiver) = mpsc::sync_channel(PLUGIN_MAILBOX_CAPACITY);
        let owned = plugin.clone();
        let stopped = Arc::new(AtomicBool::new(false));
        let stop_seen = stopped.clone();
        let thread = std::thread::Builder::new()
            .name(format!("conductor-plugin-{name}"))
            .spawn(move || serve(owned, receiver, event_time, stop_seen))
            .map_err(|e| {
                Error::plugin_load(&name, format!("cannot start its worker thread: {e}"))
            })?;
        Ok(PluginWorker {
            name,
            accepts_context,
            plugin,
            thread_id: thread.thread().id(),
            sender,
            stopped,
            thread: Mutex::new(Some(thread)),
            refused: AtomicU64::new(0),
            canceller,
        })
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Whether the plugin exports `execute_with_context`.
    pub(crate) fn accepts_context(&self) -> bool {
        self.accepts_context
    }

    /// Calls refused because the mailbox was full or the worker had stopped.
    pub(crate) fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// Queues a plugin step without waiting; the worker runs it and calls
    /// [`PluginStep::finish`]. When the mailbox is full or the worker has stopped, the
    /// step comes back at once with the reason.
    pub(crate) fn dispatch<S: PluginStep>(
        &self,
        step: Box<S>,
    ) -> std::result::Result<(), (Box<S>, Error)> {
        if self.stopped.load(Ordering::Acquire) {
            self.refused.fetch_add(1, Ordering::Relaxed);
            return Err((step, self.stopped_error()));
        }
        let (job, error) = match self.sender.try_send(Job::Step(step)) {
            Ok(()) => return Ok(()),
            Err(TrySendError::Full(job)) => (job, self.full_error()),
            Err(TrySendError::Disconnected(job)) => (job, self.stopped_error()),
        };
        self.refused.fetch_add(1, Ordering::Relaxed);
        match job {
            Job::Step(step) => match step.into_any().downcast::<S>() {
                Ok(step) => Err((step, error)),
                Err(_) => unreachable!("the step sent comes back with its own type"),
            },
            _ => unreachable!("the job sent is a step"),
        }
    }

    /// Calls the plugin and waits for the result (for `process`). Refused on a plugin
    /// worker thread: a callback inside a plugin call cannot wait for a plugin.
    pub(crate) fn call(
        &self,
        params: Arc<[u8]>,
        context: Option<Vec<u8>>,
        timestamp_us: u64,
    ) -> CallResult {
        if on_worker_thread() {
            return (
                Err(Error::InvalidArgument(format!(
                    "plugin {} cannot be called synchronously from inside a plugin call \
                     (a callback that runs `process` while a plugin runs); queue the \
                     event with `push` instead",
                    self.name
                ))),
                Duration::ZERO,
            );
        }
        if self.stopped.load(Ordering::Acquire) {
            return (Err(self.stopped_error()), Duration::ZERO);
        }
        let (reply, answer) = mpsc::channel();
        let job = Job::Call {
            params,
            context,
            timestamp_us,
            reply,
        };
        if self.sender.send(job).is_err() {
            return (Err(self.stopped_error()), Duration::ZERO);
        }
        answer
            .recv()
            .unwrap_or_else(|_| (Err(self.stopped_error()), Duration::ZERO))
    }

    /// The plugin, for reports. Waits while a call runs; `None` on the worker's own
    /// thread (where waiting would never end).
    pub(crate) fn lock(&self) -> Option<MutexGuard<'_, Plugin>> {
        if std::thread::current().id() == self.thread_id {
            return None;
        }
        Some(self.plugin.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Tells the worker to finish the calls it holds, call the plugin's `shutdown()` and
    /// exit. The call running now is cancelled, so a busy plugin does not hold up a
    /// shutdown or reload until its deadline. Does not wait; see [`PluginWorker::join`].
    pub(crate) fn stop(&self) {
        self.stopped.store(true, Ordering::Release);
        self.canceller.cancel();
        // A full mailbox means the worker is busy: it sees `stopped` after the call it
        // is in, so the message is only needed to wake an idle worker.
        let _ = self.sender.try_send(Job::Stop);
    }

    /// Waits for the worker to exit and returns the plugin's `shutdown()` result.
    /// Returns at once on the worker's own thread (it exits when its call returns).
    pub(crate) fn join(&self) -> Result<()> {
        if std::thread::current().id() == self.thread_id {
            return Ok(());
        }
        let handle = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match handle.map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(Error::PluginTrap {
                plugin: self.name.clone(),
                message: "its worker thread panicked".into(),
            }),
            None => Ok(()),
        }
    }

    fn full_error(&self) -> Error {
        Error::InvalidArgument(format!(
            "plugin {} is busy: {PLUGIN_MAILBOX_CAPACITY} calls are already waiting, so \
             this call was dropped (the plugin is slower than the events that call it)",
            self.name
        ))
    }

    fn stopped_error(&self) -> Error {
        Error::InvalidArgument(format!(
            "plugin {} has been unloaded (the engine shut down or reloaded)",
            self.name
        ))
    }
}

fn serve(
    plugin: Arc<Mutex<Plugin>>,
    receiver: Receiver<Job>,
    event_time: Arc<AtomicU64>,
    stopped: Arc<AtomicBool>,
) -> Result<()> {
    ON_WORKER.with(|w| w.set(true));
    let call = |params: &[u8], context: Option<&[u8]>, timestamp_us: u64| -> CallResult {
        event_time.store(timestamp_us, Ordering::Relaxed);
        let mut plugin = plugin.lock().unwrap_or_else(PoisonError::into_inner);
        let started = Instant::now();
        let result = plugin
            .invoke(params, context)
            .and_then(|output| plugin_actions::parse(plugin.name(), &output));
        (result, started.elapsed())
    };
    let handle = |job: Job| -> bool {
        match job {
            Job::Step(step) => {
                let result = call(step.params(), step.context(), step.event_time_us());
                step.finish(result);
            }
            Job::Call {
                params,
                context,
                timestamp_us,
                reply,
            } => {
                let _ = reply.send(call(&params, context.as_deref(), timestamp_us));
            }
            Job::Stop => return false,
        }
        true
    };
    while let Ok(job) = receiver.recv() {
        if !handle(job) || stopped.load(Ordering::Acquire) {
            // Finish what was queued before the stop, then exit.
            while let Ok(job) = receiver.try_recv() {
                handle(job);
            }
            break;
        }
    }
    let result = plugin
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .shutdown();
    result
}
