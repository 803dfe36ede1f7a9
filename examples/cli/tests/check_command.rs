//! `conductor check CONFIG` on good and broken configs, and `--grant` from the command
//! line.

mod common;
use conductor_test_support as support;

use common::{config_with, toml_path, Run, Sandbox};

/// A sandbox with the guide's first plugin at `plugins/my_midi_plugin.wasm`.
fn with_guide_plugin() -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.copy(
        &support::plugin_wasm("my-midi-plugin"),
        "plugins/my_midi_plugin.wasm",
    );
    sandbox
}

const GREET: &str =
    r#"{ WasmPlugin = { path = "plugins/my_midi_plugin.wasm", params = { message = "hi" } } }"#;

#[test]
fn good_config_reports_plugins_capabilities_grants_and_signature() {
    let sandbox = with_guide_plugin();
    sandbox.copy(
        &support::plugin_wasm("http-request-plugin"),
        "plugins/http_request_plugin.wasm",
    );
    sandbox.write(
        "config.toml",
        &config_with(&[
            (60, GREET),
            (
                62,
                r#"{ WasmPlugin = { path = "plugins/http_request_plugin.wasm", params = { url = "https://example.com", method = "GET" } } }"#,
            ),
        ]),
    );
    let run = Run::of(sandbox.conductor().args(["check", "config.toml"]));
    run.success().stdout_has(&[
        "config config.toml: OK",
        "1 mode (Default), 2 mappings",
        "2 plugins",
        "  http_request_plugin\n",
        "capabilities: Network\n",
        "granted:      Network (automatic)",
        "  my_midi_plugin\n",
        "capabilities: none\n",
        "granted:      nothing needed",
        "signature:    unsigned",
    ]);
    // Loading ran init, and check shut the plugin down again.
    run.stderr_has(&[
        "[my_midi_plugin] Plugin initialized",
        "[my_midi_plugin] Plugin shutting down",
    ]);
}

#[test]
fn guide_style_json_params_pass_with_a_warning_naming_the_line() {
    let sandbox = with_guide_plugin();
    sandbox.write(
        "config.toml",
        "[[modes]]\nname = \"Default\"\n[[modes.mappings]]\ntrigger = { Note = { note = 60 } }\n\
         action = { WasmPlugin = {\npath = \"plugins/my_midi_plugin.wasm\",\nparams = {\n\
         \"message\": \"Hello from MIDI!\"\n}\n}}\n",
    );
    Run::of(sandbox.conductor().args(["check", "config.toml"]))
        .success()
        .stdout_has(&["1 warning (shown on stderr)"])
        .stderr_has(&["warn: line 8:", "\"message\" = \"Hello from MIDI!\""]);
}

#[test]
fn toml_syntax_error_fails_naming_the_file_and_line() {
    let sandbox = with_guide_plugin();
    // Line 4 has a bare word where a value belongs.
    sandbox.write(
        "config.toml",
        "[[modes]]\nname = \"Default\"\n[[modes.mappings]]\ntrigger = { Note = { note = sixty } }\n\
         action = { WasmPlugin = { path = \"plugins/my_midi_plugin.wasm\" } }\n",
    );
    let run = Run::of(sandbox.conductor().args(["check", "config.toml"]));
    run.failure().stderr_has(&["config.toml:4"]);
    assert!(
        !run.stdout.contains("OK"),
        "a broken config must not be reported OK\n{run}"
    );
    // Nothing was loaded.
    run.stderr_lacks("Plugin initialized");
}

#[test]
fn misspelt_action_fails_with_its_line_and_a_suggestion() {
    let sandbox = with_guide_plugin();
    sandbox.write(
        "config.toml",
        "[[modes]]\nname = \"Default\"\n\n[[modes.mappings]]\ntrigger = { Note = { note = 60 } }\n\
         action = { WasmPlugn = { path = \"plugins/my_midi_plugin.wasm\" } }\n",
    );
    Run::of(sandbox.conductor().args(["check", "config.toml"]))
        .failure()
        .stderr_has(&["config.toml:6", "WasmPlugn", "WasmPlugin"]);
}

