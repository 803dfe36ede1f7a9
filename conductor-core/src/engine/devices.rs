//! Named devices (`[[devices]]`): where their output goes, which device an incoming
//! message came from, and the feedback that shows the engine's state on them.
//!
//! The engine keeps, per device, the output it sends to (a port opened by
//! [`Engine::connect_devices`], or a callback set with [`Engine::set_device_output`])
//! and the last value it sent to each feedback light. Feedback is worked out from the
//! config, the active mode and the named variables (a toggle's state, a value a plugin
//! set), and only lights whose value changed are sent: at start-up (when the output
//! opens), when the mode changes, when a variable changes, after a reload (everything
//! again) and after the output reconnects (everything again on that device, after its
//! `init`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

use super::callbacks::MidiOutCallback;
use super::outcome::Fired;
use super::variables::Variables;
use super::{Engine, Shared};
use crate::config::{Config, FeedbackLight, Thru, VariableLight};
use crate::log::{self, LogLevel};
use crate::midi::MidiMessage;
use crate::{Error, Result};

/// Where a device's MIDI goes.
#[derive(Clone)]
pub(crate) enum Sink {
    /// An open output port.
    #[cfg(feature = "midi-io")]
    Port(Arc<Mutex<crate::midi::OutputConnection>>),
    /// The application's callback.
    Callback(MidiOutCallback),
}

impl Sink {
    fn send(&self, bytes: &[u8], timestamp_us: u64) -> Result<()> {
        match self {
            #[cfg(feature = "midi-io")]
            Sink::Port(port) => port
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .send(bytes),
            Sink::Callback(cb) => {
                cb(bytes, timestamp_us);
                Ok(())
            }
        }
    }
}

/// A light's address on a device: its status byte and first data byte.
type LightKey = (String, [u8; 2]);

#[derive(Default)]
struct HubState {
    /// The open output of each device, by name.
    sinks: HashMap<String, Sink>,
    /// The value last sent to each light.
    sent: HashMap<LightKey, u8>,
}

/// The engine's devices: their outputs, feedback state and input sources.
#[derive(Default)]
pub(crate) struct DeviceHub {
    state: Mutex<HubState>,
    /// Device names by source id (id `n` is entry `n - 1`; 0 is "no device").
    sources: RwLock<Vec<Arc<str>>>,
}

impl DeviceHub {
    fn state(&self) -> MutexGuard<'_, HubState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The source id of device `name`, made on first use.
    pub(crate) fn source_id(&self, name: &str) -> u16 {
        if let Some(i) = self
            .sources
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .position(|n| &**n == name)
        {
            return i as u16 + 1;
        }
        let mut sources = self.sources.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(i) = sources.iter().position(|n| &**n == name) {
            return i as u16 + 1;
        }
        sources.push(name.into());
        sources.len() as u16
    }

    /// The device name of source id `id` (`None` for 0 or an unknown id).
    pub(crate) fn source_name(&self, id: u16) -> Option<Arc<str>> {
        let index = usize::from(id).checked_sub(1)?;
        self.sources
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(index)
            .cloned()
    }
}

/// Every light `config` defines and the value it should show in mode `mode` with these
/// `variables`: a light is on when any of its entries is active (the first active
/// entry's `on`), else the first entry's `off`.
fn desired(config: &Config, mode: usize, variables: &Variables) -> HashMap<LightKey, u8> {
    let mut out: HashMap<LightKey, (u8, bool)> = HashMap::new();
    let mode_name = config.modes.get(mode).map(|m| m.name.as_str());
    let mut add = |device: &str, light: &FeedbackLight, active: bool| {
        let msg = light.target.message(0);
        let key = (device.to_string(), [msg[0], msg[1]]);
        let value = if active { light.on } else { light.off };
        match out.get_mut(&key) {
            None => {
                out.insert(key, (value, active));
            }
            Some(slot) if active && !slot.1 => *slot = (value, true),
            Some(_) => {}
        }
    };
    let holds =
        |v: &Option<VariableLight>| v.as_ref().is_none_or(|v| v.lit_by(variables.get(&v.name)));
    for device in &config.devices {
        for f in &device.feedback {
            let in_mode = f.mode.as_deref().is_none_or(|m| Some(m) == mode_name);
            add(&device.name, &f.light, in_mode && holds(&f.variable));
        }
    }
    let only_output = {
        let mut outputs = config.devices.iter().filter(|d| d.output.is_some());
        match (outputs.next(), outputs.next()) {
            (Some(d), None) => Some(d.name.as_str()),
            _ => None,
        }
    };
    for (owner, mapping) in config.all_mappings() {
        let Some(feedback) = &mapping.feedback else {
            continue;
        };
        let device = feedback
            .device
            .as_deref()
            .or(mapping.device.as_deref())
            .or(only_output);
        if let Some(device) = device {
            let active = owner.is_none_or(|m| Some(m.name.as_str()) == mode_name);
            add(device, &feedback.light, active && holds(&feedback.variable));
        }
    }
    out.into_iter().map(|(k, (v, _))| (k, v)).collect()
}

