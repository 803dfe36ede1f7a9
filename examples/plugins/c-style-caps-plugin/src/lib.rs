//! Declares its capabilities the way a plugin written in C would:
//!
//! ```c
//! const char *capabilities(void) { return "[\"Network\", \"Midi\"]"; }
//! ```
//!
//! `capabilities()` returns a pointer to a NUL-terminated JSON array of strings in static
//! memory (no Rust `Vec` header in between).

/// `["Network", "Midi"]` followed by the terminating NUL a C string has.
static CAPABILITIES: &[u8] = b"[\"Network\", \"Midi\"]\0";

/// Returns a pointer to the NUL-terminated JSON list of capabilities.
#[no_mangle]
pub extern "C" fn capabilities() -> *const u8 {
    CAPABILITIES.as_ptr()
}

/// Succeeds without looking at its params.
#[no_mangle]
pub extern "C" fn execute(_params_ptr: *const u8, _params_len: usize) -> i32 {
    0
}
