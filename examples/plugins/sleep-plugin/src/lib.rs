//! A slow plugin that behaves: each call sleeps (a WASI `poll_oneoff` on the clock,
//! the way a plugin waiting on a network reply blocks), then prints `woke TAG`.
//!
//! It burns no fuel while it waits, so only the wall clock limits it. The engine's
//! tests use it to show that one slow plugin delays only its own later calls.
//!
//! Params: `{"ms": N, "tag": "..."}`: sleep `N` milliseconds (default 800), then print
//! `woke TAG` to stderr (default tag: `-`).

use std::time::Duration;

/// Sleeps as asked, then says so.
#[no_mangle]
pub extern "C" fn execute(params_ptr: *const u8, params_len: usize) -> i32 {
    let params_bytes = unsafe { std::slice::from_raw_parts(params_ptr, params_len) };
    let params: serde_json::Value = serde_json::from_slice(params_bytes).unwrap_or_default();
    let ms = params.get("ms").and_then(|v| v.as_u64()).unwrap_or(800);
    let tag = params.get("tag").and_then(|v| v.as_str()).unwrap_or("-");
    std::thread::sleep(Duration::from_millis(ms));
    eprintln!("woke {tag}");
    0
}
