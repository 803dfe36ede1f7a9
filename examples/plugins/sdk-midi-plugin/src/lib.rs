//! Sends MIDI through the engine's MIDI output with the `conductor-plugin` SDK.
//!
//! Params: `{"bytes": [144, 60, 100]}` sends those bytes as one message. Without
//! `bytes` it echoes the triggering note an octave up (`"transpose"`, default 12) on
//! the same channel with the same velocity.

use conductor_plugin::{log, midi, Error, Result, TriggerContext};
use serde::Deserialize;

#[derive(Deserialize)]
struct Params {
    #[serde(default)]
    bytes: Option<Vec<u8>>,
    #[serde(default = "octave")]
    transpose: u8,
}

fn octave() -> u8 {
    12
}

fn execute(params: Params, ctx: &TriggerContext) -> Result<()> {
    let message = match params.bytes {
        Some(bytes) => bytes,
        None => {
            let note = ctx
                .note
                .ok_or_else(|| Error::msg("no `bytes` param and no note in the trigger context"))?;
            let channel = ctx.channel.unwrap_or(0) & 0x0F;
            vec![
                0x90 | channel,
                note.saturating_add(params.transpose).min(127),
                ctx.velocity.unwrap_or(100),
            ]
        }
    };
    midi::send(&message)?;
    log::info(format!("sent {message:02X?}"));
    Ok(())
}

conductor_plugin::plugin! {
    capabilities: [Midi],
    execute_with_context: execute,
}
