//! MIDI ports wired to an engine: what every front end (CLI, C, Python) uses to feed an
//! engine from a port, with the config's `[device]` settings as the default.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::thread::JoinHandle;

use super::devices::Sink;
use super::{Engine, Shared};
use crate::config::{DeviceConfig, DeviceSettings};
use crate::log::{self, LogLevel, SharedLogSink};
use crate::midi::{
    self, InputConnection, OutputConnection, PortEvent, PortInfo, PortSelector, ReconnectingInput,
};
use crate::{Error, Result};

/// Where an input delivers once it is attached to an engine.
type Target = Arc<OnceLock<Arc<Shared>>>;

/// An open MIDI input feeding an engine's [`Engine::push`] queue.
///
/// Open it with [`Engine::connect_input`], or before the engine exists with
/// [`EngineInput::open`] and then [`EngineInput::attach`] (so that a missing port fails
/// before any plugin loads; what arrives before `attach` is dropped). Dropping it
/// closes the port.
pub struct EngineInput {
    port: InputPort,
    target: Target,
}

enum InputPort {
    /// An existing port, reopened when it comes back after disappearing.
    Reconnecting(ReconnectingInput),
    /// A port opened once, or a virtual port.
    Fixed(InputConnection),
}

/// The input `[device]` picks: its `port`, else the first input whose name contains
/// its `name`, else the first input port.
pub fn device_selector(device: &DeviceSettings) -> PortSelector {
    match (&device.port, &device.name) {
        (Some(port), _) => port.clone(),
        (None, Some(name)) => PortSelector::Name(name.clone()),
        (None, None) => PortSelector::Index(0),
    }
}

impl EngineInput {
    /// Opens the input `selector` picks (`None`: the one `device` picks, see
    /// [`device_selector`], unless `device.auto_connect` is off: then a port must be
    /// named and `None` is an error saying so). With `device.auto_reconnect` (the default) the port is
    /// reopened when it comes back after being unplugged; disconnections and
    /// reconnections are logged to `log`.
    pub fn open(
        selector: Option<&PortSelector>,
        device: &DeviceSettings,
        log: SharedLogSink,
    ) -> Result<EngineInput> {
        let selector = match selector {
            Some(selector) => selector.clone(),
            None if !device.auto_connect => {
                return Err(Error::InvalidArgument(
                    "the config's [device] has auto_connect = false, so no input is opened \
                     by itself: name the port to open (for example `conductor --config FILE 0`), \
                     or set auto_connect = true"
                        .into(),
                ))
            }
            None => device_selector(device),
        };
        let target = Target::default();
        let feed = feeder(&target);
        let port = if device.auto_reconnect {
            InputPort::Reconnecting(ReconnectingInput::open(
                &selector,
                midi::DEFAULT_CLIENT_NAME,
                feed,
                move |event| report(log.as_ref(), event),
            )?)
        } else {
            InputPort::Fixed(midi::open_input(
                &selector,
                midi::DEFAULT_CLIENT_NAME,
                feed,
            )?)
        };
        Ok(EngineInput { port, target })
    }

    /// Creates an input port called `name` that other programs can send to.
    #[cfg(unix)]
    pub fn open_virtual(name: &str) -> Result<EngineInput> {
        let target = Target::default();
        let connection = midi::create_virtual_input(name, feeder(&target))?;
        Ok(EngineInput {
            port: InputPort::Fixed(connection),
            target,
        })
    }

    /// Starts feeding `engine`. An input feeds one engine: later calls do nothing.
    pub fn attach(&self, engine: &Engine) {
        let _ = self.target.set(engine.shared.clone());
    }

    /// The port's name, as reported in trigger contexts.
    pub fn port_name(&self) -> String {
        match &self.port {
            InputPort::Reconnecting(p) => p.port_name(),
            InputPort::Fixed(c) => c.port_name().to_string(),
        }
    }
}

impl std::fmt::Debug for EngineInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineInput")
            .field("port_name", &self.port_name())
            .finish_non_exhaustive()
    }
}

/// The backend's callback: push into the engine once attached. Wait-free, like
/// [`Engine::push`]; a full queue counts a drop.
fn feeder(target: &Target) -> impl FnMut(u64, &[u8]) + Send + 'static {
    let target = target.clone();
    move |timestamp_us, bytes| {
        if let Some(shared) = target.get() {
            if shared.queue.push(bytes, timestamp_us) {
                shared.returns.doorbell.ring();
            }
        }
    }
}

