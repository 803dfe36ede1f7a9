//! `conductor_plugin_t`: one sandboxed plugin, loaded and called directly, without the
//! mapping engine.

use std::ffi::c_char;

use conductor_core::plugin::{PluginOptions, SharedPlugin};

use crate::boundary::{boundary, bytes, guard, handle, out, text, FfiResult};
use crate::capability::mask;
use crate::error::conductor_error_t;
use crate::host::conductor_plugin_host_t;
use crate::plugin_options::conductor_plugin_options_t;
use crate::status::conductor_status_t;
use crate::string::{owned_bytes, owned_string};

/// A loaded plugin with its persistent instance: guest state survives between calls,
/// and after a trap a fresh instance (with `init`) serves the next call.
///
/// Thread safety: every function taking a plugin may be called from any thread; calls
/// on one plugin are serialised (a second caller waits for the first). Only
/// `conductor_plugin_delete` must not race with other calls.
pub struct conductor_plugin_t {
    plugin: SharedPlugin,
}

/// Loads the plugin at `path` (`path_len` bytes of UTF-8) on `host`: compiles it (or
/// takes it from the cache), reads its declared capabilities, checks them against the
/// grants in `options` (`NULL` means the defaults) and calls its `init`. Stores the
/// plugin in `*plugin_out` (set to `NULL` on failure); free it with
/// `conductor_plugin_delete`.
///
/// Fails with `CONDUCTOR_ERROR_PLUGIN_LOAD` (unreadable file, not WebAssembly, missing
/// exports, forbidden imports), `CONDUCTOR_ERROR_CAPABILITY_DENIED` (the message names
/// the missing grant), `CONDUCTOR_ERROR_SIGNATURE`, or a limit error from `init`.
///
/// Thread safety: may be called from any thread, concurrently with other loads.
#[no_mangle]
pub unsafe extern "C" fn conductor_plugin_host_load(
    host: *const conductor_plugin_host_t,
    path: *const c_char,
    path_len: usize,
    options: *const conductor_plugin_options_t,
    plugin_out: *mut *mut conductor_plugin_t,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    boundary!(call error_out, || {
        // SAFETY: pointer contracts documented above.
        let slot = unsafe { out(plugin_out, "plugin_out") }?;
        *slot = std::ptr::null_mut();
        let host = unsafe { handle(host, "host") }?;
        let path = unsafe { text(path, path_len, "path") }?;
        let options = if options.is_null() {
            PluginOptions::default()
        } else {
            unsafe { handle(options, "options") }?.options.clone()
        };
        let plugin = host.host.load(path, options)?;
        *slot = Box::into_raw(Box::new(conductor_plugin_t {
            plugin: SharedPlugin::new(plugin),
        }));
        Ok(())
    })
}

/// Runs `f` on the plugin behind `plugin` for the C function `function`.
unsafe fn with_plugin(
    function: &'static str,
    plugin: *const conductor_plugin_t,
    error_out: *mut *mut conductor_error_t,
    f: impl FnOnce(&SharedPlugin) -> FfiResult<()>,
) -> conductor_status_t {
    guard(function, error_out, || {
        // SAFETY: the caller passes NULL or a live plugin.
        let plugin = unsafe { handle(plugin, "plugin") }?;
        f(&plugin.plugin)
    })
}

/// Calls the plugin's `execute` with `params` (`params_len` bytes, normally a JSON
/// object such as `{"message": "Hello"}`). Plugins that export only
/// `execute_with_context` receive `{}` as context. The plugin's stdout and stderr go
/// to the host's log callback.
///
/// Fails with `CONDUCTOR_ERROR_PLUGIN_RETURNED` when the plugin returns non-zero
/// (`conductor_error_plugin_code` gives the code), `CONDUCTOR_ERROR_OUT_OF_FUEL`,
/// `CONDUCTOR_ERROR_MEMORY_LIMIT`, `CONDUCTOR_ERROR_TIMEOUT`,
/// `CONDUCTOR_ERROR_PLUGIN_TRAP`, `CONDUCTOR_ERROR_CANCELLED` (see
/// `conductor_plugin_cancel`), or `CONDUCTOR_ERROR_INVALID_ARGUMENT` after
/// `conductor_plugin_shutdown`.
///
/// Thread safety: may be called from any thread; calls on one plugin are serialised.
/// Blocks for as long as the plugin runs (at most its deadline).
#[no_mangle]
pub unsafe extern "C" fn conductor_plugin_execute(
    plugin: *const conductor_plugin_t,
    params: *const u8,
    params_len: usize,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    // SAFETY: forwarded pointer contracts.
    unsafe {
        with_plugin(boundary!(name), plugin, error_out, |p| {
            let params = bytes(params, params_len, "params")?;
            Ok(p.execute(params)?)
        })
    }
}

/// Calls the plugin's `execute_with_context` with `params` and `context` (JSON such
/// as `{"velocity": 100, "mode": 0}`), or its `execute` with `params` alone when that
/// is all it exports. Errors as for `conductor_plugin_execute`.
///
/// Thread safety: may be called from any thread; calls on one plugin are serialised.
#[no_mangle]
pub unsafe extern "C" fn conductor_plugin_execute_with_context(
    plugin: *const conductor_plugin_t,
    params: *const u8,
    params_len: usize,
    context: *const u8,
    context_len: usize,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    // SAFETY: forwarded pointer contracts.
    unsafe {
        with_plugin(boundary!(name), plugin, error_out, |p| {
            let params = bytes(params, params_len, "params")?;
            let context = bytes(context, context_len, "context")?;
            Ok(p.execute_with_context(params, context)?)
        })
    }
}

