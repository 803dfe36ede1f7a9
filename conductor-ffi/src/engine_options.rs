//! `conductor_engine_options_t`: how an engine is built beyond its config, including
//! the application's callbacks.

use std::ffi::{c_char, c_void};
use std::sync::Arc;

use conductor_core::engine::{
    ActionCallback, ApprovalCallback, ApprovalRequest, Fired, FiredCallback, HostActionEvent,
    HostRequestCallback, MidiOutCallback,
};
use conductor_core::plugin::HostRequest;
use conductor_core::EngineOptions;

use crate::boundary::{boundary, guard, handle, handle_mut, optional_text, text, FfiResult};
use crate::capability::{conductor_capability_t, from_c, to_c};
use crate::error::conductor_error_t;
use crate::fired::conductor_fired_t;
use crate::host::{conductor_host_config_t, conductor_plugin_host_t};
use crate::log::{conductor_finalizer_t, ForeignData};
use crate::plugin_options::{conductor_signature_policy_t, signature_policy_from_c};
use crate::status::conductor_status_t;
use crate::string::to_cstring;

/// Receives a host action: a mapping fired an action the application performs itself
/// (`Keystroke`, `Launch`, `Shell`, `Host = { name = ... }`...).
///
/// * `name`: the action's name (`"Keystroke"`, or the `name` of a `Host` action).
/// * `json`: one JSON object, `{"action": name, ...the action's fields...,
///   "context": {...what triggered it...}}`.
///
/// Both strings are NUL-terminated UTF-8 borrowed for the duration of the call.
/// Called on the thread running the step: the engine thread for events that came in
/// through `conductor_engine_push`, the caller's thread for `conductor_engine_process`
/// and `conductor_engine_tick`. Must be thread-safe and must not unwind or `longjmp`
/// out. It may call any function on the engine that invoked it except
/// `conductor_engine_delete`; see `conductor_engine_t` for what `wait_idle` and
/// `shutdown` do there. While it runs, the engine thread runs nothing else, so keep it
/// short (hand slow work to another thread).
pub type conductor_action_callback_t =
    Option<unsafe extern "C" fn(user_data: *mut c_void, name: *const c_char, json: *const c_char)>;

/// Receives MIDI bytes to send: one complete message per call, from a `SendMidi`
/// action or a plugin with the Midi capability. `bytes` is borrowed for the duration
/// of the call. `timestamp_us` is the time the message belongs to, on the clock of the
/// timestamps passed to `conductor_engine_push` / `_process`: the triggering event's
/// timestamp plus the delays its chain has passed (for a plugin, the time of the event
/// its call serves). An application that schedules output, such as a JACK or CoreMIDI
/// client, places the message at that time.
///
/// `SendMidi` output arrives as for `conductor_action_callback_t` (engine thread for
/// pushed events, caller's thread for `process` and `tick`); a plugin's output arrives
/// on that plugin's worker thread, while the plugin runs. Rules as for
/// `conductor_action_callback_t`; from a plugin's worker, `conductor_engine_process`
/// also fails every plugin step it reaches.
pub type conductor_midi_out_callback_t = Option<
    unsafe extern "C" fn(user_data: *mut c_void, bytes: *const u8, len: usize, timestamp_us: u64),
>;

/// Asked while an engine loads its plugins (in `conductor_engine_new_*` and reloads)
/// when a plugin declares a capability that neither the config nor the options
/// granted. Return `true` to grant it, `false` to refuse (the plugin then does not
/// load and the call fails with `CONDUCTOR_ERROR_CAPABILITY_DENIED`).
///
/// `plugin` is the plugin's name and `path` its file, NUL-terminated UTF-8 borrowed for
/// the call. Called on the thread that creates or reloads the engine.
pub type conductor_approval_callback_t = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        plugin: *const c_char,
        path: *const c_char,
        capability: conductor_capability_t,
    ) -> bool,
>;

/// Told about each mapping the engine thread fired for events that came in through
/// `conductor_engine_push` (mappings fired by `conductor_engine_process` are returned
/// by it instead), once its chain has finished, with every step's outcome (so
/// `conductor_fired_pending` and `_resumed` are `false`). `fired` is borrowed for the
/// duration of the call; read it with the `conductor_fired_*` accessors. Called on the
/// engine thread; rules as for `conductor_action_callback_t`.
pub type conductor_fired_callback_t =
    Option<unsafe extern "C" fn(user_data: *mut c_void, fired: *const conductor_fired_t)>;

