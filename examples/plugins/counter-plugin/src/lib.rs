//! Counts its calls in a static, showing that one instance serves many calls.
//!
//! Each `execute` adds one to the counter and prints `count=N` to stderr, and nothing
//! else. Because the host instantiates a plugin once and reuses the instance, successive
//! calls print `count=1`, `count=2`, ... After a trap the host starts a fresh instance,
//! so the count starts over.
//!
//! Params: `{"trap": true}` makes the call trap after counting, so a test can check
//! that a trapped instance is replaced. Anything else (or no params) just counts.

use std::sync::atomic::{AtomicU32, Ordering};

static COUNT: AtomicU32 = AtomicU32::new(0);

/// Counts this call, prints `count=N`, and traps if the params ask for it.
#[no_mangle]
pub extern "C" fn execute(params_ptr: *const u8, params_len: usize) -> i32 {
    let count = COUNT.fetch_add(1, Ordering::Relaxed) + 1;
    eprintln!("count={count}");

    let params_bytes = unsafe { std::slice::from_raw_parts(params_ptr, params_len) };
    let wants_trap = serde_json::from_slice::<serde_json::Value>(params_bytes)
        .ok()
        .and_then(|params| params.get("trap").and_then(serde_json::Value::as_bool))
        .unwrap_or(false);
    if wants_trap {
        eprintln!("trapping after count={count}");
        core::arch::wasm32::unreachable();
    }
    0
}
