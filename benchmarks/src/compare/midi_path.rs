//! Comparison 6: the real MIDI path. `jack_midi_latency_test` sends MIDI into a JACK
//! dummy server, through the contender, and back, and measures the round trip:
//! Conductor's CLI with a SendMidi echo mapping versus mididings doing a plain
//! pass-through.
//!
//! The JACK server is started here with a name of its own, so a JACK server someone
//! else runs on the machine is left alone.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context as _};

use crate::harness::Harness;
use crate::report::{Absent, Section, Series};
use crate::stats::{format_ns, percentile};

/// JACK's sample rate and period for the dummy server: 256 frames at 48 kHz is a
/// 5.33 ms period.
const RATE: u32 = 48_000;
const PERIOD: u32 = 256;

/// The Conductor series' name.
pub const CONDUCTOR: &str = "conductor --virtual (SendMidi echo mapping)";

/// The config Conductor echoes with: the latency test alternates a note-off for note 0
/// (`80 00 00`) and a note-on for note 127 at velocity 127 (`90 7F 7F`).
pub const ECHO_CONFIG: &str = "[[modes]]\nname = \"Echo\"\n\n\
    [[modes.mappings]]\ntrigger = { NoteOff = { note = 0 } }\naction = { SendMidi = { bytes = [0x80, 0, 0] } }\n\n\
    [[modes.mappings]]\ntrigger = { Note = { note = 127 } }\naction = { SendMidi = { bytes = [0x90, 127, 127] } }\n";

#[derive(Debug, Clone)]
enum Kind {
    Conductor(PathBuf),
    Mididings {
        python: PathBuf,
        backend: &'static str,
    },
}

#[derive(Debug, Clone)]
struct Loop {
    name: String,
    kind: Kind,
}

/// What one `jack_midi_latency_test` run reported.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LatencyReport {
    /// Round trips in milliseconds, rebuilt from its 0.1 ms latency plot (bin centres).
    pub samples_ms: Vec<f64>,
    /// Its average latency, ms.
    pub average_ms: f64,
    /// Its lowest latency, ms.
    pub lowest_ms: f64,
    /// Its highest latency, ms.
    pub highest_ms: f64,
    /// Messages sent and received.
    pub sent: u64,
    /// Messages received back.
    pub received: u64,
    /// JACK xruns the test saw (periods in which some client did not finish in time).
    pub xruns: u64,
}

