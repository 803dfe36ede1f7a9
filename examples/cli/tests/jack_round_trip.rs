//! MIDI round trips through a real JACK server and `conductor`: this test's own JACK
//! client plays notes into the CLI's virtual input, a `SendMidi` mapping per note echoes
//! each one to `--output`, which is the test's input, and every echo must come back —
//! the first one after connecting included.
//!
//! The CLI is started afresh for each round while other JACK clients come and go (as
//! `jack_lsp`, `jack_connect` or a patchbay do). That is what lost the first echo before:
//! the CLI opened two JACK clients in one process, and libjack could leave the second
//! one waiting on the semaphore of a client that had gone, so it never ran and never
//! sent (see conductor-core's `midi/jack.rs`).
//!
//! Run with `cargo test --release --workspace --features
//! conductor-core/jack,conductor-cli/jack --test jack_round_trip` (as `scripts/test.sh`
//! does). Needs the JACK tools; a server is started with the dummy driver when none runs.
#![cfg(feature = "jack")]

mod common;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::channel;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::jack::{
    ensure_server, find_port, interrupt, jack_connect, run_tool, start_conductor, tool,
    wait_connected,
};
use common::{config_with, Sandbox};
use conductor_core::midi::{create_virtual_input, create_virtual_output};

/// Rounds, each with a fresh `conductor`.
const ROUNDS: usize = 20;
/// Notes sent per round.
const PINGS_PER_ROUND: usize = 50;
/// Notes on their way at once (fewer than [`NOTE_COUNT`], so each is told apart by its
/// number).
const IN_FLIGHT: usize = 8;
/// An echo later than this is lost (a round trip takes two or three 5.33 ms periods).
const ECHO_TIMEOUT: Duration = Duration::from_secs(2);
/// A round stops after this many losses in a row: the path is broken, not slow.
const GIVE_UP_AFTER: usize = 3;
/// The notes played, in turn; each has a mapping that echoes it at velocity 99.
const FIRST_NOTE: u8 = 40;
const NOTE_COUNT: u8 = 16;

