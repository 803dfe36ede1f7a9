//! The C API used wrongly, from C (`tests/c/misuse.c`): NULL handles, invalid UTF-8,
//! double shutdown, a failing plugin, configs with errors, `push` from a second thread
//! while the engine runs, and capability approval. Each check is one run of the
//! program; it exits non-zero when an expectation fails.

mod common;
use conductor_test_support as support;

use common::{misuse_command, misuse_program, run, MisusePlugins, Run};

/// Runs one check of the misuse program and returns its output.
fn check(name: &str) -> Run {
    let work = support::temp_dir();
    let plugins = MisusePlugins {
        fail: support::plugin_wasm("fail-plugin"),
        my_midi: support::plugin_wasm("my-midi-plugin"),
        file_logger: support::plugin_wasm("file-logger-plugin"),
    };
    let result = run(misuse_command(misuse_program(), work.path(), &plugins).arg(name));
    result.assert_check_passed(name);
    result
}

#[test]
fn null_handles_and_null_pointers_return_errors() {
    let out = check("null_handles");
    assert!(out
        .stdout
        .contains("process(NULL): invalid_argument: invalid argument: engine is NULL"));
}

#[test]
fn invalid_utf8_is_refused_with_the_offset() {
    check("invalid_utf8");
}

#[test]
fn shutting_down_twice_is_harmless_and_later_calls_fail() {
    check("double_shutdown");
}

#[test]
fn a_failing_plugin_reports_its_code_and_the_engine_goes_on() {
    let out = check("failing_plugin");
    assert!(out
        .stdout
        .contains("outcome error: plugin fail_plugin returned error code 7"));
}

#[test]
fn config_errors_reach_the_caller_with_file_and_line() {
    let out = check("config_errors");
    let typo = out
        .stdout
        .lines()
        .find(|l| l.starts_with("typo in a trigger: config: "))
        .expect("the typo was reported");
    assert!(
        typo.contains("line 4") || typo.contains(":4:"),
        "no line number in {typo}"
    );
}

#[test]
fn push_from_a_second_thread_while_the_engine_runs() {
    check("push_from_thread");
}

#[test]
fn capability_approval_callback_decides_ungranted_capabilities() {
    let out = check("capability_approval");
    assert!(out
        .stdout
        .contains("approval asked for file_logger_plugin: Filesystem"));
}

#[test]
fn config_errors_expose_file_line_column_and_plugin() {
    let out = check("config_errors");
    assert!(
        out.stdout.contains("typo location: line 4, column "),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("broken.toml:4\n"), "{}", out.stdout);
}

#[test]
fn limits_out_of_range_are_refused_naming_the_limit() {
    let out = check("limits");
    assert!(out.stdout.contains(
        "load with fuel 0: invalid_argument: invalid argument: plugin limit `fuel` is 0"
    ));
}

#[test]
fn a_grant_for_a_plugin_the_config_does_not_use_is_warned_about() {
    let out = check("unused_grant");
    assert!(out
        .stdout
        .contains("warning: a grant names plugin my_midi_plugn"));
}

#[test]
fn a_callback_finalizer_runs_once_when_nothing_uses_its_user_data() {
    let out = check("finalizers");
    assert!(out
        .stdout
        .contains("finalized: first 1, second 1, unused 1"));
}

#[test]
fn open_input_reports_a_missing_port_as_a_midi_error() {
    let out = check("open_input");
    assert!(
        out.stdout.contains("open_input(no such port): midi: "),
        "{}",
        out.stdout
    );
}
