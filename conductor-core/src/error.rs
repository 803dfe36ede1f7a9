//! The crate's one error type.
//!
//! Every front end (C, Python, CLI) maps [`Error::kind`] onto its own idiom — a status
//! code, an exception class, an exit code — and shows [`Error`]'s `Display` text, which
//! always names what went wrong and, where there is one, the fix.

use std::path::PathBuf;
use std::time::Duration;

/// Convenience alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A coarse classification of [`Error`], stable across versions, for front ends.
///
/// New kinds may be added in a minor version: match with a `_` arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The configuration could not be read or is invalid.
    Config = 1,
    /// A plugin could not be loaded (bad file, bad exports, bad imports, bad capabilities).
    PluginLoad = 2,
    /// A plugin ran and returned a non-zero code.
    PluginReturned = 3,
    /// A plugin used up its instruction budget.
    OutOfFuel = 4,
    /// A plugin hit its memory limit.
    MemoryLimit = 5,
    /// A plugin exceeded its wall-clock deadline.
    Timeout = 6,
    /// A plugin trapped (panic, memory fault, explicit exit).
    PluginTrap = 7,
    /// A plugin needs a capability that was not granted.
    CapabilityDenied = 8,
    /// A signature is missing, invalid or untrusted under the active policy.
    Signature = 9,
    /// MIDI parsing or MIDI port trouble.
    Midi = 10,
    /// A file could not be read or written.
    Io = 11,
    /// An argument from the caller is invalid.
    InvalidArgument = 12,
    /// The runtime itself could not start: a thread could not be spawned, or the
    /// WebAssembly engine could not be created. Nothing the caller passed is wrong;
    /// the system is out of a resource (threads, memory, address space).
    Runtime = 13,
    /// A plugin call was cancelled before it finished: by its canceller, or by the
    /// engine shutting down or reloading without the plugin. Not a crash.
    Cancelled = 14,
}

/// Everything that can go wrong in Conductor.
///
/// New variants may be added in a minor version: match with a `_` arm, or on
/// [`Error::kind`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is invalid. `line`/`column` are 1-based when known.
    #[error("{}", config_message(.path, *.line, *.column, .message))]
    Config {
        /// The config file, when it came from a file.
        path: Option<PathBuf>,
        /// 1-based line of the problem.
        line: Option<usize>,
        /// 1-based column of the problem.
        column: Option<usize>,
        /// What is wrong and how to fix it.
        message: String,
    },

    /// A plugin could not be loaded.
    #[error("cannot load plugin {plugin}: {reason}")]
    PluginLoad {
        /// The plugin's name (file stem) or path.
        plugin: String,
        /// Why, and what to do about it.
        reason: String,
    },

    /// The plugin's execute function returned a non-zero code.
    #[error("plugin {plugin} returned error code {code}")]
    PluginReturned {
        /// The plugin's name.
        plugin: String,
        /// The value the plugin returned.
        code: i32,
    },

    /// The plugin used its whole instruction budget.
    #[error(
        "plugin {plugin} ran out of fuel: it used its limit of {limit} instructions in one call \
         (raise `fuel` for this plugin, or move heavy work to init())"
    )]
    OutOfFuel {
        /// The plugin's name.
        plugin: String,
        /// The fuel limit per call.
        limit: u64,
    },

    /// The plugin tried to grow its memory past the limit.
    #[error(
        "plugin {plugin} exceeded its memory limit of {} MiB (raise `memory` for this plugin, \
         or use smaller buffers)", .limit_bytes / (1024 * 1024)
    )]
    MemoryLimit {
        /// The plugin's name.
        plugin: String,
        /// The limit in bytes.
        limit_bytes: u64,
    },

    /// The call ran past its wall-clock deadline.
    #[error("plugin {plugin} timed out after {} ms (raise `timeout_ms` for this plugin)", .limit.as_millis())]
    Timeout {
        /// The plugin's name.
        plugin: String,
        /// The deadline per call.
        limit: Duration,
    },

    /// The plugin trapped: a panic, a memory fault, an explicit exit.
    #[error("plugin {plugin} crashed: {message}")]
    PluginTrap {
        /// The plugin's name.
        plugin: String,
        /// The trap, as wasmtime reports it.
        message: String,
    },

    /// The plugin's call was cancelled before it finished: by
    /// [`PluginCanceller::cancel`](crate::plugin::PluginCanceller::cancel) (also
    /// `SharedPlugin::cancel`, `conductor_plugin_cancel` in C, `Plugin.cancel()` in
    /// Python), or by the engine, which cancels a plugin's running call when it shuts
    /// down or reloads without the plugin. The plugin did nothing wrong; its instance
    /// is dropped and its next call starts a fresh one.
    #[error(
        "plugin {plugin}: its call was cancelled (by its canceller: PluginCanceller::cancel, \
         conductor_plugin_cancel or Plugin.cancel() in Python; or by the engine shutting down \
         or reloading without it); its next call starts a fresh instance"
    )]
    Cancelled {
        /// The plugin's name.
        plugin: String,
    },

    /// A capability the plugin needs has not been granted.
    #[error(
        "plugin {plugin} needs the {capability} capability, which has not been granted: {how}"
    )]
    CapabilityDenied {
        /// The plugin's name.
        plugin: String,
        /// The missing capability (or capabilities), by name.
        capability: String,
        /// How to grant it.
        how: String,
    },

    /// A signature problem.
    #[error("signature check failed for {plugin}: {reason}")]
    Signature {
        /// The plugin file.
        plugin: String,
        /// What does not match, or what is missing.
        reason: String,
    },

    /// MIDI data or MIDI port trouble.
    #[error("MIDI: {0}")]
    Midi(String),

    /// A file could not be read or written.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },

    /// A caller passed something invalid.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),

    /// The runtime could not start (a thread, the WebAssembly engine).
    #[error("{0}")]
    Runtime(String),
}

