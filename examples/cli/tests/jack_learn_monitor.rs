//! `conductor learn` and `conductor monitor` on real MIDI through a JACK server: JACK's
//! `jack_midiseq` plays notes, and a second `conductor` turns a replayed file into the
//! control changes of a relative encoder with `SendMidi`.
//!
//! Run with `cargo test --release --workspace --features
//! conductor-midi-core/jack,conductor-cli/jack --test jack_learn_monitor`. It needs the
//! JACK tools (Debian `jackd2`; `scripts/setup.sh` installs them). A JACK server is
//! started with the dummy driver when none is running; if that is impossible the test
//! fails and says why — it is never silently skipped.
#![cfg(feature = "jack")]

mod common;

use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError};

use common::jack::{ensure_server, find_port, lines_of, tool, Killed, Watched};
use common::{note_on, sandbox_env, write_mid, Run, Sandbox};

/// The tests take turns: each makes sure a JACK server runs (starting one if needed),
/// which two at once would race to do.
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(PoisonError::into_inner)
}

/// JACK's sequencer as client `client`: note 60 (velocity 64) every 0.5 s at 48 kHz.
fn start_sequencer(client: &str) -> Killed {
    let child = tool("jack_midiseq")
        .args([client, "24000", "0", "60", "8000"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("cannot run jack_midiseq (Debian package jackd2)");
    find_port(&format!("{client}:out"));
    Killed(child)
}

/// `conductor ARGS` in `sandbox` with its stdout watched.
fn start_watched(sandbox: &Sandbox, args: &[&str], what: &'static str) -> Watched {
    let mut conductor = Command::new(env!("CARGO_BIN_EXE_conductor"));
    sandbox_env(&mut conductor, &sandbox.home());
    conductor
        .current_dir(sandbox.path())
        .env("JACK_NO_START_SERVER", "1")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = conductor.spawn().expect("run conductor");
    let lines = lines_of(child.stdout.take().expect("piped"));
    Watched {
        child: Killed(child),
        lines,
        seen: Vec::new(),
        what,
    }
}

/// Pastes `trigger_line` into a config with one mapping and runs `conductor check` on
/// it, which must accept it.
fn check_accepts(sandbox: &Sandbox, learned: &str) {
    let text = format!(
        "[[modes]]\nname = \"Default\"\n[[modes.mappings]]\n{learned}\n\
         action = {{ Host = {{ name = \"learned\" }} }}\n"
    );
    sandbox.write("learned.toml", &text);
    Run::of(sandbox.conductor().args(["check", "learned.toml"])).success();
}

#[test]
fn learn_prints_the_note_played_and_check_accepts_it() {
    let _turn = one_at_a_time();
    let _server = ensure_server();
    let sandbox = Sandbox::new();
    let _sequencer = start_sequencer("cli-learn-seq");
    let run = Run::of(sandbox.conductor().env("JACK_NO_START_SERVER", "1").args([
        "learn",
        "cli-learn-seq",
        "--timeout",
        "30",
    ]));
    run.success()
        .stdout_has(&[
            "# note 60 on MIDI channel 1",
            "trigger = { Note = { note = 60, channel = 0 } }",
        ])
        .stderr_has(&["touch a control on cli-learn-seq:out"]);
    check_accepts(&sandbox, &run.stdout);
}

#[test]
fn learn_recognises_a_relative_encoder_sent_through_jack() {
    let _turn = one_at_a_time();
    let _server = ensure_server();
    let sandbox = Sandbox::new();
    // The encoder: each note of enc.mid becomes CC 21 = 65 on channel 3 (binary offset,
    // one step clockwise), sent by a second conductor to learn's virtual input.
    sandbox.write(
        "encoder.toml",
        "[[modes]]\nname = \"Default\"\n[[modes.mappings]]\n\
         trigger = { Note = { note = 60 } }\n\
         action = { SendMidi = { message_type = \"ControlChange\", channel = 2, \
         controller = 21, value = 65 } }\n",
    );
    let events: Vec<_> = (0..40u64)
        .map(|i| (i * 100_000, note_on(60, 100)))
        .collect();
    write_mid(&sandbox.join("enc.mid"), &events);

    let mut learn = start_watched(
        &sandbox,
        &["learn", "--virtual", "cli-learn-enc", "--timeout", "60"],
        "conductor learn",
    );
    let learn_input = find_port("cli-learn-enc");
    let mut sender = Command::new(env!("CARGO_BIN_EXE_conductor"));
    sandbox_env(&mut sender, &sandbox.home());
    sender
        .current_dir(sandbox.path())
        .env("JACK_NO_START_SERVER", "1")
        .args([
            "--config",
            "encoder.toml",
            "--replay",
            "enc.mid",
            "--no-watch",
        ])
        .args(["--output", &learn_input])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let _sender = Killed(sender.spawn().expect("run the sending conductor"));

    learn.wait_for(
        r#"trigger = { EncoderTurn = { cc = 21, encoding = "binary_offset", channel = 2 } }"#,
    );
    let printed = learn.printed();
    assert!(
        printed.contains("# relative encoder on controller 21 on MIDI channel 3"),
        "{printed}"
    );
    let line = printed
        .lines()
        .find(|l| l.starts_with("trigger = "))
        .expect("the trigger line");
    check_accepts(&sandbox, line);
}

#[test]
fn monitor_prints_each_message_and_the_mapping_it_fires() {
    let _turn = one_at_a_time();
    let _server = ensure_server();
    let sandbox = Sandbox::new();
    sandbox.write(
        "monitor.toml",
        "[[modes]]\nname = \"Default\"\n[[modes.mappings]]\n\
         description = \"Play\"\n\
         trigger = { Note = { note = 60 } }\n\
         action = { Host = { name = \"play\" } }\n\
         [[modes.mappings]]\n\
         trigger = { Note = { note = 61 } }\n\
         action = { Host = { name = \"never\" } }\n",
    );
    let _sequencer = start_sequencer("cli-mon-seq");
    let mut monitor = start_watched(
        &sandbox,
        &["monitor", "cli-mon-seq", "--config", "monitor.toml"],
        "conductor monitor",
    );
    monitor.wait_for("note-on ch=1 note=60 velocity=64");
    monitor.wait_for("  fires: mapping \"Play\" at line ");
    monitor.wait_for("note-off ch=1 note=60");
    let printed = monitor.printed();
    assert!(
        printed.contains("in mode \"Default\""),
        "the mode is named:\n{printed}"
    );
    assert!(
        !printed.contains("never"),
        "note 61 never played:\n{printed}"
    );
}