/// Receives a plugin's SystemControl or Audio request (a plugin calling
/// `conductor.system_request` / `conductor.audio_request`, e.g. through the SDK's
/// `system::request`): keystrokes, volume, launching apps and audio cues belong to the
/// application.
///
/// * `plugin`: the plugin's name.
/// * `capability`: `CONDUCTOR_CAPABILITY_SYSTEM_CONTROL` or `CONDUCTOR_CAPABILITY_AUDIO`.
/// * `json`: the request the plugin sent, as JSON text.
///
/// Return `true` to accept (the plugin's call succeeds), `false` to refuse it (the
/// plugin sees an error). Strings are NUL-terminated UTF-8 borrowed for the call.
/// Called on the plugin's worker thread, while the plugin waits for the answer. Rules
/// as for `conductor_action_callback_t`; from here `conductor_engine_process` also
/// fails every plugin step it reaches.
pub type conductor_host_request_callback_t = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        plugin: *const c_char,
        capability: conductor_capability_t,
        json: *const c_char,
    ) -> bool,
>;

/// How to build an engine beyond its config: host settings (log callback, cache and
/// data folders) or a shared plugin host, extra grants, the input queue size, the
/// port name reported to plugins, and the application's callbacks. Starts empty:
/// default host settings, no extra grants, no callbacks (host actions and MIDI out are
/// then logged, and ungranted capabilities refuse the load).
///
/// Thread safety: not synchronised; set it up on one thread, then pass it (read-only)
/// to `conductor_engine_new_*`, which copies it. A callback's `user_data` must stay
/// valid until its finalizer runs (see `conductor_finalizer_t`): after these options and
/// every engine built with them are deleted.
#[derive(Debug, Default)]
pub struct conductor_engine_options_t {
    pub(crate) options: EngineOptions,
}

/// Creates engine options holding the defaults. Free them with
/// `conductor_engine_options_delete`. Returns `NULL` only if the library failed
/// internally.
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn conductor_engine_options_new() -> *mut conductor_engine_options_t {
    boundary!(new conductor_engine_options_t::default())
}

/// Frees engine options. `NULL` is ignored. Engines built from them keep their own
/// copy.
///
/// Thread safety: must not race with any other use of the same options.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_options_delete(options: *mut conductor_engine_options_t) {
    boundary!(delete options)
}

/// Runs `f` on the options behind `options` for the C function `function`.
unsafe fn with_options(
    function: &'static str,
    options: *mut conductor_engine_options_t,
    error_out: *mut *mut conductor_error_t,
    f: impl FnOnce(&mut EngineOptions) -> FfiResult<()>,
) -> conductor_status_t {
    guard(function, error_out, || {
        // SAFETY: the caller passes NULL or live options used by no other thread.
        let options = unsafe { handle_mut(options, "options") }?;
        f(&mut options.options)
    })
}

/// Uses a copy of `config` (log callback, cache and data folders) for the engine's own
/// plugin host, and forgets any host given with `conductor_engine_options_set_host`.
///
/// Thread safety: must not race with any other use of the same options.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_options_set_host_config(
    options: *mut conductor_engine_options_t,
    config: *const conductor_host_config_t,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    // SAFETY: forwarded pointer contracts.
    unsafe {
        with_options(boundary!(name), options, error_out, |o| {
            o.host_config = handle(config, "config")?.config.clone();
            o.host = None;
            Ok(())
        })
    }
}

/// Runs the engine's plugins on an existing `host` (shared, e.g. with standalone
/// plugins) instead of a host of its own; the host's settings then apply. `host ==
/// NULL` goes back to an engine-owned host.
///
/// Thread safety: must not race with any other use of the same options.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_options_set_host(
    options: *mut conductor_engine_options_t,
    host: *const conductor_plugin_host_t,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    // SAFETY: the caller passes NULL or a live host.
    let host = unsafe { host.as_ref() }.map(|h| h.host.clone());
    // SAFETY: forwarded pointer contracts.
    unsafe {
        with_options(boundary!(name), options, error_out, |o| {
            o.host = host;
            Ok(())
        })
    }
}

