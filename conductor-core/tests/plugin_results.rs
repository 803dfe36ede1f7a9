//! A plugin gives back: `conductor.output_set` returns bytes to the caller of
//! `execute` / `execute_with_context` (capped by `max_output_bytes`), and in a mapping
//! the engine runs the actions a plugin returns, in order, right after the plugin and
//! before the mapping's next action.

use conductor_test_support as support;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use conductor_core::engine::EngineCallbacks;
use conductor_core::log::LogRecord;
use conductor_core::plugin::{HostConfig, Limits, Plugin, PluginHost, PluginOptions};
use conductor_core::{Engine, EngineOptions, ErrorKind};
use serde_json::{json, Value};

fn host(dir: &Path) -> PluginHost {
    PluginHost::new(
        HostConfig::default()
            .with_cache_dir(None)
            .with_data_root(Some(dir.join("data")))
            .with_log_sink(Arc::new(|_: &LogRecord<'_>| {}))
            .with_trust_store(None),
    )
    .unwrap()
}

fn results_plugin(dir: &Path, options: PluginOptions) -> Plugin {
    host(dir)
        .load(support::plugin_wasm("results-plugin"), options)
        .unwrap()
}

fn call(plugin: &mut Plugin, params: Value) -> conductor_core::Result<Vec<u8>> {
    plugin.invoke(&serde_json::to_vec(&params).unwrap(), None)
}

#[test]
fn a_call_returns_the_bytes_the_plugin_set() {
    let dir = support::temp_dir();
    let mut plugin = results_plugin(dir.path(), PluginOptions::default());
    let out = call(&mut plugin, json!({"op": "echo", "value": {"answer": 42}})).unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&out).unwrap(),
        json!({"answer": 42})
    );
    // With a context too; and a call that sets nothing returns nothing.
    let out = plugin
        .invoke(
            br#"{"op": "echo", "value": "ctx"}"#,
            Some(br#"{"note": 1}"#),
        )
        .unwrap();
    assert_eq!(out, br#""ctx""#);
    assert!(call(
        &mut plugin,
        json!({"op": "var_set", "key": "k", "value": "v"})
    )
    .unwrap()
    .is_empty());
    // `execute` keeps its signature and drops the output.
    plugin.execute(br#"{"op": "echo", "value": 1}"#).unwrap();
}

#[test]
fn an_output_past_max_output_bytes_is_refused_and_the_plugin_keeps_working() {
    let dir = support::temp_dir();
    let mut plugin = results_plugin(
        dir.path(),
        PluginOptions::default().with_limits(Limits::default().with_max_output_bytes(1000)),
    );
    assert_eq!(
        call(&mut plugin, json!({"op": "bytes", "len": 1000}))
            .unwrap()
            .len(),
        1000
    );
    // One byte more: the host refuses it with "too large" (-6), which this plugin
    // returns as its code 6; nothing is returned.
    let err = call(&mut plugin, json!({"op": "bytes", "len": 1001})).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PluginReturned, "{err}");
    assert_eq!(err.plugin_code(), Some(6));
    // A hostile length (far past the cap) is refused before anything is read.
    let err = call(&mut plugin, json!({"op": "bytes", "len": 50_000_000})).unwrap_err();
    assert_eq!(err.plugin_code(), Some(6), "{err}");
    assert_eq!(
        call(&mut plugin, json!({"op": "echo", "value": 7})).unwrap(),
        b"7"
    );
}

#[test]
fn output_caps_past_64_mib_are_refused_at_load_naming_the_limit() {
    let dir = support::temp_dir();
    let err = host(dir.path())
        .load(
            support::plugin_wasm("results-plugin"),
            PluginOptions::default()
                .with_limits(Limits::default().with_max_output_bytes(65 * 1024 * 1024)),
        )
        .unwrap_err();
    assert!(err.to_string().contains("`max_output_bytes`"), "{err}");
}

type Seen = Arc<Mutex<Vec<String>>>;

fn engine(dir: &Path, toml: &str, seen: &Seen) -> Engine {
    let midi = seen.clone();
    let actions = seen.clone();
    Engine::from_toml(
        toml,
        dir,
        EngineOptions::default()
            .with_host_config(
                HostConfig::default()
                    .with_cache_dir(None)
                    .with_data_root(Some(dir.join("data")))
                    .with_log_sink(Arc::new(|_: &LogRecord<'_>| {}))
                    .with_trust_store(None),
            )
            .with_callbacks(
                EngineCallbacks::default()
                    .with_on_midi_out(Some(Arc::new(move |b: &[u8], _| {
                        midi.lock().unwrap().push(format!("midi {b:02X?}"))
                    })))
                    .with_on_action(Some(Arc::new(move |e| {
                        actions
                            .lock()
                            .unwrap()
                            .push(format!("{} {}", e.name, e.data))
                    }))),
            ),
    )
    .unwrap()
}

fn transform_config(mode: &str) -> String {
    format!(
        r#"
[[modes]]
name = "Play"

[[modes.mappings]]
description = "transpose"
trigger = {{ Note = {{ note = 60 }} }}
action = {{ Sequence = [
    {{ SendMidi = {{ bytes = [0xB0, 1, 1] }} }},
    {{ WasmPlugin = {{ path = {path:?}, params = {{ op = "transpose", by = 12{mode} }} }} }},
    {{ SendMidi = {{ bytes = [0xB0, 2, 2] }} }},
] }}

[[modes]]
name = "Edit"
"#,
        path = support::plugin_wasm("results-plugin").display().to_string(),
    )
}

#[test]
fn a_plugin_transforms_midi_its_send_midi_runs_in_order_with_the_mappings_actions() {
    let dir = support::temp_dir();
    let seen = Seen::default();
    let engine = engine(dir.path(), &transform_config(""), &seen);
    let fired = engine.process(&[0x91, 60, 99], 0).unwrap();
    // The returned note (60 + 12 on the trigger's channel, its velocity) comes after
    // the first SendMidi and before the next one.
    assert_eq!(
        *seen.lock().unwrap(),
        vec![
            "midi [B0, 01, 01]",
            "midi [91, 48, 63]",
            "midi [B0, 02, 02]"
        ]
    );
    let outcomes: Vec<_> = fired[0]
        .outcomes
        .iter()
        .map(|o| (o.action.as_str(), o.plugin.as_deref(), o.result.is_ok()))
        .collect();
    assert_eq!(
        outcomes,
        vec![
            ("SendMidi", None, true),
            ("WasmPlugin", Some("results_plugin"), true),
            ("SendMidi", Some("results_plugin"), true),
            ("SendMidi", None, true),
        ]
    );

    // The same through `push`, where the plugin runs on its worker thread.
    seen.lock().unwrap().clear();
    assert!(engine.push(&[0x90, 60, 10], 1));
    assert!(engine.wait_idle(Duration::from_secs(10)).unwrap());
    assert_eq!(
        *seen.lock().unwrap(),
        vec![
            "midi [B0, 01, 01]",
            "midi [90, 48, 0A]",
            "midi [B0, 02, 02]"
        ]
    );
}

#[test]
fn a_plugin_can_switch_modes_and_hand_host_actions_to_the_application() {
    let dir = support::temp_dir();
    let seen = Seen::default();
    let engine = engine(dir.path(), &transform_config(r#", mode = "Edit""#), &seen);
    assert_eq!(engine.mode(), 0);
    let fired = engine.process(&[0x90, 60, 100], 0).unwrap();
    assert!(fired[0].ok(), "{:?}", fired[0].outcomes);
    assert_eq!(engine.mode(), 1);

    let toml = format!(
        r#"
[[modes]]
name = "Play"
[[modes.mappings]]
trigger = {{ Note = {{ note = 60 }} }}
action = {{ WasmPlugin = {{ path = {path:?}, params = {{ op = "config_action", key = "greeting" }}, config = {{ greeting = "hello" }} }} }}
"#,
        path = support::plugin_wasm("results-plugin").display().to_string(),
    );
    let seen = Seen::default();
    let engine = self::engine(dir.path(), &toml, &seen);
    engine.process(&[0x90, 60, 100], 0).unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        vec![r#"ConfigValue {"key":"greeting","value":"hello"}"#]
    );
}

#[test]
fn output_the_engine_cannot_run_fails_the_step_saying_what_is_expected() {
    let dir = support::temp_dir();
    let seen = Seen::default();
    let toml = format!(
        r#"
[[modes]]
name = "Play"
[[modes.mappings]]
trigger = {{ Note = {{ note = 60 }} }}
action = {{ Sequence = [
    {{ WasmPlugin = {{ path = {path:?}, params = {{ op = "raw_output", text = '[{{"Delay": {{"ms": 1}}}}]' }} }} }},
    {{ SendMidi = {{ bytes = [0xB0, 2, 2] }} }},
] }}
"#,
        path = support::plugin_wasm("results-plugin").display().to_string(),
    );
    let engine = engine(dir.path(), &toml, &seen);
    let fired = engine.process(&[0x90, 60, 100], 0).unwrap();
    let err = fired[0].outcomes[0]
        .result
        .as_ref()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Delay cannot be returned") && err.contains("JSON list of actions"),
        "{err}"
    );
    // The mapping goes on, and the engine keeps running.
    assert_eq!(*seen.lock().unwrap(), vec!["midi [B0, 02, 02]"]);
    assert!(engine.process(&[0x90, 60, 100], 1).is_ok());
}
