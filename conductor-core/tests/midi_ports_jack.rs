//! Real MIDI through a JACK server: virtual ports, opening ports by name, sending, and an
//! input that survives its port going away.
//!
//! Run with `cargo test --release -p conductor-midi-core --features jack --test midi_ports_jack`.
//! Needs `jackd` and the JACK example clients (`jack_lsp`, `jack_connect`, `jack_midiseq`,
//! `jack_midi_dump`). A JACK server is started with the dummy driver when none runs
//! (`support::jack::ensure_server`), so no sound hardware is needed. Everything runs in
//! one test function: the steps share the server and the process environment.
#![cfg(feature = "jack")]

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use wait_timeout::ChildExt;

use conductor_core::midi::{
    create_virtual_input, create_virtual_output, input_ports, open_input, open_output,
    output_ports, MidiMessage, MidiParser, PortEvent, PortSelector, ReconnectingInput,
};
use conductor_core::ErrorKind;
use conductor_test_support as support;

/// Upper bound for anything to show up; generous because the machine may be busy.
const PATIENCE: Duration = Duration::from_secs(20);

#[test]
fn jack_ports_end_to_end() {
    let _server = support::jack::ensure_server();
    // Only this test function runs in this process, so changing the environment here
    // cannot race with another thread reading it: libjack must never start a server of
    // its own behind the test's back.
    std::env::set_var("JACK_NO_START_SERVER", "1");
    virtual_input_receives_what_jack_midiseq_plays();
    open_output_sends_to_jack_midi_dump();
    virtual_output_can_be_connected_from_outside();
    open_input_by_name_receives_from_a_jack_port();
    a_missing_port_lists_the_ports_that_exist();
    reconnecting_input_reports_and_survives_its_port_going_away();
}

fn virtual_input_receives_what_jack_midiseq_plays() {
    let (tx, rx) = mpsc::channel();
    let input = create_virtual_input("conductor-test-in", move |_, bytes: &[u8]| {
        let _ = tx.send(bytes.to_vec());
    })
    .expect("create the virtual input");
    assert_eq!(input.port_name(), "conductor-test-in");
    let ours = full_port_name(output_ports, "conductor-test-in");

    // A 0.5 s loop: note 60 (velocity 64) on at sample 0, off at sample 8000.
    let seq = Spawned::new(Command::new("jack_midiseq").args([
        "conductor-seq",
        "24000",
        "0",
        "60",
        "8000",
    ]));
    wait_for_port(input_ports, "conductor-seq:out");
    jack_connect("conductor-seq:out", &ours);

    let mut parser = MidiParser::new();
    let got = wait_for(&rx, "note-on from jack_midiseq", |bytes: Vec<u8>| {
        parser
            .parse(&bytes)
            .into_iter()
            .find(|m| matches!(m, MidiMessage::NoteOn { .. }))
    });
    assert_eq!(
        got,
        MidiMessage::NoteOn {
            channel: 0,
            note: 60,
            velocity: 64
        }
    );
    let off = wait_for(&rx, "note-off from jack_midiseq", |bytes: Vec<u8>| {
        (bytes == [0x80, 60, 64]).then_some(bytes)
    });
    assert_eq!(off, [0x80, 60, 64]);
    drop(seq);
    drop(input);
}

fn open_output_sends_to_jack_midi_dump() {
    let dump = MidiDump::start("conductor-dump-a");
    let mut out = open_output(&PortSelector::Name("conductor-dump-a:input".into()))
        .expect("open jack_midi_dump's port");
    assert_eq!(out.port_name(), "conductor-dump-a:input");
    out.send(&[0x91, 62, 100]).unwrap();
    out.send_message(&MidiMessage::ControlChange {
        channel: 2,
        controller: 7,
        value: 99,
    })
    .unwrap();
    dump.expect_line("91 3e 64");
    dump.expect_line("b2 07 63");
}

fn virtual_output_can_be_connected_from_outside() {
    let mut out = create_virtual_output("conductor-test-out").expect("create the virtual output");
    let ours = full_port_name(input_ports, "conductor-test-out");
    let dump = MidiDump::start("conductor-dump-b");
    jack_connect(&ours, "conductor-dump-b:input");
    // The connection is made by jack_connect: keep sending until the monitor hears it.
    dump.expect_line_while("e5 00 40", || {
        out.send_message(&MidiMessage::PitchBend {
            channel: 5,
            value: 8192,
        })
        .unwrap()
    });
}

fn open_input_by_name_receives_from_a_jack_port() {
    let mut source = create_virtual_output("conductor-test-src-a").unwrap();
    let (tx, rx) = mpsc::channel();
    // By part of its name, as a user would type it.
    let input = open_input(
        &"test-src-a".parse().unwrap(),
        "conductor-test-rx",
        move |_, bytes: &[u8]| {
            let _ = tx.send(bytes.to_vec());
        },
    )
    .expect("open the source by part of its name");
    assert!(
        input.port_name().ends_with(":conductor-test-src-a"),
        "{}",
        input.port_name()
    );
    source.send(&[0xC3, 17]).unwrap();
    let got = wait_for(&rx, "program change", |b: Vec<u8>| Some(b));
    assert_eq!(got, [0xC3, 17]);
}

