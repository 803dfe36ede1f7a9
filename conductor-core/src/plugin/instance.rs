//! [`Plugin`]: one loaded plugin with its persistent instance.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use wasmtime::{Instance, Memory, Module, Store, TypedFunc, UpdateDeadline};
use wasmtime_wasi::I32Exit;

use super::data_dir::plugin_data_dir;
use super::epoch::EPOCH_TICK;
use super::guest_abi::ScratchRegion;
use super::host::{PluginHost, PluginOptions};
use super::host_functions::{
    capability_imports, PerCallState, PerInstanceState, PerPluginState, VarStore, WASI_INNER_MODULE,
};
use super::limits::MemoryLimiter;
use super::output::{OutputBudget, PluginOutput, Stream};
use super::sandbox::wasi_context;
use super::signing::SignatureStatus;
use super::{Capability, CapabilitySet, Grants, Limits};
use crate::log::{self, LogLevel};
use crate::{Error, Result};

/// A live instance and the exports the host calls.
struct Live {
    store: Store<PerInstanceState>,
    instance: Instance,
    memory: Option<Memory>,
    execute: Option<TypedFunc<(i32, i32), i32>>,
    execute_with_context: Option<TypedFunc<(i32, i32, i32, i32), i32>>,
    alloc: Option<TypedFunc<i32, i32>>,
    dealloc: Option<TypedFunc<(i32, i32), ()>>,
    shutdown: Option<TypedFunc<(), ()>>,
    scratch: ScratchRegion,
}

/// A loaded plugin. Its instance persists between calls, so guest state (a
/// `OnceLock` client, a counter) survives; after a trap the instance is replaced
/// (and `init` runs again) before the next call.
///
/// `Plugin` is `Send` but not `Sync`: one thread calls it at a time.
/// `shutdown()` runs exactly once: explicitly through [`Plugin::shutdown`] or on drop.
pub struct Plugin {
    host: PluginHost,
    name: String,
    path: Option<PathBuf>,
    module: Module,
    sha256: [u8; 32],
    declared: CapabilitySet,
    limits: Limits,
    grants: Grants,
    data_dir: Option<PathBuf>,
    signature: SignatureStatus,
    stdout: PluginOutput,
    stderr: PluginOutput,
    /// The plugin's name, grants and services, shared with its instances' host calls.
    env: Arc<PerPluginState>,
    live: Option<Live>,
    shut_down: bool,
    /// Cancellation and the deadline of the guest call in progress.
    cancel: Arc<CancelState>,
}

/// What the epoch callback of a plugin's stores reads: whether the call in progress
/// was cancelled, and the epoch tick at which it times out.
#[derive(Default)]
struct CancelState {
    requested: AtomicBool,
    deadline_tick: AtomicU64,
}

/// The error a cancelled guest call ends with (turned into [`Error::Cancelled`]).
#[derive(Debug)]
struct Cancelled;

impl std::fmt::Display for Cancelled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the call was cancelled")
    }
}

impl std::error::Error for Cancelled {}

/// Cancels a plugin's running call from any thread: see [`Plugin::canceller`].
///
/// ```no_run
/// use conductor_core::plugin::{PluginHost, PluginOptions};
/// let host = PluginHost::new(Default::default())?;
/// let mut plugin = host.load("busy.wasm", PluginOptions::default())?;
/// let canceller = plugin.canceller();
/// std::thread::spawn(move || {
///     std::thread::sleep(std::time::Duration::from_millis(100));
///     canceller.cancel();
/// });
/// let err = plugin.execute(b"{}").unwrap_err();
/// assert_eq!(err.kind(), conductor_core::ErrorKind::Cancelled);
/// # Ok::<(), conductor_core::Error>(())
/// ```
#[derive(Clone)]
pub struct PluginCanceller {
    state: Arc<CancelState>,
    engine: wasmtime::Engine,
}

