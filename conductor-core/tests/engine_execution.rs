//! The execution model: the dispatcher never waits for an action, chains keep their
//! order and timing across delays and plugin calls, callbacks may call the engine, and
//! `process` replays delays in event time.

use conductor_test_support as support;

use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use conductor_core::engine::{EngineCallbacks, Fired};
use conductor_core::log::{LogLevel, LogRecord, LogSink, LogSource};
use conductor_core::plugin::HostConfig;
use conductor_core::{Engine, EngineOptions, ErrorKind};
use support::plugin_wasm;

/// Something the engine did, in the order it happened.
#[derive(Debug, Clone, PartialEq)]
enum Seen {
    /// MIDI out: bytes and timestamp.
    Midi(Vec<u8>, u64),
    /// A plugin's output line.
    Plugin(String, String),
    /// A host log line (errors only).
    HostError(String),
}

/// Records MIDI out and plugin output in one timeline, with when each happened.
#[derive(Clone, Default)]
struct Timeline {
    seen: Arc<Mutex<Vec<(Instant, Seen)>>>,
}

impl Timeline {
    fn push(&self, s: Seen) {
        self.seen.lock().unwrap().push((Instant::now(), s));
    }

    fn events(&self) -> Vec<Seen> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|(_, s)| s.clone())
            .collect()
    }

    /// When `what` was first seen.
    fn when(&self, what: impl Fn(&Seen) -> bool) -> Option<Instant> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .find(|(_, s)| what(s))
            .map(|(t, _)| *t)
    }

    /// Waits until `what` has been seen (or 20 s pass, failing).
    fn wait_for(&self, what: impl Fn(&Seen) -> bool, label: &str) -> Instant {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(t) = self.when(&what) {
                return t;
            }
            assert!(
                Instant::now() < deadline,
                "never saw {label}; saw {:?}",
                self.events()
            );
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    fn midi(&self) -> Vec<(Vec<u8>, u64)> {
        self.events()
            .into_iter()
            .filter_map(|s| match s {
                Seen::Midi(b, t) => Some((b, t)),
                _ => None,
            })
            .collect()
    }
}

struct TimelineSink(Timeline);

impl LogSink for TimelineSink {
    fn log(&self, r: &LogRecord<'_>) {
        match r.source {
            LogSource::PluginStdout(p) | LogSource::PluginStderr(p) => self
                .0
                .push(Seen::Plugin(p.to_string(), r.message.to_string())),
            LogSource::Host if r.level == LogLevel::Error => {
                self.0.push(Seen::HostError(r.message.to_string()))
            }
            LogSource::Host => {}
        }
    }
    fn enabled(&self, level: LogLevel) -> bool {
        level >= LogLevel::Error
    }
}

fn options(dir: &Path, timeline: &Timeline, callbacks: EngineCallbacks) -> EngineOptions {
    let out = timeline.clone();
    EngineOptions::default()
        .with_host_config(
            HostConfig::default()
                .with_cache_dir(Some(dir.join("cache")))
                .with_data_root(Some(dir.join("data")))
                .with_log_sink(Arc::new(TimelineSink(timeline.clone())))
                .with_trust_store(None),
        )
        .with_callbacks(
            callbacks.with_on_midi_out(Some(Arc::new(move |b: &[u8], t: u64| {
                out.push(Seen::Midi(b.to_vec(), t))
            }))),
        )
}

/// An engine for `toml` recording into `timeline`, with no other callbacks.
fn engine(toml: &str, dir: &Path, timeline: &Timeline) -> Engine {
    Engine::from_toml(toml, dir, options(dir, timeline, Default::default())).unwrap()
}

fn plugin(name: &str) -> String {
    format!("{:?}", plugin_wasm(name).display().to_string())
}

/// One mode whose mappings are `(note, action)` pairs.
fn config(mappings: &[(u8, String)]) -> String {
    let mut text = String::from("[[modes]]\nname = \"Default\"\n");
    for (note, action) in mappings {
        text.push_str(&format!(
            "[[modes.mappings]]\ntrigger = {{ Note = {{ note = {note} }} }}\naction = {action}\n"
        ));
    }
    text
}

fn echo(note: u8) -> String {
    format!("{{ SendMidi = {{ bytes = [0x90, {note}, 1] }} }}")
}

fn is_midi(note: u8) -> impl Fn(&Seen) -> bool {
    move |s| matches!(s, Seen::Midi(b, _) if b.get(1) == Some(&note))
}

fn is_line(line: &'static str) -> impl Fn(&Seen) -> bool {
    move |s| matches!(s, Seen::Plugin(_, l) if l == line)
}

