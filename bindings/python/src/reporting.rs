//! Exceptions raised inside Python callbacks: logged at once, kept, and raised again
//! at the next call that can raise them.
//!
//! Callbacks run inside engine and plugin calls, sometimes on the engine thread, where
//! an exception has nowhere to go. So an exception is never allowed to unwind into the
//! engine: it is logged on the `conductor` logger with its traceback, and the first one
//! is kept until the owner (`Engine.process`, `Engine.wait_idle`, `Engine.close`,
//! `Plugin.execute`...) raises it to its caller.

use std::sync::{Mutex, PoisonError};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;

static GET_LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The first exception a callback raised that nobody has seen yet.
#[derive(Default)]
pub struct CallbackErrors {
    first: Mutex<Option<PyErr>>,
}

impl CallbackErrors {
    /// Logs `err` (raised by the callback called `callback`) and keeps it if it is the
    /// first one since the last [`CallbackErrors::take`].
    pub fn report(&self, py: Python<'_>, callback: &str, err: PyErr) {
        self.log(py, callback, &err);
        let mut first = self.first.lock().unwrap_or_else(PoisonError::into_inner);
        if first.is_none() {
            *first = Some(err);
        }
    }

    /// Logs `err` on the `conductor` logger with its traceback, without keeping it.
    pub fn log(&self, py: Python<'_>, callback: &str, err: &PyErr) {
        let logged = logger(py, "conductor").and_then(|logger| {
            let kwargs = PyDict::new(py);
            kwargs.set_item("exc_info", err.value(py))?;
            logger.call_method(
                "error",
                (
                    "exception in the %s callback (the engine carries on)",
                    callback,
                ),
                Some(&kwargs),
            )
        });
        if let Err(e) = logged {
            e.write_unraisable(py, None);
        }
    }

    /// Takes the kept exception, if any.
    pub fn take(&self) -> Option<PyErr> {
        self.first
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// `Err` with the kept exception, if any, so a call can end with `errors.check()?`.
    pub fn check(&self) -> PyResult<()> {
        match self.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// `logging.getLogger(name)`.
pub fn logger<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    GET_LOGGER
        .import(py, "logging", "getLogger")?
        .call1((name,))
}
