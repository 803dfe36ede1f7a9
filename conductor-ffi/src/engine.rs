//! `conductor_engine_t`: MIDI in, mappings matched, actions run.

use std::ffi::c_char;
use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use conductor_core::engine::{EngineInput, MAX_PUSH_BYTES, PLUGIN_MAILBOX_CAPACITY};
use conductor_core::midi::PortSelector;
use conductor_core::{Engine, EngineOptions};

use crate::boundary::{boundary, bytes, guard_value, handle, optional_text, out, text, FfiResult};
use crate::engine_options::conductor_engine_options_t;
use crate::error::conductor_error_t;
use crate::fired::conductor_fired_list_t;
use crate::status::conductor_status_t;
use crate::string::owned_string;

/// The longest message `conductor_engine_push` accepts, in bytes; longer SysEx goes
/// through `conductor_engine_process`.
pub const CONDUCTOR_MAX_PUSH_BYTES: usize = 32;

// The constant above is spelled out for cbindgen; keep it equal to the engine's.
const _: () = assert!(CONDUCTOR_MAX_PUSH_BYTES == MAX_PUSH_BYTES);

/// How many calls a plugin's worker holds waiting before it refuses more (counted by
/// `conductor_engine_refused_plugin_calls`).
pub const CONDUCTOR_PLUGIN_MAILBOX_CAPACITY: usize = 1024;

// Spelled out for cbindgen too.
const _: () = assert!(CONDUCTOR_PLUGIN_MAILBOX_CAPACITY == PLUGIN_MAILBOX_CAPACITY);

/// A running engine: a config's modes and mappings, its loaded plugins, the engine
/// thread that serves `conductor_engine_push`, and one worker thread per plugin.
///
/// The engine thread is a dispatcher that never waits for an action: it runs the
/// instant steps of a chain (`SendMidi`, `ModeChange`, host actions) itself, puts the
/// rest of a chain that reaches a `Delay` on a timer, and hands plugin calls to the
/// plugin's worker (calls to one plugin run one at a time, in arrival order). A slow
/// plugin or a long delay on one pad never holds up another pad.
///
/// Thread safety: every function taking an engine may be called from any thread,
/// concurrently, and from the engine's own callbacks: no lock is held while callbacks
/// or plugins run, so a callback may call any function on the engine that invoked it,
/// with these exceptions on the engine's own threads (the engine thread and the plugin
/// workers, i.e. inside one of its callbacks):
///
/// * `conductor_engine_wait_idle` fails at once with `CONDUCTOR_ERROR_INVALID_ARGUMENT`
///   (the engine would wait for itself);
/// * `conductor_engine_shutdown` is deferred: it returns `CONDUCTOR_OK` at once and the
///   engine's threads stop when the callback has returned;
/// * `conductor_engine_process` from a callback that runs inside a plugin call (a
///   plugin's MIDI out or host request) reports every plugin step it reaches as failed
///   (a plugin cannot be called synchronously from inside a plugin call);
/// * `conductor_engine_delete` must not be called there (see its documentation).
///
/// `conductor_engine_delete` must not race with any other call on the same engine.
pub struct conductor_engine_t {
    /// MIDI inputs opened with `conductor_engine_open_input`, closed at shutdown (and
    /// dropped before the engine).
    inputs: Mutex<Vec<EngineInput>>,
    /// The `[[devices]]` ports opened with `conductor_engine_connect_devices`, closed
    /// (with their shutdown messages) at shutdown.
    devices: Mutex<Option<conductor_core::engine::Devices>>,
    pub(crate) engine: Engine,
}

/// The options to build with: a copy of `options`, or the defaults for `NULL`.
unsafe fn options_of(options: *const conductor_engine_options_t) -> FfiResult<EngineOptions> {
    if options.is_null() {
        return Ok(EngineOptions::default());
    }
    // SAFETY: the caller passes a live options object.
    Ok(unsafe { handle(options, "options") }?.options.clone())
}

/// The directory relative paths in config text resolve against.
unsafe fn base_dir_of<'a>(base_dir: *const c_char, base_dir_len: usize) -> FfiResult<&'a Path> {
    // SAFETY: the caller passes NULL or `base_dir_len` readable bytes.
    let dir = unsafe { optional_text(base_dir, base_dir_len, "base_dir") }?;
    Ok(Path::new(dir.unwrap_or(".")))
}

