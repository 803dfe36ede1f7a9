//! `conductor.Plugin`: one sandboxed WebAssembly plugin, loaded and called directly.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use conductor_core::plugin::{
    Grants, HostSettings, Limits, PluginHost, PluginOptions, PluginServices, SharedPlugin,
    DEFAULT_FUEL, DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_MAX_VAR_BYTES, DEFAULT_MEMORY_BYTES,
    DEFAULT_TIMEOUT,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::callbacks::{host_request_handler, midi_sink};
use crate::convert::{capabilities, json_payload, json_to_py, repr, seconds};
use crate::errors::IntoPyResult;
use crate::log_sink::PythonLogSink;
use crate::reporting::CallbackErrors;

/// A loaded plugin. Its instance persists between calls; `close()` (or leaving a
/// `with` block) calls its `shutdown()` export once.
#[pyclass(frozen, module = "conductor_midi._conductor", name = "Plugin")]
pub struct PyPlugin {
    /// Called only with the GIL released: plugin output is delivered to Python while
    /// a call holds the plugin.
    plugin: SharedPlugin,
    path: PathBuf,
    capabilities: Vec<String>,
    sha256: String,
    closed: AtomicBool,
    errors: Arc<CallbackErrors>,
}

#[pymethods]
impl PyPlugin {
    /// Loads the plugin at `path`; see the stubs for the arguments.
    #[new]
    #[pyo3(signature = (
        path, *, grants = Vec::new(), fuel = DEFAULT_FUEL,
        memory_limit = DEFAULT_MEMORY_BYTES, timeout = DEFAULT_TIMEOUT.as_secs_f64(),
        data_dir = None, name = None, on_output = None, on_midi_out = None,
        on_host_request = None, allowed_hosts = Vec::new(), signature_policy = "warn",
        trust_store = None, cache_dir = None, data_root = None, config = BTreeMap::new(),
        max_output_bytes = DEFAULT_MAX_OUTPUT_BYTES, max_var_bytes = DEFAULT_MAX_VAR_BYTES
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        path: PathBuf,
        grants: Vec<String>,
        fuel: u64,
        memory_limit: u64,
        timeout: f64,
        data_dir: Option<PathBuf>,
        name: Option<String>,
        on_output: Option<Py<PyAny>>,
        on_midi_out: Option<Py<PyAny>>,
        on_host_request: Option<Py<PyAny>>,
        allowed_hosts: Vec<String>,
        signature_policy: &str,
        trust_store: Option<PathBuf>,
        cache_dir: Option<PathBuf>,
        data_root: Option<PathBuf>,
        config: BTreeMap<String, String>,
        max_output_bytes: usize,
        max_var_bytes: usize,
    ) -> PyResult<Self> {
        let errors = Arc::new(CallbackErrors::default());
        let host_config = HostSettings {
            cache_dir,
            data_root,
            trust_store,
            log_sink: Some(Arc::new(PythonLogSink {
                on_output,
                on_log: None,
                errors: errors.clone(),
            })),
        }
        .resolve();
        let options = PluginOptions::default()
            .with_limits(
                Limits::default()
                    .with_fuel(fuel)
                    .with_memory_bytes(memory_limit)
                    .with_timeout(seconds("timeout", timeout)?)
                    .with_max_output_bytes(max_output_bytes)
                    .with_max_var_bytes(max_var_bytes),
            )
            .with_grants(Grants::none().extend(capabilities(&grants)?))
            .with_data_dir(data_dir)
            .with_name(name)
            .with_signature_policy(signature_policy.parse().into_py(py)?)
            .with_services(
                PluginServices::default()
                    .with_midi_out(on_midi_out.map(|cb| midi_sink(cb, errors.clone())))
                    .with_host_request(
                        on_host_request.map(|cb| host_request_handler(cb, errors.clone())),
                    )
                    .with_allowed_hosts(allowed_hosts)
                    .with_config(config),
            );
        let plugin = py
            .detach(|| PluginHost::new(host_config)?.load(&path, options))
            .into_py(py)?;
        errors.check()?;
        let plugin = SharedPlugin::new(plugin);
        Ok(PyPlugin {
            capabilities: plugin
                .capabilities()
                .names()
                .into_iter()
                .map(String::from)
                .collect(),
            sha256: plugin.sha256().iter().map(|b| format!("{b:02x}")).collect(),
            path,
            plugin,
            closed: AtomicBool::new(false),
            errors,
        })
    }

    /// Calls the plugin's `execute` with `params` (a dict, a str of JSON or bytes) and
    /// returns what it returned: bytes, or with `json=True` the value they parse to.
    #[pyo3(signature = (params = None, *, json = false))]
    fn execute(
        &self,
        py: Python<'_>,
        params: Option<&Bound<'_, PyAny>>,
        json: bool,
    ) -> PyResult<Py<PyAny>> {
        let params = json_payload(params)?;
        let result = py.detach(|| self.plugin.invoke(&params, None));
        let output = self.finish(py, result)?;
        output_to_py(py, &output, json)
    }

    /// Calls `execute_with_context(params, context)` (or `execute(params)` when that is
    /// all the plugin exports) and returns its output as `execute` does.
    #[pyo3(signature = (params, context, *, json = false))]
    fn execute_with_context(
        &self,
        py: Python<'_>,
        params: Option<&Bound<'_, PyAny>>,
        context: Option<&Bound<'_, PyAny>>,
        json: bool,
    ) -> PyResult<Py<PyAny>> {
        let params = json_payload(params)?;
        let context = json_payload(context)?;
        let result = py.detach(|| self.plugin.invoke(&params, Some(&context)));
        let output = self.finish(py, result)?;
        output_to_py(py, &output, json)
    }

    /// Cancels the call running on another thread (it raises `PluginCancelled`, not
    /// `PluginCrashed`); does nothing when none runs. Returns at once.
    fn cancel(&self) {
        self.plugin.cancel();
    }

    /// Calls the plugin's `shutdown()` once; later calls do nothing.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        self.closed.store(true, Ordering::Release);
        // The instance is dropped with the GIL released, after shutdown() ran.
        let result = py.detach(|| self.plugin.shutdown());
        self.finish(py, result)
    }

    /// The file holding the plugin's host-kept variables, or `None` without a data
    /// root.
    #[getter]
    fn vars_file(&self) -> PyResult<Option<PathBuf>> {
        self.plugin
            .with(|p| Ok(p.vars_file().map(PathBuf::from)))
            .or(Ok(None))
    }

    /// The name used in log lines and errors (the file stem unless given).
    #[getter]
    fn name(&self) -> &str {
        self.plugin.name()
    }

    /// The file the plugin was loaded from.
    #[getter]
    fn path(&self) -> PathBuf {
        self.path.clone()
    }

    /// The capabilities the plugin declares, by name.
    #[getter]
    fn capabilities(&self) -> Vec<String> {
        self.capabilities.clone()
    }

    /// SHA-256 of the wasm file, as lowercase hex.
    #[getter]
    fn sha256(&self) -> &str {
        &self.sha256
    }

    /// Whether the plugin exports `execute_with_context`.
    #[getter]
    fn accepts_context(&self) -> bool {
        self.plugin.accepts_context()
    }

    /// Whether `close()` has been called.
    #[getter]
    fn closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<()> {
        self.close(py)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "<conductor.Plugin {} capabilities={}>",
            repr(py, self.plugin.name()),
            repr(py, &self.capabilities)
        )
    }
}

