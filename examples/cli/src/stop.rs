//! Ctrl-C: the first press asks for an orderly stop (plugins' `shutdown()` runs), a
//! second press exits at once.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver};

use anyhow::{Context, Result};

/// Exit code after a second Ctrl-C (128 + SIGINT, as shells report it).
pub const FORCED_EXIT_CODE: i32 = 130;

/// Installs the Ctrl-C (and, on unix, SIGTERM) handler and returns the channel its
/// first signal arrives on.
pub fn on_ctrl_c() -> Result<Receiver<()>> {
    let (tx, rx) = channel();
    let presses = AtomicUsize::new(0);
    ctrlc::set_handler(move || {
        if presses.fetch_add(1, Ordering::SeqCst) == 0 {
            // Ask for the stop first, then tell the user. Never `eprintln!` here: with
            // stderr on a closed pipe it panics, which would kill this handler thread
            // and leave the process deaf to every later signal.
            let _ = tx.send(());
            let _ = writeln!(
                std::io::stderr().lock(),
                "conductor: stopping (press Ctrl-C again to exit at once)"
            );
        } else {
            std::process::exit(FORCED_EXIT_CODE);
        }
    })
    .context("cannot install the Ctrl-C handler")?;
    Ok(rx)
}
