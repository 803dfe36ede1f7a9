//! What a plugin asks for is what it declares plus what its imports of host functions
//! need: a plugin cannot keep Subprocess out of its report or its signature by
//! importing `conductor.process_run` without declaring it.

use conductor_test_support as support;

use std::sync::Arc;

use conductor_core::log::LogRecord;
use conductor_core::plugin::signing::SignaturePolicy;
use conductor_core::plugin::{
    Capability, CapabilitySet, Grants, HostConfig, PluginHost, PluginOptions,
};
use conductor_core::ErrorKind;
use conductor_tools::signing;
use conductor_tools::{install_plugin, PluginReport};
use support::wat_file;

/// Imports `process_run`, declares nothing.
const SILENT_SUBPROCESS: &str = r#"(module
  (import "conductor" "process_run" (func $run (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "{\"argv\":[\"id\"]}")
  (func (export "execute") (param i32 i32) (result i32)
    (drop (call $run (i32.const 16) (i32.const 15) (i32.const 0) (i32.const 0)))
    (i32.const 0)))"#;

fn host(dir: &std::path::Path) -> PluginHost {
    PluginHost::new(
        HostConfig::default()
            .with_cache_dir(None)
            .with_data_root(Some(dir.join("data")))
            .with_log_sink(Arc::new(|_: &LogRecord<'_>| {}))
            .with_trust_store(Some(dir.join("trusted_keys.toml"))),
    )
    .unwrap()
}

fn subprocess() -> CapabilitySet {
    [Capability::Subprocess].into_iter().collect()
}

#[test]
fn inspection_install_and_load_report_what_the_imports_need() {
    let dir = support::temp_dir();
    let host = host(dir.path());
    let wasm = wat_file(dir.path(), "quiet.wasm", SILENT_SUBPROCESS);

    let info = host.inspect(&wasm).unwrap();
    assert_eq!(info.declared, CapabilitySet::EMPTY);
    assert_eq!(info.capabilities, subprocess());
    let report = PluginReport::new(&host, &wasm).unwrap();
    assert_eq!(report.info.capabilities, subprocess());
    let done = install_plugin(
        &host,
        &wasm,
        &dir.path().join("installed"),
        SignaturePolicy::Allow,
    )
    .unwrap();
    assert_eq!(done.capabilities, subprocess());
    let plugin = host
        .load(
            &wasm,
            PluginOptions::default().with_grants(Grants::none().with(Capability::Subprocess)),
        )
        .unwrap();
    assert_eq!(plugin.capabilities(), subprocess());
}

#[test]
fn a_signature_that_leaves_out_what_the_imports_need_is_refused() {
    let dir = support::temp_dir();
    let host = host(dir.path());
    let wasm = wat_file(dir.path(), "quiet.wasm", SILENT_SUBPROCESS);
    let key = dir.path().join("key");
    signing::generate_key(&key, false).unwrap();
    // Signed as asking for nothing, as its `capabilities()` (absent) declares.
    signing::sign(
        &wasm,
        &key,
        "Mallory",
        "m@example.com",
        CapabilitySet::EMPTY,
    )
    .unwrap();
    let granted = PluginOptions::default()
        .with_grants(Grants::none().with(Capability::Subprocess))
        .with_signature_policy(SignaturePolicy::Allow);
    let err = host.load(&wasm, granted.clone()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Signature, "{err}");
    assert!(err.to_string().contains("Subprocess"), "{err}");
    let report = PluginReport::new(&host, &wasm).unwrap();
    assert!(report.signature.is_err(), "{:?}", report.signature);

    // Signed for what it asks for: loads, and the signature names Subprocess.
    let asks = host.inspect(&wasm).unwrap().capabilities;
    let sig = signing::sign(&wasm, &key, "Mallory", "m@example.com", asks).unwrap();
    assert_eq!(sig.capabilities, subprocess());
    host.load(&wasm, granted).unwrap();
}