/// Approves `capability` for every plugin the engine loads (like the command line's
/// `--grant Filesystem`).
///
/// Thread safety: must not race with any other use of the same options.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_options_grant(
    options: *mut conductor_engine_options_t,
    capability: conductor_capability_t,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    // SAFETY: forwarded pointer contracts.
    unsafe {
        with_options(boundary!(name), options, error_out, |o| {
            o.grants.push(from_c(capability)?);
            Ok(())
        })
    }
}

/// Approves `capability` for the plugin called `plugin` (its file name without
/// `.wasm`; `plugin_len` bytes of UTF-8), like the command line's
/// `--grant file_logger_plugin=Filesystem`.
///
/// Thread safety: must not race with any other use of the same options.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_options_grant_plugin(
    options: *mut conductor_engine_options_t,
    plugin: *const c_char,
    plugin_len: usize,
    capability: conductor_capability_t,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    // SAFETY: forwarded pointer contracts.
    unsafe {
        with_options(boundary!(name), options, error_out, |o| {
            let name = text(plugin, plugin_len, "plugin")?;
            let capability = from_c(capability)?;
            o.plugin_grants
                .entry(name.to_string())
                .or_default()
                .push(capability);
            Ok(())
        })
    }
}

/// Sets how many events `conductor_engine_push` can queue before it drops them.
/// 0 uses the config's `[engine] queue_capacity`.
///
/// Thread safety: must not race with any other use of the same options.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_options_set_queue_capacity(
    options: *mut conductor_engine_options_t,
    capacity: usize,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    // SAFETY: forwarded pointer contracts.
    unsafe {
        with_options(boundary!(name), options, error_out, |o| {
            o.queue_capacity = (capacity > 0).then_some(capacity);
            Ok(())
        })
    }
}

/// Sets the input port name reported as `port` in trigger contexts (`name`,
/// `name_len` bytes of UTF-8); `name == NULL` reports none.
///
/// Thread safety: must not race with any other use of the same options.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_options_set_port_name(
    options: *mut conductor_engine_options_t,
    name: *const c_char,
    name_len: usize,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    // SAFETY: forwarded pointer contracts.
    unsafe {
        with_options(boundary!(name), options, error_out, |o| {
            o.port_name = optional_text(name, name_len, "name")?.map(str::to_string);
            Ok(())
        })
    }
}

/// Registers the host-action callback (`NULL` removes it; host actions are then
/// logged). See `conductor_action_callback_t`.
/// `finalizer` (may be `NULL`) is called with `user_data` once nothing uses it any more;
/// see `conductor_finalizer_t`.
///
/// Thread safety: must not race with any other use of the same options.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_options_set_action_callback(
    options: *mut conductor_engine_options_t,
    callback: conductor_action_callback_t,
    user_data: *mut c_void,
    finalizer: conductor_finalizer_t,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    let user_data = ForeignData::new(user_data, finalizer);
    let callback = callback.map(|cb| {
        Arc::new(move |event: &HostActionEvent| {
            let name = to_cstring(event.name.as_str());
            let json = to_cstring(event.to_json().to_string());
            // SAFETY: the application registered `cb` for these arguments.
            unsafe { cb(user_data.ptr(), name.as_ptr(), json.as_ptr()) }
        }) as ActionCallback
    });
    // SAFETY: forwarded pointer contracts.
    unsafe {
        with_options(boundary!(name), options, error_out, |o| {
            o.callbacks.on_action = callback;
            Ok(())
        })
    }
}

/// Registers the MIDI-out callback (`NULL` removes it; MIDI output is then logged and
/// dropped). See `conductor_midi_out_callback_t`.
/// `finalizer` (may be `NULL`) is called with `user_data` once nothing uses it any more;
/// see `conductor_finalizer_t`.
///
/// Thread safety: must not race with any other use of the same options.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_options_set_midi_out_callback(
    options: *mut conductor_engine_options_t,
    callback: conductor_midi_out_callback_t,
    user_data: *mut c_void,
    finalizer: conductor_finalizer_t,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    let user_data = ForeignData::new(user_data, finalizer);
    let callback = callback.map(|cb| {
        Arc::new(move |bytes: &[u8], timestamp_us: u64| {
            // SAFETY: the application registered `cb` for these arguments.
            unsafe { cb(user_data.ptr(), bytes.as_ptr(), bytes.len(), timestamp_us) }
        }) as MidiOutCallback
    });
    // SAFETY: forwarded pointer contracts.
    unsafe {
        with_options(boundary!(name), options, error_out, |o| {
            o.callbacks.on_midi_out = callback;
            Ok(())
        })
    }
}

