//! A test helper: `execute` blocks until the caller releases it.
//!
//! It prints `waiting for /release` as soon as the call starts, then waits until a
//! file named `release` exists in its data folder (mounted at `/`, so it declares
//! `Filesystem`), prints `released` and returns 0. A test can so know that the call is
//! in progress (the first line) and decide when it ends (by writing the file) without
//! guessing with sleeps. The plugin's own deadline ends a call that is never released.

use std::time::Duration;

/// Declares `Filesystem`: the release file lives in the plugin's data folder.
#[no_mangle]
pub extern "C" fn capabilities() -> *const u8 {
    let caps = vec!["Filesystem"];
    let json = serde_json::to_string(&caps).unwrap();
    let boxed = Box::new(json.into_bytes());
    Box::into_raw(boxed) as *const u8
}

/// Announces the call, then waits for `/release`.
#[no_mangle]
pub extern "C" fn execute(_params_ptr: *const u8, _params_len: usize) -> i32 {
    eprintln!("waiting for /release");
    while std::fs::metadata("/release").is_err() {
        std::thread::sleep(Duration::from_millis(5));
    }
    eprintln!("released");
    0
}
