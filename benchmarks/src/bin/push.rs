//! `conductor-bench-push`: comparison 4b in a process of its own, because it counts
//! allocations with a counting global allocator that must not slow the other
//! contenders down. Writes one section as JSON; `conductor-bench` reads it.
//!
//! Usage: `conductor-bench-push --events N --out section.json --scratch DIR`

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Parser;
use conductor_benchmarks::compare::plugin_rust::verdict;
use conductor_benchmarks::report::{Section, Series};
use conductor_benchmarks::stats::format_ns;
use conductor_benchmarks::sustained::{sustained, timer_overhead_ns, CountingEngine};

/// Sustained `Engine::push` benchmark.
#[derive(Parser)]
struct Args {
    /// Events per run (at least 1,000,000 for a real measurement).
    #[arg(long, default_value_t = 1_000_000)]
    events: u64,
    /// Where to write the section JSON.
    #[arg(long)]
    out: PathBuf,
    /// A folder for the engine's scratch files.
    #[arg(long)]
    scratch: PathBuf,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.scratch)
        .with_context(|| format!("cannot create {}", args.scratch.display()))?;
    let ce = CountingEngine::new(&args.scratch, None)?;
    let capacity = ce.engine.config().engine.queue_capacity;
    let mut section = Section::new(
        "push",
        "4b. Engine::push from a producer thread, engine thread consuming (no-op mapping)",
    );

    // Allocations made by `push` on the producer thread (accepted and refused pushes).
    let allocations = allocation_counter::measure(|| {
        for i in 0..10_000u64 {
            ce.engine.push(&[0x90, 60, 100], i);
        }
    });
    ce.engine.wait_idle(std::time::Duration::from_secs(30));

    let paced = sustained(&ce, args.events, Some(1_000_000.0))?;
    let flood = sustained(&ce, args.events, None)?;
    let timer = timer_overhead_ns();

    let paced_rate = paced.handled_per_second();
    let paced_median =
        conductor_benchmarks::stats::Summary::of(&paced.push_ns).map_or(f64::NAN, |s| s.median);
    section.series.push(Series::nanos(
        "push, paced at 1,000,000 events/s",
        paced.push_ns.clone(),
    ));
    section.series.push(Series::nanos(
        "push, flat out (queue may fill)",
        flood.push_ns.clone(),
    ));
    section.fact("queue capacity", capacity.to_string());
    section.fact(
        "paced run",
        format!(
            "{} events offered at 1,000,000/s: {} handled, {} dropped, {:.0} events/s handled \
             (target ≥ 1,000,000/s with none dropped: {})",
            paced.events,
            paced.handled,
            paced.dropped,
            paced_rate,
            verdict(paced_rate >= 1_000_000.0 * 0.99 && paced.dropped == 0)
        ),
    );
    section.fact(
        "flat-out run",
        format!(
            "{} events offered at {:.0}/s: {} handled, {} dropped; the engine handled {:.0} \
             events/s (first push to idle)",
            flood.events,
            flood.events as f64 / flood.producer_seconds,
            flood.handled,
            flood.dropped,
            flood.handled_per_second()
        ),
    );
    section.fact(
        "push p50 (paced)",
        format!(
            "{} including {} of timer overhead (target ≤ 100 ns: {})",
            format_ns(paced_median),
            format_ns(timer),
            verdict(paced_median <= 100.0)
        ),
    );
    section.fact(
        "allocations in 10,000 pushes (producer thread)",
        format!(
            "{} (target 0: {})",
            allocations.count_total,
            verdict(allocations.count_total == 0)
        ),
    );
    section.method = "One producer thread (the main thread) calls push; the engine's own thread \
                      consumes. Each push is timed on its own; the paced run busy-waits to one \
                      event per microsecond."
        .into();
    let json = serde_json::to_vec(&section)?;
    std::fs::write(&args.out, json)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    Ok(())
}
