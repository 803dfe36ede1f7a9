//! `conductor-bench-mapping-memory`: the memory a config's mappings cost, by number of
//! modes and of mappings. Each measurement runs in a process of its own, so that its
//! resident set (`VmRSS`) and high-water mark (`VmHWM`, from `/proc/self/status`) are
//! its own.
//!
//! Usage:
//!
//! * `conductor-bench-mapping-memory` writes configs of 1 mode × 1 mapping (the
//!   baseline), 1,000 modes × 1 mapping, 20,000 modes × 1 mapping, 1 mode × 1,000
//!   mappings and 1,000 modes × 100 mappings (100,000) to a temporary folder, measures
//!   each as `Config::from_file` + `MappingTable::new` and as `Engine::from_file`, and
//!   prints a Markdown table;
//! * `conductor-bench-mapping-memory --measure CONFIG [--engine]` measures one config
//!   and prints one JSON object.
//!
//! The triggers are a real config's mix: notes and controllers, three quarters of them
//! without a channel.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context as _};
use clap::Parser;
use conductor_core::config::Config;
use conductor_core::log::LogRecord;
use conductor_core::mapping::MappingTable;
use conductor_core::plugin::HostConfig;
use conductor_core::{Engine, EngineOptions};
use serde::{Deserialize, Serialize};

/// Measures the memory of configs with many modes or many mappings.
#[derive(Parser)]
struct Args {
    /// Measure this config in this process and print one JSON object.
    #[arg(long)]
    measure: Option<PathBuf>,
    /// With `--measure`: build a whole engine (`Engine::from_file`) rather than
    /// `Config::from_file` + `MappingTable::new`.
    #[arg(long)]
    engine: bool,
}

/// One measurement, as the child process prints it.
#[derive(Debug, Serialize, Deserialize)]
struct Measured {
    modes: usize,
    mappings: usize,
    /// Resident set before loading, in KiB.
    rss_start_kib: u64,
    /// Resident set once built, in KiB.
    rss_kib: u64,
    /// Highest resident set of the process, in KiB.
    hwm_kib: u64,
    /// Resident set once built and after `malloc_trim(0)` handed freed memory back to
    /// the system, in KiB (glibc only).
    trimmed_kib: Option<u64>,
    /// Heap still allocated by the building thread once built.
    heap_retained: i64,
    /// Most heap allocated by the building thread while building.
    heap_peak: u64,
    /// Of `heap_retained`, the mapping table alone (`None` for a whole engine).
    table_retained: Option<i64>,
    /// Wall-clock time to build, in milliseconds.
    build_ms: f64,
}

/// `VmRSS` and `VmHWM` of this process, in KiB.
fn rss_kib() -> anyhow::Result<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let field = |name: &str| -> anyhow::Result<u64> {
        let line = status
            .lines()
            .find(|l| l.starts_with(name))
            .with_context(|| format!("no {name} in /proc/self/status"))?;
        Ok(line
            .split_whitespace()
            .nth(1)
            .context("malformed /proc/self/status")?
            .parse()?)
    };
    Ok((field("VmRSS:")?, field("VmHWM:")?))
}

