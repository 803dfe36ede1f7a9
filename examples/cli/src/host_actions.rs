//! Host actions (`Keystroke`, `Text`, `Launch`, `Shell`, `MouseClick`, `VolumeControl`,
//! `Host`) and plugins' SystemControl / Audio requests: one JSON object per line on
//! stdout, for other programs to act on. `Shell` commands are also run, but only when
//! Subprocess was granted to everyone. `Keystroke`, `Text`, `MouseClick`, `Launch` and
//! `VolumeControl` are performed instead of printed when granted with
//! `--grant HostActions[:KIND]` (see `perform`).

mod parse;
mod perform;

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use anyhow::{bail, Result};
use conductor_core::config::{Action, Config};
use conductor_core::engine::{ActionCallback, HostActionEvent, HostRequestCallback};
use conductor_core::plugin::HostRequest;

use crate::grants::HostActionKind;
use crate::logging::Log;
use perform::Performer;

/// The handler for host actions; keeps track of the `Shell` commands it started and
/// performs the host actions granted to it.
#[derive(Clone)]
pub struct HostActions {
    run_shell: bool,
    log: Log,
    running: Arc<Mutex<Vec<JoinHandle<()>>>>,
    perform: Vec<HostActionKind>,
    performer: Option<Performer>,
}

impl HostActions {
    /// A handler that runs `Shell` commands only when `run_shell` is true and prints
    /// every other host action.
    pub fn new(run_shell: bool, log: Log) -> Self {
        HostActions {
            run_shell,
            log,
            running: Arc::default(),
            perform: Vec::new(),
            performer: None,
        }
    }

    /// Also performs the host actions of the kinds in `perform` (`--grant HostActions`)
    /// instead of printing them, after checking every such action of `config`: a key
    /// name, button or operation conductor cannot perform fails here, naming the mapping,
    /// before any input is read.
    pub fn performing(mut self, perform: &[HostActionKind], config: &Config) -> Result<Self> {
        if perform.is_empty() {
            return Ok(self);
        }
        let mut problems = Vec::new();
        let mut needs_input = false;
        let mut fn_left_out = Vec::new();
        for (_, mapping) in config.all_mappings() {
            mapping.action.visit(&mut |action| {
                let Action::Host(host) = action else { return };
                let Some(kind) = HostActionKind::from_action_name(&host.name) else {
                    return;
                };
                if !perform.contains(&kind) {
                    return;
                }
                needs_input |= matches!(
                    kind,
                    HostActionKind::Keystroke | HostActionKind::Text | HostActionKind::MouseClick
                );
                match parse::parse(kind, &host.data) {
                    Ok(parse::Perform::Keystroke {
                        left_out_fn: true, ..
                    }) => fn_left_out.push(mapping.label()),
                    Ok(_) => {}
                    Err(e) => problems.push(format!("{}: {e}", mapping.label())),
                }
            });
        }
        if !problems.is_empty() {
            bail!(
                "{} host action{} cannot be performed (--grant HostActions):\n  {}",
                problems.len(),
                if problems.len() == 1 { "" } else { "s" },
                problems.join("\n  ")
            );
        }
        for label in fn_left_out {
            self.log.warn(&format!(
                "{label}: the fn key is left out of the Keystroke: no software can press it \
                 (the keyboard handles it itself); name the key it produces instead, e.g. f5 \
                 or volumeup"
            ));
        }
        if needs_input
            && cfg!(all(unix, not(target_os = "macos")))
            && std::env::var_os("DISPLAY").is_none()
        {
            self.log.warn(
                "DISPLAY is not set, so Keystroke, Text and MouseClick actions will fail: they \
                 need an X11 session (or XWayland under Wayland)",
            );
        }
        self.perform = perform.to_vec();
        self.performer = Some(Performer::start(self.log.clone()));
        Ok(self)
    }

