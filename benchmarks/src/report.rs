//! What a comparison produces ([`Section`]), the table printed for it, and the raw
//! results written to disk.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

use crate::stats::{format_ns, Summary};

/// The unit a series' samples are in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Unit {
    /// Nanoseconds per operation (lower is better).
    Nanos,
}

/// The samples of one contender in one comparison.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Series {
    /// Who ran, e.g. `conductor execute (persistent)`.
    pub name: String,
    /// The samples' unit.
    pub unit: Unit,
    /// Every sample, in the order taken.
    pub samples: Vec<f64>,
    /// Their summary (`None` when there are no samples).
    pub summary: Option<Summary>,
}

impl Series {
    /// A series of per-operation times in nanoseconds.
    pub fn nanos(name: impl Into<String>, samples: Vec<f64>) -> Series {
        let summary = Summary::of(&samples);
        Series {
            name: name.into(),
            unit: Unit::Nanos,
            samples,
            summary,
        }
    }
}

/// The only reasons a contender may be skipped: something this machine does not have.
/// Anything else that stops a contender is a [`Failure`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Absent {
    /// No Python virtualenv: neither `target/bench-venv` (scripts/bench.sh) nor
    /// `target/py-venv` (scripts/test-python.sh).
    PythonVenv,
    /// The virtualenv lacks a package a contender imports (wasmtime, extism, mididings
    /// with its JACK backend); scripts/bench.sh installs them.
    PythonPackage,
    /// The Extism plugin is not built (it needs the wasm32-unknown-unknown target;
    /// scripts/bench.sh builds it).
    ExtismPlugin,
    /// The JACK server and tools (`jackd`, `jack_midi_latency_test`, ...) are not
    /// installed.
    Jack,
    /// No `conductor` CLI built with `--features jack` (scripts/bench.sh builds one).
    JackCli,
}

/// A contender that did not run because the machine lacks something, and what.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Skip {
    /// Who.
    pub contender: String,
    /// What is missing.
    pub absent: Absent,
    /// The details, and what to do to include it.
    pub reason: String,
}

/// A contender that should have run and did not: its error.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Failure {
    /// Who.
    pub contender: String,
    /// What went wrong.
    pub error: String,
}

/// One comparison's results.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Section {
    /// Short id, e.g. `plugin-rust`.
    pub id: String,
    /// Heading, e.g. `1. Plugin call, Rust: no-op plugin`.
    pub title: String,
    /// The series, ours first; ratios are relative to `series[baseline]`.
    pub series: Vec<Series>,
    /// Index of the series ratios are computed against.
    pub baseline: usize,
    /// Other measured facts as (label, value): rates, drop counts, allocation counts.
    pub facts: Vec<(String, String)>,
    /// Contenders skipped because the machine lacks what they need.
    pub skipped: Vec<Skip>,
    /// Contenders that failed: the run is not valid while there are any.
    #[serde(default)]
    pub failed: Vec<Failure>,
    /// How the numbers were taken (interleaving, rounds), printed under the table.
    pub method: String,
}

impl Section {
    /// An empty section.
    pub fn new(id: &str, title: &str) -> Section {
        Section {
            id: id.into(),
            title: title.into(),
            series: Vec::new(),
            baseline: 0,
            facts: Vec::new(),
            skipped: Vec::new(),
            failed: Vec::new(),
            method: String::new(),
        }
    }

    /// Records a measured fact.
    pub fn fact(&mut self, label: impl Into<String>, value: impl Into<String>) {
        self.facts.push((label.into(), value.into()));
    }

    /// Records a contender that cannot run because the machine lacks `absent`.
    pub fn skip(
        &mut self,
        contender: impl Into<String>,
        absent: Absent,
        reason: impl Into<String>,
    ) {
        self.skipped.push(Skip {
            contender: contender.into(),
            absent,
            reason: reason.into(),
        });
    }

    /// Records a contender that should have run and did not.
    pub fn fail(&mut self, contender: impl Into<String>, error: impl Into<String>) {
        self.failed.push(Failure {
            contender: contender.into(),
            error: error.into(),
        });
    }

    /// The series called `name`.
    pub fn series_named(&self, name: &str) -> Option<&Series> {
        self.series.iter().find(|s| s.name == name)
    }

    /// `median(other) / median(baseline)`: how many times slower `other` is than the
    /// baseline (below 1: faster).
    pub fn ratio(&self, other: &Series) -> Option<f64> {
        let base = self.series.get(self.baseline)?.summary?;
        let theirs = other.summary?;
        (base.median > 0.0).then(|| theirs.median / base.median)
    }

