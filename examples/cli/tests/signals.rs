//! Stopping `conductor`, as docs/cli.md describes it: SIGINT and SIGTERM stop it even
//! when nobody reads its stderr any more (a write to a closed pipe must not keep the
//! process running); Ctrl-C runs every plugin's `shutdown()` and exits 0; a second
//! Ctrl-C during that orderly stop exits 130. Also what it prints on the way: the
//! warning for a config that sends MIDI without `--output`, and `--quiet`.

mod common;
use conductor_test_support as support;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use common::{note_on, toml_path, write_mid, Run, Sandbox};

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

// ---------------------------------------------------------------------------------
// What a user sees when stopping: plugins shut down, a second Ctrl-C, `--quiet`, and the
// warning for MIDI that has nowhere to go.

/// A running `conductor` whose stdout and stderr lines arrive on a channel as they are
/// printed, so a test can wait for a line instead of sleeping.
struct Watched {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

/// How long a line or an exit may take before the test fails (only a hung run waits
/// this long).
const PATIENCE: Duration = Duration::from_secs(60);

impl Watched {
    fn spawn(command: &mut Command) -> Watched {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn conductor");
        let (tx, lines) = channel();
        let out = child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>);
        let err = child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>);
        for stream in [out, err].into_iter().flatten() {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        Watched {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a line containing `needle`; fails with everything printed so far if
    /// it does not come.
    fn wait_for(&mut self, needle: &str) {
        let give_up = Instant::now() + PATIENCE;
        loop {
            let left = give_up.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let found = line.contains(needle);
                    self.seen.push(line);
                    if found {
                        return;
                    }
                }
                Err(_) => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    panic!(
                        "conductor never printed {needle:?}; it printed:\n{}",
                        self.seen.join("\n")
                    );
                }
            }
        }
    }

    /// Waits for the exit, then collects the rest of the output.
    fn finish(mut self) -> (std::process::ExitStatus, Vec<String>) {
        let status = exits_within(&mut self.child, PATIENCE, "the signal");
        // The reader threads end at end of file; a grandchild could hold the pipes, so
        // do not wait for them longer than a moment after the exit.
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        (status, self.seen)
    }
}

/// A config mapping note 60 to the guide's plugin and `extra` mappings after it.
fn plugin_config(sandbox: &Sandbox, extra: &str) {
    let plugin = sandbox.copy(
        &support::plugin_wasm("my-midi-plugin"),
        "my_midi_plugin.wasm",
    );
    sandbox.write(
        "config.toml",
        &format!(
            "[[modes]]\nname = \"Default\"\n[[modes.mappings]]\n\
             trigger = {{ Note = {{ note = 60 }} }}\n\
             action = {{ WasmPlugin = {{ path = \"{}\", params = {{ message = \"pad\" }} }} }}\n{extra}",
            toml_path(&plugin)
        ),
    );
}

/// A MIDI file with note 60 at once, `second` 1 s later, and one more note a minute
/// later, so the replay is still running when the test signals it.
fn slow_mid(sandbox: &Sandbox, second: u8) -> String {
    let mid = sandbox.join("slow.mid");
    write_mid(
        &mid,
        &[
            (0, note_on(60, 100)),
            (1_000_000, note_on(second, 100)),
            (60_000_000, note_on(70, 100)),
        ],
    );
    toml_path(&mid)
}

#[test]
fn ctrl_c_runs_every_plugins_shutdown_and_exits_0() {
    let sandbox = Sandbox::new();
    plugin_config(&sandbox, "");
    let mid = slow_mid(&sandbox, 61);
    let mut run =
        Watched::spawn(
            sandbox
                .conductor()
                .args(["--config", "config.toml", "--replay", &mid]),
        );
    // The plugin ran: the config is loaded and the Ctrl-C handler is in place.
    run.wait_for("[my_midi_plugin] Received message: pad");
    send(&run.child, "INT");
    let (status, lines) = run.finish();
    let text = lines.join("\n");
    assert_eq!(status.code(), Some(0), "{text}");
    assert!(text.contains("conductor: stopping"), "{text}");
    let shutdowns = lines
        .iter()
        .filter(|l| l.contains("[my_midi_plugin] Plugin shutting down"))
        .count();
    assert_eq!(shutdowns, 1, "shutdown() must run exactly once:\n{text}");
}

