//! The ports of the config's named devices (`[[devices]]`), open and feeding one engine:
//! [`Engine::connect_devices`] opens them, [`Devices::sync`] follows a reload that
//! changed them, and a watcher thread reopens outputs that come back.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use super::devices::Sink;
use super::ports::{report, InputPort};
use super::{Engine, Shared};
use crate::config::{Config, DeviceConfig};
use crate::log::{self, LogLevel};
use crate::midi::{self, OutputConnection, PortInfo, PortSelector, ReconnectingInput};
use crate::{Error, Result};

/// Every configured device's ports (`[[devices]]`), open and feeding one engine:
/// what [`Engine::connect_devices`] returns.
///
/// Each input feeds the engine marked with its device, so mappings with
/// `device = "..."` fire only for it. Each output receives its device's `init`
/// messages when it opens, the feedback, and `SendMidi` actions with
/// `port = "<device>"`. Ports with `auto_reconnect` (the default) are reopened on their
/// own when they come back after disappearing; a reopened output gets its `init` and
/// all its feedback again. Dropping this sends every open output its `shutdown`
/// messages, then closes every port.
pub struct Devices {
    shared: Arc<Shared>,
    inputs: Vec<(String, InputPort)>,
    outputs: Arc<Mutex<Vec<OutputSlot>>>,
    watcher: Option<(mpsc::Sender<()>, JoinHandle<()>)>,
    /// What the ports were opened for; a reload that changes it makes them stale.
    opened_for: Vec<PortsOf>,
}

/// The part of a `[[devices]]` entry its open ports depend on: a reload that changes
/// any of it reopens the device's ports (and sends its `init` again).
#[derive(Debug, PartialEq)]
struct PortsOf {
    name: String,
    input: Option<PortSelector>,
    output: Option<PortSelector>,
    auto_reconnect: bool,
    init: Vec<Vec<u8>>,
}

fn ports_of(config: &Config) -> Vec<PortsOf> {
    config
        .devices
        .iter()
        .map(|d| PortsOf {
            name: d.name.clone(),
            input: d.input.clone(),
            output: d.output.clone(),
            auto_reconnect: d.auto_reconnect,
            init: d.init.clone(),
        })
        .collect()
}

/// One device's output as the watcher sees it.
struct OutputSlot {
    device: String,
    /// The port's name when it was last open.
    port: String,
    /// Whether it is open now.
    open: bool,
    auto_reconnect: bool,
    /// The last reopening failure reported, so it is reported once.
    last_failure: Option<String>,
}

impl Devices {
    /// Each open input: its device and port name.
    pub fn inputs(&self) -> Vec<(String, String)> {
        self.inputs
            .iter()
            .map(|(device, port)| (device.clone(), port_name(port)))
            .collect()
    }

    /// Each output: its device, port name and whether it is open now.
    pub fn outputs(&self) -> Vec<(String, String, bool)> {
        lock(&self.outputs)
            .iter()
            .map(|o| (o.device.clone(), o.port.clone(), o.open))
            .collect()
    }
}

impl std::fmt::Debug for Devices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Devices")
            .field("inputs", &self.inputs())
            .field("outputs", &self.outputs())
            .finish()
    }
}

impl Drop for Devices {
    fn drop(&mut self) {
        if let Some((stop, thread)) = self.watcher.take() {
            drop(stop);
            let _ = thread.join();
        }
        for slot in lock(&self.outputs).iter_mut() {
            if slot.open {
                close_sink(self.shared.close_device_output(&slot.device, true));
                slot.open = false;
            }
        }
        self.inputs.clear();
    }
}

