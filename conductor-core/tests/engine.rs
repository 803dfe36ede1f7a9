//! The engine: MIDI bytes in, mappings matched, actions run.

use conductor_test_support as support;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use conductor_core::engine::{EngineCallbacks, HostActionEvent};
use conductor_core::log::{LogRecord, LogSource};
use conductor_core::plugin::HostConfig;
use conductor_core::{Engine, EngineOptions, ErrorKind};
use support::plugin_wasm;

const NOTE_ON: u8 = 0x90;
/// How long a wait for the engine thread may take before the test fails instead of
/// hanging; it only ends on a deadlock.
const PATIENCE: Duration = Duration::from_secs(60);
const NOTE_OFF: u8 = 0x80;

#[derive(Clone, Default)]
struct Recorder {
    actions: Arc<Mutex<Vec<HostActionEvent>>>,
    midi: Arc<Mutex<Vec<Vec<u8>>>>,
    log: Arc<Mutex<Vec<(String, String)>>>,
}

impl Recorder {
    fn options(&self, dir: &Path) -> EngineOptions {
        let actions = self.actions.clone();
        let midi = self.midi.clone();
        let log = self.log.clone();
        EngineOptions::default()
            .with_host_config(
                HostConfig::default()
                    .with_cache_dir(Some(dir.join("cache")))
                    .with_data_root(Some(dir.join("data")))
                    .with_log_sink(Arc::new(move |r: &LogRecord<'_>| {
                        let who = match r.source {
                            LogSource::Host => "host".to_string(),
                            LogSource::PluginStdout(p) | LogSource::PluginStderr(p) => {
                                p.to_string()
                            }
                        };
                        log.lock().unwrap().push((who, r.message.to_string()));
                    }))
                    .with_trust_store(None),
            )
            .with_callbacks(
                EngineCallbacks::default()
                    .with_on_action(Some(Arc::new(move |e: &HostActionEvent| {
                        actions.lock().unwrap().push(e.clone())
                    })))
                    .with_on_midi_out(Some(Arc::new(move |b: &[u8], _t: u64| {
                        midi.lock().unwrap().push(b.to_vec())
                    }))),
            )
    }

    fn action_names(&self) -> Vec<String> {
        self.actions
            .lock()
            .unwrap()
            .iter()
            .map(|a| a.name.clone())
            .collect()
    }

    fn take_action_names(&self) -> Vec<String> {
        let names = self.action_names();
        self.actions.lock().unwrap().clear();
        names
    }

    fn plugin_lines(&self, plugin: &str) -> Vec<String> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| p == plugin)
            .map(|(_, l)| l.clone())
            .collect()
    }
}

fn engine(toml: &str, rec: &Recorder, dir: &Path) -> Engine {
    Engine::from_toml(toml, dir, rec.options(dir)).unwrap_or_else(|e| panic!("{e}"))
}

/// The guide's `test_config.toml`, verbatim, next to a built copy of its plugin.
const GUIDE_CONFIG: &str = r#"[[modes]]
name = "Default"
[[modes.mappings]]
trigger = { Note = { note = 60 } } # Middle C
action = { WasmPlugin = {
path = "target/wasm32-wasip1/release/my_midi_plugin.wasm",
params = {
"message": "Hello from MIDI!"
}
}}
"#;

fn guide_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let release = dir.path().join("target/wasm32-wasip1/release");
    std::fs::create_dir_all(&release).unwrap();
    std::fs::copy(
        plugin_wasm("my-midi-plugin"),
        release.join("my_midi_plugin.wasm"),
    )
    .unwrap();
    std::fs::write(dir.path().join("test_config.toml"), GUIDE_CONFIG).unwrap();
    dir
}