impl PluginCanceller {
    /// Stops the plugin's call in progress at its next loop iteration or function
    /// call (it does not wait for the next 5 ms epoch tick): the call fails with
    /// [`Error::Cancelled`] (kind [`ErrorKind::Cancelled`](crate::ErrorKind::Cancelled),
    /// not a crash), and the next call gets a fresh instance. Does nothing when no call
    /// is running (a cancel never reaches a call that starts after it). A host function the plugin is blocked in (a sleep, an
    /// HTTP request) ends at the plugin's deadline, and the call is cancelled when it
    /// returns to the plugin.
    pub fn cancel(&self) {
        self.state.requested.store(true, Ordering::Release);
        // Wakes every store's epoch check now; the others see their deadline is not
        // reached and go on.
        self.engine.increment_epoch();
    }
}

impl std::fmt::Debug for PluginCanceller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginCanceller").finish_non_exhaustive()
    }
}

enum Call<'a> {
    Execute(&'a [u8]),
    ExecuteWithContext(&'a [u8], &'a [u8]),
}

impl Plugin {
    /// Instantiates a module whose signature and capabilities (`declared`, read in the
    /// sealed probe) were checked by the host, checks the grants and runs `init`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn load(
        host: PluginHost,
        name: String,
        path: Option<PathBuf>,
        module: Module,
        sha256: [u8; 32],
        declared: CapabilitySet,
        signature: SignatureStatus,
        options: PluginOptions,
    ) -> Result<Plugin> {
        // Before any guest code runs: a host function the grants do not allow, or a
        // declared capability they do not allow.
        if let Some((function, cap)) =
            capability_imports(&module).find(|(_, c)| !options.grants.allows(*c))
        {
            return Err(import_denied(&name, &function, cap));
        }
        let missing = options.grants.missing(declared);
        if !missing.is_empty() {
            return Err(capability_denied(&name, missing));
        }
        let sink = host.log_sink().clone();
        // One budget for stdout, stderr and `conductor.log`.
        let budget = OutputBudget::new(options.limits.output_bytes_per_call);
        let data_dir = if options.grants.allows(Capability::Filesystem) {
            Some(match options.data_dir {
                Some(dir) => {
                    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
                    dir
                }
                None => {
                    let root = host.config().data_root.clone().ok_or_else(|| {
                        Error::plugin_load(
                            &name,
                            "no plugin data folder is known on this system; set \
                             CONDUCTOR_PLUGIN_DATA_DIR or the host's data root",
                        )
                    })?;
                    plugin_data_dir(&root, &name, path.as_deref())?
                }
            })
        } else {
            None
        };
        let vars = VarStore::open(host.config().data_root.as_deref(), &name, path.as_deref());
        let env = PerPluginState::new(
            name.clone(),
            sink.clone(),
            options.grants,
            options.services,
            host.inner.epoch_ticks.clone(),
            options.limits,
            vars,
        );
        let mut plugin = Plugin {
            stdout: PluginOutput::new(&name, Stream::Stdout, sink.clone(), budget.clone()),
            stderr: PluginOutput::new(&name, Stream::Stderr, sink, budget),
            env,
            host,
            name,
            path,
            module,
            sha256,
            declared,
            limits: options.limits,
            grants: options.grants,
            data_dir,
            signature,
            live: None,
            // Until `init` has run there is nothing to shut down.
            shut_down: true,
            cancel: Arc::default(),
        };
        let mut live = plugin.instantiate()?;
        plugin.init(&mut live)?;
        plugin.shut_down = false;
        plugin.live = Some(live);
        Ok(plugin)
    }

    /// The plugin's name (file stem unless given).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file the plugin was loaded from, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// SHA-256 of the wasm.
    pub fn sha256(&self) -> [u8; 32] {
        self.sha256
    }

    /// What the plugin asks for: what it declares through `capabilities()` plus what
    /// its imports of host functions need (`conductor.process_run` needs Subprocess).
    /// This is the set its signature covers.
    pub fn capabilities(&self) -> CapabilitySet {
        self.declared
    }

    /// The grants the plugin was loaded with.
    pub fn grants(&self) -> Grants {
        self.grants
    }

    /// Its limits.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// What the signature check found at load.
    pub fn signature(&self) -> &SignatureStatus {
        &self.signature
    }

    /// The folder mounted at `/`, when Filesystem is granted.
    pub fn data_dir(&self) -> Option<&Path> {
        self.data_dir.as_deref()
    }

    /// The hosts the plugin may reach with the Network capability (empty: any public
    /// host; loopback and private addresses only when listed).
    pub fn allowed_hosts(&self) -> &[String] {
        &self.env.services.allowed_hosts
    }

    /// Whether the plugin exports `execute_with_context`.
    pub fn accepts_context(&self) -> bool {
        self.module.get_export("execute_with_context").is_some()
    }

    /// Calls `execute(params)`. Falls back to `execute_with_context(params, "{}")` when
    /// only that is exported. `Ok` means the guest returned 0. What the call returned
    /// through `conductor.output_set` is dropped; [`Plugin::invoke`] returns it.
    pub fn execute(&mut self, params: &[u8]) -> Result<()> {
        self.call(Call::Execute(params)).map(drop)
    }

    /// Calls `execute_with_context(params, context)`, or `execute(params)` when the
    /// plugin exports only that (the context is then dropped). The call's output is
    /// dropped; [`Plugin::invoke`] returns it.
    pub fn execute_with_context(&mut self, params: &[u8], context: &[u8]) -> Result<()> {
        self.call(Call::ExecuteWithContext(params, context))
            .map(drop)
    }

    /// Calls the plugin as [`Plugin::execute`] does (`context: None`) or as
    /// [`Plugin::execute_with_context`] does, and returns the bytes the call set with
    /// `conductor.output_set` (empty when it set none). At most the plugin's
    /// [`Limits::max_output_bytes`].
    ///
    /// ```no_run
    /// use conductor_core::plugin::{PluginHost, PluginOptions};
    /// let host = PluginHost::new(Default::default())?;
    /// let mut plugin = host.load("transpose.wasm", PluginOptions::default())?;
    /// let output = plugin.invoke(br#"{"semitones": 12}"#, Some(br#"{"note": 60}"#))?;
    /// let value: serde_json::Value = serde_json::from_slice(&output)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn invoke(&mut self, params: &[u8], context: Option<&[u8]>) -> Result<Vec<u8>> {
        match context {
            Some(context) => self.call(Call::ExecuteWithContext(params, context)),
            None => self.call(Call::Execute(params)),
        }
    }

    /// A handle that cancels this plugin's running call from another thread (see
    /// [`PluginCanceller::cancel`]). The engine cancels a plugin's running call when
    /// it shuts down or reloads without it.
    pub fn canceller(&self) -> PluginCanceller {
        PluginCanceller {
            state: self.cancel.clone(),
            engine: self.host.inner.engine.clone(),
        }
    }

    /// The file that holds the plugin's host-kept variables (`conductor.var_set`):
    /// `<data root>/.vars/<name>-<hash>.json`. `None` when the host knows no data root.
    pub fn vars_file(&self) -> Option<&Path> {
        self.env.vars.file()
    }

    /// Calls `shutdown()` once and drops the instance. Later calls return an error;
    /// calling this again does nothing.
    pub fn shutdown(&mut self) -> Result<()> {
        if self.shut_down {
            return Ok(());
        }
        self.shut_down = true;
        // A cancel meant for the last call does not stop `shutdown()`.
        self.cancel.requested.store(false, Ordering::Release);
        let Some(mut live) = self.live.take() else {
            return Ok(());
        };
        let Some(f) = live.shutdown.clone() else {
            return Ok(());
        };
        self.guarded(&mut live.store, "shutdown", |store| f.call(store, ()))
            .map(|_| ())
    }

    fn call(&mut self, call: Call<'_>) -> Result<Vec<u8>> {
        // A cancel that came before this call is not meant for it.
        self.cancel.requested.store(false, Ordering::Release);
        if self.shut_down {
            return Err(Error::InvalidArgument(format!(
                "plugin {} has been shut down",
                self.name
            )));
        }
        let mut live = match self.live.take() {
            Some(live) => live,
            None => {
                let mut live = self.instantiate()?;
                self.init(&mut live)?;
                live
            }
        };
        let result = self.call_live(&mut live, call);
        // A trapped or cancelled instance may be in any state: replace it before the
        // next call.
        let trapped = matches!(
            &result,
            Err(Error::OutOfFuel { .. }
                | Error::MemoryLimit { .. }
                | Error::Timeout { .. }
                | Error::PluginTrap { .. }
                | Error::Cancelled { .. })
        );
        if !trapped {
            self.live = Some(live);
        }
        result
    }

    fn call_live(&self, live: &mut Live, call: Call<'_>) -> Result<Vec<u8>> {
        let (params, context) = match call {
            Call::Execute(p) => (p, None),
            Call::ExecuteWithContext(p, c) => (p, Some(c)),
        };
        let use_context =
            live.execute_with_context.is_some() && (context.is_some() || live.execute.is_none());
        let context = if use_context {
            context.unwrap_or(b"{}")
        } else {
            &[]
        };
        let total = params.len() + context.len();
        let (base, allocated) = self.place(live, total)?;
        let memory = live.memory.expect("place() checked memory");
        memory
            .write(&mut live.store, base as usize, params)
            .and_then(|_| memory.write(&mut live.store, base as usize + params.len(), context))
            .map_err(|e| self.trap_error(format!("cannot write params into guest memory: {e}")))?;
        let p = (base as i32, params.len() as i32);
        let c = ((base as usize + params.len()) as i32, context.len() as i32);
        live.store.data_mut().host.returned.clear();
        let code = if use_context {
            // Borrowed, not cloned: a TypedFunc clone bumps a reference count per call.
            let f = live.execute_with_context.as_ref().expect("checked above");
            self.guarded(&mut live.store, "execute_with_context", |store| {
                f.call(store, (p.0, p.1, c.0, c.1))
            })?
        } else {
            let f = live
                .execute
                .as_ref()
                .expect("check_exports guarantees one execute");
            self.guarded(&mut live.store, "execute", |store| f.call(store, p))?
        };
        if let (Some(dealloc), true) = (live.dealloc.clone(), allocated) {
            self.guarded(&mut live.store, "dealloc", |store| {
                dealloc.call(store, (p.0, total as i32))
            })?;
        }
        match code {
            0 => Ok(std::mem::take(&mut live.store.data_mut().host.returned)),
            code if live.store.data().limiter.refused_growth => {
                let _ = code;
                Err(self.memory_limit_error())
            }
            code => Err(Error::PluginReturned {
                plugin: self.name.clone(),
                code,
            }),
        }
    }

    /// Places `len` bytes in guest memory: through the guest's `alloc` when exported,
    /// otherwise in the host-owned scratch region. Returns (address, via alloc).
    fn place(&self, live: &mut Live, len: usize) -> Result<(u32, bool)> {
        if live.memory.is_none() {
            return Err(Error::plugin_load(
                &self.name,
                "it exports no `memory`, so the host cannot pass params to it",
            ));
        }
        if let Some(alloc) = live.alloc.clone() {
            let ptr = self.guarded(&mut live.store, "alloc", |store| {
                alloc.call(store, len as i32)
            })?;
            if ptr == 0 && len > 0 {
                return Err(self.memory_limit_error());
            }
            return Ok((ptr as u32, true));
        }
        let memory = live.memory.expect("checked above");
        live.scratch
            .reserve(&mut live.store, &memory, len)
            .map(|ptr| (ptr, false))
            .ok_or_else(|| self.memory_limit_error())
    }

    fn instantiate(&self) -> Result<Live> {
        let wasi = wasi_context(
            self.stdout.clone(),
            self.stderr.clone(),
            self.data_dir.as_deref(),
        )?;
        let mut store = Store::new(
            &self.host.inner.engine,
            PerInstanceState {
                wasi,
                limiter: MemoryLimiter::new(self.limits.memory_bytes),
                host: PerCallState::new(self.env.clone(), self.stderr.clone()),
            },
        );
        store.limiter(|s| &mut s.limiter);
        // Called at every epoch tick while the guest runs (the deadline is always one
        // tick ahead): ends the call when it is cancelled or past its deadline.
        let cancel = self.cancel.clone();
        let ticks = self.host.inner.epoch_ticks.clone();
        store.epoch_deadline_callback(move |_| {
            if cancel.requested.load(Ordering::Acquire) {
                return Err(Cancelled.into());
            }
            if ticks.load(Ordering::Relaxed) >= cancel.deadline_tick.load(Ordering::Relaxed) {
                return Err(wasmtime::Trap::Interrupt.into());
            }
            Ok(UpdateDeadline::Continue(1))
        });
        store.data_mut().host.wasi_poll = self
            .host
            .inner
            .linker
            .get(&mut store, WASI_INNER_MODULE, "poll_oneoff")
            .ok()
            .and_then(|e| e.into_func());
        self.arm(&mut store);
        let instance: Instance = self
            .host
            .inner
            .linker
            .instantiate(&mut store, &self.module)
            .map_err(|e| match self.classify(&store, e) {
                Error::PluginTrap { message, .. } => Error::plugin_load(
                    &self.name,
                    format!("it could not be instantiated: {message}"),
                ),
                other => other,
            })?;
        let typed =
            |store: &mut Store<PerInstanceState>, name: &str| instance.get_func(&mut *store, name);
        let execute = typed(&mut store, "execute").and_then(|f| f.typed(&store).ok());
        let execute_with_context =
            typed(&mut store, "execute_with_context").and_then(|f| f.typed(&store).ok());
        let alloc = typed(&mut store, "alloc").and_then(|f| f.typed(&store).ok());
        let dealloc = typed(&mut store, "dealloc").and_then(|f| f.typed(&store).ok());
        let shutdown = typed(&mut store, "shutdown").and_then(|f| f.typed(&store).ok());
        let memory = instance.get_memory(&mut store, "memory");
        Ok(Live {
            store,
            instance,
            memory,
            execute,
            execute_with_context,
            alloc,
            dealloc,
            shutdown,
            scratch: ScratchRegion::default(),
        })
    }

    fn init(&self, live: &mut Live) -> Result<()> {
        if let Some(init) = self.find_func(live, "init") {
            let init = init
                .typed::<(), ()>(&live.store)
                .map_err(|e| Error::plugin_load(&self.name, format!("its `init` export: {e}")))?;
            self.guarded(&mut live.store, "init", |store| init.call(store, ()))?;
        }
        Ok(())
    }

    fn find_func(&self, live: &mut Live, name: &str) -> Option<wasmtime::Func> {
        live.instance.get_func(&mut live.store, name)
    }

    /// Refills fuel, sets the deadline, runs `f`, flushes output, and turns a trap
    /// into the matching [`Error`].
    fn guarded<R>(
        &self,
        store: &mut Store<PerInstanceState>,
        what: &str,
        f: impl FnOnce(&mut Store<PerInstanceState>) -> wasmtime::Result<R>,
    ) -> Result<R> {
        self.arm(store);
        store.data_mut().limiter.refused_growth = false;
        let result = f(store);
        self.stdout.end_call();
        self.stderr.end_call();
        result.map_err(|e| {
            let err = self.classify(store, e);
            log::host(
                self.host.log_sink().as_ref(),
                LogLevel::Debug,
                &format!("{what} failed: {err}"),
            );
            err
        })
    }

    fn arm(&self, store: &mut Store<PerInstanceState>) {
        // Fuel is always enabled on the host's engine, so this cannot fail.
        let _ = store.set_fuel(self.limits.fuel);
        let ticks = self
            .limits
            .timeout
            .as_nanos()
            .div_ceil(EPOCH_TICK.as_nanos()) as u64
            + 1;
        let now = self.host.inner.epoch_ticks.load(Ordering::Relaxed);
        self.cancel
            .deadline_tick
            .store(now.saturating_add(ticks), Ordering::Relaxed);
        store.set_epoch_deadline(1);
        store.data_mut().host.start_call(self.limits.timeout);
    }

    fn classify(&self, store: &Store<PerInstanceState>, error: wasmtime::Error) -> Error {
        let plugin = self.name.clone();
        if error.downcast_ref::<Cancelled>().is_some() {
            return Error::Cancelled { plugin };
        }
        if let Some(exit) = error.downcast_ref::<I32Exit>() {
            return Error::PluginTrap {
                plugin,
                message: format!("it called exit({})", exit.0),
            };
        }
        match error.downcast_ref::<wasmtime::Trap>() {
            Some(wasmtime::Trap::OutOfFuel) => Error::OutOfFuel {
                plugin,
                limit: self.limits.fuel,
            },
            Some(wasmtime::Trap::Interrupt) => Error::Timeout {
                plugin,
                limit: self.limits.timeout.max(Duration::from_millis(1)),
            },
            _ if store.data().limiter.refused_growth => self.memory_limit_error(),
            Some(trap) => Error::PluginTrap {
                plugin,
                message: match trap {
                    wasmtime::Trap::UnreachableCodeReached => {
                        "it trapped (unreachable code: usually a panic or abort; its stderr shows the message)".to_string()
                    }
                    other => format!("it trapped: {other}"),
                },
            },
            None => Error::PluginTrap {
                plugin,
                message: format!("{error:#}"),
            },
        }
    }

    fn memory_limit_error(&self) -> Error {
        Error::MemoryLimit {
            plugin: self.name.clone(),
            limit_bytes: self.limits.memory_bytes,
        }
    }

    fn trap_error(&self, message: String) -> Error {
        Error::PluginTrap {
            plugin: self.name.clone(),
            message,
        }
    }
}

