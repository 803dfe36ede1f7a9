//! Named devices through a JACK server: each `[[devices]]` entry's input and output
//! opened by `Engine::connect_devices`, its init sequence and feedback sent when the
//! output opens and again when it comes back, mode feedback on a mode change, a
//! trigger filtered by device, `SendMidi` routed to a named device, a reload that moves
//! a device to another port (`Devices::sync`), and the shutdown sequence when the
//! devices close.
//!
//! Run with `cargo test --release -p conductor-midi-core --features jack --test devices_jack`.
//! Needs `jackd` and `jack_lsp`; the "controllers" are virtual ports of this process.
//! A JACK server is started with the dummy driver when none runs, as in
//! `midi_ports_jack`.
#![cfg(feature = "jack")]

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use wait_timeout::ChildExt;

use conductor_core::midi::{create_virtual_input, create_virtual_output, InputConnection};
use conductor_core::plugin::HostConfig;
use conductor_core::{Engine, EngineOptions};
use conductor_test_support as support;

/// Upper bound for anything to show up; generous because the machine may be busy.
const PATIENCE: Duration = Duration::from_secs(20);

const CONFIG: &str = r#"
[[devices]]
name = "pads"
input = "dev-pads-src"
output = "dev-pads-sink"
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
input = "dev-keys-src"
output = "dev-keys-sink"

[[modes]]
name = "Play"
[[modes.mappings]]
device = "pads"
trigger = { Note = { note = 36 } }
action = { ModeChange = { mode = "Mix" } }

[[modes]]
name = "Mix"

[[global_mappings]]
trigger = { Note = { note = 60 } }
action = { SendMidi = { port = "keys", message_type = "NoteOn", note = 60, velocity = 100 } }
[[global_mappings]]
device = "keys"
trigger = { Note = { note = 62 } }
action = { SendMidi = { port = "pads", message_type = "CC", controller = 20, value = 127 } }
"#;

