//! Engine costs: trigger lookup against 1, 100 and 10,000 mappings in one mode and
//! against 10,000 mappings spread over 1,000 modes, `push`, and `process` of a note
//! that calls a no-op plugin.
//!
//! Run: `cargo bench -p conductor-midi-core --bench engine`.
// criterion's macros generate the undocumented `benches` and `main`.
#![allow(missing_docs)]

use std::path::Path;
use std::sync::Arc;

use conductor_core::config::Config;
use conductor_core::log::LogRecord;
use conductor_core::mapping::MappingTable;
use conductor_core::midi::MidiMessage;
use conductor_core::plugin::HostConfig;
use conductor_core::{Engine, EngineOptions};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

use conductor_test_support as support;

fn quiet() -> EngineOptions {
    EngineOptions::default()
        .with_host_config(HostConfig::default().with_log_sink(Arc::new(|_: &LogRecord<'_>| {})))
}

/// A config with `n` note/CC mappings spread over channels, notes and controllers.
/// There are only 4096 distinct (kind, channel, number) slots for notes and CCs, so with
/// 10,000 mappings the looked-up slot holds 3 candidates (what a dense real config
/// with velocity layers looks like).
fn config_with(n: usize) -> Config {
    let mut toml = String::from("[[modes]]\nname = \"Default\"\n");
    for i in 0..n {
        let channel = i % 16;
        let number = (i / 16) % 128;
        let trigger = if (i / 2048) % 2 == 0 {
            format!("{{ Note = {{ note = {number}, channel = {channel} }} }}")
        } else {
            format!("{{ CC = {{ cc = {number}, channel = {channel} }} }}")
        };
        toml.push_str(&format!(
            "[[modes.mappings]]\ntrigger = {trigger}\naction = {{ Host = {{ name = \"m{i}\" }} }}\n"
        ));
    }
    Config::from_toml_str(&toml, Path::new(".")).unwrap()
}

fn lookup(c: &mut Criterion) {
    let mut group = c.benchmark_group("lookup");
    let msg = MidiMessage::NoteOn {
        channel: 0,
        note: 0,
        velocity: 100,
    };
    for n in [1usize, 100, 10_000] {
        let mut table = MappingTable::new(&config_with(n));
        let mut fired = Vec::with_capacity(8);
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                fired.clear();
                table.route(std::hint::black_box(&msg), 0, 0, &mut fired);
                assert!(!fired.is_empty());
            })
        });
    }
    group.finish();
}

/// 1,000 modes of 10 mappings (notes 60–69, three in four without a channel) and one
/// global mapping on note 60.
fn config_many_modes() -> Config {
    let mut toml = String::from(
        "[[global_mappings]]\ntrigger = { Note = { note = 60 } }\naction = { Host = { name = \"g\" } }\n",
    );
    for mode in 0..1000 {
        toml.push_str(&format!("[[modes]]\nname = \"Mode {mode}\"\n"));
        for k in 0..10 {
            let note = 60 + k;
            let trigger = if k % 4 == 3 {
                format!("{{ Note = {{ note = {note}, channel = {} }} }}", mode % 16)
            } else {
                format!("{{ Note = {{ note = {note} }} }}")
            };
            toml.push_str(&format!(
                "[[modes.mappings]]\ntrigger = {trigger}\naction = {{ Host = {{ name = \"m{k}\" }} }}\n"
            ));
        }
    }
    Config::from_toml_str(&toml, Path::new(".")).unwrap()
}

/// Routing one note in mode 500 of 1,000: the mode's mapping, then the global one.
fn lookup_many_modes(c: &mut Criterion) {
    let mut table = MappingTable::new(&config_many_modes());
    let msg = MidiMessage::NoteOn {
        channel: 0,
        note: 60,
        velocity: 100,
    };
    let mut fired = Vec::with_capacity(8);
    c.bench_function("lookup_1000_modes/10000", |b| {
        b.iter(|| {
            fired.clear();
            table.route(std::hint::black_box(&msg), 0, 500, &mut fired);
            assert_eq!(fired.len(), 2);
        })
    });
}

fn push(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut options = quiet();
    options.queue_capacity = Some(1 << 16);
    let engine = Engine::from_toml(
        "[[modes]]\nname = \"D\"\n[[modes.mappings]]\ntrigger = { Note = { note = 1 } }\naction = { Host = { name = \"x\" } }\n",
        dir.path(),
        options,
    )
    .unwrap();
    let mut t = 0u64;
    c.bench_function("push", |b| {
        b.iter(|| {
            t += 1;
            engine.push(std::hint::black_box(&[0x90, 60, 100]), t)
        })
    });
}

fn process(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        "[[modes]]\nname = \"D\"\n[[modes.mappings]]\ntrigger = {{ Note = {{ note = 60 }} }}\naction = {{ WasmPlugin = {{ path = {:?}, params = {{ message = \"hi\" }} }} }}\n",
        support::plugin_wasm("noop-plugin").display().to_string()
    );
    let engine = Engine::from_toml(&toml, dir.path(), quiet()).unwrap();
    c.bench_function("process_note_noop_plugin", |b| {
        b.iter(|| {
            let fired = engine.process(&[0x90, 60, 100], 0).unwrap();
            assert_eq!(fired.len(), 1);
        })
    });
}

criterion_group!(benches, lookup, lookup_many_modes, push, process);
criterion_main!(benches);