impl PyPlugin {
    /// The call's result, unless a callback raised during it and the call succeeded.
    /// When the call itself failed, that error wins (the callback's was logged).
    fn finish<T>(&self, py: Python<'_>, result: conductor_core::Result<T>) -> PyResult<T> {
        if result.is_err() {
            self.errors.take();
        }
        let value = result.into_py(py)?;
        self.errors.check()?;
        Ok(value)
    }
}

/// A call's output as Python sees it: `bytes`, or with `json` the value it parses to.
fn output_to_py(py: Python<'_>, output: &[u8], json: bool) -> PyResult<Py<PyAny>> {
    if !json {
        return Ok(PyBytes::new(py, output).into_any().unbind());
    }
    let text = std::str::from_utf8(output).map_err(|e| {
        PyValueError::new_err(format!(
            "the plugin's output is not UTF-8 text, so not JSON ({e}); call without \
             json=True to get the bytes"
        ))
    })?;
    if text.trim().is_empty() {
        return Ok(py.None());
    }
    Ok(json_to_py(py, text)?.unbind())
}

impl Drop for PyPlugin {
    fn drop(&mut self) {
        if let Some(plugin) = self.plugin.take() {
            // Dropping runs shutdown(), which may print, and printing takes the GIL:
            // release it meanwhile. A shutdown error goes to the log.
            Python::try_attach(|py| py.detach(|| drop(plugin)));
        }
    }
}
