//! Comparison 4d: a fast mapping beside slow ones. Pad 61's mapping is a `SendMidi`;
//! pad 60's chain waits 1,500 ms on a `Delay`, or calls `sleep-plugin` for 800 ms,
//! before its own `SendMidi`. Pad 61 is pushed once a millisecond while pad 60 is
//! re-triggered often enough that its chains are always in progress, and each pad-61
//! message is timed from `Engine::push` to the MIDI-out callback.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use conductor_core::engine::EngineCallbacks;
use conductor_core::{Engine, EngineOptions};

use super::plugin_rust::verdict;
use crate::harness::{silent_host_config, Harness};
use crate::report::{Section, Series};
use crate::stats::{format_ns, Summary};

/// Pad 61 with nothing else going on.
pub const ALONE: &str = "pad 61 alone";
/// Pad 61 while pad 60's chains wait on a 1,500 ms `Delay`.
pub const BESIDE_DELAY: &str = "pad 61 beside a 1,500 ms Delay on pad 60";
/// Pad 61 while pad 60's chains wait on an 800 ms plugin call.
pub const BESIDE_PLUGIN: &str = "pad 61 beside an 800 ms plugin (sleep-plugin) on pad 60";

/// What pad 61's mapping sends.
const FAST_OUT: [u8; 3] = [0x90, 61, 1];
/// What pad 60's chain sends when it finishes.
const SLOW_OUT: [u8; 3] = [0x90, 100, 1];

/// The slow action on pad 60.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slow {
    /// No pad-60 presses.
    None,
    /// `Delay 1500 ms`, then a `SendMidi`.
    Delay,
    /// `sleep-plugin` with `{ms = 800}`, then a `SendMidi`.
    Plugin,
}

/// Timestamps shared with the MIDI-out callback, in nanoseconds since `base`.
struct Probe {
    base: Instant,
    /// When pad 61's message `i` was pushed.
    sent: Vec<AtomicU64>,
    /// When its `SendMidi` reached the callback (0: not yet).
    got: Vec<AtomicU64>,
    /// Pad-60 chains finished.
    slow_done: AtomicU64,
}

impl Probe {
    fn now(&self) -> u64 {
        (self.base.elapsed().as_nanos() as u64).max(1)
    }
}

/// What one contender measured.
struct Measured {
    latencies: Vec<f64>,
    lost: usize,
    slow_started: u64,
    slow_finished: u64,
    /// Fewest and most pad-60 chains in progress when a pad-61 message was pushed.
    in_progress: (u64, u64),
}

/// Runs the comparison.
pub fn run(h: &Harness) -> Vec<Section> {
    vec![section(h)]
}

fn section(h: &Harness) -> Section {
    let mut section = Section::new(
        "beside-slow",
        "4d. SendMidi latency beside slow actions: push(pad 61) → MIDI-out callback",
    );
    let sleep = or_fail!(section, "all", h.plugin("sleep-plugin"));
    let dir = or_fail!(section, "all", h.scratch("beside-slow"));
    let events = h.count(2000, 20);
    for (name, slow, retrigger_ms) in [
        (ALONE, Slow::None, 0),
        (BESIDE_DELAY, Slow::Delay, 250),
        (BESIDE_PLUGIN, Slow::Plugin, 400),
    ] {
        let toml = config(slow, &sleep.display().to_string());
        match measure(&toml, &dir, &h.out, slow, events, retrigger_ms) {
            Ok(m) => {
                let fact = describe(slow, retrigger_ms, &m);
                let target = slow != Slow::None;
                section.series.push(Series::nanos(name, m.latencies));
                section.fact(name, fact);
                if target {
                    let s = section.series.last().and_then(|s| s.summary);
                    if let Some(s) = s {
                        section.fact(
                            format!("{name}: target p50 ≤ 1 ms, p99 ≤ 5 ms, none lost"),
                            verdict(s.median <= 1e6 && s.p99 <= 5e6 && m.lost == 0),
                        );
                    }
                }
            }
            Err(e) => section.fail(name, format!("{e:#}")),
        }
    }
    section.method = format!(
        "{events} pad-61 note-ons per contender, one per millisecond, from the harness's main \
         thread; each is timed from just before Engine::push to its SendMidi reaching the \
         MIDI-out callback on the engine thread (Instant on both sides). Pad 60 is pressed \
         before the first pad-61 message and again every 250 ms (Delay) or 400 ms (plugin; \
         its calls queue at the plugin's worker), so its chains are in progress throughout. \
         Silent log sink (no per-step debug lines formatted)."
    );
    section
}

