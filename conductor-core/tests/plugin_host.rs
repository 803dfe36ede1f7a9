//! The plugin host running the guide's plugins and hostile fixtures.

use conductor_test_support as support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use conductor_core::log::{LogRecord, LogSource};
use conductor_core::plugin::{
    Capability, CapabilitySet, Grants, HostConfig, Limits, ModuleSource, Plugin, PluginHost,
    PluginOptions,
};
use conductor_core::{Error, ErrorKind};
use support::{plugin_wasm, wat_module};

/// Captures every log line as (plugin name or "host", text).
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<(String, String)>>>);

impl Captured {
    fn lines(&self) -> Vec<(String, String)> {
        self.0.lock().unwrap().clone()
    }
    fn plugin_lines(&self, plugin: &str) -> Vec<String> {
        self.lines()
            .into_iter()
            .filter(|(p, _)| p == plugin)
            .map(|(_, l)| l)
            .collect()
    }
    fn clear(&self) {
        self.0.lock().unwrap().clear();
    }
}

struct Fixture {
    host: PluginHost,
    log: Captured,
    _dirs: tempfile::TempDir,
    data_root: std::path::PathBuf,
}

fn fixture() -> Fixture {
    let dirs = tempfile::tempdir().unwrap();
    let log = Captured::default();
    let sink = log.clone();
    let data_root = dirs.path().join("plugin-data");
    let host = PluginHost::new(
        HostConfig::default()
            .with_cache_dir(Some(dirs.path().join("cache")))
            .with_data_root(Some(data_root.clone()))
            .with_log_sink(Arc::new(move |r: &LogRecord<'_>| {
                let who = match r.source {
                    LogSource::Host => "host".to_string(),
                    LogSource::PluginStdout(p) | LogSource::PluginStderr(p) => p.to_string(),
                };
                sink.0.lock().unwrap().push((who, r.message.to_string()));
            }))
            .with_trust_store(None),
    )
    .unwrap();
    Fixture {
        host,
        log,
        _dirs: dirs,
        data_root,
    }
}

fn load(f: &Fixture, name: &str, options: PluginOptions) -> Result<Plugin, Error> {
    f.host.load(plugin_wasm(name), options)
}