/// Logs what happened to a reconnecting input.
fn report(log: &dyn log::LogSink, event: PortEvent) {
    let (level, message) = match event {
        PortEvent::Disconnected { port } => (
            LogLevel::Warn,
            format!("MIDI input {port} disappeared; waiting for it to come back"),
        ),
        PortEvent::Reconnected { port } => (LogLevel::Info, format!("MIDI input {port} is back")),
        PortEvent::ReconnectFailed { port, reason } => (
            LogLevel::Warn,
            format!("MIDI input {port} is back but cannot be opened: {reason}"),
        ),
        PortEvent::BackendUnavailable { reason } => (LogLevel::Warn, reason),
    };
    log::host(log, level, &message);
}

impl Engine {
    /// Opens the MIDI input `selector` picks (`None`: the config's `[device]` port or
    /// name, else the first input) and feeds it to this engine, as [`Engine::push`]
    /// would. Port events go to the engine's log. Keep the returned input alive for as
    /// long as the port should stay open. Fails once the engine has been shut down.
    pub fn connect_input(&self, selector: Option<&PortSelector>) -> Result<EngineInput> {
        self.shared.check_open()?;
        let input = EngineInput::open(selector, &self.config().device, self.shared.log.clone())?;
        input.attach(self);
        Ok(input)
    }

    /// Creates an input port called `name` that other programs can send to, feeding
    /// this engine.
    #[cfg(unix)]
    pub fn connect_virtual_input(&self, name: &str) -> Result<EngineInput> {
        self.shared.check_open()?;
        let input = EngineInput::open_virtual(name)?;
        input.attach(self);
        Ok(input)
    }
}

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

/// `name` without the `client:port` address ALSA appends (it changes on replugging).
fn without_alsa_address(name: &str) -> &str {
    match name.rsplit_once(' ') {
        Some((head, tail))
            if tail.split_once(':').is_some_and(|(c, p)| {
                !c.is_empty()
                    && !p.is_empty()
                    && c.bytes().all(|b| b.is_ascii_digit())
                    && p.bytes().all(|b| b.is_ascii_digit())
            }) =>
        {
            head
        }
        _ => name,
    }
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
                .is_some_and(|s| pick(ports, s).is_some_and(|p| p.index == port.index))
        })
        .map(|d| d.name.clone())
        .collect()
}

/// The port `selector` picks from `ports`, as opening it would.
fn pick<'a>(ports: &'a [PortInfo], selector: &PortSelector) -> Option<&'a PortInfo> {
    match selector {
        PortSelector::Index(i) => ports.get(*i),
        PortSelector::Name(text) => {
            let lower = text.to_lowercase();
            ports
                .iter()
                .find(|p| p.name == *text)
                .or_else(|| ports.iter().find(|p| p.name.contains(text.as_str())))
                .or_else(|| {
                    ports
                        .iter()
                        .find(|p| p.name.to_lowercase().contains(&lower))
                })
        }
    }
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
            let wanted = without_alsa_address(&slot.port);
            if !ports
                .iter()
                .any(|p| without_alsa_address(&p.name) == wanted)
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
        let config = self.config();
        let mut devices = Devices {
            shared: self.shared.clone(),
            inputs: Vec::new(),
            outputs: Arc::default(),
            watcher: None,
        };
        for device in &config.devices {
            let Some(selector) = &device.output else {
                continue;
            };
            let connection: OutputConnection =
                midi::open_output(selector).map_err(|e| device_error(device, "output", e))?;
            let port = connection.port_name().to_string();
            log::host(
                self.shared.log(),
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
            self.shared
                .open_device_output(&device.name, Sink::Port(Arc::new(Mutex::new(connection))));
        }
        for device in &config.devices {
            let Some(selector) = &device.input else {
                continue;
            };
            let source = self.shared.devices.source_id(&device.name);
            let shared = self.shared.clone();
            let feed = move |timestamp_us: u64, bytes: &[u8]| {
                if shared.queue.push_from(bytes, timestamp_us, source) {
                    shared.returns.doorbell.ring();
                }
            };
            let port = if device.auto_reconnect {
                let log = self.shared.log.clone();
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
                self.shared.log(),
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
            let shared = self.shared.clone();
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
