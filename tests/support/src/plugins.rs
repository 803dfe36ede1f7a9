//! Building the plugins for `wasm32-wasip1`, once per test process, and finding their
//! `.wasm` files. Plugins live in two cargo workspaces: `examples/plugins/` (what a
//! plugin author may copy) and `tests/fixtures/plugins/` (hostile plugins and ABI
//! helpers that only the tests use).

use std::ffi::OsStr;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use fs4::FileExt;

use crate::files::repo_root;

/// The target every plugin is built for.
pub const WASM_TARGET: &str = "wasm32-wasip1";

/// Path of the example plugins workspace, `examples/plugins/`.
pub fn plugins_dir() -> PathBuf {
    repo_root().join("examples").join("plugins")
}

/// Path of the test plugins workspace, `tests/fixtures/plugins/`.
pub fn fixture_plugins_dir() -> PathBuf {
    repo_root().join("tests").join("fixtures").join("plugins")
}

/// Builds both plugin workspaces (once per test process) and returns the path of the
/// plugin crate `name`'s `.wasm`, e.g. `plugin_wasm("noop-plugin")` →
/// `examples/plugins/target/wasm32-wasip1/release/noop_plugin.wasm` and
/// `plugin_wasm("hostile-loop")` →
/// `tests/fixtures/plugins/target/wasm32-wasip1/release/hostile_loop.wasm`.
///
/// The workspace is the one holding the crate's folder `name/`, so a stale `.wasm`
/// left in the other workspace's `target/` is never picked up. Panics with cargo's
/// full output if a build fails, and if `name` is in neither workspace or produced no
/// `.wasm`.
pub fn plugin_wasm(name: &str) -> PathBuf {
    static BUILD: OnceLock<Result<(), String>> = OnceLock::new();
    let built = BUILD.get_or_init(|| {
        build_plugins(&plugins_dir())?;
        build_plugins(&fixture_plugins_dir())
    });
    if let Err(message) = built {
        panic!("{message}");
    }

    let workspace = [plugins_dir(), fixture_plugins_dir()]
        .into_iter()
        .find(|dir| dir.join(name).join("Cargo.toml").is_file())
        .unwrap_or_else(|| {
            panic!(
                "there is no plugin crate `{name}`: is `{name}` listed in the members of \
                 examples/plugins/Cargo.toml or tests/fixtures/plugins/Cargo.toml?"
            )
        });
    let path = workspace
        .join("target")
        .join(WASM_TARGET)
        .join("release")
        .join(format!("{}.wasm", name.replace('-', "_")));
    assert!(
        path.is_file(),
        "plugin `{name}` was built but {} does not exist; is `{name}` listed in the \
         members of {}?",
        path.display(),
        workspace.join("Cargo.toml").display()
    );
    path
}

/// The bytes of the plugin crate `name`'s `.wasm` (see [`plugin_wasm`]).
pub fn plugin_bytes(name: &str) -> Vec<u8> {
    let path = plugin_wasm(name);
    fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Runs `cargo build --target wasm32-wasip1 --release` on the plugins workspace
/// `plugins` while holding a file lock, so test binaries running in parallel build it
/// one at a time.
fn build_plugins(plugins: &Path) -> Result<(), String> {
    let target_dir = plugins.join("target");
    fs::create_dir_all(&target_dir)
        .map_err(|e| format!("cannot create {}: {e}", target_dir.display()))?;
    let lock_path = target_dir.join(".conductor-tests-build.lock");
    let lock = File::create(&lock_path)
        .map_err(|e| format!("cannot create {}: {e}", lock_path.display()))?;
    // Fully qualified: `File::lock` also exists in newer std versions.
    FileExt::lock(&lock).map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;

    let manifest = plugins.join("Cargo.toml");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(&cargo);
    command
        .args([
            "build",
            "--target",
            WASM_TARGET,
            "--release",
            "--manifest-path",
        ])
        .arg(&manifest)
        .current_dir(plugins);
    clear_outer_build_env(&mut command);

    let output = command.output().map_err(|e| {
        format!(
            "cannot run {} to build the plugins in {}: {e}",
            Path::new(&cargo).display(),
            plugins.display()
        )
    })?;
    // Dropping the file releases the lock.
    drop(lock);

    if output.status.success() {
        return Ok(());
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let target_missing = stderr.contains("may not be installed")
        || stderr.contains("can't find crate for `std`")
        || stderr.contains("can't find crate for `core`");
    let hint = if target_missing {
        format!("the {WASM_TARGET} target looks missing; install it with `rustup target add {WASM_TARGET}`")
    } else {
        "fix the plugin build (or run scripts/build-plugins.sh to see it on its own)".to_owned()
    };
    Err(format!(
        "building the plugins in {} failed ({}):\n  cargo build --target {WASM_TARGET} --release --manifest-path {}\n\
         hint: {hint}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
        plugins.display(),
        output.status,
        manifest.display(),
    ))
}

/// Removes the variables the outer `cargo test` sets (or a user set for the host build)
/// that would redirect the plugin build: its target dir, target triple, rustflags for
/// the host, profile overrides, jobserver and clippy wrapper. Settings about where
/// cargo lives and how it reaches the registry are kept.
pub fn clear_outer_build_env(command: &mut Command) {
    const KEEP_PREFIXES: &[&str] = &[
        "CARGO_HOME",
        "CARGO_NET_",
        "CARGO_HTTP_",
        "CARGO_REGISTRIES_",
        "CARGO_REGISTRY_",
        "CARGO_TERM_",
    ];
    const REMOVE: &[&str] = &[
        "RUSTFLAGS",
        "RUSTDOCFLAGS",
        "RUSTC_WORKSPACE_WRAPPER",
        "MAKEFLAGS",
        "MFLAGS",
    ];
    for (key, _) in std::env::vars_os() {
        let Some(name) = key.to_str() else { continue };
        let cargo_setting = name.starts_with("CARGO_") || name.starts_with("__CARGO");
        let kept = KEEP_PREFIXES.iter().any(|prefix| name.starts_with(prefix));
        if REMOVE.contains(&name) || (cargo_setting && !kept) {
            command.env_remove(OsStr::new(name));
        }
    }
}
