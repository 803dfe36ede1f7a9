//! `conductor learn [PORT]`: wait for the next control touched and print the trigger
//! line for it, ready to paste into a config.

use std::io::Write;
use std::time::Duration;

use anyhow::{anyhow, Result};

use crate::logging::Log;
use crate::monitor::open_capture;

/// Listens on the input `port` names (or the virtual input `virtual_port`) for up to
/// `timeout`, and prints on stdout a comment saying what was recognised and the
/// `trigger = ...` line; fails when nothing was touched in time.
pub fn run(
    port: Option<&str>,
    virtual_port: Option<&str>,
    timeout: Duration,
    log: &Log,
) -> Result<()> {
    let capture = open_capture(port, virtual_port)?;
    log.info(&format!(
        "touch a control on {} (a key, pad, knob, fader, encoder, wheel)...",
        capture.port_name()
    ));
    let learned = capture.learn(timeout).ok_or_else(|| {
        anyhow!(
            "no control was touched on {} within {} s; check the port with `conductor \
             --list-ports`, or wait longer with --timeout SECONDS",
            capture.port_name(),
            timeout.as_secs_f64()
        )
    })?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "# {}", learned.description())?;
    writeln!(out, "{}", learned.toml())?;
    out.flush()?;
    Ok(())
}
