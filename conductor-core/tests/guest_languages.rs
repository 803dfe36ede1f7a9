//! Plugins written in other languages than Rust: the C example (built with clang
//! against `bindings/c-plugin/conductor_plugin.h`) and the Zig example (built with the
//! Zig compiler of the `ziglang` Python package), loaded by the host and run, alone and
//! from a config through the engine.

use conductor_test_support as support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};

use conductor_core::engine::EngineCallbacks;
use conductor_core::log::{LogRecord, LogSource};
use conductor_core::plugin::{
    Capability, HostConfig, MidiSink, Plugin, PluginHost, PluginOptions, PluginServices,
};
use conductor_core::{Engine, EngineOptions, Error};
use serde_json::{json, Value};

/// Runs `scripts/<script>` once per test process; panics with its output if it fails.
fn run_build_script(script: &str, once: &'static OnceLock<Result<(), String>>) {
    let built = once.get_or_init(|| {
        let path = support::repo_root().join("scripts").join(script);
        let output = Command::new(&path)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", path.display()))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{} failed ({}):\n--- stdout ---\n{}\n--- stderr ---\n{}",
                path.display(),
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    });
    if let Err(message) = built {
        panic!("{message}");
    }
}

/// The C example plugin `name` (a folder of examples/plugins-c), built once.
fn c_plugin(name: &str) -> PathBuf {
    static BUILD: OnceLock<Result<(), String>> = OnceLock::new();
    run_build_script("build-c-plugins.sh", &BUILD);
    built(
        &support::repo_root().join("examples/plugins-c/target"),
        name,
    )
}

/// The Zig example plugin `name` (a folder of examples/plugins-zig), built once.
fn zig_plugin(name: &str) -> PathBuf {
    static BUILD: OnceLock<Result<(), String>> = OnceLock::new();
    run_build_script("build-zig-plugins.sh", &BUILD);
    built(
        &support::repo_root().join("examples/plugins-zig/target"),
        name,
    )
}

fn built(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(format!("{}.wasm", name.replace('-', "_")));
    assert!(path.is_file(), "{} was not built", path.display());
    path
}

/// Every line plugins logged, as (plugin name, text).
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<(String, String)>>>);

impl Log {
    fn has(&self, plugin: &str, needle: &str) -> bool {
        self.0
            .lock()
            .unwrap()
            .iter()
            .any(|(p, l)| p == plugin && l.contains(needle))
    }

    fn dump(&self) -> String {
        format!("{:#?}", self.0.lock().unwrap())
    }
}

struct Fixture {
    host: PluginHost,
    log: Log,
    dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let dir = support::temp_dir();
    let log = Log::default();
    let lines = log.0.clone();
    let host = PluginHost::new(
        HostConfig::default()
            .with_cache_dir(Some(dir.path().join("cache")))
            .with_data_root(Some(dir.path().join("data")))
            .with_log_sink(Arc::new(move |r: &LogRecord<'_>| {
                if let LogSource::PluginStdout(p) | LogSource::PluginStderr(p) = r.source {
                    lines
                        .lock()
                        .unwrap()
                        .push((p.to_string(), r.message.to_string()));
                }
            }))
            .with_trust_store(None),
    )
    .unwrap();
    Fixture { host, log, dir }
}

type Captured = Arc<Mutex<Vec<Vec<u8>>>>;

fn with_midi_out(captured: &Captured) -> PluginOptions {
    let captured = captured.clone();
    let sink: MidiSink = Arc::new(move |b: &[u8]| captured.lock().unwrap().push(b.to_vec()));
    PluginOptions::default().with_services(PluginServices::default().with_midi_out(Some(sink)))
}

fn bytes(value: Value) -> Vec<u8> {
    serde_json::to_vec(&value).unwrap()
}

fn returned_code(err: &Error) -> i32 {
    match err {
        Error::PluginReturned { code, .. } => *code,
        other => panic!("expected the plugin's own error code, got {other}"),
    }
}

