//! Variables the host keeps for a plugin (`conductor.var_get` / `var_set`): they
//! survive a trap (the instance is replaced), a reload and a restart, because they are
//! saved under the data root after every change; each plugin has its own namespace;
//! `max_var_bytes` caps them; keys are never paths. And static configuration
//! (`conductor.config_get`) from the Rust options and from the config file.

use conductor_test_support as support;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use conductor_core::config::Config;
use conductor_core::engine::EngineCallbacks;
use conductor_core::log::LogRecord;
use conductor_core::plugin::{
    HostConfig, Limits, Plugin, PluginHost, PluginOptions, PluginServices,
};
use conductor_core::{Engine, EngineOptions, ErrorKind};
use serde_json::{json, Value};

fn host(root: Option<PathBuf>) -> PluginHost {
    PluginHost::new(
        HostConfig::default()
            .with_cache_dir(None)
            .with_data_root(root)
            .with_log_sink(Arc::new(|_: &LogRecord<'_>| {}))
            .with_trust_store(None),
    )
    .unwrap()
}

fn load(root: &Path, wasm: &Path, options: PluginOptions) -> Plugin {
    host(Some(root.to_path_buf())).load(wasm, options).unwrap()
}

fn call(plugin: &mut Plugin, params: Value) -> conductor_core::Result<Value> {
    let out = plugin.invoke(&serde_json::to_vec(&params).unwrap(), None)?;
    Ok(if out.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&out).unwrap()
    })
}

fn code(result: conductor_core::Result<Value>) -> Option<i32> {
    result.unwrap_err().plugin_code()
}

#[test]
fn a_trap_between_two_calls_keeps_the_variables() {
    let dir = support::temp_dir();
    let wasm = support::plugin_wasm("results-plugin");
    let mut plugin = load(dir.path(), &wasm, PluginOptions::default());
    assert_eq!(call(&mut plugin, json!({"op": "count"})).unwrap(), 1);
    let err = call(&mut plugin, json!({"op": "trap"})).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PluginTrap, "{err}");
    // A fresh instance (its `static`s are gone) reads what the host kept.
    assert_eq!(call(&mut plugin, json!({"op": "count"})).unwrap(), 2);
    let file = plugin.vars_file().unwrap().to_path_buf();
    assert!(
        file.starts_with(dir.path().join(".vars")),
        "{}",
        file.display()
    );
}

#[test]
fn a_new_host_reads_the_variables_as_after_a_restart() {
    let dir = support::temp_dir();
    let wasm = support::plugin_wasm("results-plugin");
    {
        let mut plugin = load(dir.path(), &wasm, PluginOptions::default());
        call(
            &mut plugin,
            json!({"op": "var_set", "key": "greeting", "value": "hi"}),
        )
        .unwrap();
    }
    let mut plugin = load(dir.path(), &wasm, PluginOptions::default());
    assert_eq!(
        call(&mut plugin, json!({"op": "var_get", "key": "greeting"})).unwrap(),
        json!({"value": "hi"})
    );
    // An empty value removes the variable, on disk too.
    call(
        &mut plugin,
        json!({"op": "var_set", "key": "greeting", "value": ""}),
    )
    .unwrap();
    drop(plugin);
    let mut plugin = load(dir.path(), &wasm, PluginOptions::default());
    assert_eq!(
        call(&mut plugin, json!({"op": "var_get", "key": "greeting"})).unwrap(),
        json!({"value": null})
    );
}

fn count_config(wasm: &Path, timeout_ms: u64) -> String {
    format!(
        r#"
[[modes]]
name = "Play"
[[modes.mappings]]
trigger = {{ Note = {{ note = 60 }} }}
action = {{ WasmPlugin = {{ path = {path:?}, params = {{ op = "count_action" }}, timeout_ms = {timeout_ms} }} }}
"#,
        path = wasm.display().to_string()
    )
}