fn config_message(
    path: &Option<PathBuf>,
    line: Option<usize>,
    column: Option<usize>,
    message: &str,
) -> String {
    let at = match (path, line, column) {
        (Some(p), Some(l), Some(c)) => format!("{}:{l}:{c}", p.display()),
        (Some(p), Some(l), None) => format!("{}:{l}", p.display()),
        (Some(p), None, _) => p.display().to_string(),
        (None, Some(l), Some(c)) => format!("line {l}, column {c}"),
        (None, Some(l), None) => format!("line {l}"),
        (None, None, _) => String::new(),
    };
    if at.is_empty() {
        format!("config error: {message}")
    } else {
        format!("config error at {at}: {message}")
    }
}

impl Error {
    /// The stable classification of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Config { .. } => ErrorKind::Config,
            Error::PluginLoad { .. } => ErrorKind::PluginLoad,
            Error::PluginReturned { .. } => ErrorKind::PluginReturned,
            Error::OutOfFuel { .. } => ErrorKind::OutOfFuel,
            Error::MemoryLimit { .. } => ErrorKind::MemoryLimit,
            Error::Timeout { .. } => ErrorKind::Timeout,
            Error::PluginTrap { .. } => ErrorKind::PluginTrap,
            Error::Cancelled { .. } => ErrorKind::Cancelled,
            Error::CapabilityDenied { .. } => ErrorKind::CapabilityDenied,
            Error::Signature { .. } => ErrorKind::Signature,
            Error::Midi(_) => ErrorKind::Midi,
            Error::Io { .. } => ErrorKind::Io,
            Error::InvalidArgument(_) => ErrorKind::InvalidArgument,
            Error::Runtime(_) => ErrorKind::Runtime,
        }
    }

    /// Shorthand for a config error without a position.
    pub fn config(message: impl Into<String>) -> Self {
        Error::Config {
            path: None,
            line: None,
            column: None,
            message: message.into(),
        }
    }

    /// Shorthand for a plugin load error.
    pub fn plugin_load(plugin: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::PluginLoad {
            plugin: plugin.into(),
            reason: reason.into(),
        }
    }

    /// Shorthand for an I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// The plugin code returned by the guest, for [`Error::PluginReturned`].
    pub fn plugin_code(&self) -> Option<i32> {
        match self {
            Error::PluginReturned { code, .. } => Some(*code),
            _ => None,
        }
    }
}
