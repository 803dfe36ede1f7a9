//! The trigger context handed to plugins and host callbacks.

use serde::Serialize;

use crate::midi::MidiMessage;

/// What triggered an action, serialised as JSON for `execute_with_context`.
///
/// `velocity` and `mode` are the fields of the guide's `TriggerContext`; the others are
/// extra and a guest that ignores them keeps working. Channels are 0-based, as in
/// configs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TriggerContext {
    /// Note velocity (note on/off) or pressure (aftertouch).
    pub velocity: Option<u8>,
    /// Index of the active mode.
    pub mode: usize,
    /// Name of the active mode.
    pub mode_name: String,
    /// Note number, for note messages.
    pub note: Option<u8>,
    /// 0-based MIDI channel.
    pub channel: Option<u8>,
    /// Controller number, for control changes.
    pub cc: Option<u8>,
    /// Controller value, pitch-bend value (0..=16383) or program number.
    pub value: Option<u16>,
    /// The trigger kind that fired (`"Note"`, `"CC"`, ...).
    pub trigger: &'static str,
    /// Timestamp of the event, in microseconds, on the caller's clock.
    pub timestamp_us: u64,
    /// The input port the event came from, when known.
    pub port: Option<String>,
}

impl TriggerContext {
    /// Context for `msg` firing a `trigger` at `timestamp_us` in mode `mode`.
    pub fn new(
        msg: &MidiMessage,
        trigger: &'static str,
        timestamp_us: u64,
        mode: usize,
        mode_name: &str,
        port: Option<&str>,
    ) -> Self {
        let mut ctx = TriggerContext {
            velocity: None,
            mode,
            mode_name: mode_name.to_string(),
            note: None,
            channel: msg.channel(),
            cc: None,
            value: None,
            trigger,
            timestamp_us,
            port: port.map(str::to_string),
        };
        match *msg {
            MidiMessage::NoteOn { note, velocity, .. }
            | MidiMessage::NoteOff { note, velocity, .. } => {
                ctx.note = Some(note);
                ctx.velocity = Some(velocity);
            }
            MidiMessage::PolyAftertouch { note, pressure, .. } => {
                ctx.note = Some(note);
                ctx.velocity = Some(pressure);
            }
            MidiMessage::ChannelAftertouch { pressure, .. } => ctx.velocity = Some(pressure),
            MidiMessage::ControlChange {
                controller, value, ..
            } => {
                ctx.cc = Some(controller);
                ctx.value = Some(value.into());
            }
            MidiMessage::PitchBend { value, .. } => ctx.value = Some(value),
            MidiMessage::ProgramChange { program, .. } => ctx.value = Some(program.into()),
            _ => {}
        }
        ctx
    }

    /// The context as JSON bytes.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("context serialises")
    }
}
