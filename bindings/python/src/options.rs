//! `conductor.EngineOptions`: everything `Engine.from_file` and `Engine.from_toml` take
//! besides the config, as one typed object. The engine builders also accept each field
//! as a keyword argument, applied over the options object.

use std::collections::HashMap;
use std::path::PathBuf;

use pyo3::exceptions::{PyAttributeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::callbacks::PythonCallbacks;
use crate::engine::Settings;

/// The field names, in the order the stubs list them.
const FIELDS: [&str; 14] = [
    "on_action",
    "on_midi_out",
    "on_log",
    "approve",
    "on_fired",
    "on_host_request",
    "grants",
    "plugin_grants",
    "port_name",
    "queue_capacity",
    "signature_policy",
    "trust_store",
    "cache_dir",
    "data_root",
];

/// How an engine is built beyond its config; see the stubs for each field.
#[pyclass(module = "conductor_midi._conductor", name = "EngineOptions")]
#[derive(Default)]
pub struct PyEngineOptions {
    #[pyo3(get, set)]
    on_action: Option<Py<PyAny>>,
    #[pyo3(get, set)]
    on_midi_out: Option<Py<PyAny>>,
    #[pyo3(get, set)]
    on_log: Option<Py<PyAny>>,
    #[pyo3(get, set)]
    approve: Option<Py<PyAny>>,
    #[pyo3(get, set)]
    on_fired: Option<Py<PyAny>>,
    #[pyo3(get, set)]
    on_host_request: Option<Py<PyAny>>,
    #[pyo3(get, set)]
    grants: Vec<String>,
    #[pyo3(get, set)]
    plugin_grants: HashMap<String, Vec<String>>,
    #[pyo3(get, set)]
    port_name: Option<String>,
    #[pyo3(get, set)]
    queue_capacity: Option<usize>,
    #[pyo3(get, set)]
    signature_policy: Option<String>,
    #[pyo3(get, set)]
    trust_store: Option<PathBuf>,
    #[pyo3(get, set)]
    cache_dir: Option<PathBuf>,
    #[pyo3(get, set)]
    data_root: Option<PathBuf>,
}

#[pymethods]
impl PyEngineOptions {
    /// Options with every field given by keyword (the rest at their defaults).
    #[new]
    #[pyo3(signature = (**fields))]
    fn new(py: Python<'_>, fields: Option<&Bound<'_, PyDict>>) -> PyResult<Py<Self>> {
        let options = Bound::new(py, PyEngineOptions::default())?;
        apply(&options, fields, "EngineOptions()")?;
        Ok(options.unbind())
    }

    /// A copy: changing it leaves this one alone (callables are shared).
    fn copy(&self, py: Python<'_>) -> Self {
        self.clone_ref(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let this = Bound::new(py, self.clone_ref(py))?;
        let mut parts = Vec::new();
        for name in FIELDS {
            let value = this.getattr(name)?;
            let set = match name {
                "grants" | "plugin_grants" => value.len()? > 0,
                _ => !value.is_none(),
            };
            if set {
                parts.push(format!("{name}={}", value.repr()?));
            }
        }
        Ok(format!("EngineOptions({})", parts.join(", ")))
    }
}

impl PyEngineOptions {
    fn clone_ref(&self, py: Python<'_>) -> Self {
        let cb = |c: &Option<Py<PyAny>>| c.as_ref().map(|c| c.clone_ref(py));
        PyEngineOptions {
            on_action: cb(&self.on_action),
            on_midi_out: cb(&self.on_midi_out),
            on_log: cb(&self.on_log),
            approve: cb(&self.approve),
            on_fired: cb(&self.on_fired),
            on_host_request: cb(&self.on_host_request),
            grants: self.grants.clone(),
            plugin_grants: self.plugin_grants.clone(),
            port_name: self.port_name.clone(),
            queue_capacity: self.queue_capacity,
            signature_policy: self.signature_policy.clone(),
            trust_store: self.trust_store.clone(),
            cache_dir: self.cache_dir.clone(),
            data_root: self.data_root.clone(),
        }
    }

    /// The engine settings from `options` (default: none) with the keyword arguments
    /// `fields` of the call `what` applied over them.
    pub(crate) fn settings(
        py: Python<'_>,
        options: Option<&Bound<'_, PyEngineOptions>>,
        fields: Option<&Bound<'_, PyDict>>,
        what: &str,
    ) -> PyResult<Settings> {
        let merged = match options {
            Some(o) => o.borrow().clone_ref(py),
            None => PyEngineOptions::default(),
        };
        let merged = Bound::new(py, merged)?;
        apply(&merged, fields, what)?;
        let o = merged.borrow().clone_ref(py);
        Ok(Settings {
            callbacks: PythonCallbacks {
                on_action: o.on_action,
                on_midi_out: o.on_midi_out,
                approve: o.approve,
                on_fired: o.on_fired,
                on_host_request: o.on_host_request,
            },
            on_log: o.on_log,
            grants: o.grants,
            plugin_grants: o.plugin_grants,
            port_name: o.port_name,
            queue_capacity: o.queue_capacity,
            signature_policy: o.signature_policy,
            trust_store: o.trust_store,
            cache_dir: o.cache_dir,
            data_root: o.data_root,
        })
    }
}

/// Sets each of `fields` on `options`; an unknown name is a `TypeError` listing the
/// known ones, as Python reports an unexpected keyword argument.
fn apply(
    options: &Bound<'_, PyEngineOptions>,
    fields: Option<&Bound<'_, PyDict>>,
    what: &str,
) -> PyResult<()> {
    let Some(fields) = fields else {
        return Ok(());
    };
    for (key, value) in fields.iter() {
        let name: String = key.extract()?;
        if !FIELDS.contains(&name.as_str()) {
            return Err(PyTypeError::new_err(format!(
                "{what} got an unexpected keyword argument '{name}'; the options are: {}",
                FIELDS.join(", ")
            )));
        }
        options.setattr(name.as_str(), value).map_err(|e| {
            if e.is_instance_of::<PyAttributeError>(options.py()) {
                PyTypeError::new_err(format!("{what}: {name} cannot be set"))
            } else {
                e
            }
        })?;
    }
    Ok(())
}