/// Runs the comparison.
pub fn run(h: &Harness) -> Vec<Section> {
    let mut section = Section::new(
        "midi",
        "6. Real MIDI path: jack_midi_latency_test round trip through a JACK dummy server",
    );
    let tools = [
        "jackd",
        "jack_midi_latency_test",
        "jack_connect",
        "jack_disconnect",
        "jack_lsp",
    ];
    if let Some(missing) = tools.iter().find(|t| which::which(t).is_err()) {
        section.skip(
            "all",
            Absent::Jack,
            format!("`{missing}` is not installed (Debian: apt-get install jackd2)"),
        );
        return vec![section];
    }
    let mut loops = Vec::new();
    let cli = h.cli.clone();
    if cli.is_file() {
        loops.push(Loop {
            name: CONDUCTOR.into(),
            kind: Kind::Conductor(cli),
        });
    } else {
        section.skip(
            CONDUCTOR,
            Absent::JackCli,
            format!(
                "{} is missing: scripts/bench.sh builds the CLI with JACK and puts it there \
                 (as scripts/test.sh does after its JACK tests), or pass --cli",
                cli.display()
            ),
        );
    }
    match mididings_python(h) {
        Ok(python) => {
            for backend in ["jack-rt", "jack"] {
                loops.push(Loop {
                    name: format!("mididings Pass(), backend {backend}"),
                    kind: Kind::Mididings {
                        python: python.clone(),
                        backend,
                    },
                });
            }
        }
        Err(MididingsMissing::Venv(reason)) => {
            section.skip("mididings", Absent::PythonVenv, reason)
        }
        Err(MididingsMissing::Package(reason)) => {
            section.skip("mididings", Absent::PythonPackage, reason)
        }
        Err(MididingsMissing::Error(error)) => section.fail("mididings", error),
    }
    if loops.is_empty() {
        return vec![section];
    }
    // Many short rounds rather than a few long ones: the latency test never resends a
    // message lost in a JACK xrun (frequent on a busy machine without real-time
    // scheduling) and waits for it until the harness gives up on the round.
    // Three rounds even in smoke mode: on a loaded machine a single round can lose a
    // message to an xrun, and a contender fails only when every round does.
    let samples = h.count(128, 16);
    let rounds = h.count(8, 3);
    let server = match JackServer::start(h) {
        Ok(s) => s,
        Err(e) => {
            section.fail("all", format!("{e:#}"));
            return vec![section];
        }
    };
    let mut results: Vec<Vec<LatencyReport>> = vec![Vec::new(); loops.len()];
    // A round that fails (a message lost to an xrun on a busy machine, say) is
    // reported; the contender carries on with the next round.
    let mut failed: Vec<Vec<String>> = vec![Vec::new(); loops.len()];
    for round in 0..rounds {
        for (i, l) in loops.iter().enumerate() {
            match round_trip(h, &server, l, samples, round) {
                Ok(r) => results[i].push(r),
                Err(e) => failed[i].push(format!("round {}: {e:#}", round + 1)),
            }
        }
    }
    let realtime = server.realtime;
    drop(server);
    for ((l, reports), f) in loops.iter().zip(results).zip(failed) {
        if reports.is_empty() {
            section.fail(&l.name, format!("every round failed: {}", f.join("; ")));
            continue;
        }
        if !f.is_empty() {
            section.fact(
                format!("{}: failed rounds", l.name),
                format!("{} of {rounds}: {}", f.len(), f.join("; ")),
            );
        }
        let ns: Vec<f64> = reports
            .iter()
            .flat_map(|r| r.samples_ms.iter().map(|ms| ms * 1e6))
            .collect();
        let sent: u64 = reports.iter().map(|r| r.sent).sum();
        let received: u64 = reports.iter().map(|r| r.received).sum();
        let avg = reports.iter().map(|r| r.average_ms).sum::<f64>() / reports.len().max(1) as f64;
        let lo = reports
            .iter()
            .map(|r| r.lowest_ms)
            .fold(f64::INFINITY, f64::min);
        let hi = reports.iter().map(|r| r.highest_ms).fold(0.0, f64::max);
        let xruns: u64 = reports.iter().map(|r| r.xruns).sum();
        section.fact(
            &l.name,
            format!(
                "{} complete rounds: {received}/{sent} messages came back, {xruns} xruns; \
                 average {avg:.2} ms, lowest {lo:.2} ms, highest {hi:.2} ms",
                reports.len()
            ),
        );
        section.fact(format!("{}: jitter", l.name), jitter(&ns));
        section.series.push(Series::nanos(&l.name, ns));
    }
    section.fact(
        "JACK",
        format!(
            "dummy driver, {RATE} Hz, {PERIOD}-frame period ({:.2} ms), {}",
            PERIOD as f64 * 1000.0 / RATE as f64,
            if realtime {
                "real-time scheduling"
            } else {
                "without real-time scheduling (not permitted here)"
            }
        ),
    );
    section.method = format!(
        "{rounds} rounds × {samples} messages per contender, contenders alternating each \
         round. Medians and p99 come from the test's latency plot (0.1 ms bins, bin centres)."
    );
    vec![section]
}