#[test]
fn a_delay_on_one_pad_does_not_hold_up_another() {
    let dir = tempfile::tempdir().unwrap();
    let timeline = Timeline::default();
    let toml = config(&[
        (
            60,
            format!(
                "{{ Sequence = [{{ Delay = {{ ms = 1500 }} }}, {}] }}",
                echo(100)
            ),
        ),
        (61, echo(61)),
    ]);
    let engine = engine(&toml, dir.path(), &timeline);
    let pushed = Instant::now();
    assert!(engine.push(&[0x90, 60, 100], 0));
    assert!(engine.push(&[0x90, 61, 100], 10));
    let echoed = timeline.wait_for(is_midi(61), "pad 61's echo");
    let delayed = timeline.wait_for(is_midi(100), "pad 60's delayed send");
    assert!(echoed < delayed, "{:?}", timeline.events());
    assert!(delayed - pushed >= Duration::from_millis(1500));
    // The delayed message carries its event's time plus the delay.
    assert_eq!(
        timeline.midi(),
        vec![(vec![0x90, 61, 1], 10), (vec![0x90, 100, 1], 1_500_000)]
    );
    assert!(engine.wait_idle(Duration::from_secs(5)).unwrap());
}

#[test]
fn a_slow_plugin_on_one_pad_does_not_hold_up_another() {
    let dir = tempfile::tempdir().unwrap();
    let timeline = Timeline::default();
    let toml = config(&[
        (
            60,
            format!(
                "{{ WasmPlugin = {{ path = {}, params = {{ ms = 800, tag = \"slow\" }} }} }}",
                plugin("sleep-plugin")
            ),
        ),
        (61, echo(61)),
    ]);
    let engine = engine(&toml, dir.path(), &timeline);
    assert!(engine.push(&[0x90, 60, 100], 0));
    assert!(engine.push(&[0x90, 61, 100], 10));
    let echoed = timeline.wait_for(is_midi(61), "pad 61's echo");
    let woke = timeline.wait_for(is_line("woke slow"), "the slow plugin");
    assert!(echoed < woke, "{:?}", timeline.events());
    assert!(engine.wait_idle(Duration::from_secs(5)).unwrap());
}

#[test]
fn a_chain_keeps_its_order_and_timing_across_delays_and_plugin_calls() {
    let dir = tempfile::tempdir().unwrap();
    let timeline = Timeline::default();
    let chain = format!(
        "{{ Sequence = [{a}, {{ Delay = {{ ms = 30 }} }}, \
         {{ WasmPlugin = {{ path = {counter} }} }}, {b}, \
         {{ WasmPlugin = {{ path = {sleep}, params = {{ ms = 50, tag = \"x\" }} }} }}, \
         {c}, {{ Repeat = {{ count = 2, delay_ms = 10, action = {d} }} }}] }}",
        a = echo(1),
        b = echo(2),
        c = echo(3),
        d = echo(4),
        counter = plugin("counter-plugin"),
        sleep = plugin("sleep-plugin"),
    );
    let toml = config(&[(60, chain)]);
    let engine = engine(&toml, dir.path(), &timeline);
    assert!(engine.push(&[0x90, 60, 100], 1_000));
    assert!(engine.wait_idle(Duration::from_secs(10)).unwrap());
    let order: Vec<Seen> = timeline
        .events()
        .into_iter()
        .filter(|s| !matches!(s, Seen::HostError(_)))
        .collect();
    let midi = |n: u8, t: u64| Seen::Midi(vec![0x90, n, 1], t);
    let line = |p: &str, l: &str| Seen::Plugin(p.into(), l.into());
    assert_eq!(
        order,
        vec![
            midi(1, 1_000),
            line("counter_plugin", "count=1"),
            midi(2, 31_000),
            line("sleep_plugin", "woke x"),
            midi(3, 31_000),
            midi(4, 31_000),
            midi(4, 41_000),
        ]
    );
    let first = timeline.when(is_midi(1)).unwrap();
    let second = timeline.when(is_midi(2)).unwrap();
    assert!(second - first >= Duration::from_millis(30));
}

