//! Comparison 2: a plugin call from Python. `conductor.Plugin.execute` versus the same
//! `.wasm` driven by hand with the `wasmtime` package and versus the `extism` SDK
//! calling an Extism plugin that does the same work. Each contender runs in its own
//! Python process (the three embed three different wasmtime builds).

use std::process::Command;

use serde_json::json;

use crate::harness::Harness;
use crate::interleave::{run_interleaved, Contender, Plan};
use crate::report::{format_ratio, Absent, Section};
use crate::worker::{Started, Worker};
use crate::workload::PluginWork;

/// The conductor series' name.
pub const OURS: &str = "conductor.Plugin.execute";
/// The hand-driven wasmtime-py series' name.
pub const WASMTIME_PY: &str = "wasmtime-py by hand (persistent instance)";
/// The Extism series' name.
pub const EXTISM: &str = "extism-py (Extism Rust PDK plugin)";

const FULL: Plan = Plan {
    warmup: 300,
    rounds: 20,
    calls_per_round: 500,
};

/// Runs the three workloads.
pub fn run(h: &Harness) -> Vec<Section> {
    [PluginWork::Noop, PluginWork::Guide, PluginWork::JsonParams]
        .into_iter()
        .map(|w| workload(h, w))
        .collect()
}

/// Starts `benchmarks/python/bench_worker.py` with `config`; a skip (no virtualenv, a
/// package it lacks) or a failure is recorded in `section` and gives `None`.
pub fn python_worker(
    h: &Harness,
    section: &mut Section,
    name: &str,
    config: serde_json::Value,
) -> Option<Worker> {
    let Some(python) = &h.python else {
        section.skip(name, Absent::PythonVenv, h.python_missing.clone());
        return None;
    };
    let mut cmd = Command::new(python);
    cmd.arg(h.python_script("bench_worker.py"))
        .arg(config.to_string());
    match Worker::start(name, cmd, &h.log_path(&format!("{}-{name}", section.id))) {
        Ok(Started::Ready(w)) => Some(w),
        // The worker says `skip` only when a package it imports is not installed.
        Ok(Started::Skipped(reason)) => {
            section.skip(name, Absent::PythonPackage, reason);
            None
        }
        Err(e) => {
            section.fail(name, format!("{e:#}"));
            None
        }
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn workload(h: &Harness, work: PluginWork) -> Section {
    let mut section = Section::new(
        &format!("plugin-python-{}", work.id()),
        &format!("2. Plugin call from Python: {}", work.label()),
    );
    let wasm = match h.plugin(work.crate_name()) {
        Ok(p) => p,
        Err(e) => {
            section.fail("all", format!("{e:#}"));
            return section;
        }
    };
    let params = text(work.params());
    let wasm_str = wasm.display().to_string();
    let mut contenders: Vec<Box<dyn Contender>> = Vec::new();
    let specs = [
        (
            OURS,
            json!({"contender": "conductor", "wasm": wasm_str, "params": params}),
        ),
        (
            WASMTIME_PY,
            json!({"contender": "wasmtime", "wasm": wasm_str, "params": params}),
        ),
    ];
    for (name, config) in specs {
        if let Some(w) = python_worker(h, &mut section, name, config) {
            contenders.push(Box::new(w));
        }
    }
    // Without a virtualenv the Extism contender is skipped for that, whether or not
    // its plugin is built.
    let extism_wasm = match &h.python {
        None => Err((Absent::PythonVenv, h.python_missing.clone())),
        Some(_) => h
            .extism_plugin()
            .map_err(|e| (Absent::ExtismPlugin, format!("{e:#}"))),
    };
    match extism_wasm {
        Ok(extism_wasm) => {
            let config = json!({
                "contender": "extism",
                "wasm": extism_wasm.display().to_string(),
                "params": params,
                "function": work.extism_function(),
            });
            if let Some(w) = python_worker(h, &mut section, EXTISM, config) {
                contenders.push(Box::new(w));
            }
        }
        Err((absent, reason)) => section.skip(EXTISM, absent, reason),
    }
    if contenders.is_empty() {
        return section;
    }
    run_interleaved(&mut section, &mut contenders, h.plan(FULL));
    drop(contenders);
    compare_to(&mut section, WASMTIME_PY);
    compare_to(&mut section, EXTISM);
    section
}

/// Adds the fact "conductor is N× faster than `other`" with the target verdict.
fn compare_to(section: &mut Section, other: &str) {
    if section.series_named(OURS).is_none() {
        return;
    }
    let ratio = section.series_named(other).and_then(|s| section.ratio(s));
    if let Some(r) = ratio {
        section.fact(
            format!("{other} / conductor (median)"),
            format!(
                "{} (target: conductor faster, > 1×: {})",
                format_ratio(r),
                super::plugin_rust::verdict(r > 1.0)
            ),
        );
    }
}