impl Drop for Plugin {
    fn drop(&mut self) {
        if let Err(e) = self.shutdown() {
            log::host(
                self.host.log_sink().as_ref(),
                LogLevel::Warn,
                &format!("{e}"),
            );
        }
    }
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin")
            .field("name", &self.name)
            .field("path", &self.path)
            .field("capabilities", &self.declared)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// A plugin imports a host function whose capability it may not use.
fn import_denied(plugin: &str, function: &str, cap: Capability) -> Error {
    Error::CapabilityDenied {
        plugin: plugin.to_string(),
        capability: cap.to_string(),
        how: format!(
            "it imports the host function `{}.{function}`, which needs {cap}; declare \"{cap}\" \
             in its `capabilities()` and approve it with `grant = [\"{cap}\"]` on the plugin's \
             WasmPlugin action (or `--grant {cap}` on the command line, or the API's grants)",
            super::HOST_MODULE
        ),
    }
}

fn capability_denied(plugin: &str, missing: CapabilitySet) -> Error {
    let first = missing.iter().next().expect("non-empty");
    let how = format!(
        "approve it with `grant = [{}]` on the plugin's WasmPlugin action (or \
         `--grant {}` on the command line, or the API's grants)",
        missing
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", "),
        first
    );
    Error::CapabilityDenied {
        plugin: plugin.to_string(),
        capability: missing.to_string(),
        how,
    }
}
