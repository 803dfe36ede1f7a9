//! What the engine reports back to Python: `Fired` (a mapping that fired), `Outcome`
//! (one action's result) and `HostAction` (a host action handed to `on_action`).

use conductor_core::engine::{ActionOutcome, Fired, HostActionEvent, TriggerContext};
use pyo3::exceptions::PyBaseException;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyList;

use crate::convert::{json_to_py, repr, to_py_via_json};
use crate::errors::to_py_err;

/// One action's result.
#[pyclass(frozen, module = "conductor_midi._conductor", name = "Outcome")]
pub struct PyOutcome {
    action: String,
    plugin: Option<String>,
    error: Option<Py<PyBaseException>>,
    elapsed: f64,
}

#[pymethods]
impl PyOutcome {
    /// The action kind: `"WasmPlugin"`, `"SendMidi"`, a host action's name...
    #[getter]
    fn action(&self) -> &str {
        &self.action
    }

    /// The plugin's name, for plugin actions.
    #[getter]
    fn plugin(&self) -> Option<&str> {
        self.plugin.as_deref()
    }

    /// Whether the action succeeded.
    #[getter]
    fn ok(&self) -> bool {
        self.error.is_none()
    }

    /// The exception describing the failure (not raised), or None.
    #[getter]
    fn error(&self, py: Python<'_>) -> Option<Py<PyBaseException>> {
        self.error.as_ref().map(|e| e.clone_ref(py))
    }

    /// How long the action took, in seconds.
    #[getter]
    fn elapsed(&self) -> f64 {
        self.elapsed
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Outcome(action={}, plugin={}, ok={}, error={})",
            repr(py, &self.action),
            repr(py, &self.plugin),
            repr(py, self.error.is_none()),
            repr(py, &self.error),
        )
    }
}

impl PyOutcome {
    fn new(py: Python<'_>, outcome: &ActionOutcome) -> Self {
        PyOutcome {
            action: outcome.action.clone(),
            plugin: outcome.plugin.clone(),
            error: outcome
                .result
                .as_ref()
                .err()
                .map(|e| to_py_err(py, e).into_value(py)),
            elapsed: outcome.elapsed.as_secs_f64(),
        }
    }
}

/// A mapping that fired, with the outcome of each action it ran. From
/// `Engine.process`, a chain that waits on a delay is reported in parts (`pending`,
/// then `resumed`).
#[pyclass(frozen, module = "conductor_midi._conductor", name = "Fired")]
pub struct PyFired {
    label: String,
    mode: Option<String>,
    description: Option<String>,
    line: Option<usize>,
    /// Turned into a dict on first access: most callers never look.
    context: TriggerContext,
    context_dict: PyOnceLock<Py<PyAny>>,
    outcomes: Py<PyList>,
    ok: bool,
    pending: bool,
    resumed: bool,
}

#[pymethods]
impl PyFired {
    /// The mapping's description, else "mapping at line N", else the trigger kind.
    #[getter]
    fn label(&self) -> &str {
        &self.label
    }

    /// The mode the mapping belongs to; None for a global mapping.
    #[getter]
    fn mode(&self) -> Option<&str> {
        self.mode.as_deref()
    }

    /// The mapping's description, if the config gives one.
    #[getter]
    fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The mapping's line in the config file.
    #[getter]
    fn line(&self) -> Option<usize> {
        self.line
    }

    /// The trigger context, as plugins receive it: velocity, mode, note, channel...
    #[getter]
    fn context(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.context_dict
            .get_or_try_init(py, || Ok(to_py_via_json(py, &self.context)?.unbind()))
            .map(|d| d.clone_ref(py))
    }

    /// One `Outcome` per action run.
    #[getter]
    fn outcomes(&self, py: Python<'_>) -> Py<PyList> {
        self.outcomes.clone_ref(py)
    }

    /// Whether every action succeeded.
    #[getter]
    fn ok(&self) -> bool {
        self.ok
    }

    /// The chain waits on a delay: its later steps are reported by the `process` or
    /// `tick` call whose timestamp reaches them.
    #[getter]
    fn pending(&self) -> bool {
        self.pending
    }

    /// These are the later steps of a chain reported earlier with `pending` set.
    #[getter]
    fn resumed(&self) -> bool {
        self.resumed
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let mut parts = Vec::new();
        if self.pending {
            parts.push(", pending=True");
        }
        if self.resumed {
            parts.push(", resumed=True");
        }
        format!(
            "Fired(label={}, mode={}, outcomes={}{})",
            repr(py, &self.label),
            repr(py, &self.mode),
            repr(py, &self.outcomes),
            parts.concat(),
        )
    }
}

impl PyFired {
    /// Converts one core report.
    pub fn new(py: Python<'_>, fired: &Fired) -> PyResult<Self> {
        let outcomes = fired
            .outcomes
            .iter()
            .map(|o| Py::new(py, PyOutcome::new(py, o)))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyFired {
            label: fired.label(),
            mode: fired.mode.clone(),
            description: fired.description.clone(),
            line: fired.line,
            context: fired.context.clone(),
            context_dict: PyOnceLock::new(),
            outcomes: PyList::new(py, outcomes)?.unbind(),
            ok: fired.ok(),
            pending: fired.pending,
            resumed: fired.resumed,
        })
    }

    /// Converts a list of reports.
    pub fn list(py: Python<'_>, fired: &[Fired]) -> PyResult<Vec<Py<PyFired>>> {
        fired
            .iter()
            .map(|f| Py::new(py, PyFired::new(py, f)?))
            .collect()
    }
}

/// A host action (`Keystroke`, `Launch`, `Shell`, `Host`...) for the application to
/// carry out.
#[pyclass(frozen, module = "conductor_midi._conductor", name = "HostAction")]
pub struct PyHostAction {
    name: String,
    data: Py<PyAny>,
    context: Py<PyAny>,
    json: String,
}

#[pymethods]
impl PyHostAction {
    /// The action's name, as in the config (`"Keystroke"`).
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    /// Its fields as written in the config (usually a dict).
    #[getter]
    fn data(&self, py: Python<'_>) -> Py<PyAny> {
        self.data.clone_ref(py)
    }

    /// What triggered it, as a dict.
    #[getter]
    fn context(&self, py: Python<'_>) -> Py<PyAny> {
        self.context.clone_ref(py)
    }

    /// One dict: `{"action": name, ...fields, "context": {...}}`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &self.json)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "HostAction(name={}, data={})",
            repr(py, &self.name),
            repr(py, &self.data)
        )
    }
}

impl PyHostAction {
    /// Converts the core's event.
    pub fn new(py: Python<'_>, event: &HostActionEvent) -> PyResult<Self> {
        Ok(PyHostAction {
            name: event.name.clone(),
            data: to_py_via_json(py, &event.data)?.unbind(),
            context: to_py_via_json(py, &event.context)?.unbind(),
            json: event.to_json().to_string(),
        })
    }
}
