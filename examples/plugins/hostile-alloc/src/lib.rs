//! Hostile: `execute` allocates 200 MB, more than the default 128 MiB memory limit.
//!
//! The guide's own example of an allocation that "Would fail". The host's memory limiter
//! refuses to grow the memory, the allocation fails and the call traps with an error
//! about the memory limit.
//!
//! Params: `{"mb": N}` allocates `N` megabytes instead (e.g. 1 for an allocation that
//! fits). Prints `allocated N MB` if the allocation succeeded.

use core::hint::black_box;

/// Megabytes allocated when the params do not say otherwise.
const DEFAULT_MB: usize = 200;

/// Allocates (and touches) the requested number of megabytes.
#[no_mangle]
pub extern "C" fn execute(params_ptr: *const u8, params_len: usize) -> i32 {
    let params_bytes = unsafe { std::slice::from_raw_parts(params_ptr, params_len) };
    let mb = serde_json::from_slice::<serde_json::Value>(params_bytes)
        .ok()
        .and_then(|params| params.get("mb").and_then(serde_json::Value::as_u64))
        .map_or(DEFAULT_MB, |mb| mb as usize);

    let v = vec![0u8; mb * 1024 * 1024];
    black_box(&v);
    eprintln!("allocated {mb} MB");
    0
}
