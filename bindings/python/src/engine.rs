//! `conductor.Engine`: MIDI in, mappings matched, actions run.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use conductor_core::log::SharedLogSink;
use conductor_core::plugin::HostSettings;
use conductor_core::{Engine, EngineOptions};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyInt, PyString, PyTuple};

use crate::callbacks::PythonCallbacks;
use crate::convert::{capabilities, midi_bytes, repr, seconds};
use crate::errors::IntoPyResult;
use crate::fired::PyFired;
use crate::log_sink::PythonLogSink;
use crate::options::PyEngineOptions;
use crate::ports::{selector, MidiConnections};
use crate::reporting::CallbackErrors;

/// The engine. Build it with `Engine.from_file` or `Engine.from_toml`.
///
/// Every method that can wait (for a plugin, the engine thread, a reload, a shutdown)
/// releases the GIL while it does: callbacks run on the engine's threads and take the
/// GIL, and may call back into the engine.
#[pyclass(frozen, module = "conductor_midi._conductor", name = "Engine")]
pub struct PyEngine {
    engine: Arc<Engine>,
    errors: Arc<CallbackErrors>,
    ports: Arc<MidiConnections>,
    /// Zero of the default timestamps.
    started: Instant,
    closed: AtomicBool,
}

/// Everything `from_file` and `from_toml` accept besides the config itself, taken
/// from an `EngineOptions` and the keyword arguments (see `options.rs`).
pub(crate) struct Settings {
    pub callbacks: PythonCallbacks,
    pub on_log: Option<Py<PyAny>>,
    pub grants: Vec<String>,
    pub plugin_grants: HashMap<String, Vec<String>>,
    pub port_name: Option<String>,
    pub queue_capacity: Option<usize>,
    pub signature_policy: Option<String>,
    pub trust_store: Option<PathBuf>,
    pub cache_dir: Option<PathBuf>,
    pub data_root: Option<PathBuf>,
}

impl Settings {
    fn build(
        self,
        py: Python<'_>,
        load: impl FnOnce(EngineOptions) -> conductor_core::Result<Engine> + Send,
    ) -> PyResult<PyEngine> {
        let errors = Arc::new(CallbackErrors::default());
        let ports = Arc::new(MidiConnections::default());
        let sink: SharedLogSink = Arc::new(PythonLogSink {
            on_output: None,
            on_log: self.on_log,
            errors: errors.clone(),
        });
        let mut plugin_grants = HashMap::new();
        for (name, caps) in &self.plugin_grants {
            plugin_grants.insert(name.clone(), capabilities(caps)?);
        }
        let options = EngineOptions::default()
            .with_host_config(
                HostSettings {
                    cache_dir: self.cache_dir,
                    data_root: self.data_root,
                    trust_store: self.trust_store,
                    log_sink: Some(sink.clone()),
                }
                .resolve(),
            )
            .with_host(None)
            .with_grants(capabilities(&self.grants)?)
            .with_plugin_grants(plugin_grants)
            .with_callbacks(
                self.callbacks
                    .into_engine_callbacks(py, &errors, &ports, &sink),
            )
            .with_queue_capacity(self.queue_capacity)
            .with_port_name(self.port_name)
            .with_signature_policy(
                self.signature_policy
                    .map(|p| p.parse())
                    .transpose()
                    .into_py(py)?,
            );
        let loaded = py.detach(|| load(options));
        if loaded.is_err() {
            // The load error says what went wrong; callback exceptions were logged.
            errors.take();
        }
        let engine = loaded.into_py(py)?;
        let engine = PyEngine {
            engine: Arc::new(engine),
            errors,
            ports,
            started: Instant::now(),
            closed: AtomicBool::new(false),
        };
        engine.errors.check()?;
        Ok(engine)
    }
}

#[pymethods]
impl PyEngine {
    /// Loads the config file at `path` and every plugin it uses. `options` (an
    /// `EngineOptions`) and the keyword arguments (its fields, applied over it) say how.
    #[staticmethod]
    #[pyo3(signature = (path, *, options = None, **fields))]
    fn from_file(
        py: Python<'_>,
        path: PathBuf,
        options: Option<&Bound<'_, PyEngineOptions>>,
        fields: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        PyEngineOptions::settings(py, options, fields, "Engine.from_file()")?
            .build(py, |options| Engine::from_file(&path, options))
    }

