//! MIDI ports: `input_ports()`, `output_ports()` and the connections an engine opens.

use std::sync::{Mutex, MutexGuard, PoisonError};

use conductor_core::engine::{Devices, EngineInput};
use conductor_core::midi::{self, OutputConnection, PortInfo, PortSelector};
use conductor_core::Engine;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyInt, PyString};

use crate::errors::IntoPyResult;

/// The names of the MIDI ports Conductor can receive from; a port's index in this
/// list is what `Engine.open_input(index)` takes.
#[pyfunction]
pub fn input_ports(py: Python<'_>) -> PyResult<Vec<String>> {
    py.detach(midi::input_ports).into_py(py).map(names)
}

/// The names of the MIDI ports Conductor can send to, by index.
#[pyfunction]
pub fn output_ports(py: Python<'_>) -> PyResult<Vec<String>> {
    py.detach(midi::output_ports).into_py(py).map(names)
}

fn names(ports: Vec<PortInfo>) -> Vec<String> {
    ports.into_iter().map(|p| p.name).collect()
}

/// A port given as an index (`int`) or as (part of) its name (`str`).
pub fn selector(port: &Bound<'_, PyAny>) -> PyResult<PortSelector> {
    if let Ok(name) = port.cast::<PyString>() {
        return Ok(PortSelector::Name(name.to_cow()?.into_owned()));
    }
    if port.cast::<PyInt>().is_ok() {
        return port
            .extract::<usize>()
            .map(PortSelector::Index)
            .map_err(|_| PyValueError::new_err("a MIDI port index cannot be negative"));
    }
    Err(PyTypeError::new_err(
        "a MIDI port is its index (int) in input_ports()/output_ports() or (part of) its name (str)",
    ))
}

/// A device as `connect_devices` reports it: its name, input port and output port.
pub type DevicePorts = (String, Option<String>, Option<String>);

/// The ports an engine has open. Inputs push into the engine; outputs receive what the
/// engine sends (`SendMidi` actions, plugins with the Midi capability).
#[derive(Default)]
pub struct MidiConnections {
    inputs: Mutex<Vec<EngineInput>>,
    outputs: Mutex<Vec<OutputConnection>>,
    /// The `[[devices]]` ports, opened by `connect_devices`.
    devices: Mutex<Option<Devices>>,
}

impl MidiConnections {
    /// Opens the input `selector` picks (`None`: the config's `[device]` port), pushing
    /// every packet into `engine` with the backend's timestamp. Returns the port's name.
    pub fn open_input(
        &self,
        engine: &Engine,
        selector: Option<&PortSelector>,
    ) -> conductor_core::Result<String> {
        Ok(self.add_input(engine.connect_input(selector)?))
    }

    /// Opens the output `selector` picks. Returns the port's name.
    pub fn open_output(&self, selector: &PortSelector) -> conductor_core::Result<String> {
        let connection = midi::open_output(selector)?;
        Ok(self.add_output(connection))
    }

    /// Creates an input port named `name` other programs can send to.
    #[cfg(unix)]
    pub fn open_virtual_input(
        &self,
        engine: &Engine,
        name: &str,
    ) -> conductor_core::Result<String> {
        Ok(self.add_input(engine.connect_virtual_input(name)?))
    }

    /// Creates an output port named `name` other programs can receive from.
    #[cfg(unix)]
    pub fn open_virtual_output(&self, name: &str) -> conductor_core::Result<String> {
        let connection = midi::create_virtual_output(name)?;
        Ok(self.add_output(connection))
    }

    /// Sends `bytes` to every open output. A failed send is returned after trying all.
    pub fn send(&self, bytes: &[u8]) -> conductor_core::Result<()> {
        let mut first_error = None;
        for output in lock(&self.outputs).iter_mut() {
            if let Err(e) = output.send(bytes) {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Opens every `[[devices]]` entry of `engine`'s config (core's
    /// `Engine::connect_devices`), closing a previous set first. Returns each device
    /// with its input and output port names (`None` where it has none).
    pub fn connect_devices(&self, engine: &Engine) -> conductor_core::Result<Vec<DevicePorts>> {
        let mut slot = lock(&self.devices);
        drop(slot.take());
        let devices = engine.connect_devices()?;
        let inputs = devices.inputs();
        let outputs = devices.outputs();
        let listed = engine
            .config()
            .devices
            .iter()
            .map(|d| {
                let input = inputs.iter().find(|i| i.0 == d.name).map(|i| i.1.clone());
                let output = outputs.iter().find(|o| o.0 == d.name).map(|o| o.1.clone());
                (d.name.clone(), input, output)
            })
            .collect();
        *slot = Some(devices);
        Ok(listed)
    }

    /// After a reload: reopens the devices' ports when the new config changed them
    /// (core's `Devices::sync`). Returns whether it reopened.
    pub fn sync_devices(&self) -> conductor_core::Result<bool> {
        lock(&self.devices)
            .as_mut()
            .map_or(Ok(false), Devices::sync)
    }

    /// Closes every connection (devices send their shutdown messages first). Call with
    /// the GIL released.
    pub fn close_all(&self) {
        drop(lock(&self.devices).take());
        drop(std::mem::take(&mut *lock(&self.inputs)));
        drop(std::mem::take(&mut *lock(&self.outputs)));
    }

    /// Names of the open inputs and outputs.
    pub fn names(&self) -> (Vec<String>, Vec<String>) {
        (
            lock(&self.inputs)
                .iter()
                .map(EngineInput::port_name)
                .collect(),
            lock(&self.outputs)
                .iter()
                .map(|c| c.port_name().to_string())
                .collect(),
        )
    }

    fn add_input(&self, connection: EngineInput) -> String {
        let name = connection.port_name();
        lock(&self.inputs).push(connection);
        name
    }

    fn add_output(&self, connection: OutputConnection) -> String {
        let name = connection.port_name().to_string();
        lock(&self.outputs).push(connection);
        name
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
