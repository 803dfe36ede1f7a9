//! The harness's smoke mode runs end to end, so the benchmarks cannot rot. It asserts
//! what ran and what was written, never how fast anything was.
//!
//! A contender may be skipped only when the machine lacks what it needs, named by an
//! [`Absent`] (no Python virtualenv, a Python package, the Extism plugin, JACK, a CLI
//! built with JACK); every skip is printed on stderr. Any other error fails the run.
//! The C contenders always run (the harness builds libconductor if `cargo test` has not
//! left it), as do the in-process Rust ones. With `CONDUCTOR_BENCH_REQUIRE_ALL=1`
//! (scripts/test.sh, after scripts/bench.sh --prepare) nothing may be skipped at all.

use std::io::Write as _;
use std::process::Command;

use conductor_benchmarks::compare::{plugin_c, plugin_rust};
use conductor_benchmarks::report::{Absent, Run};
use serde_json::Value;

use conductor_test_support as support;

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
    assert!(stdout.contains("Failed contenders: none"), "{stdout}");

    let json = std::fs::read(out.path().join("results.json")).expect("results.json is written");
    let raw: Value = serde_json::from_slice(&json).expect("results.json is JSON");
    assert_eq!(raw["smoke"], true);
    let run: Run = serde_json::from_value(raw).expect("results.json holds a run");
    assert!(out.path().join("results.md").is_file());

    // No contender failed; every skip names what is absent and why.
    let require_all = std::env::var_os("CONDUCTOR_BENCH_REQUIRE_ALL").is_some_and(|v| v == "1");
    for s in &run.sections {
        assert!(s.failed.is_empty(), "{}: {:?}", s.id, s.failed);
        assert!(
            !s.series.is_empty() || !s.skipped.is_empty(),
            "section {} has neither results nor skips",
            s.id
        );
        for skip in &s.skipped {
            // Straight to stderr, past the test harness's capture, so a passing run's
            // log shows every skip too.
            let _ = writeln!(
                std::io::stderr(),
                "smoke: skipped {} / {} ({:?} absent): {}",
                s.id,
                skip.contender,
                skip.absent,
                skip.reason
            );
            assert!(
                !skip.reason.is_empty(),
                "{} / {} skipped without a reason",
                s.id,
                skip.contender
            );
            assert!(
                !require_all,
                "CONDUCTOR_BENCH_REQUIRE_ALL=1, but {} / {} was skipped: {}",
                s.id, skip.contender, skip.reason
            );
            // Python contenders are skipped only for the virtualenv or a package.
            if s.id.starts_with("plugin-python") {
                assert!(
                    matches!(
                        skip.absent,
                        Absent::PythonVenv | Absent::PythonPackage | Absent::ExtismPlugin
                    ),
                    "{skip:?}"
                );
            }
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
    // The C throughput program is compiled and run here: every contender ran once.
    let throughput = section("push-throughput");
    assert!(throughput.skipped.is_empty(), "{:?}", throughput.skipped);
    assert_eq!(throughput.series.len(), 5);
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
    // Both sides of the C comparison run: the harness builds what the C worker needs.
    for id in ["plugin-c-noop", "plugin-c-json"] {
        let c = section(id);
        assert!(c.skipped.is_empty(), "{id}: {:?}", c.skipped);
        assert!(c.series_named(plugin_c::RUST).is_some(), "{id}");
        assert_eq!(
            c.series_named(plugin_c::C).map(|s| s.samples.len()),
            Some(40),
            "{id}: 2 rounds × 20 calls from C"
        );
    }
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
