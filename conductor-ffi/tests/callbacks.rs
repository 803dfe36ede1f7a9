//! The engine's callbacks and execution model through the C API
//! (`tests/c/callbacks.c`): callbacks calling back into their engine on the engine
//! thread and on a plugin's worker, shutting the engine down (or deleting it) from a
//! callback, a slow delay or plugin on one pad beside a fast pad, MIDI-out timestamps
//! and `process` in event time, and refused plugin calls. Each check is one run of the
//! program; it exits non-zero when an expectation fails.

mod common;
use conductor_test_support as support;

use common::{callbacks_command, callbacks_program, run, CallbackPlugins, Run};

/// Runs one check of the callbacks program and returns its output.
fn check(name: &str) -> Run {
    let work = support::temp_dir();
    let plugins = CallbackPlugins {
        my_midi: support::plugin_wasm("my-midi-plugin"),
        sleep: support::plugin_wasm("sleep-plugin"),
        sdk_midi: support::plugin_wasm("sdk-midi-plugin"),
    };
    let result = run(callbacks_command(callbacks_program(), work.path(), &plugins).arg(name));
    result.assert_check_passed(name);
    result
}

#[test]
fn push_path_callbacks_may_call_their_engine() {
    let out = check("reentrant");
    assert!(out.stdout.contains(
        "probes 3 (last: fired callback), inner actions 3, pushed actions 3, pushed fired 3"
    ));
    for callback in ["midi out callback", "action callback", "fired callback"] {
        assert!(
            out.stdout.contains(&format!(
                "{callback}: wait_idle: invalid_argument: invalid argument: wait_idle cannot \
                 be called from a callback"
            )),
            "{callback}:\n{}",
            out.stdout
        );
    }
}

#[test]
fn plugin_callbacks_run_on_the_plugins_worker_and_may_call_the_engine() {
    let out = check("plugin_worker_callbacks");
    assert!(out.stdout.contains("worker probes 1, inner actions 2"));
}

#[test]
fn shutdown_from_a_callback_is_deferred_and_the_engine_stops() {
    let out = check("shutdown_from_callback");
    assert!(out
        .stdout
        .contains("stopped from the callback; threads left: 0"));
}

#[test]
fn delete_from_a_callback_neither_deadlocks_nor_crashes() {
    let out = check("delete_from_callback");
    assert!(out
        .stdout
        .contains("deleted from the callback; threads left: 0"));
}

#[test]
fn a_delay_on_one_pad_does_not_hold_up_another() {
    check("slow_delay_beside_fast");
}

#[test]
fn a_slow_plugin_on_one_pad_does_not_hold_up_another() {
    check("slow_plugin_beside_fast");
}

#[test]
fn midi_out_carries_event_time_and_process_reports_pending_chains() {
    let out = check("midi_out_timestamps");
    assert!(out.stdout.contains("next due: 6000"));
    assert!(out.stdout.contains("midi out: 01 at 1000, 02 at 6000"));
}

#[test]
fn a_full_plugin_mailbox_refuses_and_counts_calls() {
    check("refused_plugin_calls");
}
