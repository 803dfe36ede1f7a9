//! The harness's smoke mode runs end to end, so the benchmarks cannot rot. It asserts
//! what ran and what was written, never how fast anything was.
//!
//! Contenders that need something this machine lacks (the Python virtualenv made by
//! `scripts/bench.sh`, libconductor, JACK) are skipped by the harness, which says so;
//! the in-process Rust contenders must always run.

use std::process::Command;

use conductor_benchmarks::compare::plugin_rust;
use conductor_benchmarks::report::Run;
use serde_json::Value;

#[path = "../../conductor-core/tests/support/mod.rs"]
mod support;

#[test]
fn smoke_run_measures_every_comparison_and_writes_raw_results() {
    // Builds the example plugins if they are not built yet.
    support::plugin_wasm("noop-plugin");
    support::plugin_wasm("json-params-plugin");
    support::plugin_wasm("sleep-plugin");
    let out = support::temp_dir();
    let output = Command::new(env!("CARGO_BIN_EXE_conductor-bench"))
        .arg("--smoke")
        .arg("--out")
        .arg(out.path())
        .output()
        .expect("conductor-bench runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "conductor-bench --smoke failed ({})\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
        output.status
    );
    println!("{stdout}");

    for heading in [
        "### 1a.", "### 1b.", "### 2.", "### 3.", "### 4a.", "### 4b.", "### 4c.", "### 4d.",
        "### 5.", "### 6.",
    ] {
        assert!(
            stdout.contains(heading),
            "no {heading} section in:\n{stdout}"
        );
    }
    assert!(stdout.contains("Skipped contenders:"), "{stdout}");

    let json = std::fs::read(out.path().join("results.json")).expect("results.json is written");
    let raw: Value = serde_json::from_slice(&json).expect("results.json is JSON");
    assert_eq!(raw["smoke"], true);
    let run: Run = serde_json::from_value(raw).expect("results.json holds a run");
    assert!(out.path().join("results.md").is_file());

    // Every section either measured something or says who was skipped and why.
    for s in &run.sections {
        assert!(
            !s.series.is_empty() || !s.skipped.is_empty(),
            "section {} has neither results nor skips",
            s.id
        );
        for skip in &s.skipped {
            assert!(
                !skip.reason.is_empty(),
                "{} / {} skipped without a reason",
                s.id,
                skip.contender
            );
        }
    }

    // The in-process Rust contenders need nothing beyond this workspace: they all ran,
    // with one sample per call.
    let section = |id: &str| {
        run.sections
            .iter()
            .find(|s| s.id == id)
            .unwrap_or_else(|| panic!("no section {id}"))
    };
    let noop = section("plugin-rust-noop");
    assert!(noop.skipped.is_empty(), "{:?}", noop.skipped);
    assert_eq!(noop.series.len(), 4);
    assert!(noop.series_named(plugin_rust::OURS).is_some());
    assert!(noop.series_named(plugin_rust::PER_CALL).is_some());
    for s in &noop.series {
        assert_eq!(s.samples.len(), 40, "{}: 2 rounds × 20 calls", s.name);
        assert!(s.samples.iter().all(|&ns| ns > 0.0), "{}", s.name);
    }
    assert!(section("plugin-rust-json").skipped.is_empty());
    let push = section("push");
    assert!(push.skipped.is_empty(), "{:?}", push.skipped);
    assert_eq!(push.series[0].samples.len(), 20_000);
    assert!(push
        .facts
        .iter()
        .any(|(k, _)| k.starts_with("allocations in ")));
    // The C throughput program runs wherever libconductor is built; every contender
    // either ran once or says why not.
    let throughput = section("push-throughput");
    assert_eq!(
        throughput.series.len() + throughput.skipped.len(),
        if throughput.skipped.iter().any(|k| k.contender == "all") {
            1
        } else {
            5
        },
        "{:?}",
        throughput.skipped
    );
    for s in &throughput.series {
        assert_eq!(s.samples.len(), 1, "{}: one smoke round", s.name);
        let (_, fact) = throughput
            .facts
            .iter()
            .find(|(k, _)| *k == s.name)
            .unwrap_or_else(|| panic!("no fact for {}", s.name));
        assert!(fact.contains("; none lost"), "{}: {fact}", s.name);
    }
    // The latency beside slow actions is measured in process: it always runs.
    let beside = section("beside-slow");
    assert!(beside.skipped.is_empty(), "{:?}", beside.skipped);
    assert_eq!(beside.series.len(), 3);
    for s in &beside.series {
        assert_eq!(
            s.samples.len(),
            20,
            "{}: every pad-61 message came out",
            s.name
        );
    }
    let loads: Vec<_> = run
        .sections
        .iter()
        .filter(|s| s.id.starts_with("load-"))
        .collect();
    assert_eq!(loads.len(), 2);
    for l in loads {
        assert!(l.skipped.is_empty(), "{:?}", l.skipped);
        assert_eq!(l.series.len(), 3);
    }
    // The Rust side of the C and engine comparisons runs even where C and Python cannot.
    assert!(section("plugin-c-noop")
        .series_named("Rust: Plugin::execute")
        .is_some());
    assert!(section("engine-process")
        .series_named("Rust: Engine::process")
        .is_some());
}

#[test]
fn unknown_comparisons_are_refused_with_the_list_of_valid_ones() {
    let output = Command::new(env!("CARGO_BIN_EXE_conductor-bench"))
        .args(["--smoke", "--only", "plugin-rusty"])
        .output()
        .expect("conductor-bench runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("unknown comparison \"plugin-rusty\""),
        "{stderr}"
    );
    assert!(stderr.contains("plugin-rust, plugin-python"), "{stderr}");
}
