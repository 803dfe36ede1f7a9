//! Comparison 4b: `Engine::push` from a producer thread while the engine thread
//! consumes, sustained over a million events: events per second, drops, and what each
//! push costs the producer.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use conductor_core::engine::EngineCallbacks;
use conductor_core::{Engine, EngineOptions};

use crate::harness::silent_host_config;

/// The config: note 60 fires a host action whose callback only counts. The engine logs
/// to a silent sink, so no per-step debug line is formatted.
pub const NOOP_MAPPING: &str = "[[modes]]\nname = \"Default\"\n\n[[modes.mappings]]\n\
    trigger = { Note = { note = 60 } }\naction = { Host = { name = \"noop\" } }\n";

/// An engine with the no-op mapping, and the count of actions it has run.
pub struct CountingEngine {
    /// The engine.
    pub engine: Engine,
    /// How many times the mapping's action ran.
    pub handled: Arc<AtomicU64>,
}

impl CountingEngine {
    /// Builds the engine; `capacity` overrides the config's queue size.
    pub fn new(scratch: &Path, capacity: Option<usize>) -> anyhow::Result<CountingEngine> {
        let handled = Arc::new(AtomicU64::new(0));
        let counter = handled.clone();
        let options = EngineOptions::default()
            .with_host_config(silent_host_config(None, scratch))
            .with_queue_capacity(capacity)
            .with_callbacks(
                EngineCallbacks::default().with_on_action(Some(Arc::new(move |_| {
                    counter.fetch_add(1, Ordering::Relaxed);
                }))),
            );
        let engine = Engine::from_toml(NOOP_MAPPING, scratch, options)
            .context("cannot build the push benchmark's engine")?;
        Ok(CountingEngine { engine, handled })
    }
}

/// What one sustained run measured.
#[derive(Debug, Clone)]
pub struct PushRun {
    /// Events offered to `push`.
    pub events: u64,
    /// Cost of each `push` call as seen by the producer, in nanoseconds.
    pub push_ns: Vec<f64>,
    /// Seconds from the first push until the producer finished.
    pub producer_seconds: f64,
    /// Seconds from the first push until the engine had handled everything.
    pub total_seconds: f64,
    /// Events the mapping handled.
    pub handled: u64,
    /// Events `push` refused (queue full).
    pub dropped: u64,
}

impl PushRun {
    /// Events handled per second, first push to idle.
    pub fn handled_per_second(&self) -> f64 {
        self.handled as f64 / self.total_seconds
    }
}

/// Pushes `events` note-ons. With `rate` (events per second) the producer paces itself
/// (busy-waiting, as an audio thread's clock would); without, it pushes as fast as it
/// can. Waits for the engine to drain afterwards.
pub fn sustained(ce: &CountingEngine, events: u64, rate: Option<f64>) -> anyhow::Result<PushRun> {
    let handled_before = ce.handled.load(Ordering::Relaxed);
    let dropped_before = ce.engine.dropped();
    let mut push_ns = Vec::with_capacity(events as usize);
    let interval_ns = rate.map(|r| 1e9 / r);
    let start = Instant::now();
    for i in 0..events {
        if let Some(interval) = interval_ns {
            let due = start + Duration::from_nanos((i as f64 * interval) as u64);
            while Instant::now() < due {
                std::hint::spin_loop();
            }
        }
        let t = Instant::now();
        ce.engine.push(&[0x90, 60, 100], i);
        push_ns.push(t.elapsed().as_nanos() as f64);
    }
    let producer_seconds = start.elapsed().as_secs_f64();
    anyhow::ensure!(
        ce.engine.wait_idle(Duration::from_secs(120))?,
        "the engine did not drain its queue within 2 minutes"
    );
    let total_seconds = start.elapsed().as_secs_f64();
    Ok(PushRun {
        events,
        push_ns,
        producer_seconds,
        total_seconds,
        handled: ce.handled.load(Ordering::Relaxed) - handled_before,
        dropped: ce.engine.dropped() - dropped_before,
    })
}

/// The median cost of an empty timed sample (two `Instant::now()` calls), in
/// nanoseconds: included in every per-call figure.
pub fn timer_overhead_ns() -> f64 {
    let samples: Vec<f64> = (0..100_000)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(());
            t.elapsed().as_nanos() as f64
        })
        .collect();
    crate::stats::Summary::of(&samples).map_or(f64::NAN, |s| s.median)
}

/// How long a cache line takes to go from one thread to another and back, in
/// nanoseconds (median of 20 batches of 10,000 round trips through one atomic): the
/// machine's core-to-core latency at the time, which every `push` to a consumer on
/// another core pays part of. On a virtual machine it depends on where the host
/// placed the virtual CPUs.
pub fn core_round_trip_ns() -> f64 {
    use std::sync::atomic::AtomicU64;
    const BATCHES: u64 = 20;
    const TRIPS: u64 = 10_000;
    let flag = Arc::new(AtomicU64::new(0));
    let other = flag.clone();
    let pong = std::thread::spawn(move || {
        for i in 1..=BATCHES * TRIPS {
            while other.load(Ordering::Acquire) != 2 * i - 1 {
                std::hint::spin_loop();
            }
            other.store(2 * i, Ordering::Release);
        }
    });
    let mut per_trip = Vec::with_capacity(BATCHES as usize);
    for b in 0..BATCHES {
        let start = Instant::now();
        for i in b * TRIPS + 1..=(b + 1) * TRIPS {
            flag.store(2 * i - 1, Ordering::Release);
            while flag.load(Ordering::Acquire) != 2 * i {
                std::hint::spin_loop();
            }
        }
        per_trip.push(start.elapsed().as_nanos() as f64 / TRIPS as f64);
    }
    let _ = pong.join();
    crate::stats::Summary::of(&per_trip).map_or(f64::NAN, |s| s.median)
}
