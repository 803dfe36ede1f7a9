//! Several devices through a real MIDI server: `conductor`, built with the `jack`
//! feature, opens every `[[devices]]` entry of its config. The "pads" device reads
//! JACK's `jack_midiseq` and shows its lights on one `jack_midi_dump`; the "keys" device
//! is a second `jack_midi_dump`. The pads get their init SysEx and mode lights at
//! start-up, a pad note (filtered to the pads) switches the mode and sends a note to the
//! keys only, the lights follow the mode, and Ctrl-C sends the pads their shutdown
//! message. `--list-ports --config` marks which device each port is for, and
//! `--virtual-output` creates an output other programs can connect to. An edit of the
//! running config that moves a device to another port reopens it.
//!
//! Run with `cargo test --release -p conductor-cli --features jack --test jack_devices`.
//! Needs the JACK tools (Debian `jackd2`), as `jack_echo` does.
#![cfg(feature = "jack")]

mod common;

use std::process::Stdio;

use common::jack::{
    ensure_server, find_port, interrupt, start_conductor, start_dump, tool, Killed,
};
use common::{Run, Sandbox};

const CONFIG: &str = r#"
[[devices]]
name = "pads"
input = "cli-dev-seq:out"
output = "cli-dev-pads"
init = ["F0 00 20 29 02 0D 0E 01 F7"]
shutdown = [[0xB0, 0x00, 0x00]]
[[devices.feedback]]
mode = "Play"
note = 36
on = 21
[[devices.feedback]]
mode = "Mix"
note = 37
on = 45

[[devices]]
name = "keys"
output = "cli-dev-keys"

[[modes]]
name = "Play"
[[modes.mappings]]
device = "pads"
trigger = { Note = { note = 60 } }
action = { Sequence = [
    { SendMidi = { port = "keys", message_type = "NoteOn", note = 72, velocity = 99 } },
    { ModeChange = { mode = "Mix" } },
] }

[[modes]]
name = "Mix"
"#;

#[test]
fn every_device_is_opened_routed_and_shown_its_mode() {
    let _server = ensure_server();
    let sandbox = Sandbox::new();
    sandbox.write("devices.toml", CONFIG);
    let mut pads = start_dump("cli-dev-pads");
    let mut keys = start_dump("cli-dev-keys");
    find_port("cli-dev-pads:input");
    find_port("cli-dev-keys:input");
    // Middle C every 0.5 s, as the pads' input.
    let _sequencer = Killed(
        tool("jack_midiseq")
            .args(["cli-dev-seq", "24000", "0", "60", "8000"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot run jack_midiseq (Debian package jackd2)"),
    );
    find_port("cli-dev-seq:out");

    let listed = Run::of(sandbox.conductor().env("JACK_NO_START_SERVER", "1").args([
        "--list-ports",
        "--config",
        "devices.toml",
    ]));
    listed.success().stdout_has(&[
        "cli-dev-seq:out  (device pads)",
        "cli-dev-pads:input  (device pads)",
        "cli-dev-keys:input  (device keys)",
    ]);

    let mut conductor = start_conductor(
        &sandbox,
        "devices.toml",
        &["--virtual-output", "cli-dev-vout"],
        true,
    );
    conductor.wait_for("listening on device pads on cli-dev-seq:out");
    find_port("cli-dev-vout");
    // Start-up: init, then mode Play's lights.
    pads.wait_for("f0 00 20 29 02 0d 0e 01 f7");
    pads.wait_for("90 24 15");
    // Middle C from the pads: note 72 to the keys, and the lights show mode Mix.
    keys.wait_for("90 48 63");
    pads.wait_for("90 24 00");
    pads.wait_for("90 25 2d");
    interrupt(&mut conductor);
    pads.wait_for("b0 00 00");
}

const RELOAD_CONFIG: &str = r#"
[[devices]]
name = "lights"
output = "cli-reload-a"
init = [[0xB0, 0x10, 0x01]]
shutdown = [[0xB0, 0x10, 0x00]]

[[modes]]
name = "Default"
"#;

/// Live reload follows `[[devices]]`: an edit that moves a device to another port
/// closes the old one (its shutdown message) and opens the new one (its init), while
/// conductor keeps running.
#[test]
fn an_edit_that_moves_a_device_reopens_its_port() {
    let _server = ensure_server();
    let sandbox = Sandbox::new();
    sandbox.write("reload.toml", RELOAD_CONFIG);
    let mut first = start_dump("cli-reload-a");
    let mut second = start_dump("cli-reload-b");
    find_port("cli-reload-a:input");
    find_port("cli-reload-b:input");

    let mut conductor = start_conductor(&sandbox, "reload.toml", &[], false);
    conductor.wait_for("watching reload.toml");
    first.wait_for("b0 10 01");

    sandbox.write(
        "reload.toml",
        &RELOAD_CONFIG
            .replace("cli-reload-a", "cli-reload-b")
            .replace("0x10, 0x01", "0x10, 0x02"),
    );
    conductor.wait_for("their ports were reopened");
    first.wait_for("b0 10 00");
    second.wait_for("b0 10 02");

    interrupt(&mut conductor);
    second.wait_for("b0 10 00");
}