impl Shared {
    /// Sends `bytes` to device `name`'s output; `false` when it has none open.
    pub(crate) fn send_to_device(&self, name: &str, bytes: &[u8], timestamp_us: u64) -> bool {
        let state = self.devices.state();
        let Some(sink) = state.sinks.get(name) else {
            return false;
        };
        if let Err(e) = sink.send(bytes, timestamp_us) {
            log::host(self.log(), LogLevel::Error, &format!("device {name}: {e}"));
        }
        true
    }

    /// Passes `msg` from device `source`, which fired no mapping, on where that
    /// device's `thru` says. No allocation.
    pub(crate) fn device_thru(&self, source: Option<&str>, msg: &MidiMessage, timestamp_us: u64) {
        let Some(source) = source else {
            return;
        };
        let config = self.router().program.config.clone();
        let Some(device) = config.devices.iter().find(|d| d.name == source) else {
            return;
        };
        match &device.thru {
            None => {}
            Some(Thru::Output) => self.midi_thru(msg, timestamp_us),
            Some(Thru::Device(target)) => {
                if !self.held.thru_passes(msg) {
                    return;
                }
                if let Some((bytes, len)) = msg.encode_short() {
                    self.send_to_device(target, &bytes[..len], timestamp_us);
                }
            }
        }
    }

    /// Brings every open device's lights up to date with the active mode, sending only
    /// lights whose value changed (`all`: every light again, as after a reload).
    pub(crate) fn refresh_feedback(&self, all: bool) {
        let program = self.router().program.clone();
        let mut state = self.devices.state();
        if state.sinks.is_empty() {
            return;
        }
        if all {
            state.sent.clear();
        }
        let wanted = desired(&program.config, self.mode(), &self.variables);
        let mut keys: Vec<&LightKey> = wanted.keys().collect();
        // Lights go out in a stable order: device, then address.
        keys.sort();
        let mut sends: Vec<(LightKey, u8)> = Vec::new();
        for key in keys {
            let value = wanted[key];
            if state.sinks.contains_key(&key.0) && state.sent.get(key) != Some(&value) {
                sends.push((key.clone(), value));
            }
        }
        for (key, value) in sends {
            let msg = [key.1[0], key.1[1], value];
            if let Err(e) = state.sinks[&key.0].send(&msg, 0) {
                log::host(
                    self.log(),
                    LogLevel::Warn,
                    &format!("feedback to device {}: {e}", key.0),
                );
                continue;
            }
            state.sent.insert(key, value);
        }
    }

    /// Installs `sink` as device `name`'s output: sends its `init` messages, then all of
    /// its feedback.
    pub(crate) fn open_device_output(&self, name: &str, sink: Sink) {
        let config = self.router().program.config.clone();
        {
            let mut state = self.devices.state();
            if let Some(device) = config.devices.iter().find(|d| d.name == name) {
                for msg in &device.init {
                    if let Err(e) = sink.send(msg, 0) {
                        log::host(
                            self.log(),
                            LogLevel::Warn,
                            &format!("init of device {name}: {e}"),
                        );
                    }
                }
            }
            state.sent.retain(|(device, _), _| device != name);
            state.sinks.insert(name.to_string(), sink);
        }
        self.refresh_feedback(false);
    }

    /// Removes device `name`'s output, sending its `shutdown` messages first when
    /// `shutdown` is set. Returns the output.
    pub(crate) fn close_device_output(&self, name: &str, shutdown: bool) -> Option<Sink> {
        let config = self.router().program.config.clone();
        let mut state = self.devices.state();
        let sink = state.sinks.remove(name)?;
        state.sent.retain(|(device, _), _| device != name);
        if shutdown {
            if let Some(device) = config.devices.iter().find(|d| d.name == name) {
                for msg in &device.shutdown {
                    if let Err(e) = sink.send(msg, 0) {
                        log::host(
                            self.log(),
                            LogLevel::Warn,
                            &format!("shutdown of device {name}: {e}"),
                        );
                    }
                }
            }
        }
        Some(sink)
    }
}

