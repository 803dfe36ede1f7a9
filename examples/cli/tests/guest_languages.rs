//! The C and Zig example plugins (examples/plugins-c, examples/plugins-zig) through the
//! `conductor` command: `conductor check` reads their capabilities, and a replay runs the
//! C plugin with the note's velocity.

mod common;
use conductor_test_support as support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::{note_on, toml_path, write_mid, Run, Sandbox};

/// Runs `scripts/<script>` once per test process and returns the built `.wasm`.
fn build(script: &str, once: &'static OnceLock<()>, wasm: &str) -> PathBuf {
    once.get_or_init(|| {
        let path = support::repo_root().join("scripts").join(script);
        let output = Command::new(&path)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", path.display()));
        assert!(
            output.status.success(),
            "{} failed:\n{}",
            path.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    });
    let path = support::repo_root().join(wasm);
    assert!(path.is_file(), "{} was not built", path.display());
    path
}

fn c_plugin() -> PathBuf {
    static ONCE: OnceLock<()> = OnceLock::new();
    build(
        "build-c-plugins.sh",
        &ONCE,
        "examples/plugins-c/target/velocity_c.wasm",
    )
}

fn zig_plugin() -> PathBuf {
    static ONCE: OnceLock<()> = OnceLock::new();
    build(
        "build-zig-plugins.sh",
        &ONCE,
        "examples/plugins-zig/target/velocity_zig.wasm",
    )
}

fn config(c: &Path, zig: &Path) -> String {
    format!(
        "[[modes]]\nname = \"Default\"\n\
         [[modes.mappings]]\ntrigger = {{ Note = {{ note = 60 }} }}\n\
         action = {{ WasmPlugin = {{ path = \"{}\", params = {{ cc = 7, min = 20, max = 100 }} }} }}\n\
         [[modes.mappings]]\ntrigger = {{ Note = {{ note = 62 }} }}\n\
         action = {{ WasmPlugin = {{ path = \"{}\" }} }}\n",
        toml_path(c),
        toml_path(zig)
    )
}

#[test]
fn check_reads_the_capabilities_of_c_and_zig_plugins() {
    let sandbox = Sandbox::new();
    sandbox.write("config.toml", &config(&c_plugin(), &zig_plugin()));
    let run = Run::of(sandbox.conductor().args(["check", "config.toml"]));
    run.success();
    let all = format!("{}{}", run.stdout, run.stderr);
    for part in ["velocity_c", "velocity_zig", "capabilities: Midi"] {
        assert!(all.contains(part), "lacks {part:?}\n{run}");
    }
}

#[test]
fn a_replay_runs_the_c_plugin_with_the_notes_velocity() {
    let sandbox = Sandbox::new();
    sandbox.write("config.toml", &config(&c_plugin(), &zig_plugin()));
    write_mid(&sandbox.join("hit.mid"), &[(0, note_on(60, 127))]);
    // No --output: the plugin computes CC 7 = 100 from velocity 127 and reports that
    // the host has no MIDI output to send it to.
    let run = Run::of(sandbox.conductor().args([
        "--config",
        "config.toml",
        "--replay",
        "hit.mid",
        "--fast",
    ]));
    run.failure()
        .stderr_has(&["cannot send CC 7 = 100: no MIDI output is open"]);
}