    /// The engine's `on_action` callback.
    ///
    /// Each event becomes one line of JSON on stdout (`HostActionEvent::to_json`: the
    /// action name, its fields and the trigger context). A `Shell` action's `command` is
    /// run with `sh -c` (`cmd /C` on Windows) when allowed — its output goes to stderr,
    /// so stdout stays pure JSON — and otherwise a warning says how to allow it.
    ///
    /// An action of a kind granted with `--grant HostActions` is performed instead (on
    /// the host action thread, in order) and not printed; a failure is logged as an
    /// error.
    pub fn callback(&self) -> ActionCallback {
        let this = self.clone();
        Arc::new(move |event: &HostActionEvent| {
            if let Some(performer) = &this.performer {
                let kind = HostActionKind::from_action_name(&event.name)
                    .filter(|k| this.perform.contains(k));
                if let Some(kind) = kind {
                    let label = format!("{kind} {}", event.data);
                    match parse::parse(kind, &event.data) {
                        Ok(action) => performer.send(action.with_context(&event.context), label),
                        Err(e) => this.log.error(&format!("{label} not performed: {e}")),
                    }
                    return;
                }
            }
            print_json(event);
            if event.name == "Shell" {
                if let Some(waiter) = shell(event, this.run_shell, &this.log) {
                    this.lock().push(waiter);
                }
            }
        })
    }

    /// The engine's `on_host_request` callback: a plugin's SystemControl or Audio
    /// request becomes one line of JSON on stdout, `{"request": "SystemControl",
    /// "plugin": ..., "data": ...}`, and the plugin is answered `null` (accepted).
    pub fn request_callback(&self) -> HostRequestCallback {
        Arc::new(|request: &HostRequest| {
            let mut line = request.to_json();
            if let Some(obj) = line.as_object_mut() {
                let capability = obj.remove("capability").unwrap_or_default();
                obj.insert("request".into(), capability);
            }
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
            Ok(serde_json::Value::Null)
        })
    }

    /// Waits for the `Shell` commands still running, so none is cut off or left behind
    /// when conductor exits, and for the performed host actions still queued. Programs
    /// started by `Launch` are not waited for.
    pub fn wait(&self) {
        if let Some(performer) = &self.performer {
            performer.finish();
        }
        let waiters = std::mem::take(&mut *self.lock());
        for w in waiters {
            let _ = w.join();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<JoinHandle<()>>> {
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        running.retain(|w| !w.is_finished());
        running
    }
}

fn print_json(event: &HostActionEvent) {
    let mut out = std::io::stdout().lock();
    // A closed stdout (e.g. `| head`) must not stop the engine.
    let _ = writeln!(out, "{}", event.to_json());
    let _ = out.flush();
}

/// Starts the command of a `Shell` action; returns the thread that waits for it.
fn shell(event: &HostActionEvent, run_shell: bool, log: &Log) -> Option<JoinHandle<()>> {
    let Some(command) = event.data.get("command").and_then(|c| c.as_str()) else {
        log.warn("Shell action without a `command` string; nothing to run");
        return None;
    };
    if !run_shell {
        log.warn(&format!(
            "Shell action not run: `{command}` (running commands needs the Subprocess \
             capability; start conductor with `--grant Subprocess` to allow it)"
        ));
        return None;
    }
    let mut child = shell_command(command);
    child.stdin(Stdio::null()).stdout(std::io::stderr());
    match child.spawn() {
        Ok(mut child) => {
            log.debug(&format!(
                "Shell action started: `{command}` (pid {})",
                child.id()
            ));
            // Waited for on its own thread: the engine never waits for a command.
            let log = log.clone();
            let command = command.to_string();
            Some(std::thread::spawn(move || match child.wait() {
                Ok(status) if status.success() => {
                    log.debug(&format!("Shell action `{command}` finished"))
                }
                Ok(status) => log.warn(&format!("Shell action `{command}` failed: {status}")),
                Err(e) => log.warn(&format!("Shell action `{command}`: {e}")),
            }))
        }
        Err(e) => {
            log.error(&format!("cannot run Shell action `{command}`: {e}"));
            None
        }
    }
}

#[cfg(not(windows))]
fn shell_command(command: &str) -> Command {
    let mut c = Command::new("sh");
    c.arg("-c").arg(command);
    c
}

#[cfg(windows)]
fn shell_command(command: &str) -> Command {
    let mut c = Command::new("cmd");
    c.arg("/C").arg(command);
    c
}
