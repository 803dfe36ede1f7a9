//! Hostile: one call writes 10 MiB to stderr.
//!
//! The output is 81,920 lines of 128 bytes (`hostile-flood: xxx...`), written in 64 KiB
//! chunks so the call stays far below the fuel limit. The host forwards a bounded
//! amount per call and drops the rest with a marker. The last line would be
//! `hostile-flood: done`.

use std::io::Write;

/// Bytes written in all.
const TOTAL: usize = 10 * 1024 * 1024;
/// Length of one line, newline included.
const LINE: usize = 128;
/// Bytes per write.
const CHUNK: usize = 64 * 1024;

/// Writes [`TOTAL`] bytes of lines to stderr; returns 0 even if stderr is closed.
#[no_mangle]
pub extern "C" fn execute(_params_ptr: *const u8, _params_len: usize) -> i32 {
    let mut line = [b'x'; LINE];
    line[..15].copy_from_slice(b"hostile-flood: ");
    line[LINE - 1] = b'\n';
    let chunk: Vec<u8> = line.iter().copied().cycle().take(CHUNK).collect();

    let mut stderr = std::io::stderr().lock();
    for _ in 0..TOTAL / CHUNK {
        if stderr.write_all(&chunk).is_err() {
            return 0;
        }
    }
    let _ = writeln!(stderr, "hostile-flood: done");
    0
}
