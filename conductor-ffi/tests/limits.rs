//! The sandbox's limits through the C API, from real hostile plugins
//! (`tests/c/limits.c`): out of fuel, memory limit, timeout and trap each reach C as
//! their own status with an error object of that kind, and one plugin handle serves
//! calls from several threads at once. Each check is one run of the program; it exits
//! non-zero when an expectation fails.

mod common;
use conductor_test_support as support;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::{build_program, isolated, run, Lang, Linkage, Run};

/// The limits program, built once per test process against the shared library.
fn limits_program() -> &'static Path {
    static PROGRAM: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, exe) = PROGRAM.get_or_init(|| {
        let dir = support::temp_dir();
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/limits.c");
        let exe = build_program(Lang::C, Linkage::Shared, &[source], dir.path(), "limits");
        (dir, exe)
    });
    exe
}

/// Runs one check and returns its output; fails unless it reported no failure.
fn check(name: &str) -> Run {
    let work = support::temp_dir();
    let mut cmd = isolated(limits_program(), work.path());
    cmd.env("WORK_DIR", work.path())
        .env("LOOP_PLUGIN", support::plugin_wasm("hostile-loop"))
        .env("ALLOC_PLUGIN", support::plugin_wasm("hostile-alloc"))
        .env("PANIC_PLUGIN", support::plugin_wasm("hostile-panic"))
        .env("COUNTER_PLUGIN", support::plugin_wasm("counter-plugin"))
        .arg(name);
    let result = run(&mut cmd);
    result.assert_check_passed(name);
    result
}

#[test]
fn a_plugin_that_never_returns_gives_out_of_fuel_in_c() {
    let out = check("out_of_fuel");
    assert!(out.stdout.contains(
        "hostile-loop (call 2): out_of_fuel: plugin hostile_loop ran out of fuel: it used its \
         limit of 1000000 instructions"
    ));
}

#[test]
fn a_plugin_that_allocates_past_its_limit_gives_memory_limit_in_c() {
    let out = check("memory_limit");
    assert!(out.stdout.contains(
        "(call 2): memory_limit: plugin hostile_alloc exceeded its memory limit of 16 MiB"
    ));
}

#[test]
fn a_plugin_that_spins_with_unlimited_fuel_gives_timeout_in_c() {
    let out = check("timeout");
    assert!(out
        .stdout
        .contains("(call 2): timeout: plugin hostile_loop timed out after 300 ms"));
}

#[test]
fn a_plugin_that_panics_gives_plugin_trap_in_c() {
    let out = check("plugin_trap");
    assert!(out.stdout.contains("hostile-panic (call 1): plugin_trap: "));
    assert!(out.stdout.contains("panic messages forwarded: 2"));
}

#[test]
fn one_plugin_handle_serves_calls_from_eight_threads_at_once() {
    let out = check("threads");
    assert!(out
        .stdout
        .contains("threads: 200 calls ok, 0 failed; counts missing 0, repeated 0, beyond 0"));
}
