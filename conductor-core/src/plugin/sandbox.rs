//! The WASI sandbox a plugin runs in: no environment, no arguments, no stdin, output
//! forwarded to the log sink, and — only with the Filesystem grant — the plugin's own
//! data folder mounted at `/`.

use std::path::{Path, PathBuf};

use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

use super::host_functions::SandboxClock;
use super::output::PluginOutput;
use crate::{Error, Result};

/// Environment variable that overrides the plugin data root.
pub const DATA_DIR_ENV: &str = "CONDUCTOR_PLUGIN_DATA_DIR";

/// The per-OS root under which each plugin gets its own folder:
///
/// | OS | root |
/// |---|---|
/// | Linux | `$XDG_DATA_HOME/conductor/plugin-data` or `~/.local/share/conductor/plugin-data` |
/// | macOS | `~/Library/Application Support/conductor/plugin-data` |
/// | Windows | `%APPDATA%\conductor\plugin-data` |
///
/// `CONDUCTOR_PLUGIN_DATA_DIR` overrides it; an embedding app overrides both through
/// [`HostConfig::data_root`](super::HostConfig::data_root).
pub fn default_data_root() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    dirs::data_dir().map(|d| d.join("conductor").join("plugin-data"))
}

/// The folder mounted at `/` for `plugin`, created if needed.
pub(crate) fn plugin_data_dir(root: &Path, plugin: &str) -> Result<PathBuf> {
    let safe: String = plugin
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let safe = safe.trim_start_matches('.');
    let dir = root.join(if safe.is_empty() { "plugin" } else { safe });
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    Ok(dir)
}

/// Builds the WASI context for one instance.
pub(crate) fn wasi_context(
    stdout: PluginOutput,
    stderr: PluginOutput,
    data_dir: Option<&Path>,
) -> Result<WasiP1Ctx> {
    let mut builder = WasiCtxBuilder::new();
    builder
        .stdout(stdout)
        .stderr(stderr)
        .monotonic_clock(SandboxClock::new())
        .allow_blocking_current_thread(true);
    if let Some(dir) = data_dir {
        builder
            .preopened_dir(dir, "/", FsPerms::ReadWrite)
            .map_err(|e| {
                Error::io(
                    dir,
                    std::io::Error::other(format!("cannot open plugin data folder: {e}")),
                )
            })?;
    }
    Ok(builder.build_p1())
}