/// How much the round trips vary: p99 − p1 and the standard deviation.
fn jitter(ns: &[f64]) -> String {
    let mut sorted = ns.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len().max(1) as f64;
    let mean = sorted.iter().sum::<f64>() / n;
    let sd = (sorted.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
    format!(
        "p99 − p1 {} (p1 {}, p99 {}), standard deviation {}",
        format_ns(percentile(&sorted, 99.0) - percentile(&sorted, 1.0)),
        format_ns(percentile(&sorted, 1.0)),
        format_ns(percentile(&sorted, 99.0)),
        format_ns(sd)
    )
}

/// The venv's interpreter, if it can import mididings; otherwise why not.
/// Why mididings cannot take part.
enum MididingsMissing {
    /// No virtualenv at all.
    Venv(String),
    /// The virtualenv lacks mididings, or its JACK backend.
    Package(String),
    /// Anything else: a failure.
    Error(String),
}

fn mididings_python(h: &Harness) -> Result<PathBuf, MididingsMissing> {
    let Some(python) = &h.python else {
        return Err(MididingsMissing::Venv(h.python_missing.clone()));
    };
    let out = Command::new(python)
        .args([
            "-c",
            "import importlib.util, sys\n\
             if importlib.util.find_spec('mididings') is None: sys.exit(3)\n\
             import mididings, _mididings; print(_mididings.available_backends())",
        ])
        .output()
        .map_err(|e| MididingsMissing::Error(format!("cannot run {}: {e}", python.display())))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if out.status.code() == Some(3) {
        return Err(MididingsMissing::Package(format!(
            "the Python package `mididings` is not installed in {}; scripts/bench.sh installs it",
            python.display()
        )));
    }
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err.lines().last().unwrap_or("").trim();
        return Err(MididingsMissing::Error(format!(
            "mididings is installed but does not import ({last}); see BENCHMARKS.md"
        )));
    }
    if !stdout.contains("jack") {
        return Err(MididingsMissing::Package(format!(
            "mididings was built without its JACK backend (backends: {})",
            stdout.trim()
        )));
    }
    Ok(python.clone())
}

/// A JACK dummy server with a name of its own, stopped on drop.
struct JackServer {
    name: String,
    child: Child,
    /// Whether the system let it use real-time scheduling.
    realtime: bool,
}

impl JackServer {
    /// Starts the server with real-time scheduling where the system allows it (JACK's
    /// default; without the privilege it warns and runs without), so other work on the
    /// machine does not starve the JACK threads into xruns.
    fn start(h: &Harness) -> anyhow::Result<JackServer> {
        let name = format!("conductor-bench-{}", std::process::id());
        let log_path = h.log_path("jackd");
        let log = std::fs::File::create(&log_path)?;
        let child = Command::new("jackd")
            .args(["-n", &name, "-d", "dummy"])
            .args(["-r", &RATE.to_string(), "-p", &PERIOD.to_string()])
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("cannot start jackd")?;
        let mut server = JackServer {
            name,
            child,
            realtime: false,
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if server.lsp(&[]).is_ok() {
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                server.realtime = log.contains("realtime mode")
                    && !log.contains("Cannot use real-time scheduling");
                return Ok(server);
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        bail!(
            "jackd did not start within 15 s; its log is {}",
            h.log_path("jackd").display()
        )
    }

    /// A command that talks to this server and never starts another.
    fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("JACK_DEFAULT_SERVER", &self.name)
            .env("JACK_NO_START_SERVER", "1");
        cmd
    }

    /// `jack_lsp` output.
    fn lsp(&self, args: &[&str]) -> anyhow::Result<String> {
        let (status, stdout) = run_tool(self.command("jack_lsp").args(args))?;
        match status {
            Some(status) if status.success() => Ok(stdout),
            Some(status) => bail!("jack_lsp failed ({status})"),
            None => bail!("jack_lsp did not finish within {} s", TOOL_LIMIT.as_secs()),
        }
    }

    /// Every port, with whether it is an input.
    fn ports(&self) -> anyhow::Result<Vec<(String, bool)>> {
        Ok(parse_lsp_properties(&self.lsp(&["-p"])?))
    }

    /// Runs `jack_connect` or `jack_disconnect` on two ports. Failure (there was no
    /// such connection to remove) is harmless.
    fn run(&self, tool: &str, from: &str, to: &str) {
        let _ = run_tool(self.command(tool).args([from, to]));
    }
}

/// How long a JACK tool (`jack_lsp`, `jack_connect`) may run. They take milliseconds,
/// but libjack can hang in `jack_client_close` when clients come and go on a busy
/// machine; such a tool is killed after this (its work is done by then).
const TOOL_LIMIT: Duration = Duration::from_secs(5);

/// Runs a JACK tool: its exit status (`None` when it was killed after [`TOOL_LIMIT`])
/// and what it printed on stdout.
fn run_tool(command: &mut Command) -> anyhow::Result<(Option<std::process::ExitStatus>, String)> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut stdout = child.stdout.take().context("piped stdout")?;
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut text);
        text
    });
    let deadline = Instant::now() + TOOL_LIMIT;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Ok((status, reader.join().unwrap_or_default()))
}

