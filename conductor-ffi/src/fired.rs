//! What fired: `conductor_fired_list_t` (owned by the caller), `conductor_fired_t` (one
//! mapping) and `conductor_outcome_t` (one action), read through accessors.

use std::ffi::{c_char, CString};

use conductor_core::engine::{ActionOutcome, Fired};

use crate::boundary::{boundary, guard_value};
use crate::error::conductor_error_t;
use crate::string::to_cstring;

/// How one action of a fired mapping went.
///
/// Borrowed from its `conductor_fired_t`: valid as long as that is, never freed on its
/// own. Thread safety: plain data; read it from any thread.
#[derive(Debug)]
pub struct conductor_outcome_t {
    action: CString,
    plugin: Option<CString>,
    error: Option<conductor_error_t>,
    elapsed_us: u64,
}

/// One mapping that fired, with the outcome of each action it ran (a sequence reports
/// one outcome per step).
///
/// From `conductor_engine_process` and `conductor_engine_tick`, a chain that reaches a
/// `Delay` is reported in parts: the steps run so far with `conductor_fired_pending`
/// set, then the steps a later `process` or `tick` call ran with
/// `conductor_fired_resumed` set. The fired callback gets one record per chain, when it
/// has finished.
///
/// Borrowed from its list (or, in a fired callback, valid for the call only); never
/// freed on its own. Thread safety: plain data; read it from any thread.
#[derive(Debug)]
pub struct conductor_fired_t {
    label: CString,
    description: Option<CString>,
    mode: Option<CString>,
    line: usize,
    context_json: CString,
    outcomes: Vec<conductor_outcome_t>,
    pending: bool,
    resumed: bool,
}

/// The mappings one call fired, in firing order. The caller owns the list and frees it
/// with `conductor_fired_list_delete`; the fired mappings, outcomes, strings and errors
/// read from it stay valid until then.
///
/// Thread safety: plain data; read it from any thread, delete it once.
#[derive(Debug)]
pub struct conductor_fired_list_t {
    items: Vec<conductor_fired_t>,
}

impl From<&ActionOutcome> for conductor_outcome_t {
    fn from(o: &ActionOutcome) -> Self {
        Self {
            action: to_cstring(o.action.as_str()),
            plugin: o.plugin.as_deref().map(to_cstring),
            error: o.result.as_ref().err().map(conductor_error_t::from),
            elapsed_us: u64::try_from(o.elapsed.as_micros()).unwrap_or(u64::MAX),
        }
    }
}

impl From<&Fired> for conductor_fired_t {
    fn from(f: &Fired) -> Self {
        Self {
            label: to_cstring(f.label()),
            description: f.description.as_deref().map(to_cstring),
            mode: f.mode.as_deref().map(to_cstring),
            line: f.line.unwrap_or(0),
            context_json: to_cstring(String::from_utf8_lossy(&f.context.to_json())),
            outcomes: f.outcomes.iter().map(conductor_outcome_t::from).collect(),
            pending: f.pending,
            resumed: f.resumed,
        }
    }
}

impl conductor_fired_list_t {
    /// Translates what the engine returned.
    pub(crate) fn new(fired: &[Fired]) -> Self {
        Self {
            items: fired.iter().map(conductor_fired_t::from).collect(),
        }
    }
}

fn ptr_of(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(std::ptr::null(), |s| s.as_ptr())
}

/// How many mappings the list holds (0 for `NULL`).
///
/// Thread safety: may be called from any thread while the list is alive.
#[no_mangle]
pub unsafe extern "C" fn conductor_fired_list_len(list: *const conductor_fired_list_t) -> usize {
    // SAFETY: the caller passes NULL or a live list.
    guard_value(0, || unsafe { list.as_ref() }.map_or(0, |l| l.items.len()))
}

/// The mapping at `index`, borrowed from the list; `NULL` when `list` is `NULL` or
/// `index` is out of range.
///
/// Thread safety: may be called from any thread while the list is alive.
#[no_mangle]
pub unsafe extern "C" fn conductor_fired_list_get(
    list: *const conductor_fired_list_t,
    index: usize,
) -> *const conductor_fired_t {
    guard_value(std::ptr::null(), || {
        // SAFETY: the caller passes NULL or a live list.
        unsafe { list.as_ref() }
            .and_then(|l| l.items.get(index))
            .map_or(std::ptr::null(), |f| f as *const _)
    })
}