    /// Builds an engine from config text; relative paths resolve against `base_dir`.
    /// Options as for `from_file`.
    #[staticmethod]
    #[pyo3(signature = (text, base_dir = PathBuf::from("."), *, options = None, **fields))]
    fn from_toml(
        py: Python<'_>,
        text: String,
        base_dir: PathBuf,
        options: Option<&Bound<'_, PyEngineOptions>>,
        fields: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        PyEngineOptions::settings(py, options, fields, "Engine.from_toml()")?
            .build(py, |options| Engine::from_toml(&text, &base_dir, options))
    }

    /// Runs the mappings `message` fires and returns what fired, with outcomes. Time
    /// follows `timestamp_us`: a chain reaching a delay is returned `pending`, and the
    /// rest runs in the `process` or `tick` call whose timestamp reaches it.
    #[pyo3(signature = (message, timestamp_us = None))]
    fn process(
        &self,
        py: Python<'_>,
        message: &Bound<'_, PyAny>,
        timestamp_us: Option<u64>,
    ) -> PyResult<Vec<Py<PyFired>>> {
        let bytes = midi_bytes(message)?;
        let ts = self.timestamp(timestamp_us);
        let fired = py.detach(|| self.engine.process(&bytes, ts)).into_py(py)?;
        let fired = PyFired::list(py, &fired)?;
        self.errors.check()?;
        Ok(fired)
    }

    /// Runs `message` as coming from the configured device `device` (a `[[devices]]`
    /// name): mappings with `device = "..."` fire only for their device.
    #[pyo3(signature = (device, message, timestamp_us = None))]
    fn process_from(
        &self,
        py: Python<'_>,
        device: String,
        message: &Bound<'_, PyAny>,
        timestamp_us: Option<u64>,
    ) -> PyResult<Vec<Py<PyFired>>> {
        let bytes = midi_bytes(message)?;
        let ts = self.timestamp(timestamp_us);
        let fired = py
            .detach(|| self.engine.process_from(&device, &bytes, ts))
            .into_py(py)?;
        let fired = PyFired::list(py, &fired)?;
        self.errors.check()?;
        Ok(fired)
    }

    /// Queues `message` for the engine thread; never blocks. False when it was dropped.
    #[pyo3(signature = (message, timestamp_us = None))]
    fn push(&self, message: &Bound<'_, PyAny>, timestamp_us: Option<u64>) -> PyResult<bool> {
        let bytes = midi_bytes(message)?;
        Ok(self.engine.push(&bytes, self.timestamp(timestamp_us)))
    }

    /// Advances event time to `timestamp_us`: runs the steps earlier `process` calls
    /// delayed until then, and fires long presses held past their duration.
    #[pyo3(signature = (timestamp_us = None))]
    fn tick(&self, py: Python<'_>, timestamp_us: Option<u64>) -> PyResult<Vec<Py<PyFired>>> {
        let ts = self.timestamp(timestamp_us);
        let fired = py.detach(|| self.engine.tick(ts)).into_py(py)?;
        let fired = PyFired::list(py, &fired)?;
        self.errors.check()?;
        Ok(fired)
    }

    /// Waits until every pushed message has been handled, with the delayed steps and
    /// plugin calls of the chains they started, or `timeout` seconds pass. Raises
    /// `ValueError` on the engine's own threads (from a callback).
    #[pyo3(signature = (timeout = 5.0))]
    fn wait_idle(&self, py: Python<'_>, timeout: f64) -> PyResult<bool> {
        let timeout = seconds("timeout", timeout)?;
        let idle = py.detach(|| self.engine.wait_idle(timeout)).into_py(py)?;
        self.errors.check()?;
        Ok(idle)
    }

    /// When the earliest step delayed by a `process` call is due, in microseconds on
    /// the timestamps' clock; None when nothing waits.
    fn next_due(&self, py: Python<'_>) -> Option<u64> {
        py.detach(|| self.engine.next_due())
    }

