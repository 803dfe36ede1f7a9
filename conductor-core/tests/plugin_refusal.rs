//! A plugin that is refused never runs, and is not even compiled when its bytes are
//! enough to refuse it; `capabilities()` is read in a sealed instance.

use conductor_test_support as support;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use conductor_core::log::LogRecord;
use conductor_core::plugin::signing::SignaturePolicy;
use conductor_core::plugin::{CapabilitySet, Grants, HostConfig, PluginHost, PluginOptions};
use conductor_core::ErrorKind;
use conductor_tools::signing;
use conductor_tools::{install_plugin, PluginReport};
use support::{wat_file, wat_module};

/// Every log line, plugin output included.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<String>>>);

impl Captured {
    fn all(&self) -> String {
        self.0.lock().unwrap().join("\n")
    }
}

struct Setup {
    dir: tempfile::TempDir,
    host: PluginHost,
    log: Captured,
}

impl Setup {
    fn new() -> Self {
        let dir = support::temp_dir();
        let log = Captured::default();
        let sink = log.clone();
        let host = PluginHost::new(
            HostConfig::default()
                .with_cache_dir(Some(dir.path().join("cache")))
                .with_data_root(Some(dir.path().join("data")))
                .with_log_sink(Arc::new(move |r: &LogRecord<'_>| {
                    sink.0.lock().unwrap().push(r.message.to_string());
                }))
                .with_trust_store(Some(dir.path().join("trusted_keys.toml"))),
        )
        .unwrap();
        Setup { dir, host, log }
    }

    /// Compiled modules written to the disk cache so far.
    fn cache_entries(&self) -> usize {
        match std::fs::read_dir(self.dir.path().join("cache")) {
            Ok(entries) => entries
                .filter(|e| {
                    e.as_ref()
                        .unwrap()
                        .file_name()
                        .to_string_lossy()
                        .ends_with(".cwasm")
                })
                .count(),
            Err(_) => 0,
        }
    }

    fn data_files(&self) -> usize {
        walk(&self.dir.path().join("data"))
    }

    fn sign(&self, wasm: &Path, caps: CapabilitySet) {
        let key = self.dir.path().join("key");
        if !key.exists() {
            signing::generate_key(&key, false).unwrap();
        }
        signing::sign(wasm, &key, "Mallory", "m@example.com", caps).unwrap();
    }
}

fn walk(dir: &Path) -> usize {
    match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|e| {
                let e = e.unwrap();
                if e.file_type().unwrap().is_dir() {
                    walk(&e.path())
                } else {
                    1
                }
            })
            .sum(),
        Err(_) => 0,
    }
}

/// A plugin whose start function and `capabilities()` both print through WASI and try
/// to create a file in their data folder.
const NOISY: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "LEAKED-FROM-GUEST\n")
  (data (i32.const 64) "stolen.txt")
  (data (i32.const 128) "[\"Filesystem\"]\00")
  (func $noise
    ;; iovec at 0: ptr 16, len 18
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 18))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    ;; fd 3 is the preopened data folder: O_CREAT
    (drop (call $path_open (i32.const 3) (i32.const 0) (i32.const 64) (i32.const 10)
      (i32.const 1) (i64.const 0x40) (i64.const 0x40) (i32.const 0) (i32.const 8))))
  (func $start (call $noise))
  (start $start)
  (func (export "capabilities") (result i32) (call $noise) (i32.const 128))
  (func (export "execute") (param i32 i32) (result i32) (i32.const 0)))"#;

/// `NOISY` without a start function: only `capabilities()` reaches out.
fn noisy_capabilities_only() -> String {
    NOISY.replace("(start $start)", "")
}

fn fs_options(policy: SignaturePolicy) -> PluginOptions {
    PluginOptions::default()
        .with_grants(Grants::none().with(conductor_core::plugin::Capability::Filesystem))
        .with_signature_policy(policy)
}

#[test]
fn an_unsigned_plugin_under_require_is_refused_before_any_of_it_runs_or_compiles() {
    let s = Setup::new();
    let wasm = wat_file(s.dir.path(), "noisy.wasm", NOISY);
    let err = s
        .host
        .load(&wasm, fs_options(SignaturePolicy::Require))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Signature, "{err}");
    assert!(!s.log.all().contains("LEAKED"), "{}", s.log.all());
    assert_eq!(s.data_files(), 0, "the plugin wrote into its data folder");
    assert_eq!(
        s.cache_entries(),
        0,
        "the plugin was compiled before refusal"
    );
}

