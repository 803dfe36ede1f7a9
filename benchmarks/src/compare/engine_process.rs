//! Comparison 4a: `Engine::process` of a note whose mapping runs the no-op plugin,
//! through Rust, C (`conductor_engine_process`) and Python (`Engine.process`).

use conductor_core::{Engine, EngineOptions};
use serde_json::json;

use super::plugin_c::c_worker;
use super::plugin_python::python_worker;
use crate::harness::{quiet_host_config, Harness};
use crate::interleave::{run_interleaved, Contender, Plan, TimedFn};
use crate::report::{format_ratio, Section};
use crate::workload::{noop_engine_config, NOTE_ON};

const FULL: Plan = Plan {
    warmup: 500,
    rounds: 20,
    calls_per_round: 1000,
};

/// The Rust series' name.
pub const RUST: &str = "Rust: Engine::process";
/// The C series' name.
pub const C: &str = "C: conductor_engine_process";
/// The Python series' name.
pub const PYTHON: &str = "Python: Engine.process";

/// Runs the comparison.
pub fn run(h: &Harness) -> Vec<Section> {
    vec![section(h)]
}

fn section(h: &Harness) -> Section {
    let mut section = Section::new(
        "engine-process",
        "4a. Engine::process: note-on → mapping → no-op plugin",
    );
    let noop = or_fail!(section, "all", h.plugin("noop-plugin"));
    let dir = or_fail!(section, "all", h.scratch("engine-process"));
    let toml = noop_engine_config(&noop);
    let toml_file = dir.join("engine.toml");
    or_fail!(section, "all", std::fs::write(&toml_file, &toml));
    let options = EngineOptions::default().with_host_config(quiet_host_config(None, &h.out));
    let engine = or_fail!(section, RUST, Engine::from_toml(&toml, &dir, options));

    let mut contenders: Vec<Box<dyn Contender + '_>> = vec![Box::new(TimedFn::new(RUST, || {
        let fired = engine.process(&NOTE_ON, 0)?;
        anyhow::ensure!(
            fired.len() == 1,
            "expected one mapping to fire, got {}",
            fired.len()
        );
        Ok(())
    }))];
    let args = [
        "engine".to_string(),
        toml_file.display().to_string(),
        dir.display().to_string(),
    ];
    if let Some(w) = c_worker(h, &mut section, C, &args) {
        contenders.push(Box::new(w));
    }
    let config = json!({
        "contender": "conductor-engine",
        "toml": toml,
        "base_dir": dir.display().to_string(),
    });
    if let Some(w) = python_worker(h, &mut section, PYTHON, config) {
        contenders.push(Box::new(w));
    }
    run_interleaved(&mut section, &mut contenders, h.plan(FULL));
    drop(contenders);
    for other in [C, PYTHON] {
        if let Some(r) = section.series_named(other).and_then(|s| section.ratio(s)) {
            section.fact(format!("{other} / Rust (median)"), format_ratio(r));
        }
    }
    section
}
