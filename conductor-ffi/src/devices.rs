//! Named devices (`[[devices]]`) from C: core's `Engine::connect_devices`, device
//! sources for `conductor_engine_push_from`, and device outputs handed to a callback.

use std::ffi::{c_char, c_void};
use std::sync::Arc;

use conductor_core::engine::MidiOutCallback;

use crate::boundary::{boundary, bytes, guard_value, handle, out, text};
use crate::engine::conductor_engine_t;
use crate::engine_options::conductor_midi_out_callback_t;
use crate::error::conductor_error_t;
use crate::log::{conductor_finalizer_t, ForeignData};
use crate::status::conductor_status_t;

/// Opens every `[[devices]]` entry of the engine's config: each output (its `init`
/// messages and feedback are sent at once), then each input, which feeds the engine
/// marked with its device (mappings with `device = "..."` fire only for it). Ports
/// with `auto_reconnect` (the default) are reopened on their own when they come back.
/// The ports stay open until `conductor_engine_shutdown` or `conductor_engine_delete`,
/// which send each output its `shutdown` messages first. Calling it again closes the
/// previous set first.
///
/// Fails with `CONDUCTOR_ERROR_MIDI` naming the device when a port cannot be opened
/// (the message lists the ports that exist), and with
/// `CONDUCTOR_ERROR_INVALID_ARGUMENT` after `conductor_engine_shutdown`.
///
/// Thread safety: may be called from any thread, not from the engine's callbacks.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_connect_devices(
    engine: *const conductor_engine_t,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    boundary!(call error_out, || {
        // SAFETY: pointer contract documented above.
        let engine = unsafe { handle(engine, "engine") }?;
        let mut slot = engine.devices();
        drop(slot.take());
        *slot = Some(engine.engine.connect_devices()?);
        Ok(())
    })
}

/// Stores in `*source_out` the source id of the configured device `device`
/// (`device_len` bytes of UTF-8), for `conductor_engine_push_from`.
///
/// Fails with `CONDUCTOR_ERROR_INVALID_ARGUMENT` when the config has no such device
/// (the message lists those it has).
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_device_source(
    engine: *const conductor_engine_t,
    device: *const c_char,
    device_len: usize,
    source_out: *mut u16,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    boundary!(call error_out, || {
        // SAFETY: pointer contracts documented above.
        let engine = unsafe { handle(engine, "engine") }?;
        let device = unsafe { text(device, device_len, "device") }?;
        let source_out = unsafe { out(source_out, "source_out") }?;
        *source_out = engine.engine.device_source(device)?;
        Ok(())
    })
}

/// `conductor_engine_push` for a message that came from the device whose source id is
/// `source` (see `conductor_engine_device_source`): wait-free and allocation-free, safe
/// in an audio callback. Returns `false` for `NULL`, a full queue or a malformed
/// message.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_push_from(
    engine: *const conductor_engine_t,
    source: u16,
    bytes_in: *const u8,
    len: usize,
    timestamp_us: u64,
) -> bool {
    guard_value(false, || {
        // SAFETY: the caller passes NULL or a live engine.
        let Some(engine) = (unsafe { engine.as_ref() }) else {
            return false;
        };
        // SAFETY: `len` readable bytes per the contract.
        let Ok(input) = (unsafe { bytes(bytes_in, len, "bytes") }) else {
            return false;
        };
        engine.engine.push_from(source, input, timestamp_us)
    })
}

/// Sends device `device`'s MIDI (its `init` messages, its feedback, `SendMidi` actions
/// with `port = "<device>"`) to `callback` instead of a port, for applications that do
/// their own MIDI I/O. The `init` messages and the feedback are sent at once, on this
/// thread. `callback == NULL` removes the device's output after sending its `shutdown`
/// messages. `finalizer` (may be `NULL`) is called with `user_data` once nothing uses
/// it any more. The callback must not change the engine's mode or devices itself.
///
/// Fails with `CONDUCTOR_ERROR_INVALID_ARGUMENT` when the config has no such device.
///
/// Thread safety: may be called from any thread, not from the engine's callbacks.
#[no_mangle]
pub unsafe extern "C" fn conductor_engine_set_device_output(
    engine: *const conductor_engine_t,
    device: *const c_char,
    device_len: usize,
    callback: conductor_midi_out_callback_t,
    user_data: *mut c_void,
    finalizer: conductor_finalizer_t,
    error_out: *mut *mut conductor_error_t,
) -> conductor_status_t {
    let user_data = ForeignData::new(user_data, finalizer);
    boundary!(call error_out, || {
        // SAFETY: pointer contracts documented above.
        let engine = unsafe { handle(engine, "engine") }?;
        let device = unsafe { text(device, device_len, "device") }?;
        match callback {
            None => {
                engine.engine.remove_device_output(device);
                Ok(())
            }
            Some(cb) => {
                let callback: MidiOutCallback = Arc::new(move |bytes: &[u8], timestamp_us| {
                    // SAFETY: the application registered `cb` for these arguments.
                    unsafe { cb(user_data.ptr(), bytes.as_ptr(), bytes.len(), timestamp_us) }
                });
                Ok(engine.engine.set_device_output(device, callback)?)
            }
        }
    })
}
