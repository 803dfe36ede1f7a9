//! A plugin that does nothing: both entry points return 0 at once.
//!
//! It has no dependencies and prints nothing, so a call to it measures only the host's
//! own cost (copying params in, resetting fuel, entering and leaving the guest).

/// Ignores its params and succeeds.
#[no_mangle]
pub extern "C" fn execute(_params_ptr: *const u8, _params_len: usize) -> i32 {
    0
}

/// Ignores its params and trigger context and succeeds.
#[no_mangle]
pub extern "C" fn execute_with_context(
    _params_ptr: *const u8,
    _params_len: usize,
    _context_ptr: *const u8,
    _context_len: usize,
) -> i32 {
    0
}