fn engine(dir: &Path, toml: &str, seen: &Arc<Mutex<Vec<Value>>>) -> Engine {
    let seen = seen.clone();
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
                EngineCallbacks::default().with_on_action(Some(Arc::new(move |e| {
                    seen.lock().unwrap().push(e.data.clone())
                }))),
            ),
    )
    .unwrap()
}

#[test]
fn a_reload_and_a_restart_keep_the_variables() {
    let dir = support::temp_dir();
    let wasm = support::plugin_wasm("results-plugin");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let engine = engine(dir.path(), &count_config(&wasm, 1000), &seen);
    engine.process(&[0x90, 60, 100], 0).unwrap();
    // Another timeout loads the plugin afresh: a new instance, `init` again.
    engine
        .reload(Config::from_toml_str(&count_config(&wasm, 2000), dir.path()).unwrap())
        .unwrap();
    engine.process(&[0x90, 60, 100], 1).unwrap();
    engine.shutdown().unwrap();
    drop(engine);
    let engine = self::engine(dir.path(), &count_config(&wasm, 2000), &seen);
    engine.process(&[0x90, 60, 100], 0).unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        vec![
            json!({"value": 1}),
            json!({"value": 2}),
            json!({"value": 3})
        ]
    );
}

#[test]
fn each_plugin_has_its_own_variables() {
    let dir = support::temp_dir();
    let wasm = support::plugin_wasm("results-plugin");
    let copy = support::write_file(dir.path(), "other.wasm", &std::fs::read(&wasm).unwrap());
    let mut first = load(dir.path(), &wasm, PluginOptions::default());
    let mut second = load(dir.path(), &copy, PluginOptions::default());
    call(
        &mut first,
        json!({"op": "var_set", "key": "owner", "value": "first"}),
    )
    .unwrap();
    assert_eq!(
        call(&mut second, json!({"op": "var_get", "key": "owner"})).unwrap(),
        json!({"value": null})
    );
    assert_ne!(first.vars_file(), second.vars_file());
}

#[test]
fn variables_past_max_var_bytes_are_refused_and_the_host_stays_up() {
    let dir = support::temp_dir();
    let wasm = support::plugin_wasm("results-plugin");
    let options = PluginOptions::default().with_limits(Limits::default().with_max_var_bytes(100));
    let mut plugin = load(dir.path(), &wasm, options);
    call(&mut plugin, json!({"op": "var_set", "key": "a", "len": 60})).unwrap();
    // 60 + 1 bytes so far; 2 + 40 more would pass 100: "too large" (-6), code 6 here.
    assert_eq!(
        code(call(
            &mut plugin,
            json!({"op": "var_set", "key": "bb", "len": 40})
        )),
        Some(6)
    );
    // A hostile length is refused before anything is read.
    assert_eq!(
        code(call(
            &mut plugin,
            json!({"op": "var_set", "key": "c", "len": 10_000_000})
        )),
        Some(6)
    );
    // Replacing a value by a smaller one, and what fits, still works.
    call(&mut plugin, json!({"op": "var_set", "key": "a", "len": 10})).unwrap();
    call(
        &mut plugin,
        json!({"op": "var_set", "key": "bb", "len": 40}),
    )
    .unwrap();
    assert_eq!(
        call(&mut plugin, json!({"op": "var_get", "key": "a"})).unwrap(),
        json!({"value": "vvvvvvvvvv"})
    );
    let saved = std::fs::read_to_string(plugin.vars_file().unwrap()).unwrap();
    assert!(!saved.contains("\"c\""), "{saved}");
}

