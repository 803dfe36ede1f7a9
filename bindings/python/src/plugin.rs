//! `conductor.Plugin`: one sandboxed WebAssembly plugin, loaded and called directly.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use conductor_core::plugin::{
    Grants, HostConfig, Limits, Plugin, PluginHost, PluginOptions, PluginServices, DEFAULT_FUEL,
    DEFAULT_MEMORY_BYTES, DEFAULT_TIMEOUT,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::callbacks::{host_request_handler, midi_sink};
use crate::convert::{capabilities, json_payload, repr, seconds};
use crate::errors::IntoPyResult;
use crate::log_sink::PythonLogSink;
use crate::reporting::CallbackErrors;

/// A loaded plugin. Its instance persists between calls; `close()` (or leaving a
/// `with` block) calls its `shutdown()` export once.
#[pyclass(frozen, module = "conductor._conductor", name = "Plugin")]
pub struct PyPlugin {
    /// `None` once closed. Locked only with the GIL released: plugin output is
    /// delivered to Python while the lock is held.
    plugin: Mutex<Option<Plugin>>,
    name: String,
    path: PathBuf,
    capabilities: Vec<String>,
    sha256: String,
    accepts_context: bool,
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
        trust_store = None, cache_dir = None, data_root = None
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
    ) -> PyResult<Self> {
        if fuel == 0 {
            return Err(PyValueError::new_err("fuel must be at least 1 instruction"));
        }
        let errors = Arc::new(CallbackErrors::default());
        let defaults = HostConfig::default();
        let host_config = HostConfig {
            cache_dir: cache_dir.or(defaults.cache_dir),
            data_root: data_root.or(defaults.data_root),
            trust_store: trust_store.or(defaults.trust_store),
            log_sink: Arc::new(PythonLogSink {
                on_output,
                on_log: None,
                errors: errors.clone(),
            }),
        };
        let options = PluginOptions {
            limits: Limits {
                fuel,
                memory_bytes: memory_limit,
                timeout: seconds("timeout", timeout)?,
                ..Limits::default()
            },
            grants: Grants::none().extend(capabilities(&grants)?),
            data_dir,
            name,
            signature_policy: signature_policy.parse().into_py(py)?,
            services: PluginServices {
                midi_out: on_midi_out.map(|cb| midi_sink(cb, errors.clone())),
                host_request: on_host_request.map(|cb| host_request_handler(cb, errors.clone())),
                allowed_hosts,
                ..PluginServices::default()
            },
        };
        let plugin = py
            .detach(|| PluginHost::new(host_config)?.load(&path, options))
            .into_py(py)?;
        errors.check()?;
        Ok(PyPlugin {
            name: plugin.name().to_string(),
            capabilities: plugin
                .capabilities()
                .names()
                .into_iter()
                .map(String::from)
                .collect(),
            sha256: plugin.sha256().iter().map(|b| format!("{b:02x}")).collect(),
            accepts_context: plugin.accepts_context(),
            path,
            plugin: Mutex::new(Some(plugin)),
            closed: AtomicBool::new(false),
            errors,
        })
    }

    /// Calls the plugin's `execute` with `params` (a dict, a str of JSON or bytes).
    #[pyo3(signature = (params = None))]
    fn execute(&self, py: Python<'_>, params: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let params = json_payload(params)?;
        let result = py.detach(|| self.with_plugin(|p| p.execute(&params)));
        self.finish(py, result)
    }

    /// Calls `execute_with_context(params, context)` (or `execute(params)` when that is
    /// all the plugin exports).
    fn execute_with_context(
        &self,
        py: Python<'_>,
        params: Option<&Bound<'_, PyAny>>,
        context: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let params = json_payload(params)?;
        let context = json_payload(context)?;
        let result = py.detach(|| self.with_plugin(|p| p.execute_with_context(&params, &context)));
        self.finish(py, result)
    }

    /// Calls the plugin's `shutdown()` once; later calls do nothing.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        self.closed.store(true, Ordering::Release);
        let result = py.detach(|| {
            let plugin = self.lock().take();
            // Dropped here, with the GIL released, after shutdown() ran.
            plugin.map_or(Ok(()), |mut p| p.shutdown())
        });
        self.finish(py, result)
    }

    /// The name used in log lines and errors (the file stem unless given).
    #[getter]
    fn name(&self) -> &str {
        &self.name
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
        self.accepts_context
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
            repr(py, &self.name),
            repr(py, &self.capabilities)
        )
    }
}

impl PyPlugin {
    fn lock(&self) -> MutexGuard<'_, Option<Plugin>> {
        self.plugin.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the open plugin. Call with the GIL released.
    fn with_plugin(
        &self,
        f: impl FnOnce(&mut Plugin) -> conductor_core::Result<()>,
    ) -> conductor_core::Result<()> {
        match self.lock().as_mut() {
            Some(p) => f(p),
            None => Err(conductor_core::Error::InvalidArgument(format!(
                "plugin {} is closed; load it again to call it",
                self.name
            ))),
        }
    }

    /// The call's result, unless a callback raised during it and the call succeeded.
    /// When the call itself failed, that error wins (the callback's was logged).
    fn finish(&self, py: Python<'_>, result: conductor_core::Result<()>) -> PyResult<()> {
        if result.is_err() {
            self.errors.take();
        }
        result.into_py(py)?;
        self.errors.check()
    }
}

impl Drop for PyPlugin {
    fn drop(&mut self) {
        let plugin = self
            .plugin
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(plugin) = plugin {
            // shutdown() may print, and printing takes the GIL: release it meanwhile.
            Python::try_attach(|py| py.detach(|| drop(plugin)));
        }
    }
}
