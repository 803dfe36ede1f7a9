//! `conductor check CONFIG`: load everything as a run would, report, and exit non-zero
//! on any problem.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use conductor_core::config::Config;
use conductor_core::engine::EngineCallbacks;
use conductor_core::plugin::{Capability, Plugin, RiskLevel};
use conductor_core::Engine;

use crate::session::Session;

/// Loads the config at `path` and every plugin it uses (running their `init` and
/// `shutdown` as a real run would), then prints a report on stdout: the modes and
/// mappings, and for each plugin the capabilities it asks for (declared plus what its
/// imports need), grants and signature status.
///
/// Config warnings and signature warnings go to stderr as they are found. Any error —
/// in the config (with its line), in a plugin (named) or at shutdown — is returned.
pub fn run(session: &Session, path: &Path) -> Result<()> {
    let config = Config::from_file(path)?;
    let options = session.engine_options(EngineCallbacks::default());
    let warnings = config.warnings.len();
    let engine = Engine::new(config, options)?;

    let config = engine.config();
    let mut out = std::io::stdout().lock();
    writeln!(out, "config {}: OK", path.display())?;
    let mappings: usize = config.modes.iter().map(|m| m.mappings.len()).sum();
    let modes: Vec<&str> = config.modes.iter().map(|m| m.name.as_str()).collect();
    writeln!(
        out,
        "  {} mode{} ({}), {mappings} mapping{}, {} global mapping{}",
        modes.len(),
        plural(modes.len()),
        modes.join(", "),
        plural(mappings),
        config.global_mappings.len(),
        plural(config.global_mappings.len()),
    )?;
    if warnings > 0 {
        writeln!(
            out,
            "  {warnings} warning{} (shown on stderr)",
            plural(warnings)
        )?;
    }

    let mut plugins = Vec::new();
    engine.for_each_plugin(|p| plugins.push(describe(p)));
    plugins.sort();
    writeln!(out, "{} plugin{}", plugins.len(), plural(plugins.len()))?;
    for p in &plugins {
        write!(out, "{p}")?;
    }
    drop(out);
    engine.shutdown().context("a plugin failed at shutdown")?;
    Ok(())
}

/// The report for one loaded plugin.
fn describe(plugin: &Plugin) -> String {
    let declared = plugin.capabilities();
    let grants = plugin.grants();
    let approved: Vec<String> = declared
        .iter()
        .filter(|c| c.risk() != RiskLevel::Low)
        .map(|c| format!("{c} (approved)"))
        .collect();
    let automatic: Vec<String> = declared
        .iter()
        .filter(|c| c.risk() == RiskLevel::Low)
        .map(|c| format!("{c} (automatic)"))
        .collect();
    let unused: Vec<&str> = grants
        .approved()
        .iter()
        .filter(|c| !declared.contains(*c))
        .map(Capability::name)
        .collect();
    let mut granted: Vec<String> = automatic.into_iter().chain(approved).collect();
    if granted.is_empty() {
        granted.push("nothing needed".into());
    }
    let mut text = format!(
        "  {}\n    file:         {}\n    capabilities: {declared}\n    granted:      {}\n",
        plugin.name(),
        plugin
            .path()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "(in memory)".into()),
        granted.join(", "),
    );
    if !unused.is_empty() {
        text.push_str(&format!(
            "    also granted: {} (not asked for, so unused)\n",
            unused.join(", ")
        ));
    }
    if declared.contains(Capability::Network) {
        let hosts = plugin.allowed_hosts();
        text.push_str(&format!(
            "    network:      {}\n",
            if hosts.is_empty() {
                "any public host (no allowed_hosts)".to_string()
            } else {
                hosts.join(", ")
            }
        ));
    }
    text.push_str(&format!("    signature:    {}\n", plugin.signature()));
    text
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
