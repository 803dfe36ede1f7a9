//! Lines in Conductor's log under the plugin's name, at a level. Always available (no
//! capability needed).

use crate::sys;

/// A log level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Fine-grained detail.
    Debug,
    /// Normal operation.
    Info,
    /// Something to look at.
    Warn,
    /// Something failed.
    Error,
}

impl Level {
    fn number(self) -> i32 {
        match self {
            Level::Debug => sys::level::DEBUG,
            Level::Info => sys::level::INFO,
            Level::Warn => sys::level::WARN,
            Level::Error => sys::level::ERROR,
        }
    }
}

/// Writes `message` to the host's log at `level`.
pub fn log(level: Level, message: impl AsRef<str>) {
    let message = message.as_ref();
    // SAFETY: the pointer and length describe `message`, alive for the call.
    unsafe {
        sys::log(level.number(), message.as_ptr(), message.len());
    }
}

/// Logs at debug level.
pub fn debug(message: impl AsRef<str>) {
    log(Level::Debug, message)
}

/// Logs at info level.
pub fn info(message: impl AsRef<str>) {
    log(Level::Info, message)
}

/// Logs at warn level.
pub fn warn(message: impl AsRef<str>) {
    log(Level::Warn, message)
}

/// Logs at error level.
pub fn error(message: impl AsRef<str>) {
    log(Level::Error, message)
}