#[test]
fn a_plugins_calls_stay_in_order_while_another_plugin_is_slow() {
    let dir = tempfile::tempdir().unwrap();
    let timeline = Timeline::default();
    let toml = config(&[
        (
            60,
            format!(
                "{{ WasmPlugin = {{ path = {}, params = {{ ms = 600, tag = \"slow\" }} }} }}",
                plugin("sleep-plugin")
            ),
        ),
        (
            61,
            format!(
                "{{ WasmPlugin = {{ path = {} }} }}",
                plugin("counter-plugin")
            ),
        ),
    ]);
    let engine = engine(&toml, dir.path(), &timeline);
    assert!(engine.push(&[0x90, 60, 100], 0));
    for i in 0..5 {
        assert!(engine.push(&[0x90, 61, 100], 10 + i));
    }
    timeline.wait_for(is_line("count=5"), "the fifth count");
    let woke = timeline.wait_for(is_line("woke slow"), "the slow plugin");
    let counts: Vec<String> = timeline
        .events()
        .into_iter()
        .filter_map(|s| match s {
            Seen::Plugin(p, l) if p == "counter_plugin" => Some(l),
            _ => None,
        })
        .collect();
    assert_eq!(
        counts,
        ["count=1", "count=2", "count=3", "count=4", "count=5"]
    );
    assert!(timeline.when(is_line("count=5")).unwrap() < woke);
    assert!(engine.wait_idle(Duration::from_secs(5)).unwrap());
}

#[test]
fn process_runs_delayed_steps_in_event_time() {
    let dir = tempfile::tempdir().unwrap();
    let timeline = Timeline::default();
    let toml = config(&[
        (
            60,
            format!(
                "{{ Sequence = [{}, {{ Delay = {{ ms = 100 }} }}, {}] }}",
                echo(1),
                echo(2)
            ),
        ),
        (61, echo(61)),
    ]);
    let engine = engine(&toml, dir.path(), &timeline);
    let started = Instant::now();
    let fired = engine.process(&[0x90, 60, 100], 0).unwrap();
    assert_eq!(fired.len(), 1);
    assert!(fired[0].pending && !fired[0].resumed);
    let kinds = |f: &Fired| {
        f.outcomes
            .iter()
            .map(|o| o.action.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(kinds(&fired[0]), ["SendMidi", "Delay"]);
    assert_eq!(engine.next_due(), Some(100_000));
    // Another pad in the meantime: its echo comes before the delayed step.
    let fired = engine.process(&[0x90, 61, 100], 50_000).unwrap();
    assert_eq!(fired.len(), 1);
    assert!(!fired[0].pending && !fired[0].resumed);
    // Not yet due.
    assert!(engine.tick(99_999).unwrap().is_empty());
    let fired = engine.tick(100_000).unwrap();
    assert_eq!(fired.len(), 1);
    assert!(fired[0].resumed && !fired[0].pending);
    assert_eq!(kinds(&fired[0]), ["SendMidi"]);
    assert_eq!(fired[0].label(), "mapping at line 3");
    assert_eq!(engine.next_due(), None);
    assert_eq!(
        timeline.midi(),
        vec![
            (vec![0x90, 1, 1], 0),
            (vec![0x90, 61, 1], 50_000),
            (vec![0x90, 2, 1], 100_000)
        ]
    );
    // Event time, not wall time: nothing slept for the 100 ms delay.
    assert!(started.elapsed() < Duration::from_millis(100));
}

#[test]
fn a_later_event_first_runs_the_steps_due_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let timeline = Timeline::default();
    let toml = config(&[
        (
            60,
            format!(
                "{{ Repeat = {{ count = 3, delay_ms = 10, action = {} }} }}",
                echo(1)
            ),
        ),
        (61, echo(61)),
    ]);
    let engine = engine(&toml, dir.path(), &timeline);
    engine.process(&[0x90, 60, 100], 0).unwrap();
    let fired = engine.process(&[0x90, 61, 100], 25_000).unwrap();
    // The repeats due at 10 ms and 20 ms ran before the new event's mapping.
    assert_eq!(fired.len(), 3, "{fired:?}");
    assert!(fired[0].resumed && fired[0].pending);
    assert!(fired[1].resumed && !fired[1].pending);
    assert!(!fired[2].resumed);
    let times: Vec<u64> = timeline.midi().into_iter().map(|(_, t)| t).collect();
    assert_eq!(times, [0, 10_000, 20_000, 25_000]);
}

/// The engine, reachable from its own callbacks.
type EngineSlot = Arc<OnceLock<Weak<Engine>>>;

#[test]
fn callbacks_may_call_the_engine() {
    let dir = tempfile::tempdir().unwrap();
    let timeline = Timeline::default();
    let slot: EngineSlot = Arc::default();
    let results = Arc::new(Mutex::new(Vec::<String>::new()));
    let on_action = {
        let (slot, results) = (slot.clone(), results.clone());
        Arc::new(move |_: &conductor_core::engine::HostActionEvent| {
            let engine = slot.get().unwrap().upgrade().unwrap();
            let mut r = results.lock().unwrap();
            r.push(format!("mode={} {}", engine.mode(), engine.mode_name()));
            // A nested process on the dispatcher thread runs synchronously.
            let fired = engine.process(&[0x90, 61, 100], 5).unwrap();
            r.push(format!("process fired {}", fired.len()));
            r.push(format!("push {}", engine.push(&[0x90, 61, 100], 6)));
            engine.set_mode("Other").unwrap();
            r.push(format!("config modes {}", engine.config().modes.len()));
            let err = engine.wait_idle(Duration::from_secs(1)).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidArgument);
            r.push(err.to_string());
        })
    };
    let mut toml = config(&[
        (60, "{ Host = { name = \"probe\" } }".into()),
        (61, echo(61)),
    ]);
    toml.push_str("[[modes]]\nname = \"Other\"\n");
    let engine = Arc::new(
        Engine::from_toml(
            &toml,
            dir.path(),
            options(
                dir.path(),
                &timeline,
                EngineCallbacks::default().with_on_action(Some(on_action)),
            ),
        )
        .unwrap(),
    );
    slot.set(Arc::downgrade(&engine)).unwrap();
    assert!(engine.push(&[0x90, 60, 100], 0));
    assert!(engine.wait_idle(Duration::from_secs(10)).unwrap());
    let r = results.lock().unwrap().clone();
    assert_eq!(r[0], "mode=0 Default");
    assert_eq!(r[1], "process fired 1");
    assert_eq!(r[2], "push true");
    assert_eq!(r[3], "config modes 2");
    assert!(r[4].contains("would wait for itself"), "{}", r[4]);
    assert_eq!(engine.mode_name(), "Other");
    // Only the nested `process` echoed: the note 61 pushed from the callback was
    // handled after it returned, in mode "Other", which has no mappings.
    assert_eq!(timeline.midi(), vec![(vec![0x90, 61, 1], 5)]);
}