/// Stores a new engine in `*engine_out` (which was checked and cleared first).
fn publish(engine_out: &mut *mut conductor_engine_t, engine: Engine) {
    *engine_out = Box::into_raw(Box::new(conductor_engine_t {
        inputs: Mutex::new(Vec::new()),
        devices: Mutex::new(None),
        engine,
    }));
}

/// Loads the config file at `path` (`path_len` bytes of UTF-8) and every plugin it
/// references, starts the engine thread and one worker thread per plugin, and stores
/// the engine in `*engine_out` (set to `NULL` on failure). `options` may be `NULL` for
/// the defaults; it is copied. Free the engine with `conductor_engine_delete`.
///
/// Fails with `CONDUCTOR_ERROR_CONFIG` for an unreadable or invalid config (the message
/// names the file, line and column and how to fix it), or with a plugin error
/// (`CONDUCTOR_ERROR_PLUGIN_LOAD`, `CONDUCTOR_ERROR_CAPABILITY_DENIED`, ...) listing
/// every plugin that failed. The approval callback, if any, runs during this call.
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_new_from_file(
    path: *const c_char,
    path_len: usize,
    options: *const conductor_engine_options_t,
    engine_out: *mut *mut conductor_engine_t,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    boundary!(call error_out, || {
        // SAFETY: pointer contracts documented above.
        let slot = unsafe { out(engine_out, "engine_out") }?;
        *slot = std::ptr::null_mut();
        let path = unsafe { text(path, path_len, "path") }?;
        let options = unsafe { options_of(options) }?;
        publish(slot, Engine::from_file(path, options)?);
        Ok(())
    })
}

/// Like `conductor_engine_new_from_file`, from config text (`toml`, `toml_len` bytes
/// of UTF-8). Relative plugin paths resolve against `base_dir` (`base_dir_len` bytes;
/// `NULL` means the current directory).
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_new_from_toml(
    toml: *const c_char,
    toml_len: usize,
    base_dir: *const c_char,
    base_dir_len: usize,
    options: *const conductor_engine_options_t,
    engine_out: *mut *mut conductor_engine_t,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    boundary!(call error_out, || {
        // SAFETY: pointer contracts documented above.
        let slot = unsafe { out(engine_out, "engine_out") }?;
        *slot = std::ptr::null_mut();
        let toml = unsafe { text(toml, toml_len, "toml") }?;
        let base_dir = unsafe { base_dir_of(base_dir, base_dir_len) }?;
        let options = unsafe { options_of(options) }?;
        publish(slot, Engine::from_toml(toml, base_dir, options)?);
        Ok(())
    })
}

/// Shuts the engine down (as `conductor_engine_shutdown`; plugin shutdown errors are not
/// reported, so call that first to see them) and frees it. `NULL` is ignored. No
/// callback runs after this returns.
///
/// Thread safety: must not race with any other use of the same engine, and must not be
/// called from one of the engine's own callbacks: the engine is still running that
/// callback, so its threads could not be waited for, and the promise above could not
/// hold (events already queued may still call back after it returns). To stop an
/// engine from its callback, call `conductor_engine_shutdown` there (it is deferred)
/// and delete the engine from another thread once the callback has returned. If it
/// happens anyway, the library does not deadlock or crash: the engine shuts down as
/// `conductor_engine_shutdown` does from a callback, and its threads free it when they
/// exit, after the callback returns; until then they may still call the callbacks, so
/// their `user_data` must stay valid.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_delete(engine: *mut conductor_engine_t) {
    boundary!(delete engine)
}

/// Hands a fired list to the caller, or drops it when they did not ask for it.
fn deliver(fired_out: *mut *mut conductor_fired_list_t, fired: &[conductor_core::engine::Fired]) {
    if !fired_out.is_null() {
        let list = Box::into_raw(Box::new(conductor_fired_list_t::new(fired)));
        // SAFETY: checked non-null; the caller passes a writable slot.
        unsafe { *fired_out = list };
    }
}

