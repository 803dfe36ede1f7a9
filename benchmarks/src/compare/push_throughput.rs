//! Comparison 4c: sustained throughput of `conductor_engine_push` from C, with a
//! producer that never drops an event (it retries each refused push until the queue
//! takes it). The C program (`benchmarks/c/push_throughput.c`) is compiled here against
//! `include/conductor.h` and `target/release/libconductor.so`, and run once per
//! contender and round, the contenders taking turns.
//!
//! Contenders: messages whose mapping fires a `SendMidi` (the run ends when the
//! MIDI-out callback has seen every one), messages that fire nothing (the run ends at
//! `conductor_engine_wait_idle`), both again while another process keeps one of the
//! machine's cores busy, and the `SendMidi` run with a C log callback registered.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context as _};

use super::plugin_c::{c_command, compile_c};
use super::plugin_rust::verdict;
use crate::harness::Harness;
use crate::report::{Section, Series};
use crate::stats::Summary;

/// Messages that fire a `SendMidi`, counted at the MIDI-out callback.
pub const SEND: &str = "C push → SendMidi → MIDI-out callback";
/// Messages that fire nothing.
pub const NONE: &str = "C push, messages that fire nothing";
/// As [`NONE`], with a busy loop in another process.
pub const NONE_LOADED: &str = "C push, messages that fire nothing, one core kept busy";
/// As [`SEND`], with a busy loop in another process.
pub const SEND_LOADED: &str = "C push → SendMidi, one core kept busy";
/// As [`SEND`], with a C log callback that discards every line.
pub const SEND_LOG_CALLBACK: &str = "C push → SendMidi, C log callback registered";

/// The config: note 60 sends `90 3D 01` (what the C program expects); nothing else is
/// mapped, so note 62 fires nothing.
pub const CONFIG: &str = "[[modes]]\nname = \"Default\"\n\n[[modes.mappings]]\n\
    trigger = { Note = { note = 60 } }\naction = { SendMidi = { bytes = [0x90, 61, 1] } }\n";

/// One contender: its name, the C program's mode, whether a busy loop runs beside it,
/// whether it registers a C log callback, and its target in events per second.
struct Contender {
    name: &'static str,
    mode: &'static str,
    loaded: bool,
    log_callback: bool,
    target: Option<f64>,
}

const CONTENDERS: &[Contender] = &[
    Contender {
        name: SEND,
        mode: "send",
        loaded: false,
        log_callback: false,
        target: Some(2_000_000.0),
    },
    Contender {
        name: NONE,
        mode: "none",
        loaded: false,
        log_callback: false,
        target: Some(5_000_000.0),
    },
    Contender {
        name: NONE_LOADED,
        mode: "none",
        loaded: true,
        log_callback: false,
        target: Some(5_000_000.0),
    },
    Contender {
        name: SEND_LOADED,
        mode: "send",
        loaded: true,
        log_callback: false,
        target: None,
    },
    Contender {
        name: SEND_LOG_CALLBACK,
        mode: "send",
        loaded: false,
        log_callback: true,
        target: None,
    },
];

/// One run of the C program, as it reported it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThroughputRun {
    /// Events pushed (each exactly once, after however many refusals).
    pub events: u64,
    /// First push to the end of the run (all delivered, or idle).
    pub elapsed_ns: u64,
    /// MIDI messages the callback received.
    pub delivered: u64,
    /// Pushes the queue refused (each retried).
    pub refused: u64,
    /// What `conductor_engine_dropped` counted during the run.
    pub dropped: u64,
    /// Deliveries whose bytes were not the mapping's.
    pub bad_bytes: u64,
}

impl ThroughputRun {
    /// Events per second, first push to the end of the run.
    pub fn rate(&self) -> f64 {
        self.events as f64 / (self.elapsed_ns as f64 / 1e9)
    }