#[test]
fn shutdown_from_a_callback_is_deferred_not_a_deadlock() {
    let dir = tempfile::tempdir().unwrap();
    let timeline = Timeline::default();
    let slot: EngineSlot = Arc::default();
    let outcome = Arc::new(Mutex::new(None));
    let on_action = {
        let (slot, outcome) = (slot.clone(), outcome.clone());
        Arc::new(move |_: &conductor_core::engine::HostActionEvent| {
            let engine = slot.get().unwrap().upgrade().unwrap();
            *outcome.lock().unwrap() = Some(engine.shutdown().is_ok());
        })
    };
    let toml = config(&[(60, "{ Host = { name = \"close\" } }".into())]);
    let engine = Arc::new(
        Engine::from_toml(
            &toml,
            dir.path(),
            options(
                dir.path(),
                &timeline,
                EngineCallbacks::default().with_on_action(Some(on_action)),
            ),
        )
        .unwrap(),
    );
    slot.set(Arc::downgrade(&engine)).unwrap();
    assert!(engine.push(&[0x90, 60, 100], 0));
    let deadline = Instant::now() + Duration::from_secs(10);
    while outcome.lock().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the callback never ran");
        std::thread::sleep(Duration::from_millis(2));
    }
    assert_eq!(*outcome.lock().unwrap(), Some(true));
    let err = engine.process(&[0x90, 60, 100], 1).unwrap_err();
    assert!(err.to_string().contains("shut down"), "{err}");
    // The real shutdown (joining the threads) happens here and returns.
    engine.shutdown().unwrap();
}

#[test]
fn a_process_inside_a_plugin_call_cannot_wait_for_a_plugin() {
    // A plugin sends MIDI; the MIDI-out callback (on the plugin's worker) runs
    // `process` for a mapping that calls a plugin: that step fails with a clear error.
    let dir = tempfile::tempdir().unwrap();
    let timeline = Timeline::default();
    let slot: EngineSlot = Arc::default();
    let nested = Arc::new(Mutex::new(Vec::new()));
    let on_midi_out = {
        let (slot, nested) = (slot.clone(), nested.clone());
        Arc::new(move |b: &[u8], _: u64| {
            if b.get(1) == Some(&72) {
                let engine = slot.get().unwrap().upgrade().unwrap();
                nested
                    .lock()
                    .unwrap()
                    .push(engine.process(&[0x90, 61, 1], 0).unwrap());
            }
        })
    };
    let toml = config(&[
        (
            60,
            format!(
                "{{ WasmPlugin = {{ path = {} }} }}",
                plugin("sdk-midi-plugin")
            ),
        ),
        (
            61,
            format!(
                "{{ WasmPlugin = {{ path = {} }} }}",
                plugin("counter-plugin")
            ),
        ),
    ]);
    let mut opts = options(dir.path(), &timeline, Default::default());
    opts.callbacks.on_midi_out = Some(on_midi_out);
    opts.grants = vec![conductor_core::plugin::Capability::Midi];
    let engine = Arc::new(Engine::from_toml(&toml, dir.path(), opts).unwrap());
    slot.set(Arc::downgrade(&engine)).unwrap();
    let fired = engine.process(&[0x90, 60, 99], 0).unwrap();
    assert!(fired[0].ok(), "{:?}", fired[0].outcomes);
    let nested = nested.lock().unwrap();
    let err = nested[0][0].outcomes[0].result.as_ref().unwrap_err();
    assert!(
        err.to_string().contains("from inside a plugin call"),
        "{err}"
    );
}

