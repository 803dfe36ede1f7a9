//! Hostile: looks for what a sandboxed plugin must not see: the host's environment
//! variables, command-line arguments and standard input.
//!
//! Prints to stderr:
//!
//! ```text
//! env vars: N
//! env: NAME          (one line per variable, names only)
//! args: ["..."]
//! stdin: N bytes     (or "stdin: error: ...")
//! ```
//!
//! Returns 0 if it saw no variables, no arguments beyond `argv[0]` and an empty (or
//! unreadable) stdin; 1 otherwise.

use std::io::Read;

/// Reports what the plugin can see and whether any of it leaked in.
#[no_mangle]
pub extern "C" fn execute(_params_ptr: *const u8, _params_len: usize) -> i32 {
    let vars: Vec<(String, String)> = std::env::vars().collect();
    eprintln!("env vars: {}", vars.len());
    for (name, _) in &vars {
        eprintln!("env: {name}");
    }

    let args: Vec<String> = std::env::args().collect();
    eprintln!("args: {args:?}");

    let mut stdin = Vec::new();
    let stdin_bytes = match std::io::stdin().read_to_end(&mut stdin) {
        Ok(n) => {
            eprintln!("stdin: {n} bytes");
            n
        }
        Err(error) => {
            eprintln!("stdin: error: {error}");
            0
        }
    };

    let leaked = !vars.is_empty() || args.len() > 1 || stdin_bytes > 0;
    i32::from(leaked)
}
