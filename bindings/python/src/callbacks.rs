//! The engine's callbacks, backed by Python callables.
//!
//! Each one takes the GIL (it runs on one of the engine's threads, or on the thread
//! calling `process`), converts its arguments, calls the Python function and reports
//! any exception through [`CallbackErrors`] instead of letting it reach the engine. No
//! engine lock is held while they run, so a callback may call back into the engine;
//! every engine method that can wait releases the GIL while it does (see `engine.rs`).

use std::sync::Arc;

use conductor_core::engine::{ApprovalRequest, EngineCallbacks, Fired, HostActionEvent};
use conductor_core::log::{self, LogLevel, SharedLogSink};
use conductor_core::plugin::{HostRequest, HostRequestHandler, MidiSink};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyBytes;

use crate::convert::{json_value, to_py_via_json};
use crate::fired::{PyFired, PyHostAction};
use crate::ports::MidiConnections;
use crate::reporting::CallbackErrors;

/// The Python callables an engine was given; all optional.
#[derive(Default)]
pub struct PythonCallbacks {
    /// `on_action(action: HostAction)`.
    pub on_action: Option<Py<PyAny>>,
    /// `on_midi_out(data: bytes)` or `on_midi_out(data: bytes, timestamp_us: int)`.
    pub on_midi_out: Option<Py<PyAny>>,
    /// `approve(plugin: str, capability: str) -> bool`.
    pub approve: Option<Py<PyAny>>,
    /// `on_fired(fired: Fired)`, for events that came through `push`.
    pub on_fired: Option<Py<PyAny>>,
    /// `on_host_request(plugin: str, capability: str, data) -> answer`.
    pub on_host_request: Option<Py<PyAny>>,
}

impl PythonCallbacks {
    /// The core callbacks that call these functions. MIDI out goes to the engine's
    /// open output ports as well as to `on_midi_out`; send failures are logged to `sink`.
    /// Whether `on_midi_out` gets the timestamp is decided here, once (see
    /// [`takes_timestamp`]).
    pub fn into_engine_callbacks(
        self,
        py: Python<'_>,
        errors: &Arc<CallbackErrors>,
        outputs: &Arc<MidiConnections>,
        sink: &SharedLogSink,
    ) -> EngineCallbacks {
        let on_midi_out = {
            let errors = errors.clone();
            let outputs = outputs.clone();
            let sink = sink.clone();
            let callback = self.on_midi_out.map(|cb| (takes_timestamp(py, &cb), cb));
            Arc::new(move |bytes: &[u8], timestamp_us: u64| {
                if let Err(e) = outputs.send(bytes) {
                    log::host(sink.as_ref(), LogLevel::Error, &e.to_string());
                }
                if let Some((with_time, cb)) = &callback {
                    call(&errors, "on_midi_out", |py| {
                        let data = PyBytes::new(py, bytes);
                        if *with_time {
                            cb.call1(py, (data, timestamp_us)).map(drop)
                        } else {
                            cb.call1(py, (data,)).map(drop)
                        }
                    });
                }
            }) as _
        };
        EngineCallbacks::default()
            .with_on_action(self.on_action.map(|cb| {
                let errors = errors.clone();
                Arc::new(move |event: &HostActionEvent| {
                    call(&errors, "on_action", |py| {
                        cb.call1(py, (PyHostAction::new(py, event)?,)).map(drop)
                    });
                }) as _
            }))
            .with_on_midi_out(Some(on_midi_out))
            .with_approve(self.approve.map(|cb| {
                let errors = errors.clone();
                Arc::new(move |request: &ApprovalRequest| {
                    // An exception, like no answer, means "not granted".
                    call(&errors, "approve", |py| {
                        cb.call1(py, (request.plugin.as_str(), request.capability.name()))?
                            .is_truthy(py)
                    })
                    .unwrap_or(false)
                }) as _
            }))
            .with_on_host_request(
                self.on_host_request
                    .map(|cb| host_request_handler(cb, errors.clone())),
            )
            .with_on_fired(self.on_fired.map(|cb| {
                let errors = errors.clone();
                Arc::new(move |fired: &Fired| {
                    call(&errors, "on_fired", |py| {
                        cb.call1(py, (PyFired::new(py, fired)?,)).map(drop)
                    });
                }) as _
            }))
    }
}

/// Whether `on_midi_out` is called with the timestamp: when `callback` accepts two
/// positional arguments (`inspect.signature(callback).bind(data, timestamp_us)`
/// succeeds). A callable whose signature cannot be read (some builtins) gets the
/// bytes alone, as before timestamps existed.
fn takes_timestamp(py: Python<'_>, callback: &Py<PyAny>) -> bool {
    static SIGNATURE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    SIGNATURE
        .import(py, "inspect", "signature")
        .and_then(|signature| signature.call1((callback,)))
        .and_then(|signature| signature.call_method1("bind", (PyBytes::new(py, b""), 0u64)))
        .is_ok()
}

/// A plugin's `system_request` / `audio_request` answered by
/// `callback(plugin, capability, data)`: its return value goes back to the plugin as
/// JSON. An exception refuses the request with the exception's text (and is logged,
/// but not raised again: refusing is a normal answer).
pub fn host_request_handler(
    callback: Py<PyAny>,
    errors: Arc<CallbackErrors>,
) -> HostRequestHandler {
    Arc::new(move |request: &HostRequest| {
        Python::try_attach(|py| {
            let answer = to_py_via_json(py, &request.data).and_then(|data| {
                let value = callback.call1(
                    py,
                    (request.plugin.as_str(), request.capability.name(), data),
                )?;
                json_value(value.bind(py))
            });
            answer.map_err(|e| {
                let text = e.to_string();
                errors.log(py, "on_host_request", &e);
                text
            })
        })
        .unwrap_or_else(|| Err("the Python interpreter is shutting down".into()))
    })
}

/// A MIDI sink that calls `callback(data: bytes)`.
pub fn midi_sink(callback: Py<PyAny>, errors: Arc<CallbackErrors>) -> MidiSink {
    Arc::new(move |bytes: &[u8]| {
        call(&errors, "on_midi_out", |py| {
            callback.call1(py, (PyBytes::new(py, bytes),)).map(drop)
        });
    })
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
