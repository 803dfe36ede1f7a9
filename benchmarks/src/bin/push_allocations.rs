//! `conductor-bench-push-allocations`: counts the allocations `Engine::push` makes on
//! the producer thread, for comparison 4b. A process of its own because counting needs
//! a counting global allocator, which would slow down everything else measured.
//!
//! Usage: `conductor-bench-push-allocations --scratch DIR` prints
//! `{"pushes": 10000, "allocations": N}`.

use std::path::PathBuf;

use clap::Parser;
use conductor_benchmarks::sustained::CountingEngine;

/// Counts allocations in `Engine::push`.
#[derive(Parser)]
struct Args {
    /// A folder for the engine's scratch files.
    #[arg(long)]
    scratch: PathBuf,
    /// How many pushes to count (the small queue fills, so refused pushes are counted
    /// too).
    #[arg(long, default_value_t = 10_000)]
    pushes: u64,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.scratch)?;
    let ce = CountingEngine::new(&args.scratch, Some(64))?;
    let info = allocation_counter::measure(|| {
        for i in 0..args.pushes {
            ce.engine.push(&[0x90, 60, 100], i);
        }
    });
    println!(
        "{}",
        serde_json::json!({"pushes": args.pushes, "allocations": info.count_total})
    );
    Ok(())
}
