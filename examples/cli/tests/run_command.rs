//! Running a config: replaying MIDI files, host actions on stdout, `Shell` only with
//! Subprocess granted, failures before listening, and what happens without MIDI ports.

mod common;
use conductor_test_support as support;

use std::io::Write as _;

use common::{config_with, middle_c_mid, note_off, note_on, write_mid, Run, Sandbox};
use serde_json::Value;

/// The JSON objects conductor printed on stdout, one per line.
fn json_lines(run: &Run) -> Vec<Value> {
    run.stdout
        .lines()
        .map(|l| {
            serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("stdout line {l:?} is not JSON: {e}\n{run}"))
        })
        .collect()
}

#[test]
fn host_actions_are_json_lines_on_stdout_with_their_context() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "config.toml",
        &config_with(&[
            (60, r#"{ Keystroke = { keys = "c", modifiers = ["cmd"] } }"#),
            (62, r#"{ Text = { text = "hello" } }"#),
            (
                64,
                r#"{ Host = { name = "ShowPatch", data = { program = 3 } } }"#,
            ),
        ]),
    );
    write_mid(
        &sandbox.join("keys.mid"),
        &[
            (0, note_on(60, 90)),
            (10_000, note_on(62, 20)),
            (20_000, note_on(64, 127)),
            (30_000, note_off(60)),
        ],
    );
    let run = Run::of(sandbox.conductor().args([
        "--config",
        "config.toml",
        "--replay",
        "keys.mid",
        "--fast",
    ]));
    run.success();
    let events = json_lines(&run);
    assert_eq!(events.len(), 3, "one line per host action\n{run}");
    assert_eq!(events[0]["action"], "Keystroke");
    assert_eq!(events[0]["keys"], "c");
    assert_eq!(events[0]["modifiers"][0], "cmd");
    assert_eq!(events[0]["context"]["note"], 60);
    assert_eq!(events[0]["context"]["velocity"], 90);
    assert_eq!(events[0]["context"]["mode_name"], "Default");
    assert_eq!(events[1]["action"], "Text");
    assert_eq!(events[1]["text"], "hello");
    assert_eq!(events[1]["context"]["timestamp_us"], 10_000);
    assert_eq!(events[2]["action"], "ShowPatch");
    assert_eq!(events[2]["program"], 3);
}

#[test]
fn shell_runs_only_with_subprocess_granted() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "config.toml",
        &config_with(&[(
            60,
            r#"{ Shell = { command = "echo ran > shell-ran.txt" } }"#,
        )]),
    );
    middle_c_mid(&sandbox);
    let marker = sandbox.join("shell-ran.txt");

    let run = Run::of(sandbox.conductor().args([
        "--config",
        "config.toml",
        "--replay",
        "demo.mid",
        "--fast",
    ]));
    run.success()
        .stderr_has(&["Shell action not run", "--grant Subprocess"]);
    assert_eq!(
        json_lines(&run)[0]["action"],
        "Shell",
        "still reported\n{run}"
    );
    assert!(!marker.exists(), "the command ran without the grant\n{run}");

    let run = Run::of(sandbox.conductor().args([
        "--config",
        "config.toml",
        "--replay",
        "demo.mid",
        "--fast",
        "--grant",
        "Subprocess",
    ]));
    run.success()
        .stderr_has(&["granting Subprocess (high risk) to every plugin"])
        .stderr_lacks("Shell action not run");
    // conductor waits for the commands it started before it exits.
    let written = std::fs::read_to_string(&marker)
        .unwrap_or_else(|e| panic!("the command did not run ({e})\n{run}"));
    assert_eq!(written.trim(), "ran");
}

