//! `conductor plugin info FILE.wasm`, `conductor plugin install FILE.wasm` and
//! `conductor plugin new NAME`.

use std::io::Write;
use std::path::Path;

use anyhow::{anyhow, bail, Result};
use conductor_core::plugin::{CapabilitySet, PluginHost, RiskLevel};
use conductor_tools::{
    default_install_dir, install_plugin, scaffold_plugin, PluginReport, ScaffoldOptions, SdkSource,
};

use crate::session::Session;

/// Prints what `file` is, declares and who signed it, without running its code (only
/// its `capabilities()` export, in a sealed instance). Fails when the file is not a
/// usable plugin or its signature is present but invalid (then nothing is compiled).
pub fn info(session: &Session, file: &Path) -> Result<()> {
    let host = PluginHost::new(session.host_config())?;
    let report = PluginReport::new(&host, file)?;
    let info = &report.info;
    let mut out = std::io::stdout().lock();
    writeln!(out, "plugin:       {}", info.name)?;
    writeln!(out, "file:         {}", report.path.display())?;
    writeln!(out, "size:         {} bytes", info.size)?;
    writeln!(out, "sha256:       {}", report.sha256_hex())?;
    if let Err(problem) = &report.signature {
        // Refused on its bytes: it was neither compiled nor run, so there is no more to say.
        writeln!(out, "signature:    INVALID")?;
        return Err(anyhow!("{problem}"));
    }
    writeln!(out, "exports:      {}", list(&info.exports))?;
    writeln!(out, "imports:      {}", list(&info.imports))?;
    writeln!(out, "capabilities: {}", info.capabilities)?;
    let undeclared: CapabilitySet = info
        .capabilities
        .iter()
        .filter(|c| !info.declared.contains(*c))
        .collect();
    if !undeclared.is_empty() {
        writeln!(
            out,
            "              {undeclared} not declared by capabilities(), but its imports need it"
        )?;
    }
    if let Some(note) = approval_note(&info.name, info.capabilities) {
        writeln!(out, "              {note}")?;
    }
    match &report.signature {
        Ok(status) => {
            writeln!(out, "signature:    {status}")?;
            Ok(())
        }
        Err(problem) => {
            writeln!(out, "signature:    INVALID")?;
            Err(anyhow!("{problem}"))
        }
    }
}

/// Checks `file` and its signature under the session's policy and copies both into
/// `dir` (default `~/.conductor/wasm-plugins/`).
pub fn install(session: &Session, file: &Path, dir: Option<&Path>) -> Result<()> {
    let dir = match dir {
        Some(d) => d.to_path_buf(),
        None => default_install_dir().ok_or_else(|| {
            anyhow!("cannot find the home folder for ~/.conductor/wasm-plugins/; pass --dir DIR")
        })?,
    };
    if !file.is_file() {
        bail!("{} does not exist or is not a file", file.display());
    }
    let host = PluginHost::new(session.host_config())?;
    let policy = session.policy_or_default();
    let done = install_plugin(&host, file, &dir, policy)?;
    if let Some(warning) = done.signature.warning(policy) {
        session
            .log
            .warn(&format!("plugin {}: {warning}", file.display()));
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{} {}",
        if done.replaced {
            "updated"
        } else {
            "installed"
        },
        done.path.display()
    )?;
    if let Some(sig) = &done.signature_path {
        writeln!(out, "  with {}", sig.display())?;
    }
    writeln!(out, "  signature:    {}", done.signature)?;
    writeln!(out, "  capabilities: {}", done.capabilities)?;
    let name = conductor_core::plugin::plugin_name(&done.path);
    if let Some(note) = approval_note(&name, done.capabilities) {
        writeln!(out, "  {note}")?;
    }
    writeln!(
        out,
        "  use it with: action = {{ WasmPlugin = {{ path = \"{}\" }} }}",
        display_with_tilde(&done.path)
    )?;
    Ok(())
}

/// Scaffolds a plugin crate in `dir` and says how to build and try it.
pub fn new(dir: &Path, sdk_path: Option<&Path>) -> Result<()> {
    // By default the crate carries its own copy of the SDK, so it builds wherever this
    // binary runs; --sdk-path points it at a checkout instead.
    let sdk = match sdk_path {
        Some(p) => {
            let p =
                std::fs::canonicalize(p).map_err(|e| anyhow!("--sdk-path {}: {e}", p.display()))?;
            if !p.join("Cargo.toml").is_file() {
                bail!(
                    "--sdk-path {}: no Cargo.toml there; give the folder of the \
                     conductor-plugin crate (bindings/rust-plugin in Conductor's sources)",
                    p.display()
                );
            }
            SdkSource::Path(p)
        }
        None => SdkSource::Vendored,
    };
    let done = scaffold_plugin(dir, &ScaffoldOptions { sdk })?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "created plugin crate {} in {}",
        done.crate_name,
        done.dir.display()
    )?;
    for file in &done.files {
        writeln!(out, "  {}", file.display())?;
    }
    writeln!(out, "SDK: {}", done.sdk)?;
    writeln!(out, "next:")?;
    writeln!(out, "  cd {}", done.dir.display())?;
    writeln!(out, "  cargo build --target wasm32-wasip1 --release")?;
    writeln!(
        out,
        "  conductor --config test_config.toml --replay test.mid"
    )?;
    Ok(())
}

/// How to approve the capabilities in `caps` that need approval, if any.
fn approval_note(name: &str, caps: CapabilitySet) -> Option<String> {
    let needs: Vec<&str> = caps
        .iter()
        .filter(|c| c.risk() != RiskLevel::Low)
        .map(|c| c.name())
        .collect();
    if needs.is_empty() {
        return None;
    }
    let quoted: Vec<String> = needs.iter().map(|n| format!("\"{n}\"")).collect();
    Some(format!(
        "needs approval: {} (add `grant = [{}]` to its WasmPlugin action, or run with `--grant {name}={}`)",
        needs.join(", "),
        quoted.join(", "),
        needs[0]
    ))
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

/// `path` with the home folder written as `~`, as configs write it.
fn display_with_tilde(path: &Path) -> String {
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    match home.and_then(|h| path.strip_prefix(&h).ok().map(Path::to_path_buf)) {
        Some(rest) => format!("~/{}", rest.display()),
        None => path.display().to_string(),
    }
}
