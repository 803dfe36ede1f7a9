//! Live MIDI: the input port conductor listens on (an existing port, kept open across
//! unplugging, or a virtual one), the output `SendMidi` goes to, and `--list-ports`.

use std::io::Write;
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use anyhow::{anyhow, Result};
use conductor_core::config::Config;
use conductor_core::engine::MidiOutCallback;
use conductor_core::midi::{
    self, InputConnection, OutputConnection, PortEvent, PortSelector, ReconnectingInput,
    DEFAULT_CLIENT_NAME,
};
use conductor_core::Engine;

use crate::logging::Log;

/// Where input goes once the engine is ready; events before that are dropped (nothing
/// is listening yet).
pub type EngineSlot = Arc<OnceLock<Arc<Engine>>>;

/// An open input port feeding `Engine::push`.
pub enum Input {
    /// An existing port, reopened when it comes back after disappearing.
    Port(ReconnectingInput),
    /// A port conductor created for other programs to connect to.
    Virtual(InputConnection),
}

impl Input {
    /// Opens the port `port` names (an index or part of a name; default: the config's
    /// `[device]` port or name, else the first input) and feeds what arrives to the
    /// engine in `slot`.
    ///
    /// When there is no such port, or no input port at all, the error says so and
    /// offers `--virtual` and `--replay`.
    pub fn open(
        port: Option<&str>,
        config: &Config,
        slot: &EngineSlot,
        log: &Log,
    ) -> Result<Input> {
        let selector = match port {
            Some(text) => text.parse::<PortSelector>()?,
            None => default_selector(config),
        };
        let events = log.clone();
        ReconnectingInput::open(&selector, DEFAULT_CLIENT_NAME, feeder(slot), move |e| {
            report(&events, e)
        })
        .map(Input::Port)
        .map_err(|e| {
            anyhow!(
                "no MIDI input to listen on: {e}\nInstead, `--virtual NAME` creates an input \
                 port other programs can send to, and `--replay FILE.mid` plays a MIDI file \
                 through the config"
            )
        })
    }

    /// Creates a virtual input port called `name` and feeds what arrives to the engine
    /// in `slot`.
    pub fn open_virtual(name: &str, slot: &EngineSlot) -> Result<Input> {
        #[cfg(unix)]
        {
            Ok(Input::Virtual(midi::create_virtual_input(
                name,
                feeder(slot),
            )?))
        }
        #[cfg(not(unix))]
        {
            let _ = (name, slot);
            Err(anyhow!(
                "virtual MIDI ports are not available on this operating system; create one \
                 with a loopback driver (e.g. loopMIDI) and pass its name as the port"
            ))
        }
    }

    /// The port's name, as reported in trigger contexts.
    pub fn name(&self) -> String {
        match self {
            Input::Port(p) => p.port_name(),
            Input::Virtual(c) => c.port_name().to_string(),
        }
    }
}

/// The port to open when none is given: `[device] port`, else `[device] name`, else the
/// first input port.
fn default_selector(config: &Config) -> PortSelector {
    match (&config.device.port, &config.device.name) {
        (Some(port), _) => port.clone(),
        (None, Some(name)) => PortSelector::Name(name.clone()),
        (None, None) => PortSelector::Index(0),
    }
}

/// The input callback: push into the engine once there is one.
fn feeder(slot: &EngineSlot) -> impl FnMut(u64, &[u8]) + Send + 'static {
    let slot = slot.clone();
    move |timestamp_us, bytes| {
        if let Some(engine) = slot.get() {
            engine.push(bytes, timestamp_us);
        }
    }
}

fn report(log: &Log, event: PortEvent) {
    match event {
        PortEvent::Disconnected { port } => log.warn(&format!(
            "MIDI input {port} disappeared; waiting for it to come back"
        )),
        PortEvent::Reconnected { port } => log.info(&format!("MIDI input {port} is back")),
        PortEvent::ReconnectFailed { port, reason } => log.warn(&format!(
            "MIDI input {port} is back but cannot be opened: {reason}"
        )),
        PortEvent::BackendUnavailable { reason } => log.warn(&reason),
    }
}

/// An open output for `SendMidi`.
#[derive(Clone)]
pub struct Output {
    connection: Arc<Mutex<OutputConnection>>,
    log: Log,
}

impl Output {
    /// Opens the output port `selector` names (an index or part of a name).
    pub fn open(selector: &str, log: &Log) -> Result<Output> {
        let connection = midi::open_output(&selector.parse()?)?;
        log.info(&format!("sending MIDI to {}", connection.port_name()));
        Ok(Output {
            connection: Arc::new(Mutex::new(connection)),
            log: log.clone(),
        })
    }

    /// The engine's `on_midi_out` callback: sends the bytes at once (the dispatcher
    /// calls it when their time comes), logging failures.
    pub fn callback(&self) -> MidiOutCallback {
        let this = self.clone();
        Arc::new(move |bytes: &[u8], _timestamp_us: u64| {
            let mut connection = this
                .connection
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if let Err(e) = connection.send(bytes) {
                this.log.error(&e.to_string());
            }
        })
    }
}

/// Runs until `stop` fires (Ctrl-C), then closes the input and waits for what was
/// already received to be handled.
pub fn run(engine: &Arc<Engine>, input: Input, stop: &Receiver<()>, log: &Log) -> Result<()> {
    log.info(&format!(
        "listening on MIDI input {}; press Ctrl-C to stop",
        input.name()
    ));
    // An error here means the handler is gone; stop as if it had fired.
    let _ = stop.recv();
    drop(input);
    // This thread is not one of the engine's, so waiting cannot fail.
    let _ = engine.wait_idle(std::time::Duration::from_secs(5));
    let dropped = engine.dropped();
    if dropped > 0 {
        log.warn(&format!(
            "{dropped} MIDI message{} dropped because the engine could not keep up (raise \
             [engine] queue_capacity)",
            if dropped == 1 { " was" } else { "s were" }
        ));
    }
    Ok(())
}

/// `--list-ports`: the input and output ports, numbered as `PORT` and `--output` take
/// them.
pub fn list_ports() -> Result<()> {
    let inputs = midi::input_ports()?;
    let outputs = midi::output_ports()?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "MIDI inputs (conductor --config FILE PORT):")?;
    if inputs.is_empty() {
        writeln!(out, "  none (use --virtual NAME, or --replay FILE.mid)")?;
    }
    for p in &inputs {
        writeln!(out, "  {p}")?;
    }
    writeln!(out, "MIDI outputs (--output PORT):")?;
    if outputs.is_empty() {
        writeln!(out, "  none")?;
    }
    for p in &outputs {
        writeln!(out, "  {p}")?;
    }
    Ok(())
}
