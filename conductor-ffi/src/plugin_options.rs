//! `conductor_plugin_options_t`: limits, grants and names for loading one plugin.

use std::ffi::c_char;
use std::path::PathBuf;
use std::time::Duration;

use conductor_core::plugin::signing::SignaturePolicy;
use conductor_core::plugin::PluginOptions;

use crate::boundary::{boundary, guard, handle_mut, optional_text, text, FfiResult};
use crate::capability::{conductor_capability_t, from_c};
use crate::error::conductor_error_t;
use crate::status::conductor_status_t;

/// What loading does with unsigned plugins and keys missing from the trust store, one
/// of the `CONDUCTOR_SIGNATURE_POLICY_*` values. A signature that is present but
/// invalid refuses the load under every policy.
pub type conductor_signature_policy_t = u32;

/// Unsigned plugins and untrusted keys load silently.
pub const CONDUCTOR_SIGNATURE_POLICY_ALLOW: conductor_signature_policy_t = 0;
/// Unsigned plugins and untrusted keys load, with a warning in the log (the default).
pub const CONDUCTOR_SIGNATURE_POLICY_WARN: conductor_signature_policy_t = 1;
/// Only plugins signed by a key in the trust store load.
pub const CONDUCTOR_SIGNATURE_POLICY_REQUIRE: conductor_signature_policy_t = 2;

/// How to load one plugin: resource limits per call, approved capabilities, its data
/// folder and display name. Starts with the defaults: 100,000,000 instructions,
/// 128 MiB of memory and a 5 s deadline per call, 64 KiB of output per call and
/// stream, only the low-risk capabilities (Network, Audio, Midi) granted, and the
/// `CONDUCTOR_SIGNATURE_POLICY_WARN` signature policy.
///
/// Thread safety: not synchronised; set it up on one thread, then pass it
/// (read-only) to `conductor_plugin_host_load`, which copies it.
#[derive(Debug, Default)]
pub struct conductor_plugin_options_t {
    pub(crate) options: PluginOptions,
}

/// Creates plugin options holding the defaults. Free them with
/// `conductor_plugin_options_delete`. Returns `NULL` only if the library failed
/// internally.
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn conductor_plugin_options_new() -> *mut conductor_plugin_options_t {
    boundary!(new conductor_plugin_options_t::default())
}

/// Frees plugin options. `NULL` is ignored.
///
/// Thread safety: must not race with any other use of the same options.
#[no_mangle]
pub unsafe extern "C" fn conductor_plugin_options_delete(options: *mut conductor_plugin_options_t) {
    boundary!(delete options)
}

/// Runs `f` on the options behind `options` for the C function `function`.
unsafe fn with_options(
    function: &'static str,
    options: *mut conductor_plugin_options_t,
    error_out: *mut *mut conductor_error_t,
    f: impl FnOnce(&mut PluginOptions) -> FfiResult<()>,
) -> conductor_status_t {
    guard(function, error_out, || {
        // SAFETY: the caller passes NULL or live options used by no other thread.
        let options = unsafe { handle_mut(options, "options") }?;
        f(&mut options.options)
    })
}

/// Sets the instruction budget (wasmtime fuel) per call. A call that uses it up fails
/// with `CONDUCTOR_ERROR_OUT_OF_FUEL`. 0 is refused when the plugin loads
/// (`CONDUCTOR_ERROR_INVALID_ARGUMENT` naming `fuel` and its range), as in a config.
///
/// Thread safety: must not race with any other use of the same options.
#[no_mangle]
pub unsafe extern "C" fn conductor_plugin_options_set_fuel(
    options: *mut conductor_plugin_options_t,
    fuel: u64,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    // SAFETY: forwarded pointer contracts.
    unsafe {
        with_options(boundary!(name), options, error_out, |o| {
            o.limits.fuel = fuel;
            Ok(())
        })
    }
}