/// Clears `*fired_out` (when given) so it is `NULL` if the call fails.
unsafe fn clear(fired_out: *mut *mut conductor_fired_list_t) {
    if !fired_out.is_null() {
        // SAFETY: the caller passes NULL or a writable slot.
        unsafe { *fired_out = std::ptr::null_mut() };
    }
}

/// Parses `bytes` (`len` bytes: one or more MIDI messages; running status carries over
/// between calls), runs every mapping they fire on this thread, and, if `fired_out` is
/// not `NULL`, stores the list of what fired there (possibly empty; free it with
/// `conductor_fired_list_delete`). `timestamp_us` is the event time on the caller's
/// clock, in microseconds.
///
/// Time follows `timestamp_us`, not the wall clock, so replays are deterministic.
/// First, the steps that earlier `process` calls delayed until `timestamp_us` or before
/// run (their records have `conductor_fired_resumed` set), and held long presses fire.
/// When a chain reaches a `Delay`, its record so far is returned with
/// `conductor_fired_pending` set and the rest runs in the `conductor_engine_process` or
/// `conductor_engine_tick` call whose timestamp reaches it (see
/// `conductor_engine_next_due`). Host actions and MIDI out run on this thread, in
/// their callbacks, as the steps run.
///
/// A failing action does not fail the call: its error is in the list (see
/// `conductor_outcome_error`) and in the log. The call fails only for bad arguments or
/// an engine that was shut down.
///
/// Thread safety: may be called from any thread, concurrently with other engine calls,
/// and from the engine's callbacks. Waits for plugin steps (they run on the plugin's
/// worker): do not call it from an audio callback (use `conductor_engine_push`).
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_process(
    engine: *const conductor_engine_t,
    bytes_in: *const u8,
    len: usize,
    timestamp_us: u64,
    fired_out: *mut *mut conductor_fired_list_t,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    boundary!(call error_out, || {
        // SAFETY: pointer contracts documented above.
        unsafe { clear(fired_out) };
        let engine = unsafe { handle(engine, "engine") }?;
        let input = unsafe { bytes(bytes_in, len, "bytes") }?;
        let fired = engine.engine.process(input, timestamp_us)?;
        deliver(fired_out, &fired);
        Ok(())
    })
}

/// Advances `conductor_engine_process` time to `now_us` (caller's clock,
/// microseconds): steps delayed until `now_us` or before run, in time order (records
/// with `conductor_fired_resumed` set), and long presses held past their duration fire.
/// Stores what fired in `*fired_out` as for `conductor_engine_process`. Only needed
/// with `conductor_engine_process`; the engine thread keeps time by itself for pushed
/// events.
///
/// Thread safety: as for `conductor_engine_process`.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_tick(
    engine: *const conductor_engine_t,
    now_us: u64,
    fired_out: *mut *mut conductor_fired_list_t,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    boundary!(call error_out, || {
        // SAFETY: pointer contracts documented above.
        unsafe { clear(fired_out) };
        let engine = unsafe { handle(engine, "engine") }?;
        let fired = engine.engine.tick(now_us)?;
        deliver(fired_out, &fired);
        Ok(())
    })
}

/// Queues one MIDI message (`len` bytes, 1 to `CONDUCTOR_MAX_PUSH_BYTES`) for the
/// engine thread, which starts its mappings in arrival order and reports each through
/// the fired callback once its chain has finished. Delays run on the engine's timer
/// (wall clock) and plugin calls on the plugin's worker, so a slow chain does not hold
/// up the events behind it.
///
/// Real-time safe: lock-free, allocation-free, no system call on the busy path, never
/// blocks. Safe to call from an audio or MIDI callback.
///
/// Returns `true` when queued. Returns `false` when the queue is full or the message is
/// empty or too long (each counted by `conductor_engine_dropped`), and when `engine` is
/// `NULL` or `bytes` is `NULL` with a non-zero `len` (not counted).
///
/// Thread safety: may be called from any number of threads at once, concurrently with
/// every other engine call except `conductor_engine_delete`, and from the engine's
/// callbacks (the event is handled after the callback returns).
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_push(
    engine: *const conductor_engine_t,
    bytes_in: *const u8,
    len: usize,
    timestamp_us: u64,
) -> bool {
    guard_value(false, || {
        // SAFETY: the caller passes NULL or a live engine.
        let Some(engine) = (unsafe { engine.as_ref() }) else {
            return false;
        };
        let input: &[u8] = match (bytes_in.is_null(), len) {
            (_, 0) => &[],
            (true, _) => return false,
            (false, n) if n > isize::MAX as usize => return false,
            // SAFETY: `len` readable bytes per the contract; the engine reads at most
            // CONDUCTOR_MAX_PUSH_BYTES of them and counts longer messages as drops.
            (false, n) => unsafe { std::slice::from_raw_parts(bytes_in, n) },
        };
        engine.engine.push(input, timestamp_us)
    })
}