#[test]
fn a_full_plugin_mailbox_refuses_calls_without_blocking_dispatch() {
    let dir = tempfile::tempdir().unwrap();
    let timeline = Timeline::default();
    let sleep = plugin("sleep-plugin");
    let toml = config(&[
        (
            60,
            format!("{{ WasmPlugin = {{ path = {sleep}, params = {{ ms = 400 }} }} }}"),
        ),
        (
            61,
            format!("{{ WasmPlugin = {{ path = {sleep}, params = {{ ms = 0 }} }} }}"),
        ),
        (62, echo(62)),
    ]);
    let mut opts = options(dir.path(), &timeline, Default::default());
    opts.queue_capacity = Some(4096);
    let engine = Engine::from_toml(&toml, dir.path(), opts).unwrap();
    let extra = 100;
    assert!(engine.push(&[0x90, 60, 100], 0));
    for i in 0..(conductor_core::engine::PLUGIN_MAILBOX_CAPACITY + extra) {
        assert!(engine.push(&[0x90, 61, 100], i as u64));
    }
    // Dispatch carries on: the echo leaves while the plugin is still busy.
    assert!(engine.push(&[0x90, 62, 100], 0));
    let echoed = timeline.wait_for(is_midi(62), "pad 62's echo");
    let first_wake = timeline.wait_for(is_line("woke -"), "the slow call");
    assert!(echoed < first_wake);
    assert!(engine.wait_idle(Duration::from_secs(30)).unwrap());
    let refused = engine.refused_plugin_calls();
    assert!(
        (extra as u64 - 1..=extra as u64 + 1).contains(&refused),
        "refused {refused}"
    );
    let errors: Vec<String> = timeline
        .events()
        .into_iter()
        .filter_map(|s| match s {
            Seen::HostError(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(errors.len() as u64, refused);
    assert!(
        errors[0].contains("mapping at line") && errors[0].contains("plugin sleep_plugin is busy"),
        "{}",
        errors[0]
    );
}

#[test]
fn shutdown_does_not_wait_for_a_pending_delay() {
    let dir = tempfile::tempdir().unwrap();
    let timeline = Timeline::default();
    let toml = config(&[(
        60,
        format!(
            "{{ Sequence = [{{ Delay = {{ ms = 60000 }} }}, {}] }}",
            echo(1)
        ),
    )]);
    let engine = engine(&toml, dir.path(), &timeline);
    assert!(engine.push(&[0x90, 60, 100], 0));
    // The chain is in flight, so the engine is not idle.
    assert!(!engine.wait_idle(Duration::from_millis(50)).unwrap());
    engine.shutdown().unwrap();
    assert!(timeline.midi().is_empty());
}

#[test]
fn timestamps_near_the_end_of_the_clock_saturate_instead_of_wrapping() {
    let dir = tempfile::tempdir().unwrap();
    let timeline = Timeline::default();
    let toml = config(&[(
        60,
        format!("{{ Sequence = [{{ Delay = {{ ms = 1 }} }}, {}] }}", echo(1)),
    )]);
    let engine = engine(&toml, dir.path(), &timeline);
    let near_end = u64::MAX - 5;
    assert!(engine.process(&[0x90, 60, 100], near_end).unwrap()[0].pending);
    assert_eq!(engine.next_due(), Some(u64::MAX));
    assert!(engine.tick(near_end).unwrap().is_empty());
    assert_eq!(engine.tick(u64::MAX).unwrap().len(), 1);
    assert_eq!(timeline.midi(), vec![(vec![0x90, 1, 1], u64::MAX)]);
    // The same through push: the engine thread keeps running.
    assert!(engine.push(&[0x90, 60, 100], near_end));
    assert!(engine.wait_idle(Duration::from_secs(10)).unwrap());
    assert_eq!(timeline.midi().len(), 2);
}
