//! The plugin author's guide, followed as a plugin author would: create the crate
//! (steps 1–3, text from the guide), build it for wasm32-wasip1 (step 4), write the
//! guide's `test_config.toml` verbatim (step 5) and run `conductor` on a replayed MIDI
//! file holding middle C. Then the guide's "Debugging" section: `eprintln!("DEBUG: ...")`
//! in the plugin and `DEBUG=1 conductor ... 2>&1 | grep "DEBUG:"`.

mod common;

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{middle_c_mid, sandbox_env, Run, Sandbox};

/// Step 2, "Configure Cargo.toml", as printed.
const GUIDE_CARGO_TOML: &str = r#"[package]
name = "my-midi-plugin"
version = "1.0.0"
edition = "2021"
[lib]
crate-type = ["cdylib"] # Required for WASM
[dependencies]
serde = { version = "1.0", features = ["derive"] }
serde_json = "1.0"
[profile.release]
opt-level = "z" # Optimize for size
lto = true # Link-time optimization
codegen-units = 1 # Better optimization
strip = true # Remove debug symbols
"#;

/// Step 3, "Implement Plugin Logic", as printed.
const GUIDE_LIB_RS: &str = r#"// src/lib.rs
use serde::{Deserialize, Serialize};
#[derive(Deserialize)]
struct PluginParams {
message: String,
}
#[derive(Serialize)]
struct PluginResult {
success: bool,
output: String,
}
/// Initialize plugin (called once on load)
#[no_mangle]
pub extern "C" fn init() {
eprintln!("Plugin initialized");
}
/// Execute plugin action
#[no_mangle]
pub extern "C" fn execute(params_ptr: *const u8, params_len: usize) -> i32 {
// Parse input parameters
let params_bytes = unsafe {
std::slice::from_raw_parts(params_ptr, params_len)
};
let params: PluginParams = match serde_json::from_slice(params_bytes) {
Ok(p) => p,
Err(e) => {
eprintln!("Failed to parse params: {}", e);
return 1; // Error code
}
};
// Plugin logic
eprintln!("Received message: {}", params.message);
// Return success
0
}
/// Cleanup (called before unload)
#[no_mangle]
pub extern "C" fn shutdown() {
eprintln!("Plugin shutting down");
}
"#;

/// The first line of the guide's "Enable Debug Logging" example (its second prints a
/// `params` that does not exist yet at the top of `execute`).
const GUIDE_DEBUG_LINE: &str = r#"eprintln!("DEBUG: Received {} bytes", params_len);"#;

/// Step 5, `test_config.toml`, as printed (JSON-style `"message": ...` included).
const GUIDE_TEST_CONFIG: &str = r#"[[modes]]
name = "Default"
[[modes.mappings]]
trigger = { Note = { note = 60 } } # Middle C
action = { WasmPlugin = {
path = "target/wasm32-wasip1/release/my_midi_plugin.wasm",
params = {
"message": "Hello from MIDI!"
}
}}
"#;