/// How many pushed events were dropped because the queue was full or they were
/// malformed. 0 for `NULL`.
///
/// Thread safety: may be called from any thread at any time; real-time safe.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_dropped(engine: *const conductor_engine_t) -> u64 {
    // SAFETY: the caller passes NULL or a live engine.
    guard_value(0, || {
        unsafe { engine.as_ref() }.map_or(0, |e| e.engine.dropped())
    })
}

/// How many plugin calls were refused because the plugin's worker already had
/// `CONDUCTOR_PLUGIN_MAILBOX_CAPACITY` calls waiting (the plugin is slower than the
/// events that call it) or the plugin had been unloaded. Each refusal also fails its
/// step (see `conductor_outcome_error`) and is logged as an error naming the plugin and
/// the mapping. 0 for `NULL`.
///
/// Thread safety: may be called from any thread, and from the engine's callbacks. Not
/// real-time safe (it briefly takes an internal lock).
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_refused_plugin_calls(
    engine: *const conductor_engine_t,
) -> u64 {
    // SAFETY: the caller passes NULL or a live engine.
    guard_value(0, || {
        unsafe { engine.as_ref() }.map_or(0, |e| e.engine.refused_plugin_calls())
    })
}

/// When the earliest step delayed by `conductor_engine_process` (or `_tick`) is due, on
/// the caller's clock: stores it in `*due_us_out` (when not `NULL`) and returns `true`.
/// Returns `false`, leaving `*due_us_out` alone, when no step waits or `engine` is
/// `NULL`. A replay calls `conductor_engine_tick` with it until it returns `false`, so
/// that every chain finishes. (Chains started by `conductor_engine_push` wait on the
/// engine thread's own timer and are not counted.)
///
/// Thread safety: may be called from any thread, and from the engine's callbacks. Not
/// real-time safe (it briefly takes an internal lock).
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_next_due(
    engine: *const conductor_engine_t,
    due_us_out: *mut u64,
) -> bool {
    guard_value(false, || {
        // SAFETY: the caller passes NULL or a live engine.
        let Some(due) = unsafe { engine.as_ref() }.and_then(|e| e.engine.next_due()) else {
            return false;
        };
        if !due_us_out.is_null() {
            // SAFETY: the caller passes NULL or a writable u64.
            unsafe { *due_us_out = due };
        }
        true
    })
}

/// Waits until every pushed event has been handled (including the delayed steps and
/// plugin calls of the chains they started), or `timeout_ms` milliseconds pass. If
/// `drained_out` is not `NULL` it receives whether the engine became idle in time
/// (`false` also once the engine has been shut down with work left).
///
/// Thread safety: may be called from any thread except the engine's own: from one of
/// its callbacks (on the engine thread or a plugin worker) it fails at once with
/// `CONDUCTOR_ERROR_INVALID_ARGUMENT` (it would wait for itself) and leaves
/// `*drained_out` alone.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_wait_idle(
    engine: *const conductor_engine_t,
    timeout_ms: u64,
    drained_out: *mut bool,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    boundary!(call error_out, || {
        // SAFETY: pointer contracts documented above.
        let engine = unsafe { handle(engine, "engine") }?;
        let drained = engine.engine.wait_idle(Duration::from_millis(timeout_ms))?;
        if !drained_out.is_null() {
            // SAFETY: the caller passes NULL or a writable bool.
            unsafe { *drained_out = drained };
        }
        Ok(())
    })
}