    /// The section as a Markdown table with its facts and skips, as printed and as
    /// pasted into BENCHMARKS.md.
    pub fn to_markdown(&self) -> String {
        let mut out = format!("### {}\n\n", self.title);
        if !self.series.is_empty() {
            let base = self
                .series
                .get(self.baseline)
                .map(|s| s.name.as_str())
                .unwrap_or("");
            let _ = writeln!(
                out,
                "| contender | n | median | p99 | spread (IQR) | min | × {base} (median) |"
            );
            out.push_str("|---|---:|---:|---:|---:|---:|---:|\n");
            for (i, s) in self.series.iter().enumerate() {
                let Some(sum) = s.summary else {
                    let _ = writeln!(out, "| {} | 0 | - | - | - | - | - |", s.name);
                    continue;
                };
                let ratio = if i == self.baseline {
                    "1 (baseline)".to_string()
                } else {
                    self.ratio(s)
                        .map(format_ratio)
                        .unwrap_or_else(|| "-".into())
                };
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} | {} |",
                    s.name,
                    sum.n,
                    format_ns(sum.median),
                    format_ns(sum.p99),
                    format_ns(sum.spread),
                    format_ns(sum.min),
                    ratio
                );
            }
            out.push('\n');
        }
        for (label, value) in &self.facts {
            let _ = writeln!(out, "- {label}: {value}");
        }
        for skip in &self.skipped {
            let _ = writeln!(out, "- skipped {}: {}", skip.contender, skip.reason);
        }
        for failure in &self.failed {
            let _ = writeln!(out, "- FAILED {}: {}", failure.contender, failure.error);
        }
        if !self.method.is_empty() {
            let _ = writeln!(out, "\n_{}_", self.method);
        }
        out
    }
}

/// `0.0123` → `0.012×`, `3.4` → `3.40×`, `157.3` → `157×`.
pub fn format_ratio(r: f64) -> String {
    if r >= 100.0 {
        format!("{r:.0}×")
    } else if r >= 0.1 {
        format!("{r:.2}×")
    } else {
        format!("{r:.3}×")
    }
}

/// Everything one run of the harness measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Run {
    /// Whether this was a smoke run (tiny counts: the numbers mean nothing).
    pub smoke: bool,
    /// Seconds since the Unix epoch when the run started.
    pub started_unix: u64,
    /// Machine facts: CPU model, cores, load average before the run, kernel.
    pub machine: Vec<(String, String)>,
    /// The comparisons, in the order run.
    pub sections: Vec<Section>,
}

impl Run {
    /// The whole run as Markdown.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        for (k, v) in &self.machine {
            let _ = writeln!(out, "- {k}: {v}");
        }
        out.push('\n');
        for s in &self.sections {
            out.push_str(&s.to_markdown());
            out.push('\n');
        }
        out
    }

    /// Writes `results.json` (every sample) and `results.md` (the tables) into `dir`.
    pub fn write(&self, dir: &Path) -> anyhow::Result<()> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the results folder {}", dir.display()))?;
        let json = dir.join("results.json");
        let file = std::fs::File::create(&json)
            .with_context(|| format!("cannot write {}", json.display()))?;
        serde_json::to_writer(std::io::BufWriter::new(file), self)
            .with_context(|| format!("cannot write {}", json.display()))?;
        let md = dir.join("results.md");
        std::fs::write(&md, self.to_markdown())
            .with_context(|| format!("cannot write {}", md.display()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_shows_ratios_against_the_baseline() {
        let mut s = Section::new("x", "X");
        s.series
            .push(Series::nanos("ours", vec![100.0, 100.0, 100.0]));
        s.series
            .push(Series::nanos("theirs", vec![1000.0, 1000.0, 1000.0]));
        s.skip("other", Absent::PythonPackage, "not installed");
        s.fail("broken", "exited (signal 11)");
        let md = s.to_markdown();
        assert!(md.contains("| ours | 3 | 100 ns |"), "{md}");
        assert!(md.contains("| 10.00× |"), "{md}");
        assert!(md.contains("1 (baseline)"), "{md}");
        assert!(md.contains("- skipped other: not installed"), "{md}");
        assert!(md.contains("- FAILED broken: exited (signal 11)"), "{md}");
        assert_eq!(s.ratio(&s.series[1]), Some(10.0));
    }

    #[test]
    fn ratios_keep_two_or_three_significant_digits() {
        assert_eq!(format_ratio(157.3), "157×");
        assert_eq!(format_ratio(3.4), "3.40×");
        assert_eq!(format_ratio(0.0123), "0.012×");
    }
}
