//! Plugin host costs: load (cold compile vs cache hit) and calls into a no-op plugin.
//!
//! Run: `cargo bench -p conductor-midi-core --bench plugin_host` (builds the example plugins
//! first if needed).
// criterion's macros generate the undocumented `benches` and `main`.
#![allow(missing_docs)]

use std::path::PathBuf;
use std::sync::Arc;

use conductor_core::log::LogRecord;
use conductor_core::plugin::{HostConfig, PluginHost, PluginOptions};
use criterion::{criterion_group, criterion_main, Criterion};

use conductor_test_support as support;

fn quiet_host(cache_dir: Option<PathBuf>) -> PluginHost {
    PluginHost::new(
        HostConfig::default()
            .with_cache_dir(cache_dir)
            .with_data_root(Some(std::env::temp_dir().join("conductor-bench-data")))
            .with_log_sink(Arc::new(|_: &LogRecord<'_>| {}))
            .with_trust_store(None),
    )
    .unwrap()
}

/// 50 bytes of JSON params.
const PARAMS: &[u8] = br#"{"message":"Hello from MIDI!!!!!!","level":"info"}"#;
const CONTEXT: &[u8] = br#"{"velocity":100,"mode":0,"mode_name":"Default","note":60,"channel":0,"cc":null,"value":null,"trigger":"Note","timestamp_us":0,"port":null}"#;

fn load(c: &mut Criterion) {
    let wasm = support::plugin_wasm("my-midi-plugin");
    let mut group = c.benchmark_group("load");
    let cold = quiet_host(None);
    group.bench_function("cold_compile", |b| {
        b.iter(|| {
            cold.clear_memory_cache();
            cold.precompile(&wasm).unwrap()
        })
    });
    let cache = tempfile::tempdir().unwrap();
    let cached = quiet_host(Some(cache.path().to_path_buf()));
    cached.precompile(&wasm).unwrap();
    group.bench_function("disk_cache_hit", |b| {
        b.iter(|| {
            cached.clear_memory_cache();
            cached.precompile(&wasm).unwrap()
        })
    });
    group.finish();
}

fn calls(c: &mut Criterion) {
    assert_eq!(PARAMS.len(), 50);
    let host = quiet_host(None);
    let mut plugin = host
        .load(
            support::plugin_wasm("noop-plugin"),
            PluginOptions::default(),
        )
        .unwrap();
    let mut group = c.benchmark_group("call");
    group.bench_function("execute_noop_50B_params", |b| {
        b.iter(|| plugin.execute(PARAMS).unwrap())
    });
    group.bench_function("execute_with_context_noop", |b| {
        b.iter(|| plugin.execute_with_context(PARAMS, CONTEXT).unwrap())
    });
    group.finish();
}

criterion_group!(benches, load, calls);
criterion_main!(benches);