/// After anything hostile, the same host still loads and runs a good plugin.
fn assert_host_healthy(f: &Fixture) {
    let mut good = load(f, "my-midi-plugin", PluginOptions::default()).expect("good plugin loads");
    good.execute(br#"{"message": "still alive"}"#)
        .expect("good plugin runs");
    assert!(f
        .log
        .plugin_lines("my_midi_plugin")
        .contains(&"Received message: still alive".to_string()));
}

fn ctx(velocity: u8) -> Vec<u8> {
    format!(r#"{{"velocity": {velocity}, "mode": 0, "note": 60}}"#).into_bytes()
}

#[test]
fn guide_first_plugin_prints_the_message_through_the_log_sink() {
    let f = fixture();
    let mut plugin = load(&f, "my-midi-plugin", PluginOptions::default()).unwrap();
    assert_eq!(plugin.name(), "my_midi_plugin");
    plugin
        .execute(br#"{"message": "Hello from MIDI!"}"#)
        .unwrap();
    let lines = f.log.plugin_lines("my_midi_plugin");
    assert_eq!(
        lines,
        vec!["Plugin initialized", "Received message: Hello from MIDI!"]
    );
    // Bad params: the guide's plugin returns 1, which is an error carrying the code.
    let err = plugin.execute(b"not json").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PluginReturned);
    assert_eq!(err.plugin_code(), Some(1));
    drop(plugin);
    let shutdowns = f
        .log
        .plugin_lines("my_midi_plugin")
        .iter()
        .filter(|l| *l == "Plugin shutting down")
        .count();
    assert_eq!(shutdowns, 1, "shutdown runs exactly once on drop");
}

#[test]
fn explicit_shutdown_runs_once_and_later_calls_fail() {
    let f = fixture();
    let mut plugin = load(&f, "my-midi-plugin", PluginOptions::default()).unwrap();
    plugin.shutdown().unwrap();
    plugin.shutdown().unwrap();
    assert!(plugin.execute(br#"{"message": "x"}"#).is_err());
    drop(plugin);
    let count = f
        .log
        .plugin_lines("my_midi_plugin")
        .iter()
        .filter(|l| *l == "Plugin shutting down")
        .count();
    assert_eq!(count, 1);
}

#[test]
fn instance_state_persists_between_calls() {
    let f = fixture();
    let mut plugin = load(&f, "counter-plugin", PluginOptions::default()).unwrap();
    for _ in 0..3 {
        plugin.execute(b"{}").unwrap();
    }
    let lines = f.log.plugin_lines("counter_plugin");
    assert_eq!(lines, vec!["count=1", "count=2", "count=3"]);
}

#[test]
fn file_logger_writes_into_its_sandbox_folder_when_granted() {
    let f = fixture();
    let options = PluginOptions::default().with_grants(Grants::none().with(Capability::Filesystem));
    let mut plugin = load(&f, "file-logger-plugin", options).unwrap();
    plugin
        .execute(br#"{"message": "pad 1 pressed", "level": "info"}"#)
        .unwrap();
    // Its own folder under the data root: `<name>-<hash of its path>`.
    let data_dir = plugin.data_dir().unwrap();
    assert_eq!(data_dir.parent(), Some(f.data_root.as_path()));
    let folder = data_dir.file_name().unwrap().to_str().unwrap();
    assert!(folder.starts_with("file_logger_plugin-"), "{folder}");
    let log_file = data_dir.join("plugin.log");
    let text = std::fs::read_to_string(&log_file).unwrap();
    assert!(text.contains("info: pad 1 pressed"), "{text}");
    assert!(text.starts_with("[20"), "timestamped line: {text}");
}

#[test]
fn file_logger_is_refused_without_the_filesystem_grant() {
    let f = fixture();
    let err = load(&f, "file-logger-plugin", PluginOptions::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CapabilityDenied);
    let msg = err.to_string();
    assert!(msg.contains("Filesystem"), "{msg}");
    assert!(msg.contains("grant"), "{msg}");
    assert_host_healthy(&f);
}

#[test]
fn velocity_plugin_sees_the_trigger_context() {
    let f = fixture();
    let mut plugin = load(&f, "velocity-plugin", PluginOptions::default()).unwrap();
    assert!(plugin.accepts_context());
    for v in [40, 41, 80, 81] {
        plugin
            .execute_with_context(br#"{"action": "pad"}"#, &ctx(v))
            .unwrap();
    }
    assert_eq!(
        f.log.plugin_lines("velocity_plugin"),
        vec![
            "Soft press: pad",
            "Medium press: pad",
            "Medium press: pad",
            "Hard press: pad"
        ]
    );
}

#[test]
fn http_example_loads_with_network_granted_automatically() {
    let f = fixture();
    let mut plugin = load(&f, "http-request-plugin", PluginOptions::default()).unwrap();
    assert_eq!(
        plugin.capabilities(),
        [Capability::Network].into_iter().collect::<CapabilitySet>()
    );
    plugin
        .execute(br#"{"url": "https://example.com/hook", "method": "POST"}"#)
        .unwrap();
    assert!(f
        .log
        .plugin_lines("http_request_plugin")
        .contains(&"Making POST request to https://example.com/hook".to_string()));
}

#[test]
fn capabilities_are_decoded_from_every_supported_return_form() {
    let f = fixture();
    let all = Grants::none().with(Capability::Filesystem);
    let guide = load(
        &f,
        "capabilities-plugin",
        PluginOptions::default().with_grants(all),
    )
    .unwrap();
    let expected: CapabilitySet = [Capability::Network, Capability::Filesystem]
        .into_iter()
        .collect();
    assert_eq!(guide.capabilities(), expected);
    // A NUL-terminated C string and an `i64` packing `ptr << 32 | len`.
    for (name, declared) in [
        (
            "c-style-caps-plugin",
            [Capability::Network, Capability::Midi],
        ),
        (
            "packed-caps-plugin",
            [Capability::Network, Capability::Audio],
        ),
    ] {
        let info = f.host.inspect(plugin_wasm(name)).unwrap();
        let expected: CapabilitySet = declared.into_iter().collect();
        assert_eq!(info.declared, expected, "{name}");
        assert_eq!(info.capabilities, expected, "{name}");
    }
    // Declared but not granted: refused with the missing grant named.
    let err = load(&f, "capabilities-plugin", PluginOptions::default()).unwrap_err();
    assert!(err.to_string().contains("Filesystem"), "{err}");
}

#[test]
fn infinite_loop_runs_out_of_fuel_and_the_host_carries_on() {
    let f = fixture();
    let mut plugin = load(
        &f,
        "hostile-loop",
        PluginOptions::default().with_limits(Limits::default().with_fuel(5_000_000)),
    )
    .unwrap();
    let err = plugin.execute(b"{}").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutOfFuel);
    let msg = err.to_string();
    assert!(
        msg.contains("out of fuel") && msg.contains("5000000"),
        "{msg}"
    );
    // The next call gets a fresh instance and a full tank again.
    let err = plugin.execute(b"{}").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutOfFuel);
    assert_host_healthy(&f);
}

#[test]
fn default_fuel_is_the_guides_hundred_million() {
    let f = fixture();
    let mut plugin = load(&f, "hostile-loop", PluginOptions::default()).unwrap();
    let err = plugin.execute(b"{}").unwrap_err();
    assert!(err.to_string().contains("100000000"), "{err}");
}

#[test]
fn allocating_200_mb_hits_the_memory_limit() {
    let f = fixture();
    let mut plugin = load(&f, "hostile-alloc", PluginOptions::default()).unwrap();
    let err = plugin.execute(b"{}").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::MemoryLimit, "{err}");
    assert!(err.to_string().contains("memory limit"), "{err}");
    assert!(err.to_string().contains("128 MiB"), "{err}");
    assert_host_healthy(&f);
}

#[test]
fn a_panic_is_reported_and_the_next_call_gets_a_fresh_instance() {
    let f = fixture();
    let mut plugin = load(&f, "hostile-panic", PluginOptions::default()).unwrap();
    let err = plugin.execute(b"{}").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PluginTrap, "{err}");
    let stderr = f.log.plugin_lines("hostile_panic").join("\n");
    assert!(
        stderr.contains("panicked"),
        "panic message forwarded: {stderr}"
    );
    let err2 = plugin.execute(b"{}").unwrap_err();
    assert_eq!(err2.kind(), ErrorKind::PluginTrap);
    assert_host_healthy(&f);
}

#[test]
fn filesystem_escapes_are_blocked() {
    let f = fixture();
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.txt");
    std::fs::write(&secret, "TOP SECRET").unwrap();
    let options = PluginOptions::default().with_grants(Grants::none().with(Capability::Filesystem));
    let mut plugin = load(&f, "hostile-escape", options).unwrap();
    let sandbox = plugin.data_dir().unwrap().to_path_buf();
    std::os::unix::fs::symlink(&secret, sandbox.join("link")).unwrap();
    std::os::unix::fs::symlink(outside.path(), sandbox.join("dirlink")).unwrap();
    for path in ["/link", "/dirlink/secret.txt"] {
        let params = format!(r#"{{"path": "{path}"}}"#);
        let result = plugin.execute(params.as_bytes());
        let out = f.log.plugin_lines("hostile_escape").join("\n");
        assert!(!out.contains("ESCAPED"), "{out}");
        assert!(!out.contains("TOP SECRET"), "{out}");
        result.unwrap();
    }
    let out = f.log.plugin_lines("hostile_escape").join("\n");
    assert!(out.contains("BLOCKED: /etc/passwd"), "{out}");
    assert!(out.contains("BLOCKED: ../../../etc/passwd"), "{out}");
    assert_host_healthy(&f);
}

#[test]
fn garbage_capabilities_are_a_load_error_naming_the_export() {
    let f = fixture();
    let err = load(&f, "hostile-bad-caps", PluginOptions::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PluginLoad);
    let msg = err.to_string();
    assert!(msg.contains("`capabilities`"), "{msg}");
    assert!(
        msg.contains("Network, Audio, Midi, Filesystem, Subprocess, SystemControl"),
        "{msg}"
    );
    let err = load(&f, "hostile-unknown-cap", PluginOptions::default()).unwrap_err();
    assert!(err.to_string().contains("\"Teleport\""), "{err}");
    assert_host_healthy(&f);
}

#[test]
fn a_stderr_flood_is_cut_at_the_per_call_limit() {
    let f = fixture();
    let mut plugin = load(&f, "hostile-flood", PluginOptions::default()).unwrap();
    plugin.execute(b"{}").unwrap();
    let lines = f.log.plugin_lines("hostile_flood");
    let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
    assert!(bytes <= 64 * 1024 + 200, "forwarded {bytes} bytes");
    assert!(
        lines.last().unwrap().contains("output truncated"),
        "{:?}",
        lines.last()
    );
    f.log.clear();
    // The budget is per call: the next call is forwarded again.
    plugin.execute(b"{}").unwrap();
    assert!(f.log.plugin_lines("hostile_flood").len() > 10);
    assert_host_healthy(&f);
}

#[test]
fn a_wall_clock_deadline_stops_a_plugin_that_has_fuel_to_spare() {
    let f = fixture();
    let mut plugin = load(
        &f,
        "hostile-sleep",
        PluginOptions::default().with_limits(
            Limits::default()
                .with_fuel(u64::MAX / 2)
                .with_timeout(Duration::from_millis(200)),
        ),
    )
    .unwrap();
    let err = plugin.execute(b"{}").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(err.to_string().contains("timed out"), "{err}");
    assert_host_healthy(&f);
}

#[test]
fn plugins_see_no_environment_arguments_or_stdin() {
    // The host process has variables of its own (cargo sets these for every test run);
    // none of them may reach the plugin.
    for name in ["CARGO_MANIFEST_DIR", "CARGO_PKG_NAME"] {
        assert!(std::env::var_os(name).is_some(), "cargo sets {name}");
    }
    let f = fixture();
    let mut plugin = load(&f, "hostile-env", PluginOptions::default()).unwrap();
    let result = plugin.execute(b"{}");
    let lines = f.log.plugin_lines("hostile_env");
    let out = lines.join("\n");
    assert_eq!(
        lines.first().map(String::as_str),
        Some("env vars: 0"),
        "{out}"
    );
    assert!(!lines.iter().any(|l| l.starts_with("env: ")), "{out}");
    result.unwrap_or_else(|e| panic!("{e}: {out}"));
}

#[test]
fn exit_inside_execute_is_a_trap_not_a_host_exit() {
    let f = fixture();
    let mut plugin = load(&f, "hostile-exit", PluginOptions::default()).unwrap();
    let err = plugin.execute(b"{}").unwrap_err();
    assert!(err.to_string().contains("exit(3)"), "{err}");
    assert_host_healthy(&f);
}

#[test]
fn plugins_that_export_alloc_receive_params_through_it() {
    let f = fixture();
    // Room for the plugin to echo the whole 200 KB payload back.
    let options = PluginOptions::default()
        .with_limits(Limits::default().with_output_bytes_per_call(1024 * 1024));
    let mut plugin = load(&f, "alloc-plugin", options).unwrap();
    let big = format!(r#"{{"message": "{}"}}"#, "x".repeat(200_000));
    let small = r#"{"message": "small"}"#;
    plugin.execute(small.as_bytes()).unwrap();
    plugin.execute(big.as_bytes()).unwrap();
    let lines = f.log.plugin_lines("alloc_plugin");
    // Each call: the host asks `alloc` for exactly the params' length, the plugin finds
    // them inside that block, and `dealloc` frees a live block of that same length.
    let mut expected = Vec::new();
    for params in [small, big.as_str()] {
        expected.push(format!("alloc: {}", params.len()));
        expected.push(format!("params: {params}"));
        expected.push("params from alloc: true".to_string());
        expected.push(format!("dealloc: {}", params.len()));
    }
    assert!(
        lines == expected,
        "expected {:?}\ngot {:?}",
        expected.iter().map(|l| truncated(l)).collect::<Vec<_>>(),
        lines.iter().map(|l| truncated(l)).collect::<Vec<_>>()
    );
}

/// The first 80 characters of `line`, for failure messages about 200 KB lines.
fn truncated(line: &str) -> String {
    line.chars().take(80).collect()
}

#[test]
fn params_larger_than_a_page_reach_a_plugin_without_alloc() {
    let f = fixture();
    let mut plugin = load(&f, "my-midi-plugin", PluginOptions::default()).unwrap();
    let message = "y".repeat(150_000);
    plugin
        .execute(format!(r#"{{"message": "{message}"}}"#).as_bytes())
        .unwrap();
    plugin.execute(br#"{"message": "after"}"#).unwrap();
    let lines = f.log.plugin_lines("my_midi_plugin");
    assert!(lines.contains(&"Received message: after".to_string()));
}

#[test]
fn a_file_that_is_not_wasm_says_what_it_looks_like() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plugin.wasm");
    std::fs::write(&path, "#!/bin/sh\necho hi\n").unwrap();
    let err = f.host.load(&path, PluginOptions::default()).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("not a WebAssembly module"), "{msg}");
    assert!(msg.contains("#!/bin/sh"), "{msg}");
    assert!(msg.contains("wasm32-wasip1"), "{msg}");
    let missing = f
        .host
        .load(dir.path().join("nope.wasm"), PluginOptions::default())
        .unwrap_err();
    assert!(missing.to_string().contains("cargo build"), "{missing}");
    assert_host_healthy(&f);
}

#[test]
fn modules_without_execute_or_with_foreign_imports_are_refused_by_name() {
    let f = fixture();
    let no_exec = r#"(module (memory (export "memory") 1) (func (export "init")))"#;
    let err = f
        .host
        .load_bytes("no-exec", &wat_module(no_exec), PluginOptions::default())
        .unwrap_err();
    assert!(err.to_string().contains("`execute`"), "{err}");

    let foreign = r#"(module
        (import "env" "evil_function" (func))
        (memory (export "memory") 1)
        (func (export "execute") (param i32 i32) (result i32) i32.const 0))"#;
    let err = f
        .host
        .load_bytes("foreign", &wat_module(foreign), PluginOptions::default())
        .unwrap_err();
    assert!(err.to_string().contains("env.evil_function"), "{err}");

    let bad_sig = r#"(module (memory (export "memory") 1)
        (func (export "execute") (param i64) (result i32) i32.const 0))"#;
    let err = f
        .host
        .load_bytes("bad-sig", &wat_module(bad_sig), PluginOptions::default())
        .unwrap_err();
    assert!(
        err.to_string().contains("export `execute` has signature"),
        "{err}"
    );
    assert_host_healthy(&f);
}

#[test]
fn text_modules_are_refused_with_how_to_convert_them() {
    let f = fixture();
    let text = r#"(module (memory (export "memory") 1)
        (func (export "execute") (param i32 i32) (result i32) i32.const 0))"#;
    // The same module assembled loads, so only the format is refused.
    f.host
        .load_bytes("binary", &wat_module(text), PluginOptions::default())
        .unwrap();
    for bytes in [text.to_string(), format!("\n  {text}")] {
        let err = f
            .host
            .load_bytes("text", bytes.as_bytes(), PluginOptions::default())
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PluginLoad, "{err}");
        let msg = err.to_string();
        assert!(msg.contains("WebAssembly text (.wat)"), "{msg}");
        assert!(msg.contains("wasm-tools parse"), "{msg}");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("text.wasm");
    std::fs::write(&path, text).unwrap();
    let err = f.host.load(&path, PluginOptions::default()).unwrap_err();
    assert!(err.to_string().contains("WebAssembly text (.wat)"), "{err}");
    assert_host_healthy(&f);
}

#[test]
fn a_module_without_wasi_imports_still_loads_and_runs() {
    let f = fixture();
    let plain = r#"(module (memory (export "memory") 1)
        (func (export "execute") (param i32 i32) (result i32)
            local.get 1
            i32.const 3
            i32.ne))"#;
    let mut plugin = f
        .host
        .load_bytes("plain", &wat_module(plain), PluginOptions::default())
        .unwrap();
    plugin.execute(b"abc").unwrap();
    assert_eq!(plugin.execute(b"abcd").unwrap_err().plugin_code(), Some(1));
}

#[test]
fn a_second_host_loads_compiled_modules_from_the_disk_cache() {
    let dirs = tempfile::tempdir().unwrap();
    let config = HostConfig::default()
        .with_cache_dir(Some(dirs.path().join("cache")))
        .with_data_root(Some(dirs.path().join("data")));
    let wasm = plugin_wasm("noop-plugin");
    let first = PluginHost::new(config.clone()).unwrap();
    assert_eq!(first.precompile(&wasm).unwrap(), ModuleSource::Compiled);
    assert_eq!(first.precompile(&wasm).unwrap(), ModuleSource::MemoryCache);
    let second = PluginHost::new(config).unwrap();
    assert_eq!(second.precompile(&wasm).unwrap(), ModuleSource::DiskCache);
    let mut plugin = second.load(&wasm, PluginOptions::default()).unwrap();
    plugin.execute(b"{}").unwrap();
}

fn signed_copy(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    use conductor_tools::signing;
    let wasm = dir.join("my_midi_plugin.wasm");
    std::fs::copy(plugin_wasm("my-midi-plugin"), &wasm).unwrap();
    let key = dir.join("my-key");
    signing::generate_key(&key, false).unwrap();
    signing::sign(
        &wasm,
        &key,
        "Your Name",
        "you@example.com",
        CapabilitySet::EMPTY,
    )
    .unwrap();
    (wasm, key)
}

fn host_with_trust(dir: &std::path::Path) -> PluginHost {
    PluginHost::new(
        HostConfig::default()
            .with_cache_dir(None)
            .with_data_root(Some(dir.join("data")))
            .with_log_sink(Arc::new(|_: &LogRecord<'_>| {}))
            .with_trust_store(Some(dir.join("trusted_keys.toml"))),
    )
    .unwrap()
}

#[test]
fn signature_policy_is_enforced_at_load() {
    use conductor_core::plugin::signing::{SignaturePolicy, SignatureStatus};
    use conductor_tools::signing::{PrivateKey, TrustStoreEditor};
    let dir = tempfile::tempdir().unwrap();
    let (wasm, key) = signed_copy(dir.path());
    let host = host_with_trust(dir.path());
    let require = || PluginOptions::default().with_signature_policy(SignaturePolicy::Require);
    // Signed but the key is not trusted: refused under `require`, with the fix.
    let err = host.load(&wasm, require()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Signature);
    assert!(err.to_string().contains("trust add"), "{err}");
    // Loads under the default policy, reporting an untrusted signer.
    let plugin = host.load(&wasm, PluginOptions::default()).unwrap();
    assert!(matches!(
        plugin.signature(),
        SignatureStatus::Signed { trusted: false, .. }
    ));
    drop(plugin);
    // Trusted: loads under `require`.
    let mut trust = TrustStoreEditor::load(dir.path().join("trusted_keys.toml")).unwrap();
    trust
        .add(PrivateKey::load(&key).unwrap().public_key(), "Your Name")
        .unwrap();
    trust.save().unwrap();
    let plugin = host.load(&wasm, require()).unwrap();
    assert!(matches!(
        plugin.signature(),
        SignatureStatus::Signed { trusted: true, .. }
    ));
    drop(plugin);
    // Unsigned: refused under `require`.
    let unsigned = dir.path().join("unsigned.wasm");
    std::fs::copy(plugin_wasm("my-midi-plugin"), &unsigned).unwrap();
    let err = host.load(&unsigned, require()).unwrap_err();
    assert!(err.to_string().contains("unsigned"), "{err}");
}

#[test]
fn a_tampered_signed_plugin_is_refused_under_every_policy() {
    use conductor_core::plugin::signing::SignaturePolicy;
    let dir = tempfile::tempdir().unwrap();
    let (wasm, _key) = signed_copy(dir.path());
    // Append a custom section: still a valid module, but not the signed bytes.
    let mut bytes = std::fs::read(&wasm).unwrap();
    bytes.extend_from_slice(&[0, 4, 3, b'x', b'y', b'z']);
    std::fs::write(&wasm, bytes).unwrap();
    let host = host_with_trust(dir.path());
    for policy in [
        SignaturePolicy::Allow,
        SignaturePolicy::Warn,
        SignaturePolicy::Require,
    ] {
        let err = host
            .load(
                &wasm,
                PluginOptions::default().with_signature_policy(policy),
            )
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Signature, "{policy:?}: {err}");
        assert!(err.to_string().contains("modified after signing"), "{err}");
    }
}