#[test]
fn the_guides_config_fires_its_plugin_on_middle_c_only() {
    let dir = guide_project();
    let rec = Recorder::default();
    let engine =
        Engine::from_file(dir.path().join("test_config.toml"), rec.options(dir.path())).unwrap();
    let fired = engine.process(&[NOTE_ON, 61, 100], 0).unwrap();
    assert!(fired.is_empty());
    let fired = engine.process(&[NOTE_ON, 60, 100], 1_000).unwrap();
    assert_eq!(fired.len(), 1);
    assert!(fired[0].ok(), "{:?}", fired[0].outcomes);
    assert_eq!(
        fired[0].outcomes[0].plugin.as_deref(),
        Some("my_midi_plugin")
    );
    assert_eq!(
        rec.plugin_lines("my_midi_plugin"),
        vec!["Plugin initialized", "Received message: Hello from MIDI!"]
    );
    // Note-on with velocity 0 is a note-off: no second firing.
    assert!(engine.process(&[NOTE_ON, 60, 0], 2_000).unwrap().is_empty());
    engine.shutdown().unwrap();
    engine.shutdown().unwrap();
    let shutdowns = rec
        .plugin_lines("my_midi_plugin")
        .iter()
        .filter(|l| *l == "Plugin shutting down")
        .count();
    assert_eq!(shutdowns, 1);
    assert_eq!(
        engine
            .process(&[NOTE_ON, 60, 100], 3_000)
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidArgument
    );
}

const TRIGGERS: &str = r#"
[[modes]]
name = "Default"

[[modes.mappings]]
trigger = { Note = { note = 36, velocity_min = 10 } }
action = { Host = { name = "note36" } }

[[modes.mappings]]
trigger = { NoteOff = { note = 36 } }
action = { Host = { name = "off36" } }

[[modes.mappings]]
trigger = { VelocityRange = { note = 38, min = 100, max = 127 } }
action = { Host = { name = "hard38" } }

[[modes.mappings]]
trigger = { NoteRange = { low = 48, high = 50 } }
action = { Host = { name = "range48_50" } }

[[modes.mappings]]
trigger = { CC = { cc = 7, value_min = 64 } }
action = { Host = { name = "cc7high" } }

[[modes.mappings]]
trigger = { EncoderTurn = { cc = 20, direction = "Clockwise" } }
action = { Host = { name = "enc_cw" } }

[[modes.mappings]]
trigger = { EncoderTurn = { cc = 20, direction = "CounterClockwise" } }
action = { Host = { name = "enc_ccw" } }

[[modes.mappings]]
trigger = { PitchBend = { value_min = 12000 } }
action = { Host = { name = "bend_up" } }

[[modes.mappings]]
trigger = { Aftertouch = { pressure_min = 100 } }
action = { Host = { name = "pressure" } }

[[modes.mappings]]
trigger = { ProgramChange = { program = 5 } }
action = { Host = { name = "program5" } }

[[modes.mappings]]
trigger = { Note = { note = 40, channel = 9 } }
action = { Host = { name = "drums40" } }
"#;

#[test]
fn each_trigger_kind_fires_where_it_should_and_nowhere_else() {
    let dir = tempfile::tempdir().unwrap();
    let rec = Recorder::default();
    let e = engine(TRIGGERS, &rec, dir.path());
    let cases: &[(&[u8], &[&str])] = &[
        (&[NOTE_ON, 36, 5], &[]),
        (&[NOTE_ON, 36, 10], &["note36"]),
        (&[NOTE_OFF, 36, 0], &["off36"]),
        (&[NOTE_ON, 38, 99], &[]),
        (&[NOTE_ON, 38, 100], &["hard38"]),
        (&[NOTE_ON, 47, 90], &[]),
        (&[NOTE_ON, 48, 90], &["range48_50"]),
        (&[NOTE_ON, 50, 90], &["range48_50"]),
        (&[NOTE_ON, 51, 90], &[]),
        (&[0xB0, 7, 63], &[]),
        (&[0xB0, 7, 64], &["cc7high"]),
        (&[0xB0, 8, 127], &[]),
        (&[0xB0, 20, 1], &["enc_cw"]),
        (&[0xB0, 20, 127], &["enc_ccw"]),
        (&[0xE0, 0x00, 0x40], &[]),
        (&[0xE0, 0x7F, 0x7F], &["bend_up"]),
        (&[0xD0, 99], &[]),
        (&[0xD0, 100], &["pressure"]),
        (&[0xC0, 4], &[]),
        (&[0xC0, 5], &["program5"]),
        (&[0x90, 40, 100], &[]),
        (&[0x99, 40, 100], &["drums40"]),
        (&[0xF8], &[]),
    ];
    for (i, (bytes, expected)) in cases.iter().enumerate() {
        e.process(bytes, i as u64 * 1000).unwrap();
        assert_eq!(
            rec.take_action_names(),
            expected.to_vec(),
            "bytes {bytes:02X?} should fire {expected:?}"
        );
    }
}

