//! Where things are (plugins, the C library, the virtualenv) and how big a run is.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context as _};
use conductor_core::log::{LogLevel, LogRecord, LogSink};
use conductor_core::plugin::{HostConfig, PluginHost};

use crate::interleave::Plan;

/// The settings of one run of the harness.
#[derive(Debug, Clone)]
pub struct Harness {
    /// The repository root.
    pub root: PathBuf,
    /// Tiny iteration counts: checks that everything runs; the numbers mean nothing.
    pub smoke: bool,
    /// Where results, worker logs and scratch files go.
    pub out: PathBuf,
    /// The Python interpreter of the benchmark virtualenv, when there is one.
    pub python: Option<PathBuf>,
    /// Why Python contenders cannot run, when `python` is `None`.
    pub python_missing: String,
    /// The `conductor` CLI built with the `jack` feature, for the MIDI round trip
    /// (default: [`JACK_CLI`]).
    pub cli: PathBuf,
}

/// Where scripts/bench.sh and scripts/test.sh put the `conductor` CLI built with the
/// `jack` feature, relative to the repository root. Not `target/release/conductor`: the
/// workspace's own build, without JACK, overwrites that file.
pub const JACK_CLI: &str = "target/bench-results/bin/conductor-jack";

impl Harness {
    /// A harness for the repository at `root`, writing to `out`. `python` overrides
    /// the interpreter (default: `target/bench-venv/bin/python` when it exists, else
    /// the test virtualenv `target/py-venv/bin/python` that scripts/test-python.sh
    /// makes, which has the conductor wheel but not the other SDKs).
    pub fn new(root: PathBuf, out: PathBuf, smoke: bool, python: Option<PathBuf>) -> Harness {
        let venv_python = root.join("target/bench-venv/bin/python");
        let test_python = root.join("target/py-venv/bin/python");
        let (python, python_missing) = match python {
            Some(p) if p.exists() => (Some(p), String::new()),
            Some(p) => (
                None,
                format!("the interpreter {} does not exist", p.display()),
            ),
            None if venv_python.exists() => (Some(venv_python), String::new()),
            None if test_python.exists() => (Some(test_python), String::new()),
            None => (
                None,
                format!(
                    "no Python virtualenv: neither {} (scripts/bench.sh creates it with \
                     wasmtime, extism, mididings and the conductor wheel) nor {} \
                     (scripts/test-python.sh)",
                    root.join("target/bench-venv").display(),
                    root.join("target/py-venv").display()
                ),
            ),
        };
        Harness {
            cli: root.join(JACK_CLI),
            root,
            smoke,
            out,
            python,
            python_missing,
        }
    }

    /// The repository root this binary was built from.
    pub fn default_root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("benchmarks/ lives inside the repository")
            .to_path_buf()
    }

    /// `full` in a full run; two rounds of a few calls in smoke mode.
    pub fn plan(&self, full: Plan) -> Plan {
        if self.smoke {
            Plan {
                warmup: 2,
                rounds: 2,
                calls_per_round: full.calls_per_round.clamp(1, 20),
            }
        } else {
            full
        }
    }

    /// `full` in a full run, `smoke` in smoke mode.
    pub fn count(&self, full: usize, smoke: usize) -> usize {
        if self.smoke {
            smoke
        } else {
            full
        }
    }

    /// The built `.wasm` of the example plugin crate `name` (e.g. `noop-plugin`).
    pub fn plugin(&self, name: &str) -> anyhow::Result<PathBuf> {
        let path = self
            .root
            .join("examples/plugins/target/wasm32-wasip1/release")
            .join(format!("{}.wasm", name.replace('-', "_")));
        if !path.is_file() {
            bail!(
                "{} is missing; build the example plugins with scripts/build-plugins.sh",
                path.display()
            );
        }
        Ok(path)
    }

    /// The Extism plugin with the same work, when it has been built.
    pub fn extism_plugin(&self) -> anyhow::Result<PathBuf> {
        let path = self.root.join(
            "benchmarks/extism-plugin/target/wasm32-unknown-unknown/release/conductor_bench_extism.wasm",
        );
        if !path.is_file() {
            bail!(
                "{} is missing; build it with `cargo build --release --target \
                 wasm32-unknown-unknown --manifest-path benchmarks/extism-plugin/Cargo.toml`",
                path.display()
            );
        }
        Ok(path)
    }

    /// A release artefact of the workspace, e.g. `libconductor.so` or `conductor`: in
    /// the folder this harness was built into (which honours `CARGO_TARGET_DIR`), else
    /// `target/release`.
    pub fn release_artifact(&self, file: &str) -> PathBuf {
        std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(Path::to_path_buf))
            .filter(|dir| dir.ends_with("release"))
            .unwrap_or_else(|| self.root.join("target/release"))
            .join(file)
    }

    /// Where a worker named `name` logs its stderr.
    pub fn log_path(&self, name: &str) -> PathBuf {
        let file: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.out.join("logs").join(format!("{file}.log"))
    }

    /// A scratch folder under the results folder.
    pub fn scratch(&self, name: &str) -> anyhow::Result<PathBuf> {
        let dir = self.out.join("scratch").join(name);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(dir)
    }

    /// A plugin host whose log goes nowhere (plugin output is not part of what is
    /// measured), caching compiled modules in `cache_dir` (or not at all).
    pub fn quiet_host(&self, cache_dir: Option<PathBuf>) -> anyhow::Result<PluginHost> {
        Ok(PluginHost::new(quiet_host_config(cache_dir, &self.out))?)
    }

    /// The Python script `benchmarks/python/<file>`.
    pub fn python_script(&self, file: &str) -> PathBuf {
        self.root.join("benchmarks/python").join(file)
    }
}

/// Host settings with a log sink that drops everything.
pub fn quiet_host_config(cache_dir: Option<PathBuf>, out: &Path) -> HostConfig {
    HostConfig::default()
        .with_cache_dir(cache_dir)
        .with_data_root(Some(out.join("scratch/plugin-data")))
        .with_log_sink(Arc::new(|_: &LogRecord<'_>| {}))
        .with_trust_store(None)
}

/// A log sink that wants nothing: unlike a closure sink (which drops lines after the
/// engine has formatted them), it tells the engine, through [`LogSink::enabled`], not
/// to format its per-step debug lines at all. Used where the engine's own throughput
/// or latency is measured.
#[derive(Debug, Clone, Copy, Default)]
pub struct SilentSink;

impl LogSink for SilentSink {
    fn log(&self, _: &LogRecord<'_>) {}

    fn enabled(&self, _: LogLevel) -> bool {
        false
    }
}

/// Host settings with [`SilentSink`].
pub fn silent_host_config(cache_dir: Option<PathBuf>, out: &Path) -> HostConfig {
    (quiet_host_config(cache_dir, out)).with_log_sink(Arc::new(SilentSink))
}
