//! `process_run(head_ptr, head_len, stdin_ptr, stdin_len) -> i32` (capability
//! Subprocess, explicit approval only): runs a command from an argv (no shell), with a
//! timeout after which it is killed, and captures its output.

use std::io::{Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::json;
use wait_timeout::ChildExt;

use super::{
    finish, framed, read_capped, require, Failure, HostCaller, HostErrorCode, MAX_HEAD_BYTES,
};
use crate::plugin::Capability;

/// The JSON head: `{"argv": ["echo", "hello"], "timeout_ms": 1000}`.
#[derive(Deserialize)]
struct RunHead {
    argv: Vec<String>,
    timeout_ms: Option<u64>,
}

/// Runs the command; the bytes at `stdin_ptr` are its standard input. Returns 0 when
/// the command ran to its end, whatever its exit status, with a framed result: the head
/// `{"exit_code", "signal", "success", "stdout_len", "stderr_len", "truncated"}`, a
/// newline, stdout, stderr. [`HostErrorCode::Timeout`] when it was killed at the
/// timeout, [`HostErrorCode::Io`] when it cannot be started.
pub(super) fn process_run(
    mut caller: HostCaller<'_>,
    head_ptr: i32,
    head_len: i32,
    stdin_ptr: i32,
    stdin_len: i32,
) -> wasmtime::Result<i32> {
    let outcome = run(&mut caller, head_ptr, head_len, stdin_ptr, stdin_len);
    finish(&mut caller, "process_run", outcome)
}

fn run(
    caller: &mut HostCaller<'_>,
    head_ptr: i32,
    head_len: i32,
    stdin_ptr: i32,
    stdin_len: i32,
) -> Result<(i32, Vec<u8>), Failure> {
    require(caller, "process_run", Capability::Subprocess)?;
    let head = read_capped(caller, "the command", head_ptr, head_len, MAX_HEAD_BYTES)?;
    let cap = caller.data().host.env.services.max_response_bytes;
    let stdin = read_capped(caller, "the command's input", stdin_ptr, stdin_len, cap)?;
    let head: RunHead = serde_json::from_slice(&head).map_err(|e| {
        Failure::new(
            HostErrorCode::Invalid,
            format!("process_run needs a JSON head like {{\"argv\": [\"echo\", \"hello\"]}}: {e}"),
        )
    })?;
    if head.argv.is_empty() || head.argv[0].is_empty() {
        return Err(Failure::new(
            HostErrorCode::Invalid,
            "process_run needs a non-empty argv: the program, then its arguments",
        ));
    }
    let state = &caller.data().host;
    let limit = head
        .timeout_ms
        .map(Duration::from_millis)
        .unwrap_or(Duration::MAX)
        .min(state.remaining());
    let cap = state.env.services.max_response_bytes;
    execute(&head.argv, stdin, limit, cap)
}

fn execute(
    argv: &[String],
    stdin: Vec<u8>,
    limit: Duration,
    cap: usize,
) -> Result<(i32, Vec<u8>), Failure> {
    let shown = argv.join(" ");
    let deadline = Instant::now() + limit;
    let mut command = Command::new(&argv[0]);
    command
        .args(&argv[1..])
        .stdin(if stdin.is_empty() {
            Stdio::null()
        } else {
            Stdio::piped()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Its own process group, so a timeout kills whatever the command started too.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .spawn()
        .map_err(|e| Failure::new(HostErrorCode::Io, format!("cannot run `{shown}`: {e}")))?;
    if let Some(mut input) = child.stdin.take() {
        std::thread::spawn(move || {
            let _ = input.write_all(&stdin);
        });
    }
    let (done_tx, done_rx) = mpsc::channel();
    let stdout = Captured::start(child.stdout.take(), cap, done_tx.clone());
    let stderr = Captured::start(child.stderr.take(), cap, done_tx);
    let status = match child.wait_timeout(limit) {
        Ok(Some(status)) => status,
        Ok(None) => {
            kill(&mut child);
            return Err(Failure::new(
                HostErrorCode::Timeout,
                format!(
                    "`{shown}` did not finish within {} ms and was killed",
                    limit.as_millis()
                ),
            ));
        }
        Err(e) => {
            kill(&mut child);
            return Err(Failure::new(
                HostErrorCode::Io,
                format!("waiting for `{shown}` failed: {e}"),
            ));
        }
    };
    // Both readers end at end of file; a background process the command left holding
    // the pipes must not keep the plugin waiting past its deadline.
    for _ in 0..2 {
        let left = deadline.saturating_duration_since(Instant::now());
        if done_rx.recv_timeout(left).is_err() {
            break;
        }
    }
    let (out, out_cut) = stdout.take();
    let (err, err_cut) = stderr.take();
    let head = json!({
        "exit_code": status.code(),
        "signal": signal(&status),
        "success": status.success(),
        "stdout_len": out.len(),
        "stderr_len": err.len(),
        "truncated": out_cut || err_cut,
    });
    Ok((0, framed(&head, &[&out, &err])))
}

/// Kills the command and its process group, and reaps it.
fn kill(child: &mut Child) {
    #[cfg(unix)]
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: kill(2) with a negative pid signals the process group the child
        // leads (it was started with process_group(0)); it touches no memory.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(unix)]
fn signal(status: &ExitStatus) -> Option<i32> {
    std::os::unix::process::ExitStatusExt::signal(status)
}

#[cfg(not(unix))]
fn signal(_status: &ExitStatus) -> Option<i32> {
    None
}

/// One output stream read on its own thread: the first `cap` bytes are kept, the rest
/// is read and dropped so the command never blocks on a full pipe.
struct Captured {
    data: Arc<Mutex<(Vec<u8>, bool)>>,
}

impl Captured {
    fn start(
        stream: Option<impl Read + Send + 'static>,
        cap: usize,
        done: mpsc::Sender<()>,
    ) -> Self {
        let data = Arc::new(Mutex::new((Vec::new(), false)));
        let shared = data.clone();
        std::thread::spawn(move || {
            if let Some(mut stream) = stream {
                let mut chunk = [0u8; 8192];
                while let Ok(n) = stream.read(&mut chunk) {
                    if n == 0 {
                        break;
                    }
                    let mut guard = shared.lock().unwrap_or_else(PoisonError::into_inner);
                    let room = cap.saturating_sub(guard.0.len());
                    guard.0.extend_from_slice(&chunk[..n.min(room)]);
                    if n > room {
                        guard.1 = true;
                    }
                }
            }
            let _ = done.send(());
        });
        Self { data }
    }

    /// The bytes kept so far and whether some were dropped.
    fn take(&self) -> (Vec<u8>, bool) {
        let mut guard = self.data.lock().unwrap_or_else(PoisonError::into_inner);
        (std::mem::take(&mut guard.0), guard.1)
    }
}
