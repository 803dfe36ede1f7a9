//! SIGINT and SIGTERM stop `conductor` even when nobody reads its stderr any more (the
//! terminal or the pipe reader went away): a write to a closed pipe must not keep the
//! process running.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{note_on, toml_path, write_mid, Sandbox};

/// Starts a replay that would take a minute, with stderr (and stdout) on pipes whose
/// read ends are closed at once.
fn long_replay(sandbox: &Sandbox) -> Child {
    let mid = sandbox.join("long.mid");
    write_mid(
        &mid,
        &[(0, note_on(60, 100)), (60_000_000, note_on(61, 100))],
    );
    sandbox.write(
        "config.toml",
        "[[modes]]\nname = \"Default\"\n[[modes.mappings]]\n\
         trigger = { Note = { note = 60 } }\n\
         action = { SendMidi = { bytes = [0x90, 64, 100] } }\n",
    );
    let mut child = sandbox
        .conductor()
        .args(["--config", "config.toml", "--replay", &toml_path(&mid)])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn conductor");
    drop(child.stdout.take());
    drop(child.stderr.take());
    child
}

fn send(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -{signal} failed");
}

/// Waits for the child to exit; kills it and fails the test after `limit`.
fn exits_within(child: &mut Child, limit: Duration, what: &str) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("conductor did not exit within {limit:?} after {what}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn stops_on(signal: &str) {
    let sandbox = Sandbox::new();
    let mut child = long_replay(&sandbox);
    // Let it load the config and start replaying (and install its handler).
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "conductor exited early"
    );
    send(&child, signal);
    let status = exits_within(&mut child, Duration::from_secs(10), signal);
    // It stopped by itself (an exit code), not by the signal's default action.
    assert!(status.code().is_some(), "{status:?}");
}

#[test]
fn sigint_stops_conductor_with_stderr_on_a_closed_pipe() {
    stops_on("INT");
}

#[test]
fn sigterm_stops_conductor_with_stderr_on_a_closed_pipe() {
    stops_on("TERM");
}

#[test]
fn a_second_signal_still_exits_at_once() {
    let sandbox = Sandbox::new();
    let mut child = long_replay(&sandbox);
    std::thread::sleep(Duration::from_millis(1500));
    send(&child, "INT");
    send(&child, "INT");
    exits_within(&mut child, Duration::from_secs(10), "two SIGINTs");
}