    /// The active mode's name; assign a name (or an index) to switch modes.
    #[getter]
    fn get_mode(&self, py: Python<'_>) -> String {
        py.detach(|| self.engine.mode_name())
    }

    #[setter]
    fn set_mode(&self, py: Python<'_>, mode: &Bound<'_, PyAny>) -> PyResult<()> {
        if let Ok(name) = mode.cast::<PyString>() {
            let name = name.to_cow()?.into_owned();
            return py.detach(|| self.engine.set_mode(&name)).into_py(py);
        }
        if mode.cast::<PyInt>().is_ok() {
            let index: usize = mode
                .extract()
                .map_err(|_| PyValueError::new_err("a mode index cannot be negative"))?;
            return py.detach(|| self.engine.set_mode_index(index)).into_py(py);
        }
        Err(PyTypeError::new_err(
            "assign a mode's name (str) or index (int) to Engine.mode",
        ))
    }

    /// Index of the active mode.
    #[getter]
    fn mode_index(&self, py: Python<'_>) -> usize {
        py.detach(|| self.engine.mode())
    }

    /// The names of the config's modes, in order.
    #[getter]
    fn modes(&self, py: Python<'_>) -> Vec<String> {
        let config = py.detach(|| self.engine.config());
        config.modes.iter().map(|m| m.name.clone()).collect()
    }

    /// The names of the loaded plugins.
    #[getter]
    fn plugins(&self, py: Python<'_>) -> Vec<String> {
        let mut names = py.detach(|| {
            let mut names = Vec::new();
            self.engine
                .for_each_plugin(|p| names.push(p.name().to_string()));
            names
        });
        names.sort();
        names
    }

    /// The config file in use, if it came from a file.
    #[getter]
    fn config_path(&self, py: Python<'_>) -> Option<PathBuf> {
        py.detach(|| self.engine.config().path.clone())
    }

    /// Swaps in a new config: from `path`, from `toml` text, or (with neither) by
    /// reading the current config file again. On failure the old config keeps running.
    /// Devices opened with `connect_devices` follow: when the new config changes a
    /// device's ports or `init`, the old ports get their `shutdown` and close, and the
    /// new ones open with their `init` and lights. If a new port cannot be opened,
    /// `MidiError` is raised: the new config runs, without the devices' ports, and the
    /// next reload tries again.
    #[pyo3(signature = (path = None, *, toml = None, base_dir = None))]
    fn reload(
        &self,
        py: Python<'_>,
        path: Option<PathBuf>,
        toml: Option<String>,
        base_dir: Option<PathBuf>,
    ) -> PyResult<()> {
        if path.is_some() && toml.is_some() {
            return Err(PyValueError::new_err(
                "give Engine.reload a path or toml text, not both",
            ));
        }
        let result = py.detach(|| match (path, toml) {
            (Some(path), _) => self.engine.reload_file(path),
            (None, Some(text)) => {
                let base = base_dir.unwrap_or_else(|| PathBuf::from("."));
                self.engine.reload_from_toml(&text, &base)
            }
            (None, None) => self.engine.reload_current_file(),
        });
        if result.is_err() {
            self.errors.take();
        }
        result.into_py(py)?;
        py.detach(|| self.ports.sync_devices()).into_py(py)?;
        self.errors.check()
    }

    /// Opens a MIDI input, by index in `input_ports()` or by (part of) its name (none:
    /// the config's `[device]` port or name, else the first input), and feeds what
    /// arrives to the engine thread as `push()` would. Returns its name.
    #[pyo3(signature = (port = None))]
    fn open_input(&self, py: Python<'_>, port: Option<&Bound<'_, PyAny>>) -> PyResult<String> {
        let port = port.map(selector).transpose()?;
        self.open(py, || self.ports.open_input(&self.engine, port.as_ref()))
    }

    /// Opens a MIDI output, by index in `output_ports()` or by name; what the engine
    /// sends (`SendMidi`, plugins) goes there. Returns its name.
    fn open_output(&self, py: Python<'_>, port: &Bound<'_, PyAny>) -> PyResult<String> {
        let port = selector(port)?;
        self.open(py, || self.ports.open_output(&port))
    }

