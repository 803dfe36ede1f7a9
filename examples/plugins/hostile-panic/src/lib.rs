//! Hostile: `execute` panics.
//!
//! On wasm32-wasip1 a panic prints its message to stderr and then traps. The host must
//! report the trap as an error of this call, keep running, and serve the next call from
//! a fresh instance.

/// The panic message, so tests can look for it in the forwarded stderr.
pub const MESSAGE: &str = "hostile-panic: deliberate panic in execute";

/// Panics with [`MESSAGE`].
#[no_mangle]
pub extern "C" fn execute(_params_ptr: *const u8, _params_len: usize) -> i32 {
    panic!("{}", MESSAGE);
}
