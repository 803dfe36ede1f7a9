//! Where log lines go: stderr, at a level chosen by `--verbose`, `--quiet` and `DEBUG`.

use std::ffi::OsStr;
use std::sync::Arc;

use conductor_core::log::{self, LogLevel, LogSink, StderrSink};

/// The environment variable that turns on the host's debug log, as in the guide's
/// `DEBUG=1 conductor --config test_config.toml 0`.
pub const DEBUG_ENV: &str = "DEBUG";

/// The minimum level of host lines: `--quiet` shows errors only, `--verbose` or a
/// `DEBUG` variable that is set (and not `0`, `false`, `no`, `off` or empty) shows
/// debug lines, otherwise info and above. Plugin output is shown at every level.
pub fn host_level(verbose: bool, quiet: bool, debug_env: Option<&OsStr>) -> LogLevel {
    if quiet {
        return LogLevel::Error;
    }
    if verbose || debug_env.is_some_and(debug_requested) {
        return LogLevel::Debug;
    }
    LogLevel::Info
}

fn debug_requested(value: &OsStr) -> bool {
    let v = value.to_string_lossy();
    let v = v.trim();
    !(v.is_empty()
        || ["0", "false", "no", "off"]
            .iter()
            .any(|o| v.eq_ignore_ascii_case(o)))
}

/// The tools' log: a [`StderrSink`] shared with the engine, so the host's lines, the
/// plugins' lines (`[name] text`) and the tool's own lines arrive in order on stderr.
#[derive(Clone)]
pub struct Log {
    sink: Arc<StderrSink>,
}

impl Log {
    /// A log showing host lines at `level` and above.
    pub fn new(level: LogLevel) -> Self {
        Log {
            sink: Arc::new(StderrSink::new(level)),
        }
    }

    /// The sink to hand to the engine.
    pub fn sink(&self) -> Arc<dyn LogSink> {
        self.sink.clone()
    }

    /// Writes a debug line.
    pub fn debug(&self, message: &str) {
        log::host(self.sink.as_ref(), LogLevel::Debug, message);
    }

    /// Writes an informational line (hidden by `--quiet`).
    pub fn info(&self, message: &str) {
        log::host(self.sink.as_ref(), LogLevel::Info, message);
    }

    /// Writes a warning (hidden by `--quiet`).
    pub fn warn(&self, message: &str) {
        log::host(self.sink.as_ref(), LogLevel::Warn, message);
    }

    /// Writes an error line (always shown).
    pub fn error(&self, message: &str) {
        log::host(self.sink.as_ref(), LogLevel::Error, message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_variable_and_flags_choose_the_level() {
        assert_eq!(host_level(false, false, None), LogLevel::Info);
        assert_eq!(
            host_level(false, false, Some(OsStr::new("1"))),
            LogLevel::Debug
        );
        assert_eq!(
            host_level(false, false, Some(OsStr::new("0"))),
            LogLevel::Info
        );
        assert_eq!(
            host_level(false, false, Some(OsStr::new(""))),
            LogLevel::Info
        );
        assert_eq!(host_level(true, false, None), LogLevel::Debug);
        assert_eq!(
            host_level(false, true, Some(OsStr::new("1"))),
            LogLevel::Error
        );
    }
}
