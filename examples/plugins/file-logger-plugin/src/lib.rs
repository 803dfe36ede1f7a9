//! Example 2 of the plugin development guide: a file logger.
//!
//! Params: `{"message": "...", "level": "info"}`. Appends
//! `[<RFC 3339 time>] <level>: <message>` to `/plugin.log`, which is the plugin's own
//! sandboxed data directory on the host (`/` is that directory; nothing else is
//! reachable). Declares the `Filesystem` capability, which needs the user's approval.

use serde::Deserialize;
use std::fs::OpenOptions;
use std::io::Write;

#[derive(Deserialize)]
struct LogParams {
    message: String,
    level: String, // "info", "warn", "error"
}

#[no_mangle]
pub extern "C" fn execute(params_ptr: *const u8, params_len: usize) -> i32 {
    let params_bytes = unsafe { std::slice::from_raw_parts(params_ptr, params_len) };

    let params: LogParams = serde_json::from_slice(params_bytes).expect("Invalid params");

    // Write to sandboxed directory
    // Path: ~/Library/Application Support/conductor/plugin-data/
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open("/plugin.log") // Sandboxed path
        .expect("Failed to open log file");

    let timestamp = chrono::Utc::now().to_rfc3339();
    writeln!(file, "[{}] {}: {}", timestamp, params.level, params.message)
        .expect("Failed to write log");

    0
}

/// Declares the capabilities this plugin needs (Required Capability: Filesystem).
#[no_mangle]
pub extern "C" fn capabilities() -> *const u8 {
    let caps = vec!["Filesystem"];
    let json = serde_json::to_string(&caps).unwrap();
    let boxed = Box::new(json.into_bytes());
    Box::into_raw(boxed) as *const u8
}
