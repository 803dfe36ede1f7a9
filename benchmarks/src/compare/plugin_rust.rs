//! Comparison 1: a plugin call from Rust. Conductor's `execute` on its persistent
//! instance versus a fresh store and instance per call (the earlier host's strategy)
//! and a bare persistent wasmtime instance, for the no-op plugin and for a plugin
//! that parses 200 bytes of JSON params.

use conductor_core::plugin::PluginOptions;

use crate::harness::Harness;
use crate::interleave::{run_interleaved, Contender, Plan, TimedFn};
use crate::report::{format_ratio, Section};
use crate::stats::format_ns;
use crate::wasmtime_direct::{InstantiatePerCall, PersistentInstance};
use crate::workload::{PluginWork, CONTEXT};

/// Series names, used by the target checks.
pub const OURS: &str = "conductor execute (persistent instance)";
/// The instantiate-per-call series.
pub const PER_CALL: &str = "wasmtime: new store + instance per call";

const FULL: Plan = Plan {
    warmup: 500,
    rounds: 20,
    calls_per_round: 1000,
};

/// Runs both workloads.
pub fn run(h: &Harness) -> Vec<Section> {
    vec![
        workload(
            h,
            PluginWork::Noop,
            "1a. Plugin call from Rust: no-op plugin",
            true,
        ),
        workload(
            h,
            PluginWork::JsonParams,
            "1b. Plugin call from Rust: plugin parsing 200-byte JSON params",
            false,
        ),
    ]
}

fn workload(h: &Harness, work: PluginWork, title: &str, with_context: bool) -> Section {
    let mut section = Section::new(&format!("plugin-rust-{}", work.id()), title);
    let wasm = or_fail!(section, "all", h.plugin(work.crate_name()));
    let host = or_fail!(section, "conductor", h.quiet_host(None));
    let params = work.params();
    let mut plugin = or_fail!(
        section,
        "conductor",
        host.load(&wasm, PluginOptions::default())
    );
    let mut plugin_ctx = or_fail!(
        section,
        "conductor",
        host.load(&wasm, PluginOptions::default())
    );
    let mut raw = or_fail!(
        section,
        "wasmtime persistent",
        PersistentInstance::new(&wasm)
    );
    let fresh = or_fail!(section, "wasmtime per call", InstantiatePerCall::new(&wasm));

    let mut contenders: Vec<Box<dyn Contender + '_>> =
        vec![Box::new(TimedFn::new(OURS, || Ok(plugin.execute(params)?)))];
    if with_context {
        contenders.push(Box::new(TimedFn::new(
            "conductor execute_with_context (persistent instance)",
            || Ok(plugin_ctx.execute_with_context(params, CONTEXT)?),
        )));
    }
    contenders.push(Box::new(TimedFn::new(
        "wasmtime: persistent instance, no fuel/deadline/output capture",
        || raw.call(params),
    )));
    contenders.push(Box::new(TimedFn::new(PER_CALL, || fresh.call(params))));
    run_interleaved(&mut section, &mut contenders, h.plan(FULL));
    drop(contenders);

    section.fact("params", format!("{} bytes", params.len()));
    let ratio = section
        .series_named(PER_CALL)
        .and_then(|s| section.ratio(s));
    let ours = section.series_named(OURS).and_then(|s| s.summary);
    match (work, ratio) {
        (PluginWork::Noop, Some(r)) => section.fact(
            "instantiate-per-call / conductor (median)",
            format!(
                "{} (target ≥ 100×: {})",
                format_ratio(r),
                verdict(r >= 100.0)
            ),
        ),
        (_, Some(r)) => section.fact(
            "instantiate-per-call / conductor (median)",
            format!(
                "{} (the ≥ 100× target is about the host's own cost, measured with the \
                 no-op plugin; here the plugin's own parsing is part of every call)",
                format_ratio(r)
            ),
        ),
        (_, None) => {}
    }
    if let (PluginWork::Noop, Some(s)) = (work, ours) {
        section.fact(
            "conductor no-op execute p50",
            format!(
                "{} (target ≤ 2 µs: {})",
                format_ns(s.median),
                verdict(s.median <= 2000.0)
            ),
        );
    }
    section
}

/// `met` / `MISSED`.
pub fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "MISSED"
    }
}