#[test]
fn replay_plays_every_note_in_order_and_only_mapped_notes_fire() {
    let sandbox = Sandbox::new();
    sandbox.copy(
        &support::plugin_wasm("counter-plugin"),
        "counter_plugin.wasm",
    );
    sandbox.write(
        "config.toml",
        &config_with(&[(60, r#"{ WasmPlugin = { path = "counter_plugin.wasm" } }"#)]),
    );
    let events: Vec<_> = (0..3u64)
        .flat_map(|i| {
            [
                (i * 20_000, note_on(60, 100)),
                (i * 20_000 + 5_000, note_on(61, 100)),
                (i * 20_000 + 10_000, note_off(60)),
            ]
        })
        .collect();
    write_mid(&sandbox.join("three.mid"), &events);
    let run =
        Run::of(
            sandbox
                .conductor()
                .args(["--config", "config.toml", "--replay", "three.mid"]),
        );
    run.success().stderr_has(&[
        "[counter_plugin] count=1\n",
        "[counter_plugin] count=2\n",
        "[counter_plugin] count=3\n",
        "replay done: 9 messages, 3 mappings fired, 0 actions failed",
    ]);
    run.stderr_lacks("count=4");
}

#[test]
fn failing_action_makes_the_replay_exit_non_zero() {
    let sandbox = Sandbox::new();
    sandbox.copy(&support::plugin_wasm("fail-plugin"), "fail_plugin.wasm");
    sandbox.write(
        "config.toml",
        &config_with(&[(
            60,
            r#"{ WasmPlugin = { path = "fail_plugin.wasm", params = { code = 3 } } }"#,
        )]),
    );
    middle_c_mid(&sandbox);
    Run::of(sandbox.conductor().args([
        "--config",
        "config.toml",
        "--replay",
        "demo.mid",
        "--fast",
    ]))
    .failure()
    .stderr_has(&[
        "plugin fail_plugin returned error code 3",
        "1 action failed during the replay",
    ]);
}

#[test]
fn broken_plugin_fails_before_anything_runs() {
    let sandbox = Sandbox::new();
    sandbox.copy(&support::fixture("not-wasm.wasm"), "broken.wasm");
    sandbox.write(
        "config.toml",
        &config_with(&[(60, r#"{ WasmPlugin = { path = "broken.wasm" } }"#)]),
    );
    middle_c_mid(&sandbox);
    let run =
        Run::of(
            sandbox
                .conductor()
                .args(["--config", "config.toml", "--replay", "demo.mid"]),
        );
    run.failure()
        .stderr_has(&["cannot load plugin broken"])
        .stderr_lacks("replaying");
}

#[test]
fn missing_config_and_missing_midi_file_are_named() {
    let sandbox = Sandbox::new();
    Run::of(
        sandbox
            .conductor()
            .args(["--config", "nope.toml", "--replay", "demo.mid"]),
    )
    .failure()
    .stderr_has(&["nope.toml"]);
    sandbox.write("config.toml", &config_with(&[]));
    Run::of(
        sandbox
            .conductor()
            .args(["--config", "config.toml", "--replay", "nope.mid"]),
    )
    .failure()
    .stderr_has(&["nope.mid"]);
    Run::of(sandbox.conductor().arg("0"))
        .failure()
        .stderr_has(&["no config given", "--config"]);
}

/// This test runs where there is no MIDI input (CI machines, containers): the default
/// build then has no ALSA sequencer or no ports. It checks the port list first, so on a
/// machine with a keyboard plugged in it asks for a port that does not exist instead.
#[test]
fn without_an_input_port_conductor_fails_and_offers_virtual_and_replay() {
    let sandbox = Sandbox::new();
    sandbox.write("config.toml", &config_with(&[]));
    let list = Run::of(sandbox.conductor().arg("--list-ports"));
    let has_inputs = list.code == Some(0)
        && !list
            .stdout
            .contains("none (use --virtual NAME, or --replay FILE.mid)");
    let port = if has_inputs {
        "no-such-port-anywhere"
    } else {
        "0"
    };
    let run = Run::of(sandbox.conductor().args(["--config", "config.toml", port]));
    run.failure();
    // Which branch ran, straight to stderr (past the test harness's capture). CI has no
    // MIDI ports in this build; the other branch is held there by jack_echo.rs.
    let _ = writeln!(
        std::io::stderr(),
        "run_command: {}",
        if has_inputs {
            "MIDI inputs exist: checked the error for a missing port"
        } else {
            "no MIDI inputs: checked the advice to use --virtual or --replay"
        }
    );
    if has_inputs {
        run.stderr_has(&["no MIDI input port name contains \"no-such-port-anywhere\""]);
    } else {
        run.stderr_has(&[
            "no MIDI input to listen on",
            "--virtual NAME",
            "--replay FILE.mid",
        ]);
    }
}

#[test]
fn plugin_system_and_audio_requests_are_json_lines_on_stdout() {
    let sandbox = Sandbox::new();
    let plugin = support::plugin_wasm("sdk-system-plugin");
    sandbox.write(
        "config.toml",
        &format!(
            "[[modes]]\nname = \"Default\"\n[[modes.mappings]]\ntrigger = {{ Note = {{ note = 60 }} }}\n\
             action = {{ WasmPlugin = {{ path = \"{}\", params = {{ system = {{ volume = 0.5 }}, audio = {{ cue = \"click\" }} }} }} }}\n",
            common::toml_path(&plugin)
        ),
    );
    middle_c_mid(&sandbox);
    let replay = ["--config", "config.toml", "--replay", "demo.mid", "--fast"];
    // SystemControl needs explicit approval: refused before anything runs.
    Run::of(sandbox.conductor().args(replay))
        .failure()
        .stderr_has(&["SystemControl"]);

    let run = Run::of(
        sandbox
            .conductor()
            .args(replay)
            .args(["--grant", "SystemControl"]),
    );
    run.success()
        .stderr_has(&["system answer: null", "audio answer: null"]);
    let lines = json_lines(&run);
    assert_eq!(lines.len(), 2, "{run}");
    assert_eq!(lines[0]["request"], "SystemControl");
    assert_eq!(lines[0]["plugin"], "sdk_system_plugin");
    assert_eq!(lines[0]["data"]["volume"], 0.5);
    assert_eq!(lines[1]["request"], "Audio");
    assert_eq!(lines[1]["data"]["cue"], "click");
}

#[test]
fn a_replay_runs_delayed_steps_at_their_time_fast_or_not() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "config.toml",
        &config_with(&[
            (
                60,
                r#"{ Sequence = [{ Host = { name = "a" } }, { Delay = { ms = 500 } }, { Host = { name = "b" } }] }"#,
            ),
            (61, r#"{ Host = { name = "c" } }"#),
        ]),
    );
    // Pad 61 comes while pad 60's chain waits; the file ends before the delay does.
    write_mid(
        &sandbox.join("delay.mid"),
        &[
            (0, note_on(60, 90)),
            (200_000, note_on(61, 90)),
            (300_000, note_off(60)),
        ],
    );
    let order = |fast: bool| {
        let mut args = vec!["--config", "config.toml", "--replay", "delay.mid"];
        if fast {
            args.push("--fast");
        }
        let run = Run::of(sandbox.conductor().args(args));
        run.success();
        run.stderr_has(&["replay done: 3 messages, 2 mappings fired, 0 actions failed"]);
        json_lines(&run)
            .iter()
            .map(|e| e["action"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(order(true), ["a", "c", "b"]);
    assert_eq!(order(false), ["a", "c", "b"]);
}
