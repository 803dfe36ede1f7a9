//! `conductor-bench`: runs the comparisons, prints a table per comparison and writes
//! the raw results. Normally started by `scripts/bench.sh`.

use std::path::PathBuf;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::bail;
use clap::Parser;
use conductor_benchmarks::compare::{self, ALL};
use conductor_benchmarks::harness::Harness;
use conductor_benchmarks::report::{Run, Section};

/// Benchmarks Conductor side by side with wasmtime, wasmtime-py, extism-py and
/// mididings. See BENCHMARKS.md.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Tiny iteration counts: checks that every contender runs (the numbers mean nothing).
    #[arg(long)]
    smoke: bool,
    /// Where to write results.json, results.md and the worker logs
    /// [default: target/bench-results/<smoke|full>-<unix time>].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// The Python interpreter with conductor, wasmtime, extism and mididings
    /// [default: target/bench-venv/bin/python].
    #[arg(long, value_name = "PYTHON")]
    python: Option<PathBuf>,
    /// The `conductor` CLI built with `--features jack`, for the MIDI round trip
    /// [default: target/bench-results/bin/conductor-jack, where scripts/bench.sh puts it].
    #[arg(long, value_name = "PATH")]
    cli: Option<PathBuf>,
    /// Run only these comparisons (comma-separated): plugin-rust, plugin-python,
    /// plugin-c, engine-process, push, push-throughput, beside-slow, load, midi.
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    only: Vec<String>,
    /// Fail when any contender is skipped, not only when one fails (CI, where
    /// scripts/bench.sh has installed everything).
    #[arg(long)]
    require_all: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    for id in &args.only {
        if !ALL.contains(&id.as_str()) {
            bail!(
                "unknown comparison {id:?}; the comparisons are: {}",
                ALL.join(", ")
            );
        }
    }
    let started = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let root = Harness::default_root();
    let out = args.out.clone().unwrap_or_else(|| {
        let kind = if args.smoke { "smoke" } else { "full" };
        root.join("target/bench-results")
            .join(format!("{kind}-{started}"))
    });
    let mut h = Harness::new(root, out, args.smoke, args.python.clone());
    if let Some(cli) = &args.cli {
        h.cli = cli.clone();
    }
    std::fs::create_dir_all(h.out.join("logs"))?;
    let mut run = Run {
        smoke: args.smoke,
        started_unix: started,
        machine: machine_facts(&h),
        sections: Vec::new(),
    };
    println!(
        "conductor-bench: {} run, results in {}",
        if h.smoke { "smoke" } else { "full" },
        h.out.display()
    );
    for (k, v) in &run.machine {
        println!("  {k}: {v}");
    }
    let clock = Instant::now();
    for &id in ALL {
        if !args.only.is_empty() && !args.only.iter().any(|o| o == id) {
            continue;
        }
        eprintln!("== {id} ({:.0} s so far)", clock.elapsed().as_secs_f64());
        let sections: Vec<Section> = match id {
            "plugin-rust" => compare::plugin_rust::run(&h),
            "plugin-python" => compare::plugin_python::run(&h),
            "plugin-c" => compare::plugin_c::run(&h),
            "engine-process" => compare::engine_process::run(&h),
            "push" => compare::push::run(&h),
            "push-throughput" => compare::push_throughput::run(&h),
            "beside-slow" => compare::beside_slow::run(&h),
            "load" => compare::load::run(&h),
            "midi" => compare::midi_path::run(&h),
            _ => unreachable!("checked against ALL"),
        };
        for s in sections {
            println!("\n{}", s.to_markdown());
            run.sections.push(s);
        }
    }
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        run.machine.push((
            "load average at end (1/5/15 min)".into(),
            load.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" "),
        ));
    }
    run.machine.push((
        "harness wall time".into(),
        format!("{:.0} s", clock.elapsed().as_secs_f64()),
    ));
    run.write(&h.out)?;
    let failed: Vec<String> = run
        .sections
        .iter()
        .flat_map(|s| {
            s.failed
                .iter()
                .map(move |f| format!("{} / {}: {}", s.id, f.contender, f.error))
        })
        .collect();
    let skipped: Vec<String> = run
        .sections
        .iter()
        .flat_map(|s| {
            s.skipped
                .iter()
                .map(move |k| format!("{} / {}: {}", s.id, k.contender, k.reason))
        })
        .collect();
    println!(
        "\nSkipped contenders: {}",
        if skipped.is_empty() {
            "none".to_string()
        } else {
            skipped.len().to_string()
        }
    );
    for s in &skipped {
        println!("  - {s}");
        eprintln!("conductor-bench: skipped {s}");
    }
    println!(
        "Failed contenders: {}",
        if failed.is_empty() {
            "none".to_string()
        } else {
            failed.len().to_string()
        }
    );
    for f in &failed {
        println!("  - {f}");
        eprintln!("conductor-bench: FAILED {f}");
    }
    println!(
        "Raw results: {} (and results.md); finished in {:.0} s",
        h.out.join("results.json").display(),
        clock.elapsed().as_secs_f64()
    );
    if !failed.is_empty() {
        bail!(
            "{} contender(s) failed (an error is never a skip): {}",
            failed.len(),
            failed.join("; ")
        );
    }
    if args.require_all && !skipped.is_empty() {
        bail!(
            "--require-all: {} contender(s) skipped: {}",
            skipped.len(),
            skipped.join("; ")
        );
    }
    Ok(())
}

/// CPU model, cores, load average, kernel and the Python packages, for the record.
fn machine_facts(h: &Harness) -> Vec<(String, String)> {
    let mut facts = Vec::new();
    if let Ok(cpuinfo) = std::fs::read_to_string("/proc/cpuinfo") {
        if let Some(model) = cpuinfo.lines().find_map(|l| {
            l.strip_prefix("model name")
                .and_then(|r| r.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        }) {
            facts.push(("CPU".into(), model));
        }
    }
    facts.push((
        "cores".into(),
        std::thread::available_parallelism().map_or("?".into(), |n| n.to_string()),
    ));
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        facts.push((
            "load average at start (1/5/15 min)".into(),
            load.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" "),
        ));
    }
    if let Ok(kernel) = std::fs::read_to_string("/proc/sys/kernel/osrelease") {
        facts.push(("kernel".into(), kernel.trim().to_string()));
    }
    if let Some(python) = &h.python {
        let script = "import importlib.metadata as m, platform\n\
                      v = []\n\
                      for p in ('conductor-midi', 'wasmtime', 'extism', 'extism-sys', 'mididings'):\n\
                      \x20   try: v.append(p + ' ' + m.version(p))\n\
                      \x20   except m.PackageNotFoundError: v.append(p + ' (not installed)')\n\
                      print('Python ' + platform.python_version() + ': ' + ', '.join(v))";
        if let Ok(out) = std::process::Command::new(python)
            .args(["-c", script])
            .output()
        {
            if out.status.success() {
                let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
                facts.push(("Python packages".into(), text));
            }
        }
    }
    facts
}
