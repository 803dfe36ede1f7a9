//! `conductor monitor [PORT] [--config FILE]`: print every MIDI message that arrives,
//! decoded, and with a config, the mappings it fires.

use std::io::Write;
use std::path::Path;
use std::sync::mpsc::Receiver;
use std::time::Duration;

use anyhow::{anyhow, Result};
use conductor_core::config::Config;
use conductor_core::learn::Capture;
use conductor_core::mapping::MappingTable;
use conductor_core::midi::PortSelector;

use crate::logging::Log;

/// Opens the input `port` names (an index or part of a name; default: the first input
/// port), or creates the virtual input `virtual_port`.
pub fn open_capture(port: Option<&str>, virtual_port: Option<&str>) -> Result<Capture> {
    match virtual_port {
        #[cfg(unix)]
        Some(name) => Ok(Capture::open_virtual(name)?),
        #[cfg(not(unix))]
        Some(_) => Err(anyhow!(
            "virtual MIDI ports are not available on this operating system; create one \
             with a loopback driver (e.g. loopMIDI) and pass its name as the port"
        )),
        None => {
            let selector = port.map(str::parse::<PortSelector>).transpose()?;
            Capture::open(selector.as_ref()).map_err(|e| {
                anyhow!(
                    "no MIDI input to listen on: {e}\nInstead, `--virtual NAME` creates an \
                     input port other programs can send to"
                )
            })
        }
    }
}

/// Runs the monitor until `stop` fires (Ctrl-C). Each message is one line on stdout,
/// `note-on ch=1 note=60 velocity=100` (channels 1-based, as MIDI monitors show them);
/// with `config`, each mapping it fires in the first mode (or globally) follows on its
/// own line, `  fires: Note → Host (line 7) in mode "Default"`.
pub fn run(
    port: Option<&str>,
    virtual_port: Option<&str>,
    config: Option<&Path>,
    stop: &Receiver<()>,
    log: &Log,
) -> Result<()> {
    let config = config.map(Config::from_file).transpose()?;
    let mut table = config.as_ref().map(MappingTable::new);
    let capture = open_capture(port, virtual_port)?;
    log.info(&format!(
        "monitoring MIDI input {}; press Ctrl-C to stop",
        capture.port_name()
    ));
    let mut out = std::io::stdout().lock();
    let mut fired = Vec::new();
    while stop.try_recv().is_err() {
        let Some((t_us, message)) = capture.next(Duration::from_millis(100)) else {
            continue;
        };
        writeln!(out, "{message}")?;
        if let (Some(table), Some(config)) = (table.as_mut(), config.as_ref()) {
            fired.clear();
            table.route(&message, t_us, 0, &mut fired);
            for &id in &fired {
                let entry = table.entry(id);
                let scope = match entry.mode {
                    Some(m) => format!("in mode \"{}\"", config.modes[m].name),
                    None => "global".to_string(),
                };
                writeln!(out, "  fires: {} {scope}", entry.mapping.label())?;
            }
        }
        out.flush()?;
    }
    Ok(())
}
