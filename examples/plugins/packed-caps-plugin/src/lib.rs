//! Declares its capabilities as one `i64` packing `ptr << 32 | len`, the layout a
//! toolchain without multi-value returns often uses for a byte slice.
//!
//! The bytes are the JSON array `["Network", "Audio"]`, not NUL-terminated.

/// The JSON list of capabilities; the packed length tells where it ends.
static CAPABILITIES: &[u8] = b"[\"Network\", \"Audio\"]";

/// Returns `ptr << 32 | len` for the JSON list of capabilities.
#[no_mangle]
pub extern "C" fn capabilities() -> i64 {
    let ptr = CAPABILITIES.as_ptr() as usize as u64;
    let len = CAPABILITIES.len() as u64;
    ((ptr << 32) | len) as i64
}

/// Succeeds without looking at its params.
#[no_mangle]
pub extern "C" fn execute(_params_ptr: *const u8, _params_len: usize) -> i32 {
    0
}
