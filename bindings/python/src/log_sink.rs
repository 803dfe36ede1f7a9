//! A [`LogSink`] that hands the host's and the plugins' log lines to Python: to a
//! callback when one was given, otherwise to the `logging` module (logger
//! `conductor.plugin.<name>` for plugin output, `conductor` for the host).

use std::sync::Arc;

use conductor_core::log::{LogLevel, LogRecord, LogSink, LogSource};
use pyo3::prelude::*;

use crate::reporting::{logger, CallbackErrors};

/// Where lines go.
pub struct PythonLogSink {
    /// `on_output(line)`: plugin output only (the `Plugin` class).
    pub on_output: Option<Py<PyAny>>,
    /// `on_log(level, plugin, message)`: every line (the `Engine` class).
    pub on_log: Option<Py<PyAny>>,
    /// Where exceptions from those callbacks are reported.
    pub errors: Arc<CallbackErrors>,
}

impl PythonLogSink {
    fn deliver(&self, py: Python<'_>, record: &LogRecord<'_>) {
        let plugin = record.source.plugin();
        let result = match (&self.on_output, &self.on_log, plugin) {
            (Some(cb), _, Some(_)) => cb.call1(py, (record.message,)).map(drop),
            (_, Some(cb), _) => cb
                .call1(py, (record.level.name(), plugin, record.message))
                .map(drop),
            _ => to_logging(py, record),
        };
        if let Err(err) = result {
            let callback = if plugin.is_some() && self.on_output.is_some() {
                "on_output"
            } else if self.on_log.is_some() {
                "on_log"
            } else {
                "logging"
            };
            self.errors.report(py, callback, err);
        }
    }
}

impl LogSink for PythonLogSink {
    fn log(&self, record: &LogRecord<'_>) {
        // Engine and epoch threads log too; they must take the GIL first. When the
        // interpreter is shutting down there is nobody left to tell.
        Python::try_attach(|py| self.deliver(py, record));
    }
}

/// One line to `logging.getLogger(...).log(level, message)`.
fn to_logging(py: Python<'_>, record: &LogRecord<'_>) -> PyResult<()> {
    let name = match record.source {
        LogSource::Host => "conductor".to_string(),
        LogSource::PluginStdout(p) | LogSource::PluginStderr(p) => format!("conductor.plugin.{p}"),
    };
    logger(py, &name)?.call_method1("log", (logging_level(record.level), record.message))?;
    Ok(())
}

/// The `logging` module's number for a level.
pub fn logging_level(level: LogLevel) -> u8 {
    match level {
        LogLevel::Debug => 10,
        LogLevel::Info => 20,
        LogLevel::Warn => 30,
        LogLevel::Error => 40,
    }
}