fn a_missing_port_lists_the_ports_that_exist() {
    let _source = create_virtual_output("conductor-test-src-b").unwrap();
    let err = open_input(
        &PortSelector::Name("no-such-port".into()),
        "conductor-test-rx",
        |_, _| {},
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Midi, "{err}");
    let err = err.to_string();
    assert!(
        err.contains("no MIDI input port name contains \"no-such-port\""),
        "{err}"
    );
    assert!(err.contains(":conductor-test-src-b"), "{err}");
    let err = open_output(&PortSelector::Index(10_000)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Midi, "{err}");
    let err = err.to_string();
    assert!(err.contains("there is no MIDI output port #10000"), "{err}");
    let err = open_output(&PortSelector::Name("no-such-port".into())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Midi, "{err}");
    assert!(err.to_string().contains("\"no-such-port\""), "{err}");
}

fn reconnecting_input_reports_and_survives_its_port_going_away() {
    let mut source = create_virtual_output("conductor-test-src-c").unwrap();
    let (bytes_tx, bytes_rx) = mpsc::channel();
    let (events_tx, events_rx) = mpsc::channel();
    let input = ReconnectingInput::open_with_interval(
        &PortSelector::Name("conductor-test-src-c".into()),
        "conductor-test-re",
        Duration::from_millis(100),
        move |_, bytes: &[u8]| {
            let _ = bytes_tx.send(bytes.to_vec());
        },
        move |event| {
            let _ = events_tx.send(event);
        },
    )
    .expect("open the source");
    let port = input.port_name();
    assert!(port.ends_with(":conductor-test-src-c"), "{port}");
    assert!(input.is_connected());
    source.send(&[0x90, 1, 1]).unwrap();
    assert_eq!(
        wait_for(&bytes_rx, "first note", |b: Vec<u8>| Some(b)),
        [0x90, 1, 1]
    );

    drop(source);
    let event = wait_for(&events_rx, "Disconnected", |e: PortEvent| Some(e));
    assert_eq!(event, PortEvent::Disconnected { port: port.clone() });
    assert!(!input.is_connected());

    let mut source = create_virtual_output("conductor-test-src-c").unwrap();
    let event = wait_for(&events_rx, "Reconnected", |e: PortEvent| Some(e));
    assert_eq!(event, PortEvent::Reconnected { port: port.clone() });
    assert!(input.is_connected());
    source.send(&[0x90, 2, 2]).unwrap();
    assert_eq!(
        wait_for(&bytes_rx, "note after reconnecting", |b: Vec<u8>| Some(b)),
        [0x90, 2, 2]
    );
}

/// Receives from `rx` until `pick` accepts something, failing after [`PATIENCE`].
fn wait_for<T, R>(rx: &Receiver<T>, what: &str, mut pick: impl FnMut(T) -> Option<R>) -> R {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(item) => {
                if let Some(found) = pick(item) {
                    return found;
                }
            }
            Err(_) => panic!("gave up waiting for {what} after {PATIENCE:?}"),
        }
    }
}

/// The full JACK name (`client:port`) of our port named `port`, found through our own
/// listing (`list` is `input_ports` or `output_ports`).
fn full_port_name(
    list: fn() -> conductor_core::Result<Vec<conductor_core::midi::PortInfo>>,
    port: &str,
) -> String {
    let suffix = format!(":{port}");
    let ports = list().expect("list ports");
    ports
        .iter()
        .find(|p| p.name.ends_with(&suffix))
        .unwrap_or_else(|| panic!("no port named {port} in {ports:?}"))
        .name
        .clone()
}

/// Polls `list` until it shows `name`.
fn wait_for_port(
    list: fn() -> conductor_core::Result<Vec<conductor_core::midi::PortInfo>>,
    name: &str,
) {
    let deadline = Instant::now() + PATIENCE;
    while Instant::now() < deadline {
        if list().expect("list ports").iter().any(|p| p.name == name) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("port {name} did not appear within {PATIENCE:?}");
}

fn jack_connect(from: &str, to: &str) {
    let out = Command::new("jack_connect")
        .args([from, to])
        .output()
        .expect("run jack_connect");
    assert!(
        out.status.success(),
        "jack_connect {from} {to} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A child process killed when dropped.
struct Spawned(Child);

impl Spawned {
    fn new(command: &mut Command) -> Spawned {
        let program = format!("{:?}", command.get_program());
        Spawned(
            command
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| {
                    panic!("cannot run {program}: {e} (install the JACK example clients)")
                }),
        )
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `jack_midi_dump` with its output lines collected on a thread.
struct MidiDump {
    _child: Spawned,
    lines: Receiver<String>,
}

impl MidiDump {
    fn start(client: &str) -> MidiDump {
        let mut child = Command::new("jack_midi_dump")
            .arg(client)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run jack_midi_dump (install the JACK example clients)");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        wait_for_port(output_ports, &format!("{client}:input"));
        MidiDump {
            _child: Spawned(child),
            lines,
        }
    }

    /// Waits for a line showing these hex bytes.
    fn expect_line(&self, hex: &str) {
        wait_for(
            &self.lines,
            &format!("jack_midi_dump to show {hex}"),
            |line: String| line.contains(hex).then_some(()),
        );
    }

    /// Calls `send` every 50 ms until a line shows these hex bytes.
    fn expect_line_while(&self, hex: &str, mut send: impl FnMut()) {
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            send();
            while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(50)) {
                if line.contains(hex) {
                    return;
                }
            }
        }
        panic!("jack_midi_dump did not show {hex} within {PATIENCE:?}");
    }
}
