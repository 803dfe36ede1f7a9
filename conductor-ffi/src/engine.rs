//! `conductor_engine_t`: MIDI in, mappings matched, actions run.

use std::ffi::c_char;
use std::path::Path;
use std::time::Duration;

use conductor_core::config::Config;
use conductor_core::engine::MAX_PUSH_BYTES;
use conductor_core::{Engine, EngineOptions};

use crate::boundary::{bytes, guard, guard_value, handle, optional_text, out, text, FfiResult};
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

/// A running engine: a config's modes and mappings, its loaded plugins and the engine
/// thread that serves `conductor_engine_push`.
///
/// Thread safety: every function taking an engine may be called from any thread,
/// concurrently (calls other than `conductor_engine_push` and
/// `conductor_engine_dropped` are serialised internally). Only `conductor_engine_delete`
/// must not race with other calls on the same engine. Callbacks must not call back
/// into the engine that invoked them.
pub struct conductor_engine_t {
    engine: Engine,
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
    *engine_out = Box::into_raw(Box::new(conductor_engine_t { engine }));
}

/// Loads the config file at `path` (`path_len` bytes of UTF-8) and every plugin it
/// references, starts the engine thread, and stores the engine in `*engine_out` (set
/// to `NULL` on failure). `options` may be `NULL` for the defaults; it is copied. Free
/// the engine with `conductor_engine_delete`.
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
    guard("conductor_engine_new_from_file", error_out, || {
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
    guard("conductor_engine_new_from_toml", error_out, || {
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

/// Shuts the engine down (as `conductor_engine_shutdown`, errors going to the log) and
/// frees it. `NULL` is ignored. No callback runs after this returns.
///
/// Thread safety: must not race with any other use of the same engine.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_delete(engine: *mut conductor_engine_t) {
    guard_value((), || {
        if !engine.is_null() {
            // SAFETY: the caller passes an engine this library created, once.
            drop(unsafe { Box::from_raw(engine) });
        }
    })
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
/// between calls), runs every mapping they fire synchronously on this thread, and, if
/// `fired_out` is not `NULL`, stores the list of what fired there (possibly empty;
/// free it with `conductor_fired_list_delete`). `timestamp_us` is the event time on the
/// caller's clock, in microseconds.
///
/// A failing action does not fail the call: its error is in the list (see
/// `conductor_outcome_error`) and in the log. The call fails only for bad arguments or
/// an engine that was shut down.
///
/// Thread safety: may be called from any thread; serialised with other engine calls.
/// Blocks while plugins run: do not call it from an audio callback (use
/// `conductor_engine_push`).
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_process(
    engine: *const conductor_engine_t,
    bytes_in: *const u8,
    len: usize,
    timestamp_us: u64,
    fired_out: *mut *mut conductor_fired_list_t,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    guard("conductor_engine_process", error_out, || {
        // SAFETY: pointer contracts documented above.
        unsafe { clear(fired_out) };
        let engine = unsafe { handle(engine, "engine") }?;
        let input = unsafe { bytes(bytes_in, len, "bytes") }?;
        let fired = engine.engine.process(input, timestamp_us)?;
        deliver(fired_out, &fired);
        Ok(())
    })
}

/// Advances gesture time to `now_us` (caller's clock, microseconds): long presses held
/// past their duration fire now. Stores what fired in `*fired_out` as for
/// `conductor_engine_process`. Only needed with `conductor_engine_process`; the engine
/// thread ticks by itself for pushed events.
///
/// Thread safety: may be called from any thread; serialised with other engine calls.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_tick(
    engine: *const conductor_engine_t,
    now_us: u64,
    fired_out: *mut *mut conductor_fired_list_t,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    guard("conductor_engine_tick", error_out, || {
        // SAFETY: pointer contracts documented above.
        unsafe { clear(fired_out) };
        let engine = unsafe { handle(engine, "engine") }?;
        let fired = engine.engine.tick(now_us)?;
        deliver(fired_out, &fired);
        Ok(())
    })
}

/// Queues one MIDI message (`len` bytes, 1 to `CONDUCTOR_MAX_PUSH_BYTES`) for the
/// engine thread, which runs its mappings in arrival order and reports them through
/// the fired callback.
///
/// Real-time safe: lock-free, allocation-free, no system call on the busy path, never
/// blocks. Safe to call from an audio or MIDI callback.
///
/// Returns `true` when queued. Returns `false` when the queue is full or the message is
/// empty or too long (each counted by `conductor_engine_dropped`), and when `engine` is
/// `NULL` or `bytes` is `NULL` with a non-zero `len` (not counted).
///
/// Thread safety: may be called from any number of threads at once, concurrently with
/// every other engine call except `conductor_engine_delete`.
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

/// Waits until every pushed event has been handled (including the delayed steps and
/// plugin calls of the chains they started), or `timeout_ms` milliseconds pass. If
/// `drained_out` is not `NULL` it receives whether the engine became idle in time.
///
/// Thread safety: may be called from any thread except the engine's own: from one of
/// its callbacks it fails at once with `CONDUCTOR_ERROR_INVALID_ARGUMENT` (it would
/// wait for itself).
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_wait_idle(
    engine: *const conductor_engine_t,
    timeout_ms: u64,
    drained_out: *mut bool,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    guard("conductor_engine_wait_idle", error_out, || {
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
/// Thread safety: may be called from any thread; serialised with other engine calls.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_mode(
    engine: *const conductor_engine_t,
    index_out: *mut usize,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    guard("conductor_engine_mode", error_out, || {
        // SAFETY: pointer contracts documented above.
        let slot = unsafe { out(index_out, "index_out") }?;
        *slot = unsafe { handle(engine, "engine") }?.engine.mode();
        Ok(())
    })
}

/// Stores a copy of the active mode's name in `*name_out`. The caller owns it: free it
/// with `conductor_string_delete`.
///
/// Thread safety: may be called from any thread; serialised with other engine calls.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_mode_name(
    engine: *const conductor_engine_t,
    name_out: *mut *mut c_char,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    guard("conductor_engine_mode_name", error_out, || {
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
/// Thread safety: may be called from any thread; serialised with other engine calls.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_set_mode(
    engine: *const conductor_engine_t,
    name: *const c_char,
    name_len: usize,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    guard("conductor_engine_set_mode", error_out, || {
        // SAFETY: pointer contracts documented above.
        let engine = unsafe { handle(engine, "engine") }?;
        let name = unsafe { text(name, name_len, "name") }?;
        Ok(engine.engine.set_mode(name)?)
    })
}

/// Switches to the mode at `index` (0-based). An index past the last mode fails with
/// `CONDUCTOR_ERROR_INVALID_ARGUMENT`.
///
/// Thread safety: may be called from any thread; serialised with other engine calls.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_set_mode_index(
    engine: *const conductor_engine_t,
    index: usize,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    guard("conductor_engine_set_mode_index", error_out, || {
        // SAFETY: pointer contract documented above.
        let engine = unsafe { handle(engine, "engine") }?;
        Ok(engine.engine.set_mode_index(index)?)
    })
}

/// Swaps in the config file at `path` atomically. Plugins whose file and settings are
/// unchanged keep their instance; others load fresh, and those no longer used are shut
/// down. If anything fails (the error says what), the old config keeps running. The
/// active mode is kept when the new config has a mode of the same name.
///
/// Thread safety: may be called from any thread; serialised with other engine calls.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_reload_file(
    engine: *const conductor_engine_t,
    path: *const c_char,
    path_len: usize,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    guard("conductor_engine_reload_file", error_out, || {
        // SAFETY: pointer contracts documented above.
        let engine = unsafe { handle(engine, "engine") }?;
        let path = unsafe { text(path, path_len, "path") }?;
        Ok(engine.engine.reload_file(path)?)
    })
}

/// Like `conductor_engine_reload_file`, from config text; relative plugin paths
/// resolve against `base_dir` (`NULL` means the current directory).
///
/// Thread safety: may be called from any thread; serialised with other engine calls.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_reload_toml(
    engine: *const conductor_engine_t,
    toml: *const c_char,
    toml_len: usize,
    base_dir: *const c_char,
    base_dir_len: usize,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    guard("conductor_engine_reload_toml", error_out, || {
        // SAFETY: pointer contracts documented above.
        let engine = unsafe { handle(engine, "engine") }?;
        let toml = unsafe { text(toml, toml_len, "toml") }?;
        let base_dir = unsafe { base_dir_of(base_dir, base_dir_len) }?;
        Ok(engine
            .engine
            .reload(Config::from_toml_str(toml, base_dir)?)?)
    })
}

/// Stops the engine thread (after it handles what is queued) and calls every plugin's
/// `shutdown` export once. Calling it again succeeds and does nothing; afterwards
/// `conductor_engine_process` fails and pushed events are ignored. The first plugin
/// shutdown error, if any, is returned (every plugin is still shut down). The engine
/// must still be freed with `conductor_engine_delete`.
///
/// Thread safety: may be called from any thread; waits for the engine thread to
/// finish. Do not call it from a callback of the same engine.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_shutdown(
    engine: *const conductor_engine_t,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    guard("conductor_engine_shutdown", error_out, || {
        // SAFETY: pointer contract documented above.
        let engine = unsafe { handle(engine, "engine") }?;
        Ok(engine.engine.shutdown()?)
    })
}
