//! The bundled command-line tools, `conductor` and `conductor-sign`.
//!
//! They are thin shells over `conductor-core`: argument parsing, printing and process
//! plumbing (ports, Ctrl-C, stdout) live here; everything with behaviour — loading and
//! validating configs, running plugins, signatures, installing plugins, MIDI files and
//! ports — is the library's, so the C and Python front ends share it. The user guide is
//! `docs/cli.md`.

pub mod args;
pub mod check;
pub mod grants;
pub mod host_actions;
pub mod learn;
pub mod listen;
pub mod logging;
pub mod monitor;
pub mod plugin_cmd;
pub mod replay;
pub mod run;
pub mod session;
pub mod sign;
pub mod stop;
pub mod watch;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command, PluginCommand};
use session::Session;

/// Entry point of `conductor`: parses the command line, runs it, prints any error on
/// stderr and returns the exit code (0 success, 1 failure, 2 bad usage).
pub fn conductor_main() -> ExitCode {
    let cli = Cli::parse();
    let session = Session::new(&cli.common);
    let result = match cli.command {
        Some(Command::Check { config }) => check::run(&session, &config),
        Some(Command::Plugin(PluginCommand::Info { file })) => plugin_cmd::info(&session, &file),
        Some(Command::Plugin(PluginCommand::Install { file, dir })) => {
            plugin_cmd::install(&session, &file, dir.as_deref())
        }
        Some(Command::Plugin(PluginCommand::New { name, sdk_path })) => {
            plugin_cmd::new(&name, sdk_path.as_deref())
        }
        Some(Command::Monitor {
            port,
            config,
            virtual_port,
        }) => stop::on_ctrl_c().and_then(|stop| {
            monitor::run(
                port.as_deref(),
                virtual_port.as_deref(),
                config.as_deref(),
                &stop,
                &session.log,
            )
        }),
        Some(Command::Learn {
            port,
            virtual_port,
            timeout,
        }) => learn::run(
            port.as_deref(),
            virtual_port.as_deref(),
            std::time::Duration::from_secs_f64(timeout.max(0.0)),
            &session.log,
        ),
        None => run::run(&cli.run, &session),
    };
    finish(result, |message| session.log.error(message))
}

/// Entry point of `conductor-sign`.
pub fn conductor_sign_main() -> ExitCode {
    let cli = sign::SignCli::parse();
    finish(sign::run(cli), |message| {
        eprintln!("conductor-sign: error: {message}")
    })
}

fn finish(result: anyhow::Result<()>, print: impl Fn(&str)) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            print(&error_text(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes, `: `-separated, leaving out a cause whose text the message
/// already includes (conductor-core's errors name their cause themselves).
fn error_text(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}