#[test]
fn devices_end_to_end() {
    let _server = support::jack::ensure_server();
    // Only this test function runs in this process, so changing the environment here
    // cannot race with another thread reading it: libjack must never start a server of
    // its own behind the test's back.
    std::env::set_var("JACK_NO_START_SERVER", "1");
    let dir = tempfile::tempdir().unwrap();
    // The controllers: what they send comes from these outputs, what they are sent
    // arrives at these inputs.
    let mut pads = create_virtual_output("dev-pads-src").unwrap();
    let mut keys = create_virtual_output("dev-keys-src").unwrap();
    let (pads_sink, pads_rx) = sink("dev-pads-sink");
    let (_keys_sink, keys_rx) = sink("dev-keys-sink");

    let options = EngineOptions::default().with_host_config(
        HostConfig::default()
            .with_cache_dir(Some(dir.path().join("cache")))
            .with_data_root(Some(dir.path().join("data"))),
    );
    let engine = Engine::from_toml(CONFIG, dir.path(), options).unwrap();
    let devices = engine.connect_devices().expect("open every device");
    let inputs = devices.inputs();
    assert_eq!(inputs.len(), 2, "{inputs:?}");
    assert!(inputs[0].1.ends_with(":dev-pads-src"), "{inputs:?}");

    // At start-up: the pads get their init, then mode Play's lights.
    expect(
        &pads_rx,
        &[0xF0, 0x00, 0x20, 0x29, 0x02, 0x0D, 0x0E, 0x01, 0xF7],
    );
    expect(&pads_rx, &[0x90, 36, 21]);
    expect(&pads_rx, &[0x90, 37, 0]);

    // Note 36 from the keys does not switch modes (the mapping is the pads'); note 62
    // from the keys lights CC 20 on the pads, so both have been handled.
    keys.send(&[0x90, 36, 100]).unwrap();
    keys.send(&[0x90, 62, 100]).unwrap();
    expect(&pads_rx, &[0xB0, 20, 127]);
    assert_eq!(engine.mode_name(), "Play");

    // Note 36 from the pads switches to Mix, and the pads show it.
    pads.send(&[0x90, 36, 100]).unwrap();
    expect(&pads_rx, &[0x90, 36, 0]);
    expect(&pads_rx, &[0x90, 37, 45]);
    assert_eq!(engine.mode_name(), "Mix");

    // Note 60 from the pads goes to the keys' output only: the next thing the pads
    // get is the CC that note 62 from the keys sends them.
    pads.send(&[0x90, 60, 1]).unwrap();
    expect(&keys_rx, &[0x90, 60, 100]);
    keys.send(&[0x90, 62, 100]).unwrap();
    expect(&pads_rx, &[0xB0, 20, 127]);

    // The pads' port goes away and comes back: init and every light again.
    drop(pads_sink);
    wait_until("the pads' output to be seen gone", || {
        devices
            .outputs()
            .iter()
            .any(|(d, _, open)| d == "pads" && !open)
    });
    let (_pads_sink, pads_rx) = sink("dev-pads-sink");
    expect(
        &pads_rx,
        &[0xF0, 0x00, 0x20, 0x29, 0x02, 0x0D, 0x0E, 0x01, 0xF7],
    );
    expect(&pads_rx, &[0x90, 36, 0]);
    expect(&pads_rx, &[0x90, 37, 45]);

    // A reload that leaves `[[devices]]` as they were keeps the ports open.
    let mut devices = devices;
    engine.reload_from_toml(CONFIG, dir.path()).unwrap();
    assert!(devices.is_current());
    assert!(
        !devices.sync().unwrap(),
        "nothing changed, nothing reopened"
    );

    // A reload that moves the pads to another output: `sync` sends the old output the
    // shutdown sequence, then the new one gets the init and the lights.
    let (_moved_sink, moved_rx) = sink("dev-pads-moved");
    let moved = CONFIG.replace("output = \"dev-pads-sink\"", "output = \"dev-pads-moved\"");
    engine.reload_from_toml(&moved, dir.path()).unwrap();
    assert!(!devices.is_current());
    assert!(devices.sync().unwrap(), "the pads' output changed");
    expect_eventually(&pads_rx, &[0xB0, 0x00, 0x00]);
    expect(
        &moved_rx,
        &[0xF0, 0x00, 0x20, 0x29, 0x02, 0x0D, 0x0E, 0x01, 0xF7],
    );
    let outputs = devices.outputs();
    assert!(
        outputs
            .iter()
            .any(|(d, port, open)| d == "pads" && port.ends_with(":dev-pads-moved") && *open),
        "{outputs:?}"
    );
    // The pads' input was reopened too: their note 60 still reaches the engine, which
    // sends it on to the keys. A new JACK connection takes effect at the next period,
    // so the note is sent until it arrives.
    wait_until("note 60 from the reopened pads to reach the keys", || {
        pads.send(&[0x90, 60, 1]).unwrap();
        keys_rx.recv_timeout(Duration::from_millis(50)).ok() == Some(vec![0x90, 60, 100])
    });

    // Closing the devices sends the shutdown sequence.
    drop(devices);
    expect_eventually(&moved_rx, &[0xB0, 0x00, 0x00]);
    engine.shutdown().unwrap();
}

/// Waits for `bytes`, passing over anything else received first (lights re-sent by a
/// reload, for example).
fn expect_eventually(rx: &Receiver<Vec<u8>>, bytes: &[u8]) {
    let deadline = Instant::now() + PATIENCE;
    let mut seen = Vec::new();
    loop {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(got) if got == bytes => return,
            Ok(got) => seen.push(got),
            Err(_) => {
                panic!("gave up waiting for {bytes:02X?} after {PATIENCE:?}; got {seen:02X?}")
            }
        }
    }
}

/// A virtual input standing for a controller's (or synth's) MIDI in.
fn sink(name: &str) -> (InputConnection, Receiver<Vec<u8>>) {
    let (tx, rx) = mpsc::channel();
    let input = create_virtual_input(name, move |_, bytes: &[u8]| {
        let _ = tx.send(bytes.to_vec());
    })
    .unwrap();
    (input, rx)
}

/// The next message received must be `bytes`.
fn expect(rx: &Receiver<Vec<u8>>, bytes: &[u8]) {
    match rx.recv_timeout(PATIENCE) {
        Ok(got) => assert_eq!(got, bytes, "expected {bytes:02X?}, got {got:02X?}"),
        Err(_) => panic!("gave up waiting for {bytes:02X?} after {PATIENCE:?}"),
    }
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