/// `cargo` as the outer build found it.
fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Removes what the outer `cargo test` sets that would redirect a nested build (its
/// target dir, target triple, flags, jobserver), keeping where cargo lives and how it
/// reaches the registry.
fn clear_outer_cargo_env(c: &mut Command) {
    const KEEP: &[&str] = &[
        "CARGO_HOME",
        "CARGO_NET_",
        "CARGO_HTTP_",
        "CARGO_REGISTRIES_",
        "CARGO_REGISTRY_",
        "CARGO_TERM_",
    ];
    for (key, _) in std::env::vars_os() {
        let Some(name) = key.to_str() else { continue };
        let cargo_var = name.starts_with("CARGO_") || name.starts_with("__CARGO");
        let flags = [
            "RUSTFLAGS",
            "RUSTDOCFLAGS",
            "RUSTC_WORKSPACE_WRAPPER",
            "MAKEFLAGS",
            "MFLAGS",
        ];
        if flags.contains(&name) || (cargo_var && !KEEP.iter().any(|k| name.starts_with(k))) {
            c.env_remove(OsStr::new(name));
        }
    }
}

/// Steps 1–4 in `dir`: `cargo new --lib my-midi-plugin`, the guide's Cargo.toml and
/// src/lib.rs (with `extra` lines at the top of `execute`), `cargo build --target
/// wasm32-wasip1 --release`. Returns the plugin folder.
fn create_and_build_plugin(dir: &Path, extra: &str) -> PathBuf {
    let plugin = dir.join("my-midi-plugin");
    if !plugin.exists() {
        let mut new = cargo();
        clear_outer_cargo_env(&mut new);
        new.args(["new", "--lib", "--vcs", "none", "my-midi-plugin"])
            .current_dir(dir);
        Run::of(&mut new).success();
    }
    fs::write(plugin.join("Cargo.toml"), GUIDE_CARGO_TOML).unwrap();
    let lib = GUIDE_LIB_RS.replace(
        "// Parse input parameters\n",
        &format!("{extra}\n// Parse input parameters\n"),
    );
    fs::write(plugin.join("src/lib.rs"), lib).unwrap();

    let mut build = cargo();
    clear_outer_cargo_env(&mut build);
    build
        .args(["build", "--target", "wasm32-wasip1", "--release"])
        .current_dir(&plugin);
    let run = Run::of(&mut build);
    assert_eq!(
        run.code,
        Some(0),
        "building the guide's plugin failed (is the wasm32-wasip1 target installed? \
         `rustup target add wasm32-wasip1`)\n{run}"
    );
    let wasm = plugin.join("target/wasm32-wasip1/release/my_midi_plugin.wasm");
    assert!(
        wasm.is_file(),
        "the guide's output file {} is missing",
        wasm.display()
    );
    plugin
}

#[test]
fn guide_plugin_runs_on_middle_c_and_debug_output_reaches_stderr() {
    let sandbox = Sandbox::new();
    let plugin = create_and_build_plugin(sandbox.path(), "");
    fs::write(plugin.join("test_config.toml"), GUIDE_TEST_CONFIG).unwrap();
    fs::copy(middle_c_mid(&sandbox), plugin.join("demo.mid")).unwrap();

    // Step 5, with the MIDI coming from a file instead of port 0.
    let mut run = sandbox.conductor();
    run.current_dir(&plugin)
        .args(["--config", "test_config.toml", "--replay", "demo.mid"]);
    let run = Run::of(&mut run);
    run.success().stderr_has(&[
        "[my_midi_plugin] Plugin initialized",
        "[my_midi_plugin] Received message: Hello from MIDI!",
        "[my_midi_plugin] Plugin shutting down",
        // The JSON-style line is accepted, with a warning that names it.
        "line 8",
    ]);
    // Initialized before the message, shut down after it, each exactly once.
    let lines: Vec<&str> = run.stderr.lines().collect();
    let at = |text: &str| {
        let hits: Vec<usize> = (0..lines.len())
            .filter(|i| lines[*i].contains(text))
            .collect();
        assert_eq!(hits.len(), 1, "{text:?} should appear once\n{run}");
        hits[0]
    };
    assert!(at("Plugin initialized") < at("Received message"), "{run}");
    assert!(at("Received message") < at("Plugin shutting down"), "{run}");
    // Without DEBUG the host's debug log stays quiet.
    run.stderr_lacks("debug:");

    // DEBUG=1: the host's debug log says what fired, which plugin, how long it took.
    let mut debug = sandbox.conductor();
    debug.current_dir(&plugin).env("DEBUG", "1").args([
        "--config",
        "test_config.toml",
        "--replay",
        "demo.mid",
        "--fast",
    ]);
    Run::of(&mut debug).success().stderr_has(&[
        "Received message: Hello from MIDI!",
        "conductor: debug: ",
        "fired WasmPlugin (plugin my_midi_plugin) in ",
        " ms",
    ]);

    // "Debugging": the plugin prints DEBUG: lines, found with the guide's pipeline.
    create_and_build_plugin(sandbox.path(), GUIDE_DEBUG_LINE);
    let mut piped = Command::new("sh");
    sandbox_env(&mut piped, &sandbox.home());
    piped.current_dir(&plugin).arg("-c").arg(format!(
        "DEBUG=1 '{}' --config test_config.toml --replay demo.mid --fast 2>&1 | grep \"DEBUG:\"",
        env!("CARGO_BIN_EXE_conductor")
    ));
    let piped = Run::of(&mut piped);
    piped.success();
    // `{"message":"Hello from MIDI!"}` is 30 bytes.
    assert_eq!(
        piped.stdout.trim(),
        "[my_midi_plugin] DEBUG: Received 30 bytes",
        "{piped}"
    );
}
