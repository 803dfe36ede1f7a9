//! Contenders that run in another process (the C program, the Python SDKs), driven
//! over a line protocol on stdin/stdout so they can be interleaved with in-process
//! ones.
//!
//! The protocol, in full:
//!
//! * The worker sets itself up, then prints `ready`, or `skip <reason>` (something it
//!   needs is not installed) and exits.
//! * For each line `run <N>` it performs the operation `N` times and prints
//!   `samples <ns> <ns> ...` (one duration per call, in nanoseconds), or
//!   `error <message>`.
//! * On `quit` (or end of input) it cleans up and exits.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use anyhow::{anyhow, bail, Context as _};

use crate::interleave::Contender;

/// A running worker process.
pub struct Worker {
    name: String,
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

/// What starting a worker gave.
pub enum Started {
    /// It is ready to run.
    Ready(Worker),
    /// It cannot run here; the reason says what is missing.
    Skipped(String),
}

impl Worker {
    /// Starts `command` as the contender `name`, sending its stderr to `log`, and waits
    /// for its `ready` (or `skip`) line.
    pub fn start(name: &str, mut command: Command, log: &Path) -> anyhow::Result<Started> {
        if let Some(dir) = log.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let stderr = std::fs::File::create(log)
            .with_context(|| format!("cannot create the worker log {}", log.display()))?;
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .with_context(|| format!("cannot start {:?}", command.get_program()))?;
        let stdin = child.stdin.take().expect("piped");
        let stdout = BufReader::new(child.stdout.take().expect("piped"));
        let mut worker = Worker {
            name: name.to_string(),
            child,
            stdin,
            stdout,
        };
        let line = worker
            .read_line()
            .with_context(|| format!("{name} did not start; its log is {}", log.display()))?;
        if line == "ready" {
            Ok(Started::Ready(worker))
        } else if let Some(reason) = line.strip_prefix("skip ") {
            Ok(Started::Skipped(reason.to_string()))
        } else if let Some(error) = line.strip_prefix("error ") {
            bail!("{name} failed to set up: {error} (log: {})", log.display())
        } else {
            bail!(
                "{name} said {line:?} instead of `ready` (log: {})",
                log.display()
            )
        }
    }

    fn read_line(&mut self) -> anyhow::Result<String> {
        let mut line = String::new();
        let n = self.stdout.read_line(&mut line)?;
        if n == 0 {
            let status = self.child.wait()?;
            bail!("the worker exited ({status})");
        }
        Ok(line.trim_end().to_string())
    }
}

impl Contender for Worker {
    fn name(&self) -> &str {
        &self.name
    }

    fn run(&mut self, calls: usize) -> anyhow::Result<Vec<f64>> {
        writeln!(self.stdin, "run {calls}")?;
        self.stdin.flush()?;
        let line = self.read_line()?;
        if let Some(error) = line.strip_prefix("error ") {
            bail!("{error}");
        }
        let numbers = line
            .strip_prefix("samples")
            .ok_or_else(|| anyhow!("expected `samples ...`, got {:?}", truncate(&line)))?;
        let samples: Vec<f64> = numbers
            .split_ascii_whitespace()
            .map(|n| {
                n.parse::<f64>()
                    .with_context(|| format!("bad sample {n:?}"))
            })
            .collect::<anyhow::Result<_>>()?;
        if samples.len() != calls {
            bail!("asked for {calls} samples, got {}", samples.len());
        }
        Ok(samples)
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = writeln!(self.stdin, "quit");
        let _ = self.stdin.flush();
        // Give it a moment to shut its plugin down, then make sure it is gone.
        for _ in 0..50 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn truncate(s: &str) -> &str {
    match s.char_indices().nth(120) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}
