//! The engine's callbacks, backed by Python callables.
//!
//! Each one takes the GIL (it may run on the engine thread), converts its arguments,
//! calls the Python function and reports any exception through [`CallbackErrors`]
//! instead of letting it reach the engine.

use std::sync::Arc;

use conductor_core::engine::{ApprovalRequest, EngineCallbacks, Fired, HostActionEvent};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::fired::{PyFired, PyHostAction};
use crate::reporting::CallbackErrors;

/// The Python callables an engine was given; all optional.
#[derive(Default)]
pub struct PythonCallbacks {
    /// `on_action(action: HostAction)`.
    pub on_action: Option<Py<PyAny>>,
    /// `on_midi_out(data: bytes)`.
    pub on_midi_out: Option<Py<PyAny>>,
    /// `approve(plugin: str, capability: str) -> bool`.
    pub approve: Option<Py<PyAny>>,
    /// `on_fired(fired: Fired)`, for events that came through `push`.
    pub on_fired: Option<Py<PyAny>>,
}

impl PythonCallbacks {
    /// The core callbacks that call these functions.
    pub fn into_engine_callbacks(self, errors: &Arc<CallbackErrors>) -> EngineCallbacks {
        EngineCallbacks {
            on_action: self.on_action.map(|cb| {
                let errors = errors.clone();
                Arc::new(move |event: &HostActionEvent| {
                    call(&errors, "on_action", |py| {
                        cb.call1(py, (PyHostAction::new(py, event)?,)).map(drop)
                    });
                }) as _
            }),
            on_midi_out: self.on_midi_out.map(|cb| {
                let errors = errors.clone();
                Arc::new(move |bytes: &[u8]| {
                    call(&errors, "on_midi_out", |py| {
                        cb.call1(py, (PyBytes::new(py, bytes),)).map(drop)
                    });
                }) as _
            }),
            approve: self.approve.map(|cb| {
                let errors = errors.clone();
                Arc::new(move |request: &ApprovalRequest| {
                    // An exception, like no answer, means "not granted".
                    call(&errors, "approve", |py| {
                        cb.call1(py, (request.plugin.as_str(), request.capability.name()))?
                            .is_truthy(py)
                    })
                    .unwrap_or(false)
                }) as _
            }),
            on_fired: self.on_fired.map(|cb| {
                let errors = errors.clone();
                Arc::new(move |fired: &Fired| {
                    call(&errors, "on_fired", |py| {
                        cb.call1(py, (PyFired::new(py, fired)?,)).map(drop)
                    });
                }) as _
            }),
            ..EngineCallbacks::default()
        }
    }
}

/// Runs `f` with the GIL; an exception is reported and becomes `None`.
fn call<R>(
    errors: &CallbackErrors,
    callback: &str,
    f: impl FnOnce(Python<'_>) -> PyResult<R>,
) -> Option<R> {
    Python::try_attach(|py| match f(py) {
        Ok(r) => Some(r),
        Err(e) => {
            errors.report(py, callback, e);
            None
        }
    })
    .flatten()
}
