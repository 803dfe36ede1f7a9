//! Hostile: calls `std::process::exit(3)` inside `execute`.
//!
//! On WASI that is `proc_exit(3)`, which ends the guest, never the host process: the
//! host must turn it into an error for this call (naming exit code 3) and keep running.

/// Exits the guest with status 3.
#[no_mangle]
pub extern "C" fn execute(_params_ptr: *const u8, _params_len: usize) -> i32 {
    eprintln!("hostile-exit: calling exit(3)");
    std::process::exit(3);
}