#[test]
fn host_actions_carry_their_fields_and_the_trigger_context() {
    let dir = tempfile::tempdir().unwrap();
    let rec = Recorder::default();
    let e = engine(
        r#"
[[modes]]
name = "Live"
[[modes.mappings]]
trigger = { Note = { note = 60 } }
action = { Keystroke = { keys = "space", modifiers = ["cmd"] } }
"#,
        &rec,
        dir.path(),
    );
    e.process(&[0x92, 60, 77], 42).unwrap();
    let action = rec.actions.lock().unwrap()[0].clone();
    let json = action.to_json();
    assert_eq!(json["action"], "Keystroke");
    assert_eq!(json["keys"], "space");
    assert_eq!(json["context"]["velocity"], 77);
    assert_eq!(json["context"]["note"], 60);
    assert_eq!(json["context"]["channel"], 2);
    assert_eq!(json["context"]["mode_name"], "Live");
    assert_eq!(json["context"]["timestamp_us"], 42);
}

const MODES: &str = r#"
[[modes]]
name = "A"
[[modes.mappings]]
trigger = { Note = { note = 1 } }
action = { ModeChange = { mode = "B" } }
[[modes.mappings]]
trigger = { Note = { note = 2 } }
action = { Host = { name = "a2" } }

[[modes]]
name = "B"
[[modes.mappings]]
trigger = { Note = { note = 2 } }
action = { Host = { name = "b2" } }
[[modes.mappings]]
trigger = { Note = { note = 1 } }
action = { ModeChange = { mode = "next" } }

[[global_mappings]]
trigger = { Note = { note = 3 } }
action = { Host = { name = "global3" } }
"#;

#[test]
fn mode_changes_switch_mapping_sets_and_global_mappings_fire_in_every_mode() {
    let dir = tempfile::tempdir().unwrap();
    let rec = Recorder::default();
    let e = engine(MODES, &rec, dir.path());
    assert_eq!(e.mode_name(), "A");
    e.process(&[NOTE_ON, 2, 100, NOTE_ON, 3, 100], 0).unwrap();
    assert_eq!(rec.take_action_names(), vec!["a2", "global3"]);
    e.process(&[NOTE_ON, 1, 100], 1).unwrap();
    assert_eq!(e.mode_name(), "B");
    e.process(&[NOTE_ON, 2, 100, NOTE_ON, 3, 100], 2).unwrap();
    assert_eq!(rec.take_action_names(), vec!["b2", "global3"]);
    // "next" wraps around to A.
    e.process(&[NOTE_ON, 1, 100], 3).unwrap();
    assert_eq!(e.mode(), 0);
    e.set_mode("B").unwrap();
    assert_eq!(e.mode(), 1);
    assert!(e.set_mode("C").unwrap_err().to_string().contains("A, B"));
}