fn measure(config: &Path, engine: bool) -> anyhow::Result<Measured> {
    let (rss_start_kib, _) = rss_kib()?;
    let start = Instant::now();
    let mut built: Option<(usize, usize, Box<dyn std::any::Any>)> = None;
    let mut table_retained = None;
    let mut failure = None;
    let heap = allocation_counter::measure(|| {
        let result = if engine {
            let options = EngineOptions::default().with_host_config(
                HostConfig::default().with_log_sink(std::sync::Arc::new(|_: &LogRecord<'_>| {})),
            );
            Engine::from_file(config, options).map(|e| {
                let (modes, mappings) = counts(&e.config());
                (modes, mappings, Box::new(e) as Box<dyn std::any::Any>)
            })
        } else {
            Config::from_file(config).map(|c| {
                let mut table = None;
                let info = allocation_counter::measure(|| table = Some(MappingTable::new(&c)));
                table_retained = Some(info.bytes_current);
                let (modes, mappings) = counts(&c);
                (
                    modes,
                    mappings,
                    Box::new((c, table)) as Box<dyn std::any::Any>,
                )
            })
        };
        match result {
            Ok(b) => built = Some(b),
            Err(e) => failure = Some(e),
        }
    });
    let build_ms = start.elapsed().as_secs_f64() * 1e3;
    if let Some(e) = failure {
        bail!("cannot load {}: {e}", config.display());
    }
    let (modes, mappings, built) = built.expect("built or failed");
    let (rss_built_kib, hwm_kib) = rss_kib()?;
    let trimmed_kib = trim().then(|| rss_kib().map(|(rss, _)| rss)).transpose()?;
    drop(built);
    Ok(Measured {
        modes,
        mappings,
        rss_start_kib,
        rss_kib: rss_built_kib,
        hwm_kib,
        trimmed_kib,
        heap_retained: heap.bytes_current,
        heap_peak: heap.bytes_max,
        table_retained,
        build_ms,
    })
}

/// Returns the allocator's free memory to the system; whether it could.
fn trim() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: malloc_trim only releases free memory of glibc's own heap.
        unsafe { libc::malloc_trim(0) };
        true
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

fn counts(config: &Config) -> (usize, usize) {
    let mappings =
        config.global_mappings.len() + config.modes.iter().map(|m| m.mappings.len()).sum::<usize>();
    (config.modes.len(), mappings)
}

/// The `i`-th trigger of the mix: notes and CCs, three quarters without a channel.
fn trigger(i: usize) -> String {
    let number = i % 128;
    match i % 4 {
        0 | 1 => format!("{{ Note = {{ note = {number} }} }}"),
        2 => format!("{{ CC = {{ cc = {number} }} }}"),
        _ => format!("{{ Note = {{ note = {number}, channel = {} }} }}", i % 16),
    }
}

fn config_text(modes: usize, per_mode: usize) -> String {
    let mut toml = String::new();
    for mode in 0..modes {
        writeln!(toml, "[[modes]]\nname = \"Mode {mode}\"").unwrap();
        for i in 0..per_mode {
            writeln!(
                toml,
                "[[modes.mappings]]\ntrigger = {}\naction = {{ Host = {{ name = \"m{i}\" }} }}",
                trigger(mode + i)
            )
            .unwrap();
        }
    }
    toml
}

fn run_child(config: &Path, engine: bool) -> anyhow::Result<Measured> {
    let mut command = Command::new(std::env::current_exe()?);
    command.arg("--measure").arg(config);
    if engine {
        command.arg("--engine");
    }
    let out = command.output()?;
    if !out.status.success() {
        bail!(
            "measuring {} failed: {}",
            config.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}

fn mib(kib: u64) -> String {
    format!("{:.1}", kib as f64 / 1024.0)
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if let Some(config) = args.measure {
        println!(
            "{}",
            serde_json::to_string(&measure(&config, args.engine)?)?
        );
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let shapes = [(1, 1), (1000, 1), (20_000, 1), (1, 1000), (1000, 100)];
    let mut rows = Vec::new();
    for (modes, per_mode) in shapes {
        let path = dir.path().join(format!("{modes}x{per_mode}.toml"));
        std::fs::write(&path, config_text(modes, per_mode))?;
        for engine in [false, true] {
            rows.push((engine, run_child(&path, engine)?));
        }
    }
    println!(
        "| what | modes × mappings | RSS before → after (MiB) | peak RSS (MiB) | RSS after malloc_trim (MiB) | heap kept / peak (MiB) | table heap (bytes a mapping) | build (ms) |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (engine, m) in &rows {
        let what = if *engine {
            "`Engine::from_file`"
        } else {
            "`Config::from_file` + `MappingTable::new`"
        };
        let table = m
            .table_retained
            .map(|t| format!("{:.0}", t as f64 / m.mappings as f64))
            .unwrap_or_else(|| "–".into());
        let trimmed = m.trimmed_kib.map(mib).unwrap_or_else(|| "–".into());
        println!(
            "| {what} | {} × {} | {} → {} | {} | {trimmed} | {:.1} / {:.1} | {table} | {:.0} |",
            m.modes,
            m.mappings / m.modes,
            mib(m.rss_start_kib),
            mib(m.rss_kib),
            mib(m.hwm_kib),
            m.heap_retained as f64 / 1048576.0,
            m.heap_peak as f64 / 1048576.0,
            m.build_ms
        );
    }
    // Bytes a mapping: from the baseline (1 × 1) to 100,000 mappings.
    for engine in [false, true] {
        let of = |modes: usize, mappings: usize| {
            rows.iter()
                .find(|(e, m)| *e == engine && m.modes == modes && m.mappings == mappings)
                .map(|(_, m)| m)
                .expect("measured")
        };
        let (base, big) = (of(1, 1), of(1000, 100_000));
        let n = (big.mappings - base.mappings) as f64;
        let per = |big: u64, base: u64| (big as f64 - base as f64) * 1024.0 / n;
        let trimmed = match (big.trimmed_kib, base.trimmed_kib) {
            (Some(big), Some(base)) => format!(", {:.0} after malloc_trim", per(big, base)),
            _ => String::new(),
        };
        println!(
            "\n{}, per mapping (1 × 1 to 1,000 × 100): {:.0} bytes of RSS once built{trimmed}, {:.0} at the peak; {:.0} bytes of heap kept",
            if engine { "Engine::from_file" } else { "Config + MappingTable" },
            per(big.rss_kib, base.rss_kib),
            per(big.hwm_kib, base.hwm_kib),
            (big.heap_retained - base.heap_retained) as f64 / n,
        );
    }
    Ok(())
}