impl Drop for JackServer {
    fn drop(&mut self) {
        terminate(&mut self.child);
    }
}

/// Stops a child with SIGTERM, then SIGKILL if it lingers.
fn terminate(child: &mut Child) {
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: sending a signal to our own child process id.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
    }
    for _ in 0..50 {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Parses `jack_lsp -p`: a port name per line, each followed by an indented
/// `properties: input,physical,...` line.
pub fn parse_lsp_properties(text: &str) -> Vec<(String, bool)> {
    let mut ports = Vec::new();
    for line in text.lines() {
        if let Some(props) = line.trim_start().strip_prefix("properties:") {
            if let Some((_, is_input)) = ports.last_mut() {
                *is_input = props.split(',').any(|p| p.trim() == "input");
            }
        } else if !line.starts_with(char::is_whitespace) && !line.is_empty() {
            ports.push((line.to_string(), false));
        }
    }
    ports
}

/// One latency-test run looped through `l`.
fn round_trip(
    h: &Harness,
    server: &JackServer,
    l: &Loop,
    samples: usize,
    round: usize,
) -> anyhow::Result<LatencyReport> {
    const TEST_IN: &str = "jack_midi_latency_test:in";
    const TEST_OUT: &str = "jack_midi_latency_test:out";
    let slug = format!("midi-{}-{round}", l.name);
    let test_log = h.log_path(&format!("{slug}-latency-test"));
    let mut test = server
        .command("jack_midi_latency_test")
        .args(["-s", &samples.to_string(), "-t", "10"])
        .stdout(std::fs::File::create(&test_log)?)
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start jack_midi_latency_test")?;
    let result = (|| {
        wait_for(Duration::from_secs(10), "the latency test's ports", || {
            Ok(server.ports()?.iter().any(|(p, _)| p == TEST_IN))
        })?;
        let before: BTreeSet<String> = server.ports()?.into_iter().map(|(p, _)| p).collect();
        let mut contender = start_loop(h, server, l, &slug)?;
        let connected = (|| {
            let log = h.log_path(&slug);
            let deadline = Instant::now() + Duration::from_secs(20);
            let (ins, outs) = loop {
                let new: Vec<(String, bool)> = server
                    .ports()
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|(p, _)| !before.contains(p))
                    .collect();
                let (ins, outs): (Vec<_>, Vec<_>) = new.into_iter().partition(|(_, input)| *input);
                if !ins.is_empty() && !outs.is_empty() {
                    break (ins, outs);
                }
                if let Some(status) = contender.try_wait()? {
                    bail!(
                        "it exited ({status}) before opening its JACK ports: {}",
                        last_line(&log)
                    );
                }
                if Instant::now() >= deadline {
                    bail!(
                        "its JACK ports did not appear within 20 s: it needs one JACK input and \
                         one JACK output port (for Conductor: a CLI built with `--features \
                         jack`); its log is {}",
                        log.display()
                    );
                }
                std::thread::sleep(Duration::from_millis(100));
            };
            // The latency test sends its first message as soon as both of its ports
            // are connected, and waits for it forever if it is lost. A message sent
            // down a connection made in the same period can be lost, so the return
            // path is connected last, after the way in has settled: a contender that
            // connected its output itself at start (the CLI's --output) is
            // disconnected first.
            for (port, _) in &outs {
                server.run("jack_disconnect", port, TEST_IN);
            }
            std::thread::sleep(Duration::from_millis(500));
            for (port, _) in &ins {
                server.run("jack_connect", TEST_OUT, port);
            }
            std::thread::sleep(Duration::from_secs(1));
            for (port, _) in &outs {
                server.run("jack_connect", port, TEST_IN);
            }
            // A round trip takes one or two 5.33 ms periods; allow 25 ms each.
            let timeout = Duration::from_secs(6 + samples as u64 / 40);
            wait_child(&mut test, timeout)
        })();
        terminate(&mut contender);
        connected
    })();
    if let Err(e) = result {
        // Stopped by a signal, the test still reports what it sent and received.
        terminate(&mut test);
        let text = std::fs::read_to_string(&test_log).unwrap_or_default();
        let tally = |label: &str| {
            text.lines()
                .find_map(|l| l.trim().strip_prefix(label).map(|v| v.trim().to_string()))
                .unwrap_or_else(|| "?".into())
        };
        bail!(
            "{e:#} ({} sent, {} came back, {} xruns)",
            tally("Messages sent:"),
            tally("Messages received:"),
            tally("Xruns:").replace('?', "0")
        );
    }
    let text = std::fs::read_to_string(&test_log)?;
    let report = parse_latency_report(&text)
        .with_context(|| format!("unexpected latency-test output in {}", test_log.display()))?;
    if report.received == 0 {
        bail!("no message came back (see {})", test_log.display());
    }
    Ok(report)
}