/// The behaviour every velocity example shares, whatever its language: it scales the
/// trigger's velocity into a CC, sends a `value` param as is without a context, names a
/// bad param, and reports a missing MIDI output. `plugin` is its name (the file stem).
fn velocity_example_behaves(f: &Fixture, wasm: &Path, plugin: &str) {
    let captured = Captured::default();
    let mut p: Plugin = f.host.load(wasm, with_midi_out(&captured)).unwrap();
    assert!(p.capabilities().contains(Capability::Midi));

    let params = bytes(json!({"cc": 7, "min": 20, "max": 100}));
    p.execute_with_context(&params, &bytes(json!({"velocity": 127, "channel": 2})))
        .unwrap();
    p.execute_with_context(&params, &bytes(json!({"velocity": 0, "channel": 2})))
        .unwrap();
    // Defaults (CC 1, 0..127) and the params' channel over the trigger's.
    p.execute_with_context(
        &bytes(json!({"channel": 9})),
        &bytes(json!({"velocity": 64, "channel": 2, "note": 60})),
    )
    .unwrap();
    p.execute(&bytes(json!({"cc": 74, "value": 33}))).unwrap();
    assert_eq!(
        *captured.lock().unwrap(),
        vec![
            vec![0xB2, 7, 100],
            vec![0xB2, 7, 20],
            vec![0xB9, 1, 64],
            vec![0xB0, 74, 33]
        ]
    );
    // The instance (and the plugin's static state) lives across calls.
    assert!(
        f.log.has(plugin, "call 4: CC 74 = 33 on channel 1"),
        "{}",
        f.log.dump()
    );

    // A bad param: the plugin's code 2, the reason in the log, nothing sent.
    let err = p
        .execute_with_context(&bytes(json!({"cc": 300})), &bytes(json!({"velocity": 1})))
        .unwrap_err();
    assert_eq!(returned_code(&err), 2, "{err}");
    assert!(
        f.log.has(
            plugin,
            "param `cc` must be a whole number from 0 to 127, got 300"
        ),
        "{}",
        f.log.dump()
    );
    let err = p.execute(&bytes(json!({}))).unwrap_err();
    assert_eq!(returned_code(&err), 2, "{err}");
    assert!(
        f.log.has(plugin, "needs a `value` param"),
        "{}",
        f.log.dump()
    );
    let err = p
        .execute_with_context(&bytes(json!({})), &bytes(json!({"velocity": null})))
        .unwrap_err();
    assert_eq!(returned_code(&err), 2, "{err}");
    assert!(f.log.has(plugin, "the trigger has no velocity"));
    assert_eq!(captured.lock().unwrap().len(), 4);

    // No MIDI output: the host's reason reaches the plugin through the result buffer.
    let mut alone = f.host.load(wasm, PluginOptions::default()).unwrap();
    let err = alone.execute(&bytes(json!({"value": 1}))).unwrap_err();
    assert_eq!(returned_code(&err), 3, "{err}");
    assert!(
        f.log
            .has(plugin, "cannot send CC 1 = 1: no MIDI output is open"),
        "{}",
        f.log.dump()
    );
}

/// A config mapping note 60 to the plugin; a note on channel 4 with velocity 127 must
/// come out of the engine's MIDI output as the scaled CC.
fn velocity_example_runs_in_the_engine(f: &Fixture, wasm: &Path) {
    let config = format!(
        "[[modes]]\nname = \"Default\"\n\n[[modes.mappings]]\ntrigger = {{ Note = {{ note = 60 }} }}\n\
         action = {{ WasmPlugin = {{ path = {:?}, params = {{ cc = 11, min = 0, max = 64 }} }} }}\n",
        wasm.display().to_string()
    );
    let captured = Captured::default();
    let callbacks = EngineCallbacks::default().with_on_midi_out(Some({
        let captured = captured.clone();
        Arc::new(move |b: &[u8], _t: u64| captured.lock().unwrap().push(b.to_vec()))
    }));
    let options = EngineOptions::default()
        .with_host(Some(f.host.clone()))
        .with_callbacks(callbacks);
    let engine = Engine::from_toml(&config, f.dir.path(), options).unwrap();
    let fired = engine.process(&[0x93, 60, 127], 0).unwrap();
    assert!(
        fired[0].outcomes[0].result.is_ok(),
        "{:?}",
        fired[0].outcomes[0].result
    );
    assert_eq!(*captured.lock().unwrap(), vec![vec![0xB3, 11, 64]]);
}

