//! `midi_send(ptr, len) -> i32` (capability Midi): one MIDI message to the engine's
//! MIDI output, the same sink `SendMidi` actions use.

use super::{finish, read_capped, require, Failure, HostCaller, HostErrorCode, MAX_REQUEST_BYTES};
use crate::midi::parse_message;
use crate::plugin::Capability;

/// Sends the bytes at `ptr..ptr+len`, which must be exactly one complete message with
/// its status byte (`[0x90, 60, 100]`, a whole SysEx `F0 .. F7`). Returns 0, or
/// [`HostErrorCode::Invalid`] for anything else and [`HostErrorCode::Unavailable`]
/// when no MIDI output is open.
pub(super) fn midi_send(mut caller: HostCaller<'_>, ptr: i32, len: i32) -> wasmtime::Result<i32> {
    let outcome = send(&mut caller, ptr, len);
    finish(&mut caller, "midi_send", outcome)
}

fn send(caller: &mut HostCaller<'_>, ptr: i32, len: i32) -> Result<(i32, Vec<u8>), Failure> {
    require(caller, "midi_send", Capability::Midi)?;
    let bytes = read_capped(caller, "the MIDI message", ptr, len, MAX_REQUEST_BYTES)?;
    parse_message(&bytes).map_err(|e| {
        Failure::new(
            HostErrorCode::Invalid,
            format!("midi_send needs exactly one complete MIDI message: {e}"),
        )
    })?;
    let Some(sink) = caller.data().host.env.services.midi_out.clone() else {
        return Err(Failure::new(
            HostErrorCode::Unavailable,
            "no MIDI output is open, so the message was dropped",
        ));
    };
    sink(&bytes);
    Ok((0, Vec::new()))
}