/// Frees a list returned by `conductor_engine_process` or `conductor_engine_tick`,
/// with everything borrowed from it. `NULL` is ignored.
///
/// Thread safety: must not race with any other use of the same list.
#[no_mangle]
pub unsafe extern "C" fn conductor_fired_list_delete(list: *mut conductor_fired_list_t) {
    boundary!(delete list)
}

/// Runs `f` on a fired mapping, or returns `fallback` for `NULL`.
unsafe fn read<T>(
    fired: *const conductor_fired_t,
    fallback: T,
    f: impl FnOnce(&conductor_fired_t) -> T,
) -> T {
    // SAFETY: the caller passes NULL or a live fired mapping.
    guard_value(None, || unsafe { fired.as_ref() }.map(f)).unwrap_or(fallback)
}

/// A short label for the mapping: its description, else `"mapping at line N"`, else
/// the trigger kind. Borrowed; `NULL` when `fired` is `NULL`.
///
/// Thread safety: may be called from any thread while the mapping is alive.
#[no_mangle]
pub unsafe extern "C" fn conductor_fired_label(fired: *const conductor_fired_t) -> *const c_char {
    // SAFETY: forwarded pointer contract.
    unsafe { read(fired, std::ptr::null(), |f| f.label.as_ptr()) }
}

/// The mapping's `description` from the config. Borrowed; `NULL` when it has none.
///
/// Thread safety: may be called from any thread while the mapping is alive.
#[no_mangle]
pub unsafe extern "C" fn conductor_fired_description(
    fired: *const conductor_fired_t,
) -> *const c_char {
    // SAFETY: forwarded pointer contract.
    unsafe { read(fired, std::ptr::null(), |f| ptr_of(&f.description)) }
}

/// The name of the mode the mapping belongs to. Borrowed; `NULL` for a global mapping.
///
/// Thread safety: may be called from any thread while the mapping is alive.
#[no_mangle]
pub unsafe extern "C" fn conductor_fired_mode(fired: *const conductor_fired_t) -> *const c_char {
    // SAFETY: forwarded pointer contract.
    unsafe { read(fired, std::ptr::null(), |f| ptr_of(&f.mode)) }
}

/// The 1-based line of the mapping in its config file; 0 when unknown.
///
/// Thread safety: may be called from any thread while the mapping is alive.
#[no_mangle]
pub unsafe extern "C" fn conductor_fired_line(fired: *const conductor_fired_t) -> usize {
    // SAFETY: forwarded pointer contract.
    unsafe { read(fired, 0, |f| f.line) }
}

/// What triggered the mapping, as the JSON object plugins receive in
/// `execute_with_context`: `velocity`, `mode`, `mode_name`, `note`, `channel` (0-based),
/// `cc`, `value`, `trigger`, `timestamp_us`, `port`. Borrowed; `NULL` when `fired` is
/// `NULL`.
///
/// Thread safety: may be called from any thread while the mapping is alive.
#[no_mangle]
pub unsafe extern "C" fn conductor_fired_context_json(
    fired: *const conductor_fired_t,
) -> *const c_char {
    // SAFETY: forwarded pointer contract.
    unsafe { read(fired, std::ptr::null(), |f| f.context_json.as_ptr()) }
}

/// Whether every action of the mapping succeeded (`false` for `NULL`).
///
/// Thread safety: may be called from any thread while the mapping is alive.
#[no_mangle]
pub unsafe extern "C" fn conductor_fired_ok(fired: *const conductor_fired_t) -> bool {
    // SAFETY: forwarded pointer contract.
    unsafe {
        read(fired, false, |f| {
            f.outcomes.iter().all(|o| o.error.is_none())
        })
    }
}

/// Whether the mapping's chain is waiting on a `Delay`: this record holds the steps run
/// so far, and the rest is reported by the `conductor_engine_process` or
/// `conductor_engine_tick` call whose timestamp reaches it (`conductor_engine_next_due`
/// says when), with `conductor_fired_resumed` set. Always `false` in the fired callback,
/// which is told about a chain once it has finished. `false` for `NULL`.
///
/// Thread safety: may be called from any thread while the mapping is alive.
#[no_mangle]
pub unsafe extern "C" fn conductor_fired_pending(fired: *const conductor_fired_t) -> bool {
    // SAFETY: forwarded pointer contract.
    unsafe { read(fired, false, |f| f.pending) }
}

