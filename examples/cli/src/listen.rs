//! Live MIDI: the input port conductor listens on (an existing port, kept open across
//! unplugging, or a virtual one), the output `SendMidi` goes to, and `--list-ports`.

use std::io::Write;
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::{anyhow, Result};
use conductor_core::config::Config;
use conductor_core::engine::{devices_matching, Devices, EngineInput, MidiOutCallback};

use crate::watch::SharedDevices;
use conductor_core::midi::{self, OutputConnection, PortSelector};
use conductor_core::Engine;

use crate::logging::Log;

/// An open input port feeding the engine (core's [`EngineInput`]): opened before the
/// engine exists, attached once it is ready.
pub type Input = EngineInput;

/// Opens the port `port` names (an index or part of a name; default: the config's
/// `[device]` port or name, else the first input). It is reopened when it comes back
/// after unplugging, unless `[device] auto_reconnect = false`.
///
/// When there is no such port, or no input port at all, the error says so and offers
/// `--virtual` and `--replay`.
pub fn open_input(port: Option<&str>, config: &Config, log: &Log) -> Result<Input> {
    let selector = port.map(str::parse::<PortSelector>).transpose()?;
    EngineInput::open(selector.as_ref(), &config.device, log.sink()).map_err(|e| {
        anyhow!(
            "no MIDI input to listen on: {e}\nInstead, `--virtual NAME` creates an input \
             port other programs can send to, and `--replay FILE.mid` plays a MIDI file \
             through the config"
        )
    })
}

/// Creates a virtual input port called `name`.
pub fn open_virtual_input(name: &str) -> Result<Input> {
    #[cfg(unix)]
    {
        Ok(EngineInput::open_virtual(name)?)
    }
    #[cfg(not(unix))]
    {
        let _ = name;
        Err(anyhow!(
            "virtual MIDI ports are not available on this operating system; create one \
             with a loopback driver (e.g. loopMIDI) and pass its name as the port"
        ))
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

    /// Creates an output port called `name` that other programs connect to.
    pub fn open_virtual(name: &str, log: &Log) -> Result<Output> {
        #[cfg(unix)]
        {
            let connection = midi::create_virtual_output(name)?;
            log.info(&format!("sending MIDI to the virtual output {name}"));
            Ok(Output {
                connection: Arc::new(Mutex::new(connection)),
                log: log.clone(),
            })
        }
        #[cfg(not(unix))]
        {
            let _ = (name, log);
            Err(anyhow!(
                "virtual MIDI ports are not available on this operating system; create one \
                 with a loopback driver (e.g. loopMIDI) and pass its name to --output"
            ))
        }
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

/// Runs until `stop` fires (Ctrl-C), then closes the input and the devices (sending
/// their shutdown sequences) and waits for what was already received to be handled.
pub fn run(
    engine: &Arc<Engine>,
    input: Option<Input>,
    devices: &SharedDevices,
    stop: &Receiver<()>,
    log: &Log,
) -> Result<()> {
    let mut listening: Vec<String> = input
        .iter()
        .map(|i| format!("MIDI input {}", i.port_name()))
        .collect();
    let inputs = crate::watch::lock(devices)
        .as_ref()
        .map(Devices::inputs)
        .unwrap_or_default();
    for (device, port) in inputs {
        listening.push(format!("device {device} on {port}"));
    }
    if listening.is_empty() {
        log.info("no input is open (the devices have only outputs); press Ctrl-C to stop");
    } else {
        log.info(&format!(
            "listening on {}; press Ctrl-C to stop",
            listening.join(", ")
        ));
    }
    // An error here means the handler is gone; stop as if it had fired.
    let _ = stop.recv();
    drop(input);
    drop(crate::watch::lock(devices).take());
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
/// them; with a config, each port the config's `[[devices]]` would open is marked
/// with the device's name.
pub fn list_ports(config: Option<&Config>) -> Result<()> {
    let inputs = midi::input_ports()?;
    let outputs = midi::output_ports()?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "MIDI inputs (conductor --config FILE PORT):")?;
    if inputs.is_empty() {
        writeln!(out, "  none (use --virtual NAME, or --replay FILE.mid)")?;
    }
    for p in &inputs {
        writeln!(out, "  {p}{}", for_devices(config, &inputs, p, false))?;
    }
    writeln!(out, "MIDI outputs (--output PORT):")?;
    if outputs.is_empty() {
        writeln!(out, "  none")?;
    }
    for p in &outputs {
        writeln!(out, "  {p}{}", for_devices(config, &outputs, p, true))?;
    }
    Ok(())
}

/// `"  (device pads)"` when the config's devices would open port `p`, else `""`.
fn for_devices(
    config: Option<&Config>,
    ports: &[midi::PortInfo],
    p: &midi::PortInfo,
    output: bool,
) -> String {
    let names = config.map_or_else(Vec::new, |c| devices_matching(c, ports, p, output));
    if names.is_empty() {
        String::new()
    } else {
        format!("  (device {})", names.join(", "))
    }
}
