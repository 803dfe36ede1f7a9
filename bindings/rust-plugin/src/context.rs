//! The trigger context the engine passes to `execute_with_context`.

use serde::Deserialize;

/// What triggered the action. `velocity` and `mode` are the fields of the plugin
/// guide's `TriggerContext`; the rest is what the engine also sends. Every field is
/// optional, so contexts from older or newer hosts still parse.
///
/// ```
/// let ctx: conductor_plugin::TriggerContext =
///     serde_json::from_str(r#"{"velocity": 100, "mode": 0, "note": 60, "trigger": "Note"}"#).unwrap();
/// assert_eq!(ctx.velocity, Some(100));
/// assert_eq!(ctx.note, Some(60));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct TriggerContext {
    /// Note velocity (note on/off) or pressure (aftertouch).
    pub velocity: Option<u8>,
    /// Index of the active mode.
    pub mode: Option<u32>,
    /// Name of the active mode.
    pub mode_name: Option<String>,
    /// Note number, for note messages.
    pub note: Option<u8>,
    /// MIDI channel of the message, as the engine numbers it (0-based).
    pub channel: Option<u8>,
    /// Controller number, for control changes.
    pub cc: Option<u8>,
    /// Controller value, pitch-bend value (0..=16383) or program number.
    pub value: Option<u16>,
    /// The trigger kind that fired (`"Note"`, `"CC"`, ...).
    pub trigger: Option<String>,
    /// When the event happened, in microseconds on the host's clock.
    pub timestamp_us: Option<u64>,
    /// The input port the event came from.
    pub port: Option<String>,
}