/// Stores the index of the active mode (0-based, in config order) in `*index_out`.
///
/// Thread safety: may be called from any thread, concurrently with other engine calls,
/// and from the engine's callbacks.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_mode(
    engine: *const conductor_engine_t,
    index_out: *mut usize,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    boundary!(call error_out, || {
        // SAFETY: pointer contracts documented above.
        let slot = unsafe { out(index_out, "index_out") }?;
        *slot = unsafe { handle(engine, "engine") }?.engine.mode();
        Ok(())
    })
}

/// Stores a copy of the active mode's name in `*name_out`. The caller owns it: free it
/// with `conductor_string_delete`.
///
/// Thread safety: may be called from any thread, concurrently with other engine calls,
/// and from the engine's callbacks.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_mode_name(
    engine: *const conductor_engine_t,
    name_out: *mut *mut c_char,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    boundary!(call error_out, || {
        // SAFETY: pointer contracts documented above.
        let slot = unsafe { out(name_out, "name_out") }?;
        *slot = std::ptr::null_mut();
        let engine = unsafe { handle(engine, "engine") }?;
        *slot = owned_string(engine.engine.mode_name());
        Ok(())
    })
}

/// Switches to the mode called `name` (`name_len` bytes of UTF-8). An unknown name
/// fails with `CONDUCTOR_ERROR_INVALID_ARGUMENT` and a message listing the modes.
///
/// Thread safety: may be called from any thread, concurrently with other engine calls,
/// and from the engine's callbacks.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_set_mode(
    engine: *const conductor_engine_t,
    name: *const c_char,
    name_len: usize,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    boundary!(call error_out, || {
        // SAFETY: pointer contracts documented above.
        let engine = unsafe { handle(engine, "engine") }?;
        let name = unsafe { text(name, name_len, "name") }?;
        Ok(engine.engine.set_mode(name)?)
    })
}

/// Switches to the mode at `index` (0-based). An index past the last mode fails with
/// `CONDUCTOR_ERROR_INVALID_ARGUMENT`.
///
/// Thread safety: may be called from any thread, concurrently with other engine calls,
/// and from the engine's callbacks.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_set_mode_index(
    engine: *const conductor_engine_t,
    index: usize,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    boundary!(call error_out, || {
        // SAFETY: pointer contract documented above.
        let engine = unsafe { handle(engine, "engine") }?;
        Ok(engine.engine.set_mode_index(index)?)
    })
}

/// Swaps in the config file at `path` atomically. Plugins whose file and settings are
/// unchanged keep their instance; others load fresh, and those no longer used are shut
/// down. If anything fails (the error says what), the old config keeps running. The
/// active mode is kept when the new config has a mode of the same name. Devices opened
/// with `conductor_engine_connect_devices` follow: when the new config changes a
/// device's ports or `init`, the old ports get their `shutdown` and close and the new
/// ones open with their `init` and lights. If a new port cannot be opened, the call
/// fails with `CONDUCTOR_ERROR_MIDI`: the new config runs, without the devices' ports,
/// and the next reload tries again.
///
/// Thread safety: may be called from any thread, concurrently with other engine calls,
/// and from the engine's callbacks.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_reload_file(
    engine: *const conductor_engine_t,
    path: *const c_char,
    path_len: usize,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    boundary!(call error_out, || {
        // SAFETY: pointer contracts documented above.
        let engine = unsafe { handle(engine, "engine") }?;
        let path = unsafe { text(path, path_len, "path") }?;
        engine.engine.reload_file(path)?;
        engine.sync_devices()
    })
}

/// Like `conductor_engine_reload_file`, from config text; relative plugin paths
/// resolve against `base_dir` (`NULL` means the current directory).
///
/// Thread safety: may be called from any thread, concurrently with other engine calls,
/// and from the engine's callbacks.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_reload_toml(
    engine: *const conductor_engine_t,
    toml: *const c_char,
    toml_len: usize,
    base_dir: *const c_char,
    base_dir_len: usize,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    boundary!(call error_out, || {
        // SAFETY: pointer contracts documented above.
        let engine = unsafe { handle(engine, "engine") }?;
        let toml = unsafe { text(toml, toml_len, "toml") }?;
        let base_dir = unsafe { base_dir_of(base_dir, base_dir_len) }?;
        engine.engine.reload_from_toml(toml, base_dir)?;
        engine.sync_devices()
    })
}

