//! Comparison 4b, run through the `conductor-bench-push` binary (see its docs for why
//! it is a process of its own).

use std::process::Command;

use anyhow::{bail, Context as _};

use crate::harness::Harness;
use crate::report::Section;

/// Runs `conductor-bench-push` beside this executable and returns its section.
pub fn run(h: &Harness) -> Vec<Section> {
    let events = h.count(1_000_000, 20_000);
    match run_binary(h, events) {
        Ok(section) => vec![section],
        Err(e) => {
            let mut section = Section::new("push", "4b. Engine::push sustained");
            section.skip("all", format!("{e:#}"));
            vec![section]
        }
    }
}

fn run_binary(h: &Harness, events: usize) -> anyhow::Result<Section> {
    let me = std::env::current_exe()?;
    let exe = me.with_file_name("conductor-bench-push");
    if !exe.is_file() {
        bail!(
            "{} is missing; build it with `cargo build --release -p conductor-benchmarks`",
            exe.display()
        );
    }
    let out = h.out.join("push-section.json");
    let scratch = h.scratch("push")?;
    let status = Command::new(&exe)
        .arg("--events")
        .arg(events.to_string())
        .arg("--out")
        .arg(&out)
        .arg("--scratch")
        .arg(&scratch)
        .status()
        .with_context(|| format!("cannot run {}", exe.display()))?;
    if !status.success() {
        bail!("{} failed ({status})", exe.display());
    }
    let bytes = std::fs::read(&out).with_context(|| format!("cannot read {}", out.display()))?;
    Ok(serde_json::from_slice(&bytes)?)
}
