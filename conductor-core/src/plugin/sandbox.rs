//! The WASI sandbox a plugin runs in: no environment, no arguments, no stdin, output
//! forwarded to the log sink, and — only with the Filesystem grant — the plugin's own
//! data folder mounted at `/`.

use std::path::Path;

use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

use super::host_functions::SandboxClock;
use super::output::PluginOutput;
use crate::{Error, Result};

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
