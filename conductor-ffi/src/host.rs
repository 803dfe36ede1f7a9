//! `conductor_host_config_t` (settings shared by every plugin) and
//! `conductor_plugin_host_t` (the sandbox plugins run in).

use std::ffi::{c_char, c_void};
use std::path::PathBuf;
use std::sync::Arc;

use conductor_core::log::default_sink;
use conductor_core::plugin::{HostConfig, PluginHost};

use crate::boundary::{boundary, handle, handle_mut, optional_text, out};
use crate::error::conductor_error_t;
use crate::log::{conductor_finalizer_t, conductor_log_callback_t, CallbackSink, ForeignData};
use crate::status::conductor_status_t;

/// Settings shared by every plugin a host runs: the compiled-module cache, the root of
/// the plugins' data folders and where log lines go. Starts with the defaults (cache
/// and data folders under the user's directories, log lines on stderr).
///
/// Thread safety: a config is not synchronised; set it up on one thread, then pass it
/// (read-only) to `conductor_plugin_host_new` or `conductor_engine_options_set_host_config`,
/// which copy it.
#[derive(Debug, Default)]
pub struct conductor_host_config_t {
    pub(crate) config: HostConfig,
}

/// The sandbox plugins run in: one WebAssembly engine, module cache and clock shared by
/// every plugin loaded through it. Plugins keep the host alive, so the host may be
/// deleted before them.
///
/// Thread safety: all functions taking a host may be called from any thread,
/// concurrently, except `conductor_plugin_host_delete`.
pub struct conductor_plugin_host_t {
    pub(crate) host: PluginHost,
}

/// Creates a host config holding the defaults. Free it with
/// `conductor_host_config_delete`. Returns `NULL` only if the library failed internally.
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn conductor_host_config_new() -> *mut conductor_host_config_t {
    boundary!(new conductor_host_config_t::default())
}

/// Frees a host config. `NULL` is ignored. Hosts and engine options made from it keep
/// their own copy.
///
/// Thread safety: must not race with any other use of the same config.
#[no_mangle]
pub unsafe extern "C" fn conductor_host_config_delete(config: *mut conductor_host_config_t) {
    boundary!(delete config)
}

/// Sets the folder where compiled plugins are cached on disk (`path`, `path_len` bytes
/// of UTF-8). `path == NULL` disables the disk cache.
///
/// Thread safety: must not race with any other use of the same config.
#[no_mangle]
pub unsafe extern "C" fn conductor_host_config_set_cache_dir(
    config: *mut conductor_host_config_t,
    path: *const c_char,
    path_len: usize,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    boundary!(call error_out, || {
        // SAFETY: pointer contracts documented above.
        let config = unsafe { handle_mut(config, "config") }?;
        let path = unsafe { optional_text(path, path_len, "path") }?;
        config.config.cache_dir = path.map(PathBuf::from);
        Ok(())
    })
}

/// Sets the root of the per-plugin data folders that plugins granted Filesystem see at
/// `/` (default: `~/.local/share/conductor/plugin-data/` on Linux, honouring
/// `XDG_DATA_HOME`). `path == NULL` means no root: plugins that need Filesystem then
/// fail to load unless their options name a data folder.
///
/// Thread safety: must not race with any other use of the same config.
#[no_mangle]
pub unsafe extern "C" fn conductor_host_config_set_data_root(
    config: *mut conductor_host_config_t,
    path: *const c_char,
    path_len: usize,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    boundary!(call error_out, || {
        // SAFETY: pointer contracts documented above.
        let config = unsafe { handle_mut(config, "config") }?;
        let path = unsafe { optional_text(path, path_len, "path") }?;
        config.config.data_root = path.map(PathBuf::from);
        Ok(())
    })
}

/// Sets the trust store file consulted for signed plugins (`path`, `path_len` bytes of
/// UTF-8; default `~/.conductor/trusted_keys.toml`). It is read at each load, so keys
/// added meanwhile apply at once. `path == NULL` means no trusted keys.
///
/// Thread safety: must not race with any other use of the same config.
#[no_mangle]
pub unsafe extern "C" fn conductor_host_config_set_trust_store(
    config: *mut conductor_host_config_t,
    path: *const c_char,
    path_len: usize,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    boundary!(call error_out, || {
        // SAFETY: pointer contracts documented above.
        let config = unsafe { handle_mut(config, "config") }?;
        let path = unsafe { optional_text(path, path_len, "path") }?;
        config.config.trust_store = path.map(PathBuf::from);
        Ok(())
    })
}

/// Sends every log line (host messages and plugin output) to `callback` with
/// `user_data`, instead of stderr. `callback == NULL` restores stderr.
///
/// `user_data` must stay valid, and `callback` callable from any thread, until
/// `finalizer` (if not `NULL`) is called with it: once this config and every host,
/// plugin and engine made with it have been deleted. See `conductor_finalizer_t`.
///
/// Thread safety: must not race with any other use of the same config.
#[no_mangle]
pub unsafe extern "C" fn conductor_host_config_set_log_callback(
    config: *mut conductor_host_config_t,
    callback: conductor_log_callback_t,
    user_data: *mut c_void,
    finalizer: conductor_finalizer_t,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    let user_data = ForeignData::new(user_data, finalizer);
    boundary!(call error_out, || {
        // SAFETY: pointer contract documented above.
        let config = unsafe { handle_mut(config, "config") }?;
        config.config.log_sink = match callback {
            Some(callback) => Arc::new(CallbackSink {
                callback,
                user_data,
            }),
            None => default_sink(),
        };
        Ok(())
    })
}

/// Creates a plugin host from `config` (copied; `NULL` means the defaults) and stores
/// it in `*host_out` (set to `NULL` on failure). Free it with
/// `conductor_plugin_host_delete`.
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub unsafe extern "C" fn conductor_plugin_host_new(
    config: *const conductor_host_config_t,
    host_out: *mut *mut conductor_plugin_host_t,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    boundary!(call error_out, || {
        // SAFETY: pointer contracts documented above.
        let slot = unsafe { out(host_out, "host_out") }?;
        *slot = std::ptr::null_mut();
        let config = if config.is_null() {
            HostConfig::default()
        } else {
            unsafe { handle(config, "config") }?.config.clone()
        };
        let host = PluginHost::new(config)?;
        *slot = Box::into_raw(Box::new(conductor_plugin_host_t { host }));
        Ok(())
    })
}

/// Frees a plugin host. `NULL` is ignored. Plugins and engines using it keep it alive
/// until they are deleted too.
///
/// Thread safety: must not race with any other use of the same host handle.
#[no_mangle]
pub unsafe extern "C" fn conductor_plugin_host_delete(host: *mut conductor_plugin_host_t) {
    boundary!(delete host)
}