#[test]
fn a_plugin_changed_after_signing_is_refused_without_compiling_under_every_policy() {
    let s = Setup::new();
    let wasm = wat_file(
        s.dir.path(),
        "swapped.wasm",
        r#"(module (memory (export "memory") 1)
             (func (export "execute") (param i32 i32) (result i32) (i32.const 0)))"#,
    );
    s.sign(&wasm, CapabilitySet::EMPTY);
    // Swapped for a hostile module after signing.
    std::fs::write(&wasm, wat_module(NOISY)).unwrap();
    for policy in [
        SignaturePolicy::Allow,
        SignaturePolicy::Warn,
        SignaturePolicy::Require,
    ] {
        let err = s.host.load(&wasm, fs_options(policy)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Signature, "{policy}: {err}");
    }
    // `conductor plugin info` and `plugin install` judge the bytes first too.
    let report = PluginReport::new(&s.host, &wasm).unwrap();
    assert!(report.signature.is_err());
    assert!(report.info.exports.is_empty(), "it was compiled");
    let dest = s.dir.path().join("installed");
    let err = install_plugin(&s.host, &wasm, &dest, SignaturePolicy::Allow).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Signature, "{err}");

    assert!(!s.log.all().contains("LEAKED"), "{}", s.log.all());
    assert_eq!(s.data_files(), 0);
    assert_eq!(s.cache_entries(), 0, "a refused module was compiled");
}

#[test]
fn a_huge_module_with_a_bad_signature_is_refused_at_once() {
    let s = Setup::new();
    let wasm = wat_file(
        s.dir.path(),
        "huge.wasm",
        r#"(module (memory (export "memory") 1)
             (func (export "execute") (param i32 i32) (result i32) (i32.const 0)))"#,
    );
    s.sign(&wasm, CapabilitySet::EMPTY);
    let mut text = String::from(
        "(module (memory (export \"memory\") 1)
           (func (export \"execute\") (param i32 i32) (result i32) (i32.const 0))",
    );
    for i in 0..20_000 {
        text.push_str(&format!(
            "(func (export \"f{i}\") (result i32) (i32.add (i32.const {i}) (i32.const 1)))"
        ));
    }
    text.push(')');
    std::fs::write(&wasm, wat_module(&text)).unwrap();
    let started = std::time::Instant::now();
    let err = s.host.load(&wasm, PluginOptions::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Signature, "{err}");
    assert_eq!(
        s.cache_entries(),
        0,
        "the module was compiled before the refusal"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn capabilities_are_read_in_a_sealed_instance() {
    let s = Setup::new();
    for (file, text) in [
        ("noisy.wasm", NOISY.to_string()),
        ("noisy_caps.wasm", noisy_capabilities_only()),
    ] {
        let wasm = wat_file(s.dir.path(), file, &text);
        // Inspection (plugin info, conductor-sign) and a load with every grant: the
        // probe's imports trap, so nothing is printed and no file is created.
        let err = s.host.inspect(&wasm).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PluginLoad, "{err}");
        assert!(err.to_string().contains("sealed"), "{err}");
        let err = s
            .host
            .load(&wasm, fs_options(SignaturePolicy::Allow))
            .unwrap_err();
        assert!(err.to_string().contains("capabilities"), "{err}");
    }
    assert!(!s.log.all().contains("LEAKED"), "{}", s.log.all());
    assert_eq!(s.data_files(), 0, "the probe wrote into a data folder");
}

#[test]
fn a_capabilities_export_that_spins_is_stopped_by_the_probes_fuel() {
    let s = Setup::new();
    let wasm = wat_file(
        s.dir.path(),
        "spin.wasm",
        r#"(module (memory (export "memory") 1)
             (func (export "capabilities") (result i32) (loop (br 0)) (i32.const 0))
             (func (export "execute") (param i32 i32) (result i32) (i32.const 0)))"#,
    );
    let started = std::time::Instant::now();
    let err = s.host.inspect(&wasm).unwrap_err();
    assert!(err.to_string().contains("out of fuel"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}

#[test]
fn a_well_behaved_plugin_still_declares_and_loads() {
    let s = Setup::new();
    let wasm: PathBuf = wat_file(
        s.dir.path(),
        "good.wasm",
        r#"(module (memory (export "memory") 1)
             (data (i32.const 128) "[\"Filesystem\"]\00")
             (func (export "capabilities") (result i32) (i32.const 128))
             (func (export "execute") (param i32 i32) (result i32) (i32.const 0)))"#,
    );
    s.sign(
        &wasm,
        [conductor_core::plugin::Capability::Filesystem]
            .into_iter()
            .collect(),
    );
    let plugin = s
        .host
        .load(&wasm, fs_options(SignaturePolicy::Warn))
        .unwrap();
    assert_eq!(plugin.capabilities().to_string(), "Filesystem");
    assert_eq!(s.cache_entries(), 1);
}
