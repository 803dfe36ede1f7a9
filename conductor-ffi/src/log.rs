//! Log lines from the host and from plugins, delivered to a C callback.

use std::ffi::{c_char, c_void};

use conductor_core::log::{LogLevel, LogRecord, LogSink, LogSource};

use crate::string::to_cstring;

/// Severity of a log line.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum conductor_log_level_t {
    /// Fine-grained tracing: what fired, which plugin, how long it took.
    CONDUCTOR_LOG_DEBUG = 0,
    /// Normal operation, and every line a plugin prints.
    CONDUCTOR_LOG_INFO = 1,
    /// Something to look at; the engine carries on.
    CONDUCTOR_LOG_WARN = 2,
    /// An action failed; the engine carries on.
    CONDUCTOR_LOG_ERROR = 3,
}

/// Where a log line came from.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum conductor_log_source_t {
    /// The host itself (`plugin` is `NULL`).
    CONDUCTOR_LOG_SOURCE_HOST = 0,
    /// A line a plugin wrote to stdout.
    CONDUCTOR_LOG_SOURCE_PLUGIN_STDOUT = 1,
    /// A line a plugin wrote to stderr (`eprintln!` in the plugin guide's examples).
    CONDUCTOR_LOG_SOURCE_PLUGIN_STDERR = 2,
}

/// Receives one log line.
///
/// * `level`: severity.
/// * `source`: the host, or a plugin's stdout or stderr.
/// * `plugin`: the plugin's name, or `NULL` for host lines.
/// * `message`: the line without its trailing newline.
///
/// Both strings are NUL-terminated UTF-8 borrowed for the duration of the call; copy
/// them to keep them. Called from whichever thread produced the line (the engine
/// thread, a thread calling `conductor_engine_process`, a plugin's worker, the thread
/// calling a `conductor_plugin_t`), possibly from several threads at once, so it must
/// be thread-safe. It must not unwind or `longjmp` out. It may call into the engine
/// that is logging, as the engine's callbacks may (see `conductor_engine_t`), but must
/// not call the `conductor_plugin_t` whose output it is receiving (calls to one plugin
/// are serialised: it would wait for itself).
pub type conductor_log_callback_t = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        level: conductor_log_level_t,
        source: conductor_log_source_t,
        plugin: *const c_char,
        message: *const c_char,
    ),
>;

/// Called once with a callback's `user_data` when the library no longer uses it, so the
/// application knows when it may free it (as wasmtime's `wasmtime_func_new` finalizer).
///
/// It runs when the last object holding the callback is deleted or the callback is
/// replaced: the options or host config it was set on, and every engine, plugin host
/// and plugin built from them (they keep their own copy). If the setter fails, or the
/// callback is `NULL`, it runs before the setter returns. It may run on any thread (the
/// one deleting the last holder, or an engine thread), must not unwind or `longjmp`
/// out, and must not call back into the library object being deleted. `NULL`: nothing
/// to call.
pub type conductor_finalizer_t = Option<unsafe extern "C" fn(user_data: *mut c_void)>;

/// The application's `user_data` with its finalizer, shared by every copy of the
/// callback that uses it; the finalizer runs when the last copy is dropped. The
/// application promises the pointer may be used from any thread (the header says so on
/// every callback setter).
#[derive(Debug)]
pub(crate) struct ForeignData {
    ptr: *mut c_void,
    finalizer: conductor_finalizer_t,
}

/// A callback's `user_data`, shared by the copies of the callback.
pub(crate) type UserData = std::sync::Arc<ForeignData>;

impl ForeignData {
    /// Wraps `ptr`; `finalizer` runs when the last copy is dropped.
    pub(crate) fn new(ptr: *mut c_void, finalizer: conductor_finalizer_t) -> UserData {
        std::sync::Arc::new(ForeignData { ptr, finalizer })
    }

    /// The pointer, passed back to the application's callback untouched.
    pub(crate) fn ptr(&self) -> *mut c_void {
        self.ptr
    }
}

impl Drop for ForeignData {
    fn drop(&mut self) {
        if let Some(finalizer) = self.finalizer {
            // SAFETY: the application gave this finalizer for this pointer; it is called
            // once, after the last use of the pointer.
            unsafe { finalizer(self.ptr) }
        }
    }
}

// SAFETY: the pointer is only handed back to the application's own callbacks and
// finalizer, whose documented contract is to be callable from any thread.
unsafe impl Send for ForeignData {}
// SAFETY: as above.
unsafe impl Sync for ForeignData {}

/// A [`LogSink`] that forwards each line to a C callback.
pub(crate) struct CallbackSink {
    pub(crate) callback: unsafe extern "C" fn(
        *mut c_void,
        conductor_log_level_t,
        conductor_log_source_t,
        *const c_char,
        *const c_char,
    ),
    pub(crate) user_data: UserData,
}

impl LogSink for CallbackSink {
    fn log(&self, record: &LogRecord<'_>) {
        let level = match record.level {
            LogLevel::Debug => conductor_log_level_t::CONDUCTOR_LOG_DEBUG,
            LogLevel::Info => conductor_log_level_t::CONDUCTOR_LOG_INFO,
            LogLevel::Warn => conductor_log_level_t::CONDUCTOR_LOG_WARN,
            LogLevel::Error => conductor_log_level_t::CONDUCTOR_LOG_ERROR,
        };
        let source = match record.source {
            LogSource::Host => conductor_log_source_t::CONDUCTOR_LOG_SOURCE_HOST,
            LogSource::PluginStdout(_) => {
                conductor_log_source_t::CONDUCTOR_LOG_SOURCE_PLUGIN_STDOUT
            }
            LogSource::PluginStderr(_) => {
                conductor_log_source_t::CONDUCTOR_LOG_SOURCE_PLUGIN_STDERR
            }
        };
        let plugin = record.source.plugin().map(to_cstring);
        let message = to_cstring(record.message);
        // SAFETY: the application registered this callback for exactly these arguments.
        unsafe {
            (self.callback)(
                self.user_data.ptr(),
                level,
                source,
                plugin.as_ref().map_or(std::ptr::null(), |p| p.as_ptr()),
                message.as_ptr(),
            )
        }
    }
}
