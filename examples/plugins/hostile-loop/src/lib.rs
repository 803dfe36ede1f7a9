//! Hostile: `execute` never returns.
//!
//! The sandbox must stop it, by running out of fuel (the default limit) or by the
//! wall-clock timeout when fuel is set very high.

/// Spins forever. `black_box` keeps the optimizer from proving the loop does nothing.
#[no_mangle]
pub extern "C" fn execute(_params_ptr: *const u8, _params_len: usize) -> i32 {
    loop {
        core::hint::black_box(());
    }
}