#[test]
fn gestures_are_timed_from_event_timestamps() {
    let dir = tempfile::tempdir().unwrap();
    let rec = Recorder::default();
    let e = engine(
        r#"
[[modes]]
name = "Default"
[[modes.mappings]]
trigger = { LongPress = { note = 10, duration_ms = 500 } }
action = { Host = { name = "long" } }
[[modes.mappings]]
trigger = { DoubleTap = { note = 11, timeout_ms = 300 } }
action = { Host = { name = "double" } }
[[modes.mappings]]
trigger = { NoteChord = { notes = [60, 64, 67], timeout_ms = 50 } }
action = { Host = { name = "chord" } }
"#,
        &rec,
        dir.path(),
    );
    let ms = 1000u64;
    // Long press: released after 400 ms does not fire; held 600 ms fires on release.
    e.process(&[NOTE_ON, 10, 100], 0).unwrap();
    e.process(&[NOTE_OFF, 10, 0], 400 * ms).unwrap();
    assert!(rec.take_action_names().is_empty());
    e.process(&[NOTE_ON, 10, 100], 1000 * ms).unwrap();
    e.process(&[NOTE_OFF, 10, 0], 1600 * ms).unwrap();
    assert_eq!(rec.take_action_names(), vec!["long"]);
    // Held: fires once time passes the threshold, and not again on release.
    e.process(&[NOTE_ON, 10, 100], 2000 * ms).unwrap();
    e.tick(2400 * ms).unwrap();
    assert!(rec.take_action_names().is_empty());
    e.tick(2501 * ms).unwrap();
    assert_eq!(rec.take_action_names(), vec!["long"]);
    e.process(&[NOTE_OFF, 10, 0], 3000 * ms).unwrap();
    assert!(rec.take_action_names().is_empty());

    // Double tap: 400 ms apart is too slow; 200 ms apart fires.
    e.process(&[NOTE_ON, 11, 100], 10_000 * ms).unwrap();
    e.process(&[NOTE_ON, 11, 100], 10_400 * ms).unwrap();
    assert!(rec.take_action_names().is_empty());
    e.process(&[NOTE_ON, 11, 100], 10_600 * ms).unwrap();
    assert_eq!(rec.take_action_names(), vec!["double"]);

    // Chord: spread over 100 ms does not fire; within 30 ms fires once.
    e.process(&[NOTE_ON, 60, 100], 20_000 * ms).unwrap();
    e.process(&[NOTE_ON, 64, 100], 20_050 * ms).unwrap();
    e.process(&[NOTE_ON, 67, 100], 20_100 * ms).unwrap();
    assert!(rec.take_action_names().is_empty());
    for n in [60, 64, 67] {
        e.process(&[NOTE_OFF, n, 0], 20_200 * ms).unwrap();
    }
    e.process(&[NOTE_ON, 67, 100], 30_000 * ms).unwrap();
    e.process(&[NOTE_ON, 60, 100], 30_010 * ms).unwrap();
    e.process(&[NOTE_ON, 64, 100], 30_030 * ms).unwrap();
    assert_eq!(rec.take_action_names(), vec!["chord"]);
}

fn plugin_config(plugins: &[(&str, &str)]) -> String {
    let mut toml = String::from("[[modes]]\nname = \"Default\"\n");
    for (i, (name, params)) in plugins.iter().enumerate() {
        toml.push_str(&format!(
            "[[modes.mappings]]\ntrigger = {{ Note = {{ note = {} }} }}\naction = {{ WasmPlugin = {{ path = {:?}, params = {params} }} }}\n",
            60 + i,
            plugin_wasm(name).display().to_string()
        ));
    }
    toml
}