/// The last non-empty line of a log file, for error messages.
fn last_line(path: &std::path::Path) -> String {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| {
            t.lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .map(str::to_string)
        })
        .unwrap_or_else(|| format!("(see {})", path.display()))
}

fn start_loop(h: &Harness, server: &JackServer, l: &Loop, slug: &str) -> anyhow::Result<Child> {
    let log = std::fs::File::create(h.log_path(slug))?;
    let mut cmd = match &l.kind {
        Kind::Conductor(cli) => {
            let dir = h.scratch("midi")?;
            let config = dir.join("echo.toml");
            std::fs::write(&config, ECHO_CONFIG)?;
            let mut cmd = server.command(cli);
            cmd.arg("--config").arg(&config).args([
                "--virtual",
                "bench-in",
                "--output",
                "jack_midi_latency_test:in",
            ]);
            cmd
        }
        Kind::Mididings { python, backend } => {
            let mut cmd = server.command(python);
            cmd.arg(h.python_script("mididings_passthrough.py")).args([
                "--backend",
                backend,
                "--client",
                "mididings-bench",
            ]);
            cmd
        }
    };
    cmd.stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .with_context(|| format!("cannot start {}", l.name))
}

fn wait_for(
    timeout: Duration,
    what: &str,
    mut ready: impl FnMut() -> anyhow::Result<bool>,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        if ready().unwrap_or(false) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            bail!("{what} did not appear within {} s", timeout.as_secs());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn wait_child(child: &mut Child, timeout: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait()? {
            if !status.success() {
                bail!("jack_midi_latency_test failed ({status})");
            }
            return Ok(());
        }
        if Instant::now() >= deadline {
            bail!(
                "jack_midi_latency_test did not finish within {} s",
                timeout.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Parses `jack_midi_latency_test`'s report.
pub fn parse_latency_report(text: &str) -> anyhow::Result<LatencyReport> {
    let mut r = LatencyReport::default();
    let mut in_plot = false;
    let ms_after = |line: &str, label: &str| -> Option<f64> {
        line.strip_prefix(label)?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    };
    for line in text.lines() {
        let t = line.trim();
        if let Some(v) = ms_after(t, "Average latency:") {
            r.average_ms = v;
        } else if let Some(v) = ms_after(t, "Lowest latency:") {
            r.lowest_ms = v;
        } else if let Some(v) = ms_after(t, "Highest latency:") {
            r.highest_ms = v;
        } else if let Some(v) = t.strip_prefix("Messages sent:") {
            r.sent = v.trim().parse()?;
            in_plot = false;
        } else if let Some(v) = t.strip_prefix("Xruns:") {
            r.xruns = v.trim().parse()?;
        } else if let Some(v) = t.strip_prefix("Messages received:") {
            r.received = v.trim().parse()?;
        } else if t == "Latency Plot:" {
            in_plot = true;
        } else if in_plot && !t.is_empty() {
            let (range, count) = t
                .rsplit_once(':')
                .ok_or_else(|| anyhow!("bad latency plot line {t:?}"))?;
            let count: usize = count.trim().parse()?;
            let range = range.trim().trim_end_matches("ms").trim();
            let value = if let Some(lower) = range.strip_prefix('>') {
                lower.trim().parse::<f64>()?
            } else {
                let (a, b) = range
                    .split_once(" - ")
                    .ok_or_else(|| anyhow!("bad latency plot bin {range:?}"))?;
                (a.trim().parse::<f64>()? + b.trim().parse::<f64>()?) / 2.0
            };
            r.samples_ms.extend(std::iter::repeat_n(value, count));
        }
    }
    if r.sent == 0 {
        bail!("it reported no messages sent");
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "Waiting for connections ...\nWaiting for test completion ...\n\n\
Reported out-port latency: 0.00-0.00 ms (0-0 frames)\nReported in-port latency: 0.00-0.00 ms (0-0 frames)\n\
Average latency: 5.40 ms (259.20 frames)\nLowest latency: 5.33 ms (256 frames)\n\
Highest latency: 10.67 ms (512 frames)\nPeak MIDI jitter: 5.33 ms (256 frames)\n\
Average MIDI jitter: 0.11 ms (5.18 frames)\n\nJitter Plot:\n0.0 - 0.1 ms: 1000\n\n\
Latency Plot:\n5.3 - 5.4 ms: 1000\n10.6 - 10.7 ms: 20\n     > 15.3 ms: 4\n\n\
Messages sent: 1024\nMessages received: 1024\n";

    #[test]
    fn latency_report_is_rebuilt_from_the_plot() {
        let r = parse_latency_report(REPORT).unwrap();
        assert_eq!(r.samples_ms.len(), 1024);
        assert!((r.samples_ms[0] - 5.35).abs() < 1e-9);
        assert_eq!(r.samples_ms[1023], 15.3);
        assert_eq!((r.sent, r.received), (1024, 1024));
        assert_eq!(r.average_ms, 5.40);
        assert!(parse_latency_report("Waiting for connections ...\n").is_err());
    }

    #[test]
    fn jitter_is_p99_minus_p1_and_the_standard_deviation() {
        let ns: Vec<f64> = (0..=100).map(|i| f64::from(i) * 1e6).collect();
        assert_eq!(
            jitter(&ns),
            "p99 − p1 98.0 ms (p1 1.00 ms, p99 99.0 ms), standard deviation 29.2 ms"
        );
        assert!(jitter(&[5e6; 4]).starts_with("p99 − p1 0.00 ns"));
    }

    #[test]
    fn lsp_properties_tell_inputs_from_outputs() {
        let text = "system:capture_1\n\tproperties: output,physical,terminal,\n\
                    bench:in\n\tproperties: input,\n";
        assert_eq!(
            parse_lsp_properties(text),
            vec![
                ("system:capture_1".to_string(), false),
                ("bench:in".to_string(), true)
            ]
        );
    }
}