    /// Opens every `[[devices]]` entry of the config: each output (its `init` messages
    /// and feedback are sent at once), then each input, each reopened on its own when
    /// it comes back after unplugging. Returns `(device, input port, output port)` for
    /// each device (`None` where it has none). The ports close, sending each output its
    /// `shutdown` messages, at `shutdown()`.
    fn connect_devices(&self, py: Python<'_>) -> PyResult<Vec<crate::ports::DevicePorts>> {
        if self.closed() {
            return Err(PyValueError::new_err(
                "the engine has been shut down; build a new one to open MIDI ports",
            ));
        }
        py.detach(|| self.ports.connect_devices(&self.engine))
            .into_py(py)
    }

    /// Creates a MIDI input port called `name` that other programs can send to.
    #[cfg(unix)]
    fn open_virtual_input(&self, py: Python<'_>, name: String) -> PyResult<String> {
        self.open(py, || self.ports.open_virtual_input(&self.engine, &name))
    }

    /// Creates a MIDI output port called `name` that other programs can receive from.
    #[cfg(unix)]
    fn open_virtual_output(&self, py: Python<'_>, name: String) -> PyResult<String> {
        self.open(py, || self.ports.open_virtual_output(&name))
    }

    /// The names of the open MIDI inputs.
    #[getter]
    fn inputs(&self, py: Python<'_>) -> Vec<String> {
        py.detach(|| self.ports.names().0)
    }

    /// The names of the open MIDI outputs.
    #[getter]
    fn outputs(&self, py: Python<'_>) -> Vec<String> {
        py.detach(|| self.ports.names().1)
    }

    /// How many pushed messages were dropped (queue full or malformed).
    #[getter]
    fn dropped(&self) -> u64 {
        self.engine.dropped()
    }

    /// How many plugin calls were refused (the plugin's mailbox was full, or it had
    /// been unloaded by a reload); each refusal is also logged.
    #[getter]
    fn refused_plugin_calls(&self, py: Python<'_>) -> u64 {
        py.detach(|| self.engine.refused_plugin_calls())
    }

    /// Whether `close()` has been called.
    #[getter]
    fn closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Stops the engine thread (after it handles what is queued) and shuts every plugin
    /// down. Later calls do nothing. From a callback it returns at once and the engine
    /// stops when the callback returns.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        self.closed.store(true, Ordering::Release);
        let result = py.detach(|| self.shutdown());
        if result.is_err() {
            self.errors.take();
        }
        result.into_py(py)?;
        py.detach(|| self.ports.sync_devices()).into_py(py)?;
        self.errors.check()
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, PyTuple>) -> PyResult<()> {
        self.close(py)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let config = py.detach(|| self.engine.config());
        let source = match &config.path {
            Some(path) => repr(py, path),
            None => "<toml>".into(),
        };
        format!(
            "<conductor.Engine {source} modes={} closed={}>",
            config.modes.len(),
            self.closed()
        )
    }
}

impl PyEngine {
    fn timestamp(&self, given: Option<u64>) -> u64 {
        given.unwrap_or_else(|| self.started.elapsed().as_micros() as u64)
    }

    /// Closes the ports, then shuts the engine down (deferred on the engine's own
    /// threads). Call with the GIL released: the engine thread may be waiting for it to
    /// deliver a callback.
    fn shutdown(&self) -> conductor_core::Result<()> {
        self.ports.close_all();
        self.engine.shutdown()
    }

    fn open(
        &self,
        py: Python<'_>,
        open: impl FnOnce() -> conductor_core::Result<String> + Send,
    ) -> PyResult<String> {
        if self.closed() {
            return Err(PyValueError::new_err(
                "the engine has been shut down; build a new one to open MIDI ports",
            ));
        }
        py.detach(open).into_py(py)
    }
}

impl Drop for PyEngine {
    fn drop(&mut self) {
        let this = &*self;
        Python::try_attach(|py| py.detach(|| drop(this.shutdown())));
    }
}