fn port_name(port: &InputPort) -> String {
    match port {
        InputPort::Reconnecting(p) => p.port_name(),
        InputPort::Fixed(c) => c.port_name().to_string(),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Closes an output port taken out of the engine, once what was sent to it is out.
fn close_sink(sink: Option<Sink>) {
    if let Some(Sink::Port(port)) = sink {
        if let Ok(port) = Arc::try_unwrap(port) {
            port.into_inner()
                .unwrap_or_else(PoisonError::into_inner)
                .close();
        }
    }
}

/// The error for a device whose port cannot be opened.
fn device_error(device: &DeviceConfig, what: &str, e: Error) -> Error {
    Error::Midi(format!(
        "device \"{}\" (config line {}): cannot open its {what}: {e}",
        device.name, device.line
    ))
}

/// Which configured devices a port matches, as `--list-ports` shows it: the devices
/// whose `input` (for an input port) or `output` (for an output port) selector picks
/// it.
pub fn devices_matching(
    config: &crate::config::Config,
    ports: &[PortInfo],
    port: &PortInfo,
    output: bool,
) -> Vec<String> {
    config
        .devices
        .iter()
        .filter(|d| {
            let selector = if output { &d.output } else { &d.input };
            selector
                .as_ref()
                .is_some_and(|s| midi::pick_port(ports, s).is_some_and(|p| p.index == port.index))
        })
        .map(|d| d.name.clone())
        .collect()
}

/// The output watcher: notices outputs that went away and reopens them when they are
/// back, with their `init` and feedback.
fn watch_outputs(
    shared: Arc<Shared>,
    outputs: Arc<Mutex<Vec<OutputSlot>>>,
    stop: mpsc::Receiver<()>,
) {
    while let Err(RecvTimeoutError::Timeout) = stop.recv_timeout(midi::DEFAULT_POLL_INTERVAL) {
        let Ok(ports) = midi::output_ports() else {
            continue;
        };
        for slot in lock(&outputs).iter_mut().filter(|s| s.auto_reconnect) {
            if slot.open {
                if !ports.iter().any(|p| p.name == slot.port) {
                    close_sink(shared.close_device_output(&slot.device, false));
                    slot.open = false;
                    log::host(
                        shared.log(),
                        LogLevel::Warn,
                        &format!(
                            "MIDI output {} of device {} disappeared; waiting for it to come back",
                            slot.port, slot.device
                        ),
                    );
                }
                continue;
            }
            let wanted = midi::strip_alsa_address(&slot.port);
            if !ports
                .iter()
                .any(|p| midi::strip_alsa_address(&p.name) == wanted)
            {
                continue;
            }
            match midi::open_output(&PortSelector::Name(wanted.to_string())) {
                Ok(connection) => {
                    slot.port = connection.port_name().to_string();
                    slot.open = true;
                    slot.last_failure = None;
                    shared.open_device_output(
                        &slot.device,
                        Sink::Port(Arc::new(Mutex::new(connection))),
                    );
                    log::host(
                        shared.log(),
                        LogLevel::Info,
                        &format!(
                            "MIDI output {} of device {} is back",
                            slot.port, slot.device
                        ),
                    );
                }
                Err(e) => {
                    let reason = e.to_string();
                    if slot.last_failure.as_ref() != Some(&reason) {
                        log::host(
                            shared.log(),
                            LogLevel::Warn,
                            &format!(
                                "MIDI output {} of device {} is back but cannot be opened: {reason}",
                                slot.port, slot.device
                            ),
                        );
                        slot.last_failure = Some(reason);
                    }
                }
            }
        }
    }
}

impl Engine {
    /// Opens every configured device's ports (`[[devices]]`): each output first (its
    /// `init` messages and feedback are sent at once), then each input. Fails, naming
    /// the device and listing the ports that exist, when a port cannot be opened. Keep
    /// the returned [`Devices`] alive for as long as the ports should stay open.
    pub fn connect_devices(&self) -> Result<Devices> {
        self.shared.check_open()?;
        Devices::open(&self.shared, &self.config())
    }
}

impl Devices {
    /// Whether these ports are still the ones the engine's config asks for. A reload
    /// that changes a device's name, ports, `auto_reconnect` or `init` makes them stale
    /// (feedback, `shutdown`, `thru` and mappings follow a reload without reopening).
    pub fn is_current(&self) -> bool {
        ports_of(&self.shared.router().program.config) == self.opened_for
    }

    /// Follows a reload: when the config's `[[devices]]` no longer match these ports
    /// ([`Devices::is_current`]), sends every open output its `shutdown`, closes every
    /// port, and opens the devices of the config now running (each output gets its
    /// `init` and feedback). Returns whether it reopened. Unchanged devices are left
    /// alone, so calling it after every reload is cheap.
    ///
    /// When a port of the new config cannot be opened, the error names it and no port
    /// stays open; the next `sync` tries again.
    pub fn sync(&mut self) -> Result<bool> {
        if self.is_current() {
            return Ok(false);
        }
        self.shared.check_open()?;
        let shared = self.shared.clone();
        let config = shared.router().program.config.clone();
        // Closed before reopening: the new config may name the same ports.
        drop(std::mem::replace(self, Devices::none(&shared)));
        *self = Devices::open(&shared, &config)?;
        Ok(true)
    }

    /// A set with no ports, stale for any config with devices.
    fn none(shared: &Arc<Shared>) -> Devices {
        Devices {
            shared: shared.clone(),
            inputs: Vec::new(),
            outputs: Arc::default(),
            watcher: None,
            opened_for: Vec::new(),
        }
    }

    /// Opens every device of `config` for `shared`'s engine: outputs first, then inputs.
    fn open(shared: &Arc<Shared>, config: &Config) -> Result<Devices> {
        let mut devices = Devices::none(shared);
        devices.opened_for = ports_of(config);
        for device in &config.devices {
            let Some(selector) = &device.output else {
                continue;
            };
            let connection: OutputConnection =
                midi::open_output(selector).map_err(|e| device_error(device, "output", e))?;
            let port = connection.port_name().to_string();
            log::host(
                shared.log(),
                LogLevel::Info,
                &format!("device {}: sending to MIDI output {port}", device.name),
            );
            lock(&devices.outputs).push(OutputSlot {
                device: device.name.clone(),
                port,
                open: true,
                auto_reconnect: device.auto_reconnect,
                last_failure: None,
            });
            shared.open_device_output(&device.name, Sink::Port(Arc::new(Mutex::new(connection))));
        }
        for device in &config.devices {
            let Some(selector) = &device.input else {
                continue;
            };
            let source = shared.devices.source_id(&device.name);
            let engine = shared.clone();
            let feed = move |timestamp_us: u64, bytes: &[u8]| {
                if engine.queue.push_from(bytes, timestamp_us, source) {
                    engine.returns.doorbell.ring();
                }
            };
            let port = if device.auto_reconnect {
                let log = shared.log.clone();
                InputPort::Reconnecting(
                    ReconnectingInput::open(selector, midi::DEFAULT_CLIENT_NAME, feed, move |e| {
                        report(log.as_ref(), e)
                    })
                    .map_err(|e| device_error(device, "input", e))?,
                )
            } else {
                InputPort::Fixed(
                    midi::open_input(selector, midi::DEFAULT_CLIENT_NAME, feed)
                        .map_err(|e| device_error(device, "input", e))?,
                )
            };
            log::host(
                shared.log(),
                LogLevel::Info,
                &format!(
                    "device {}: listening on MIDI input {}",
                    device.name,
                    port_name(&port)
                ),
            );
            devices.inputs.push((device.name.clone(), port));
        }
        if lock(&devices.outputs).iter().any(|o| o.auto_reconnect) {
            let (stop, stopped) = mpsc::channel();
            let shared = shared.clone();
            let outputs = devices.outputs.clone();
            let thread = std::thread::Builder::new()
                .name("conductor-output-watch".into())
                .spawn(move || watch_outputs(shared, outputs, stopped))
                .map_err(|e| {
                    Error::Runtime(format!("cannot start the MIDI output watcher thread: {e}"))
                })?;
            devices.watcher = Some((stop, thread));
        }
        Ok(devices)
    }
}
