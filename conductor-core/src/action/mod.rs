//! Running the actions of a fired mapping.

use std::path::Path;
use std::time::Instant;

use crate::config::{Action, Config, MidiOut, ModeTarget};
use crate::engine::{ActionOutcome, EngineCallbacks, HostActionEvent, TriggerContext};
use crate::log::{self, LogLevel};
use crate::plugin::Plugin;
use crate::Error;

/// The engine state actions change: plugins to call and the active mode.
pub(crate) trait ActionTarget {
    /// The loaded plugin at `path`.
    fn plugin(&mut self, path: &Path) -> Option<&mut Plugin>;
    /// The active mode's index.
    fn mode(&self) -> usize;
    /// Switches the active mode.
    fn set_mode(&mut self, mode: usize);
}

/// Everything an action may touch while it runs.
pub(crate) struct ActionEnv<'a> {
    pub(crate) config: &'a Config,
    pub(crate) callbacks: &'a EngineCallbacks,
    pub(crate) target: &'a mut dyn ActionTarget,
    pub(crate) log: &'a dyn log::LogSink,
}

/// Runs `action`, appending one outcome per leaf action (sequence steps, repeats).
pub(crate) fn run(
    env: &mut ActionEnv<'_>,
    action: &Action,
    ctx: &mut TriggerContext,
    outcomes: &mut Vec<ActionOutcome>,
) {
    match action {
        Action::Sequence(steps) => {
            for step in steps {
                run(env, step, ctx, outcomes);
            }
        }
        Action::Repeat {
            action,
            count,
            delay,
        } => {
            for i in 0..*count {
                if i > 0 {
                    std::thread::sleep(*delay);
                }
                run(env, action, ctx, outcomes);
            }
        }
        leaf => {
            let started = Instant::now();
            let (plugin, result) = run_leaf(env, leaf, ctx);
            outcomes.push(ActionOutcome {
                action: leaf.kind().to_string(),
                plugin,
                result,
                elapsed: started.elapsed(),
            });
        }
    }
}

fn run_leaf(
    env: &mut ActionEnv<'_>,
    action: &Action,
    ctx: &mut TriggerContext,
) -> (Option<String>, Result<(), Error>) {
    match action {
        Action::WasmPlugin(call) => {
            let Some(plugin) = env.target.plugin(&call.path) else {
                return (
                    None,
                    Err(Error::plugin_load(
                        &call.path_text,
                        "it is not loaded (the engine was built from another config)",
                    )),
                );
            };
            let name = plugin.name().to_string();
            let params = serde_json::to_vec(&call.params).expect("JSON value serialises");
            let result = if plugin.accepts_context() {
                plugin.execute_with_context(&params, &ctx.to_json())
            } else {
                plugin.execute(&params)
            };
            (Some(name), result)
        }
        Action::SendMidi(send) => {
            let bytes = match &send.message {
                MidiOut::Message(m) => m.to_bytes(),
                MidiOut::Raw(b) => b.clone(),
            };
            match &env.callbacks.on_midi_out {
                Some(out) => out(&bytes),
                None => log::host(
                    env.log,
                    LogLevel::Debug,
                    &format!("SendMidi {bytes:02X?} dropped: no MIDI output is open"),
                ),
            }
            (None, Ok(()))
        }
        Action::ModeChange(target) => {
            let count = env.config.modes.len().max(1);
            let current = env.target.mode();
            let next = match target {
                ModeTarget::Named { index, .. } => *index,
                ModeTarget::Next => (current + 1) % count,
                ModeTarget::Previous => (current + count - 1) % count,
            };
            env.target.set_mode(next);
            ctx.mode = next;
            ctx.mode_name = env
                .config
                .modes
                .get(next)
                .map(|m| m.name.clone())
                .unwrap_or_default();
            (None, Ok(()))
        }
        Action::Delay(d) => {
            std::thread::sleep(*d);
            (None, Ok(()))
        }
        Action::Host(host) => {
            let event = HostActionEvent {
                name: host.name.clone(),
                data: host.data.clone(),
                context: ctx.clone(),
            };
            match &env.callbacks.on_action {
                Some(cb) => cb(&event),
                None => log::host(
                    env.log,
                    LogLevel::Debug,
                    &format!("host action {} (no handler registered)", event.to_json()),
                ),
            }
            (None, Ok(()))
        }
        Action::Sequence(_) | Action::Repeat { .. } => unreachable!("handled by run()"),
    }
}
