//! Valgrind memcheck over the C and C++ programs: the C example, the misuse checks,
//! the callback checks and the C++ wrapper's callback ownership must run with no
//! invalid reads or writes, no use of uninitialised memory and no leaks that
//! libconductor is responsible for.
//!
//! Reports that belong to process-wide state of dependencies (wasmtime-wasi's tokio
//! runtime, rayon's compile pool) or to known false positives of optimised safe Rust
//! are suppressed by `tests/valgrind.supp`, which explains each entry.

mod common;
use conductor_test_support as support;

use std::path::Path;
use std::process::Command;

use common::{
    build_program, callbacks_command, callbacks_program, guide_project, isolated, misuse_command,
    misuse_program, repo_root, run, valgrind_suppressions, CallbackPlugins, Lang, Linkage,
    MisusePlugins, Run,
};

/// Valgrind's memcheck options: any error or definite/possible leak fails the run.
fn memcheck_args() -> Vec<String> {
    vec![
        "--error-exitcode=1".into(),
        "--leak-check=full".into(),
        "--errors-for-leak-kinds=definite,possible".into(),
        "--num-callers=50".into(),
        format!("--suppressions={}", valgrind_suppressions().display()),
    ]
}

/// Fails the test unless the run succeeded and valgrind reported no errors.
fn assert_clean(run: &Run, what: &str) {
    run.assert_success(what);
    assert!(
        run.stderr.contains("ERROR SUMMARY: 0 errors"),
        "valgrind found errors in {what}:\n{}",
        run.stderr
    );
}

fn valgrind_command(work: &Path) -> Command {
    let mut cmd = isolated("valgrind", work);
    cmd.args(memcheck_args());
    cmd
}

#[test]
fn c_example_is_clean_under_valgrind() {
    let dir = support::temp_dir();
    let plugin = support::plugin_wasm("my-midi-plugin");
    let config = guide_project(dir.path(), &plugin);
    let source = repo_root().join("examples/c/conductor_example.c");
    let exe = build_program(
        Lang::C,
        Linkage::Shared,
        &[source],
        dir.path(),
        "example-valgrind",
    );
    let result = run(valgrind_command(dir.path())
        .arg(&exe)
        .arg(&config)
        .arg(&plugin));
    assert_clean(&result, "the C example");
    assert!(
        result.stdout.ends_with("done\n"),
        "the example did not finish:\n{}",
        result.stdout
    );
}

#[test]
fn misuse_checks_are_clean_under_valgrind() {
    let plugins = MisusePlugins {
        fail: support::plugin_wasm("fail-plugin"),
        my_midi: support::plugin_wasm("my-midi-plugin"),
        file_logger: support::plugin_wasm("file-logger-plugin"),
    };
    // One folder for all checks, so a module compiled by one check comes from the cache
    // in the next. (Under valgrind the CPU looks different, so modules compiled by a
    // native run would not match.)
    let work = support::temp_dir();
    for check in [
        "null_handles",
        "invalid_utf8",
        "double_shutdown",
        "failing_plugin",
        "config_errors",
        "push_from_thread",
        "capability_approval",
    ] {
        let mut cmd = misuse_command("valgrind", work.path(), &plugins);
        cmd.args(memcheck_args()).arg(misuse_program()).arg(check);
        let result = run(&mut cmd);
        assert_clean(&result, check);
        result.assert_check_passed(check);
    }
}

#[test]
fn callback_checks_are_clean_under_valgrind() {
    let plugins = CallbackPlugins {
        my_midi: support::plugin_wasm("my-midi-plugin"),
        sleep: support::plugin_wasm("sleep-plugin"),
        sdk_midi: support::plugin_wasm("sdk-midi-plugin"),
    };
    // One folder for all checks, so compiled modules come from the cache after the first.
    let work = support::temp_dir();
    for check in [
        "reentrant",
        "plugin_worker_callbacks",
        "shutdown_from_callback",
        "delete_from_callback",
        "slow_delay_beside_fast",
        "slow_plugin_beside_fast",
        "midi_out_timestamps",
        "refused_plugin_calls",
    ] {
        let mut cmd = callbacks_command("valgrind", work.path(), &plugins);
        cmd.args(memcheck_args())
            .arg(callbacks_program())
            .arg(check);
        let result = run(&mut cmd);
        assert_clean(&result, check);
        result.assert_check_passed(check);
    }
}

#[test]
fn cpp_callback_ownership_is_clean_under_valgrind() {
    // tests/cpp/callback_ownership.cpp: the C++ wrapper's callbacks, owned by the
    // library through finalizers, are neither leaked nor used after being freed.
    let dir = support::temp_dir();
    let exe = build_program(
        Lang::Cpp,
        Linkage::Shared,
        &[repo_root().join("conductor-ffi/tests/cpp/callback_ownership.cpp")],
        dir.path(),
        "callback-ownership-valgrind",
    );
    let result = run(valgrind_command(dir.path()).arg(&exe));
    assert_clean(&result, "the C++ callback ownership check");
    assert_eq!(result.stdout, "ok\n");
}