#[test]
fn c_example_scales_velocity_into_a_cc_and_reports_problems() {
    let f = fixture();
    velocity_example_behaves(&f, &c_plugin("velocity-c"), "velocity_c");
}

#[test]
fn c_example_runs_from_a_config_through_the_engine() {
    let f = fixture();
    velocity_example_runs_in_the_engine(&f, &c_plugin("velocity-c"));
}

#[test]
fn zig_example_scales_velocity_into_a_cc_and_reports_problems() {
    let f = fixture();
    velocity_example_behaves(&f, &zig_plugin("velocity-zig"), "velocity_zig");
}

#[test]
fn zig_example_runs_from_a_config_through_the_engine() {
    let f = fixture();
    velocity_example_runs_in_the_engine(&f, &zig_plugin("velocity-zig"));
}

/// A C plugin using the header's `conductor_config_get`, `conductor_var_get`,
/// `conductor_var_set` and `conductor_output_set`: it answers "<greeting> #<n>", where
/// `greeting` comes from its static config and `n` counts calls in a host-kept variable.
const COUNTER_C: &str = r#"
#include "conductor_plugin.h"

CONDUCTOR_EXPORT("execute")
int32_t execute(const char *params, int32_t params_len) {
    (void)params;
    (void)params_len;
    char greeting[64] = "hello";
    if (conductor_config_get("greeting", 8) == 1) conductor_result_copy(greeting, sizeof greeting);
    char count[32] = "0";
    if (conductor_var_get("count", 5) == 1) conductor_result_copy(count, sizeof count);
    long n = strtol(count, NULL, 10) + 1;
    int len = snprintf(count, sizeof count, "%ld", n);
    if (conductor_var_set("count", 5, count, len) < 0) return 4;
    char out[128];
    len = snprintf(out, sizeof out, "%s #%ld", greeting, n);
    return conductor_output_set(out, len) < 0 ? 5 : 0;
}
"#;

#[test]
fn the_c_header_reaches_config_variables_and_the_call_output() {
    let f = fixture();
    let source = f.dir.path().join("counter_c.c");
    std::fs::write(&source, COUNTER_C).unwrap();
    let wasm = f.dir.path().join("counter_c.wasm");
    let output = Command::new(std::env::var("CC").unwrap_or_else(|_| "clang".into()))
        .args(["--target=wasm32-wasi", "-O2", "-Wall", "-Werror"])
        .args(["-nostartfiles", "-Wl,--no-entry", "-I"])
        .arg(support::repo_root().join("bindings/c-plugin"))
        .arg(&source)
        .arg("-o")
        .arg(&wasm)
        .output()
        .expect("clang runs (scripts/setup.sh installs it)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let options = || {
        PluginOptions::default().with_services(
            PluginServices::default()
                .with_config([("greeting".to_string(), "hi".to_string())].into()),
        )
    };
    let mut plugin = f.host.load(&wasm, options()).unwrap();
    assert_eq!(plugin.invoke(b"{}", None).unwrap(), b"hi #1");
    assert_eq!(plugin.invoke(b"{}", None).unwrap(), b"hi #2");
    drop(plugin);
    // Loaded again: the host kept the variable.
    let mut again = f.host.load(&wasm, options()).unwrap();
    assert_eq!(again.invoke(b"{}", None).unwrap(), b"hi #3");
}