#[test]
fn missing_plugin_file_fails_naming_the_plugin_and_the_fix() {
    let sandbox = Sandbox::new();
    sandbox.write("config.toml", &config_with(&[(60, GREET)]));
    Run::of(sandbox.conductor().args(["check", "config.toml"]))
        .failure()
        .stderr_has(&[
            "cannot load plugin my_midi_plugin",
            "plugins/my_midi_plugin.wasm",
            "cargo build --target wasm32-wasip1 --release",
        ]);
}

#[test]
fn risky_capability_needs_a_grant_and_the_command_line_can_give_it() {
    let sandbox = Sandbox::new();
    let wasm = sandbox.copy(
        &support::plugin_wasm("file-logger-plugin"),
        "plugins/file_logger_plugin.wasm",
    );
    let action = format!(
        "{{ WasmPlugin = {{ path = \"{}\", params = {{ message = \"m\", level = \"info\" }} }} }}",
        toml_path(&wasm)
    );
    sandbox.write("config.toml", &config_with(&[(60, &action)]));

    // Not granted: refused, naming the plugin, the capability and how to grant it.
    Run::of(sandbox.conductor().args(["check", "config.toml"]))
        .failure()
        .stderr_has(&["file_logger_plugin", "Filesystem", "--grant"]);

    // A grant for another plugin does not help, and the typo is pointed out.
    Run::of(sandbox.conductor().args([
        "check",
        "config.toml",
        "--grant",
        "file_loger_plugin=Filesystem",
    ]))
    .failure()
    .stderr_has(&["the config uses no plugin called file_loger_plugin"]);

    // Granted to that plugin: loads, and the grant was announced.
    Run::of(sandbox.conductor().args([
        "check",
        "config.toml",
        "--grant",
        "file_logger_plugin=Filesystem",
    ]))
    .success()
    .stdout_has(&[
        "capabilities: Filesystem",
        "granted:      Filesystem (approved)",
    ])
    .stderr_has(&["granting Filesystem (medium risk) to plugin file_logger_plugin"]);

    // Granted to every plugin.
    Run::of(
        sandbox
            .conductor()
            .args(["check", "config.toml", "--grant", "Filesystem"]),
    )
    .success()
    .stderr_has(&["granting Filesystem (medium risk) to every plugin"]);
}

#[test]
fn unknown_capability_in_grant_is_a_usage_error() {
    let sandbox = Sandbox::new();
    sandbox.write("config.toml", &config_with(&[]));
    let run = Run::of(
        sandbox
            .conductor()
            .args(["check", "config.toml", "--grant", "Root"]),
    );
    assert_eq!(run.code, Some(2), "{run}");
    run.stderr_has(&[
        "unknown capability \"Root\"",
        "Filesystem, Subprocess, SystemControl",
    ]);
}

#[test]
fn require_policy_refuses_an_unsigned_plugin() {
    let sandbox = with_guide_plugin();
    sandbox.write("config.toml", &config_with(&[(60, GREET)]));
    Run::of(
        sandbox
            .conductor()
            .args(["check", "config.toml", "--signature-policy", "require"]),
    )
    .failure()
    .stderr_has(&["unsigned", "require"]);
}

#[test]
fn check_shows_which_hosts_a_network_plugin_may_reach() {
    let sandbox = with_guide_plugin();
    sandbox.copy(
        &support::plugin_wasm("http-request-plugin"),
        "plugins/http_request_plugin.wasm",
    );
    let call = |hosts: &str| {
        format!(
            r#"{{ WasmPlugin = {{ path = "plugins/http_request_plugin.wasm", {hosts} params = {{ url = "https://example.com" }} }} }}"#
        )
    };
    sandbox.write("open.toml", &config_with(&[(62, &call(""))]));
    Run::of(sandbox.conductor().args(["check", "open.toml"]))
        .success()
        .stdout_has(&["network:      any public host (no allowed_hosts)\n"]);
    sandbox.write(
        "listed.toml",
        &config_with(&[
            (60, GREET),
            (
                62,
                &call(r#"allowed_hosts = ["api.example.com", "*.example.org"],"#),
            ),
        ]),
    );
    let listed = Run::of(sandbox.conductor().args(["check", "listed.toml"]));
    listed
        .success()
        .stdout_has(&["network:      api.example.com, *.example.org\n"]);
    // The guide's plugin, without Network, shows no network line.
    assert_eq!(listed.stdout.matches("network:").count(), 1, "{listed}");
}
