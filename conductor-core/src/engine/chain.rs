//! A mapping's action tree compiled once, at load, into a flat program the engine can
//! step through, pause (at a `Delay` or a plugin call) and resume on another thread.
//!
//! Everything that does not depend on the event is prepared here: `SendMidi` bytes are
//! encoded, plugin params serialised to JSON, plugin paths resolved to their worker.
//! Firing a mapping then costs no allocation unless the chain has to wait.

use std::sync::Arc;
use std::time::Duration;

use crate::config::{
    Action, Condition, HostAction, MappedMessage, MidiOut, ModeTarget, VariableAction,
};

use super::plugins::PluginSet;
use super::worker::PluginWorker;

/// One instruction of a compiled chain.
pub(crate) enum Op {
    /// Send these bytes to the MIDI output.
    SendMidi(Box<[u8]>),
    /// The next instruction (a send) goes to this device's output (`SendMidi` with
    /// `port`); does nothing by itself.
    Route(Arc<str>),
    /// Send a message whose fields follow the trigger's values, built when it runs.
    SendMapped(Box<MappedMessage>),
    /// Switch the active mode.
    ModeChange(ModeTarget),
    /// Wait before the next instruction.
    Delay(Duration),
    /// Call a plugin; `None` when the plugin is not loaded (the step then fails).
    Plugin(Option<PluginCall>),
    /// Hand a host action to the application.
    Host(Arc<HostAction>),
    /// Start of a `Repeat` body; `end` is the index of its `RepeatEnd`.
    RepeatBegin { count: u32, end: u32 },
    /// End of a `Repeat` body: run it again after `delay`, or go on.
    RepeatEnd { begin: u32, delay: Duration },
    /// A `Conditional`: when the condition fails, go to `otherwise` (the `else`
    /// branch, or past the end); when it holds, go on into the `then` branch.
    Branch {
        condition: Box<Condition>,
        otherwise: u32,
    },
    /// Go to this instruction (past the `else` branch, at the end of `then`).
    Jump(u32),
    /// Change a named variable.
    Variable(Box<VariableAction>),
}

/// A plugin step: which worker runs it and the params it gets, serialised once.
pub(crate) struct PluginCall {
    pub(crate) worker: Arc<PluginWorker>,
    pub(crate) params: Arc<[u8]>,
}

/// The compiled form of one mapping's action.
pub(crate) struct Chain {
    pub(crate) ops: Box<[Op]>,
    /// The plugin path as written, for the error when a plugin step has no worker.
    pub(crate) missing_plugin: Option<String>,
    /// Whether the chain can pause (contains a delay or a plugin call).
    pub(crate) can_pause: bool,
}

/// Deepest nesting of `Repeat`s a chain may have; the config reader allows 32 levels of
/// sequences and repeats together.
pub(crate) const MAX_REPEAT_DEPTH: usize = 32;

impl Chain {
    /// Compiles `action`, resolving plugin calls against `plugins`.
    pub(crate) fn compile(action: &Action, plugins: &PluginSet) -> Chain {
        let mut chain = Chain {
            ops: Box::new([]),
            missing_plugin: None,
            can_pause: false,
        };
        let mut ops = Vec::new();
        emit(action, plugins, &mut ops, &mut chain);
        chain.ops = ops.into_boxed_slice();
        chain
    }
}

fn emit(action: &Action, plugins: &PluginSet, ops: &mut Vec<Op>, chain: &mut Chain) {
    match action {
        Action::Sequence(steps) => steps.iter().for_each(|s| emit(s, plugins, ops, chain)),
        Action::Repeat {
            action,
            count,
            delay,
        } => {
            let begin = ops.len();
            ops.push(Op::RepeatBegin {
                count: *count,
                end: 0,
            });
            emit(action, plugins, ops, chain);
            let end = ops.len() as u32;
            ops.push(Op::RepeatEnd {
                begin: begin as u32,
                delay: *delay,
            });
            if let Op::RepeatBegin { end: e, .. } = &mut ops[begin] {
                *e = end;
            }
            if !delay.is_zero() && *count > 1 {
                chain.can_pause = true;
            }
        }
        Action::SendMidi(send) => {
            ops.extend(send.port.as_deref().map(|d| Op::Route(d.into())));
            ops.push(match &send.message {
                MidiOut::Message(m) => Op::SendMidi(m.to_bytes().into_boxed_slice()),
                MidiOut::Raw(b) => Op::SendMidi(b.clone().into_boxed_slice()),
                MidiOut::Mapped(m) => Op::SendMapped(Box::new(*m)),
            })
        }
        Action::ModeChange(target) => ops.push(Op::ModeChange(target.clone())),
        Action::Delay(d) => {
            chain.can_pause = true;
            ops.push(Op::Delay(*d));
        }
        Action::WasmPlugin(call) => {
            chain.can_pause = true;
            let worker = plugins.worker(&call.path);
            if worker.is_none() {
                chain.missing_plugin = Some(call.path_text.clone());
            }
            ops.push(Op::Plugin(worker.map(|worker| {
                PluginCall {
                    worker,
                    params: serde_json::to_vec(&call.params)
                        .expect("a JSON value serialises")
                        .into(),
                }
            })));
        }
        Action::Host(host) => ops.push(Op::Host(Arc::new(host.clone()))),
        Action::Conditional {
            condition,
            then_action,
            else_action,
        } => {
            let branch = ops.len();
            ops.push(Op::Branch {
                condition: Box::new(condition.clone()),
                otherwise: 0,
            });
            emit(then_action, plugins, ops, chain);
            let target = match else_action {
                Some(else_action) => {
                    let jump = ops.len();
                    ops.push(Op::Jump(0));
                    let else_start = ops.len() as u32;
                    emit(else_action, plugins, ops, chain);
                    let end = ops.len() as u32;
                    if let Op::Jump(to) = &mut ops[jump] {
                        *to = end;
                    }
                    else_start
                }
                None => ops.len() as u32,
            };
            if let Op::Branch { otherwise, .. } = &mut ops[branch] {
                *otherwise = target;
            }
        }
        Action::Variable(var) => ops.push(Op::Variable(Box::new(var.clone()))),
    }
}
