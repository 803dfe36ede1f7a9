//! What a plugin gives back, through the C API (`tests/c/plugin_results.c`): the bytes
//! a call returns (`conductor_plugin_call`, freed with `conductor_bytes_delete`) and
//! their cap, host-kept variables across a trap and a restart and their cap, and
//! static configuration (`conductor_plugin_options_set_config`), and cancelling a
//! running call from another thread (`conductor_plugin_cancel`). Each check is one run
//! of the program; it exits non-zero when an expectation fails.

mod common;
use conductor_test_support as support;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::{build_program, isolated, run, Lang, Linkage, Run};

fn program() -> &'static Path {
    static PROGRAM: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, exe) = PROGRAM.get_or_init(|| {
        let dir = support::temp_dir();
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/plugin_results.c");
        let exe = build_program(Lang::C, Linkage::Shared, &[source], dir.path(), "results");
        (dir, exe)
    });
    exe
}

fn check(name: &str) -> Run {
    let work = support::temp_dir();
    let mut cmd = isolated(program(), work.path());
    cmd.env("WORK_DIR", work.path())
        .env("RESULTS_PLUGIN", support::plugin_wasm("results-plugin"))
        .arg(name);
    let result = run(&mut cmd);
    result.assert_check_passed(name);
    result
}

#[test]
fn a_c_caller_gets_the_bytes_a_plugin_returns() {
    let out = check("output");
    assert!(
        out.stdout.contains(r#"output: {"answer":42}"#),
        "{}",
        out.stdout
    );
    assert!(out
        .stdout
        .contains(r#"actions: [{"SendMidi":{"bytes":[144,72,90]}}]"#));
}

#[test]
fn an_output_past_max_output_bytes_is_refused_in_c() {
    let out = check("output_cap");
    assert!(
        out.stdout.contains("oversized output: plugin code 6"),
        "{}",
        out.stdout
    );
}

#[test]
fn variables_survive_a_trap_and_a_restart_in_c() {
    let out = check("vars");
    assert!(out.stdout.contains("after a trap: 2"), "{}", out.stdout);
    assert!(out.stdout.contains("after a restart: 3"), "{}", out.stdout);
}

#[test]
fn a_variable_past_max_var_bytes_is_refused_in_c() {
    let out = check("vars_cap");
    assert!(
        out.stdout.contains("oversized variable: plugin code 6"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_plugin_reads_its_static_config_given_in_c() {
    let out = check("config");
    assert!(
        out.stdout.contains(r#"config api_key: {"value":"s3cret"}"#),
        "{}",
        out.stdout
    );
}

/// The cancelled call ends with its own status, `CONDUCTOR_ERROR_CANCELLED` (named
/// "cancelled"), and an error naming the plugin, not as a crash; the plugin works again
/// afterwards, and a real trap is still `CONDUCTOR_ERROR_PLUGIN_TRAP`.
#[test]
fn a_busy_plugin_stops_when_cancelled_from_another_c_thread() {
    let out = check("cancel");
    assert!(
        out.stdout.contains(
            "cancelled call: cancelled (plugin results_plugin): plugin results_plugin: its call \
             was cancelled"
        ),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("crashed: its call"), "{}", out.stdout);
    assert!(
        out.stdout.contains("trapped call: plugin_trap"),
        "{}",
        out.stdout
    );
}
