//! Real MIDI through a real MIDI server: `conductor`, built with the `jack` feature,
//! creates a virtual input, JACK's own `jack_midiseq` plays middle C into it through
//! `jack_connect`, a `SendMidi` mapping echoes another note to `--output`, and JACK's
//! `jack_midi_dump` shows the bytes that arrived.
//!
//! Run with `cargo test --release -p conductor-cli --features jack --test jack_echo`.
//! It needs the JACK tools (Debian `jackd2`; `scripts/setup.sh` installs them). A JACK
//! server is started with the dummy driver when none is running; if that is impossible
//! the test fails and says why — it is never silently skipped.
#![cfg(feature = "jack")]

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStderr, ChildStdout, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use common::{config_with, sandbox_env, Run, Sandbox};

/// How long to wait for each step (server start, port appearing, echo arriving) before
/// giving up with a message. Generous: CI machines are slow; the test finishes as soon
/// as each step happens.
const PATIENCE: Duration = Duration::from_secs(30);

/// Kills a child process when dropped (the JACK tools run until stopped).
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn tool(name: &str) -> Command {
    let mut c = Command::new(name);
    // Never let a JACK client start a server behind our back with default settings.
    c.env("JACK_NO_START_SERVER", "1");
    c
}

fn server_running() -> bool {
    tool("jack_lsp")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Makes sure a JACK server runs; returns the server when this test started it.
fn ensure_server() -> Option<Killed> {
    if server_running() {
        return None;
    }
    let mut jackd = Command::new("jackd");
    jackd
        .args(["--no-realtime", "-d", "dummy"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = jackd.spawn().unwrap_or_else(|e| {
        panic!(
            "cannot start the JACK server (`jackd --no-realtime -d dummy`): {e}. Install \
             Debian's jackd2 (scripts/setup.sh does) to run this test"
        )
    });
    let deadline = Instant::now() + PATIENCE;
    while !server_running() {
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            panic!("the JACK server exited at start ({status}):\n{err}");
        }
        assert!(
            Instant::now() < deadline,
            "the JACK server did not come up within {PATIENCE:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(Killed(child))
}

/// Forwards each line of `stream` to a channel, from a thread.
fn lines_of(stream: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Waits for a line containing `wanted`, collecting everything seen for the failure
/// message.
fn wait_for_line(rx: &Receiver<String>, wanted: &str, seen: &mut Vec<String>, what: &str) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                let found = line.contains(wanted);
                seen.push(line);
                if found {
                    return;
                }
            }
            Err(RecvTimeoutError::Timeout) => panic!(
                "{what}: no line with {wanted:?} within {PATIENCE:?}; seen:\n{}",
                seen.join("\n")
            ),
            Err(RecvTimeoutError::Disconnected) => panic!(
                "{what}: the output ended without a line with {wanted:?}; seen:\n{}",
                seen.join("\n")
            ),
        }
    }
}

/// The full JACK name of the port called `name` (`client:port`), or whose port part is
/// `name`, once it exists.
fn find_port(name: &str) -> String {
    let deadline = Instant::now() + PATIENCE;
    let suffix = format!(":{name}");
    loop {
        let out = tool("jack_lsp").output().expect("run jack_lsp");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        if let Some(port) = text.lines().find(|l| *l == name || l.ends_with(&suffix)) {
            return port.to_string();
        }
        assert!(
            Instant::now() < deadline,
            "no JACK port {name} appeared; ports:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn stdbuf_available() -> bool {
    Command::new("stdbuf")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A running program and the lines it prints, with everything seen so far for failure
/// messages.
struct Watched {
    child: Killed,
    lines: Receiver<String>,
    seen: Vec<String>,
    what: &'static str,
}

impl Watched {
    /// Waits for a line containing `wanted`.
    fn wait_for(&mut self, wanted: &str) {
        wait_for_line(&self.lines, wanted, &mut self.seen, self.what);
    }
}

/// JACK's MIDI monitor as client `cli-echo-dump`, line-buffered so lines arrive as
/// printed.
fn start_dump() -> Watched {
    let mut dump = if stdbuf_available() {
        let mut c = tool("stdbuf");
        c.args(["-oL", "jack_midi_dump"]);
        c
    } else {
        tool("jack_midi_dump")
    };
    dump.arg("cli-echo-dump")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = dump
        .spawn()
        .expect("cannot run jack_midi_dump (Debian package jackd2)");
    let lines = lines_of(child.stdout.take().expect("piped") as ChildStdout);
    Watched {
        child: Killed(child),
        lines,
        seen: Vec::new(),
        what: "jack_midi_dump",
    }
}

/// JACK's sequencer as client `cli-echo-seq`: middle C (velocity 64) every 0.5 s at
/// 48 kHz, on port `cli-echo-seq:out`.
fn start_sequencer() -> Killed {
    let child = tool("jack_midiseq")
        .args(["cli-echo-seq", "24000", "0", "60", "8000"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("cannot run jack_midiseq (Debian package jackd2)");
    find_port("cli-echo-seq:out");
    Killed(child)
}

/// `conductor --config echo.toml ARGS` with the host's debug log on.
fn start_conductor(sandbox: &Sandbox, args: &[&str]) -> Watched {
    let mut conductor = Command::new(env!("CARGO_BIN_EXE_conductor"));
    sandbox_env(&mut conductor, &sandbox.home());
    conductor
        .current_dir(sandbox.path())
        .env("JACK_NO_START_SERVER", "1")
        .env("DEBUG", "1")
        .args(["--config", "echo.toml"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
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
fn interrupt(conductor: &mut Watched) {
    let pid = conductor.child.0.id().to_string();
    let sent = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("run kill");
    assert!(sent.success());
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
    let rest: Vec<String> = conductor.lines.try_iter().collect();
    conductor.seen.extend(rest);
    assert_eq!(
        status.code(),
        Some(0),
        "conductor after Ctrl-C; stderr:\n{}",
        conductor.seen.join("\n")
    );
}

fn jack_connect(from: &str, to: &str) {
    let out = tool("jack_connect")
        .args([from, to])
        .output()
        .expect("run jack_connect");
    assert!(
        out.status.success(),
        "jack_connect {from} {to} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Both ways of getting MIDI in, one after the other on one JACK server:
///
/// 1. `--virtual NAME`: conductor creates an input, `jack_connect` wires JACK's
///    sequencer to it, and `SendMidi` echoes to `--output` (JACK's monitor).
/// 2. An existing port by part of its name: conductor opens the sequencer's output
///    directly; when the sequencer goes away conductor reports it and keeps running,
///    and when it comes back conductor reconnects and the echo resumes.
#[test]
fn notes_from_jack_are_echoed_by_send_midi_to_jack_midi_dump() {
    let _server = ensure_server();
    let sandbox = Sandbox::new();
    // Middle C in → note 72, velocity 99 on channel 1 out: bytes 90 48 63.
    sandbox.write(
        "echo.toml",
        &config_with(&[(
            60,
            r#"{ SendMidi = { message_type = "NoteOn", note = 72, velocity = 99 } }"#,
        )]),
    );
    let mut dump = start_dump();
    let dump_input = find_port("cli-echo-dump:input");

    // 1. A virtual input.
    let mut conductor = start_conductor(
        &sandbox,
        &["--virtual", "cli-echo-in", "--output", &dump_input],
    );
    conductor.wait_for("listening on MIDI input cli-echo-in");
    let conductor_input = find_port("cli-echo-in");
    let sequencer = start_sequencer();
    jack_connect("cli-echo-seq:out", &conductor_input);
    // The echo arrives at the monitor as the exact bytes...
    dump.wait_for("90 48 63");
    // ... because conductor's mapping fired on what jack_midiseq played.
    conductor.wait_for("fired SendMidi");
    interrupt(&mut conductor);

    // 2. The sequencer's port, by part of its name; the monitor by part of its name.
    let listed = Run::of(
        sandbox
            .conductor()
            .env("JACK_NO_START_SERVER", "1")
            .arg("--list-ports"),
    );
    listed
        .success()
        .stdout_has(&["cli-echo-seq:out", "cli-echo-dump:input"]);
    // Everything the first conductor sent has been printed by now; what follows is
    // from the second.
    dump.seen.extend(dump.lines.try_iter());
    dump.seen.push("-- second conductor --".into());
    let mut conductor = start_conductor(&sandbox, &["cli-echo-seq", "--output", "cli-echo-dump"]);
    conductor.wait_for("listening on MIDI input cli-echo-seq:out");
    conductor.wait_for("fired SendMidi");
    dump.wait_for("90 48 63");

    // The device goes away: reported, conductor keeps running.
    drop(sequencer);
    conductor.wait_for("MIDI input cli-echo-seq:out disappeared");
    assert!(
        conductor
            .child
            .0
            .try_wait()
            .expect("poll conductor")
            .is_none(),
        "conductor must keep running without its input\n{}",
        conductor.seen.join("\n")
    );
    // It comes back: reconnected, and mappings fire again.
    let _sequencer = start_sequencer();
    conductor.wait_for("MIDI input cli-echo-seq:out is back");
    conductor.wait_for("fired SendMidi");
    interrupt(&mut conductor);
    drop(dump);
}
