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

use std::process::Stdio;

use common::jack::{
    ensure_server, find_port, interrupt, jack_connect, start_conductor, start_dump, tool, Killed,
    Watched,
};
use common::{config_with, Run, Sandbox};

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
fn start_echo(sandbox: &Sandbox, args: &[&str]) -> Watched {
    start_conductor(sandbox, "echo.toml", args, true)
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
    let mut dump = start_dump("cli-echo-dump");
    let dump_input = find_port("cli-echo-dump:input");

    // 1. A virtual input.
    let mut conductor = start_echo(
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
    // With ports to choose from, a name that matches none is refused, listing them
    // (run_command.rs sees this branch only on a machine with MIDI ports).
    Run::of(sandbox.conductor().env("JACK_NO_START_SERVER", "1").args([
        "--config",
        "echo.toml",
        "no-such-port-anywhere",
    ]))
    .failure()
    .stderr_has(&[
        "no MIDI input port name contains \"no-such-port-anywhere\"",
        "cli-echo-seq:out",
    ]);
    // Everything the first conductor sent has been printed by now; what follows is
    // from the second.
    dump.seen.extend(dump.lines.try_iter());
    dump.seen.push("-- second conductor --".into());
    let mut conductor = start_echo(&sandbox, &["cli-echo-seq", "--output", "cli-echo-dump"]);
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