#[test]
fn a_key_is_never_a_path() {
    let dir = support::temp_dir();
    let root = dir.path().join("data");
    let wasm = support::plugin_wasm("results-plugin");
    let mut plugin = load(&root, &wasm, PluginOptions::default());
    for key in ["../../escape", "/etc/passwd", "..", "a/../../b", "C:\\x"] {
        call(
            &mut plugin,
            json!({"op": "var_set", "key": key, "value": "x"}),
        )
        .unwrap();
        assert_eq!(
            call(&mut plugin, json!({"op": "var_get", "key": key})).unwrap(),
            json!({"value": "x"})
        );
    }
    // The only file written is the plugin's variables file.
    let mut files = Vec::new();
    let mut stack = vec![dir.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    assert_eq!(files, vec![plugin.vars_file().unwrap().to_path_buf()]);
    // Empty and over-long keys are refused: "invalid" (2) and "too large" (6).
    assert_eq!(
        code(call(
            &mut plugin,
            json!({"op": "var_set", "key": "", "value": "x"})
        )),
        Some(2)
    );
    let long = "k".repeat(257);
    assert_eq!(
        code(call(
            &mut plugin,
            json!({"op": "var_set", "key": long, "value": "x"})
        )),
        Some(6)
    );
}

#[test]
fn a_damaged_variables_file_is_reported_and_left_alone() {
    let dir = support::temp_dir();
    let wasm = support::plugin_wasm("results-plugin");
    let mut plugin = load(dir.path(), &wasm, PluginOptions::default());
    let file = plugin.vars_file().unwrap().to_path_buf();
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, b"not json").unwrap();
    // "io" (-5): the plugin returns 5.
    assert_eq!(code(call(&mut plugin, json!({"op": "count"}))), Some(5));
    assert_eq!(std::fs::read(&file).unwrap(), b"not json");
    // Without a data root there is nowhere to keep them: "unavailable" (-7).
    let mut rootless = host(None).load(&wasm, PluginOptions::default()).unwrap();
    assert_eq!(code(call(&mut rootless, json!({"op": "count"}))), Some(7));
}

#[test]
fn a_plugin_reads_the_config_given_in_the_rust_options() {
    let dir = support::temp_dir();
    let wasm = support::plugin_wasm("results-plugin");
    let options = PluginOptions::default().with_services(
        PluginServices::default()
            .with_config([("api_key".to_string(), "s3cret".to_string())].into()),
    );
    let mut plugin = load(dir.path(), &wasm, options);
    assert_eq!(
        call(&mut plugin, json!({"op": "config", "key": "api_key"})).unwrap(),
        json!({"value": "s3cret"})
    );
    assert_eq!(
        call(&mut plugin, json!({"op": "config", "key": "missing"})).unwrap(),
        json!({"value": null})
    );
}

#[test]
fn a_plugin_reads_the_config_table_of_its_settings_in_the_config_file() {
    let dir = support::temp_dir();
    let wasm = support::plugin_wasm("results-plugin");
    let path = format!("{:?}", wasm.display().to_string());
    let toml = format!(
        r#"
[plugins.settings.{path}]
config = {{ greeting = "hello", api_key = "from settings" }}

[[modes]]
name = "Play"
[[modes.mappings]]
trigger = {{ Note = {{ note = 60 }} }}
action = {{ WasmPlugin = {{ path = {path}, params = {{ op = "config_action", key = "greeting" }} }} }}
[[modes.mappings]]
trigger = {{ Note = {{ note = 61 }} }}
action = {{ WasmPlugin = {{ path = {path}, params = {{ op = "config_action", key = "api_key" }}, config = {{ api_key = "inline" }} }} }}
"#
    );
    let seen = Arc::new(Mutex::new(Vec::new()));
    let engine = engine(dir.path(), &toml, &seen);
    engine.process(&[0x90, 60, 100], 0).unwrap();
    engine.process(&[0x90, 61, 100], 1).unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        vec![
            json!({"key": "greeting", "value": "hello"}),
            json!({"key": "api_key", "value": "inline"})
        ]
    );
}

#[test]
fn config_values_that_are_not_strings_are_refused_saying_how_to_write_them() {
    let dir = support::temp_dir();
    let err = Config::from_toml_str(
        r#"
[plugins.settings."x.wasm"]
config = { port = 8080 }
"#,
        dir.path(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("`config.port` must be a string") && err.contains("quote it"),
        "{err}"
    );
    let err = Config::from_toml_str("[plugins]\nmax_var_bytes = \"1 GiB\"\n", dir.path())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`max_var_bytes`") && err.contains("64 MiB"),
        "{err}"
    );
}
