//! Live reload: while `conductor` plays a long MIDI file in real time, the config file
//! is edited and a plugin is rebuilt; the running process picks both up, and an edit
//! that does not load keeps the previous config running and names the line.

mod common;
use conductor_test_support as support;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use common::{config_with, note_off, note_on, write_mid, Sandbox};

/// How long to wait for each step before failing with what was printed. Generous for
/// slow CI machines; the test goes on as soon as each step happens.
const PATIENCE: Duration = Duration::from_secs(60);

/// A running `conductor` whose stdout and stderr lines arrive on one channel, each
/// prefixed `out: ` or `err: `; killed when dropped.
struct Running {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Running {
    fn start(command: &mut Command) -> Running {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run conductor");
        let (tx, lines) = channel();
        let forward = |stream: Box<dyn Read + Send>, prefix: &'static str| {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if tx.send(format!("{prefix}{line}")).is_err() {
                        break;
                    }
                }
            });
        };
        forward(Box::new(child.stdout.take().expect("piped")), "out: ");
        forward(Box::new(child.stderr.take().expect("piped")), "err: ");
        Running {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a line containing every one of `parts`; returns it.
    fn wait_for(&mut self, parts: &[&str]) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if parts.iter().all(|p| line.contains(p)) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) => panic!(
                    "no line with {parts:?} within {PATIENCE:?}; conductor printed:\n{}",
                    self.seen.join("\n")
                ),
                Err(RecvTimeoutError::Disconnected) => panic!(
                    "conductor exited without a line with {parts:?}; it printed:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }
}

/// `long.mid`: middle C pressed every 50 ms for ten minutes, longer than any test runs.
fn long_mid(sandbox: &Sandbox) {
    let mut events = Vec::new();
    for i in 0..12_000u64 {
        events.push((i * 50_000, note_on(60, 100)));
        events.push((i * 50_000 + 25_000, note_off(60)));
    }
    write_mid(&sandbox.join("long.mid"), &events);
}

/// `conductor --config config.toml --replay long.mid` in real time, in `sandbox`.
fn start_replay(sandbox: &Sandbox) -> Running {
    let mut command = sandbox.conductor();
    command.args(["--config", "config.toml", "--replay", "long.mid"]);
    Running::start(&mut command)
}

/// A `Host` action event named `name`, as conductor prints it on stdout.
fn host_event(name: &str) -> String {
    format!("\"action\":\"{name}\"")
}