/// Sets the plugin's linear-memory cap in bytes. Growing past it fails inside the
/// plugin; a call that traps because of it fails with `CONDUCTOR_ERROR_MEMORY_LIMIT`.
/// Less than one 64 KiB WebAssembly page is refused when the plugin loads.
///
/// Thread safety: must not race with any other use of the same options.
#[no_mangle]
pub unsafe extern "C" fn conductor_plugin_options_set_memory_bytes(
    options: *mut conductor_plugin_options_t,
    memory_bytes: u64,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    // SAFETY: forwarded pointer contracts.
    unsafe {
        with_options(boundary!(name), options, error_out, |o| {
            o.limits.memory_bytes = memory_bytes;
            Ok(())
        })
    }
}

/// Sets the wall-clock deadline per call, in milliseconds. A call that runs past it
/// fails with `CONDUCTOR_ERROR_TIMEOUT`. 0 is refused when the plugin loads.
///
/// Thread safety: must not race with any other use of the same options.
#[no_mangle]
pub unsafe extern "C" fn conductor_plugin_options_set_timeout_ms(
    options: *mut conductor_plugin_options_t,
    timeout_ms: u64,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    // SAFETY: forwarded pointer contracts.
    unsafe {
        with_options(boundary!(name), options, error_out, |o| {
            o.limits.timeout = Duration::from_millis(timeout_ms);
            Ok(())
        })
    }
}

/// Sets how many bytes of stdout, and of stderr, a plugin may print per call before
/// the rest is dropped with a marker line.
///
/// Thread safety: must not race with any other use of the same options.
#[no_mangle]
pub unsafe extern "C" fn conductor_plugin_options_set_output_bytes_per_call(
    options: *mut conductor_plugin_options_t,
    bytes: usize,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    // SAFETY: forwarded pointer contracts.
    unsafe {
        with_options(boundary!(name), options, error_out, |o| {
            o.limits.output_bytes_per_call = bytes;
            Ok(())
        })
    }
}

/// Sets how many bytes one call may return through `conductor.output_set` (default 1
/// MiB). A larger output is refused inside the plugin (the host function returns the
/// "too large" code). More than 64 MiB is refused when the plugin loads.
///
/// Thread safety: must not race with any other use of the same options.
#[no_mangle]
pub unsafe extern "C" fn conductor_plugin_options_set_max_output_bytes(
    options: *mut conductor_plugin_options_t,
    bytes: usize,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    // SAFETY: forwarded pointer contracts.
    unsafe {
        with_options(boundary!(name), options, error_out, |o| {
            o.limits.max_output_bytes = bytes;
            Ok(())
        })
    }
}

/// Sets how many bytes the plugin's host-kept variables (`conductor.var_set`) may take,
/// keys and values together (default 1 MiB). A `var_set` past it is refused inside the
/// plugin. More than 64 MiB is refused when the plugin loads.
///
/// Thread safety: must not race with any other use of the same options.
#[no_mangle]
pub unsafe extern "C" fn conductor_plugin_options_set_max_var_bytes(
    options: *mut conductor_plugin_options_t,
    bytes: usize,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    // SAFETY: forwarded pointer contracts.
    unsafe {
        with_options(boundary!(name), options, error_out, |o| {
            o.limits.max_var_bytes = bytes;
            Ok(())
        })
    }
}

/// Sets the static configuration value `key` (`key_len` bytes of UTF-8) to `value`
/// (`value_len` bytes of UTF-8), which the plugin reads with `conductor.config_get`:
/// keys, URLs and secrets given without rebuilding it. `value == NULL` removes the
/// key.
///
/// Thread safety: must not race with any other use of the same options.
#[no_mangle]
pub unsafe extern "C" fn conductor_plugin_options_set_config(
    options: *mut conductor_plugin_options_t,
    key: *const c_char,
    key_len: usize,
    value: *const c_char,
    value_len: usize,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    // SAFETY: forwarded pointer contracts.
    unsafe {
        with_options(boundary!(name), options, error_out, |o| {
            let key = text(key, key_len, "key")?.to_string();
            match optional_text(value, value_len, "value")? {
                Some(value) => o.services.config.insert(key, value.to_string()),
                None => o.services.config.remove(&key),
            };
            Ok(())
        })
    }
}

