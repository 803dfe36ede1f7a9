//! Sending MIDI to the engine's MIDI output (capability `Midi`, granted
//! automatically).

use crate::error::HostError;
use crate::{result, sys};

/// Sends one complete MIDI message with its status byte, e.g. `[0x90, 60, 100]` or a
/// whole SysEx `[0xF0, ..., 0xF7]`. Fails with
/// [`HostErrorKind::Invalid`](crate::HostErrorKind::Invalid) for bytes that are not
/// one message and [`HostErrorKind::Unavailable`](crate::HostErrorKind::Unavailable)
/// when no MIDI output is open.
pub fn send(message: &[u8]) -> Result<(), HostError> {
    // SAFETY: the pointer and length describe `message`, alive for the call.
    let code = unsafe { sys::midi_send(message.as_ptr(), message.len()) };
    result::check(code).map(drop)
}

/// Note on. `channel` is 0-based (0..=15); values are masked to their MIDI ranges.
pub fn note_on(channel: u8, note: u8, velocity: u8) -> Result<(), HostError> {
    send(&[0x90 | (channel & 0x0F), note & 0x7F, velocity & 0x7F])
}

/// Note off. `channel` is 0-based (0..=15).
pub fn note_off(channel: u8, note: u8, velocity: u8) -> Result<(), HostError> {
    send(&[0x80 | (channel & 0x0F), note & 0x7F, velocity & 0x7F])
}

/// Control change. `channel` is 0-based (0..=15).
pub fn control_change(channel: u8, controller: u8, value: u8) -> Result<(), HostError> {
    send(&[0xB0 | (channel & 0x0F), controller & 0x7F, value & 0x7F])
}
