//! The raw host functions of the `conductor` import module, for plugins that want no
//! SDK types (the safe wrappers in [`http`](crate::http), [`midi`](crate::midi), ...
//! are built on these). Signatures, codes and the result buffer are specified in
//! Conductor's `docs/plugin-abi.md`, section "Host functions".
//!
//! Every function returns a negative [`HostErrorKind`](crate::HostErrorKind) code on
//! failure and leaves a UTF-8 message in the result buffer; read it with
//! [`result_len`] and [`result_read`].
//!
//! On targets other than `wasm32` these are stubs: `log` writes to stderr, the others
//! return the "unavailable" code, so plugin crates can run unit tests natively.
#![allow(clippy::missing_safety_doc)]

/// Log levels for [`log`].
pub mod level {
    /// Debug.
    pub const DEBUG: i32 = 0;
    /// Info.
    pub const INFO: i32 = 1;
    /// Warning.
    pub const WARN: i32 = 2;
    /// Error.
    pub const ERROR: i32 = 3;
}

#[cfg(target_arch = "wasm32")]
#[link(wasm_import_module = "conductor")]
unsafe extern "C" {
    /// Writes `len` bytes of UTF-8 at `ptr` to the host's log at `level`. Always
    /// available; leaves the result buffer alone.
    pub fn log(level: i32, ptr: *const u8, len: usize) -> i32;
    /// Length of the result buffer.
    pub fn result_len() -> i32;
    /// Copies up to `len` bytes of the result buffer to `ptr`; returns how many.
    pub fn result_read(ptr: *mut u8, len: usize) -> i32;
    /// HTTP request (Network): JSON head at `head_ptr`, body at `body_ptr`. Returns
    /// the HTTP status.
    pub fn http_request(
        head_ptr: *const u8,
        head_len: usize,
        body_ptr: *const u8,
        body_len: usize,
    ) -> i32;
    /// Sends one MIDI message (Midi).
    pub fn midi_send(ptr: *const u8, len: usize) -> i32;
    /// Runs a command (Subprocess): JSON head at `head_ptr`, stdin at `stdin_ptr`.
    pub fn process_run(
        head_ptr: *const u8,
        head_len: usize,
        stdin_ptr: *const u8,
        stdin_len: usize,
    ) -> i32;
    /// Hands a JSON request to the application (SystemControl).
    pub fn system_request(ptr: *const u8, len: usize) -> i32;
    /// Hands a JSON request to the application (Audio).
    pub fn audio_request(ptr: *const u8, len: usize) -> i32;
    /// Sets the bytes the current `execute` call returns to its caller (at most the
    /// host's `max_output_bytes`). Always available.
    pub fn output_set(ptr: *const u8, len: usize) -> i32;
    /// Reads the host-kept variable `key` into the result buffer: 1 when it exists, 0
    /// when not. Always available.
    pub fn var_get(key_ptr: *const u8, key_len: usize) -> i32;
    /// Sets the host-kept variable `key` (an empty value removes it); the host saves
    /// it at once. Always available.
    pub fn var_set(
        key_ptr: *const u8,
        key_len: usize,
        value_ptr: *const u8,
        value_len: usize,
    ) -> i32;
    /// Reads the plugin's static configuration value `key` into the result buffer: 1
    /// when it exists, 0 when not. Always available.
    pub fn config_get(key_ptr: *const u8, key_len: usize) -> i32;
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    //! Stand-ins outside WebAssembly, so plugin crates can run unit tests natively.

    use crate::HostErrorKind;

    const UNAVAILABLE: i32 = -7;
    const _: () = assert!(UNAVAILABLE == HostErrorKind::Unavailable.code_const());
    const MESSAGE: &[u8] = b"conductor host functions are only available inside Conductor";

    /// Writes the message to stderr.
    pub unsafe fn log(level: i32, ptr: *const u8, len: usize) -> i32 {
        let bytes = if len == 0 {
            &[][..]
        } else {
            unsafe { std::slice::from_raw_parts(ptr, len) }
        };
        eprintln!("[{level}] {}", String::from_utf8_lossy(bytes));
        0
    }
    /// The length of the fixed "unavailable" message.
    pub unsafe fn result_len() -> i32 {
        MESSAGE.len() as i32
    }
    /// Copies the fixed "unavailable" message.
    pub unsafe fn result_read(ptr: *mut u8, len: usize) -> i32 {
        let n = len.min(MESSAGE.len());
        unsafe { std::ptr::copy_nonoverlapping(MESSAGE.as_ptr(), ptr, n) };
        n as i32
    }
    /// Unavailable outside Conductor.
    pub unsafe fn http_request(_: *const u8, _: usize, _: *const u8, _: usize) -> i32 {
        UNAVAILABLE
    }
    /// Unavailable outside Conductor.
    pub unsafe fn midi_send(_: *const u8, _: usize) -> i32 {
        UNAVAILABLE
    }
    /// Unavailable outside Conductor.
    pub unsafe fn process_run(_: *const u8, _: usize, _: *const u8, _: usize) -> i32 {
        UNAVAILABLE
    }
    /// Unavailable outside Conductor.
    pub unsafe fn system_request(_: *const u8, _: usize) -> i32 {
        UNAVAILABLE
    }
    /// Unavailable outside Conductor.
    pub unsafe fn audio_request(_: *const u8, _: usize) -> i32 {
        UNAVAILABLE
    }
    /// Unavailable outside Conductor.
    pub unsafe fn output_set(_: *const u8, _: usize) -> i32 {
        UNAVAILABLE
    }
    /// Unavailable outside Conductor.
    pub unsafe fn var_get(_: *const u8, _: usize) -> i32 {
        UNAVAILABLE
    }
    /// Unavailable outside Conductor.
    pub unsafe fn var_set(_: *const u8, _: usize, _: *const u8, _: usize) -> i32 {
        UNAVAILABLE
    }
    /// Unavailable outside Conductor.
    pub unsafe fn config_get(_: *const u8, _: usize) -> i32 {
        UNAVAILABLE
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub use native::*;