/// The error for a device name the config does not have.
pub(crate) fn unknown_device(config: &Config, name: &str) -> Error {
    let names: Vec<&str> = config.devices.iter().map(|d| d.name.as_str()).collect();
    Error::InvalidArgument(if names.is_empty() {
        format!("there is no device called {name:?}: the config has no [[devices]]")
    } else {
        format!(
            "there is no device called {name:?}; devices: {}",
            names.join(", ")
        )
    })
}

impl Engine {
    /// Sends device `device`'s MIDI (its `init`, its feedback, `SendMidi` actions with
    /// `port = "<device>"`) to `callback` instead of a port: for applications that do
    /// their own MIDI I/O, and for tests. Its `init` messages and feedback are sent at
    /// once. The callback is called with the device lock held: it must not change the
    /// engine's mode or devices itself.
    pub fn set_device_output(&self, device: &str, callback: MidiOutCallback) -> Result<()> {
        self.shared.check_open()?;
        let config = self.config();
        if !config.devices.iter().any(|d| d.name == device) {
            return Err(unknown_device(&config, device));
        }
        self.shared
            .open_device_output(device, Sink::Callback(callback));
        Ok(())
    }

    /// Removes the output of device `device` after sending its `shutdown` messages.
    /// Returns whether it had one.
    pub fn remove_device_output(&self, device: &str) -> bool {
        self.shared.close_device_output(device, true).is_some()
    }

    /// The source id of a configured device, for [`Engine::push_from`].
    pub fn device_source(&self, device: &str) -> Result<u16> {
        let config = self.config();
        if !config.devices.iter().any(|d| d.name == device) {
            return Err(unknown_device(&config, device));
        }
        Ok(self.shared.devices.source_id(device))
    }

    /// [`Engine::push`] for a message that came from the device whose source id is
    /// `source` (see [`Engine::device_source`]): mappings with `device = "..."` fire
    /// only for their device. Wait-free and allocation-free.
    pub fn push_from(&self, source: u16, bytes: &[u8], timestamp_us: u64) -> bool {
        let queued = self.shared.queue.push_from(bytes, timestamp_us, source);
        if queued {
            self.shared.returns.doorbell.ring();
        }
        queued
    }

    /// [`Engine::process`] for bytes that came from device `device`: mappings with
    /// `device = "..."` fire only for their device.
    pub fn process_from(
        &self,
        device: &str,
        bytes: &[u8],
        timestamp_us: u64,
    ) -> Result<Vec<Fired>> {
        self.shared.check_open()?;
        let config = self.config();
        if !config.devices.iter().any(|d| d.name == device) {
            return Err(unknown_device(&config, device));
        }
        let mut fired = Vec::new();
        self.advance_to(timestamp_us, &mut fired);
        let mut messages = Vec::new();
        self.shared
            .router()
            .parser
            .feed(bytes, |m| messages.push(m));
        for msg in &messages {
            self.fire_sync_from(msg, timestamp_us, Some(device), &mut fired);
        }
        Ok(fired)
    }

    /// Sends every device's feedback again, whether or not it changed (for a
    /// controller that was reset behind the engine's back).
    pub fn resend_feedback(&self) {
        self.shared.refresh_feedback(true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lights_follow_the_mode_and_an_active_entry_wins() {
        let config = Config::from_toml_str(
            r#"
[[devices]]
name = "pads"
output = "x"
[[devices.feedback]]
mode = "A"
note = 36
[[devices.feedback]]
mode = "B"
note = 37
on = 5

[[modes]]
name = "A"
[[modes.mappings]]
trigger = { Note = { note = 1 } }
action = { ModeChange = { mode = "B" } }
feedback = { note = 37, on = 9 }

[[modes]]
name = "B"
"#,
            ".".as_ref(),
        )
        .unwrap();
        let none = Variables::default();
        let a = desired(&config, 0, &none);
        assert_eq!(a[&("pads".to_string(), [0x90, 36])], 127);
        // Note 37 is lit by the mapping in mode A (its entry for mode B is off).
        assert_eq!(a[&("pads".to_string(), [0x90, 37])], 9);
        let b = desired(&config, 1, &none);
        assert_eq!(b[&("pads".to_string(), [0x90, 36])], 0);
        assert_eq!(b[&("pads".to_string(), [0x90, 37])], 5);
    }
}