    /// Parses a `result <mode> <events> <ns> <delivered> <refused> <dropped> <bad>` line.
    pub fn parse(line: &str) -> anyhow::Result<ThroughputRun> {
        let fields: Vec<&str> = line.split_ascii_whitespace().collect();
        if fields.len() != 8 || fields[0] != "result" {
            bail!("expected `result <mode> <events> <ns> <delivered> <refused> <dropped> <bad>`, got {line:?}");
        }
        let n = |i: usize| {
            fields[i]
                .parse::<u64>()
                .with_context(|| format!("bad number {:?} in {line:?}", fields[i]))
        };
        Ok(ThroughputRun {
            events: n(2)?,
            elapsed_ns: n(3)?,
            delivered: n(4)?,
            refused: n(5)?,
            dropped: n(6)?,
            bad_bytes: n(7)?,
        })
    }
}

/// A process that keeps one core busy (`sh -c 'while :; do :; done'`), killed when
/// dropped.
pub struct BusyLoop(Child);

impl BusyLoop {
    /// Starts the loop and gives the scheduler a moment to place it.
    pub fn start() -> anyhow::Result<BusyLoop> {
        let child = Command::new("sh")
            .args(["-c", "while :; do :; done"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start `sh -c 'while :; do :; done'`")?;
        std::thread::sleep(Duration::from_millis(50));
        Ok(BusyLoop(child))
    }
}

impl Drop for BusyLoop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs the comparison.
pub fn run(h: &Harness) -> Vec<Section> {
    vec![section(h)]
}

fn section(h: &Harness) -> Section {
    let mut section = Section::new(
        "push-throughput",
        "4c. Throughput of conductor_engine_push from C, producer retrying (never dropping)",
    );
    let exe = or_fail!(
        section,
        "all",
        compile_c(h, "push_throughput.c", "conductor-bench-push-throughput")
    );
    let dir = or_fail!(section, "all", h.scratch("push-throughput"));
    let config = dir.join("engine.toml");
    or_fail!(section, "all", std::fs::write(&config, CONFIG));
    let events = h.count(5_000_000, 20_000) as u64;
    let rounds = h.count(7, 1);

    let mut runs: Vec<Vec<ThroughputRun>> = vec![Vec::new(); CONTENDERS.len()];
    let mut failed: Vec<Option<String>> = vec![None; CONTENDERS.len()];
    let mut loads = Vec::new();
    for _ in 0..rounds {
        if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
            loads.push(load.split_whitespace().next().unwrap_or("?").to_string());
        }
        for (i, c) in CONTENDERS.iter().enumerate() {
            if failed[i].is_some() {
                continue;
            }
            match run_c(h, &exe, &config, &dir, c, events) {
                Ok(r) => runs[i].push(r),
                Err(e) => failed[i] = Some(format!("{e:#}")),
            }
        }
    }

    for ((c, rs), f) in CONTENDERS.iter().zip(&runs).zip(failed) {
        if let Some(error) = f {
            section.fail(c.name, error);
            continue;
        }
        let per_event: Vec<f64> = rs
            .iter()
            .map(|r| r.elapsed_ns as f64 / r.events as f64)
            .collect();
        section.series.push(Series::nanos(c.name, per_event));
        section.fact(c.name, describe(c, rs));
    }
    section.fact(
        "events per run",
        format!("{events} (after a warm-up run of {})", events / 10 + 1),
    );
    section.fact(
        "1-minute load average at the start of each round",
        loads.join(", "),
    );
    if let Ok(parsed) = conductor_core::config::Config::from_toml_str(CONFIG, &dir) {
        section.fact("queue capacity", parsed.engine.queue_capacity.to_string());
    }
    section.method = format!(
        "Times are per event (run time / events), one sample per run: {rounds} rounds, \
         contenders taking turns, each run a fresh process of benchmarks/c/push_throughput.c \
         (engine built, warm-up run, measured run). The producer retries every refused push \
         (sched_yield, then the same push again) so no event is dropped; a SendMidi run \
         ends when the MIDI-out callback has counted every event, a fire-nothing run at \
         conductor_engine_wait_idle. \"One core kept busy\": `sh -c 'while :; do :; done'` \
         runs during that contender's runs. Default log sink (stderr, info and above) unless \
         a C log callback is registered."
    );
    section
}

/// Runs the C program once for contender `c` and parses its result line.
fn run_c(
    h: &Harness,
    exe: &Path,
    config: &Path,
    dir: &Path,
    c: &Contender,
    events: u64,
) -> anyhow::Result<ThroughputRun> {
    let _busy = if c.loaded {
        Some(BusyLoop::start()?)
    } else {
        None
    };
    let mut cmd = c_command(exe);
    cmd.arg(config)
        .arg(dir)
        .arg(c.mode)
        .arg(events.to_string())
        .arg("1");
    if c.log_callback {
        cmd.arg("log-callback");
    }
    let log = h.log_path(&format!("push-throughput-{}", c.name));
    let stderr = std::fs::File::create(&log)
        .with_context(|| format!("cannot create the worker log {}", log.display()))?;
    let out = cmd
        .stderr(stderr)
        .output()
        .with_context(|| format!("cannot run {}", exe.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if let Some(error) = stdout.lines().find_map(|l| l.strip_prefix("error ")) {
        bail!("{error} (log: {})", log.display());
    }
    let line = stdout
        .lines()
        .find(|l| l.starts_with("result "))
        .with_context(|| {
            format!(
                "{} printed no result ({}); log: {}",
                exe.display(),
                out.status,
                log.display()
            )
        })?;
    // Exit status 3 means events were lost; the numbers say how many, and the facts
    // report it.
    if !out.status.success() && out.status.code() != Some(3) {
        bail!(
            "{} failed ({}); log: {}",
            exe.display(),
            out.status,
            log.display()
        );
    }
    ThroughputRun::parse(line)
}

/// The fact line of one contender: rate median and range, what was lost, the target.
fn describe(c: &Contender, runs: &[ThroughputRun]) -> String {
    let rates: Vec<f64> = runs.iter().map(ThroughputRun::rate).collect();
    let Some(s) = Summary::of(&rates) else {
        return "no runs".into();
    };
    let events: u64 = runs.iter().map(|r| r.events).sum();
    let delivered: u64 = runs.iter().map(|r| r.delivered).sum();
    let refused: u64 = runs.iter().map(|r| r.refused).sum();
    let dropped: u64 = runs.iter().map(|r| r.dropped).sum();
    let bad: u64 = runs.iter().map(|r| r.bad_bytes).sum();
    let sends = c.mode == "send";
    let none_lost = (!sends || delivered == events) && dropped == refused && bad == 0;
    let mut text = format!(
        "{} events/s median (min {}, max {}, {} runs)",
        millions(s.median),
        millions(s.min),
        millions(s.max),
        s.n
    );
    if sends {
        text.push_str(&format!("; delivered {delivered} of {events}"));
    } else {
        text.push_str(&format!("; {events} pushed, engine idle after each run"));
    }
    text.push_str(&format!(
        "; {refused} refused pushes retried, conductor_engine_dropped counted {dropped}"
    ));
    if bad > 0 {
        text.push_str(&format!("; {bad} deliveries with wrong bytes"));
    }
    text.push_str(if none_lost {
        "; none lost"
    } else {
        "; EVENTS LOST"
    });
    if let Some(target) = c.target {
        text.push_str(&format!(
            " (target ≥ {} events/s, none lost: {})",
            millions(target),
            verdict(s.median >= target && none_lost)
        ));
    }
    text
}

/// `2_345_678.0` → `2.35 M`.
fn millions(rate: f64) -> String {
    format!("{:.2} M", rate / 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_lines_parse_and_give_a_rate() {
        let r = ThroughputRun::parse("result send 5000000 2500000000 5000000 12 12 0").unwrap();
        assert_eq!(r.events, 5_000_000);
        assert_eq!(r.refused, 12);
        assert_eq!(r.rate(), 2_000_000.0);
        assert!(ThroughputRun::parse("error nope").is_err());
        assert!(ThroughputRun::parse("result send 1 x 1 0 0 0").is_err());
    }
}
