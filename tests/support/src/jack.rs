//! Helpers for tests that need a real JACK server: start one with the dummy driver when
//! none runs (stopped again when the test ends), run JACK's own tools with a time limit,
//! find and connect ports, and watch what a program prints.
//!
//! The tests need the JACK tools (Debian `jackd2`; `scripts/setup.sh` installs them). If
//! no server runs and none can be started, the test fails and says why; it is never
//! silently skipped.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

/// How long to wait for each step (server start, port appearing, a line being printed)
/// before giving up with a message. Generous: CI machines are slow; the tests go on as
/// soon as each step happens.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// Kills a child process when dropped (the JACK tools run until stopped).
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// How long a JACK tool (`jack_lsp`, `jack_connect`) may take. They finish in
/// milliseconds, but libjack can hang in `jack_client_close` when clients come and go
/// under load; such a tool is killed (its work is done by then).
pub const TOOL_LIMIT: Duration = Duration::from_secs(5);

/// A JACK tool that never starts a server behind the test's back.
pub fn tool(name: &str) -> Command {
    let mut c = Command::new(name);
    c.env("JACK_NO_START_SERVER", "1");
    c
}

/// What a tool run by [`run_tool`] did.
pub struct ToolRun {
    /// Its exit status; `None` when it was killed after [`TOOL_LIMIT`].
    pub status: Option<ExitStatus>,
    /// What it printed to stdout.
    pub stdout: String,
    /// What it printed to stderr.
    pub stderr: String,
}

impl ToolRun {
    /// Whether it finished in time with exit code 0.
    pub fn success(&self) -> bool {
        self.status.is_some_and(|s| s.success())
    }
}

/// Runs a JACK tool, killing it if it takes longer than [`TOOL_LIMIT`].
pub fn run_tool(command: &mut Command) -> ToolRun {
    let program = format!("{:?}", command.get_program());
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program} (Debian package jackd2): {e}"));
    let read_all = |stream: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut stream) = stream {
                let _ = stream.read_to_string(&mut text);
            }
            text
        })
    };
    let stdout = read_all(child.stdout.take().map(|s| Box::new(s) as _));
    let stderr = read_all(child.stderr.take().map(|s| Box::new(s) as _));
    let deadline = Instant::now() + TOOL_LIMIT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    ToolRun {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }
}

fn server_running() -> bool {
    run_tool(&mut tool("jack_lsp")).success()
}

/// The JACK server a test started (stopped when dropped), with what it printed.
pub struct Server {
    _child: Killed,
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// How many xruns the server has reported so far.
    pub fn xruns(&self) -> usize {
        let log = self.log.lock().unwrap();
        log.iter().filter(|l| l.contains("XRun")).count()
    }
}

/// The server a test of this process started, while a test still holds it.
static STARTED: Mutex<Weak<Server>> = Mutex::new(Weak::new());

/// Makes sure a JACK server runs; returns the server when a test of this process
/// started it (it stops when the last test holding it drops it): the dummy driver at
/// 48 kHz with 256-frame (5.33 ms) periods, as the benchmark runs it, and real-time
/// scheduling where the system allows it (JACK goes on without it, with a warning,
/// where it does not), so other work on the machine does not starve it. Tests running
/// in parallel share one server.
pub fn ensure_server() -> Option<Arc<Server>> {
    let mut started = STARTED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(server) = started.upgrade() {
        return Some(server);
    }
    if server_running() {
        return None;
    }
    let server = Arc::new(start_server());
    *started = Arc::downgrade(&server);
    Some(server)
}

/// Starts `jackd` with the dummy driver and waits until it answers.
fn start_server() -> Server {
    let mut jackd = Command::new("jackd");
    jackd
        .args(["-d", "dummy", "-r", "48000", "-p", "256"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = jackd.spawn().unwrap_or_else(|e| {
        panic!(
            "cannot start the JACK server (`jackd -d dummy -r 48000 -p 256`): {e}. Install \
             Debian's jackd2 (scripts/setup.sh does) to run this test"
        )
    });
    // Read what it prints all along: a full pipe would block the server.
    let log = Arc::new(Mutex::new(Vec::new()));
    let stderr = child.stderr.take().expect("piped");
    {
        let log = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                log.lock().unwrap().push(line);
            }
        });
    }
    let deadline = Instant::now() + PATIENCE;
    while !server_running() {
        if let Ok(Some(status)) = child.try_wait() {
            // Give the reader a moment to collect the last lines.
            std::thread::sleep(Duration::from_millis(100));
            let printed = log.lock().unwrap().join("\n");
            panic!("the JACK server exited at start ({status}):\n{printed}");
        }
        assert!(
            Instant::now() < deadline,
            "the JACK server did not come up within {PATIENCE:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Server {
        _child: Killed(child),
        log,
    }
}

/// Forwards each line of `stream` to a channel, from a thread.
pub fn lines_of(stream: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Waits for a line containing `wanted`, collecting everything seen for the failure
/// message.
pub fn wait_for_line(rx: &Receiver<String>, wanted: &str, seen: &mut Vec<String>, what: &str) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                let found = line.contains(wanted);
                seen.push(line);
                if found {
                    return;
                }
            }
            Err(RecvTimeoutError::Timeout) => panic!(
                "{what}: no line with {wanted:?} within {PATIENCE:?}; seen:\n{}",
                seen.join("\n")
            ),
            Err(RecvTimeoutError::Disconnected) => panic!(
                "{what}: the output ended without a line with {wanted:?}; seen:\n{}",
                seen.join("\n")
            ),
        }
    }
}

/// The full JACK name of the port called `name` (`client:port`), or whose port part is
/// `name`, once it exists.
pub fn find_port(name: &str) -> String {
    let deadline = Instant::now() + PATIENCE;
    let suffix = format!(":{name}");
    loop {
        let text = run_tool(&mut tool("jack_lsp")).stdout;
        if let Some(port) = text.lines().find(|l| *l == name || l.ends_with(&suffix)) {
            return port.to_string();
        }
        assert!(
            Instant::now() < deadline,
            "no JACK port {name} appeared; ports:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `jack_connect FROM TO`, which must not fail (when it hangs and is killed, the
/// connection is usually made; callers that depend on it wait with [`wait_connected`]).
pub fn jack_connect(from: &str, to: &str) {
    let run = run_tool(tool("jack_connect").args([from, to]));
    if run.status.is_some() && !run.success() {
        let ports = run_tool(tool("jack_lsp").arg("-c")).stdout;
        panic!(
            "jack_connect {from} {to} failed: {}; ports and connections:\n{ports}",
            run.stderr.trim()
        );
    }
}

/// The ports connected to `port`, as the server's current graph has them.
pub fn connections(port: &str) -> Vec<String> {
    run_tool(tool("jack_lsp").args(["-c", port]))
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("   "))
        .map(str::to_string)
        .collect()
}

/// Waits until the server's graph connects `port` to a port whose name ends with
/// `other` (a full name or `:port`).
pub fn wait_connected(port: &str, other: &str) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let now = connections(port);
        if now.iter().any(|c| c == other || c.ends_with(other)) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{port} is not connected to {other} after {PATIENCE:?}; its connections: {now:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}
