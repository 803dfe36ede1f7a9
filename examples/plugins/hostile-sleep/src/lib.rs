//! Hostile: `execute` busy-waits on the clock for 30 seconds.
//!
//! It does not sleep (a sleep blocks inside the host, where no guest code runs); it spins
//! on `Instant::now()` and `yield_now()`, burning instructions. With the default fuel the
//! call runs out of fuel; with fuel set very high, only the wall-clock timeout stops it.
//!
//! Params: `{"seconds": N}` waits `N` seconds instead. Prints `slept N s` if it finished.

use std::time::{Duration, Instant};

/// Seconds to wait when the params do not say otherwise.
const DEFAULT_SECONDS: u64 = 30;

/// Spins until the requested time has passed.
#[no_mangle]
pub extern "C" fn execute(params_ptr: *const u8, params_len: usize) -> i32 {
    let params_bytes = unsafe { std::slice::from_raw_parts(params_ptr, params_len) };
    let seconds = serde_json::from_slice::<serde_json::Value>(params_bytes)
        .ok()
        .and_then(|params| params.get("seconds").and_then(serde_json::Value::as_u64))
        .unwrap_or(DEFAULT_SECONDS);

    let deadline = Instant::now() + Duration::from_secs(seconds);
    while Instant::now() < deadline {
        std::thread::yield_now();
    }
    eprintln!("slept {seconds} s");
    0
}