#[test]
fn an_edited_config_is_picked_up_live_and_a_broken_edit_keeps_the_old_one() {
    let sandbox = Sandbox::new();
    long_mid(&sandbox);
    sandbox.write(
        "config.toml",
        &config_with(&[(60, r#"{ Host = { name = "before" } }"#)]),
    );
    let mut conductor = start_replay(&sandbox);
    conductor.wait_for(&["err: ", "watching config.toml"]);
    conductor.wait_for(&["out: ", &host_event("before")]);

    // An edit: the same note now fires another action, without a restart.
    sandbox.write(
        "config.toml",
        &config_with(&[(60, r#"{ Host = { name = "after" } }"#)]),
    );
    conductor.wait_for(&[
        "err: ",
        "config.toml changed: reloaded config.toml (1 mapping)",
    ]);
    conductor.wait_for(&["out: ", &host_event("after")]);

    // A broken edit (note 200 on line 4): the error names the line and column, and the
    // previous config goes on firing.
    sandbox.write(
        "config.toml",
        &config_with(&[(200, r#"{ Host = { name = "broken" } }"#)]),
    );
    conductor.wait_for(&[
        "err: ",
        "the previous one keeps running",
        "config error at config.toml:4:29",
        "`note` must be 0..=127, got 200",
    ]);
    conductor.wait_for(&["out: ", &host_event("after")]);
    assert!(
        !conductor
            .seen
            .iter()
            .any(|l| l.contains("broken") && l.starts_with("out: ")),
        "the broken config must not run:\n{}",
        conductor.seen.join("\n")
    );

    // Fixed again: loaded.
    sandbox.write(
        "config.toml",
        &config_with(&[(60, r#"{ Host = { name = "fixed" } }"#)]),
    );
    conductor.wait_for(&["out: ", &host_event("fixed")]);
}

/// A plugin whose `execute` returns `code`: the run reports "returned error code CODE"
/// each time it fires, which tells the two builds apart.
fn plugin_returning(code: i32) -> Vec<u8> {
    support::wat_module(&format!(
        r#"(module
  (memory (export "memory") 1)
  (func (export "execute") (param i32 i32) (result i32)
    i32.const {code}))"#
    ))
}

#[test]
fn a_rebuilt_plugin_is_picked_up_live() {
    let sandbox = Sandbox::new();
    long_mid(&sandbox);
    std::fs::create_dir_all(sandbox.join("build")).unwrap();
    std::fs::write(sandbox.join("build/rebuilt.wasm"), plugin_returning(41)).unwrap();
    sandbox.write(
        "config.toml",
        &config_with(&[(60, r#"{ WasmPlugin = { path = "build/rebuilt.wasm" } }"#)]),
    );
    let mut conductor = start_replay(&sandbox);
    conductor.wait_for(&["err: ", "plugin rebuilt returned error code 41"]);

    // The build writes a new module at the same path (through a temporary file and a
    // rename, as linkers do); the config is untouched.
    std::fs::write(sandbox.join("build/rebuilt.wasm.tmp"), plugin_returning(42)).unwrap();
    std::fs::rename(
        sandbox.join("build/rebuilt.wasm.tmp"),
        sandbox.join("build/rebuilt.wasm"),
    )
    .unwrap();
    conductor.wait_for(&["err: ", "rebuilt.wasm changed: reloaded config.toml"]);
    conductor.wait_for(&["err: ", "plugin rebuilt returned error code 42"]);
}

#[test]
fn a_plugin_signed_anew_is_checked_again_and_a_bad_signature_keeps_the_old_one() {
    let sandbox = Sandbox::new();
    long_mid(&sandbox);
    std::fs::write(sandbox.join("signed.wasm"), plugin_returning(41)).unwrap();
    sandbox.write(
        "config.toml",
        &config_with(&[(60, r#"{ WasmPlugin = { path = "signed.wasm" } }"#)]),
    );
    let mut conductor = start_replay(&sandbox);
    conductor.wait_for(&["err: ", "plugin signed returned error code 41"]);

    // A signature file appears beside the unchanged plugin, and it does not hold: the
    // plugin is checked again (not reused), refused, and the running config stays.
    std::fs::write(sandbox.join("signed.wasm.sig"), "not a signature\n").unwrap();
    conductor.wait_for(&[
        "err: ",
        "signed.wasm.sig changed but the config does not load",
        "signature",
    ]);
    conductor.wait_for(&["err: ", "plugin signed returned error code 41"]);
}

#[test]
fn an_unchanged_plugin_keeps_its_instance_across_a_live_reload() {
    let sandbox = Sandbox::new();
    long_mid(&sandbox);
    sandbox.copy(
        &support::plugin_wasm("counter-plugin"),
        "counter_plugin.wasm",
    );
    let config = |host: &str| {
        config_with(&[
            (60, r#"{ WasmPlugin = { path = "counter_plugin.wasm" } }"#),
            (61, &format!(r#"{{ Host = {{ name = "{host}" }} }}"#)),
        ])
    };
    sandbox.write("config.toml", &config("first"));
    let mut conductor = start_replay(&sandbox);
    conductor.wait_for(&["[counter_plugin] count=3"]);
    sandbox.write("config.toml", &config("second"));
    conductor.wait_for(&[
        "err: ",
        "config.toml changed: reloaded config.toml (2 mappings)",
    ]);
    // The counter goes on from where it was: the same instance, not a new one at 1.
    // Three calls in a row after the reload count on without a restart.
    let mut counts = Vec::new();
    while counts.len() < 3 {
        let line = conductor.wait_for(&["[counter_plugin] count="]);
        let count: u32 = line
            .rsplit("count=")
            .next()
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no count in {line:?}"));
        counts.push(count);
    }
    assert!(
        counts[0] > 3 && counts.windows(2).all(|w| w[1] == w[0] + 1),
        "the plugin was loaded afresh ({counts:?}):\n{}",
        conductor.seen.join("\n")
    );
}
