//! `conductor plugin new`: the scaffolded crate builds for wasm32-wasip1 — in a folder
//! outside this repository, with the SDK copy it carries — and runs in the engine, with
//! its test config and its test.mid.

use conductor_test_support as support;

use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};

use conductor_core::log::{LogRecord, LogSource};
use conductor_core::midi::SmfEvents;
use conductor_core::plugin::HostConfig;
use conductor_core::{Engine, EngineOptions, ErrorKind};
use conductor_tools::{scaffold_plugin, ScaffoldOptions, SdkSource};

fn build(dir: &Path) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args(["build", "--target", support::WASM_TARGET, "--release"])
        .current_dir(dir);
    support::clear_outer_build_env(&mut command);
    let output = command.output().expect("cargo runs");
    assert!(
        output.status.success(),
        "the scaffolded plugin does not build:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_scaffolded_plugin_builds_and_runs_in_the_engine() {
    // The system's temporary folder: nothing of this repository is above the crate.
    let tmp = support::temp_dir();
    assert!(
        !tmp.path().starts_with(support::repo_root()),
        "the scaffold test needs a temporary folder outside the repository"
    );
    let dir = tmp.path().join("my-midi-plugin");
    let plugin = scaffold_plugin(&dir, &ScaffoldOptions::default()).unwrap();
    assert_eq!(plugin.sdk, SdkSource::Vendored);
    for file in [
        "Cargo.toml",
        "src/lib.rs",
        "test_config.toml",
        "test.mid",
        "README.md",
        "examples/config.toml",
        "conductor-plugin/Cargo.toml",
        "conductor-plugin/src/lib.rs",
    ] {
        assert!(dir.join(file).is_file(), "{file} was not written");
    }
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains(r#"conductor-plugin = { path = "conductor-plugin" }"#),
        "the crate must use its own copy of the SDK, not this checkout:\n{manifest}"
    );
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    assert!(readme.starts_with("# my-midi-plugin\n"));
    assert!(readme.contains("~/.conductor/wasm-plugins/my_midi_plugin.wasm"));

    build(&dir);
    assert!(
        dir.join(&plugin.wasm).is_file(),
        "{} was not built",
        plugin.wasm.display()
    );

    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    let options = EngineOptions::default().with_host_config(
        HostConfig::default()
            .with_cache_dir(None)
            .with_log_sink(Arc::new(move |r: &LogRecord<'_>| {
                if let LogSource::PluginStderr(p) = r.source {
                    sink.lock().unwrap().push(format!("[{p}] {}", r.message));
                }
            }))
            .with_trust_store(None),
    );
    let engine = Engine::from_file(dir.join("test_config.toml"), options).unwrap();
    // Replay test.mid as `conductor --replay test.mid` would.
    let events = SmfEvents::from_file(dir.join("test.mid")).unwrap();
    let mut fired = Vec::new();
    for event in events.events() {
        fired.extend(
            engine
                .process_message(&event.message, event.time_us)
                .unwrap(),
        );
    }
    assert_eq!(fired.len(), 1, "middle C fires the mapping once");
    assert!(
        fired[0].outcomes[0].result.is_ok(),
        "{:?}",
        fired[0].outcomes[0].result
    );
    engine.shutdown().unwrap();
    assert_eq!(
        *lines.lock().unwrap(),
        vec![
            "[my_midi_plugin] Plugin initialized",
            "[my_midi_plugin] Received message: Hello from MIDI! (note Some(60), velocity Some(100))",
            "[my_midi_plugin] Plugin shutting down",
        ]
    );
}

#[test]
fn scaffolding_refuses_a_folder_that_is_not_empty_and_a_bad_name() {
    let tmp = support::temp_dir();
    let dir = tmp.path().join("taken");
    std::fs::create_dir_all(&dir).unwrap();
    support::write_file(&dir, "keep.txt", b"mine");
    let err = scaffold_plugin(&dir, &ScaffoldOptions::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(
        err.to_string().contains("already exists and is not empty"),
        "{err}"
    );
    assert_eq!(std::fs::read(dir.join("keep.txt")).unwrap(), b"mine");

    let err = scaffold_plugin(tmp.path().join("9 lives"), &ScaffoldOptions::default()).unwrap_err();
    assert!(
        err.to_string().contains("not a valid plugin crate name"),
        "{err}"
    );
}
