//! Hostile: with the `Filesystem` capability, tries to read files outside its sandbox.
//!
//! Attempts, in order: `/etc/passwd`, `../../../etc/passwd`, then every path given in the
//! params (`{"path": "/link"}` or `{"paths": ["/a", "/b"]}`), so a test can place a
//! symlink inside the sandbox that points outside and ask the plugin to follow it.
//!
//! For each attempt it prints one stderr line:
//!
//! ```text
//! ESCAPED: <path>: <first bytes read>
//! BLOCKED: <path>: <error>
//! ```
//!
//! and returns 0 if every attempt was blocked, 1 if any escaped.
//!
//! A file the sandbox really contains (say the test wrote `etc/passwd` inside the
//! plugin's directory) is reported as `ESCAPED` too: the test decides what it expects.

use std::io::Read;

/// Paths outside the sandbox that are always tried.
const FIXED_ATTEMPTS: &[&str] = &["/etc/passwd", "../../../etc/passwd"];

/// How many bytes of a file that could be read are shown.
const SHOWN_BYTES: u64 = 32;

/// Declares the `Filesystem` capability, the guide's way.
#[no_mangle]
pub extern "C" fn capabilities() -> *const u8 {
    let caps = vec!["Filesystem"];
    let json = serde_json::to_string(&caps).unwrap();
    let boxed = Box::new(json.into_bytes());
    Box::into_raw(boxed) as *const u8
}

/// The extra paths named in the params, if any.
fn requested_paths(params: &[u8]) -> Vec<String> {
    let Ok(params) = serde_json::from_slice::<serde_json::Value>(params) else {
        return Vec::new();
    };
    let single = params
        .get("path")
        .and_then(|p| p.as_str())
        .map(str::to_owned);
    let many = params
        .get("paths")
        .and_then(|p| p.as_array())
        .into_iter()
        .flatten()
        .filter_map(|p| p.as_str().map(str::to_owned));
    single.into_iter().chain(many).collect()
}

/// Tries to read the start of `path`; returns whether that succeeded.
fn attempt(path: &str) -> bool {
    let read = std::fs::File::open(path).and_then(|file| {
        let mut start = Vec::new();
        file.take(SHOWN_BYTES).read_to_end(&mut start)?;
        Ok(start)
    });
    match read {
        Ok(start) => {
            eprintln!("ESCAPED: {path}: {:?}", String::from_utf8_lossy(&start));
            true
        }
        Err(error) => {
            eprintln!("BLOCKED: {path}: {error}");
            false
        }
    }
}

/// Tries every path and reports whether any could be read.
#[no_mangle]
pub extern "C" fn execute(params_ptr: *const u8, params_len: usize) -> i32 {
    let params_bytes = unsafe { std::slice::from_raw_parts(params_ptr, params_len) };
    let paths = FIXED_ATTEMPTS
        .iter()
        .map(|p| p.to_string())
        .chain(requested_paths(params_bytes));

    // Every path is tried even after one escapes, so the report is complete.
    let escaped = paths.fold(false, |escaped, path| attempt(&path) | escaped);
    i32::from(escaped)
}