/// Approves `capability` (a `CONDUCTOR_CAPABILITY_*` value) for the plugin. Low-risk
/// capabilities are always granted; Filesystem, Subprocess and SystemControl load only
/// when approved here. An unknown value fails with `CONDUCTOR_ERROR_INVALID_ARGUMENT`.
///
/// Thread safety: must not race with any other use of the same options.
#[no_mangle]
pub unsafe extern "C" fn conductor_plugin_options_grant(
    options: *mut conductor_plugin_options_t,
    capability: conductor_capability_t,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    // SAFETY: forwarded pointer contracts.
    unsafe {
        with_options(boundary!(name), options, error_out, |o| {
            o.grants = o.grants.with(from_c(capability)?);
            Ok(())
        })
    }
}

/// Sets the folder mounted at `/` when Filesystem is granted (`path`, `path_len` bytes
/// of UTF-8; created if missing). `path == NULL` restores the default: the plugin's
/// own folder under the host's data root.
///
/// Thread safety: must not race with any other use of the same options.
#[no_mangle]
pub unsafe extern "C" fn conductor_plugin_options_set_data_dir(
    options: *mut conductor_plugin_options_t,
    path: *const c_char,
    path_len: usize,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    // SAFETY: forwarded pointer contracts.
    unsafe {
        with_options(boundary!(name), options, error_out, |o| {
            o.data_dir = optional_text(path, path_len, "path")?.map(PathBuf::from);
            Ok(())
        })
    }
}

/// Sets the name used for the plugin in log lines and errors (`name`, `name_len` bytes
/// of UTF-8). `name == NULL` restores the default: the file name without `.wasm`.
///
/// Thread safety: must not race with any other use of the same options.
#[no_mangle]
pub unsafe extern "C" fn conductor_plugin_options_set_name(
    options: *mut conductor_plugin_options_t,
    name: *const c_char,
    name_len: usize,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    // SAFETY: forwarded pointer contracts.
    unsafe {
        with_options(boundary!(name), options, error_out, |o| {
            o.name = optional_text(name, name_len, "name")?.map(str::to_string);
            Ok(())
        })
    }
}

/// Sets the signature policy (a `CONDUCTOR_SIGNATURE_POLICY_*` value). Under
/// `CONDUCTOR_SIGNATURE_POLICY_REQUIRE`, loading an unsigned plugin fails with
/// `CONDUCTOR_ERROR_SIGNATURE`. An unknown value fails with
/// `CONDUCTOR_ERROR_INVALID_ARGUMENT`.
///
/// Thread safety: must not race with any other use of the same options.
#[no_mangle]
pub unsafe extern "C" fn conductor_plugin_options_set_signature_policy(
    options: *mut conductor_plugin_options_t,
    policy: conductor_signature_policy_t,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    // SAFETY: forwarded pointer contracts.
    unsafe {
        with_options(boundary!(name), options, error_out, |o| {
            o.signature_policy = signature_policy_from_c(policy)?;
            Ok(())
        })
    }
}

/// The core policy for a `CONDUCTOR_SIGNATURE_POLICY_*` value.
pub(crate) fn signature_policy_from_c(
    policy: conductor_signature_policy_t,
) -> FfiResult<SignaturePolicy> {
    match policy {
        CONDUCTOR_SIGNATURE_POLICY_ALLOW => Ok(SignaturePolicy::Allow),
        CONDUCTOR_SIGNATURE_POLICY_WARN => Ok(SignaturePolicy::Warn),
        CONDUCTOR_SIGNATURE_POLICY_REQUIRE => Ok(SignaturePolicy::Require),
        other => Err(conductor_error_t::invalid_argument(format!(
            "{other} is not a signature policy; use CONDUCTOR_SIGNATURE_POLICY_ALLOW, \
             _WARN or _REQUIRE"
        ))),
    }
}