/// Whether this record continues a chain reported earlier with
/// `conductor_fired_pending` set: it holds the steps run after the delay (the record
/// may itself be pending again if the chain reaches another delay). `false` for `NULL`.
///
/// Thread safety: may be called from any thread while the mapping is alive.
#[no_mangle]
pub unsafe extern "C" fn conductor_fired_resumed(fired: *const conductor_fired_t) -> bool {
    // SAFETY: forwarded pointer contract.
    unsafe { read(fired, false, |f| f.resumed) }
}

/// How many action outcomes the mapping has.
///
/// Thread safety: may be called from any thread while the mapping is alive.
#[no_mangle]
pub unsafe extern "C" fn conductor_fired_outcome_count(fired: *const conductor_fired_t) -> usize {
    // SAFETY: forwarded pointer contract.
    unsafe { read(fired, 0, |f| f.outcomes.len()) }
}

/// The outcome at `index`, borrowed from the mapping; `NULL` when `fired` is `NULL` or
/// `index` is out of range.
///
/// Thread safety: may be called from any thread while the mapping is alive.
#[no_mangle]
pub unsafe extern "C" fn conductor_fired_outcome(
    fired: *const conductor_fired_t,
    index: usize,
) -> *const conductor_outcome_t {
    // SAFETY: forwarded pointer contract.
    unsafe {
        read(fired, std::ptr::null(), |f| {
            f.outcomes
                .get(index)
                .map_or(std::ptr::null(), |o| o as *const _)
        })
    }
}

/// Runs `f` on an outcome, or returns `fallback` for `NULL`.
unsafe fn read_outcome<T>(
    outcome: *const conductor_outcome_t,
    fallback: T,
    f: impl FnOnce(&conductor_outcome_t) -> T,
) -> T {
    // SAFETY: the caller passes NULL or a live outcome.
    guard_value(None, || unsafe { outcome.as_ref() }.map(f)).unwrap_or(fallback)
}

/// The action kind (`"WasmPlugin"`, `"SendMidi"`, `"ModeChange"`, or a host action's
/// name). Borrowed; `NULL` when `outcome` is `NULL`.
///
/// Thread safety: may be called from any thread while the outcome is alive.
#[no_mangle]
pub unsafe extern "C" fn conductor_outcome_action(
    outcome: *const conductor_outcome_t,
) -> *const c_char {
    // SAFETY: forwarded pointer contract.
    unsafe { read_outcome(outcome, std::ptr::null(), |o| o.action.as_ptr()) }
}

/// The plugin's name for plugin actions. Borrowed; `NULL` for other actions.
///
/// Thread safety: may be called from any thread while the outcome is alive.
#[no_mangle]
pub unsafe extern "C" fn conductor_outcome_plugin(
    outcome: *const conductor_outcome_t,
) -> *const c_char {
    // SAFETY: forwarded pointer contract.
    unsafe { read_outcome(outcome, std::ptr::null(), |o| ptr_of(&o.plugin)) }
}

/// What went wrong, or `NULL` if the action succeeded. The error is borrowed from the
/// outcome: read it with `conductor_error_kind`, `conductor_error_message` and
/// `conductor_error_plugin_code`, and never pass it to `conductor_error_delete`.
///
/// Thread safety: may be called from any thread while the outcome is alive.
#[no_mangle]
pub unsafe extern "C" fn conductor_outcome_error(
    outcome: *const conductor_outcome_t,
) -> *const conductor_error_t {
    // SAFETY: forwarded pointer contract.
    unsafe {
        read_outcome(outcome, std::ptr::null(), |o| {
            o.error.as_ref().map_or(std::ptr::null(), |e| e as *const _)
        })
    }
}

/// How long the action took, in microseconds.
///
/// Thread safety: may be called from any thread while the outcome is alive.
#[no_mangle]
pub unsafe extern "C" fn conductor_outcome_elapsed_us(outcome: *const conductor_outcome_t) -> u64 {
    // SAFETY: forwarded pointer contract.
    unsafe { read_outcome(outcome, 0, |o| o.elapsed_us) }
}
