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

/// The application's `user_data`, passed back untouched. The application promises it
/// may be used from any thread (the header says so on every callback setter).
#[derive(Debug, Clone, Copy)]
pub(crate) struct UserData(pub(crate) *mut c_void);

impl UserData {
    /// The pointer. A method rather than `.0`, so closures capture the whole `Send`
    /// wrapper instead of the bare pointer field.
    pub(crate) fn ptr(self) -> *mut c_void {
        self.0
    }
}

// SAFETY: the pointer is only handed back to the application's own callbacks, whose
// documented contract is to be callable from any thread.
unsafe impl Send for UserData {}
// SAFETY: as above.
unsafe impl Sync for UserData {}

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
