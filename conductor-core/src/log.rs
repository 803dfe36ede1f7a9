//! Where the engine's and the plugins' log lines go.
//!
//! The default sink writes to the process's stderr, which is what the plugin author's
//! guide promises (`eprintln!` output "appears in Conductor's stderr"). Embedding apps
//! replace it with their own [`LogSink`] (the C API and Python module do).

use std::fmt;
use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

/// Severity of a log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum LogLevel {
    /// Fine-grained tracing: what fired, which plugin, how long it took.
    Debug = 0,
    /// Normal operation.
    Info = 1,
    /// Something the user should look at; the engine carries on.
    Warn = 2,
    /// An action failed; the engine carries on.
    Error = 3,
}

impl LogLevel {
    /// Lower-case name, as printed.
    pub fn name(self) -> &'static str {
        match self {
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        }
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a log line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogSource<'a> {
    /// The host itself.
    Host,
    /// A line a plugin wrote to stdout.
    PluginStdout(&'a str),
    /// A line a plugin wrote to stderr.
    PluginStderr(&'a str),
}

impl LogSource<'_> {
    /// The plugin's name, if the line came from a plugin.
    pub fn plugin(&self) -> Option<&str> {
        match self {
            LogSource::Host => None,
            LogSource::PluginStdout(p) | LogSource::PluginStderr(p) => Some(p),
        }
    }
}

/// One log line.
#[derive(Debug, Clone, Copy)]
pub struct LogRecord<'a> {
    /// Severity. Plugin stderr lines are [`LogLevel::Info`]: plugins use stderr for
    /// ordinary output, as the guide shows.
    pub level: LogLevel,
    /// Who wrote it.
    pub source: LogSource<'a>,
    /// The text, without a trailing newline.
    pub message: &'a str,
}

/// Receives log lines. Called from whichever thread produced the line.
pub trait LogSink: Send + Sync {
    /// Handles one line.
    fn log(&self, record: &LogRecord<'_>);

    /// Whether host lines at `level` would be shown. The engine skips formatting lines
    /// a sink would drop (its per-event debug line is the costliest thing it does
    /// otherwise). Default: everything is wanted.
    fn enabled(&self, level: LogLevel) -> bool {
        let _ = level;
        true
    }
}

impl<F> LogSink for F
where
    F: Fn(&LogRecord<'_>) + Send + Sync,
{
    fn log(&self, record: &LogRecord<'_>) {
        self(record)
    }
}

/// The default sink: plugin lines as `[plugin-name] text` on stderr, host lines as
/// `conductor: level: text`, filtered by a minimum level for host lines.
///
/// Plugin output is always shown, whatever the level: it is what plugin authors
/// debug with (`DEBUG=1 conductor ... 2>&1 | grep "DEBUG:"`).
#[derive(Debug)]
pub struct StderrSink {
    min_level: AtomicU8,
}

impl StderrSink {
    /// A sink showing host lines at `min_level` and above.
    pub fn new(min_level: LogLevel) -> Self {
        Self {
            min_level: AtomicU8::new(min_level as u8),
        }
    }

    /// Changes the minimum level for host lines.
    pub fn set_min_level(&self, level: LogLevel) {
        self.min_level.store(level as u8, Ordering::Relaxed);
    }
}

impl Default for StderrSink {
    fn default() -> Self {
        Self::new(LogLevel::Info)
    }
}

impl LogSink for StderrSink {
    fn enabled(&self, level: LogLevel) -> bool {
        level as u8 >= self.min_level.load(Ordering::Relaxed)
    }

    fn log(&self, record: &LogRecord<'_>) {
        let mut err = std::io::stderr().lock();
        let _ = match record.source {
            LogSource::PluginStdout(p) | LogSource::PluginStderr(p) => {
                writeln!(err, "[{p}] {}", record.message)
            }
            LogSource::Host => {
                if (record.level as u8) < self.min_level.load(Ordering::Relaxed) {
                    return;
                }
                writeln!(err, "conductor: {}: {}", record.level, record.message)
            }
        };
    }
}

/// A shared, replaceable sink handle.
pub type SharedLogSink = Arc<dyn LogSink>;

/// The default shared sink (stderr, info and above).
pub fn default_sink() -> SharedLogSink {
    Arc::new(StderrSink::default())
}

/// Writes a host line to `sink`.
pub fn host(sink: &dyn LogSink, level: LogLevel, message: &str) {
    if !sink.enabled(level) {
        return;
    }
    sink.log(&LogRecord {
        level,
        source: LogSource::Host,
        message,
    });
}