#[test]
fn every_note_comes_back_through_conductor_including_the_first_after_connecting() {
    let server = ensure_server();
    let sandbox = Sandbox::new();
    let actions: Vec<(u8, String)> = (FIRST_NOTE..FIRST_NOTE + NOTE_COUNT)
        .map(|note| {
            (
                note,
                format!(
                    r#"{{ SendMidi = {{ message_type = "NoteOn", note = {note}, velocity = 99 }} }}"#
                ),
            )
        })
        .collect();
    let actions: Vec<(u8, &str)> = actions.iter().map(|(n, a)| (*n, a.as_str())).collect();
    sandbox.write("round-trip.toml", &config_with(&actions));

    // The test's side: one JACK client with an output that plays and an input that
    // hears the echoes, stamped on arrival.
    let (tx, echoes) = channel();
    let _echo_in = create_virtual_input("rt-echo", move |_, bytes: &[u8]| {
        let _ = tx.send((Instant::now(), bytes.to_vec()));
    })
    .expect("create the test's input");
    let mut ping_out = create_virtual_output("rt-ping").expect("create the test's output");
    let echo_port = find_port("rt-echo");
    let ping_port = find_port("rt-ping");

    let mut round_trips = Vec::with_capacity(ROUNDS * PINGS_PER_ROUND);
    let mut lost = Vec::new();
    let mut late = Vec::new();
    let xruns = || server.as_ref().map(|s| s.xruns());
    for round in 1..=ROUNDS {
        let xruns_before = xruns();
        let churn = Churn::start();
        let mut cli = start_conductor(
            &sandbox,
            "round-trip.toml",
            &["--virtual", "rt-cli-in", "--output", &echo_port],
            false,
        );
        cli.wait_for("listening on MIDI input rt-cli-in");
        let cli_in = find_port("rt-cli-in");
        jack_connect(&ping_port, &cli_in);
        // Both ways are in the server's graph before the first note.
        wait_connected(&ping_port, &cli_in);
        wait_connected(&echo_port, ":conductor-out");
        drop(churn);
        while echoes.try_recv().is_ok() {}

        let mut in_a_row = 0;
        let mut next = 1;
        let mut in_flight: VecDeque<(u8, Instant, usize)> = VecDeque::new();
        while next <= PINGS_PER_ROUND || !in_flight.is_empty() {
            while in_flight.len() < IN_FLIGHT && next <= PINGS_PER_ROUND {
                let note = FIRST_NOTE + (next % NOTE_COUNT as usize) as u8;
                ping_out.send(&[0x90, note, 100]).expect("send a note");
                in_flight.push_back((note, Instant::now(), next));
                next += 1;
            }
            let (_, oldest_sent, oldest) = in_flight[0];
            let left = (oldest_sent + ECHO_TIMEOUT).saturating_duration_since(Instant::now());
            match echoes.recv_timeout(left) {
                Ok((at, bytes)) => {
                    let found = in_flight
                        .iter()
                        .position(|(note, _, _)| bytes == [0x90, *note, 99]);
                    if let Some(i) = found {
                        let (_, sent, _) = in_flight.remove(i).expect("found");
                        round_trips.push(at.duration_since(sent));
                        in_a_row = 0;
                    } else {
                        late.push(format!("round {round}: {bytes:02X?} came back late"));
                    }
                }
                Err(_) => {
                    in_flight.pop_front();
                    lost.push(format!(
                        "round {round}, note {oldest}{}",
                        if oldest == 1 {
                            " (the first after connecting)"
                        } else {
                            ""
                        }
                    ));
                    in_a_row += 1;
                    if in_a_row == GIVE_UP_AFTER {
                        lost.push(format!(
                            "round {round}: gave up after {GIVE_UP_AFTER} losses in a row, {} \
                             notes not sent; JACK xruns in this round: {}; conductor \
                             printed:\n{}",
                            PINGS_PER_ROUND + 1 - next,
                            match (xruns_before, xruns()) {
                                (Some(a), Some(b)) => (b - a).to_string(),
                                _ => "unknown".into(),
                            },
                            cli.printed()
                        ));
                        break;
                    }
                }
            }
        }
        interrupt(&mut cli);
    }

    round_trips.sort();
    let at = |q: f64| round_trips[((round_trips.len() - 1) as f64 * q).round() as usize];
    let total_xruns = xruns().map_or("unknown (a server the test did not start)".into(), |n| {
        n.to_string()
    });
    let summary = if round_trips.is_empty() {
        "no echo came back".to_string()
    } else {
        format!(
            "{} echoes back; round trip median {:?}, p99 {:?}, max {:?}; JACK xruns: {total_xruns}",
            round_trips.len(),
            at(0.5),
            at(0.99),
            at(1.0)
        )
    };
    eprintln!("{summary}");
    assert!(
        lost.is_empty(),
        "{} of {} echoes lost; {summary}\n{}\n{}",
        lost.iter().filter(|l| l.contains(", note ")).count(),
        ROUNDS * PINGS_PER_ROUND,
        lost.join("\n"),
        late.join("\n")
    );
    assert_eq!(round_trips.len(), ROUNDS * PINGS_PER_ROUND);
}

/// Other JACK clients opening and closing all the time (`jack_lsp` in three loops), as
/// a patchbay or a script does, until dropped.
struct Churn {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Churn {
    fn start() -> Churn {
        let stop = Arc::new(AtomicBool::new(false));
        let threads = (0..3)
            .map(|_| {
                let stop = Arc::clone(&stop);
                std::thread::spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        run_tool(&mut tool("jack_lsp"));
                    }
                })
            })
            .collect();
        Churn { stop, threads }
    }
}

impl Drop for Churn {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}