#[test]
fn a_second_ctrl_c_during_the_orderly_stop_exits_130() {
    let sandbox = Sandbox::new();
    // A shell command still running holds the orderly stop: conductor waits for it.
    plugin_config(
        &sandbox,
        "[[modes.mappings]]\ntrigger = { Note = { note = 62 } }\n\
         action = { Shell = { command = \"sleep 30\" } }\n",
    );
    let mid = slow_mid(&sandbox, 62);
    let mut run = Watched::spawn(sandbox.conductor().args([
        "--config",
        "config.toml",
        "--replay",
        &mid,
        "--grant",
        "Subprocess",
    ]));
    // The Shell action's JSON line on stdout: the command has been started.
    run.wait_for("\"action\":\"Shell\"");
    send(&run.child, "INT");
    run.wait_for("conductor: stopping");
    assert!(
        run.child.try_wait().unwrap().is_none(),
        "conductor should still be waiting for the shell command:\n{}",
        run.seen.join("\n")
    );
    send(&run.child, "INT");
    let (status, lines) = run.finish();
    assert_eq!(status.code(), Some(130), "{}", lines.join("\n"));
}

/// Replays `mid` through `config.toml` with `flags`, to the end.
fn replay(sandbox: &Sandbox, mid: &str, flags: &[&str]) -> Run {
    Run::of(
        sandbox
            .conductor()
            .args(["--config", "config.toml", "--replay", mid, "--fast"])
            .args(flags),
    )
}

#[test]
fn a_config_that_sends_midi_without_output_gets_the_warning_once() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "config.toml",
        "[[modes]]\nname = \"Default\"\n[[modes.mappings]]\n\
         trigger = { Note = { note = 60 } }\n\
         action = { SendMidi = { bytes = [0x90, 64, 100] } }\n",
    );
    let mid = sandbox.join("one.mid");
    write_mid(&mid, &[(0, note_on(60, 100))]);
    let run = replay(&sandbox, &toml_path(&mid), &[]);
    run.success();
    let warning = "the config sends MIDI (SendMidi) but no output is open, so those messages \
                   are dropped; pass --output PORT (see --list-ports)";
    let line = format!("conductor: warn: {warning}");
    assert_eq!(run.stderr.matches(&line).count(), 1, "{run}");

    // Without SendMidi there is nothing to warn about.
    sandbox.write(
        "config.toml",
        "[[modes]]\nname = \"Default\"\n[[modes.mappings]]\n\
         trigger = { Note = { note = 60 } }\n\
         action = { Host = { name = \"pad\" } }\n",
    );
    replay(&sandbox, &toml_path(&mid), &[])
        .success()
        .stderr_lacks("no output is open");
}

#[test]
fn quiet_shows_errors_and_plugin_output_but_no_info_or_warnings() {
    let sandbox = Sandbox::new();
    // The plugin mapping, plus SendMidi for a warning.
    plugin_config(
        &sandbox,
        "[[modes.mappings]]\ntrigger = { Note = { note = 61 } }\n\
         action = { SendMidi = { bytes = [0x90, 64, 100] } }\n",
    );
    let mid = sandbox.join("two.mid");
    write_mid(&mid, &[(0, note_on(60, 100)), (1000, note_on(61, 100))]);
    let mid = toml_path(&mid);

    let loud = replay(&sandbox, &mid, &[]);
    loud.success().stderr_has(&[
        "no output is open",
        "[my_midi_plugin] Received message: pad",
    ]);
    let quiet = replay(&sandbox, &mid, &["--quiet"]);
    quiet.success().stderr_has(&[
        "[my_midi_plugin] Plugin initialized",
        "[my_midi_plugin] Received message: pad",
        "[my_midi_plugin] Plugin shutting down",
    ]);
    for line in quiet.stderr.lines() {
        assert!(
            line.starts_with("[my_midi_plugin] "),
            "--quiet let a host line through: {line:?}\n{quiet}"
        );
    }

    // Errors still show.
    sandbox.write(
        "config.toml",
        "[[modes]]\nname = \"Default\"\nmappings = 3\n",
    );
    let failed = replay(&sandbox, &mid, &["--quiet"]);
    failed.failure().stderr_has(&["config.toml"]);
    assert!(!failed.stderr.trim().is_empty(), "{failed}");
}
