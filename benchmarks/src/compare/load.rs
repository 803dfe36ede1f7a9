//! Comparison 5: loading a plugin. A cold compile versus a hit in the on-disk module
//! cache (a new process loading a plugin it has loaded before) and in the in-process
//! cache, for the guide's first plugin and for a larger plugin.

use std::path::Path;

use conductor_core::plugin::{ModuleSource, PluginHost};

use crate::harness::Harness;
use crate::interleave::{run_interleaved, Contender, Plan, TimedFn};
use crate::report::{format_ratio, Section};

const FULL: Plan = Plan {
    warmup: 1,
    rounds: 15,
    calls_per_round: 2,
};

/// The cold-compile series' name.
pub const COLD: &str = "cold compile (no cache)";
/// The disk-cache series' name.
pub const DISK: &str = "disk cache hit (new process)";
/// The memory-cache series' name.
pub const MEMORY: &str = "in-process cache hit";

/// Runs the comparison for the guide's plugin and the largest SDK/serde_json plugin
/// that is built.
pub fn run(h: &Harness) -> Vec<Section> {
    let larger = ["sdk-midi-plugin", "file-logger-plugin"]
        .into_iter()
        .find(|name| h.plugin(name).is_ok())
        .unwrap_or("file-logger-plugin");
    vec![
        plugin(h, "my-midi-plugin", "the guide's first plugin"),
        plugin(h, larger, "a larger plugin"),
    ]
}

fn plugin(h: &Harness, name: &str, what: &str) -> Section {
    let mut section = Section::new(&format!("load-{name}"), "");
    let wasm = or_fail!(section, "all", h.plugin(name));
    let size = std::fs::metadata(&wasm).map(|m| m.len()).unwrap_or(0);
    section.title = format!(
        "5. Load: {what} ({name}, {} KB): compile versus module cache",
        size / 1024
    );
    let cache = or_fail!(section, "all", h.scratch(&format!("module-cache-{name}")));
    let cold = or_fail!(section, COLD, h.quiet_host(None));
    let disk = or_fail!(section, DISK, h.quiet_host(Some(cache.clone())));
    let memory = or_fail!(section, MEMORY, h.quiet_host(None));
    // Fill both caches.
    or_fail!(section, DISK, disk.precompile(&wasm));
    or_fail!(section, MEMORY, memory.precompile(&wasm));

    let mut contenders: Vec<Box<dyn Contender + '_>> = vec![
        Box::new(TimedFn::new(COLD, || {
            cold.clear_memory_cache();
            precompile(&cold, &wasm, ModuleSource::Compiled)
        })),
        Box::new(TimedFn::new(DISK, || {
            disk.clear_memory_cache();
            precompile(&disk, &wasm, ModuleSource::DiskCache)
        })),
        Box::new(TimedFn::new(MEMORY, || {
            precompile(&memory, &wasm, ModuleSource::MemoryCache)
        })),
    ];
    run_interleaved(&mut section, &mut contenders, h.plan(FULL));
    drop(contenders);
    if let Some(r) = section.series_named(DISK).and_then(|s| section.ratio(s)) {
        section.fact(
            "cold compile / disk cache hit (median)",
            format!(
                "{} (target ≥ 10×: {})",
                format_ratio(1.0 / r),
                super::plugin_rust::verdict(1.0 / r >= 10.0)
            ),
        );
    }
    section
}

/// Loads the module and checks it came from where the contender says it does.
fn precompile(host: &PluginHost, wasm: &Path, expected: ModuleSource) -> anyhow::Result<()> {
    let got = host.precompile(wasm)?;
    anyhow::ensure!(
        got == expected,
        "expected {expected:?}, the host reported {got:?}"
    );
    Ok(())
}
