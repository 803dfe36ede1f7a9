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

use common::{config_with, sandbox_env, Sandbox};

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

#[test]
fn note_from_jack_midiseq_is_echoed_by_send_midi_to_jack_midi_dump() {
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

    // The capture side: JACK's MIDI monitor, line-buffered so lines arrive as printed.
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
    let mut dump = Killed(
        dump.spawn()
            .expect("cannot run jack_midi_dump (Debian package jackd2)"),
    );
    let dump_lines = lines_of(dump.0.stdout.take().expect("piped") as ChildStdout);
    let dump_input = find_port("cli-echo-dump:input");

    // conductor: a virtual input, SendMidi to the monitor's input port.
    let mut conductor = Command::new(env!("CARGO_BIN_EXE_conductor"));
    sandbox_env(&mut conductor, &sandbox.home());
    conductor
        .current_dir(sandbox.path())
        .env("JACK_NO_START_SERVER", "1")
        .env("DEBUG", "1")
        .args([
            "--config",
            "echo.toml",
            "--virtual",
            "cli-echo-in",
            "--output",
        ])
        .arg(&dump_input)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut conductor = Killed(conductor.spawn().expect("run conductor"));
    let conductor_lines = lines_of(conductor.0.stderr.take().expect("piped") as ChildStderr);
    let mut conductor_seen = Vec::new();
    wait_for_line(
        &conductor_lines,
        "listening on MIDI input cli-echo-in",
        &mut conductor_seen,
        "conductor",
    );
    let conductor_input = find_port("cli-echo-in");

    // The playing side: JACK's sequencer loops middle C (velocity 64) every 0.5 s at
    // 48 kHz; jack_connect wires it to conductor's virtual input.
    let seq = Killed(
        tool("jack_midiseq")
            .args(["cli-echo-seq", "24000", "0", "60", "8000"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot run jack_midiseq (Debian package jackd2)"),
    );
    let seq_out = find_port("cli-echo-seq:out");
    let connect = tool("jack_connect")
        .arg(&seq_out)
        .arg(&conductor_input)
        .output()
        .expect("run jack_connect");
    assert!(
        connect.status.success(),
        "jack_connect {seq_out} {conductor_input} failed: {}",
        String::from_utf8_lossy(&connect.stderr)
    );

    // The echo arrives at the monitor as the exact bytes.
    let mut dump_seen = Vec::new();
    wait_for_line(&dump_lines, "90 48 63", &mut dump_seen, "jack_midi_dump");
    // ... because conductor's mapping fired on what jack_midiseq played.
    wait_for_line(
        &conductor_lines,
        "fired SendMidi",
        &mut conductor_seen,
        "conductor",
    );
    drop(seq);

    // Ctrl-C: an orderly stop with exit code 0.
    let pid = conductor.0.id().to_string();
    let interrupted = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("run kill");
    assert!(interrupted.success());
    let deadline = Instant::now() + PATIENCE;
    let status = loop {
        if let Some(status) = conductor.0.try_wait().expect("wait for conductor") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "conductor did not stop after Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let rest: Vec<String> = conductor_lines.try_iter().collect();
    conductor_seen.extend(rest);
    assert_eq!(
        status.code(),
        Some(0),
        "conductor after Ctrl-C; stderr:\n{}",
        conductor_seen.join("\n")
    );
    drop(dump);
}
