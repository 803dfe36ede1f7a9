//! Running a child process with a deadline: a program that hangs fails its test with
//! what it printed so far instead of hanging the test run. Shared by the CLI tests and
//! the C API tests (`conductor-ffi/tests/common` includes this file by path).
#![allow(dead_code)]

use std::io::Read;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a program run by a test may take before it counts as hung. Generous: it
/// only ends runs that would otherwise never end, on a busy CI machine.
pub const CHILD_LIMIT: Duration = Duration::from_secs(180);

/// One output stream of a child, collected as it arrives so a hung child's output so
/// far can be shown.
struct Collected {
    bytes: Arc<Mutex<Vec<u8>>>,
    reader: Option<JoinHandle<()>>,
}

impl Collected {
    fn start(stream: Option<impl Read + Send + 'static>) -> Collected {
        let bytes = Arc::new(Mutex::new(Vec::new()));
        let reader = stream.map(|mut stream| {
            let bytes = Arc::clone(&bytes);
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    bytes.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            })
        });
        Collected { bytes, reader }
    }

    /// Everything read, after the stream closed (or, when `wait` is false, so far).
    fn take(mut self, wait: bool) -> Vec<u8> {
        if let Some(reader) = self.reader.take() {
            if wait {
                let _ = reader.join();
            }
        }
        std::mem::take(&mut *self.bytes.lock().unwrap())
    }
}

/// Spawns `command` with stdout and stderr piped (stdin from /dev/null unless the
/// caller set it) and waits for it like [`Command::output`], but for at most `limit`:
/// a child still running then is killed and the test fails with its command line and
/// everything it printed.
pub fn output_within(command: &mut Command, limit: Duration) -> Output {
    let line = format!("{command:?}");
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {line}: {e}"));
    wait_within(child, &line, limit)
}

/// Waits for `child` (its stdout and stderr piped, stdin already written and closed)
/// for at most `limit`, as [`output_within`] does. `what` names it in the failure.
pub fn wait_within(mut child: Child, what: &str, limit: Duration) -> Output {
    let stdout = Collected::start(child.stdout.take());
    let stderr = Collected::start(child.stderr.take());
    match wait_status(&mut child, limit) {
        Some(status) => Output {
            status,
            stdout: stdout.take(true),
            stderr: stderr.take(true),
        },
        None => {
            let _ = child.kill();
            let _ = child.wait();
            // A grandchild may still hold the pipes open: show what arrived, do not
            // wait for the end of the streams.
            std::thread::sleep(Duration::from_millis(200));
            panic!(
                "{what} did not finish within {limit:?} and was killed\n--- stdout so far ---\n\
                 {}\n--- stderr so far ---\n{}",
                String::from_utf8_lossy(&stdout.take(false)),
                String::from_utf8_lossy(&stderr.take(false))
            );
        }
    }
}

/// The child's exit status, or `None` if it is still running after `limit`.
pub fn wait_status(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            Ok(None) => return None,
            Err(e) => panic!("cannot wait for the child process: {e}"),
        }
    }
}
