//! Comparison 4b: `Engine::push` from a producer thread while the engine thread
//! consumes, sustained over a million events (see [`crate::sustained`]); allocations
//! are counted by the `conductor-bench-push-allocations` binary.

use std::process::Command;

use anyhow::{bail, Context as _};

use crate::compare::plugin_rust::verdict;
use crate::harness::Harness;
use crate::report::{Section, Series};
use crate::stats::{format_ns, Summary};
use crate::sustained::{core_round_trip_ns, sustained, timer_overhead_ns, CountingEngine};

/// The paced series' name.
pub const PACED: &str = "push, paced at 1,000,000 events/s";
/// The flat-out series' name.
pub const FLAT_OUT: &str = "push, flat out (queue may fill)";

/// Runs the comparison.
pub fn run(h: &Harness) -> Vec<Section> {
    let mut section = Section::new(
        "push",
        "4b. Engine::push from a producer thread, engine thread consuming (no-op mapping)",
    );
    if let Err(e) = measure(h, &mut section) {
        section.fail("all", format!("{e:#}"));
    }
    vec![section]
}

fn measure(h: &Harness, section: &mut Section) -> anyhow::Result<()> {
    let events = h.count(1_000_000, 20_000) as u64;
    let scratch = h.scratch("push")?;
    let ce = CountingEngine::new(&scratch, None)?;
    let capacity = ce.engine.config().engine.queue_capacity;
    let paced = sustained(&ce, events, Some(1_000_000.0))?;
    let flood = sustained(&ce, events, None)?;
    let timer = timer_overhead_ns();
    let round_trip = core_round_trip_ns();

    let paced_rate = paced.handled_per_second();
    let paced_median = Summary::of(&paced.push_ns).map_or(f64::NAN, |s| s.median);
    section
        .series
        .push(Series::nanos(PACED, paced.push_ns.clone()));
    section
        .series
        .push(Series::nanos(FLAT_OUT, flood.push_ns.clone()));
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
            verdict(paced_rate >= 990_000.0 && paced.dropped == 0)
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
        "cache-line round trip between two threads (core to core, at the time)",
        format_ns(round_trip),
    );
    match count_allocations(h) {
        Ok((pushes, n)) => section.fact(
            format!("allocations in {pushes} pushes (producer thread)"),
            format!("{n} (target 0: {})", verdict(n == 0)),
        ),
        Err(e) => section.fail("allocation count", format!("{e:#}")),
    }
    section.method = "One producer thread (the harness's main thread) calls push; the engine's \
                      own thread consumes. Each push is timed on its own; the paced run \
                      busy-waits to one event per microsecond. Allocations are counted in a \
                      separate process with a counting allocator. Silent log sink (no per-step \
                      debug lines formatted)."
        .into();
    Ok(())
}

/// Runs `conductor-bench-push-allocations` beside this executable.
fn count_allocations(h: &Harness) -> anyhow::Result<(u64, u64)> {
    let exe = std::env::current_exe()?.with_file_name("conductor-bench-push-allocations");
    if !exe.is_file() {
        bail!(
            "{} is missing; build it with `cargo build --release -p conductor-benchmarks`",
            exe.display()
        );
    }
    let out = Command::new(&exe)
        .arg("--scratch")
        .arg(h.scratch("push-allocations")?)
        .output()
        .with_context(|| format!("cannot run {}", exe.display()))?;
    if !out.status.success() {
        bail!(
            "{} failed ({}): {}",
            exe.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let get = |k: &str| v[k].as_u64().with_context(|| format!("no {k} in {v}"));
    Ok((get("pushes")?, get("allocations")?))
}