/// Pad 60: the slow chain (or an unused `SendMidi`), then its own `SendMidi`; pad 61: a
/// `SendMidi`.
fn config(slow: Slow, sleep_wasm: &str) -> String {
    let slow_out = "{ SendMidi = { bytes = [0x90, 100, 1] } }";
    let pad60 = match slow {
        Slow::None | Slow::Delay => {
            format!("{{ Sequence = [{{ Delay = {{ ms = 1500 }} }}, {slow_out}] }}")
        }
        Slow::Plugin => format!(
            "{{ Sequence = [{{ WasmPlugin = {{ path = {sleep_wasm:?}, params = {{ ms = 800 }} }} }}, \
             {slow_out}] }}"
        ),
    };
    format!(
        "[[modes]]\nname = \"Default\"\n\n\
         [[modes.mappings]]\ntrigger = {{ Note = {{ note = 60 }} }}\naction = {pad60}\n\n\
         [[modes.mappings]]\ntrigger = {{ Note = {{ note = 61 }} }}\n\
         action = {{ SendMidi = {{ bytes = [0x90, 61, 1] }} }}\n"
    )
}

fn measure(
    toml: &str,
    dir: &std::path::Path,
    out: &std::path::Path,
    slow: Slow,
    events: usize,
    retrigger_ms: u64,
) -> anyhow::Result<Measured> {
    let probe = Arc::new(Probe {
        base: Instant::now(),
        sent: (0..events).map(|_| AtomicU64::new(0)).collect(),
        got: (0..events).map(|_| AtomicU64::new(0)).collect(),
        slow_done: AtomicU64::new(0),
    });
    let seen = probe.clone();
    let options = EngineOptions::default()
        .with_host_config(silent_host_config(
            Some(out.join("scratch/beside-slow-cache")),
            out,
        ))
        .with_callbacks(EngineCallbacks::default().with_on_midi_out(Some(Arc::new(
            move |bytes: &[u8], ts: u64| {
                let now = seen.now();
                if bytes == FAST_OUT {
                    if let Some(slot) = seen.got.get(ts as usize) {
                        slot.store(now, Ordering::Release);
                    }
                } else if bytes == SLOW_OUT {
                    seen.slow_done.fetch_add(1, Ordering::AcqRel);
                }
            },
        ))));
    let engine =
        Engine::from_toml(toml, dir, options).context("cannot build the latency engine")?;
    // Warm up pad 61's path (timestamps past the probe's slots are ignored).
    for i in 0..50 {
        engine.push(&[0x90, 61, 100], u64::MAX - i);
        std::thread::sleep(Duration::from_micros(200));
    }
    anyhow::ensure!(
        engine.wait_idle(Duration::from_secs(5))?,
        "the warm-up did not finish"
    );

    let mut slow_started = 0u64;
    let mut in_progress = (u64::MAX, 0u64);
    let start = Instant::now();
    let mut next_slow = start;
    for i in 0..events {
        let due = start + Duration::from_millis(1) * (i as u32 + 1);
        if slow != Slow::None && Instant::now() >= next_slow {
            if !engine.push(&[0x90, 60, 100], 0) {
                bail!("pad 60's push was refused");
            }
            slow_started += 1;
            next_slow += Duration::from_millis(retrigger_ms);
        }
        let now = Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        }
        if slow != Slow::None {
            let running = slow_started - probe.slow_done.load(Ordering::Acquire);
            in_progress = (in_progress.0.min(running), in_progress.1.max(running));
        }
        probe.sent[i].store(probe.now(), Ordering::Release);
        if !engine.push(&[0x90, 61, 100], i as u64) {
            bail!("pad 61's push {i} was refused");
        }
    }
    // Every pad-61 message should be out within milliseconds; give stragglers a second.
    let deadline = Instant::now() + Duration::from_secs(1);
    while probe.got.iter().any(|g| g.load(Ordering::Acquire) == 0) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    let mut latencies = Vec::with_capacity(events);
    let mut lost = 0;
    for (s, g) in probe.sent.iter().zip(&probe.got) {
        match g.load(Ordering::Acquire) {
            0 => lost += 1,
            got => latencies.push(got.saturating_sub(s.load(Ordering::Acquire)) as f64),
        }
    }
    // Let pad 60's chains finish, so their count is complete.
    let idle = engine.wait_idle(Duration::from_secs(60))?;
    anyhow::ensure!(idle, "pad 60's chains did not finish within a minute");
    let slow_finished = probe.slow_done.load(Ordering::Acquire);
    drop(engine);
    if slow == Slow::None {
        in_progress = (0, 0);
    }
    Ok(Measured {
        latencies,
        lost,
        slow_started,
        slow_finished,
        in_progress,
    })
}

fn describe(slow: Slow, retrigger_ms: u64, m: &Measured) -> String {
    let s = Summary::of(&m.latencies);
    let mut text = match s {
        Some(s) => format!(
            "p50 {}, p99 {}, max {}; {} of {} delivered",
            format_ns(s.median),
            format_ns(s.p99),
            format_ns(s.max),
            m.latencies.len(),
            m.latencies.len() + m.lost
        ),
        None => format!("nothing delivered ({} lost)", m.lost),
    };
    if slow != Slow::None {
        text.push_str(&format!(
            "; pad 60 pressed {} times (every {retrigger_ms} ms), {} of its chains finished by \
             the end; pad-60 chains in progress at each pad-61 push: {} to {}",
            m.slow_started, m.slow_finished, m.in_progress.0, m.in_progress.1
        ));
    }
    text
}
