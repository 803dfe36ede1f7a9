//! `conductor --config FILE [PORT]`: load the config and its plugins, then run them on a
//! MIDI input (or a replayed file) until Ctrl-C.

use std::sync::{Arc, Mutex};

use anyhow::{anyhow, Result};
use conductor_core::config::Config;
use conductor_core::engine::EngineCallbacks;
use conductor_core::plugin::Capability;
use conductor_core::Engine;

use crate::args::RunArgs;
use crate::host_actions::HostActions;
use crate::listen::{self, Input, Output};
use crate::session::{sends_midi, Session};
use crate::watch::SharedDevices;
use crate::{replay, stop};

/// Runs the default command.
///
/// Everything that can fail before listening fails first, with the reason: the config
/// (naming the line), the ports, every plugin (naming it). Only then does the input
/// start. Ctrl-C stops it, every plugin's `shutdown()` runs once, and the exit code is 0.
pub fn run(args: &RunArgs, session: &Session) -> Result<()> {
    if args.list_ports {
        let config = args.config.as_ref().map(Config::from_file).transpose()?;
        return listen::list_ports(config.as_ref());
    }
    let config_path = args.config.as_ref().ok_or_else(|| {
        anyhow!(
            "no config given: pass --config FILE, e.g. `conductor --config test_config.toml 0` \
             (or `conductor --list-ports` to see the MIDI ports)"
        )
    })?;
    let config = Config::from_file(config_path)?;
    let log = &session.log;

    // Ports are opened before plugins load, so a missing port fails fast; input that
    // arrives before the engine is ready is dropped.
    // With [[devices]], the devices are the inputs: the [device] input is opened only
    // when a port is named.
    let devices_only = !config.devices.is_empty() && args.port.is_none();
    let input = match (&args.replay, &args.virtual_port) {
        (Some(_), _) => None,
        (None, Some(name)) => Some(listen::open_virtual_input(name)?),
        (None, None) if devices_only => None,
        (None, None) => Some(listen::open_input(args.port.as_deref(), &config, log)?),
    };
    let output = match (&args.output, &args.virtual_output) {
        (Some(selector), _) => Some(Output::open(selector, log)?),
        (None, Some(name)) => Some(Output::open_virtual(name, log)?),
        (None, None) => {
            if sends_midi(&config) {
                log.warn(
                    "the config sends MIDI (SendMidi) but no output is open, so those messages \
                     are dropped; pass --output PORT (see --list-ports)",
                );
            }
            None
        }
    };

    let host_actions = HostActions::new(
        session.grants.global_allows(Capability::Subprocess),
        log.clone(),
    )
    .performing(&session.grants.host_actions, &config)?;
    let callbacks = EngineCallbacks::default()
        .with_on_action(Some(host_actions.callback()))
        .with_on_host_request(Some(host_actions.request_callback()))
        .with_on_midi_out(output.as_ref().map(Output::callback));
    let mut options = session.engine_options(callbacks);
    options.port_name = input.as_ref().map(Input::port_name);
    let stop = stop::on_ctrl_c()?;
    let engine = Arc::new(Engine::new(config, options)?);
    if let Some(input) = &input {
        input.attach(&engine);
    }
    // Every [[devices]] entry's ports; their init and feedback are sent now. A reload
    // that changes them reopens them (a replay opens no ports).
    let devices: SharedDevices = Arc::new(Mutex::new(match &args.replay {
        None if !engine.config().devices.is_empty() => Some(engine.connect_devices()?),
        _ => None,
    }));
    let follow = args.replay.is_none().then(|| devices.clone());
    let _watch = crate::watch::for_run(args, &engine, config_path, follow, log)?;

    let outcome = match (&args.replay, input) {
        (Some(file), _) => replay::run(&engine, file, args.fast, &stop, log)
            .and_then(|summary| replay::check(&summary, log)),
        (None, input) => listen::run(&engine, input, &devices, &stop, log),
    };
    let shutdown = engine.shutdown();
    host_actions.wait();
    outcome?;
    shutdown.map_err(|e| anyhow!("a plugin failed at shutdown: {e}"))?;
    Ok(())
}
