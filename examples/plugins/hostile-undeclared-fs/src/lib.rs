//! Hostile: opens, creates and lists files without declaring `Filesystem`.
//!
//! It exports no `capabilities`, so it declares nothing; a host that gives it no
//! filesystem grant must give it no mount at all. For each attempt it prints one
//! stderr line:
//!
//! ```text
//! OPENED: <what>
//! BLOCKED: <what>: <error>
//! ```
//!
//! and returns the number of attempts that succeeded (0 when all were blocked).

use std::fs::{self, File, OpenOptions};

/// Runs one attempt and reports it; returns whether it succeeded.
fn attempt(what: &str, result: std::io::Result<()>) -> bool {
    match result {
        Ok(()) => {
            eprintln!("OPENED: {what}");
            true
        }
        Err(e) => {
            eprintln!("BLOCKED: {what}: {e}");
            false
        }
    }
}

/// Tries the guide's own sandbox path, a relative path, a host file and a listing.
#[no_mangle]
pub extern "C" fn execute(_params_ptr: *const u8, _params_len: usize) -> i32 {
    let create = |path: &str| {
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map(drop)
    };
    let attempts = [
        attempt("create /plugin.log", create("/plugin.log")),
        attempt("create plugin.log", create("plugin.log")),
        attempt("open /etc/passwd", File::open("/etc/passwd").map(drop)),
        attempt("list /", fs::read_dir("/").map(drop)),
        attempt("list .", fs::read_dir(".").map(drop)),
    ];
    attempts.iter().filter(|opened| **opened).count() as i32
}