/// Stops the engine: the engine thread handles what is queued and exits, steps still
/// waiting on a delay are dropped, and each plugin finishes its queued calls and has
/// its `shutdown` export called once. Calling it again succeeds and does nothing;
/// afterwards `conductor_engine_process` and `conductor_engine_tick` fail and pushed
/// events are ignored. The first plugin shutdown error, if any, is returned (every
/// plugin is still shut down). The engine must still be freed with
/// `conductor_engine_delete`.
///
/// Thread safety: may be called from any thread; waits for the engine's threads to
/// finish. From one of the engine's own callbacks it cannot wait for them, so it is
/// deferred: it returns `CONDUCTOR_OK` at once (plugin shutdown errors are then not
/// reported), later `process` and `tick` calls fail at once, and the threads finish
/// what is queued and stop once the callback has returned. Delete the engine from
/// another thread afterwards.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_shutdown(
    engine: *const conductor_engine_t,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    boundary!(call error_out, || {
        // SAFETY: pointer contract documented above.
        let engine = unsafe { handle(engine, "engine") }?;
        engine.close_inputs();
        Ok(engine.engine.shutdown()?)
    })
}

impl conductor_engine_t {
    /// Closes the MIDI inputs opened with `conductor_engine_open_input`.
    fn close_inputs(&self) {
        let inputs =
            std::mem::take(&mut *self.inputs.lock().unwrap_or_else(PoisonError::into_inner));
        drop(inputs);
        let devices = self.devices().take();
        drop(devices);
    }

    /// The `[[devices]]` ports opened with `conductor_engine_connect_devices`.
    pub(crate) fn devices(&self) -> MutexGuard<'_, Option<conductor_core::engine::Devices>> {
        self.devices.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// After a reload: reopens the `[[devices]]` ports when the new config changed them
    /// (core's `Devices::sync`).
    fn sync_devices(&self) -> FfiResult<()> {
        if let Some(devices) = self.devices().as_mut() {
            devices.sync()?;
        }
        Ok(())
    }
}

/// Opens a MIDI input and feeds what arrives to the engine thread, as
/// `conductor_engine_push` would, with the MIDI system's timestamps. `port` (`port_len`
/// bytes of UTF-8) is an index into the input ports (`"0"`, `"1"`, ...) or part of a
/// port name; `port == NULL` opens the config's `[device]` port (its `port`, else the
/// first input whose name contains its `name`, else the first input). Unless the config
/// says `[device] auto_reconnect = false`, the port is reopened when it comes back after
/// being unplugged (logged). The input stays open until `conductor_engine_shutdown` or
/// `conductor_engine_delete`. If `name_out` is not `NULL`, `*name_out` receives the
/// port's name, owned by the caller (free it with `conductor_string_delete`).
///
/// Fails with `CONDUCTOR_ERROR_MIDI` when there is no such port (the message lists
/// those that exist) or no MIDI system, and with `CONDUCTOR_ERROR_INVALID_ARGUMENT`
/// after `conductor_engine_shutdown`. The same wiring serves the CLI and Python's
/// `Engine.open_input`.
///
/// Thread safety: may be called from any thread, not from the engine's callbacks.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_open_input(
    engine: *const conductor_engine_t,
    port: *const c_char,
    port_len: usize,
    name_out: *mut *mut c_char,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    boundary!(call error_out, || {
        // SAFETY: pointer contracts documented above.
        let engine = unsafe { handle(engine, "engine") }?;
        let port = unsafe { optional_text(port, port_len, "port") }?;
        let selector = port.map(str::parse::<PortSelector>).transpose()?;
        if !name_out.is_null() {
            // SAFETY: the caller passes NULL or a writable pointer slot.
            unsafe { *name_out = std::ptr::null_mut() };
        }
        let input = engine.engine.connect_input(selector.as_ref())?;
        if !name_out.is_null() {
            // SAFETY: checked above.
            unsafe { *name_out = owned_string(input.port_name()) };
        }
        engine
            .inputs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(input);
        Ok(())
    })
}