/// Calls the plugin and hands back what the call returned through
/// `conductor.output_set` (at most the plugin's `max_output_bytes`). With `context ==
/// NULL` this calls `execute(params)` as `conductor_plugin_execute` does; otherwise
/// `execute_with_context(params, context)` as `conductor_plugin_execute_with_context`
/// does (a `NULL` context with a non-zero `context_len` is refused).
///
/// On success `*output_out` holds a caller-owned buffer of `*output_len_out` bytes
/// (free it with `conductor_bytes_delete(ptr, len)`), or `NULL` and 0 when the call
/// returned nothing. On failure both are set to `NULL` and 0. Errors as for
/// `conductor_plugin_execute`.
///
/// Thread safety: may be called from any thread; calls on one plugin are serialised.
/// Blocks for as long as the plugin runs (at most its deadline).
#[no_mangle]
pub unsafe extern "C" fn conductor_plugin_call(
    plugin: *const conductor_plugin_t,
    params: *const u8,
    params_len: usize,
    context: *const u8,
    context_len: usize,
    output_out: *mut *mut u8,
    output_len_out: *mut usize,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    // SAFETY: forwarded pointer contracts.
    unsafe {
        with_plugin(boundary!(name), plugin, error_out, |p| {
            let output_slot = out(output_out, "output_out")?;
            *output_slot = std::ptr::null_mut();
            let len_slot = out(output_len_out, "output_len_out")?;
            *len_slot = 0;
            let params = bytes(params, params_len, "params")?;
            let context = if context.is_null() && context_len == 0 {
                None
            } else {
                Some(bytes(context, context_len, "context")?)
            };
            let output = p.invoke(params, context)?;
            (*output_slot, *len_slot) = owned_bytes(output);
            Ok(())
        })
    }
}

/// Cancels the plugin's call running on another thread: it stops at its next loop
/// iteration or function call and fails with `CONDUCTOR_ERROR_CANCELLED` (not a crash;
/// `conductor_error_plugin` names the plugin); the next call gets a fresh instance.
/// Does nothing when no call is running (a cancel never reaches a call that starts
/// after it). Returns at once, without waiting for the call.
///
/// Thread safety: may be called from any thread, also while a call holds the plugin
/// (it does not wait for it). Must not race with `conductor_plugin_delete`.
#[no_mangle]
pub unsafe extern "C" fn conductor_plugin_cancel(
    plugin: *const conductor_plugin_t,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    // SAFETY: forwarded pointer contracts.
    unsafe {
        with_plugin(boundary!(name), plugin, error_out, |p| {
            p.cancel();
            Ok(())
        })
    }
}

/// Stores the capabilities the plugin declared (through its `capabilities()` export)
/// in `*capabilities_out` as a mask: bit `1u << CONDUCTOR_CAPABILITY_NETWORK` and so on.
///
/// Thread safety: may be called from any thread; calls on one plugin are serialised.
#[no_mangle]
pub unsafe extern "C" fn conductor_plugin_capabilities(
    plugin: *const conductor_plugin_t,
    capabilities_out: *mut u32,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    // SAFETY: forwarded pointer contracts.
    unsafe {
        with_plugin(boundary!(name), plugin, error_out, |p| {
            *out(capabilities_out, "capabilities_out")? = mask(p.capabilities());
            Ok(())
        })
    }
}

/// Stores a copy of the plugin's name (as used in log lines and errors) in
/// `*name_out`. The caller owns it: free it with `conductor_string_delete`.
///
/// Thread safety: may be called from any thread; calls on one plugin are serialised.
#[no_mangle]
pub unsafe extern "C" fn conductor_plugin_name(
    plugin: *const conductor_plugin_t,
    name_out: *mut *mut c_char,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    // SAFETY: forwarded pointer contracts.
    unsafe {
        with_plugin(boundary!(name), plugin, error_out, |p| {
            *out(name_out, "name_out")? = owned_string(p.name());
            Ok(())
        })
    }
}

/// Calls the plugin's `shutdown` export (once: later calls succeed and do nothing) and
/// releases its instance. Afterwards `conductor_plugin_execute` fails; the handle must
/// still be freed with `conductor_plugin_delete`.
///
/// Thread safety: may be called from any thread; calls on one plugin are serialised.
#[no_mangle]
pub unsafe extern "C" fn conductor_plugin_shutdown(
    plugin: *const conductor_plugin_t,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    // SAFETY: forwarded pointer contracts.
    unsafe { with_plugin(boundary!(name), plugin, error_out, |p| Ok(p.shutdown()?)) }
}

/// Frees a plugin, calling its `shutdown` export first if `conductor_plugin_shutdown`
/// has not (an error from it goes to the log). `NULL` is ignored. The plugin's name and
/// capabilities stay readable after `conductor_plugin_shutdown`.
///
/// Thread safety: must not race with any other use of the same plugin.
#[no_mangle]
pub unsafe extern "C" fn conductor_plugin_delete(plugin: *mut conductor_plugin_t) {
    boundary!(delete plugin)
}
