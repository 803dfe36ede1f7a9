//! `Engine::push` must never allocate: it is called from audio and MIDI callbacks.

use std::sync::atomic::{AtomicUsize, Ordering};

use conductor_test_support as support;

#[global_allocator]
static GLOBAL: support::CountingAllocator = support::CountingAllocator;

/// The count is global, so the tests take turns: one test's counted allocation must
/// not land in another's window.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A log sink that takes nothing, so no log line is even formatted.
struct Quiet;
impl conductor_core::log::LogSink for Quiet {
    fn log(&self, _: &conductor_core::log::LogRecord<'_>) {}
    fn enabled(&self, _: conductor_core::log::LogLevel) -> bool {
        false
    }
}

/// Engine options with a queue of `capacity` events and no log output.
fn quiet_options(capacity: usize) -> conductor_core::EngineOptions {
    conductor_core::EngineOptions::default()
        .with_queue_capacity(Some(capacity))
        .with_host_config(
            conductor_core::plugin::HostConfig::default().with_log_sink(std::sync::Arc::new(Quiet)),
        )
}

#[test]
fn push_never_allocates_whether_accepted_or_dropped() {
    let _turn = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let engine = conductor_core::Engine::from_toml(
        "[[modes]]\nname = \"D\"\n[[modes.mappings]]\ntrigger = { Note = { note = 60 } }\naction = { Host = { name = \"x\" } }\n",
        dir.path(),
        quiet_options(64),
    )
    .unwrap();
    // The allocator really counts: a Vec allocation on this thread is seen.
    assert_eq!(
        support::allocations_in(|| drop(std::hint::black_box(vec![1u8; 16]))),
        1
    );
    let mut accepted = 0;
    let n = support::allocations_in(|| {
        for i in 0..10_000u64 {
            if engine.push(&[0x90, 60, 100], i) {
                accepted += 1;
            }
        }
        // Oversized and empty pushes are refused, also without allocating.
        engine.push(&[0xF0; 64], 0);
        engine.push(&[], 0);
    });
    assert_eq!(n, 0, "push allocated {n} times");
    assert!(accepted > 0);
    assert!(engine.dropped() >= 2);
}

/// Counts the allocations the engine thread makes between two marker messages: the
/// MIDI-out callback (which runs on that thread) switches counting on at the first
/// marker and off at the second.
#[test]
fn firing_send_midi_and_mode_change_allocates_nothing_on_the_engine_thread() {
    let _turn = one_at_a_time();
    const START: u8 = 120;
    const STOP: u8 = 121;
    let sends = std::sync::Arc::new(AtomicUsize::new(0));
    let on_midi_out = {
        let sends = sends.clone();
        std::sync::Arc::new(move |bytes: &[u8], _: u64| {
            match bytes[1] {
                START => support::count_this_thread(true),
                STOP => support::count_this_thread(false),
                _ => {}
            }
            sends.fetch_add(1, Ordering::Relaxed);
        })
    };
    // Two modes with the same pads: 60 sends, 61 switches to the next mode, 62 sends
    // a SysEx; a global mapping sends too.
    let mut toml = String::new();
    for mode in ["A", "B"] {
        toml.push_str(&format!(
            "[[modes]]\nname = \"{mode}\"\n\
             [[modes.mappings]]\ntrigger = {{ Note = {{ note = 60 }} }}\naction = {{ SendMidi = {{ bytes = [0x90, 60, 1] }} }}\n\
             [[modes.mappings]]\ntrigger = {{ Note = {{ note = 61 }} }}\naction = {{ ModeChange = {{ mode = \"next\" }} }}\n\
             [[modes.mappings]]\ntrigger = {{ Note = {{ note = 62 }} }}\naction = {{ SendMidi = {{ bytes = [0xF0, 1, 2, 3, 0xF7] }} }}\n"
        ));
    }
    toml.push_str(&format!(
        "[[global_mappings]]\ntrigger = {{ CC = {{ cc = 1 }} }}\naction = {{ SendMidi = {{ bytes = [0xB0, 1, 2] }} }}\n\
         [[global_mappings]]\ntrigger = {{ Note = {{ note = {START} }} }}\naction = {{ SendMidi = {{ bytes = [0x90, {START}, 1] }} }}\n\
         [[global_mappings]]\ntrigger = {{ Note = {{ note = {STOP} }} }}\naction = {{ SendMidi = {{ bytes = [0x90, {STOP}, 1] }} }}\n"
    ));
    let dir = tempfile::tempdir().unwrap();
    let engine = conductor_core::Engine::from_toml(
        &toml,
        dir.path(),
        quiet_options(4096).with_callbacks(
            conductor_core::engine::EngineCallbacks::default().with_on_midi_out(Some(on_midi_out)),
        ),
    )
    .unwrap();
    let burst = |t: u64| {
        for (i, msg) in [
            [0x90, 60, 100],
            [0x90, 61, 100],
            [0x90, 62, 100],
            [0xB0, 1, 5],
        ]
        .iter()
        .enumerate()
        {
            assert!(engine.push(msg, t + i as u64));
        }
    };
    // Warm up: the first events may size reusable buffers.
    for t in 0..50 {
        burst(t * 10);
    }
    assert!(engine
        .wait_idle(std::time::Duration::from_secs(10))
        .unwrap());
    let before = support::allocations();
    let sent_before = sends.load(Ordering::Relaxed);
    assert!(engine.push(&[0x90, START, 1], 1_000));
    for t in 0..500 {
        burst(2_000 + t * 10);
    }
    assert!(engine.push(&[0x90, STOP, 1], 100_000));
    assert!(engine
        .wait_idle(std::time::Duration::from_secs(10))
        .unwrap());
    // Every burst fired: two SendMidi in one mode, one in the other, plus the CC.
    let sent = sends.load(Ordering::Relaxed) - sent_before;
    assert_eq!(sent, 2 + 500 * 3, "sends");
    assert_eq!(engine.dropped(), 0);
    let n = support::allocations() - before;
    assert_eq!(n, 0, "the engine thread allocated {n} times while firing");
}
