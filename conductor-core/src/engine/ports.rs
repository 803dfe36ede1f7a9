//! MIDI ports wired to an engine: what every front end (CLI, C, Python) uses to feed an
//! engine from a port, with the config's `[device]` settings as the default. The named
//! `[[devices]]` are in `device_ports.rs`.

use std::sync::{Arc, OnceLock};

use super::{Engine, Shared};
use crate::config::DeviceSettings;
use crate::log::{self, LogLevel, SharedLogSink};
use crate::midi::{self, InputConnection, PortEvent, PortSelector, ReconnectingInput};
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

pub(super) enum InputPort {
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
pub(super) fn report(log: &dyn log::LogSink, event: PortEvent) {
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
