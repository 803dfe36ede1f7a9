//! Values, conditions, variables and MIDI thru cost no allocation when they fire:
//! transforms are resolved at load, held controls are fixed arrays, and a variable
//! allocates only the first time its name is set.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use conductor_test_support as support;

#[global_allocator]
static GLOBAL: support::CountingAllocator = support::CountingAllocator;

struct Quiet;
impl conductor_core::log::LogSink for Quiet {
    fn log(&self, _: &conductor_core::log::LogRecord<'_>) {}
    fn enabled(&self, _: conductor_core::log::LogLevel) -> bool {
        false
    }
}

const START: u8 = 120;
const STOP: u8 = 121;

const CONFIG: &str = r#"
[engine]
midi_thru = true
queue_capacity = 8192

[[modes]]
name = "Default"

[[modes.mappings]]
trigger = { Note = { note = 60 } }
[modes.mappings.action]
type = "Conditional"
condition = { type = "And", conditions = [{ type = "Not", condition = { type = "NoteHeld", note = 36 } }, { type = "Variable", name = "bank", min = 0 }, { type = "ModeIs", mode = "Default" }] }
then_action = { type = "SendMidi", message_type = "NoteOn", note = { from = "note", transpose = 12 }, velocity = { from = "velocity", curve = "SCurve", intensity = 0.5 } }
else_action = { type = "SendMidi", message_type = "NoteOn", note = 1, velocity = 1 }

[[modes.mappings]]
trigger = { Note = { note = 61 } }
action = { type = "IncrementVar", name = "bank", by = 1, min = 0, max = 3, wrap = true }

[[modes.mappings]]
trigger = { CC = { cc = 7 } }
velocity_mapping = { type = "Curve", curve_type = "Logarithmic", intensity = 0.8 }
action = { type = "SendMidi", message_type = "CC", controller = 11, value = 0 }

[[global_mappings]]
trigger = { Note = { note = 120 } }
action = { SendMidi = { bytes = [0x90, 120, 1] } }

[[global_mappings]]
trigger = { Note = { note = 121 } }
action = { SendMidi = { bytes = [0x90, 121, 1] } }
"#;

#[test]
fn transforms_conditions_variables_and_thru_allocate_nothing_on_the_engine_thread() {
    let sends = Arc::new(AtomicUsize::new(0));
    let on_midi_out = {
        let sends = sends.clone();
        Arc::new(move |bytes: &[u8], _: u64| {
            if bytes[0] == 0x90 {
                match bytes[1] {
                    START => support::count_this_thread(true),
                    STOP => support::count_this_thread(false),
                    _ => {}
                }
            }
            sends.fetch_add(1, Ordering::Relaxed);
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let engine = conductor_core::Engine::from_toml(
        CONFIG,
        dir.path(),
        conductor_core::EngineOptions::default()
            .with_host_config(
                conductor_core::plugin::HostConfig::default().with_log_sink(Arc::new(Quiet)),
            )
            .with_callbacks(
                conductor_core::engine::EngineCallbacks::default()
                    .with_on_midi_out(Some(on_midi_out)),
            ),
    )
    .unwrap();
    let burst = |t: u64| {
        for (i, msg) in [
            [0x90, 60, 100], // conditional, transformed note
            [0x90, 61, 100], // variable step
            [0xB0, 7, 64],   // velocity_mapping on a CC
            [0xB0, 9, 5],    // unmapped: thru
            [0x90, 36, 90],  // unmapped note: thru, and now held
            [0x90, 60, 10],  // the else branch while 36 is held
            [0x80, 36, 0],   // its release: thru
        ]
        .iter()
        .enumerate()
        {
            assert!(engine.push(msg, t + i as u64));
        }
    };
    // Warm up: the first events size reusable buffers and create the variable.
    for t in 0..50 {
        burst(t * 10);
    }
    assert!(engine
        .wait_idle(std::time::Duration::from_secs(30))
        .unwrap());
    let before = support::allocations();
    let sent_before = sends.load(Ordering::Relaxed);
    assert!(engine.push(&[0x90, START, 1], 1_000));
    for t in 0..500 {
        burst(2_000 + t * 10);
    }
    assert!(engine.push(&[0x90, STOP, 1], 100_000));
    assert!(engine
        .wait_idle(std::time::Duration::from_secs(30))
        .unwrap());
    // Per burst: note 60 twice, the CC, and three messages thru.
    let sent = sends.load(Ordering::Relaxed) - sent_before;
    assert_eq!(sent, 2 + 500 * 6, "sends");
    assert_eq!(engine.dropped(), 0);
    let n = support::allocations() - before;
    assert_eq!(n, 0, "the engine thread allocated {n} times while firing");
}
