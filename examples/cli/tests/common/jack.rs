//! Helpers for the tests that run `conductor` against a real JACK server (built with the
//! `jack` feature): JACK's MIDI monitor and the CLI, watched line by line. The server,
//! the JACK tools and port handling come from the shared test-support crate.

use std::process::{ChildStderr, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

pub use conductor_test_support::jack::*;

use super::child::{output_within, wait_status};
use super::{sandbox_env, Sandbox};

fn stdbuf_available() -> bool {
    let Ok(mut child) = Command::new("stdbuf")
        .arg("--version")
        .stdout(Stdio::null())
        .spawn()
    else {
        return false;
    };
    let status = wait_status(&mut child, TOOL_LIMIT);
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    status.is_some_and(|s| s.success())
}

/// A running program and the lines it prints, with everything seen so far for failure
/// messages.
pub struct Watched {
    pub child: Killed,
    pub lines: Receiver<String>,
    pub seen: Vec<String>,
    pub what: &'static str,
}

impl Watched {
    /// Waits for a line containing `wanted`.
    pub fn wait_for(&mut self, wanted: &str) {
        wait_for_line(&self.lines, wanted, &mut self.seen, self.what);
    }

    /// Everything printed so far, one line each.
    pub fn printed(&mut self) -> String {
        let rest: Vec<String> = self.lines.try_iter().collect();
        self.seen.extend(rest);
        self.seen.join("\n")
    }
}

/// JACK's MIDI monitor as client `client`, line-buffered so lines arrive as printed.
pub fn start_dump(client: &str) -> Watched {
    let mut dump = if stdbuf_available() {
        let mut c = tool("stdbuf");
        c.args(["-oL", "jack_midi_dump"]);
        c
    } else {
        tool("jack_midi_dump")
    };
    dump.arg(client)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = dump
        .spawn()
        .expect("cannot run jack_midi_dump (Debian package jackd2)");
    let lines = lines_of(child.stdout.take().expect("piped"));
    Watched {
        child: Killed(child),
        lines,
        seen: Vec::new(),
        what: "jack_midi_dump",
    }
}

/// `conductor --config CONFIG ARGS` in `sandbox`, its stderr watched; with the host's
/// debug log when `debug`.
pub fn start_conductor(sandbox: &Sandbox, config: &str, args: &[&str], debug: bool) -> Watched {
    let mut conductor = Command::new(env!("CARGO_BIN_EXE_conductor"));
    sandbox_env(&mut conductor, &sandbox.home());
    conductor
        .current_dir(sandbox.path())
        .env("JACK_NO_START_SERVER", "1")
        .args(["--config", config])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if debug {
        conductor.env("DEBUG", "1");
    }
    let mut child = conductor.spawn().expect("run conductor");
    let lines = lines_of(child.stderr.take().expect("piped") as ChildStderr);
    Watched {
        child: Killed(child),
        lines,
        seen: Vec::new(),
        what: "conductor",
    }
}

/// Ctrl-C: conductor stops in order and exits with code 0.
pub fn interrupt(conductor: &mut Watched) {
    let pid = conductor.child.0.id().to_string();
    let sent = output_within(Command::new("kill").args(["-INT", &pid]), TOOL_LIMIT);
    assert!(sent.status.success(), "kill -INT {pid}: {sent:?}");
    let deadline = Instant::now() + PATIENCE;
    let status = loop {
        if let Some(status) = conductor.child.0.try_wait().expect("wait for conductor") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "conductor did not stop after Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let printed = conductor.printed();
    assert_eq!(
        status.code(),
        Some(0),
        "conductor after Ctrl-C; stderr:\n{printed}"
    );
}