/// Registers the capability-approval callback (`NULL` removes it; ungranted
/// capabilities then refuse the load). See `conductor_approval_callback_t`.
/// `finalizer` (may be `NULL`) is called with `user_data` once nothing uses it any more;
/// see `conductor_finalizer_t`.
///
/// Thread safety: must not race with any other use of the same options.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_options_set_approval_callback(
    options: *mut conductor_engine_options_t,
    callback: conductor_approval_callback_t,
    user_data: *mut c_void,
    finalizer: conductor_finalizer_t,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    let user_data = ForeignData::new(user_data, finalizer);
    let callback = callback.map(|cb| {
        Arc::new(move |request: &ApprovalRequest| {
            let plugin = to_cstring(request.plugin.as_str());
            let path = to_cstring(request.path.display().to_string());
            let capability = to_c(request.capability);
            // SAFETY: the application registered `cb` for these arguments.
            unsafe { cb(user_data.ptr(), plugin.as_ptr(), path.as_ptr(), capability) }
        }) as ApprovalCallback
    });
    // SAFETY: forwarded pointer contracts.
    unsafe {
        with_options(boundary!(name), options, error_out, |o| {
            o.callbacks.approve = callback;
            Ok(())
        })
    }
}

/// Registers the callback told about mappings fired for pushed events (`NULL` removes
/// it). See `conductor_fired_callback_t`.
/// `finalizer` (may be `NULL`) is called with `user_data` once nothing uses it any more;
/// see `conductor_finalizer_t`.
///
/// Thread safety: must not race with any other use of the same options.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_options_set_fired_callback(
    options: *mut conductor_engine_options_t,
    callback: conductor_fired_callback_t,
    user_data: *mut c_void,
    finalizer: conductor_finalizer_t,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    let user_data = ForeignData::new(user_data, finalizer);
    let callback = callback.map(|cb| {
        Arc::new(move |fired: &Fired| {
            let fired = conductor_fired_t::from(fired);
            // SAFETY: the application registered `cb` for these arguments.
            unsafe { cb(user_data.ptr(), &fired) }
        }) as FiredCallback
    });
    // SAFETY: forwarded pointer contracts.
    unsafe {
        with_options(boundary!(name), options, error_out, |o| {
            o.callbacks.on_fired = callback;
            Ok(())
        })
    }
}

/// Registers the callback for plugins' SystemControl and Audio requests (`NULL`
/// removes it; such requests then fail in the plugin with "nobody handles it"). See
/// `conductor_host_request_callback_t`.
/// `finalizer` (may be `NULL`) is called with `user_data` once nothing uses it any more;
/// see `conductor_finalizer_t`.
///
/// Thread safety: must not race with any other use of the same options.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_options_set_host_request_callback(
    options: *mut conductor_engine_options_t,
    callback: conductor_host_request_callback_t,
    user_data: *mut c_void,
    finalizer: conductor_finalizer_t,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    let user_data = ForeignData::new(user_data, finalizer);
    let callback = callback.map(|cb| {
        Arc::new(move |request: &HostRequest| {
            let plugin = to_cstring(request.plugin.as_str());
            let json = to_cstring(request.data.to_string());
            let capability = to_c(request.capability);
            // SAFETY: the application registered `cb` for these arguments.
            if unsafe { cb(user_data.ptr(), plugin.as_ptr(), capability, json.as_ptr()) } {
                Ok(serde_json::Value::Null)
            } else {
                Err("the application refused the request".to_string())
            }
        }) as HostRequestCallback
    });
    // SAFETY: forwarded pointer contracts.
    unsafe {
        with_options(boundary!(name), options, error_out, |o| {
            o.callbacks.on_host_request = callback;
            Ok(())
        })
    }
}

/// Overrides the config's `[plugins] signature_policy` for every plugin the engine
/// loads (a `CONDUCTOR_SIGNATURE_POLICY_*` value; an unknown value fails with
/// `CONDUCTOR_ERROR_INVALID_ARGUMENT`).
///
/// Thread safety: must not race with any other use of the same options.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_options_set_signature_policy(
    options: *mut conductor_engine_options_t,
    policy: conductor_signature_policy_t,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    // SAFETY: forwarded pointer contracts.
    unsafe {
        with_options(boundary!(name), options, error_out, |o| {
            o.signature_policy = Some(signature_policy_from_c(policy)?);
            Ok(())
        })
    }
}