#[test]
fn a_failing_plugin_does_not_stop_later_events() {
    let dir = tempfile::tempdir().unwrap();
    let rec = Recorder::default();
    let toml = plugin_config(&[
        ("fail-plugin", r#"{ code = 9 }"#),
        ("my-midi-plugin", r#"{ message = "after failure" }"#),
        ("hostile-panic", "{}"),
    ]);
    let e = engine(&toml, &rec, dir.path());
    let fired = e.process(&[NOTE_ON, 60, 100], 0).unwrap();
    let err = fired[0].outcomes[0].result.as_ref().unwrap_err();
    assert_eq!(err.plugin_code(), Some(9));
    let fired = e.process(&[NOTE_ON, 62, 100], 1).unwrap();
    assert_eq!(
        fired[0].outcomes[0].result.as_ref().unwrap_err().kind(),
        ErrorKind::PluginTrap
    );
    let fired = e.process(&[NOTE_ON, 61, 100], 2).unwrap();
    assert!(fired[0].ok());
    assert!(rec
        .plugin_lines("my_midi_plugin")
        .contains(&"Received message: after failure".to_string()));
    let host_errors: Vec<String> = rec
        .log
        .lock()
        .unwrap()
        .iter()
        .filter(|(w, _)| w == "host")
        .map(|(_, l)| l.clone())
        .collect();
    assert!(
        host_errors
            .iter()
            .any(|l| l.contains("fail_plugin") && l.contains("code 9")),
        "{host_errors:?}"
    );
}

#[test]
fn the_velocity_plugin_gets_context_through_the_engine() {
    let dir = tempfile::tempdir().unwrap();
    let rec = Recorder::default();
    let toml = plugin_config(&[("velocity-plugin", r#"{ action = "pad" }"#)]);
    let e = engine(&toml, &rec, dir.path());
    e.process(&[NOTE_ON, 60, 30, NOTE_ON, 60, 120], 0).unwrap();
    assert_eq!(
        rec.plugin_lines("velocity_plugin"),
        vec!["Soft press: pad", "Hard press: pad"]
    );
}

#[test]
fn send_midi_reaches_the_output_callback() {
    let dir = tempfile::tempdir().unwrap();
    let rec = Recorder::default();
    let e = engine(
        r#"
[[modes]]
name = "Default"
[[modes.mappings]]
trigger = { Note = { note = 60 } }
action = { Sequence = { actions = [
  { SendMidi = { message_type = "NoteOn", channel = 1, note = 72, velocity = 90 } },
  { SendMidi = { bytes = [0xB0, 7, 100] } },
] } }
"#,
        &rec,
        dir.path(),
    );
    let fired = e.process(&[NOTE_ON, 60, 100], 0).unwrap();
    assert_eq!(fired[0].outcomes.len(), 2);
    assert_eq!(
        *rec.midi.lock().unwrap(),
        vec![vec![0x91, 72, 90], vec![0xB0, 7, 100]]
    );
}

#[test]
fn push_delivers_every_event_in_order_on_the_engine_thread() {
    let dir = tempfile::tempdir().unwrap();
    let rec = Recorder::default();
    let mut toml = String::from("[[modes]]\nname = \"Default\"\n");
    toml.push_str("[[modes.mappings]]\ntrigger = { NoteRange = { low = 0, high = 127 } }\naction = { Host = { name = \"n\" } }\n");
    let e = Arc::new(engine(&toml, &rec, dir.path()));
    let producer = {
        let e = e.clone();
        std::thread::spawn(move || {
            for i in 0..2000u32 {
                let note = (i % 128) as u8;
                let refused_since = Instant::now();
                while !e.push(&[NOTE_ON, note, 100], i as u64) {
                    assert!(
                        refused_since.elapsed() < PATIENCE,
                        "push refused event {i} for {PATIENCE:?}: the engine thread stopped \
                         taking events"
                    );
                    std::thread::yield_now();
                }
            }
        })
    };
    producer.join().unwrap();
    assert!(e.wait_idle(Duration::from_secs(30)).unwrap());
    let notes: Vec<u64> = rec
        .actions
        .lock()
        .unwrap()
        .iter()
        .map(|a| a.context.timestamp_us)
        .collect();
    assert_eq!(notes, (0..2000u64).collect::<Vec<_>>());
}

#[test]
fn push_drops_and_counts_when_the_queue_is_full() {
    let dir = tempfile::tempdir().unwrap();
    let gate = Arc::new(Mutex::new(()));
    let rec = Recorder::default();
    let mut options = rec.options(dir.path());
    let gate2 = gate.clone();
    let seen = Arc::new(Mutex::new(0u32));
    let seen2 = seen.clone();
    let entered = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let entered2 = entered.clone();
    options.callbacks.on_action = Some(Arc::new(move |_e: &HostActionEvent| {
        // The first action blocks the engine thread until the test opens the gate.
        entered2.store(true, std::sync::atomic::Ordering::SeqCst);
        // A test that fails while holding the gate poisons it; carry on regardless.
        drop(
            gate2
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
        *seen2.lock().unwrap() += 1;
    }));
    options.queue_capacity = Some(8);
    let e = Engine::from_toml(
        "[[modes]]\nname = \"D\"\n[[modes.mappings]]\ntrigger = { Note = { note = 1 } }\naction = { Host = { name = \"x\" } }\n",
        dir.path(),
        options,
    )
    .unwrap();
    // Taken after the engine, so a failing assertion releases the gate (unwinding drops
    // it first) before the engine's drop waits for its blocked thread.
    let held = gate.lock().unwrap();
    assert!(e.push(&[NOTE_ON, 1, 1], 0));
    // Wait until the engine thread has taken the first event and blocks inside it.
    let waiting_since = Instant::now();
    while !entered.load(std::sync::atomic::Ordering::SeqCst) {
        assert!(
            waiting_since.elapsed() < PATIENCE,
            "the engine thread did not start the first pushed event within {PATIENCE:?}"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    let accepted = (0..20).filter(|i| e.push(&[NOTE_ON, 1, 1], *i)).count();
    assert_eq!(accepted, 8, "capacity 8 while the engine thread is blocked");
    assert_eq!(e.dropped(), 12);
    assert!(!e.push(&[0xF0; 40], 0), "too long for push");
    assert_eq!(e.dropped(), 13);
    drop(held);
    assert!(e.wait_idle(Duration::from_secs(10)).unwrap());
    assert_eq!(*seen.lock().unwrap(), 9);
}

#[test]
fn reload_keeps_unchanged_plugins_and_survives_a_broken_config() {
    let dir = tempfile::tempdir().unwrap();
    let rec = Recorder::default();
    let toml = plugin_config(&[("counter-plugin", "{}")]);
    let e = engine(&toml, &rec, dir.path());
    e.process(&[NOTE_ON, 60, 100], 0).unwrap();
    // Same plugin, a different note: the instance (and its counter) is kept.
    let moved = toml.replace("note = 60", "note = 70");
    e.reload(conductor_core::config::Config::from_toml_str(&moved, dir.path()).unwrap())
        .unwrap();
    assert!(e.process(&[NOTE_ON, 60, 100], 1).unwrap().is_empty());
    e.process(&[NOTE_ON, 70, 100], 2).unwrap();
    assert_eq!(
        rec.plugin_lines("counter_plugin"),
        vec!["count=1", "count=2"]
    );
    // A config whose plugin is missing fails to load; the old one keeps running.
    let broken = moved.replace("counter_plugin.wasm", "missing_plugin.wasm");
    let err = e
        .reload(conductor_core::config::Config::from_toml_str(&broken, dir.path()).unwrap())
        .unwrap_err();
    assert!(err.to_string().contains("missing_plugin"), "{err}");
    e.process(&[NOTE_ON, 70, 100], 3).unwrap();
    assert_eq!(
        rec.plugin_lines("counter_plugin"),
        vec!["count=1", "count=2", "count=3"]
    );
}

#[test]
fn reload_with_changed_plugin_limits_loads_the_plugin_afresh() {
    let dir = tempfile::tempdir().unwrap();
    let rec = Recorder::default();
    let toml = plugin_config(&[("counter-plugin", "{}")]);
    let e = engine(&toml, &rec, dir.path());
    e.process(&[NOTE_ON, 60, 100], 0).unwrap();
    // The same file with another fuel limit is a new instance: its counter starts over.
    let limited = toml.replace("params = {}", "params = {}, fuel = 50000000");
    assert_ne!(limited, toml);
    e.reload(conductor_core::config::Config::from_toml_str(&limited, dir.path()).unwrap())
        .unwrap();
    e.process(&[NOTE_ON, 60, 100], 1).unwrap();
    assert_eq!(
        rec.plugin_lines("counter_plugin"),
        vec!["count=1", "count=1"]
    );
}

#[test]
fn a_mid_file_replays_through_the_engine_with_its_timing() {
    use conductor_core::midi::{MidiMessage, SmfEvents};
    use conductor_tools::smf::write_smf;
    let dir = tempfile::tempdir().unwrap();
    let rec = Recorder::default();
    let e = engine(
        "[[modes]]\nname = \"D\"\n[[modes.mappings]]\ntrigger = { Note = { note = 60 } }\naction = { Host = { name = \"c\" } }\n",
        &rec,
        dir.path(),
    );
    let path = dir.path().join("take.mid");
    let on = |n| MidiMessage::NoteOn {
        channel: 0,
        note: n,
        velocity: 100,
    };
    write_smf(&path, &[(0, on(60)), (250_000, on(61)), (500_000, on(60))]).unwrap();
    for ev in SmfEvents::from_file(&path).unwrap().events() {
        e.process_message(&ev.message, ev.time_us).unwrap();
    }
    let times: Vec<u64> = rec
        .actions
        .lock()
        .unwrap()
        .iter()
        .map(|a| a.context.timestamp_us)
        .collect();
    assert_eq!(times, vec![0, 500_000]);
}

#[test]
fn the_configs_data_and_cache_folders_apply_unless_the_options_set_them() {
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        "[plugins]\ndata_dir = \"from-config/data\"\ncache_dir = \"from-config/cache\"\n\
         [[modes]]\nname = \"Default\"\n[[modes.mappings]]\ntrigger = {{ Note = {{ note = 60 }} }}\n\
         action = {{ WasmPlugin = {{ path = {:?}, grant = [\"Filesystem\"], params = {{ message = \"hi\", level = \"info\" }} }} }}\n",
        plugin_wasm("file-logger-plugin").display().to_string()
    );
    let quiet = || {
        EngineOptions::default()
            .with_host_config(HostConfig::default().with_log_sink(Arc::new(|_: &LogRecord<'_>| {})))
    };
    let engine = Engine::from_toml(&toml, dir.path(), quiet()).unwrap();
    assert!(engine.process(&[NOTE_ON, 60, 100], 0).unwrap()[0].ok());
    engine.shutdown().unwrap();
    let written = |root: &Path| std::fs::read_dir(root).map(|d| d.count()).unwrap_or(0);
    let tree: Vec<String> = walk(dir.path());
    assert_eq!(
        written(&dir.path().join("from-config/data")),
        1,
        "one plugin folder: {tree:?}"
    );
    assert!(
        written(&dir.path().join("from-config/cache")) > 0,
        "a cache entry"
    );
    // Folders set by the application win.
    let mut options = quiet();
    options.host_config.data_root = Some(dir.path().join("app/data"));
    options.host_config.cache_dir = Some(dir.path().join("app/cache"));
    let engine = Engine::from_toml(&toml, dir.path(), options).unwrap();
    assert!(engine.process(&[NOTE_ON, 60, 100], 0).unwrap()[0].ok());
    engine.shutdown().unwrap();
    assert_eq!(written(&dir.path().join("app/data")), 1);
    assert!(written(&dir.path().join("app/cache")) > 0);
}

fn walk(p: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(p).unwrap().flatten() {
        out.push(e.path().display().to_string());
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        }
    }
    out
}
